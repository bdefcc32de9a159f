//! The emulator: an [`Estate`] served as Azure serves it, plus the Logic Apps that call it. All
//! state sits behind one mutex; a request, a management change or a whole Logic App run holds it
//! for its duration, so the routing switch of a swap is atomic and runs are deterministic.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use slotdrill_model::{Estate, Event, ModelError, Timestamp};
use slotdrill_wdl::{Document, WdlError};

use crate::arm::ArmResponse;
use crate::faults::{ArmFault, Throttling};
use crate::host::{HostRequest, HostResponse, InvocationRecord};
use crate::logic_app::{LogicApp, Stubs};
use crate::runner::{self, Run};

/// How the emulator behaves where Azure gives a choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
}

/// Why an emulator operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmulatorError {
    /// The model refused or failed the change.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A workflow could not be read.
    #[error(transparent)]
    Workflow(#[from] WdlError),
    /// No Logic App has that name.
    #[error("Logic App `{0}` does not exist")]
    UnknownLogicApp(String),
}

#[derive(Clone)]
pub(crate) struct State {
    pub(crate) estate: Estate,
    /// Lower-case host name → (app, slot).
    pub(crate) hosts: HashMap<String, (String, String)>,
    /// Logic Apps by lower-case name.
    pub(crate) logic_apps: BTreeMap<String, LogicApp>,
    pub(crate) invocations: Vec<InvocationRecord>,
    pub(crate) stubs: Stubs,
    /// Swaps per app (lower case), to tell whether one happened while a call was running.
    pub(crate) swaps: HashMap<String, u64>,
    pub(crate) next_run: u64,
    /// Management-plane faults armed.
    pub(crate) arm_faults: Vec<ArmFault>,
    pub(crate) throttling: Option<Throttling>,
    /// Long-running operations by id.
    pub(crate) operations: BTreeMap<String, Operation>,
    pub(crate) next_operation: u64,
    /// Swaps the platform will revert, when virtual time gets there.
    pub(crate) reverts: Vec<Revert>,
    /// What `/_slotdrill/reset` goes back to.
    pub(crate) initial: Option<(Estate, BTreeMap<String, LogicApp>)>,
}

/// Azure holds a consumption workflow as a resource: a bare definition is stored wrapped, so that
/// parameter values (keys among them) live in `properties.parameters`, never in the definition.
fn as_resource(name: &str, document: Document) -> Result<Document, EmulatorError> {
    if document.format != slotdrill_wdl::Format::Definition {
        return Ok(document);
    }
    let resource = serde_json::json!({ "name": name, "properties": { "definition": document.root, "parameters": {} } });
    Ok(Document::from_value(
        &document.file,
        name,
        resource,
        document.connections,
    )?)
}

/// A long-running operation: done at `completes_at`, with this result.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) completes_at: Timestamp,
    pub(crate) result: Result<(), ArmResponse>,
}

/// A swap the platform will undo (an injected fault).
#[derive(Debug, Clone)]
pub(crate) struct Revert {
    pub(crate) app: String,
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) at: Timestamp,
}

