//! Finding every function call in a document: `Function` actions (ARM function ids, literal or
//! built by template expressions, or a Standard connection) and `Http` actions whose URI reaches a
//! function host (literal, or built from `parameters()`, `appsetting()`, `concat()`, `@{…}`).

use serde::Serialize;
use serde_json::Value;

use crate::document::{Document, Workflow};
use crate::eval::{EvalError, Scope, display_unknowns, eval_wdl_string, is_builtin, unknown};
use crate::expr::Expr;
use crate::target::{Hints, Target, from_function_id, from_url, from_url_with, text};
use crate::walk::{ActionRef, actions};

/// How an action calls its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    /// A `Function` action.
    Function,
    /// An `Http` action aimed at a function URL.
    Http,
}

/// One function call found in a workflow. Its JSON form is what `slotdrill workflow calls --format
/// json` prints, so field names are a contract (`tests/cli_workflow.rs` holds the CLI to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionCall {
    /// The action's name as the workflow spells it (`SendInvoice`); unique within its workflow.
    pub action: String,
    /// The enclosing action names joined by `/` (`""` at top level).
    pub container: String,
    /// `function` for a `Function` action, `http` for an `Http` action whose URI reaches a
    /// function host.
    pub kind: CallKind,
    /// The function app as a hint or the document spells it (lower case when only a host name
    /// gave it); `None` when an expression that cannot be known offline decides it.
    pub app: Option<String>,
    /// The slot: `production` unless the id or host names another; `None` when unresolved.
    pub slot: Option<String>,
    /// The function as the id or the URL's `/api/` segment spells it; `None` when unresolved.
    pub function: Option<String>,
    /// True when app, slot and function are all known.
    pub resolved: bool,
    /// The workflow the action belongs to: its resource name, its Standard folder, or the file
    /// stem of a bare definition.
    pub workflow: String,
    /// Why the call is not fully resolved, naming the expression that stayed unknown.
    pub reason: Option<String>,
}

/// Every function call in `doc`, in document order.
pub fn find_calls(doc: &Document, hints: &Hints) -> Vec<FunctionCall> {
    let mut calls = Vec::new();
    for workflow in &doc.workflows {
        let definition = doc.definition(workflow);
        let all = actions(definition, &workflow.definition);
        let mut resolver = Resolver {
            doc,
            workflow,
            hints,
        };
        // Resolve each action once. Function actions name apps, and so does a production host
        // without a hyphen; both help split host names such as `orders-deploy` afterwards.
        let resolved: Vec<Resolved> = all.iter().map(|a| resolver.classify(a.action)).collect();
        let mut doc_apps: Vec<String> = Vec::new();
        // Each Http URI is resolved once without the document's app names; that answer is kept
        // unless it came from splitting the host by app names, which those names may change.
        let mut first_answers: Vec<Option<(Option<Target>, bool)>> =
            Vec::with_capacity(resolved.len());
        for entry in &resolved {
            let mut answer = None;
            match entry {
                Resolved::Function(Target { app: Some(app), .. }) => doc_apps.push(app.clone()),
                Resolved::Http(uri) => {
                    let (target, by_names) = from_url_with(uri, hints, &[]);
                    if let Some(Target { app: Some(app), .. }) = &target
                        && !app.contains('-')
                    {
                        doc_apps.push(app.clone());
                    }
                    answer = Some((target, by_names));
                }
                _ => {}
            }
            first_answers.push(answer);
        }
        doc_apps.sort_unstable();
        doc_apps.dedup();
        for ((action, entry), first) in all.iter().zip(resolved).zip(first_answers) {
            let (kind, target) = match entry {
                Resolved::Function(target) => (CallKind::Function, target),
                Resolved::Http(uri) => {
                    let target = match first {
                        Some((target, false)) => target,
                        _ => from_url(&uri, hints, &doc_apps),
                    };
                    match target {
                        Some(target) => (CallKind::Http, with_uri(target, &uri)),
                        None => continue,
                    }
                }
                Resolved::Other => continue,
            };
            calls.push(call(workflow, action, kind, target));
        }
    }
    calls
}

/// An action, resolved once.
enum Resolved {
    Function(Target),
    /// An Http action and its URI after ARM and WDL evaluation.
    Http(String),
    Other,
}

fn with_uri(mut target: Target, uri: &str) -> Target {
    if let Some(reason) = target.reason.take() {
        target.reason = Some(format!("{reason} (uri `{}`)", display_unknowns(uri)));
    }
    target
}

