//! Expressions at run time: `parameters`, `appsetting`, `triggerBody`, `triggerOutputs`, `body`,
//! `outputs`, `actions`, `variables`, `item`, `items`, `workflow`, plus the shared builtins
//! (`concat`, `equals`, `and`, `or`, `not`, `greater`, `less`, `if`, …) and `@{…}`
//! interpolation. Anything else fails the action with a message naming the function and the
//! action. Conditions come as an expression string or as the designer's object form
//! (`{"and": [{"equals": [a, b]}]}`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use slotdrill_wdl::eval::{EvalError, Scope, eval_wdl_string, get_ci};
use slotdrill_wdl::expr::Expr;
use slotdrill_wdl::{Document, WdlError, Workflow};

use super::{Runner, Status};

struct RuntimeScope<'a> {
    doc: &'a Document,
    workflow: &'a Workflow,
    settings: &'a BTreeMap<String, String>,
    trigger: &'a Value,
    results: &'a HashMap<String, (Status, Value, Value)>,
    variables: &'a BTreeMap<String, Value>,
    items: &'a [(String, Value)],
    run: &'a str,
}

impl Scope for RuntimeScope<'_> {
    fn call(&mut self, name: &str, args: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        let first = args.first().and_then(Value::as_str).unwrap_or_default();
        let missing = |what: String| Err(EvalError::Other(what));
        let result = match name.to_ascii_lowercase().as_str() {
            "parameters" => match self.doc.parameter(self.workflow, first) {
                Some(value) => Ok(value),
                None => missing(format!("workflow parameter `{first}` is not defined")),
            },
            "appsetting" => match self.settings.get(first) {
                Some(value) => Ok(Value::String(value.clone())),
                None => missing(format!("app setting `{first}` is not set")),
            },
            "triggerbody" => Ok(self.trigger.clone()),
            "triggeroutputs" => Ok(json!({ "body": self.trigger, "headers": {} })),
            "body" | "outputs" | "actions" => match self.result(first) {
                Some((status, outputs, body)) => Ok(match name.to_ascii_lowercase().as_str() {
                    "body" => body.clone(),
                    "outputs" => outputs.clone(),
                    _ => json!({ "name": first, "status": status.as_str(), "outputs": outputs }),
                }),
                None => missing(format!("action `{first}` has not run")),
            },
            "variables" => match self.variables.get(first) {
                Some(value) => Ok(value.clone()),
                None => missing(format!("variable `{first}` is not initialized")),
            },
            "item" => match self.items.last() {
                Some((_, item)) => Ok(item.clone()),
                None => missing("`item()` is only valid inside a Foreach".to_owned()),
            },
            "items" => match self
                .items
                .iter()
                .rev()
                .find(|(loop_name, _)| loop_name.eq_ignore_ascii_case(first))
            {
                Some((_, item)) => Ok(item.clone()),
                None => missing(format!(
                    "`items('{first}')` is only valid inside Foreach `{first}`"
                )),
            },
            "workflow" => Ok(json!({ "name": self.workflow.name, "run": { "name": self.run } })),
            _ => return None,
        };
        Some(result)
    }
}

