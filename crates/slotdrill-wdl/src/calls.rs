//! Finding every function call in a document: `Function` actions (ARM function ids, literal or
//! built by template expressions, or a Standard connection) and `Http` actions whose URI reaches a
//! function host (literal, or built from `parameters()`, `appsetting()`, `concat()`, `@{…}`).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::document::{Document, Workflow, member};
use crate::eval::{
    EvalError, Scope, display_unknowns, eval_wdl_string, is_builtin, is_literal_text, unknown,
};
use crate::expr::Expr;
use crate::target::{Hints, Lookup, PreparedHints, Target, from_function_id, from_url_with, text};
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
    each_call(doc, Lookup::of(hints), &mut |site| {
        calls.push(site.into_call())
    });
    calls
}

/// [`find_calls`] with hints made ready for many documents (the same calls, found faster when
/// the hints name many hosts).
pub fn find_calls_prepared(doc: &Document, hints: &PreparedHints<'_>) -> Vec<FunctionCall> {
    let mut calls = Vec::new();
    for_each_call(doc, hints, |site| calls.push(site.into_call()));
    calls
}

/// Hands each function call in `doc` to `visit`, in document order, as [`find_calls_prepared`]
/// finds them; the call borrows its workflow's and action's names, so a caller that keeps other
/// fields copies only what it keeps.
pub fn for_each_call(
    doc: &Document,
    hints: &PreparedHints<'_>,
    mut visit: impl FnMut(CallSite<'_>),
) {
    each_call(doc, hints.lookup(), &mut visit);
}

/// One function call as [`for_each_call`] hands it over: a [`FunctionCall`] whose names are
/// borrowed from the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite<'a> {
    /// As [`FunctionCall::action`].
    pub action: &'a str,
    /// The enclosing action names, outermost first ([`FunctionCall::container`] joins them
    /// with `/`).
    pub container: &'a [&'a str],
    /// As [`FunctionCall::kind`].
    pub kind: CallKind,
    /// As [`FunctionCall::app`].
    pub app: Option<String>,
    /// As [`FunctionCall::slot`].
    pub slot: Option<String>,
    /// As [`FunctionCall::function`].
    pub function: Option<String>,
    /// As [`FunctionCall::resolved`].
    pub resolved: bool,
    /// As [`FunctionCall::workflow`].
    pub workflow: &'a str,
    /// As [`FunctionCall::reason`].
    pub reason: Option<String>,
}

impl CallSite<'_> {
    /// The enclosing action names joined by `/` (`""` at top level).
    pub fn container_path(&self) -> String {
        self.container.join("/")
    }

    /// The call with its names copied out.
    pub fn into_call(self) -> FunctionCall {
        FunctionCall {
            action: self.action.to_owned(),
            container: self.container_path(),
            kind: self.kind,
            app: self.app,
            slot: self.slot,
            function: self.function,
            resolved: self.resolved,
            workflow: self.workflow.to_owned(),
            reason: self.reason,
        }
    }
}

fn each_call(doc: &Document, lookup: Lookup<'_>, visit: &mut dyn FnMut(CallSite<'_>)) {
    for workflow in &doc.workflows {
        let definition = doc.definition(workflow);
        let all = actions(definition, &workflow.definition);
        let mut resolver = Resolver {
            doc,
            workflow,
            hints: lookup.hints,
            lookup,
        };
        // Gathered the first time a host is split by app names, which those names may change.
        let mut doc_apps: Option<Vec<String>> = None;
        for action in &all {
            let (kind, target) = match resolver.classify(action.action) {
                Resolved::Function(target) => (CallKind::Function, target),
                Resolved::Http(uri) => {
                    let (mut target, by_names) = from_url_with(&uri, lookup, &[]);
                    if by_names {
                        let names =
                            doc_apps.get_or_insert_with(|| document_apps(&mut resolver, &all));
                        target = from_url_with(&uri, lookup, names).0;
                    }
                    match target {
                        Some(target) => (CallKind::Http, with_uri(target, &uri)),
                        None => continue,
                    }
                }
                Resolved::Other => continue,
            };
            visit(site(workflow, action, kind, target));
        }
    }
}

