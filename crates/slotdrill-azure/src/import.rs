//! `slotdrill import`: a resource group's function apps, slots, sticky names, settings, auto swap,
//! traffic routing, functions and Logic Apps as an estate file that `serve` and scenarios accept — a digital twin to rehearse
//! on. Values of settings that look like secrets are replaced; keys are never written (Logic Apps
//! Standard, `import_standard.rs`, reads the keys of the functions its workflows call only to
//! tell which settings hold one, and writes a binding by reference instead).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use slotdrill_engine::{AppSnapshot, Cloud, CloudError};
use slotdrill_model::HostingPlan;

use crate::cloud::ArmCloud;
pub use crate::import_standard::StandardRead;

/// What a secret setting's value becomes.
pub const OMITTED: &str = "(omitted by slotdrill import)";

/// An imported estate: the scenario file's text and the workflow files it names.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The estate, in the scenario format (no steps).
    pub estate: String,
    /// `(file name under workflows/, JSON)` for each Logic App.
    pub workflows: Vec<(String, String)>,
    /// The Logic Apps Standard project files: `(path under workflows/, JSON)`, the path
    /// `{project}/{workflow}/workflow.json`, `{project}/connections.json` or
    /// `{project}/parameters.json`, each part made of ASCII letters, digits, `-` and `_`.
    pub projects: Vec<(String, String)>,
}

/// True for settings whose value must not leave Azure.
pub(crate) fn secret(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "key",
        "secret",
        "password",
        "token",
        "connection",
        "sas",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
        || ["accountkey=", "sharedaccesskey=", "password=", "sig="]
            .iter()
            .any(|marker| value.to_ascii_lowercase().contains(marker))
}

/// The scenario spelling of a site's `sku` tier; `standard` when ARM gives none we know.
fn plan(sku: &str) -> &'static str {
    HostingPlan::from_sku_tier(sku).map_or("standard", HostingPlan::as_str)
}

/// A TOML basic string. Every control character is escaped — TOML forbids them raw, DEL
/// (U+007F) included, which JSON's escaping leaves as it is.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The file name a workflow is written under: its name made a safe, unique stem (a name from
/// the server never leaves `workflows/`), plus `.json`.
fn file_name(workflow: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    format!(
        "{}.json",
        crate::import_standard::unique_stem(workflow, taken)
    )
}

/// A TOML key, quoted when it is not bare.
fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        text.to_owned()
    } else {
        quoted(text)
    }
}

pub(crate) fn table(entries: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{} = {}", key(k), quoted(v)))
        .collect();
    format!("{{ {} }}", inner.join(", "))
}

/// What `import` read from Azure Resource Manager, before it is written as an estate.
#[derive(Debug, Clone, Default)]
pub struct ResourceGroupRead {
    /// The resource group's name.
    pub resource_group: String,
    /// Its function apps.
    pub apps: Vec<AppRead>,
    /// Its Logic Apps: `(name, definition)`.
    pub workflows: Vec<(String, Value)>,
    /// Its Logic Apps Standard sites.
    pub standard: Vec<StandardRead>,
}

/// One function app as read.
#[derive(Debug, Clone)]
pub struct AppRead {
    /// Slots, settings, functions and releases.
    pub snapshot: AppSnapshot,
    /// The site's `properties.sku` (`Dynamic`, `ElasticPremium`, …).
    pub sku: String,
    /// True when the site's `kind` says Linux.
    pub linux: bool,
    /// Each slot's `config/web`, in the order of `snapshot.slots`.
    pub slot_configs: Vec<Value>,
}