impl RuntimeScope<'_> {
    fn result(&self, name: &str) -> Option<&(Status, Value, Value)> {
        self.results.get(name).or_else(|| {
            self.results
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }
}

/// Why an action's expression or condition could not be evaluated at run time; the action fails
/// with this message (it shows in the run history as the action's error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ExpressionError {
    /// The Logic App's workflow is not in its own document (a document changed under it).
    #[error(transparent)]
    Workflow(#[from] WdlError),
    /// The expression calls a function the runner does not evaluate.
    #[error("unsupported function `{function}` in action `{action}`")]
    UnsupportedFunction {
        /// The function as written in the expression.
        function: String,
        /// The action whose inputs hold it.
        action: String,
    },
    /// The evaluator failed (bad arguments, malformed text, a missing parameter or result).
    #[error("action `{action}`: {error}")]
    Eval {
        /// The action whose inputs hold the expression.
        action: String,
        /// What the evaluator reported (part of the message, hence not a `source`).
        error: EvalError,
    },
    /// A designer-form comparison (`equals`, `greater`, …) the runner cannot decide.
    #[error("action `{action}`: cannot evaluate condition `{op}` on {values}")]
    Comparison {
        /// The `If` or `Until` action.
        action: String,
        /// The comparison's key as written (`equals`, `greaterOrEquals`, …).
        op: String,
        /// Its evaluated operands, as a JSON array.
        values: Value,
    },
    /// The condition evaluated to something other than a boolean or `"true"`/`"false"`.
    #[error("action `{action}`: the condition evaluated to {value}, not a boolean")]
    NotABoolean {
        /// The `If` or `Until` action.
        action: String,
        /// What it evaluated to.
        value: Value,
    },
}

fn describe(error: EvalError, action: &str) -> ExpressionError {
    match error {
        EvalError::UnknownFunction(function) => ExpressionError::UnsupportedFunction {
            function,
            action: action.to_owned(),
        },
        error => ExpressionError::Eval {
            action: action.to_owned(),
            error,
        },
    }
}

impl Runner<'_> {
    /// Evaluates every expression inside `value` (strings, recursively).
    pub(crate) fn evaluate(
        &mut self,
        value: &Value,
        action: &str,
    ) -> Result<Value, ExpressionError> {
        let workflow = self
            .logic_app
            .document
            .workflow(Some(&self.logic_app.workflow))?;
        let mut scope = RuntimeScope {
            doc: &self.logic_app.document,
            workflow,
            settings: &self.logic_app.app_settings,
            trigger: &self.trigger_body,
            results: &self.results,
            variables: &self.variables,
            items: &self.items,
            run: &self.run_name,
        };
        deep(value, &mut scope).map_err(|e| describe(e, action))
    }

    /// Evaluates a condition (`If`, `Until`).
    pub(crate) fn condition(
        &mut self,
        expression: &Value,
        action: &str,
    ) -> Result<bool, ExpressionError> {
        match expression {
            Value::Object(map) if map.len() == 1 => {
                let (op, operand) = map.iter().next().expect("one entry");
                let list = || operand.as_array().cloned().unwrap_or_default();
                match op.to_ascii_lowercase().as_str() {
                    "and" => list()
                        .iter()
                        .try_fold(true, |acc, c| Ok(acc & self.condition(c, action)?)),
                    "or" => list()
                        .iter()
                        .try_fold(false, |acc, c| Ok(acc | self.condition(c, action)?)),
                    "not" => Ok(!self.condition(operand, action)?),
                    comparison => {
                        let values = self.evaluate(&Value::Array(list()), action)?;
                        let values = values.as_array().cloned().unwrap_or_default();
                        compare(comparison, &values).ok_or_else(|| ExpressionError::Comparison {
                            action: action.to_owned(),
                            op: op.clone(),
                            values: Value::Array(values),
                        })
                    }
                }
            }
            other => match self.evaluate(other, action)? {
                Value::Bool(b) => Ok(b),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
                value => Err(ExpressionError::NotABoolean {
                    action: action.to_owned(),
                    value,
                }),
            },
        }
    }
}

fn deep(value: &Value, scope: &mut RuntimeScope<'_>) -> Result<Value, EvalError> {
    Ok(match value {
        Value::String(s) => eval_wdl_string(s, scope)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| deep(v, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), deep(v, scope)?)))
                .collect::<Result<_, EvalError>>()?,
        ),
        other => other.clone(),
    })
}

fn compare(op: &str, values: &[Value]) -> Option<bool> {
    let [a, b] = values else { return None };
    let text = |v: &Value| slotdrill_wdl::eval::to_text(v).into_owned();
    let number = |v: &Value| {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    Some(match op {
        "equals" => a == b || text(a) == text(b),
        "contains" => match a {
            Value::Array(items) => items.contains(b),
            Value::Object(map) => get_ci(map, &text(b)).is_some(),
            _ => text(a).contains(&text(b)),
        },
        "startswith" => text(a).to_lowercase().starts_with(&text(b).to_lowercase()),
        "endswith" => text(a).to_lowercase().ends_with(&text(b).to_lowercase()),
        "greater" => number(a)? > number(b)?,
        "greaterorequals" => number(a)? >= number(b)?,
        "less" => number(a)? < number(b)?,
        "lessorequals" => number(a)? <= number(b)?,
        _ => return None,
    })
}