fn call(
    workflow: &Workflow,
    action: &ActionRef<'_>,
    kind: CallKind,
    target: Target,
) -> FunctionCall {
    let resolved = target.app.is_some() && target.slot.is_some() && target.function.is_some();
    let reason = match (resolved, target.reason) {
        (true, _) => None,
        (false, Some(reason)) => Some(reason),
        (false, None) => Some("the target could not be resolved".to_owned()),
    };
    FunctionCall {
        action: action.name.to_owned(),
        container: action.container.join("/"),
        kind,
        app: target.app,
        slot: target.slot,
        function: target.function,
        resolved,
        workflow: workflow.name.clone(),
        reason,
    }
}

/// An action's `inputs.uri` (looked up by key: `Value::pointer` allocates for every segment).
fn uri_of(action: &Value) -> Option<&Value> {
    action.get("inputs").and_then(|i| i.get("uri"))
}

pub(crate) fn action_type(action: &Value) -> &str {
    action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Resolves values inside one workflow: ARM expressions first (deployment time), then WDL
/// expressions (run time).
pub(crate) struct Resolver<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) workflow: &'a Workflow,
    pub(crate) hints: &'a Hints,
}

impl Resolver<'_> {
    pub(crate) fn resolve(&mut self, value: &Value) -> Value {
        let deployed;
        let value = match &self.workflow.arm {
            Some(arm) => {
                deployed = arm.resolve(value);
                &deployed
            }
            None => value,
        };
        match value.as_str() {
            Some(s) => eval_wdl_string(s, self).unwrap_or_else(|e| unknown(&format!("{s} ({e})"))),
            None => value.clone(),
        }
    }

    fn resolve_text(&mut self, value: Option<&Value>) -> Option<String> {
        let value = value?;
        match self.resolve(value) {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn function_target(&mut self, action: &Value) -> Target {
        let function = action.get("inputs").and_then(|i| i.get("function"));
        if let Some(id) = self.resolve_text(function.and_then(|f| f.get("id"))) {
            return from_function_id(&id).unwrap_or_else(|| Target {
                reason: Some(format!("`{}` is not a function id", display_unknowns(&id))),
                ..Target::default()
            });
        }
        let Some(connection) = text(function.and_then(|f| f.get("connectionName"))) else {
            return Target {
                reason: Some(
                    "the action has no `inputs.function.id` or `connectionName`".to_owned(),
                ),
                ..Target::default()
            };
        };
        let entry = self
            .doc
            .connections
            .as_ref()
            .and_then(|c| c.get("functionConnections"))
            .and_then(|c| c.get(connection));
        let Some(entry) = entry else {
            return Target {
                reason: Some(format!(
                    "connection `{connection}` is not in connections.json `functionConnections`"
                )),
                ..Target::default()
            };
        };
        match self
            .resolve_text(entry.get("function").and_then(|f| f.get("id")))
            .and_then(|id| from_function_id(&id))
        {
            Some(target) => target,
            None => Target {
                reason: Some(format!(
                    "connection `{connection}` has no usable `function.id`"
                )),
                ..Target::default()
            },
        }
    }

    fn classify(&mut self, action: &Value) -> Resolved {
        let kind = action_type(action);
        if kind.eq_ignore_ascii_case("Function") {
            Resolved::Function(self.function_target(action))
        } else if kind.eq_ignore_ascii_case("Http") {
            match self.resolve_text(uri_of(action)) {
                Some(uri) => Resolved::Http(uri),
                None => Resolved::Other,
            }
        } else {
            Resolved::Other
        }
    }

    pub(crate) fn http_target(&mut self, action: &Value, doc_apps: &[String]) -> Option<Target> {
        let uri = self.resolve_text(uri_of(action))?;
        from_url(&uri, self.hints, doc_apps).map(|target| with_uri(target, &uri))
    }
}

impl Scope for Resolver<'_> {
    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        call: &Expr,
    ) -> Option<Result<Value, EvalError>> {
        let first = args.first().and_then(Value::as_str).unwrap_or_default();
        let value = match name.to_ascii_lowercase().as_str() {
            "parameters" => {
                let settings = &self.hints.app_settings;
                self.doc
                    .parameter_resolved(self.workflow, first, &|n| settings.get(n).cloned())
            }
            "appsetting" => self
                .hints
                .app_settings
                .get(first)
                .map(|v| Value::String(v.clone())),
            _ if is_builtin(name) => return None,
            // Run-time values (triggerBody, body, variables, …) cannot be known offline.
            _ => None,
        };
        Some(Ok(value.unwrap_or_else(|| unknown(&call.to_string()))))
    }
}
