//! The emulator: an [`Estate`] served as Azure serves it, plus the Logic Apps that call it. All
//! state (`state.rs`) sits behind one mutex; a request, a management change or a whole Logic App
//! run holds it for its duration, so the routing switch of a swap is atomic and runs are
//! deterministic. The management plane's entry points (`manage`, `admin`) live in `arm/`, which
//! builds on this module, never the other way round.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use slotdrill_model::{Estate, Event, ModelError, Timestamp};
use slotdrill_wdl::Document;

use crate::answer::Answered;
use crate::faults::ArmFault;
use crate::host::{HostRequest, HostResponse};
use crate::incoming::Incoming;
use crate::logic_app::{LogicApp, SiteSlot, Stubs};
use crate::retention::{DEFAULT_HISTORY, HistoryStats, Window};
use crate::runner::{self, Run};
pub use crate::state::EmulatorError;
use crate::state::State;
use crate::timeline::InvocationRecord;

/// How the emulator behaves where Azure gives a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorConfig {
    /// Terminate executions still running on a slot when a swap switches it, as Azure may do
    /// for function executions on the old production instances. Off: they complete on the
    /// release they started on.
    pub terminate_running_on_swap: bool,
    /// The bearer token the management plane requires; any token is accepted when `None`.
    pub require_token: Option<String>,
    /// The app setting that names the release a slot holds, for the engine's view (default
    /// `SLOTDRILL_RELEASE`); without it, the release actually deployed.
    pub release_setting: Option<String>,
    /// The bearer token the admin API (`/_slotdrill/`) requires; `require_token` when `None`.
    pub admin_token: Option<String>,
    /// How many recent entries of each kind of history are kept in detail (function calls,
    /// finished swap operations, and per Logic App its runs and earlier versions); totals are
    /// counted whatever this is. Default [`DEFAULT_HISTORY`]; `usize::MAX` keeps everything.
    pub history: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            terminate_running_on_swap: false,
            require_token: None,
            release_setting: None,
            admin_token: None,
            history: DEFAULT_HISTORY,
        }
    }
}

/// A call that has started on a slot and not yet finished (see [`Emulator::start`]).
#[derive(Debug, Clone)]
pub struct InFlight {
    response: HostResponse,
    swaps_at_start: Option<u64>,
}

/// Function apps with slots, and Logic Apps, emulated in process.
pub struct Emulator {
    state: Mutex<State>,
    config: EmulatorConfig,
}

impl Emulator {
    /// Emulates `estate` with the default configuration.
    pub fn new(estate: Estate) -> Self {
        Emulator::with_config(estate, EmulatorConfig::default())
    }

    /// Emulates `estate`.
    pub fn with_config(estate: Estate, config: EmulatorConfig) -> Self {
        let mut state = State::new(estate);
        state.set_history(Window::new(config.history));
        Emulator {
            state: Mutex::new(state),
            config,
        }
    }

