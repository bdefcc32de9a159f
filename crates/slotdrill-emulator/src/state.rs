//! Everything the emulator holds, by owner: the estate (changed only through the model's
//! operations, via [`State::apply`]), the data plane (hosts, invocations), the management plane
//! (faults, throttling, operations, reverts) and the workflows (Logic Apps, stubs, runs). What
//! crosses owners lives here: a model change re-indexes the hosts, saving a workflow registers
//! its callers with the estate, a due revert swaps.

use slotdrill_model::{AzureName, ErrorKind, Estate, Event, ModelError, Timestamp};
use slotdrill_wdl::{Document, WdlError};

use crate::answer::Answered;
use crate::faults::ArmFault;
use crate::host::{DataPlane, HostRequest, HostResponse};
use crate::incoming::Incoming;
use crate::logic_app::LogicApp;
use crate::management::{ManagementPlane, PendingSwap, Revert};
use crate::retention::{HistoryStats, Window};
use crate::wire::{ArmResponse, from_model};
use crate::workflows::Workflows;

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
    /// The Logic App is disabled: its trigger does not fire.
    #[error("The workflow '{0}' is disabled.")]
    Disabled(String),
    /// Azure's template validation refuses the definition (a loop beyond its cap).
    #[error("{0}")]
    InvalidWorkflow(String),
}

/// The emulator's state, one owner per part.
#[derive(Clone)]
pub(crate) struct State {
    estate: Estate,
    data: DataPlane,
    management: ManagementPlane,
    workflows: Workflows,
    /// What `/_slotdrill/reset` goes back to.
    initial: Option<(Estate, crate::workflows::Snapshot)>,
}

/// Azure holds a consumption workflow as a resource: a bare definition or a code view
/// (`{definition, parameters}`) is stored wrapped, so that parameter values (keys among them)
/// live in `properties.parameters`, never in the definition.
fn as_resource(name: &str, document: Document) -> Result<Document, EmulatorError> {
    let (definition, parameters) = match document.format {
        slotdrill_wdl::Format::Definition => (document.root, serde_json::json!({})),
        slotdrill_wdl::Format::CodeView => (
            document.root["definition"].clone(),
            document
                .root
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({})),
        ),
        _ => return Ok(document),
    };
    let resource = serde_json::json!({ "name": name, "properties": { "definition": definition, "parameters": parameters } });
    Ok(Document::from_value(
        &document.file,
        name,
        resource,
        document.connections,
    )?)
}

impl State {
    pub(crate) fn new(estate: Estate) -> Self {
        let mut state = State {
            estate,
            data: DataPlane::default(),
            management: ManagementPlane::default(),
            workflows: Workflows::default(),
            initial: None,
        };
        state.data.reindex(&state.estate);
        state
    }

    /// The estate, to read.
    pub(crate) fn estate(&self) -> &Estate {
        &self.estate
    }

    /// The data plane, to read.
    pub(crate) fn data(&self) -> &DataPlane {
        &self.data
    }

    /// The data plane (its timeline).
    pub(crate) fn data_mut(&mut self) -> &mut DataPlane {
        &mut self.data
    }

    /// The management plane, to read.
    pub(crate) fn management(&self) -> &ManagementPlane {
        &self.management
    }

    /// The management plane.
    pub(crate) fn management_mut(&mut self) -> &mut ManagementPlane {
        &mut self.management
    }

    /// The workflows, to read.
    pub(crate) fn workflows(&self) -> &Workflows {
        &self.workflows
    }

    /// The workflows.
    pub(crate) fn workflows_mut(&mut self) -> &mut Workflows {
        &mut self.workflows
    }

    /// Applies a model operation and keeps what depends on the estate current.
    pub(crate) fn apply(
        &mut self,
        f: impl FnOnce(&mut Estate) -> Result<Vec<Event>, ModelError>,
    ) -> Result<Vec<Event>, ModelError> {
        let events = f(&mut self.estate)?;
        self.data.note(&events);
        self.data.reindex(&self.estate);
        Ok(events)
    }

    /// The current virtual time.
    pub(crate) fn now(&self) -> Timestamp {
        self.estate.now()
    }

