//! The Logic App runner: runs a workflow from its trigger to the end on virtual time.
//!
//! Actions at one level run in `runAfter` order (document order among those ready); an action
//! whose predecessors did not end in one of the statuses it lists is `Skipped`. Containers —
//! `Scope`, `If`, `Foreach` (`loops.rs`: batches of concurrent iterations), `Until` (count and
//! timeout limits), `Switch` — run their nested actions the same way. A level (and so the run)
//! fails when one of its actions failed or timed out and no sibling runs after that status (a
//! failure someone handles does not fail it); `Terminate` ends the run at once. Every action is
//! recorded with its status, Azure's code and error message (`errors.rs`), virtual start and
//! end, who served it, and its inputs with keys redacted: the shape of ARM's runs and run
//! actions. `actions/` holds the action types, `call.rs` the HTTP calls, `scope.rs` and
//! `workflow_fns.rs` the run-time expressions.

mod actions;
mod call;
mod errors;
mod loops;
mod scope;
mod workflow_fns;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use slotdrill_model::Timestamp;

use crate::logic_app::LogicApp;
pub use crate::run::{Run, RunAction, Status};
use crate::state::{EmulatorError, State};
use crate::timeline::ServedBy;

pub(crate) use errors::{ACTION_FAILED, ActionError};

/// What an executed action leaves for later expressions.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) status: Status,
    /// Azure's code: the HTTP status name for calls, an error code for failures.
    pub(crate) code: Option<String>,
    pub(crate) outputs: Value,
    pub(crate) body: Value,
    pub(crate) served_by: Option<ServedBy>,
    pub(crate) inputs: Value,
    pub(crate) error: Option<String>,
    pub(crate) latency_ms: u64,
    pub(crate) attempts: u32,
}

impl Outcome {
    pub(crate) fn succeeded(outputs: Value) -> Self {
        Outcome {
            status: Status::Succeeded,
            code: None,
            body: outputs.clone(),
            outputs,
            served_by: None,
            inputs: Value::Null,
            error: None,
            latency_ms: 0,
            attempts: 1,
        }
    }

    /// A failed action with Azure's code and message.
    pub(crate) fn failed(error: ActionError) -> Self {
        Outcome {
            status: Status::Failed,
            code: Some(error.code),
            error: Some(error.message),
            ..Outcome::succeeded(Value::Null)
        }
    }

    /// The same outcome showing `inputs` in run history.
    pub(crate) fn with_inputs(mut self, inputs: Value) -> Self {
        self.inputs = inputs;
        self
    }
}

/// How a `Terminate` action ended the run.
#[derive(Debug, Clone)]
pub(crate) struct Termination {
    pub(crate) status: Status,
    pub(crate) error: Option<String>,
}

/// A finished action for later expressions: where its record is, its outputs and its body as
/// they were (the record shows them with signatures redacted).
#[derive(Debug, Clone)]
pub(crate) struct Done {
    pub(crate) record: usize,
    pub(crate) outputs: Value,
    pub(crate) body: Value,
}

/// Child workflows calling children: a bound so that a workflow calling itself ends.
const MAX_DEPTH: u32 = 8;

pub(crate) struct Runner<'s> {
    pub(crate) state: &'s mut State,
    pub(crate) logic_app: LogicApp,
    pub(crate) trigger_body: Value,
    pub(crate) run_name: String,
    pub(crate) run_start: Timestamp,
    /// Finished actions by lower-case name (the latest iteration's, inside loops).
    pub(crate) results: HashMap<String, Done>,
    pub(crate) variables: BTreeMap<String, Value>,
    pub(crate) items: Vec<(String, Value)>,
    pub(crate) cursor: Timestamp,
    pub(crate) records: Vec<RunAction>,
    pub(crate) iteration: Option<u32>,
    /// The loops the current action runs in, outermost first, with their iterations.
    pub(crate) loops: Vec<(String, u32)>,
    pub(crate) response: Option<Value>,
    /// The seeded generator's state for `rand()` and `guid()`.
    pub(crate) random: u64,
    /// Set by `Terminate`: nothing more runs.
    pub(crate) stop: Option<Termination>,
    /// How deep in child workflow calls this run is (0 for a run the trigger started).
    pub(crate) depth: u32,
    /// The first action that failed on its own (not a container failing for it).
    first_failure: Option<String>,
    /// The action whose inputs are being evaluated (`action()`).
    pub(crate) current: Option<String>,
    /// How many `Foreach` loops the current action runs in (nested ones run sequentially).
    pub(crate) foreach_depth: u32,
}

