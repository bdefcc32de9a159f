//! The `Cloud` port: everything the engine needs from a back end, and nothing about how the back
//! end does it. The emulator implements it in process and over its ARM API; `slotdrill-azure`
//! implements it over Azure Resource Manager. There is no `if live` in the engine.

use serde::{Deserialize, Serialize};
use slotdrill_model::{AzureName, Secret};
use slotdrill_wdl::Document;

/// Why a back-end call failed, in the kinds the engine acts on.
///
/// [`CloudError::did_nothing`] tells a refusal (the back end certainly changed nothing) from a
/// failure whose effect is unknown (a lost answer, a server error): a resumed rollback retries
/// the first and judges the second by what the estate shows.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// 409: another operation holds the resource, or its state forbids the change (a swap with
    /// preview pending). Nothing was changed.
    #[error("{message}")]
    Conflict {
        /// The back end's message with its status (App Service's `Message`, or ARM's
        /// `error.message`).
        message: String,
        /// `Retry-After`, when the back end sent one.
        retry_after_ms: Option<u64>,
    },
    /// 429: too many requests. Nothing was changed.
    #[error("{message}")]
    Throttled {
        /// The back end's message.
        message: String,
        /// `Retry-After`, when the back end sent one.
        retry_after_ms: Option<u64>,
    },
    /// 401 or 403. Nothing was changed.
    #[error("not authorized: {0}")]
    Unauthorized(String),
    /// The request went out and no answer came back: it may or may not have acted.
    #[error("{0}")]
    NoAnswer(String),
    /// The back end failed the operation; whether it acted is unknown.
    #[error("{message}")]
    Failed {
        /// What failed, for people.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
    },
}

