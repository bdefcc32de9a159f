//! ARM template expressions, evaluated offline: `parameters()` and `variables()` from the
//! template's values and defaults, `resourceId(…)`, `concat(…)` and the other builtins.
//! `subscription()`, `resourceGroup()` and anything only Azure can answer (`listKeys`,
//! `reference`, `uniqueString`, …) stay unknown placeholders. ARM names are case-insensitive.

use serde_json::{Map, Value, json};

use crate::eval::{EvalError, Scope, arm_expression, eval, get_ci, unknown};
use crate::expr::{Expr, parse};

/// How deep parameter defaults may refer to other parameters before we call it a cycle.
const MAX_DEPTH: usize = 32;

/// The parameters and variables an ARM expression can see.
#[derive(Debug, Clone)]
pub struct ArmContext {
    parameters: Map<String, Value>,
    values: Map<String, Value>,
    variables: Map<String, Value>,
}

impl ArmContext {
    /// The context of a top-level template.
    pub fn root(template: &Value) -> Self {
        let section = |name: &str| {
            template
                .get(name)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        ArmContext {
            parameters: section("parameters"),
            values: Map::new(),
            variables: section("variables"),
        }
    }

    /// The context of a nested deployment's template: its own parameters (given values evaluated
    /// in this context) when `expressionEvaluationOptions.scope` is `inner`, else this one.
    pub fn nested(&self, deployment: &Value, template: &Value) -> Self {
        let scope = deployment
            .pointer("/properties/expressionEvaluationOptions/scope")
            .and_then(Value::as_str)
            .unwrap_or("outer");
        if !scope.eq_ignore_ascii_case("inner") {
            return self.clone();
        }
        let mut inner = ArmContext::root(template);
        if let Some(given) = deployment
            .pointer("/properties/parameters")
            .and_then(Value::as_object)
        {
            for (name, entry) in given {
                let value = entry.get("value").cloned().unwrap_or(Value::Null);
                inner.values.insert(name.clone(), self.resolve(&value));
            }
        }
        inner
    }

    /// The value of `value` after deployment: an ARM expression string is evaluated (unknown
    /// parts stay placeholders); anything else is returned as is.
    pub fn resolve(&self, value: &Value) -> Value {
        self.resolve_at(value, 0)
    }

    fn resolve_at(&self, value: &Value, depth: usize) -> Value {
        match value.as_str().and_then(arm_expression) {
            Some(source) => {
                let mut scope = ArmScope {
                    context: self,
                    depth,
                };
                match parse(source)
                    .map_err(EvalError::from)
                    .and_then(|expr| eval(&expr, &mut scope))
                {
                    Ok(v) => v,
                    Err(_) => unknown(source),
                }
            }
            None => match value.as_str() {
                Some(s) if s.starts_with("[[") => Value::String(s[1..].to_owned()),
                _ => value.clone(),
            },
        }
    }

    fn parameter(&self, name: &str, depth: usize) -> Option<Value> {
        if let Some(value) = get_ci(&self.values, name) {
            return Some(value.clone());
        }
        let default = get_ci(&self.parameters, name)?.get("defaultValue")?;
        Some(self.resolve_at(default, depth + 1))
    }
}

struct ArmScope<'a> {
    context: &'a ArmContext,
    depth: usize,
}

impl Scope for ArmScope<'_> {
    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        call: &Expr,
    ) -> Option<Result<Value, EvalError>> {
        let lower = name.to_ascii_lowercase();
        let first = || args.first().and_then(Value::as_str).unwrap_or_default();
        let result = match lower.as_str() {
            _ if self.depth > MAX_DEPTH => Ok(unknown(&call.to_string())),
            "parameters" => Ok(self
                .context
                .parameter(first(), self.depth)
                .unwrap_or_else(|| unknown(&call.to_string()))),
            "variables" => Ok(get_ci(&self.context.variables, first())
                .map(|v| self.context.resolve_at(v, self.depth + 1))
                .unwrap_or_else(|| unknown(&call.to_string()))),
            "subscription" => Ok(json!({
                "id": unknown("subscription().id"),
                "subscriptionId": unknown("subscription().subscriptionId"),
                "tenantId": unknown("subscription().tenantId"),
                "displayName": unknown("subscription().displayName"),
            })),
            "resourcegroup" => Ok(json!({
                "id": unknown("resourceGroup().id"),
                "name": unknown("resourceGroup().name"),
                "location": unknown("resourceGroup().location"),
            })),
            "resourceid" => resource_id(args),
            // An ARM template function, not a Workflow Definition Language one.
            "format" => format(args),
            _ if lower.starts_with("list")
                || matches!(
                    lower.as_str(),
                    "reference"
                        | "uniquestring"
                        | "newguid"
                        | "utcnow"
                        | "deployment"
                        | "environment"
                ) =>
            {
                Ok(unknown(&call.to_string()))
            }
            _ => return None,
        };
        Some(result)
    }
}

/// `resourceId([subscriptionId], [resourceGroupName], type, name1, name2, …)`.
fn resource_id(args: &[Value]) -> Result<Value, EvalError> {
    let text: Vec<String> = args
        .iter()
        .map(|a| crate::eval::to_text(a).into_owned())
        .collect();
    let type_index = text
        .iter()
        .position(|a| a.contains('/') && !a.starts_with('/'))
        .ok_or_else(|| EvalError::BadArguments {
            function: "resourceId".to_owned(),
            message: "expected a resource type such as 'Microsoft.Web/sites'".to_owned(),
        })?;
    let placeholder = |raw: &str| crate::eval::to_text(&unknown(raw)).into_owned();
    let (subscription, group) = match &text[..type_index] {
        [] => (
            placeholder("subscription().subscriptionId"),
            placeholder("resourceGroup().name"),
        ),
        [group] => (placeholder("subscription().subscriptionId"), group.clone()),
        [subscription, group, ..] => (subscription.clone(), group.clone()),
    };
    let mut segments = text[type_index].split('/');
    let namespace = segments.next().unwrap_or_default();
    let mut id =
        format!("/subscriptions/{subscription}/resourceGroups/{group}/providers/{namespace}");
    let names = &text[type_index + 1..];
    for (i, kind) in segments.enumerate() {
        let name = names.get(i).ok_or_else(|| EvalError::BadArguments {
            function: "resourceId".to_owned(),
            message: format!("the type `{}` needs a name for `{kind}`", text[type_index]),
        })?;
        id.push_str(&format!("/{kind}/{name}"));
    }
    Ok(Value::String(id))
}

/// ARM's `format(formatString, arg, …)`: `{0}`, `{1}`, … replaced by the arguments.
fn format(args: &[Value]) -> Result<Value, EvalError> {
    let (pattern, rest) = args.split_first().ok_or_else(|| EvalError::BadArguments {
        function: "format".to_owned(),
        message: "expected a format string".to_owned(),
    })?;
    let mut text = crate::eval::to_text(pattern).into_owned();
    for (i, arg) in rest.iter().enumerate() {
        text = text.replace(&format!("{{{i}}}"), &crate::eval::to_text(arg));
    }
    Ok(Value::String(text))
}