impl ArmCloud {
    /// Reads the resource group into an estate file.
    pub fn import(&self, resource_group: &str) -> Result<Imported, CloudError> {
        let listed = self.sites()?;
        let sites: BTreeMap<&str, &Value> = listed
            .iter()
            .map(|s| (s["name"].as_str().unwrap_or_default(), s))
            .collect();
        let mut read = ResourceGroupRead {
            resource_group: resource_group.to_owned(),
            ..ResourceGroupRead::default()
        };
        for app in self.apps_of(&listed)? {
            let site = sites
                .get(app.name.as_str())
                .copied()
                .unwrap_or(&Value::Null);
            let slot_configs = self
                .parallel(&app.slots, |slot| {
                    self.get(&format!("{}/config/web", self.site(&app.name, &slot.name)))
                })
                .into_iter()
                .collect::<Result<Vec<Value>, CloudError>>()?;
            read.apps.push(AppRead {
                sku: site["properties"]["sku"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                linux: site["kind"].as_str().unwrap_or_default().contains("linux"),
                snapshot: app,
                slot_configs,
            });
        }
        let snapshots: Vec<AppSnapshot> = read.apps.iter().map(|a| a.snapshot.clone()).collect();
        read.standard = self.read_standard_sites(&listed, &snapshots)?;
        // Consumption workflows only: the Standard ones were read with their site.
        let names = self.consumption_workflows()?;
        for (name, workflow) in names.iter().zip(self.read_workflows(&names)?) {
            let definition = workflow
                .document
                .workflow(None)
                .map(|w| workflow.document.definition(w).clone())
                .map_err(|e| CloudError::failed(e.to_string()))?;
            read.workflows.push((name.clone(), definition));
        }
        Ok(render(&read))
    }
}

/// Writes what was read as an estate file and its workflow files. Whatever the server sent —
/// names with quotes, control characters or `../` — the estate is valid TOML and every workflow
/// file stays inside `workflows/`.
pub fn render(read: &ResourceGroupRead) -> Imported {
    let mut out = String::new();
    let group = read.resource_group.as_str();
    let _ = writeln!(
        out,
        "# Imported by `slotdrill import` from a resource group. Values of settings that look\n# like secrets are replaced; keys are not imported.\nname = {}\nseed = 1\nresource_group = {}",
        quoted(&format!("imported from {group}")),
        quoted(group)
    );
    for app in &read.apps {
        write_app(&mut out, app);
    }
    let mut taken = std::collections::BTreeSet::new();
    let mut workflows = Vec::new();
    for (name, definition) in &read.workflows {
        let file = file_name(name, &mut taken);
        let _ = writeln!(
            out,
            "\n[[logic_app]]\nname = {}\ndefinition = {}",
            quoted(name),
            quoted(&format!("workflows/{file}"))
        );
        workflows.push((
            file,
            serde_json::to_string_pretty(definition).unwrap_or_default() + "\n",
        ));
    }
    // A Standard workflow is named by its folder; names are unique across the estate.
    let mut names: std::collections::BTreeSet<String> = read
        .workflows
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    let projects = crate::import_standard::render(&mut out, &read.standard, &mut names);
    Imported {
        estate: out,
        workflows,
        projects,
    }
}

fn write_app(out: &mut String, read: &AppRead) {
    let app = &read.snapshot;
    let _ = writeln!(out, "\n[[app]]\nname = {}", quoted(&app.name));
    let _ = writeln!(out, "plan = {}", quoted(plan(&read.sku)));
    if read.linux {
        let _ = writeln!(out, "os = \"linux\"");
    }
    let slots: Vec<String> = app.slots.iter().skip(1).map(|s| quoted(&s.name)).collect();
    let _ = writeln!(out, "slots = [{}]", slots.join(", "));
    let sticky: Vec<String> = app.sticky.iter().map(|s| quoted(s)).collect();
    let _ = writeln!(out, "sticky = [{}]", sticky.join(", "));
    let mut deployed = BTreeMap::new();
    let mut releases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for slot in &app.slots {
        let settings: BTreeMap<String, String> = slot
            .settings
            .iter()
            .map(|(k, v)| {
                let value = if secret(k, v) { OMITTED } else { v.as_str() };
                (k.clone(), value.to_owned())
            })
            .collect();
        let _ = writeln!(out, "settings.{} = {}", key(&slot.name), table(&settings));
        let release = slot
            .release
            .clone()
            .unwrap_or_else(|| format!("imported-{}", slot.name));
        deployed.insert(slot.name.clone(), release.clone());
        releases
            .entry(release)
            .or_insert_with(|| slot.functions.clone());
    }
    let _ = writeln!(out, "deployed = {}", table(&deployed));
    write_slot_config(out, read);
    for (release, functions) in releases {
        let _ = writeln!(out, "\n[app.release.{}.functions]", key(&release));
        for function in functions {
            let _ = writeln!(out, "{} = {{}}", key(&function));
        }
    }
}

/// `auto_swap` and `routing` of an app, from each slot's `config/web`. A routing rule whose host
/// is not one of the app's slots is left out, with a comment saying so.
fn write_slot_config(out: &mut String, read: &AppRead) {
    let app = &read.snapshot;
    let mut auto_swap = BTreeMap::new();
    let mut routing = Vec::new();
    for (slot, config) in app.slots.iter().zip(&read.slot_configs) {
        let properties = &config["properties"];
        if let Some(target) = properties["autoSwapSlotName"]
            .as_str()
            .filter(|t| !t.is_empty())
        {
            auto_swap.insert(slot.name.clone(), target.to_owned());
        }
        for rule in properties["experiments"]["rampUpRules"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let host = rule["actionHostName"].as_str().unwrap_or_default();
            let percentage = rule["reroutePercentage"].as_f64().unwrap_or_default();
            match app
                .slots
                .iter()
                .find(|s| s.host_name.eq_ignore_ascii_case(host))
            {
                Some(target) => routing.push(format!("{} = {percentage:?}", key(&target.name))),
                None => {
                    // The host comes from the server: escaped, so it cannot end the comment.
                    let _ = writeln!(
                        out,
                        "# routing rule to {} left out: not a slot of this app",
                        quoted(host)
                    );
                }
            }
        }
    }
    if !auto_swap.is_empty() {
        let _ = writeln!(out, "auto_swap = {}", table(&auto_swap));
    }
    if !routing.is_empty() {
        let _ = writeln!(out, "routing = {{ {} }}", routing.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_by_name_and_by_value() {
        assert!(secret("AzureWebJobsStorage_KEY", "x"));
        assert!(secret("DB_CONNECTION", "server=db"));
        assert!(secret(
            "AzureWebJobsStorage",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc=="
        ));
        assert!(secret("QUEUE", "https://q?sv=1&sig=abc"));
        assert!(!secret(slotdrill_model::RELEASE_SETTING, "v2"));
        assert!(!secret("FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated"));
    }

    #[test]
    fn tiers_become_scenario_plans() {
        assert_eq!(plan("Dynamic"), "consumption");
        assert_eq!(plan("ElasticPremium"), "premium");
        assert_eq!(plan("Premium"), "premium-v1");
        assert_eq!(plan("PremiumV3"), "premium-v3");
        assert_eq!(plan("SomethingNew"), "standard");
        assert_eq!(key("deploy"), "deploy");
        assert_eq!(key("my slot"), "\"my slot\"");
    }
}