impl State {
    /// A saved Logic App, by name in any case.
    fn logic_app_mut(&mut self, name: &str) -> Result<&mut LogicApp, EmulatorError> {
        self.logic_apps
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| EmulatorError::UnknownLogicApp(name.to_owned()))
    }

    /// Applies a model change and keeps what depends on it current.
    pub(crate) fn apply(
        &mut self,
        f: impl FnOnce(&mut Estate) -> Result<Vec<Event>, ModelError>,
    ) -> Result<Vec<Event>, ModelError> {
        let events = f(&mut self.estate)?;
        for event in &events {
            if let Event::Swapped { app, .. } = event {
                *self.swaps.entry(app.to_ascii_lowercase()).or_insert(0) += 1;
            }
        }
        self.reindex();
        Ok(events)
    }

    pub(crate) fn save_logic_app(
        &mut self,
        name: &str,
        document: Document,
        workflow: Option<&str>,
    ) -> Result<u64, EmulatorError> {
        let was_definition = document.format == slotdrill_wdl::Format::Definition;
        let document = as_resource(name, document)?;
        let workflow = document
            .workflow(if was_definition { None } else { workflow })?
            .name
            .clone();
        let key = name.to_ascii_lowercase();
        let previous = self.logic_apps.remove(&key);
        let version = previous.as_ref().map_or(1, |p| p.version + 1);
        let now = self.estate.now();
        let mut logic_app = LogicApp::new(name, document, workflow, version, Vec::new());
        logic_app.created_at = now;
        if let Some(previous) = previous {
            logic_app.runs = previous.runs;
            logic_app.app_settings = previous.app_settings;
            logic_app.resource_group = previous.resource_group;
            logic_app.location = previous.location;
            logic_app.created_at = previous.created_at;
        }
        logic_app.changed_at = now;
        logic_app.cache_function_keys(&self.estate);
        if let Err(error) = self.register_callers(&logic_app) {
            // Refused: the previous definition stays.
            if let Some(previous) = self.logic_apps.get(&key).cloned() {
                let _ = self.register_callers(&previous);
            }
            return Err(error);
        }
        self.logic_apps.insert(key, logic_app);
        Ok(version)
    }

    /// Makes the model's caller registry match the workflow's calls to apps of the estate, so
    /// that no later operation may strand them (invariant 5). A workflow that would call a
    /// function that does not exist is refused.
    fn register_callers(&mut self, logic_app: &LogicApp) -> Result<(), EmulatorError> {
        let hints = slotdrill_wdl::Hints {
            hosts: self
                .hosts
                .iter()
                .map(|(h, (a, s))| (h.clone(), (a.clone(), s.clone())))
                .collect(),
            apps: self.estate.apps().map(|a| a.name().to_owned()).collect(),
            ..slotdrill_wdl::Hints::default()
        };
        let mut wanted = Vec::new();
        for call in slotdrill_wdl::find_calls(&logic_app.document, &hints)
            .into_iter()
            .filter(|c| c.workflow == logic_app.workflow)
        {
            if let (Some(app), Some(slot), Some(function)) = (call.app, call.slot, call.function)
                && self.estate.app(&app).is_ok()
            {
                let target = slotdrill_model::FunctionRef::new(app, slot, function);
                if let Err(reason) = self.estate.resolve(&target) {
                    return Err(EmulatorError::Model(ModelError::CallersWouldBreak {
                        breaks: vec![slotdrill_model::CallerBreak {
                            caller: slotdrill_model::CallerId::new(&logic_app.name, &call.action),
                            target,
                            reason,
                        }],
                    }));
                }
                wanted.push(slotdrill_model::Caller {
                    id: slotdrill_model::CallerId::new(&logic_app.name, &call.action),
                    target,
                });
            }
        }
        let stale: Vec<_> = self
            .estate
            .callers()
            .filter(|c| c.id.workflow.eq_ignore_ascii_case(&logic_app.name))
            .map(|c| c.id.clone())
            .collect();
        for id in stale {
            let _ = self.estate.remove_caller(&id);
        }
        for caller in wanted {
            let _ = self.estate.add_caller(caller);
        }
        Ok(())
    }

    pub(crate) fn reindex(&mut self) {
        self.hosts.clear();
        for app in self.estate.apps() {
            for slot in app.slots() {
                self.hosts.insert(
                    slot.host_name().to_ascii_lowercase(),
                    (app.name().to_owned(), slot.name().to_owned()),
                );
            }
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
        let mut state = State {
            estate,
            hosts: HashMap::new(),
            logic_apps: BTreeMap::new(),
            invocations: Vec::new(),
            stubs: Stubs::default(),
            swaps: HashMap::new(),
            next_run: 0,
            arm_faults: Vec::new(),
            throttling: None,
            operations: BTreeMap::new(),
            next_operation: 0,
            reverts: Vec::new(),
            initial: None,
        };
        state.reindex();
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
        f(&self.lock().estate)
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
        let mut state = self.lock();
        let snapshot = (state.estate.clone(), state.logic_apps.clone());
        state.initial = Some(snapshot);
    }

    /// Arms a management-plane or swap fault.
    pub fn inject(&self, fault: ArmFault) {
        self.lock().add_fault(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        let mut state = self.lock();
        state.arm_faults.clear();
        state.throttling = None;
        state.estate.clear_faults();
    }

    /// Sends one request to a function host (the in-process call path).
    pub fn invoke(&self, request: &HostRequest) -> HostResponse {
        self.lock().invoke(request, None)
    }

    /// Starts a call: the answer is fixed by the release the slot holds now. Finish it with
    /// [`Emulator::finish`]; if a swap switched that app in between and the emulator is
    /// configured to terminate running executions, the call ends with 503.
    pub fn start(&self, request: &HostRequest) -> InFlight {
        let mut state = self.lock();
        let response = state.invoke(request, None);
        let swaps_at_start = response.served_by.as_ref().map(|s| {
            state
                .swaps
                .get(&s.app.to_ascii_lowercase())
                .copied()
                .unwrap_or(0)
        });
        InFlight {
            response,
            swaps_at_start,
        }
    }

    /// Finishes a call started with [`Emulator::start`].
    pub fn finish(&self, call: InFlight) -> HostResponse {
        let state = self.lock();
        let swapped = match (&call.response.served_by, call.swaps_at_start) {
            (Some(served), Some(at_start)) => {
                state
                    .swaps
                    .get(&served.app.to_ascii_lowercase())
                    .copied()
                    .unwrap_or(0)
                    != at_start
            }
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
        let logic_app = state.logic_app_mut(name)?;
        logic_app.resource_group = resource_group.to_owned();
        logic_app.location = location.to_owned();
        Ok(())
    }

    /// A Logic App, as saved.
    pub fn logic_app(&self, name: &str) -> Option<LogicApp> {
        self.lock()
            .logic_apps
            .get(&name.to_ascii_lowercase())
            .cloned()
    }

    /// The names of every Logic App.
    pub fn logic_app_names(&self) -> Vec<String> {
        self.lock()
            .logic_apps
            .values()
            .map(|l| l.name.clone())
            .collect()
    }

    /// Sets the app settings a Logic App's `appsetting()` reads (Logic Apps Standard).
    pub fn set_logic_app_settings(
        &self,
        name: &str,
        settings: BTreeMap<String, String>,
    ) -> Result<(), EmulatorError> {
        let mut state = self.lock();
        let logic_app = state.logic_app_mut(name)?;
        logic_app.app_settings = settings;
        Ok(())
    }

    /// Runs a Logic App from its trigger with `trigger_body`, to completion, on virtual time.
    pub fn run(&self, name: &str, trigger_body: Value) -> Result<Run, EmulatorError> {
        let mut state = self.lock();
        runner::run(&mut state, name, trigger_body)
    }

    /// Replaces the stubs for hosts that are not emulated and for `ApiConnection` actions.
    pub fn set_stubs(&self, stubs: Stubs) {
        self.lock().stubs = stubs;
    }

    /// Every function invocation so far, in order.
    pub fn invocations(&self) -> Vec<InvocationRecord> {
        self.lock().invocations.clone()
    }

    /// Takes the invocations recorded so far, leaving the timeline empty (long-running users
    /// such as `serve` and benchmarks drain it to bound memory).
    pub fn take_invocations(&self) -> Vec<InvocationRecord> {
        std::mem::take(&mut self.lock().invocations)
    }

    /// A seeded draw in `[0, 1)` from the estate's generator.
    pub fn roll(&self) -> f64 {
        self.lock().estate.roll()
    }

    /// The current virtual time.
    pub fn now(&self) -> Timestamp {
        self.lock().estate.now()
    }

    /// Moves virtual time forward by `millis`.
    pub fn advance(&self, millis: u64) -> Timestamp {
        let mut state = self.lock();
        let to = state.estate.now().plus_millis(millis);
        state.estate.advance_to(to);
        to
    }
}