    /// An independent emulator in exactly this one's state (estate, clock, random sequence,
    /// Logic Apps, faults): what a fresh load of the same estate would be, without the files.
    pub fn fork(&self) -> Emulator {
        Emulator {
            state: Mutex::new(self.lock().clone()),
            config: self.config.clone(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the model half-changed (every model
        // operation is all-or-nothing), so a poisoned lock is safe to keep using.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the estate.
    pub fn read<R>(&self, f: impl FnOnce(&Estate) -> R) -> R {
        f(self.lock().estate())
    }

    /// Changes the estate (a swap, a deploy, a setting) atomically with respect to traffic.
    pub fn change(
        &self,
        f: impl FnOnce(&mut Estate) -> Result<Vec<Event>, ModelError>,
    ) -> Result<Vec<Event>, ModelError> {
        self.lock().apply(f)
    }

    /// The configuration.
    pub fn config(&self) -> &EmulatorConfig {
        &self.config
    }

    /// Remembers the current estate and Logic Apps as what `/_slotdrill/reset` returns to.
    pub fn mark_initial(&self) {
        self.lock().mark_initial();
    }

    /// Arms a management-plane or swap fault.
    pub fn inject(&self, fault: ArmFault) {
        self.lock().add_fault(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.lock().clear_faults();
    }

    /// Sends one request to a function host (the in-process call path).
    pub fn invoke(&self, request: &HostRequest) -> HostResponse {
        self.lock().invoke(request, None)
    }

    /// [`Emulator::invoke`] for a request read in place, its answer handed to `render` as the
    /// data plane decided it, under the lock (the HTTP listener's path: it writes the answer to
    /// the wire without an owned copy).
    pub(crate) fn respond<R>(
        &self,
        request: &Incoming,
        render: impl FnOnce(Answered<'_>) -> R,
    ) -> R {
        self.lock().respond(request, render)
    }

    /// Starts a call: the answer is fixed by the release the slot holds now. Finish it with
    /// [`Emulator::finish`]; if a swap switched that app in between and the emulator is
    /// configured to terminate running executions, the call ends with 503.
    pub fn start(&self, request: &HostRequest) -> InFlight {
        let mut state = self.lock();
        let response = state.invoke(request, None);
        let swaps_at_start = response
            .served_by
            .as_ref()
            .map(|s| state.data().swaps_of(&s.app));
        InFlight {
            response,
            swaps_at_start,
        }
    }

    /// Finishes a call started with [`Emulator::start`].
    pub fn finish(&self, call: InFlight) -> HostResponse {
        let state = self.lock();
        let swapped = match (&call.response.served_by, call.swaps_at_start) {
            (Some(served), Some(at_start)) => state.data().swaps_of(&served.app) != at_start,
            _ => false,
        };
        if swapped && self.config.terminate_running_on_swap {
            return HostResponse {
                status: 503,
                body: serde_json::json!({ "error": "the execution was terminated by a slot swap" }),
                ..call.response
            };
        }
        call.response
    }

    /// Saves (creates or replaces) a Logic App. Like Azure, this caches the key of every
    /// `Function` action's target now: after a key change the workflow must be saved again.
    /// Returns the new version.
    pub fn save_logic_app(
        &self,
        name: &str,
        document: Document,
        workflow: Option<&str>,
    ) -> Result<u64, EmulatorError> {
        self.lock().save_logic_app(name, document, workflow)
    }

    /// Places a Logic App in a resource group and region (for its ARM id).
    pub fn place_logic_app(
        &self,
        name: &str,
        resource_group: &str,
        location: &str,
    ) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let logic_app = state
            .workflows_mut()
            .get_mut(name)
            .ok_or_else(|| EmulatorError::UnknownLogicApp(name.to_owned()))?;
        logic_app.resource_group = resource_group.to_owned();
        logic_app.location = location.to_owned();
        Ok(())
    }

    /// Makes a saved workflow one of Logic Apps Standard site `site`'s workflows: from then on
    /// it shares that site's app settings (the site's settings replace its own when the site
    /// already has workflows).
    pub fn place_in_site(&self, name: &str, site: &str) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let shared = state
            .workflows()
            .of_site(site)
            .next()
            .map(|l| l.app_settings.clone());
        let logic_app = state
            .workflows_mut()
            .get_mut(name)
            .ok_or_else(|| EmulatorError::UnknownLogicApp(name.to_owned()))?;
        logic_app.site = Some(site.to_owned());
        if let Some(settings) = shared {
            logic_app.app_settings = settings;
        }
        Ok(())
    }

    /// The workflows of Logic Apps Standard site `site`, by name.
    pub fn site_workflows(&self, site: &str) -> Vec<String> {
        self.lock()
            .workflows()
            .of_site(site)
            .map(|l| l.name.clone())
            .collect()
    }

    /// Gives Logic Apps Standard site `site` (which must hold workflows) the deployment slot
    /// `slot`, replacing one of that name. Its workflows never run (`SiteSlot`).
    pub fn put_site_slot(&self, site: &str, slot: SiteSlot) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        if state.workflows().of_site(site).next().is_none() {
            return Err(EmulatorError::UnknownLogicApp(site.to_owned()));
        }
        state.workflows_mut().put_site_slot(site, slot);
        Ok(())
    }

    /// Slot `slot` of Standard site `site`, as it is now.
    pub fn site_slot(&self, site: &str, slot: &str) -> Option<SiteSlot> {
        self.lock().workflows().site_slot(site, slot).cloned()
    }

    /// A Logic App, as saved.
    pub fn logic_app(&self, name: &str) -> Option<LogicApp> {
        self.lock().workflows().get(name).cloned()
    }

    /// The names of every Logic App.
    pub fn logic_app_names(&self) -> Vec<String> {
        self.lock()
            .workflows()
            .all()
            .map(|l| l.name.clone())
            .collect()
    }

    /// Sets the app settings a Logic App's `appsetting()` reads (Logic Apps Standard): for a
    /// workflow of a Standard site, the settings of every workflow of that site, which share
    /// them as Azure's site does.
    pub fn set_logic_app_settings(
        &self,
        name: &str,
        settings: BTreeMap<String, String>,
    ) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let sharing = state.workflows_mut().sharing_settings_mut(name);
        if sharing.is_empty() {
            return Err(EmulatorError::UnknownLogicApp(name.to_owned()));
        }
        for logic_app in sharing {
            logic_app.app_settings = settings.clone();
        }
        Ok(())
    }

    /// Runs a Logic App from its trigger with `trigger_body`, to completion, on virtual time.
    pub fn run(&self, name: &str, trigger_body: Value) -> Result<Run, EmulatorError> {
        let mut state = self.lock();
        runner::run(&mut state, name, trigger_body)
    }

    /// Replaces the stubs for hosts that are not emulated and for `ApiConnection` actions.
    pub fn set_stubs(&self, stubs: Stubs) {
        self.lock().workflows_mut().set_stubs(stubs);
    }

    /// The most recent function invocations (all of them unless more than
    /// [`EmulatorConfig::history`] were made), in order.
    pub fn invocations(&self) -> Vec<InvocationRecord> {
        self.lock().data().invocations().collect()
    }

    /// What the emulator holds of its history: the counters and the size of the windows.
    pub fn history(&self) -> HistoryStats {
        self.lock().history()
    }

    /// Takes the invocations recorded so far, leaving the timeline empty (long-running users
    /// such as `serve` and benchmarks drain it to bound memory).
    pub fn take_invocations(&self) -> Vec<InvocationRecord> {
        self.lock().data_mut().take_invocations()
    }

    /// A seeded draw in `[0, 1)` from the estate's generator.
    pub fn roll(&self) -> f64 {
        self.lock().roll()
    }

    /// The current virtual time.
    pub fn now(&self) -> Timestamp {
        self.lock().now()
    }

    /// Moves virtual time forward by `millis`.
    pub fn advance(&self, millis: u64) -> Timestamp {
        let mut state = self.lock();
        let to = state.now().plus_millis(millis);
        state.move_clock(to);
        to
    }
}
