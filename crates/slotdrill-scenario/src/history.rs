//! A Logic App run's history as people and reports read it, in the shape of Azure's run history
//! (the REST API's `workflowRunActions`: name, status, code, error, inputs, outputs, and the
//! `repetitionIndexes` of loop iterations): which actions failed and why, every action as a tree
//! under its container, and secrets redacted wherever they might sit.
//!
//! Used by the drill reports (the failed actions of each failed run) and by
//! `slotdrill workflow run` (the whole history).

use serde::Serialize;
use serde_json::{Map, Value};
use slotdrill_emulator::{Run, RunAction, Status};

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Header and property names whose values are secrets wherever they appear.
const SECRET_NAMES: [&str; 5] = [
    "authorization",
    "x-functions-key",
    "x-ms-workflow-sig",
    "proxy-authorization",
    "ocp-apim-subscription-key",
];

/// URL query parameters whose values are secrets: a function key (`code=`) and the shared access
/// signature of a callback URL (`sig=`).
const SECRET_QUERIES: [&str; 2] = ["code", "sig"];

/// One action of a run, as reports and `workflow run --format json` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionReport {
    /// The action's name.
    pub name: String,
    /// The enclosing actions joined by `/` (empty at the top level).
    pub container: String,
    /// Every loop it ran in, outermost first, with the 0-based iteration (Azure's
    /// `repetitionIndexes`); empty outside loops.
    pub repetition: Vec<Repetition>,
    /// `Succeeded`, `Failed`, `Skipped`, `TimedOut`.
    pub status: String,
    /// Azure's `code`: an HTTP status name for calls (`Unauthorized`), an error code otherwise
    /// (`InvalidTemplate`, `ActionFailed`), else the status.
    pub code: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Its inputs, secrets redacted.
    pub inputs: Value,
    /// Its outputs, secrets redacted.
    pub outputs: Value,
}

/// One loop an action ran in (ARM's `repetitionIndexes` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repetition {
    /// The loop action (`scopeName`).
    pub scope: String,
    /// The iteration, from 0 (`itemIndex`).
    pub index: u32,
}

impl ActionReport {
    /// The report of one recorded action, secrets redacted.
    pub fn of(action: &RunAction) -> ActionReport {
        ActionReport {
            name: action.name.clone(),
            container: action.container.clone(),
            repetition: action
                .repetition
                .iter()
                .map(|(scope, index)| Repetition {
                    scope: scope.clone(),
                    index: *index,
                })
                .collect(),
            status: status_name(action.status),
            code: action.code.clone(),
            error: action.error.as_deref().map(redact_text),
            inputs: redact(&action.inputs),
            outputs: redact(&action.outputs),
        }
    }

    /// Why it failed, in one line: `Ship: Failed (401 from shop.example.com/api/Ship)` for a
    /// call that answered, else `Compose: InvalidTemplate (message)` — the code when it says
    /// more than the status, then the error.
    pub fn reason(&self) -> String {
        let head = if self.answered().is_some() || self.code.is_empty() || self.code == self.status
        {
            &self.status
        } else {
            &self.code
        };
        let label = self.label();
        match self.reason_detail() {
            detail if detail.is_empty() => format!("{label}: {head}"),
            detail => format!("{label}: {head} ({detail})"),
        }
    }

    /// Its name with the iteration of each loop it ran in (`Label #1`, from 0 as Azure counts).
    pub fn label(&self) -> String {
        let mut label = self.name.clone();
        for repetition in &self.repetition {
            label.push_str(&format!(" #{}", repetition.index));
        }
        label
    }

    /// What went wrong, without the action's name: `401 from host/api/Ship` for a call that
    /// answered, else the error (empty when there is none).
    pub fn reason_detail(&self) -> String {
        match self.answered() {
            Some((status_code, uri)) => format!("{status_code} from {}", target(uri)),
            None => self.error.clone().unwrap_or_default(),
        }
    }

    /// The status code and URI of a call that got an answer.
    fn answered(&self) -> Option<(u64, &str)> {
        let status_code = self.outputs.get("statusCode").and_then(Value::as_u64)?;
        Some((status_code, self.inputs.get("uri").and_then(Value::as_str)?))
    }
}

/// `https://host/api/Ship?code=…` → `host/api/Ship`: where a call went, without scheme or query.
fn target(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    rest.split(['?', '#']).next().unwrap_or(rest)
}

/// Azure's name for a status (`Succeeded`, `TimedOut`): its serialised form, so that a status
/// the emulator adds later is named without a change here.
pub fn status_name(status: Status) -> String {
    match serde_json::to_value(status) {
        Ok(Value::String(name)) => name,
        _ => format!("{status:?}"),
    }
}

