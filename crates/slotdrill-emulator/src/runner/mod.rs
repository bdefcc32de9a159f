//! The Logic App runner: runs a workflow from its trigger to the end on virtual time.
//!
//! Actions at one level run in `runAfter` order (document order among those ready); an action
//! whose predecessors did not end in one of the statuses it lists is `Skipped`. Containers —
//! `Scope`, `If`, `Foreach` (sequentially), `Until` (with `limit.count`), `Switch` — run their
//! nested actions the same way. A level (and so the run) fails when one of its actions failed or
//! timed out and no sibling runs after that status (a failure someone handles does not fail it).
//! Every action is recorded with its status, code, virtual start and end, who served it, and
//! its inputs with keys redacted: the shape of ARM's runs and run actions.

mod call;
mod scope;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use slotdrill_model::Timestamp;

use crate::host::ServedBy;
use crate::logic_app::LogicApp;
pub use crate::run::{Run, RunAction, Status};
use crate::state::{EmulatorError, State};

/// What an executed action leaves for later expressions.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) status: Status,
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

    pub(crate) fn failed(error: String) -> Self {
        Outcome {
            status: Status::Failed,
            code: Some("BadRequest".to_owned()),
            error: Some(error),
            ..Outcome::succeeded(Value::Null)
        }
    }
}

pub(crate) struct Runner<'s> {
    pub(crate) state: &'s mut State,
    pub(crate) logic_app: LogicApp,
    pub(crate) trigger_body: Value,
    pub(crate) run_name: String,
    pub(crate) results: HashMap<String, (Status, Value, Value)>,
    pub(crate) variables: BTreeMap<String, Value>,
    pub(crate) items: Vec<(String, Value)>,
    pub(crate) cursor: Timestamp,
    records: Vec<RunAction>,
    iteration: Option<u32>,
    /// The loops the current action runs in, outermost first, with their iterations.
    loops: Vec<(String, u32)>,
    pub(crate) response: Option<Value>,
}

/// Runs Logic App `name` once; the clock moves to the run's end (a drill's `run`, the
/// in-process back end's trigger).
pub(crate) fn run(
    state: &mut State,
    name: &str,
    trigger_body: Value,
) -> Result<Run, EmulatorError> {
    let run = execute(state, name, trigger_body)?;
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
    let run = execute(state, name, trigger_body)?;
    state.workflows_mut().record_run(name, run.clone());
    Ok(run)
}

