//! `Terminate`, `Wait` and `Workflow` ("Schema reference guide for trigger and action types",
//! `articles/logic-apps/logic-apps-workflow-actions-triggers.md`).
//!
//! - `Terminate` (`runStatus` Failed, Cancelled or Succeeded; `runError` {code, message} with
//!   Failed) ends the run at once with that status: actions not yet run are skipped.
//! - `Wait` (`interval` {count, unit} or `until` {timestamp}) moves the run's virtual cursor.
//! - `Workflow` calls a child Logic App of the estate by `host.workflow.id` through its Request
//!   trigger; the child's `Response` is the action's outputs (a child without one answers 202
//!   at once, as a Request trigger without a Response does).

use serde_json::{Value, json};

use super::super::errors::{ActionError, INVALID_TEMPLATE, invalid_action};
use super::super::{MAX_DEPTH, Outcome, Runner, Status, Termination, execute};
use crate::clock::parse_rfc3339;

impl Runner<'_> {
    pub(crate) fn terminate(&mut self, name: &str, inputs: &Value) -> Outcome {
        let wanted = inputs
            .get("runStatus")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let status = match wanted.to_ascii_lowercase().as_str() {
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            "succeeded" => Status::Succeeded,
            _ => {
                return Outcome::failed(invalid_action(
                    name,
                    &format!(
                        "the 'runStatus' '{wanted}' is not one of 'Failed', 'Cancelled', 'Succeeded'."
                    ),
                ));
            }
        };
        let error = match status {
            Status::Failed => {
                let run_error = inputs.get("runError");
                let field = |key: &str| {
                    run_error
                        .and_then(|e| e.get(key))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let code = field("code").unwrap_or_else(|| "Terminated".to_owned());
                let message = field("message").unwrap_or_default();
                Some(format!(
                    "action `{name}` terminated the run as Failed: {code}: {message}"
                ))
            }
            Status::Cancelled => Some(format!("action `{name}` terminated the run as Cancelled")),
            _ => None,
        };
        self.stop = Some(Termination { status, error });
        Outcome {
            code: Some("Terminated".to_owned()),
            ..Outcome::succeeded(Value::Null)
        }
    }

    pub(crate) fn wait(&mut self, name: &str, inputs: &Value) -> Outcome {
        let millis = if let Some(interval) = inputs.get("interval") {
            let count = interval.get("count").and_then(Value::as_u64);
            let unit = interval.get("unit").and_then(Value::as_str).unwrap_or("");
            match (count, unit_millis(unit)) {
                (Some(count), Some(unit)) => count.saturating_mul(unit),
                _ => {
                    return Outcome::failed(invalid_action(
                        name,
                        &format!(
                            "the 'interval' needs a whole 'count' and a 'unit' of Second, Minute, Hour, Day, Week or Month; got '{unit}'."
                        ),
                    ));
                }
            }
        } else {
            let timestamp = inputs
                .pointer("/until/timestamp")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match parse_rfc3339(timestamp) {
                Some(at) => at.millis().saturating_sub(self.cursor.millis()),
                // Before the virtual epoch: the moment has passed.
                None if timestamp.ends_with('Z') && timestamp.len() >= 20 => 0,
                None => {
                    return Outcome::failed(invalid_action(
                        name,
                        &format!(
                            "the 'until' timestamp '{timestamp}' is not an ISO 8601 UTC time."
                        ),
                    ));
                }
            }
        };
        Outcome {
            latency_ms: millis,
            ..Outcome::succeeded(Value::Null)
        }
    }

    pub(crate) fn child_workflow(&mut self, name: &str, inputs: &Value) -> Outcome {
        let id = inputs
            .pointer("/host/workflow/id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let child = id.rsplit('/').next().unwrap_or_default().to_owned();
        let Some(logic_app) = self.state.workflows().get(&child) else {
            return Outcome::failed(ActionError::new(
                "WorkflowNotFound",
                format!("The workflow '{child}' could not be found (action '{name}', id '{id}')."),
            ));
        };
        let definition = logic_app
            .document
            .workflow(Some(&logic_app.workflow))
            .map(|w| logic_app.document.definition(w).clone())
            .unwrap_or(Value::Null);
        if !has_type(definition.get("triggers"), "Request") {
            return Outcome::failed(ActionError::new(
                INVALID_TEMPLATE,
                format!(
                    "The workflow '{child}' cannot be called by action '{name}': it has no trigger of type 'Request'."
                ),
            ));
        }
        if self.depth + 1 >= MAX_DEPTH {
            return Outcome::failed(invalid_action(
                name,
                &format!("child workflows are nested more than {MAX_DEPTH} deep."),
            ));
        }
        let answers = has_type(definition.get("actions"), "Response");
        let body = inputs.get("body").cloned().unwrap_or(Value::Null);
        let start = self.cursor;
        let run = match execute(self.state, &child, body, start, self.depth + 1) {
            Ok(run) => run,
            Err(error) => {
                return Outcome::failed(ActionError::new("BadRequest", error.to_string()));
            }
        };
        self.state.workflows_mut().record_run(&child, run.clone());
        let took = run.end.millis().saturating_sub(start.millis());
        let outcome = child_answer(&child, run.response.as_ref(), answers, &run.name);
        Outcome {
            latency_ms: if answers { took } else { 0 },
            ..outcome
        }
    }
}

/// The parent's view of the child's answer.
fn child_answer(child: &str, response: Option<&Value>, answers: bool, run: &str) -> Outcome {
    let headers = json!({ "x-ms-workflow-run-id": run });
    let Some(response) = response else {
        if answers {
            // The child has a Response action that did not run: the caller gets no answer.
            return Outcome {
                outputs: json!({ "statusCode": 502, "headers": headers, "body": null }),
                ..Outcome::failed(ActionError::new(
                    "BadGateway",
                    format!("502 from workflow '{child}': its 'Response' action did not run"),
                ))
            };
        }
        return Outcome {
            code: Some("Accepted".to_owned()),
            ..Outcome::succeeded(json!({ "statusCode": 202, "headers": headers, "body": null }))
        };
    };
    let status = response
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    let body = response.get("body").cloned().unwrap_or(Value::Null);
    let outputs = json!({ "statusCode": status, "headers": headers, "body": body });
    let code = super::super::call::code_of(status);
    if status >= 400 {
        return Outcome {
            outputs,
            body,
            ..Outcome::failed(ActionError::new(
                &code,
                format!("{status} from workflow '{child}'"),
            ))
        };
    }
    Outcome {
        code: Some(code),
        body,
        ..Outcome::succeeded(outputs)
    }
}

/// Whether any entry of a `triggers` or `actions` map (actions searched in containers too) has
/// type `kind`.
fn has_type(map: Option<&Value>, kind: &str) -> bool {
    map.and_then(Value::as_object).is_some_and(|entries| {
        entries.values().any(|entry| {
            entry
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(kind))
                || ["actions", "else"].iter().any(|key| {
                    let inner = entry.get(*key);
                    has_type(inner.and_then(|v| v.get("actions")).or(inner), kind)
                })
        })
    })
}

/// A `Wait` unit in milliseconds (a month counted as 30 days).
fn unit_millis(unit: &str) -> Option<u64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "second" => 1_000,
        "minute" => 60_000,
        "hour" => 3_600_000,
        "day" => 86_400_000,
        "week" => 604_800_000,
        "month" => 30 * 86_400_000,
        _ => return None,
    })
}