/// True for a status that fails its level (`Failed`, `TimedOut`).
fn failed(status: Status) -> bool {
    matches!(status, Status::Failed | Status::TimedOut)
}

/// The path an action's children name as their container.
fn path_of(action: &RunAction) -> String {
    if action.container.is_empty() {
        action.name.clone()
    } else {
        format!("{}/{}", action.container, action.name)
    }
}

/// The actions that failed for a reason of their own: every failed action that holds no failed
/// action (a `Scope` or `Foreach` failed because something inside it did; what is inside is the
/// reason). In the order they ended.
pub fn failed_actions(run: &Run) -> Vec<ActionReport> {
    run.actions
        .iter()
        .filter(|action| failed(action.status))
        .filter(|action| {
            let path = path_of(action);
            let inside = format!("{path}/");
            !run.actions.iter().any(|other| {
                failed(other.status)
                    && (other.container == path || other.container.starts_with(&inside))
            })
        })
        .map(ActionReport::of)
        .collect()
}

/// Every action, containers before what they hold (each level in the order its actions
/// ended, loop iterations in order): the order `workflow run` prints them in.
pub fn actions_in_tree_order(run: &Run) -> Vec<ActionReport> {
    let mut out = Vec::with_capacity(run.actions.len());
    push_children(run, "", &[], &mut out);
    out
}

/// Pushes the actions `path` holds that ran within `repetition` (an action of a loop body is
/// recorded once per iteration: its children are those of the same iteration), each followed
/// by what it holds.
fn push_children(run: &Run, path: &str, repetition: &[(String, u32)], out: &mut Vec<ActionReport>) {
    let children: Vec<&RunAction> = run
        .actions
        .iter()
        .filter(|a| a.container == path && a.repetition.starts_with(repetition))
        .collect();
    for child in children {
        out.push(ActionReport::of(child));
        push_children(run, &path_of(child), &child.repetition, out);
    }
}

/// The run history as text, one action a line, nested actions indented under their container
/// and loop iterations numbered (`#0`, from 0 as Azure's `itemIndex`), then the action's code,
/// error, inputs and outputs on lines below it.
pub fn render_text(run: &Run) -> String {
    let mut out = format!(
        "run {} of {}: {}",
        run.name,
        run.workflow,
        status_name(run.status)
    );
    if let Some(error) = &run.error {
        out.push_str(&format!(" ({})", redact_text(error)));
    }
    out.push('\n');
    for action in actions_in_tree_order(run) {
        let depth = if action.container.is_empty() {
            1
        } else {
            action.container.split('/').count() + 1
        };
        let indent = "  ".repeat(depth);
        let iteration = action
            .repetition
            .last()
            .filter(|r| action.container.rsplit('/').next() == Some(r.scope.as_str()))
            .map(|r| format!(" #{}", r.index))
            .unwrap_or_default();
        out.push_str(&format!(
            "{indent}{} {}{iteration}: {}",
            mark(&action.status),
            action.name,
            action.status
        ));
        if action.code != action.status {
            out.push_str(&format!(" ({})", action.code));
        }
        out.push('\n');
        let detail = format!("{indent}    ");
        if let Some(error) = &action.error {
            out.push_str(&format!("{detail}error: {error}\n"));
        }
        for (label, value) in [("inputs", &action.inputs), ("outputs", &action.outputs)] {
            if !value.is_null() {
                out.push_str(&format!("{detail}{label}: {value}\n"));
            }
        }
    }
    out
}

fn mark(status: &str) -> &'static str {
    match status {
        "Succeeded" => "✓",
        "Skipped" => "-",
        _ => "✗",
    }
}

/// A copy of `value` with every secret replaced by [`REDACTED`]: values of secret headers and
/// properties (`Authorization`, `x-functions-key`, …, any case) and, inside every string, the
/// values of `code=` and `sig=` query parameters and `Bearer`/`SharedAccessSignature` tokens.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret =
                        SECRET_NAMES.iter().any(|n| k.eq_ignore_ascii_case(n)) && !v.is_null();
                    let v = if secret {
                        Value::String(REDACTED.to_owned())
                    } else if k.eq_ignore_ascii_case("queries") {
                        // An action's `queries` (and listCallbackUrl's answer) hold query
                        // parameters as properties: `code` and `sig` there are secrets.
                        redact_query_object(v)
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// A `queries` object with its `code` and `sig` values redacted, the rest as [`redact`] does.
fn redact_query_object(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = SECRET_QUERIES.iter().any(|q| k.eq_ignore_ascii_case(q));
                    let v = if secret && !v.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => redact(other),
    }
}

