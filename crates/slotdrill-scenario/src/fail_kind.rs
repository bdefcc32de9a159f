//! The kinds of failure a drill step can be expected to fail with (`fails = "kind"`), and the one
//! place that decides which kind a failure is.
//!
//! The names are part of the drill format and of `slotdrill.report/1` (`error_kind`), so each is
//! written out here once, next to its variant: renaming a variant (here or in the model or the
//! engine) cannot change a drill file's meaning or a report. Parsing `fails` into a [`FailKind`]
//! when the drill is loaded makes `slotdrill check` refuse a kind no step can fail with.

use serde::{Deserialize, Serialize};
use slotdrill_emulator::EmulatorError;
use slotdrill_engine::EngineError;
use slotdrill_model::{ErrorKind, ModelError};

/// Declares [`FailKind`] with each variant's drill name written once, so the serde name, the
/// report's `error_kind` and the list of valid kinds cannot drift apart.
macro_rules! fail_kinds {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// Why a step failed, as a drill names it in `fails = "…"` and a report in `error_kind`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum FailKind {
            $($(#[doc = $doc])+ #[serde(rename = $name)] $variant,)+
        }

        impl FailKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [FailKind] = &[$(FailKind::$variant),+];

            /// The kind's name in drill files and reports, e.g. `warmup_failed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FailKind::$variant => $name,)+
                }
            }
        }
    };
}

fail_kinds! {
    /// An app, slot, release, caller or Logic App named by the step does not exist.
    NotFound = "not_found",
    /// The app, slot, release or caller the step creates exists already.
    AlreadyExists = "already_exists",
    /// A slot name Azure would refuse.
    InvalidName = "invalid_name",
    /// The app's plan allows no more slots (or none at all, as on Flex Consumption).
    SlotLimit = "slot_limit",
    /// A swap of a slot with itself.
    SwapWithSelf = "swap_with_self",
    /// A swap involving a stopped slot.
    SlotStopped = "slot_stopped",
    /// A swap while a swap with preview is still pending on the app.
    PreviewPending = "preview_pending",
    /// Completing or cancelling a swap with preview when none is pending.
    NoPreviewPending = "no_preview_pending",
    /// Swap with preview on an app with authentication on (Azure refuses it).
    PreviewWithAuthentication = "preview_with_authentication",
    /// A slot's restart failed during a swap; the swap was reverted.
    RestartFailed = "restart_failed",
    /// The warm-up of the source slot failed; the swap stopped before the routing switch.
    WarmupFailed = "warmup_failed",
    /// Auto swap on a Linux app (Azure does not offer it).
    AutoSwapOnLinux = "auto_swap_on_linux",
    /// A setting, routing rule or other configuration value Azure would refuse.
    InvalidConfig = "invalid_config",
    /// The change would leave a Logic App calling a function that no longer exists.
    CallersWouldBreak = "callers_would_break",
    /// Deleting the production slot.
    CannotDeleteProduction = "cannot_delete_production",
    /// The back end (the emulator's management API with injected faults, or ARM) failed a call.
    ControlPlaneFailed = "control_plane_failed",
    /// A workflow could not be read or rewritten, or does not call what the step names.
    WorkflowError = "workflow_error",
    /// A rollback step's precondition no longer held when the engine was about to write.
    PreconditionFailed = "precondition_failed",
    /// After a rollback step's write, what it should have made true was not.
    PostconditionFailed = "postcondition_failed",
    /// The engine could not tell whether a journaled step had taken effect.
    CannotTell = "cannot_tell",
    /// The journal records a rollback that finished; it is not resumed for another incident.
    JournalFinished = "journal_finished",
    /// A function named to the engine (`faulty = …`) does not exist in production.
    UnknownFunction = "unknown_function",
    /// The rollback was applied, but verifying it found the faulty functions still failing
    /// where the callers now go (the CLI exits 1 for the same reason).
    VerifyFailed = "verify_failed",
    /// The engine refused the rollback (the reason is in the message and the plan).
    Refused = "refused",
    /// The rollback journal could not be used, or there is none to resume or restore from.
    JournalError = "journal_error",
    /// The rollback stopped part-way, as a drill asks with an interruption.
    Interrupted = "interrupted",
    /// A deploy or swap would change code that Logic App callers are pinned to.
    PinnedCallers = "pinned_callers",
    /// The step itself is not one the runner can perform.
    Invalid = "invalid",
    /// A value in the step could not be parsed when it ran (e.g. a `faulty` entry).
    BadInput = "bad_input",
}