impl CloudError {
    /// A failure described by `message`, with no underlying error.
    pub fn failed(message: impl Into<String>) -> CloudError {
        CloudError::Failed {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn caused_by(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> CloudError {
        CloudError::Failed {
            message: message.into(),
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// True when the back end certainly changed nothing (a refusal); false when the request may
    /// have acted (no answer, or a failure whose effect is unknown).
    pub fn did_nothing(&self) -> bool {
        !matches!(self, CloudError::NoAnswer(_) | CloudError::Failed { .. })
    }
}

/// One slot as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSnapshot {
    /// Its name.
    pub name: String,
    /// `defaultHostName`.
    pub host_name: String,
    /// What identifies the release it holds: the release label setting, else the id of its
    /// active deployment, else the package `WEBSITE_RUN_FROM_PACKAGE` names (without its query,
    /// which may hold a SAS token); `None` when nothing does.
    pub release: Option<String>,
    /// Where [`SlotSnapshot::release`] came from.
    #[serde(default)]
    pub release_source: ReleaseSource,
    /// What the back end says about that release, for people (a deployment's message and
    /// time); never used to compare releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_note: Option<String>,
    /// Whether it is running.
    pub running: bool,
    /// The functions of the release it holds.
    pub functions: Vec<String>,
    /// Its app settings (values are configuration, not keys).
    pub settings: std::collections::BTreeMap<String, String>,
    /// True when something was deployed to it after its last swap.
    pub deployed_since_swap: bool,
    /// `slotSwapStatus`: its last swap.
    pub last_swap: Option<LastSwap>,
    /// When the slot began serving what it serves now (its last swap, or a deploy after it), as
    /// a [`HistoryMark`]; `None` when the back end cannot tell.
    pub live_since: Option<HistoryMark>,
}

/// Where a slot's release identity came from, strongest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseSource {
    /// The release label app setting (`SLOTDRILL_RELEASE` unless configured).
    Label,
    /// The slot's active deployment record (`GET …/deployments`, `active: true`).
    Deployment,
    /// The package URL in `WEBSITE_RUN_FROM_PACKAGE`.
    Package,
    /// Nothing identifies the release.
    #[default]
    Unknown,
}

/// `slotSwapStatus` of a slot: its last swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSwap {
    /// `sourceSlotName`.
    pub source: String,
    /// `destinationSlotName`.
    pub destination: String,
    /// `timestampUtc` as a [`HistoryMark`]; `None` when the back end did not say.
    pub at: Option<HistoryMark>,
}

impl LastSwap {
    /// True when this swap moved `source` into `destination` (names case-insensitive).
    pub fn moved(&self, source: &str, destination: &str) -> bool {
        AzureName::same(&self.source, source) && AzureName::same(&self.destination, destination)
    }
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
        self.slots.iter().find(|s| AzureName::same(&s.name, name))
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
    /// For an action inside `Foreach` or `Until`, which iteration this is (ARM's repetition
    /// name, `000002`); `None` for the action's own record. When a run has repetitions of an
    /// action, they are what counts: its own record sums them up.
    #[serde(default)]
    pub repetition: Option<String>,
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
    /// This back end, when it may be read from several threads at once: one held in memory,
    /// whose reads change nothing and cost processor time rather than round trips (the
    /// emulator). [`observe`](crate::observe()) then reads and scans a large estate's workflows
    /// on every core, and records the same callers in the same order. `None`, the default,
    /// keeps every read on the caller's thread: a back end over a network already reads in
    /// parallel ([`Cloud::read_workflows`]) under its own limit of requests in flight, and
    /// hooks around a back end may count its calls in order.
    fn shared(&self) -> Option<&(dyn Cloud + Sync)> {
        None
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
    /// The back end's current position in its history (the emulator's change sequence, or the
    /// `Date` ARM answers with), to tell later whether a swap happened after this moment;
    /// `None` when the back end cannot tell.
    fn now(&self) -> Result<Option<HistoryMark>, CloudError> {
        Ok(None)
    }
    /// Sets app setting `name` of Logic App `logic_app` to `value`, keeping its other settings
    /// (Logic Apps Standard: the `Microsoft.Web/sites` app that holds the workflow; its
    /// `appsetting()` reads them). Setting a value it already holds changes nothing, so a resumed
    /// step may set it again. The value is a function key: it never appears in an error.
    fn set_logic_app_setting(
        &self,
        logic_app: &str,
        name: &str,
        value: &Secret,
    ) -> Result<(), CloudError>;
    /// Logic Apps Standard: writes workflow `name` (its `workflow.json`) and sets `settings` on
    /// the Logic App that holds it, as one `POST …/sites/{app}/deployWorkflowArtifacts` does
    /// (`{appSettings, files}`), if the workflow is still at `expected_version` (the file as
    /// read); returns the new version. A back end with that one call does both or neither, so a
    /// rewritten call never runs without its key setting. The default is the two-call form —
    /// each setting, then the workflow — for back ends without it; a crash between the two
    /// leaves only a setting no workflow reads yet. Values are function keys: they never appear
    /// in an error.
    fn deploy_workflow_artifacts(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
        settings: &[(String, Secret)],
    ) -> Result<String, CloudError> {
        deploy_in_two_calls(self, name, document, expected_version, settings)
    }
    /// Removes app setting `name` of Logic App `logic_app`, keeping the others; removing one
    /// that is not there changes nothing.
    fn remove_logic_app_setting(&self, logic_app: &str, name: &str) -> Result<(), CloudError>;
    /// Swaps `source` into `target` and waits for the result.
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError>;
    /// Runs a workflow's trigger once; true when the run succeeded.
    fn trigger(&self, workflow: &str) -> Result<bool, CloudError>;
}

/// [`Cloud::deploy_workflow_artifacts`] in two calls, for back ends (or workflows) without the
/// one call: each setting, then the workflow. A crash between them leaves only a setting no
/// workflow reads yet.
pub fn deploy_in_two_calls<C: Cloud + ?Sized>(
    cloud: &C,
    name: &str,
    document: &Document,
    expected_version: &str,
    settings: &[(String, Secret)],
) -> Result<String, CloudError> {
    for (setting, value) in settings {
        cloud.set_logic_app_setting(name, setting, value)?;
    }
    cloud.write_workflow(name, document, expected_version)
}