/// The app names a workflow's calls show, sorted: Function actions name apps, and so does a
/// production host without a hyphen (resolved without these names); both help split host names
/// such as `orders-deploy`.
fn document_apps<'a>(resolver: &mut Resolver<'a>, all: &[ActionRef<'a>]) -> Vec<String> {
    let mut doc_apps: Vec<String> = Vec::new();
    for action in all {
        let app = match resolver.classify(action.action) {
            Resolved::Function(target) => target.app,
            Resolved::Http(uri) => from_url_with(&uri, resolver.lookup, &[])
                .0
                .and_then(|target| target.app)
                .filter(|app| !app.contains('-')),
            Resolved::Other => None,
        };
        doc_apps.extend(app);
    }
    doc_apps.sort_unstable();
    doc_apps.dedup();
    doc_apps
}

/// An action, resolved once.
enum Resolved<'a> {
    Function(Target),
    /// An Http action and its URI after ARM and WDL evaluation.
    Http(Cow<'a, str>),
    Other,
}

fn with_uri(mut target: Target, uri: &str) -> Target {
    if let Some(reason) = target.reason.take() {
        target.reason = Some(format!("{reason} (uri `{}`)", display_unknowns(uri)));
    }
    target
}

fn site<'a>(
    workflow: &'a Workflow,
    action: &'a ActionRef<'a>,
    kind: CallKind,
    target: Target,
) -> CallSite<'a> {
    let resolved = target.app.is_some() && target.slot.is_some() && target.function.is_some();
    let reason = match (resolved, target.reason) {
        (true, _) => None,
        (false, Some(reason)) => Some(reason),
        (false, None) => Some("the target could not be resolved".to_owned()),
    };
    CallSite {
        action: action.name,
        container: &action.container,
        kind,
        app: target.app,
        slot: target.slot,
        function: target.function,
        resolved,
        workflow: &workflow.name,
        reason,
    }
}

/// An action's `inputs.uri` (looked up by key: `Value::pointer` allocates for every segment).
fn uri_of(action: &Value) -> Option<&Value> {
    member(action, "inputs").and_then(|i| member(i, "uri"))
}

pub(crate) fn action_type(action: &Value) -> &str {
    member(action, "type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Resolves values inside one workflow: ARM expressions first (deployment time), then WDL
/// expressions (run time).
pub(crate) struct Resolver<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) workflow: &'a Workflow,
    pub(crate) hints: &'a Hints,
    /// How host names are looked up (in `hints`, or in a prepared index of them).
    pub(crate) lookup: Lookup<'a>,
}

impl<'a> Resolver<'a> {
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

    /// A value that resolves to text, as [`Resolver::resolve`] gives it; text with no
    /// expression in it (most URIs and ids) is borrowed rather than evaluated.
    fn resolve_text(&mut self, value: Option<&'a Value>) -> Option<Cow<'a, str>> {
        let value = value?;
        if self.workflow.arm.is_none()
            && let Some(text) = value.as_str()
            && is_literal_text(text)
        {
            return Some(Cow::Borrowed(text));
        }
        match self.resolve(value) {
            Value::String(s) => Some(Cow::Owned(s)),
            _ => None,
        }
    }

    pub(crate) fn function_target(&mut self, action: &'a Value) -> Target {
        let function = member(action, "inputs").and_then(|i| member(i, "function"));
        if let Some(id) = self.resolve_text(function.and_then(|f| member(f, "id"))) {
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

    fn classify(&mut self, action: &'a Value) -> Resolved<'a> {
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

    pub(crate) fn http_target(&mut self, action: &'a Value, doc_apps: &[String]) -> Option<Target> {
        let uri = self.resolve_text(uri_of(action))?;
        from_url_with(&uri, self.lookup, doc_apps)
            .0
            .map(|target| with_uri(target, &uri))
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
