//! Logic Apps held by the emulator: the workflow document, its version, the function keys Azure
//! caches when a workflow is saved, its run history, and stubs for what is not emulated.

use std::collections::BTreeMap;

use serde_json::Value;
use slotdrill_model::{Estate, Secret};
use slotdrill_wdl::{CallKind, Document, Hints, find_calls};

use crate::run::Run;

/// A Logic App (consumption workflow or one Standard workflow).
#[derive(Debug, Clone)]
pub struct LogicApp {
    /// Its name.
    pub name: String,
    /// The document it was saved from.
    pub document: Document,
    /// Which workflow of the document it runs.
    pub workflow: String,
    /// Bumped on every save (ARM's `properties.version`).
    pub version: u64,
    /// Its runs, oldest first.
    pub runs: Vec<Run>,
    /// Settings for `appsetting()` (Logic Apps Standard).
    pub app_settings: BTreeMap<String, String>,
    /// Its resource group.
    pub resource_group: String,
    /// Its region.
    pub location: String,
    /// When it was first saved and last saved (virtual time).
    pub created_at: slotdrill_model::Timestamp,
    /// When it was last saved.
    pub changed_at: slotdrill_model::Timestamp,
    /// `Function` actions' targets as resolved at save time, by action.
    pub(crate) saved_targets: BTreeMap<String, SavedTarget>,
    /// ARM's `properties.state`: `false` after `disable` (or a save with state `Disabled`).
    pub enabled: bool,
    /// The versions saved before this one, oldest first, without runs (ARM's `versions`).
    pub(crate) earlier: Vec<LogicApp>,
    /// Logic Apps Standard: the site (`Microsoft.Web/sites`, `kind: functionapp,workflowapp`)
    /// that holds this workflow; its workflows share one set of app settings. `None`: a
    /// Consumption workflow, or a Standard workflow saved on its own.
    pub site: Option<String>,
}

impl LogicApp {
    pub(crate) fn new(
        name: &str,
        document: Document,
        workflow: String,
        version: u64,
        runs: Vec<Run>,
    ) -> Self {
        LogicApp {
            name: name.to_owned(),
            document,
            workflow,
            version,
            runs,
            app_settings: BTreeMap::new(),
            resource_group: "slotdrill".to_owned(),
            location: "westeurope".to_owned(),
            created_at: slotdrill_model::Timestamp::default(),
            changed_at: slotdrill_model::Timestamp::default(),
            saved_targets: BTreeMap::new(),
            enabled: true,
            earlier: Vec::new(),
            site: None,
        }
    }

    /// A copy without the run history.
    pub(crate) fn without_runs(&self) -> LogicApp {
        LogicApp {
            name: self.name.clone(),
            document: self.document.clone(),
            workflow: self.workflow.clone(),
            version: self.version,
            runs: Vec::new(),
            app_settings: self.app_settings.clone(),
            resource_group: self.resource_group.clone(),
            location: self.location.clone(),
            created_at: self.created_at,
            changed_at: self.changed_at,
            saved_targets: self.saved_targets.clone(),
            enabled: self.enabled,
            earlier: Vec::new(),
            site: self.site.clone(),
        }
    }

    /// The workflow id and signature of its Request trigger `trigger`'s callback URL: stable
    /// identifiers derived from its names (the signature is a stand-in, never a secret of ours,
    /// but reports redact it as they would Azure's).
    pub(crate) fn callback_id_and_sig(&self, trigger: &str) -> (String, String) {
        let id = format!(
            "{:016x}{:016x}",
            fnv1a(&[&self.resource_group, &self.name]),
            fnv1a(&[&self.name, &self.resource_group])
        );
        let sig = format!(
            "{:016x}{:016x}",
            fnv1a(&[&id, trigger, &format!("{:?}", self.created_at)]),
            fnv1a(&[trigger, &id])
        );
        (id, sig)
    }

    /// Resolves every `Function` action now and caches its host and key, as Azure caches the
    /// trigger URL when a workflow is saved.
    pub(crate) fn cache_function_keys(&mut self, estate: &Estate) {
        let calls = find_calls(&self.document, &Hints::default());
        for call in calls
            .into_iter()
            .filter(|c| c.kind == CallKind::Function && c.workflow == self.workflow)
        {
            let (Some(app), Some(slot), Some(function)) = (&call.app, &call.slot, &call.function)
            else {
                continue;
            };
            if let Ok(slot) = estate.slot(app, slot) {
                let target = SavedTarget {
                    host: slot.host_name().to_owned(),
                    function: function.clone(),
                    key: slot.keys().function_default(function),
                };
                self.saved_targets.insert(call.action, target);
            }
        }
    }
}

/// A `Function` action's trigger URL as Azure caches it when the workflow is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SavedTarget {
    pub(crate) host: String,
    pub(crate) function: String,
    pub(crate) key: Secret,
}

/// An answer for requests to a host that is not emulated.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpStub {
    /// Requests whose URL starts with this are answered.
    pub url_prefix: String,
    /// The status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

/// What answers for the parts of a workflow that are not emulated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stubs {
    /// HTTP endpoints outside the estate.
    pub http: Vec<HttpStub>,
    /// `ApiConnection` actions' outputs by action name (default: 200 with an empty body).
    pub api_connections: BTreeMap<String, Value>,
}

/// FNV-1a over the parts, each followed by a 0 byte: a stable identifier, not a secret.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A nonproduction deployment slot of a Logic Apps Standard site: its workflow files,
/// `connections.json` and app settings. Learn ("Set up deployment slots to enable zero downtime
/// deployment in Azure Logic Apps", known issues) says "the nonproduction slots dispatcher is
/// turned off, which means that workflows can only run when they're in the production slot", so
/// a slot holds files only: none of its workflows runs or is a caller of a function.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteSlot {
    /// The slot's name.
    pub name: String,
    /// Each workflow's `workflow.json`, by workflow (folder) name.
    pub workflows: BTreeMap<String, Value>,
    /// The slot's `connections.json`, if it has one.
    pub connections: Option<Value>,
    /// The slot's app settings.
    pub app_settings: BTreeMap<String, String>,
}

impl SiteSlot {
    /// The workflow named `name` (in any case): its name as stored and its `workflow.json`.
    pub fn workflow(&self, name: &str) -> Option<(&String, &Value)> {
        self.workflows
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}