/// Runs Logic App `name` once; the clock moves to the run's end (a drill's `run`, the
/// in-process back end's trigger).
pub(crate) fn run(
    state: &mut State,
    name: &str,
    trigger_body: Value,
) -> Result<Run, EmulatorError> {
    let start = state.now();
    let run = execute(state, name, trigger_body, start, 0)?;
    state.move_clock(run.end);
    state.workflows_mut().record_run(name, run.clone());
    Ok(run)
}

/// Starts a run of Logic App `name` through the management API: its calls are made now, in
/// order, but the clock stays where it is, so ARM shows the run `Running` until virtual time
/// reaches its end (each read of it moves the clock, as a poll does).
pub(crate) fn start(
    state: &mut State,
    name: &str,
    trigger_body: Value,
) -> Result<Run, EmulatorError> {
    let start = state.now();
    let run = execute(state, name, trigger_body, start, 0)?;
    state.workflows_mut().record_run(name, run.clone());
    Ok(run)
}

/// Executes one run from `start`; records nothing and leaves the clock alone.
pub(crate) fn execute(
    state: &mut State,
    name: &str,
    trigger_body: Value,
    start: Timestamp,
    depth: u32,
) -> Result<Run, EmulatorError> {
    // Everything but the run history, which grows with every run.
    let logic_app = state
        .workflows()
        .get(name)
        .map(LogicApp::without_runs)
        .ok_or_else(|| EmulatorError::UnknownLogicApp(name.to_owned()))?;
    // Learn: a disabled logic app's trigger does not fire, however it is asked to run.
    if !logic_app.enabled {
        return Err(EmulatorError::Disabled(logic_app.name.clone()));
    }
    let workflow = logic_app
        .document
        .workflow(Some(&logic_app.workflow))?
        .clone();
    let actions = logic_app
        .document
        .definition(&workflow)
        .get("actions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // A definition Azure would refuse to save (an Until beyond its cap) never runs.
    if let Some(refusal) = loops::refusal(&actions) {
        return Err(EmulatorError::InvalidWorkflow(refusal));
    }
    let run_name = state.workflows_mut().next_run_name();
    let change_sequence = state.estate().change_sequence();
    let random = seed_for(state.estate().seed(), &run_name);
    let mut runner = Runner {
        state,
        logic_app,
        trigger_body: trigger_body.clone(),
        run_name: run_name.clone(),
        run_start: start,
        results: HashMap::new(),
        variables: BTreeMap::new(),
        items: Vec::new(),
        cursor: start,
        records: Vec::new(),
        iteration: None,
        loops: Vec::new(),
        response: None,
        random,
        stop: None,
        depth,
        first_failure: None,
        current: None,
        foreach_depth: 0,
    };
    let failure = runner.run_level(&actions, &[]);
    let (status, error) = match runner.stop.take() {
        Some(termination) => (termination.status, termination.error),
        None if failure.is_some() => (Status::Failed, runner.first_failure.take().or(failure)),
        None => (Status::Succeeded, None),
    };
    Ok(Run {
        name: run_name,
        workflow: runner.logic_app.name.clone(),
        status,
        start,
        end: runner.cursor,
        change_sequence,
        trigger_body,
        actions: std::mem::take(&mut runner.records),
        response: runner.response.take(),
        error,
    })
}

/// The generator's first state for a run: the estate's seed and the run's name, so the same
/// seed gives the same `rand()` and `guid()` values run after run.
fn seed_for(seed: u64, run_name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in run_name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// `runAfter`: predecessor → the statuses that let this action run.
type RunAfter = Vec<(String, Vec<String>)>;

fn run_after(action: &Value) -> RunAfter {
    action
        .get("runAfter")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(name, statuses)| {
                    let statuses = statuses
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), statuses)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn lists(statuses: &[String], status: Status) -> bool {
    statuses
        .iter()
        .any(|s| s.eq_ignore_ascii_case(status.as_str()))
}

impl Runner<'_> {
    /// Runs one level of actions; returns why it failed, if it did.
    pub(crate) fn run_level(
        &mut self,
        actions: &Map<String, Value>,
        container: &[&str],
    ) -> Option<String> {
        let mut done: HashMap<&str, Status> = HashMap::new();
        let after: Vec<(&str, RunAfter)> = actions
            .iter()
            .map(|(name, action)| (name.as_str(), run_after(action)))
            .collect();
        loop {
            let ready = after.iter().find(|(name, deps)| {
                !done.contains_key(name)
                    && deps.iter().all(|(dep, _)| {
                        done.contains_key(dep.as_str()) || !actions.contains_key(dep)
                    })
            });
            let Some((name, deps)) = ready else { break };
            let allowed = deps.iter().all(|(dep, statuses)| {
                let status = done.get(dep.as_str()).copied().unwrap_or(Status::Skipped);
                lists(statuses, status)
            });
            let status = if allowed && self.stop.is_none() {
                self.execute(name, &actions[*name], container)
            } else {
                let start = self.cursor;
                self.record(name, container, errors::skipped(), start);
                Status::Skipped
            };
            done.insert(name, status);
        }
        let mut unhandled = None;
        for (name, _) in &after {
            let status = done.get(name).copied().unwrap_or(Status::Skipped);
            let handled = after.iter().any(|(_, deps)| {
                deps.iter()
                    .any(|(dep, statuses)| dep == name && lists(statuses, status))
            });
            if status.is_failure() && !handled && unhandled.is_none() {
                unhandled = Some(format!("action `{name}` ended {}", status.as_str()));
            }
        }
        unhandled
    }

    /// Records an action that started at `start` and ends `outcome.latency_ms` later.
    pub(crate) fn record(
        &mut self,
        name: &str,
        container: &[&str],
        outcome: Outcome,
        start: Timestamp,
    ) {
        let end = start.plus_millis(outcome.latency_ms);
        self.record_span(name, container, outcome, start, end);
    }

    /// Records an action that ran from `start` to `end`; the cursor moves to `end`.
    fn record_span(
        &mut self,
        name: &str,
        container: &[&str],
        outcome: Outcome,
        start: Timestamp,
        end: Timestamp,
    ) {
        self.cursor = end;
        let code = outcome
            .code
            .clone()
            .unwrap_or_else(|| outcome.status.as_str().to_owned());
        if outcome.status.is_failure() && code != ACTION_FAILED && self.first_failure.is_none() {
            self.first_failure = Some(format!(
                "action `{name}` ended {}: {code}: {}",
                outcome.status.as_str(),
                outcome.error.as_deref().unwrap_or_default()
            ));
        }
        self.results.insert(
            name.to_ascii_lowercase(),
            Done {
                record: self.records.len(),
                outputs: outcome.outputs.clone(),
                body: outcome.body,
            },
        );
        self.records.push(RunAction {
            name: name.to_owned(),
            container: container.join("/"),
            iteration: self.iteration,
            repetition: self.loops.clone(),
            status: outcome.status,
            code,
            start,
            end,
            served_by: outcome.served_by,
            inputs: call::redact_signatures(&outcome.inputs),
            outputs: call::redact_signatures(&outcome.outputs),
            error: outcome.error,
            attempts: outcome.attempts,
        });
    }

    /// Runs one action (containers recurse) and records it.
    fn execute(&mut self, name: &str, action: &Value, container: &[&str]) -> Status {
        let kind = action
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut inner: Vec<&str> = container.to_vec();
        inner.push(name);
        let start = self.cursor;
        let failure = match kind.as_str() {
            "scope" => self
                .run_level(&nested(action, "actions"), &inner)
                .map(|_| errors::action_failed()),
            "if" => self.branch(name, action, &inner),
            "foreach" => self.foreach(name, action, &inner),
            "until" => self.until(name, action, &inner),
            "switch" => self.switch(name, action, &inner),
            _ => {
                self.current = Some(name.to_owned());
                let outcome = self.simple_action(name, &kind, action);
                self.current = None;
                let status = outcome.status;
                self.record(name, container, outcome, start);
                return status;
            }
        };
        // The container's time is the time of what ran inside it.
        let end = self.cursor;
        let outcome = match failure {
            None => Outcome::succeeded(Value::Null),
            Some(error) => Outcome::failed(error),
        };
        let status = outcome.status;
        self.record_span(name, container, outcome, start, end);
        status
    }

    /// `If`: the `actions` or the `else` branch.
    fn branch(&mut self, name: &str, action: &Value, inner: &[&str]) -> Option<ActionError> {
        let expression = action.get("expression").unwrap_or(&Value::Null);
        match self.condition(expression, name) {
            Ok(true) => self
                .run_level(&nested(action, "actions"), inner)
                .map(|_| errors::action_failed()),
            Ok(false) => {
                let branch = action
                    .pointer("/else/actions")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                self.run_level(&branch, inner)
                    .map(|_| errors::action_failed())
            }
            Err(e) => Some(e.into_action_error(name, "expression")),
        }
    }
}

/// An action's nested actions under `key`.
pub(crate) fn nested(action: &Value, key: &str) -> Map<String, Value> {
    action
        .get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}