/// `text` with the values of `code=`/`sig=` query parameters and bearer tokens redacted.
pub fn redact_text(text: &str) -> String {
    let mut out = redact_queries(text);
    for scheme in ["Bearer ", "bearer ", "SharedAccessSignature "] {
        out = redact_after(&out, scheme);
    }
    out
}

/// Replaces the value of every `?code=`/`&sig=`… parameter (up to `&`, `#`, a quote, a space or
/// the end) by [`REDACTED`]; an already redacted value stays as it is.
fn redact_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['?', '&']) {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let Some((name, _)) = rest.split_once('=') else {
            continue;
        };
        if !SECRET_QUERIES.iter().any(|q| name.eq_ignore_ascii_case(q)) {
            continue;
        }
        let value_start = name.len() + 1;
        let value_len = rest[value_start..]
            .find(['&', '#', '"', '\'', '`', ' ', ')', '\n'])
            .unwrap_or(rest.len() - value_start);
        out.push_str(name);
        out.push('=');
        if value_len > 0 {
            out.push_str(REDACTED);
        }
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

/// Replaces the token after each `scheme` (up to whitespace, a quote or the end).
fn redact_after(text: &str, scheme: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(scheme) {
        let start = at + scheme.len();
        out.push_str(&rest[..start]);
        let len = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`'))
            .unwrap_or(rest.len() - start);
        if len > 0 {
            out.push_str(REDACTED);
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_wherever_they_sit() {
        let inputs = json!({
            "method": "POST",
            "uri": "https://shop.azurewebsites.net/api/Ship?code=abc123==&x=1",
            "headers": {
                "Authorization": "Bearer eyJ0eXAi.payload.sig",
                "X-Functions-Key": "k3y==",
                "Content-Type": "application/json"
            },
            "body": {
                "callback": "https://prod-00.westeurope.logic.azure.com/workflows/w/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Fread&sv=1.0&sig=S1gnature",
                "note": "see `https://h/api/F?code=zzz`"
            }
        });
        let queries = redact(
            &json!({ "queries": { "code": "qk3y", "sig": "qs1g", "sv": "1.0" }, "code": "NotFound" }),
        );
        assert_eq!(
            queries,
            json!({ "queries": { "code": "[redacted]", "sig": "[redacted]", "sv": "1.0" }, "code": "NotFound" })
        );
        let shown = redact(&inputs).to_string();
        for secret in ["abc123", "eyJ0eXAi", "k3y==", "S1gnature", "zzz"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("code=[redacted]&x=1"), "{shown}");
        assert!(shown.contains("sv=1.0&sig=[redacted]"), "{shown}");
        assert!(
            shown.contains("\"Content-Type\":\"application/json\""),
            "{shown}"
        );
        assert!(shown.contains("api-version=2016-10-01"), "{shown}");
        assert_eq!(
            redact_text("Authorization: Bearer abc.def and more"),
            "Authorization: Bearer [redacted] and more"
        );
        // Idempotent: a redacted value stays redacted, once.
        assert_eq!(redact_text("?code=[redacted]"), "?code=[redacted]");
        assert_eq!(redact_text("a=1&decode=2"), "a=1&decode=2");
    }

    #[test]
    fn a_reason_names_the_call_or_the_code() {
        let call = ActionReport {
            name: "Ship".to_owned(),
            container: String::new(),
            repetition: Vec::new(),
            status: "Failed".to_owned(),
            code: "Unauthorized".to_owned(),
            error: Some("action `Ship`: the call answered 401".to_owned()),
            inputs: json!({ "method": "POST", "uri": "https://shop-api.azurewebsites.net/api/Ship?code=[redacted]" }),
            outputs: json!({ "statusCode": 401, "body": null }),
        };
        assert_eq!(
            call.reason(),
            "Ship: Failed (401 from shop-api.azurewebsites.net/api/Ship)"
        );
        let compose = ActionReport {
            name: "Compose".to_owned(),
            code: "InvalidTemplate".to_owned(),
            error: Some("unsupported function `nope`".to_owned()),
            inputs: Value::Null,
            outputs: Value::Null,
            ..call.clone()
        };
        assert_eq!(
            compose.reason(),
            "Compose: InvalidTemplate (unsupported function `nope`)"
        );
        let plain = ActionReport {
            code: "Failed".to_owned(),
            error: None,
            ..compose
        };
        assert_eq!(plain.reason(), "Compose: Failed");
    }
}
