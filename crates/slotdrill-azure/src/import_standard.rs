//! `slotdrill import` of Logic Apps Standard: each `workflowapp` site becomes a
//! `[[standard_logic_app]]` whose project folder is written beside the estate
//! (`workflows/{site}/{workflow}/workflow.json`, the site's `connections.json` and
//! `parameters.json` when it has them). Settings are redacted as for function apps; a setting
//! whose value is the key of a function the site's workflows call becomes a binding by
//! reference, `keys = { SETTING = "app/slot/function" }`, so the twin's workflows call with the
//! twin's own key and no key is ever written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;
use slotdrill_engine::{AppSnapshot, Cloud, CloudError, hints_for};
use slotdrill_wdl::find_calls;

use crate::cloud::ArmCloud;
use crate::import::{OMITTED, quoted, secret, table};
use crate::standard::is_workflow_app;

/// One Logic Apps Standard site as read.
#[derive(Debug, Clone, Default)]
pub struct StandardRead {
    /// The site's name.
    pub name: String,
    /// Its app settings as read (values of secret-looking ones are replaced when written).
    pub settings: BTreeMap<String, String>,
    /// Settings holding a function key: setting → `app/slot/function`.
    pub keys: BTreeMap<String, String>,
    /// `(workflow, workflow.json)`, a `kind` given from the envelope when the file has none.
    pub workflows: Vec<(String, Value)>,
    /// The site's `connections.json`.
    pub connections: Option<Value>,
    /// The site's `parameters.json`.
    pub parameters: Option<Value>,
}

impl ArmCloud {
    /// Every Standard site of `sites`, its settings, workflows and project files, and which of
    /// its settings hold the key of a function its workflows call among `apps`.
    pub(crate) fn read_standard_sites(
        &self,
        sites: &[Value],
        apps: &[AppSnapshot],
    ) -> Result<Vec<StandardRead>, CloudError> {
        let hints = hints_for(apps);
        let mut reads = Vec::new();
        for site in sites.iter().filter(|s| is_workflow_app(s)) {
            let name = site["name"].as_str().unwrap_or_default().to_owned();
            let settings: BTreeMap<String, String> = self
                .site_settings(&name)?
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect();
            let mut read = StandardRead {
                name: name.clone(),
                ..StandardRead::default()
            };
            let mut targets = BTreeSet::new();
            for (workflow, kind) in self.site_workflows(&name)? {
                let document = self
                    .read_standard(&format!("{name}/{workflow}"), (&name, &workflow))?
                    .document;
                for call in find_calls(&document, &hints) {
                    if let (Some(app), Some(slot), Some(function)) =
                        (call.app, call.slot, call.function)
                    {
                        targets.insert((app, slot, function));
                    }
                }
                read.connections = read.connections.or(document.connections.clone());
                read.parameters = read.parameters.or(document.project_parameters.clone());
                let mut file = document.root;
                if let Some(object) = file.as_object_mut() {
                    object.entry("kind").or_insert(Value::String(kind));
                }
                read.workflows.push((workflow, file));
            }
            read.keys = self.key_bindings(&settings, &targets);
            read.settings = settings;
            reads.push(read);
        }
        Ok(reads)
    }

    /// Which `settings` hold the key of one of `targets` (`(app, slot, function)`): setting →
    /// `app/slot/function`. A key that cannot be read (a Reader may not call `listkeys`) binds
    /// nothing: its setting is then redacted like any secret.
    fn key_bindings(
        &self,
        settings: &BTreeMap<String, String>,
        targets: &BTreeSet<(String, String, String)>,
    ) -> BTreeMap<String, String> {
        let mut keys = BTreeMap::new();
        for (app, slot, function) in targets {
            let Ok(key) = self.function_key(app, slot, function) else {
                continue;
            };
            for (setting, value) in settings {
                if !value.is_empty() && value == key.expose() {
                    keys.insert(setting.clone(), format!("{app}/{slot}/{function}"));
                }
            }
        }
        keys
    }
}

/// `text` with anything but ASCII letters, digits, `-` and `_` replaced by `_` (at most 80
/// characters; `workflow` when empty), made unique among `taken` (lower case) with a suffix.
pub(crate) fn unique_stem(text: &str, taken: &mut BTreeSet<String>) -> String {
    let mut stem: String = text
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        stem.push_str("workflow");
    }
    let mut unique = stem.clone();
    let mut n = 2;
    while !taken.insert(unique.to_ascii_lowercase()) {
        unique = format!("{stem}-{n}");
        n += 1;
    }
    unique
}

/// Writes each site as a `[[standard_logic_app]]` into `out`; the project files, as paths under
/// `workflows/` (`{project}/{workflow}/workflow.json`, `{project}/connections.json`,
/// `{project}/parameters.json`). `names` holds the estate's Logic App names already taken (lower
/// case): a Standard workflow is named by its folder, and names are unique across the estate.
pub(crate) fn render(
    out: &mut String,
    sites: &[StandardRead],
    names: &mut BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut folders = BTreeSet::new();
    let mut files = Vec::new();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    for site in sites {
        if site.workflows.is_empty() {
            let _ = writeln!(
                out,
                "\n# Logic Apps Standard app {} has no workflow: left out",
                quoted(&site.name)
            );
            continue;
        }
        let project = unique_stem(&site.name, &mut folders);
        for (workflow, file) in &site.workflows {
            let folder = unique_stem(workflow, names);
            // Read as Standard by its `kind` wherever the twin puts it: `Stateful` when the file
            // has none (the envelope's `kind` was given to it when read).
            let mut file = file.clone();
            if let Some(object) = file.as_object_mut() {
                object
                    .entry("kind")
                    .or_insert(Value::String("Stateful".to_owned()));
            }
            files.push((format!("{project}/{folder}/workflow.json"), pretty(&file)));
        }
        for (name, content) in [
            ("connections.json", &site.connections),
            ("parameters.json", &site.parameters),
        ] {
            if let Some(content) = content {
                files.push((format!("{project}/{name}"), pretty(content)));
            }
        }
        let settings: BTreeMap<String, String> = site
            .settings
            .iter()
            .filter(|(name, _)| !site.keys.contains_key(*name))
            .map(|(k, v)| {
                (
                    k.clone(),
                    if secret(k, v) {
                        OMITTED.to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\n[[standard_logic_app]]\nname = {}\nproject = {}\nsettings = {}",
            quoted(&site.name),
            quoted(&format!("workflows/{project}")),
            table(&settings)
        );
        if !site.keys.is_empty() {
            let _ = writeln!(out, "keys = {}", table(&site.keys));
        }
    }
    files
}
