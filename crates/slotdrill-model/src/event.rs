//! What an operation did, as typed events the emulator and the reports consume.

use crate::caller::{CallerId, FunctionRef};
use crate::error::ModelError;
use crate::estate::Fault;
use crate::time::Timestamp;
use crate::warmup::WarmupReport;

/// One thing that happened to the estate.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // the fields are named for what they hold
pub enum Event {
    AppCreated {
        app: String,
    },
    ReleaseAdded {
        app: String,
        release: String,
    },
    SlotCreated {
        app: String,
        slot: String,
        host_name: String,
    },
    SlotDeleted {
        app: String,
        slot: String,
    },
    /// A release was deployed to a slot (which restarts it).
    Deployed {
        app: String,
        slot: String,
        release: String,
        previous: Option<String>,
    },
    SettingsChanged {
        app: String,
        slot: String,
    },
    StickyNamesChanged {
        app: String,
    },
    SlotRestarted {
        app: String,
        slot: String,
    },
    SlotStateChanged {
        app: String,
        slot: String,
        running: bool,
    },
    AuthenticationChanged {
        app: String,
        slot: String,
        enabled: bool,
    },
    AutoSwapConfigured {
        app: String,
        slot: String,
        target: Option<String>,
    },
    RoutingChanged {
        app: String,
    },
    /// The source's instances answered the warm-up.
    WarmedUp {
        app: String,
        slot: String,
        report: WarmupReport,
    },
    /// Two slots exchanged their content. `source_release`/`target_release` are what each slot
    /// holds afterwards.
    Swapped {
        app: String,
        source: String,
        target: String,
        at: Timestamp,
        source_release: Option<String>,
        target_release: Option<String>,
    },
    /// Keys were regenerated (secret storage in files is reset by a swap).
    KeysReset {
        app: String,
        slot: String,
    },
    PreviewApplied {
        app: String,
        source: String,
        target: String,
    },
    PreviewReset {
        app: String,
        source: String,
        target: String,
    },
    AutoSwapStarted {
        app: String,
        source: String,
        target: String,
    },
    /// A deploy succeeded but the auto swap it started did not; the deploy stands.
    AutoSwapFailed {
        app: String,
        source: String,
        target: String,
        error: ModelError,
    },
    CallerAdded {
        caller: CallerId,
        target: FunctionRef,
    },
    CallerRepointed {
        caller: CallerId,
        from: FunctionRef,
        to: FunctionRef,
    },
    CallerRemoved {
        caller: CallerId,
    },
    FaultInjected {
        fault: Fault,
    },
    ClockAdvanced {
        now: Timestamp,
    },
}
