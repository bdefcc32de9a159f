//! The engine's typed errors.

use crate::cloud::CloudError;

/// Why the engine stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// The back end failed.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// A workflow could not be read or rewritten.
    #[error(transparent)]
    Workflow(#[from] slotdrill_wdl::WdlError),
    /// A step's precondition no longer holds; nothing was changed by that step.
    #[error("step {step}: precondition failed: {reason}")]
    PreconditionFailed {
        /// The step.
        step: usize,
        /// What is no longer true.
        reason: String,
    },
    /// A step's write was answered as done, yet the estate shows otherwise.
    #[error("step {step}: the write did not take effect: {reason}")]
    PostconditionFailed {
        /// The step.
        step: usize,
        /// What the estate shows.
        reason: String,
    },
    /// A resume cannot tell from the estate whether a step whose answer was lost took effect.
    #[error("step {step}: cannot tell whether it took effect: the estate shows {saw}. {check}")]
    CannotTell {
        /// The step.
        step: usize,
        /// What the engine saw.
        saw: String,
        /// What the operator should check.
        check: String,
    },
    /// The journal records a rollback that finished: it is not resumed for another incident.
    #[error(
        "journal {path} records a finished {decision} rollback ({steps} step(s)); pass a new --journal path to roll back again"
    )]
    JournalFinished {
        /// The journal file.
        path: String,
        /// How many steps it applied.
        steps: usize,
        /// `partial`, `full` or `mixed`.
        decision: String,
    },
    /// A resume was asked for with another mode than its journal's plan.
    #[error(
        "journal {path} holds a {planned} rollback, not {asked}: resume it without --mode, or pass a new --journal"
    )]
    ResumeModeMismatch {
        /// The journal file.
        path: String,
        /// The journal plan's decision and requested mode, in words.
        planned: String,
        /// The mode asked for now.
        asked: crate::plan::Mode,
    },
    /// An `app/function` that names no function of the estate.
    #[error("{0}: no such function in production")]
    UnknownFunction(crate::names::AppFunction),
    /// The plan refuses to roll back.
    #[error("refused: {0}")]
    Refused(String),
    /// The journal could not be read or written.
    #[error("journal {path}: {message}")]
    Journal {
        /// The journal file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Stopped on purpose after a journal record (a manual abort, or a test's crash).
    #[error("stopped after journal record {record}")]
    Interrupted {
        /// How many records were written.
        record: usize,
    },
    /// The change would alter the code that callers pinned to a slot run.
    #[error("refused: {} caller(s) are pinned to `{slot}` of `{app}` and would run other code: {}; restore them first or force", callers.len(), callers.join(", "))]
    PinnedCallers {
        /// The app.
        app: String,
        /// The slot.
        slot: String,
        /// `workflow/action` of each.
        callers: Vec<String>,
    },
}