    /// Moves virtual time forward and applies what it made due.
    pub(crate) fn advance_to(&mut self, to: Timestamp) {
        self.estate.advance_to(to);
        self.settle();
    }

    /// Moves virtual time forward without settling (inside a Logic App run, whose calls must
    /// not see a platform revert happen between two of its attempts differently from the run
    /// as a whole: reverts settle at the next management request, as before).
    pub(crate) fn move_clock(&mut self, to: Timestamp) {
        self.estate.advance_to(to);
    }

    /// A seeded draw in `[0, 1)`.
    pub(crate) fn roll(&mut self) -> f64 {
        self.estate.roll()
    }

    /// Sends one request to a function host.
    pub(crate) fn invoke(&mut self, request: &HostRequest, caller: Option<&str>) -> HostResponse {
        self.invoke_incoming(&request.incoming(), caller)
    }

    /// [`State::invoke`], for a request read in place.
    pub(crate) fn invoke_incoming(
        &mut self,
        request: &Incoming,
        caller: Option<&str>,
    ) -> HostResponse {
        self.data.invoke(&mut self.estate, request, caller)
    }

    /// [`State::invoke_incoming`], with the answer handed to `render` as the data plane decided
    /// it (borrowed from the estate).
    pub(crate) fn respond<R>(
        &mut self,
        request: &Incoming,
        render: impl FnOnce(Answered<'_>) -> R,
    ) -> R {
        self.data.respond(&mut self.estate, request, None, render)
    }

    /// Arms a fault: model faults go to the estate, the others to the management plane.
    pub(crate) fn add_fault(&mut self, fault: ArmFault) {
        match fault {
            ArmFault::WarmupFailure { app, slot } => {
                self.estate.inject(slotdrill_model::Fault::WarmupFailure {
                    app: app.into(),
                    slot: slot.into(),
                });
            }
            ArmFault::RestartFailure { app, slot } => {
                self.estate.inject(slotdrill_model::Fault::RestartFailure {
                    app: app.into(),
                    slot: slot.into(),
                });
            }
            other => self.management.arm(other),
        }
    }

    /// Disarms every fault, management and model.
    pub(crate) fn clear_faults(&mut self) {
        self.management.clear_faults();
        self.estate.clear_faults();
    }

    /// Remembers the current estate and Logic Apps as what `/_slotdrill/reset` returns to.
    pub(crate) fn mark_initial(&mut self) {
        self.initial = Some((self.estate.clone(), self.workflows.snapshot()));
    }

    /// `/_slotdrill/reset`: the initial estate and Logic Apps, no faults, operations or calls
    /// (their memory given back).
    pub(crate) fn reset(&mut self) {
        if let Some((estate, logic_apps)) = self.initial.clone() {
            self.estate = estate;
            self.workflows.restore(logic_apps);
        }
        self.management.reset();
        self.data.forget_calls();
        self.data.reindex(&self.estate);
    }

    /// How many recent entries of each kind of history are kept.
    pub(crate) fn set_history(&mut self, window: Window) {
        self.data.set_window(window);
        self.management.set_window(window);
        self.workflows.set_window(window);
    }

    /// What is held of the history now.
    pub(crate) fn history(&self) -> HistoryStats {
        HistoryStats {
            calls: self.data.calls(),
            retained_calls: self.data.kept_calls(),
            retained_call_bytes: self.data.retained_bytes(),
            retained_operations: self.management.retained_operations(),
            retained_runs: self.workflows.retained_runs(),
        }
    }

    /// Applies what virtual time has made due: swaps whose operations complete, then platform
    /// reverts of swaps.
    pub(crate) fn settle(&mut self) {
        for (id, swap) in self.management.due_swaps(self.estate.now()) {
            let result = self.perform_swap(&swap);
            self.management.finish(&id, result);
        }
        for revert in self.management.due_reverts(self.estate.now()) {
            let _ = self.apply(|e| e.swap(&revert.app, &revert.source, &revert.target));
        }
    }

    /// The model's swap, at the end of its operation: traffic switches now. A swap stopped at
    /// the warm-up leaves the pair prepared for swap (phase 1 applied, as after
    /// `applySlotConfig`): Learn says only a failed restart reverts the source, and a user saw
    /// config writes to both slots refused until the swap was cancelled (azure-cli#27820).
    fn perform_swap(&mut self, swap: &PendingSwap) -> Result<(), ArmResponse> {
        let (app, source, target) = (&swap.app, &swap.source, &swap.target);
        match self.apply(|e| e.swap(app, source, target)) {
            Ok(_) => {
                if let Some(ArmFault::SwapRevert { after_ms, .. }) = self.management.take(
                    |f| matches!(f, ArmFault::SwapRevert { app: a, .. } if AzureName::same(a, app)),
                ) {
                    self.management.schedule_revert(Revert {
                        app: app.clone(),
                        source: source.clone(),
                        target: target.clone(),
                        at: self.estate.now().plus_millis(after_ms),
                    });
                }
                Ok(())
            }
            Err(error) => {
                if error.kind() == ErrorKind::WarmupFailed {
                    let _ = self.apply(|e| e.swap_preview_apply(app, source, target));
                }
                Err(from_model(&error))
            }
        }
    }

    /// Saves (creates or replaces) a Logic App and registers its callers; a refused save
    /// changes nothing.
    pub(crate) fn save_logic_app(
        &mut self,
        name: &str,
        document: Document,
        workflow: Option<&str>,
    ) -> Result<u64, EmulatorError> {
        // A definition or a code view names no workflow of its own: it is the Logic App's.
        let was_definition = matches!(
            document.format,
            slotdrill_wdl::Format::Definition | slotdrill_wdl::Format::CodeView
        );
        let document = as_resource(name, document)?;
        let workflow = document
            .workflow(if was_definition { None } else { workflow })?
            .name
            .clone();
        if let Some(refusal) = document
            .workflow(Some(&workflow))
            .ok()
            .and_then(|w| document.definition(w).get("actions"))
            .and_then(serde_json::Value::as_object)
            .and_then(crate::limits::refusal)
        {
            return Err(EmulatorError::InvalidWorkflow(refusal));
        }
        let previous = self.workflows.get(name);
        let version = previous.map_or(1, |p| p.version + 1);
        let now = self.estate.now();
        let mut logic_app = LogicApp::new(name, document, workflow, version, Vec::new());
        logic_app.created_at = now;
        if let Some(previous) = previous {
            logic_app.app_settings = previous.app_settings.clone();
            logic_app.resource_group = previous.resource_group.clone();
            logic_app.location = previous.location.clone();
            logic_app.created_at = previous.created_at;
            logic_app.site = previous.site.clone();
        }
        logic_app.changed_at = now;
        logic_app.cache_function_keys(&self.estate);
        self.register_callers(&logic_app)?;
        self.workflows.insert(logic_app);
        Ok(version)
    }

    /// Deletes a Logic App and unregisters its calls from the estate's callers, so that nothing
    /// still guards a function for a workflow that is gone. `false` when there was none.
    pub(crate) fn delete_logic_app(&mut self, name: &str) -> bool {
        let Some(removed) = self.workflows.remove(name) else {
            return false;
        };
        let stale: Vec<_> = self
            .estate
            .callers()
            .filter(|c| c.id.workflow.eq_ignore_ascii_case(&removed.name))
            .map(|c| c.id.clone())
            .collect();
        for id in stale {
            let _ = self.estate.remove_caller(&id);
        }
        true
    }

    /// Makes the model's caller registry match the workflow's calls to apps of the estate, so
    /// that no later operation may strand them (invariant 5). A workflow that would call a
    /// function that does not exist is refused, and then nothing changes.
    fn register_callers(&mut self, logic_app: &LogicApp) -> Result<(), EmulatorError> {
        let hints = slotdrill_wdl::Hints {
            hosts: self
                .data
                .hosts()
                .map(|(h, (a, s))| (AzureName::from(h), (a.clone(), s.clone())))
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
        // Every check passed: only now does the registry change.
        let stale: Vec<_> = self
            .estate
            .callers()
            .filter(|c| AzureName::same(&c.id.workflow, &logic_app.name))
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
}
