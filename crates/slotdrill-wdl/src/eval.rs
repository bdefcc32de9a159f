//! Evaluating expressions, and the two ways they sit inside JSON strings: ARM's `"[expr]"` and
//! WDL's `"@expr"` / `"text @{expr} text"`.
//!
//! Offline, many values are unknowable (`appsetting('X')` without the app's settings,
//! `subscription()`, `listKeys(…)`). They evaluate to an *unknown*: a string that carries the
//! expression's text between two private-use characters, so that `concat` and interpolation still
//! work around it and the part that stayed unknown can be named in a message.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::expr::{Expr, ParseError, parse};

const UNKNOWN_START: char = '\u{E000}';
const UNKNOWN_END: char = '\u{E001}';

/// A value that cannot be known offline, named by the expression that produced it.
pub fn unknown(raw: &str) -> Value {
    Value::String(format!("{UNKNOWN_START}{raw}{UNKNOWN_END}"))
}

/// The expression text of the first unknown part of `s`, if any.
pub fn first_unknown(s: &str) -> Option<&str> {
    let start = s.find(UNKNOWN_START)? + UNKNOWN_START.len_utf8();
    let end = s[start..].find(UNKNOWN_END)? + start;
    Some(&s[start..end])
}

/// True when `s` contains an unknown part.
pub fn has_unknown(s: &str) -> bool {
    s.contains(UNKNOWN_START)
}

/// Replaces every unknown part by `{expression}` for display.
pub fn display_unknowns(s: &str) -> String {
    s.replace(UNKNOWN_START, "{").replace(UNKNOWN_END, "}")
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A function this evaluator does not implement.
    #[error("unsupported function `{0}`")]
    UnknownFunction(String),
    /// A function got arguments it cannot use.
    #[error("`{function}`: {message}")]
    BadArguments {
        /// The function's name as the expression spells it (`concat`, `Substring`).
        function: String,
        /// What the function expected (`expected two numbers or two strings`).
        message: String,
    },
    /// The expression text itself is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Anything else the scope reports.
    #[error("{0}")]
    Other(String),
}

/// Where functions other than the builtins come from (`parameters`, `appsetting`, `body`, …).
pub trait Scope {
    /// Evaluates `name(args)` if this scope knows the function; `None` lets the builtins try.
    fn call(&mut self, name: &str, args: &[Value], call: &Expr)
    -> Option<Result<Value, EvalError>>;
}

/// Evaluates an expression.
pub fn eval(expr: &Expr, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    match expr {
        Expr::Literal(value) => Ok(value.clone()),
        Expr::Call { name, args } => {
            let values = args
                .iter()
                .map(|arg| eval(arg, scope))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(result) = scope.call(name, &values, expr) {
                return result;
            }
            builtin(name, &values, expr)
        }
        Expr::Member {
            base,
            name,
            optional,
        } => {
            let base_value = eval(base, scope)?;
            access(&base_value, &Value::String(name.clone()), *optional, expr)
        }
        Expr::Index { base, index } => {
            let base_value = eval(base, scope)?;
            let index_value = eval(index, scope)?;
            access(&base_value, &index_value, true, expr)
        }
    }
}

fn access(base: &Value, key: &Value, optional: bool, expr: &Expr) -> Result<Value, EvalError> {
    if base.as_str().is_some_and(has_unknown) {
        return Ok(unknown(&expr.to_string()));
    }
    let found = match (base, key) {
        (Value::Object(map), Value::String(k)) => map.get(k).or_else(|| {
            map.iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        }),
        (Value::Array(items), Value::Number(n)) => n.as_u64().and_then(|i| items.get(i as usize)),
        _ => None,
    };
    match found {
        Some(value) => Ok(value.clone()),
        None if optional || base.is_null() => Ok(Value::Null),
        None => Err(EvalError::Other(format!(
            "`{expr}`: property {key} does not exist"
        ))),
    }
}

/// Renders a value as interpolation and `concat` do: strings as they are, others as JSON.
pub fn to_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

fn truthy(value: &Value) -> Result<bool, EvalError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(EvalError::Other(format!(
            "expected a boolean, found {other}"
        ))),
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The functions every scope shares (lower case).
const BUILTINS: [&str; 17] = [
    "concat",
    "equals",
    "and",
    "or",
    "not",
    "if",
    "greater",
    "less",
    "greaterorequals",
    "lessorequals",
    "tolower",
    "toupper",
    "string",
    "coalesce",
    "empty",
    "format",
    "length",
];

/// True when `name` is one of the builtins every scope shares.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name.to_ascii_lowercase().as_str())
}

