//! The `Cloud` port: everything the engine needs from a back end, and nothing about how the back
//! end does it. The emulator implements it in process and over its ARM API; `slotdrill-azure`
//! implements it over Azure Resource Manager. There is no `if live` in the engine.

use serde::{Deserialize, Serialize};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;

/// Why a back-end call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// What was asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A workflow changed between the read and the write.
    #[error("workflow `{workflow}` changed (version {expected} expected, {found} found)")]
    VersionChanged {
        /// The workflow.
        workflow: String,
        /// The version the engine read.
        expected: String,
        /// The version it found.
        found: String,
    },
    /// The back end refused or failed the operation.
    #[error("{0}")]
    Failed(String),
}

/// One slot as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSnapshot {
    /// Its name.
    pub name: String,
    /// `defaultHostName`.
    pub host_name: String,
    /// The release it holds (the release setting, else what the back end knows).
    pub release: Option<String>,
    /// Whether it is running.
    pub running: bool,
    /// The functions of the release it holds.
    pub functions: Vec<String>,
    /// Its app settings (values are configuration, not keys).
    pub settings: std::collections::BTreeMap<String, String>,
    /// True when something was deployed to it after its last swap.
    pub deployed_since_swap: bool,
    /// `slotSwapStatus`: (source, destination) of its last swap.
    pub last_swap: Option<(String, String)>,
    /// When the slot began serving what it serves now (its last swap, or a deploy after it), as
    /// a [`HistoryMark`]; `None` when the back end cannot tell.
    pub live_since: Option<HistoryMark>,
}

/// A position in a back end's history, comparable only with marks from the same back end: the
/// emulator's change sequence, or milliseconds since the epoch from ARM. Diagnosis uses it to
/// ignore runs that finished against content a slot no longer serves.
pub type HistoryMark = u64;

/// One function app as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSnapshot {
    /// Its name.
    pub name: String,
    /// Sticky app setting names.
    pub sticky: Vec<String>,
    /// Its slots, production first.
    pub slots: Vec<SlotSnapshot>,
}

impl AppSnapshot {
    /// A slot by name (case-insensitive).
    pub fn slot(&self, name: &str) -> Option<&SlotSnapshot> {
        self.slots
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// A workflow as read, with the version to check before writing it back.
#[derive(Debug, Clone)]
pub struct WorkflowRead {
    /// The document.
    pub document: Document,
    /// `properties.version`.
    pub version: String,
}

/// One action of one past run, for diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// The run.
    pub run: String,
    /// The action.
    pub action: String,
    /// `Succeeded`, `Failed`, `Skipped`, `TimedOut`.
    pub status: String,
    /// When the run started, as a [`HistoryMark`]; `None` when the back end cannot tell.
    pub started: Option<HistoryMark>,
}

/// What the engine needs from a back end.
pub trait Cloud {
    /// Every function app in scope, with its slots.
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError>;
    /// The names of every Logic App in scope.
    fn workflows(&self) -> Result<Vec<String>, CloudError>;
    /// Reads a workflow.
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError>;
    /// Reads several workflows, in `names`' order; a back end over a network reads them at once.
    fn read_workflows(&self, names: &[String]) -> Result<Vec<WorkflowRead>, CloudError> {
        names.iter().map(|name| self.read_workflow(name)).collect()
    }
    /// Writes a workflow if it is still at `expected_version`; returns the new version.
    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError>;
    /// The `default` key of a function on a slot (`listkeys`).
    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError>;
    /// Calls a function on a slot `samples` times with the slot's own key; the statuses (0 for
    /// no answer).
    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError>;
    /// Recent run history of a workflow, newest runs first.
    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError>;
    /// Swaps `source` into `target` and waits for the result.
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError>;
    /// Runs a workflow's trigger once; true when the run succeeded.
    fn trigger(&self, workflow: &str) -> Result<bool, CloudError>;
}