/// Executes one run from the clock's present; records nothing and leaves the clock alone.
fn execute(state: &mut State, name: &str, trigger_body: Value) -> Result<Run, EmulatorError> {
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
    let run_name = state.workflows_mut().next_run_name();
    let start = state.now();
    let change_sequence = state.estate().change_sequence();
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
    let mut runner = Runner {
        state,
        logic_app,
        trigger_body: trigger_body.clone(),
        run_name: run_name.clone(),
        results: HashMap::new(),
        variables: BTreeMap::new(),
        items: Vec::new(),
        cursor: start,
        records: Vec::new(),
        iteration: None,
        loops: Vec::new(),
        response: None,
    };
    let failure = runner.run_level(&actions, &[]);
    let end = runner.cursor;
    let run = Run {
        name: run_name,
        workflow: runner.logic_app.name.clone(),
        status: if failure.is_some() {
            Status::Failed
        } else {
            Status::Succeeded
        },
        start,
        end,
        change_sequence,
        trigger_body,
        actions: std::mem::take(&mut runner.records),
        response: runner.response.take(),
        error: failure,
    };
    Ok(run)
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

impl Runner<'_> {
    /// Runs one level of actions; returns why it failed, if it did.
    fn run_level(&mut self, actions: &Map<String, Value>, container: &[&str]) -> Option<String> {
        let mut done: HashMap<&str, Status> = HashMap::new();
        let mut unhandled: Option<String> = None;
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
                statuses
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(status.as_str()))
            });
            let action = &actions[*name];
            let status = if allowed {
                self.execute(name, action, container)
            } else {
                self.record(name, container, &skipped());
                Status::Skipped
            };
            done.insert(name, status);
        }
        for (name, _) in &after {
            let status = done.get(name).copied().unwrap_or(Status::Skipped);
            let handled = after.iter().any(|(_, deps)| {
                deps.iter().any(|(dep, statuses)| {
                    dep == name
                        && statuses
                            .iter()
                            .any(|s| s.eq_ignore_ascii_case(status.as_str()))
                })
            });
            if status.is_failure() && !handled && unhandled.is_none() {
                unhandled = Some(format!("action `{name}` ended {}", status.as_str()));
            }
        }
        unhandled
    }

    fn record(&mut self, name: &str, container: &[&str], outcome: &Outcome) {
        let start = self.cursor;
        self.cursor = self.cursor.plus_millis(outcome.latency_ms);
        self.results.insert(
            name.to_owned(),
            (
                outcome.status,
                outcome.outputs.clone(),
                outcome.body.clone(),
            ),
        );
        self.records.push(RunAction {
            name: name.to_owned(),
            container: container.join("/"),
            iteration: self.iteration,
            repetition: self.loops.clone(),
            status: outcome.status,
            code: outcome
                .code
                .clone()
                .unwrap_or_else(|| outcome.status.as_str().to_owned()),
            start,
            end: self.cursor,
            served_by: outcome.served_by.clone(),
            inputs: outcome.inputs.clone(),
            outputs: outcome.outputs.clone(),
            error: outcome.error.clone(),
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
        let nested = |key: &str| -> Map<String, Value> {
            action
                .get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let start = self.cursor;
        let container_result = match kind.as_str() {
            "scope" => Some(self.run_level(&nested("actions"), &inner)),
            "if" => match self.condition(action.get("expression").unwrap_or(&Value::Null), name) {
                Ok(true) => Some(self.run_level(&nested("actions"), &inner)),
                Ok(false) => {
                    let branch = action
                        .pointer("/else/actions")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    Some(self.run_level(&branch, &inner))
                }
                Err(e) => Some(Some(e.to_string())),
            },
            "foreach" => Some(self.foreach(name, action, &inner)),
            "until" => Some(self.until(name, action, &inner)),
            "switch" => Some(self.switch(name, action, &inner)),
            _ => None,
        };
        let outcome = match container_result {
            Some(failure) => {
                let mut outcome = match failure {
                    None => Outcome::succeeded(Value::Null),
                    Some(error) => Outcome::failed(error),
                };
                // The container's time is the time of what ran inside it.
                outcome.latency_ms = 0;
                let end = self.cursor;
                self.cursor = start;
                let status = outcome.status;
                self.record(name, container, &outcome);
                if let Some(last) = self.records.last_mut() {
                    last.end = end;
                }
                self.cursor = end;
                return status;
            }
            None => self.simple_action(name, &kind, action),
        };
        self.record(name, container, &outcome);
        outcome.status
    }

    fn foreach(&mut self, name: &str, action: &Value, inner: &[&str]) -> Option<String> {
        let items = match self.evaluate(action.get("foreach").unwrap_or(&Value::Null), name) {
            Ok(Value::Array(items)) => items,
            Ok(other) => {
                return Some(format!(
                    "`foreach` of `{name}` must be an array, got {other}"
                ));
            }
            Err(e) => return Some(e.to_string()),
        };
        let actions = action
            .get("actions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let outer_iteration = self.iteration;
        let mut failure = None;
        for (i, item) in items.into_iter().enumerate() {
            self.items.push((name.to_owned(), item));
            self.iteration = Some(i as u32);
            self.loops.push((name.to_owned(), i as u32));
            if let Some(e) = self.run_level(&actions, inner) {
                failure.get_or_insert(e);
            }
            self.loops.pop();
            self.items.pop();
        }
        self.iteration = outer_iteration;
        failure
    }

    fn until(&mut self, name: &str, action: &Value, inner: &[&str]) -> Option<String> {
        let limit = action
            .pointer("/limit/count")
            .and_then(Value::as_u64)
            .unwrap_or(60);
        let actions = action
            .get("actions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let outer_iteration = self.iteration;
        let mut failure = None;
        for i in 0..limit {
            self.iteration = Some(i as u32);
            self.loops.push((name.to_owned(), i as u32));
            failure = self.run_level(&actions, inner);
            self.loops.pop();
            match self.condition(action.get("expression").unwrap_or(&Value::Null), name) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        // Reaching the count limit ends the loop without failing it, as in Logic Apps.
        self.iteration = outer_iteration;
        failure
    }

    fn switch(&mut self, name: &str, action: &Value, inner: &[&str]) -> Option<String> {
        let value = match self.evaluate(action.get("expression").unwrap_or(&Value::Null), name) {
            Ok(v) => v,
            Err(e) => return Some(e.to_string()),
        };
        let cases = action.get("cases").and_then(Value::as_object);
        let chosen = cases
            .and_then(|cases| {
                cases
                    .values()
                    .find(|case| case.get("case").is_some_and(|c| same(c, &value)))
            })
            .or_else(|| action.get("default"));
        let actions = chosen
            .and_then(|c| c.get("actions"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        self.run_level(&actions, inner)
    }
}

fn same(case: &Value, value: &Value) -> bool {
    case == value || slotdrill_wdl::eval::to_text(case) == slotdrill_wdl::eval::to_text(value)
}

fn skipped() -> Outcome {
    Outcome {
        status: Status::Skipped,
        code: Some("ActionSkipped".to_owned()),
        error: Some("the runAfter condition was not met".to_owned()),
        ..Outcome::succeeded(json!(null))
    }
}
