//! The model's typed errors. Messages name the app and slot, and say what to do where it helps.

use crate::caller::CallerBreak;
use crate::warmup::WarmupFailure;

/// Why an operation was refused or failed. A failed operation has changed nothing observable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[allow(missing_docs)] // the variants' fields are named for what they hold
pub enum ModelError {
    #[error("function app `{app}` does not exist")]
    AppNotFound { app: String },
    #[error("function app `{app}` already exists")]
    AppExists { app: String },
    #[error("slot `{slot}` does not exist in function app `{app}`")]
    SlotNotFound { app: String, slot: String },
    #[error("slot `{slot}` already exists in function app `{app}`")]
    SlotExists { app: String, slot: String },
    #[error("invalid slot name `{slot}` for function app `{app}`: {reason}")]
    InvalidSlotName {
        app: String,
        slot: String,
        reason: String,
    },
    #[error(
        "the {plan} plan allows {limit} slot(s) including production; function app `{app}` already has {limit}"
    )]
    SlotLimit {
        app: String,
        plan: crate::HostingPlan,
        limit: usize,
    },
    #[error(
        "the Flex Consumption plan has no deployment slots (it uses rolling updates); cannot create slot `{slot}` in `{app}`"
    )]
    NoSlotsOnFlex { app: String, slot: String },
    #[error("the production slot of `{app}` cannot be deleted")]
    CannotDeleteProduction { app: String },
    #[error("release `{release}` is not known to function app `{app}`")]
    ReleaseNotFound { app: String, release: String },
    #[error("release `{release}` already exists in function app `{app}`")]
    ReleaseExists { app: String, release: String },
    #[error("cannot swap slot `{slot}` of `{app}` with itself")]
    SwapWithSelf { app: String, slot: String },
    #[error("slot `{slot}` of `{app}` is stopped; start it before swapping")]
    SlotStopped { app: String, slot: String },
    #[error(
        "a swap with preview is pending between `{source_slot}` and `{target_slot}` of `{app}`; complete or cancel it first"
    )]
    PreviewPending {
        app: String,
        source_slot: String,
        target_slot: String,
    },
    #[error(
        "slot `{slot}` of `{app}` cannot be changed because its configuration settings have been prepared for swap; complete or reset the swap first"
    )]
    PreparedForSwap { app: String, slot: String },
    #[error("no swap with preview is pending for `{app}`")]
    NoPreviewPending { app: String },
    #[error(
        "swap with preview is not allowed: authentication is enabled on slot `{slot}` of `{app}`"
    )]
    PreviewWithAuthentication { app: String, slot: String },
    #[error(
        "slot `{slot}` of `{app}` failed to restart with the target's settings; the swap was reverted"
    )]
    RestartFailed { app: String, slot: String },
    #[error("warm-up of slot `{slot}` of `{app}` failed: {reason}; the swap was reverted")]
    WarmupFailed {
        app: String,
        slot: String,
        reason: WarmupFailure,
    },
    #[error("auto swap is not supported on Linux (function app `{app}`)")]
    AutoSwapOnLinux { app: String },
    #[error("invalid configuration for `{app}`: {reason}")]
    InvalidConfig { app: String, reason: String },
    #[error("invalid routing rules for `{app}`: {reason}")]
    InvalidRouting { app: String, reason: String },
    #[error("refused: {} Logic App caller(s) would stop resolving: {}", breaks.len(), list(breaks))]
    CallersWouldBreak { breaks: Vec<CallerBreak> },
    #[error("caller `{caller}` does not exist")]
    CallerNotFound { caller: String },
    #[error("caller `{caller}` already exists")]
    CallerExists { caller: String },
}

fn list(breaks: &[CallerBreak]) -> String {
    breaks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The kind of a [`ModelError`], for matching without its details (scenario expectations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    InvalidName,
    SlotLimit,
    SwapWithSelf,
    SlotStopped,
    PreviewPending,
    NoPreviewPending,
    PreviewWithAuthentication,
    RestartFailed,
    WarmupFailed,
    AutoSwapOnLinux,
    InvalidConfig,
    CallersWouldBreak,
    CannotDeleteProduction,
}

impl ModelError {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        use ModelError as E;
        match self {
            E::AppNotFound { .. }
            | E::SlotNotFound { .. }
            | E::ReleaseNotFound { .. }
            | E::CallerNotFound { .. } => ErrorKind::NotFound,
            E::AppExists { .. }
            | E::SlotExists { .. }
            | E::ReleaseExists { .. }
            | E::CallerExists { .. } => ErrorKind::AlreadyExists,
            E::InvalidSlotName { .. } => ErrorKind::InvalidName,
            E::SlotLimit { .. } | E::NoSlotsOnFlex { .. } => ErrorKind::SlotLimit,
            E::CannotDeleteProduction { .. } => ErrorKind::CannotDeleteProduction,
            E::SwapWithSelf { .. } => ErrorKind::SwapWithSelf,
            E::SlotStopped { .. } => ErrorKind::SlotStopped,
            E::PreviewPending { .. } | E::PreparedForSwap { .. } => ErrorKind::PreviewPending,
            E::NoPreviewPending { .. } => ErrorKind::NoPreviewPending,
            E::PreviewWithAuthentication { .. } => ErrorKind::PreviewWithAuthentication,
            E::RestartFailed { .. } => ErrorKind::RestartFailed,
            E::WarmupFailed { .. } => ErrorKind::WarmupFailed,
            E::AutoSwapOnLinux { .. } => ErrorKind::AutoSwapOnLinux,
            E::InvalidConfig { .. } | E::InvalidRouting { .. } => ErrorKind::InvalidConfig,
            E::CallersWouldBreak { .. } => ErrorKind::CallersWouldBreak,
        }
    }
}
