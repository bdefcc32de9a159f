//! The action types that do something other than contain ("Schema reference guide for trigger
//! and action types in Azure Logic Apps", `articles/logic-apps/logic-apps-workflow-actions-triggers.md`):
//! `Compose`, `Response`, `ApiConnection`/`ApiConnectionWebhook` (answered by a drill's stub),
//! the variables (`variables.rs`), the data operations (`data_ops.rs`, `parse_json.rs`), and
//! `Terminate`, `Wait`, `Workflow` (`control.rs`). `Http` and `Function` calls are in `call.rs`.

mod control;
mod data_ops;
mod parse_json;
mod variables;

use serde_json::{Value, json};

use super::errors::{ActionError, INVALID_TEMPLATE};
use super::{Outcome, Runner, Status};

impl Runner<'_> {
    /// Runs an action that is not a container.
    pub(crate) fn simple_action(&mut self, name: &str, kind: &str, action: &Value) -> Outcome {
        let raw = action.get("inputs").unwrap_or(&Value::Null);
        // Data operations evaluate their per-item expressions themselves, with `item()`.
        match kind {
            "query" | "select" | "table" => return self.data_operation(name, kind, raw),
            // The connection references (`$connections`) are not modelled: inputs that cannot
            // be evaluated are shown as written, and the stub answers.
            "apiconnection" | "apiconnectionwebhook" => {
                let inputs = self.inputs_of(name, raw).unwrap_or_else(|_| raw.clone());
                return self.api_connection(name, &inputs);
            }
            _ => {}
        }
        let inputs = match self.inputs_of(name, raw) {
            Ok(inputs) => inputs,
            Err(error) => return Outcome::failed(error),
        };
        let outcome = match kind {
            "http" => return self.http_action(name, action, &inputs),
            "function" => return self.function_action(name, action, &inputs),
            "compose" => Outcome::succeeded(inputs.clone()),
            "response" => {
                self.response = Some(inputs.clone());
                Outcome::succeeded(inputs.clone())
            }
            "initializevariable" => self.initialize_variables(name, &inputs),
            "setvariable"
            | "appendtoarrayvariable"
            | "appendtostringvariable"
            | "incrementvariable"
            | "decrementvariable" => self.change_variable(name, kind, &inputs),
            "parsejson" => parse_json::parse_json(name, &inputs),
            "join" => data_ops::join(name, &inputs),
            "terminate" => self.terminate(name, &inputs),
            "wait" => self.wait(name, &inputs),
            "workflow" => self.child_workflow(name, &inputs),
            _ => Outcome::failed(unsupported(name, action)),
        };
        outcome.with_inputs(inputs)
    }

    /// `ApiConnection` and `ApiConnectionWebhook`: the managed connector is not emulated, so a
    /// drill's stub for this action answers (its `statusCode` and `body`), else 200 with `{}`.
    fn api_connection(&mut self, name: &str, inputs: &Value) -> Outcome {
        let stub = self
            .state
            .workflows()
            .stubs()
            .api_connections
            .get(name)
            .cloned();
        let outputs = stub.unwrap_or_else(|| json!({ "statusCode": 200, "body": {} }));
        let status = outputs
            .get("statusCode")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(200);
        let body = outputs.get("body").cloned().unwrap_or(Value::Null);
        let ok = status < 400;
        Outcome {
            status: if ok {
                Status::Succeeded
            } else {
                Status::Failed
            },
            code: Some(super::call::code_of(status)),
            error: (!ok).then(|| format!("The connector answered {status} to action '{name}'.")),
            body,
            inputs: inputs.clone(),
            ..Outcome::succeeded(outputs)
        }
    }
}

/// An action type this runner does not run: Azure's template validation form (Azure/LogicAppsUX#2555:
/// "The template validation failed: 'The template action 'X' at line '1' and column '9767' is not
/// valid: …'"); the inner text for an unknown type is ours.
fn unsupported(name: &str, action: &Value) -> ActionError {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ActionError::new(
        INVALID_TEMPLATE,
        format!(
            "The template validation failed: 'The template action '{name}' at line '0' and column '0' is not valid: \"The action type '{kind}' is not supported.\".'."
        ),
    )
}