/// The functions every scope shares.
fn builtin(name: &str, args: &[Value], call: &Expr) -> Result<Value, EvalError> {
    let lower = name.to_ascii_lowercase();
    let bad = |message: &str| EvalError::BadArguments {
        function: name.to_owned(),
        message: message.to_owned(),
    };
    if lower != "concat" && args.iter().any(|a| a.as_str().is_some_and(has_unknown)) {
        return Ok(unknown(&call.to_string()));
    }
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(bad(&format!(
                "expected {n} argument(s), got {}",
                args.len()
            )))
        }
    };
    match lower.as_str() {
        "concat" => {
            if !args.is_empty() && args.iter().all(Value::is_array) {
                let items = args
                    .iter()
                    .flat_map(|a| a.as_array().cloned().unwrap_or_default());
                return Ok(Value::Array(items.collect()));
            }
            Ok(Value::String(
                args.iter().map(|a| to_text(a).into_owned()).collect(),
            ))
        }
        "equals" => {
            arity(2)?;
            Ok(Value::Bool(args[0] == args[1]))
        }
        "and" => args
            .iter()
            .try_fold(true, |acc, a| Ok(acc & truthy(a)?))
            .map(Value::Bool),
        "or" => args
            .iter()
            .try_fold(false, |acc, a| Ok(acc | truthy(a)?))
            .map(Value::Bool),
        "not" => {
            arity(1)?;
            Ok(Value::Bool(!truthy(&args[0])?))
        }
        "if" => {
            arity(3)?;
            Ok(if truthy(&args[0])? {
                args[1].clone()
            } else {
                args[2].clone()
            })
        }
        "greater" | "less" | "greaterorequals" | "lessorequals" => {
            arity(2)?;
            let ordering = compare(&args[0], &args[1])
                .ok_or_else(|| bad("expected two numbers or two strings"))?;
            use std::cmp::Ordering::{Equal, Greater, Less};
            Ok(Value::Bool(match lower.as_str() {
                "greater" => ordering == Greater,
                "less" => ordering == Less,
                "greaterorequals" => ordering != Less,
                _ => matches!(ordering, Less | Equal),
            }))
        }
        "tolower" | "toupper" => {
            arity(1)?;
            let text = to_text(&args[0]);
            Ok(Value::String(if lower == "tolower" {
                text.to_lowercase()
            } else {
                text.to_uppercase()
            }))
        }
        "string" => {
            arity(1)?;
            Ok(Value::String(to_text(&args[0]).into_owned()))
        }
        "coalesce" => Ok(args
            .iter()
            .find(|a| !a.is_null())
            .cloned()
            .unwrap_or(Value::Null)),
        "length" => {
            arity(1)?;
            match &args[0] {
                Value::String(s) => Ok(Value::from(s.chars().count())),
                Value::Array(a) => Ok(Value::from(a.len())),
                Value::Object(o) => Ok(Value::from(o.len())),
                _ => Err(bad("expected a string, an array or an object")),
            }
        }
        "empty" => {
            arity(1)?;
            Ok(Value::Bool(match &args[0] {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            }))
        }
        "format" => {
            let (pattern, rest) = args
                .split_first()
                .ok_or_else(|| bad("expected a format string"))?;
            let mut text = to_text(pattern).into_owned();
            for (i, arg) in rest.iter().enumerate() {
                text = text.replace(&format!("{{{i}}}"), &to_text(arg));
            }
            Ok(Value::String(text))
        }
        _ => Err(EvalError::UnknownFunction(name.to_owned())),
    }
}

/// The expression inside an ARM template string `"[expr]"`; `None` for ordinary strings and for
/// `"[[…"`, which is a literal starting with `[`.
pub fn arm_expression(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    (!inner.starts_with('[')).then_some(inner)
}

/// Evaluates a JSON string the way Logic Apps does: `"@expr"` gives the expression's value,
/// `"… @{expr} …"` interpolates, `"@@…"` is a literal `@…`, anything else is itself.
pub fn eval_wdl_string(s: &str, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    if let Some(rest) = s.strip_prefix("@@") {
        return Ok(Value::String(format!("@{rest}")));
    }
    if let Some(rest) = s.strip_prefix('@')
        && !rest.starts_with('{')
    {
        return eval(&parse(rest)?, scope);
    }
    if !s.contains("@{") {
        return Ok(Value::String(s.to_owned()));
    }
    let mut out = String::new();
    for part in interpolation_parts(s)? {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Expr(source) => out.push_str(&to_text(&eval(&parse(source)?, scope)?)),
        }
    }
    Ok(Value::String(out))
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text as it is.
    Text(&'a str),
    /// The source of an `@{…}` expression.
    Expr(&'a str),
}

/// Splits `"a @{x} b"` into text and expressions; braces inside `'strings'` do not count.
pub fn interpolation_parts(s: &str) -> Result<Vec<Part<'_>>, EvalError> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let body = &rest[start + 2..];
        let mut depth = 1usize;
        let mut in_string = false;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                '\'' => in_string = !in_string,
                '{' if !in_string => depth += 1,
                '}' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.ok_or_else(|| EvalError::Other(format!("unterminated `@{{` in `{s}`")))?;
        parts.push(Part::Expr(&body[..end]));
        rest = &body[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// A scope that knows no functions: only the builtins work.
pub struct NoScope;

impl Scope for NoScope {
    fn call(&mut self, _: &str, _: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        None
    }
}

/// Looks `name` up in a JSON object case-insensitively (ARM names are case-insensitive).
pub fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}
