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