impl std::fmt::Display for FailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure a step can end with, from whichever layer reported it.
pub(crate) enum Failure<'a> {
    /// The model refused or failed a change.
    Model(&'a ModelError),
    /// The engine failed or refused.
    Engine(&'a EngineError),
    /// The emulator failed a change.
    Emulator(&'a EmulatorError),
}

impl FailKind {
    /// The kind of `failure`. Every match is exhaustive: a new error variant anywhere below
    /// must be given its drill name here, on purpose.
    pub(crate) fn of(failure: Failure<'_>) -> FailKind {
        match failure {
            Failure::Model(error) => match error.kind() {
                ErrorKind::NotFound => FailKind::NotFound,
                ErrorKind::AlreadyExists => FailKind::AlreadyExists,
                ErrorKind::InvalidName => FailKind::InvalidName,
                ErrorKind::SlotLimit => FailKind::SlotLimit,
                ErrorKind::SwapWithSelf => FailKind::SwapWithSelf,
                ErrorKind::SlotStopped => FailKind::SlotStopped,
                ErrorKind::PreviewPending => FailKind::PreviewPending,
                ErrorKind::NoPreviewPending => FailKind::NoPreviewPending,
                ErrorKind::PreviewWithAuthentication => FailKind::PreviewWithAuthentication,
                ErrorKind::RestartFailed => FailKind::RestartFailed,
                ErrorKind::WarmupFailed => FailKind::WarmupFailed,
                ErrorKind::AutoSwapOnLinux => FailKind::AutoSwapOnLinux,
                ErrorKind::InvalidConfig => FailKind::InvalidConfig,
                ErrorKind::CallersWouldBreak => FailKind::CallersWouldBreak,
                ErrorKind::CannotDeleteProduction => FailKind::CannotDeleteProduction,
            },
            Failure::Engine(error) => match error {
                EngineError::Cloud(_) => FailKind::ControlPlaneFailed,
                EngineError::Workflow(_) => FailKind::WorkflowError,
                EngineError::PreconditionFailed { .. } => FailKind::PreconditionFailed,
                EngineError::PostconditionFailed { .. } => FailKind::PostconditionFailed,
                EngineError::CannotTell { .. } => FailKind::CannotTell,
                EngineError::JournalFinished { .. } => FailKind::JournalFinished,
                EngineError::UnknownFunction(_) => FailKind::UnknownFunction,
                EngineError::Refused(_) => FailKind::Refused,
                EngineError::Journal { .. } | EngineError::ResumeModeMismatch { .. } => {
                    FailKind::JournalError
                }
                EngineError::Interrupted { .. } => FailKind::Interrupted,
                EngineError::PinnedCallers { .. } => FailKind::PinnedCallers,
            },
            Failure::Emulator(error) => match error {
                EmulatorError::Model(error) => FailKind::of(Failure::Model(error)),
                EmulatorError::Workflow(_)
                | EmulatorError::UnknownLogicApp(_)
                | EmulatorError::Disabled(_)
                | EmulatorError::InvalidWorkflow(_) => FailKind::WorkflowError,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FailKind;

    #[test]
    fn every_name_parses_back_to_its_kind_and_names_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in FailKind::ALL {
            assert!(seen.insert(kind.as_str()), "{kind} is named twice");
            let parsed: FailKind =
                serde_json::from_value(serde_json::json!(kind.as_str())).expect("parses");
            assert_eq!(parsed, *kind);
            assert_eq!(
                serde_json::to_value(kind).expect("serialises"),
                kind.as_str()
            );
        }
    }

    #[test]
    fn the_names_drills_and_reports_already_use_are_kept() {
        // These strings are in bundled drills and committed report snapshots.
        for name in [
            "warmup_failed",
            "slot_limit",
            "pinned_callers",
            "control_plane_failed",
        ] {
            assert!(FailKind::ALL.iter().any(|k| k.as_str() == name), "{name}");
        }
    }
}
