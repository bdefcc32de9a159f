//! What a Logic App run leaves behind: its status, its actions and their outcomes (ARM's runs
//! and run actions). The runner writes these; the workflows plane keeps them.

use serde::Serialize;
use serde_json::Value;
use slotdrill_model::Timestamp;

use crate::timeline::ServedBy;

/// How an action or a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// It did what it should.
    Succeeded,
    /// It failed.
    Failed,
    /// It did not run: its `runAfter` conditions were not met.
    Skipped,
    /// It gave up waiting.
    TimedOut,
    /// A `Terminate` action ended the run as cancelled.
    Cancelled,
    /// It has not ended yet: how the management API shows a run it started until the virtual
    /// clock reaches the run's end.
    Running,
}

impl Status {
    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::TimedOut)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Skipped => "Skipped",
            Status::TimedOut => "TimedOut",
            Status::Cancelled => "Cancelled",
            Status::Running => "Running",
        }
    }
}

/// One action of one run (ARM's run action).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunAction {
    /// The action's name.
    pub name: String,
    /// The enclosing actions joined by `/`.
    pub container: String,
    /// The loop iteration it ran in, inside `Foreach` or `Until`.
    pub iteration: Option<u32>,
    /// Every loop it ran in, outermost first, with the iteration of each: ARM's
    /// `repetitionIndexes` (`scopeName`, `itemIndex`). Empty outside loops.
    pub repetition: Vec<(String, u32)>,
    /// How it ended.
    pub status: Status,
    /// ARM's `code`: the HTTP status name for calls; for a failure the code Azure's run history
    /// shows (`InvalidTemplate`, `ActionFailed`, `Unauthorized`, …); else the status.
    pub code: String,
    /// Virtual start.
    pub start: Timestamp,
    /// Virtual end.
    pub end: Timestamp,
    /// The slot and release that answered a call.
    pub served_by: Option<ServedBy>,
    /// Its inputs, keys redacted.
    pub inputs: Value,
    /// Its outputs.
    pub outputs: Value,
    /// Why it failed: Azure's message for `code`.
    pub error: Option<String>,
    /// Attempts made (retries included).
    pub attempts: u32,
}

/// One run of a workflow (ARM's run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The run's name (its id).
    pub name: String,
    /// The Logic App.
    pub workflow: String,
    /// How it ended.
    pub status: Status,
    /// Virtual start.
    pub start: Timestamp,
    /// Virtual end.
    pub end: Timestamp,
    /// The estate's change sequence when the run started (orders it against swaps and deploys
    /// in the same virtual millisecond).
    #[serde(skip)]
    pub change_sequence: u64,
    /// The trigger's body.
    pub trigger_body: Value,
    /// Every action that ran or was skipped, in the order they finished.
    pub actions: Vec<RunAction>,
    /// What a `Response` action answered, if one ran.
    pub response: Option<Value>,
    /// Why the run failed (naming the first action that failed, with its code and message) or
    /// what a `Terminate` action said.
    pub error: Option<String>,
}

impl Run {
    /// Its status as seen at `now`: `Running` until the clock reaches its end.
    pub fn status_at(&self, now: Timestamp) -> Status {
        if now < self.end {
            Status::Running
        } else {
            self.status
        }
    }
}

/// ARM's name for the iteration an action ran in: its indexes zero-padded to six digits, outer
/// loops first, joined by `-` (`000002`); `None` outside loops.
pub(crate) fn repetition_name(action: &RunAction) -> Option<String> {
    let parts: Vec<String> = action
        .repetition
        .iter()
        .map(|(_, index)| format!("{index:06}"))
        .collect();
    (!parts.is_empty()).then(|| parts.join("-"))
}
