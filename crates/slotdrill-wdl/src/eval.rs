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

    /// The present, in milliseconds since the Unix epoch (`utcNow()`); `None` when it cannot be
    /// known (reading a workflow offline), which makes `utcNow()` an unknown.
    fn now_millis(&mut self) -> Option<i64> {
        None
    }

    /// The next random number (`guid()`, `rand()`), from a seeded generator so that runs are
    /// repeatable; `None` when there is none, which makes those calls unknowns.
    fn next_random(&mut self) -> Option<u64> {
        None
    }
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
            builtin(name, &values, expr, scope)
        }
        Expr::Member {
            base,
            name,
            optional,
        } => {
            let base_value = eval(base, scope)?;
            access(&base_value, &Value::String(name.clone()), *optional, expr)
        }
        Expr::Index {
            base,
            index,
            optional,
        } => {
            let base_value = eval(base, scope)?;
            let index_value = eval(index, scope)?;
            access(&base_value, &index_value, *optional, expr)
        }
        Expr::Array(items) => items
            .iter()
            .map(|item| eval(item, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
    }
}

/// `base.key`, `base[key]` and their `?` forms, with Logic Apps' rules: property names match
/// without regard to case; a missing property, an index past the end or a null base is an error
/// (`InvalidTemplate`) unless the access is `?`-guarded, which gives null instead.
fn access(base: &Value, key: &Value, optional: bool, expr: &Expr) -> Result<Value, EvalError> {
    if base.as_str().is_some_and(has_unknown) || key.as_str().is_some_and(has_unknown) {
        return Ok(unknown(&expr.to_string()));
    }
    let fail = |why: String| {
        Err(EvalError::Other(format!(
            "The template language expression '{expr}' cannot be evaluated because {why}."
        )))
    };
    let shown = crate::eval::to_text(key);
    match (base, key) {
        (Value::Object(map), Value::String(k)) => match get_ci(map, k) {
            Some(value) => Ok(value.clone()),
            None if optional => Ok(Value::Null),
            None => fail(format!(
                "property '{k}' doesn't exist, available properties are '{}'",
                map.keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        (Value::Array(items), Value::Number(n)) => {
            match n.as_u64().and_then(|i| items.get(usize::try_from(i).ok()?)) {
                Some(value) => Ok(value.clone()),
                None if optional && (n.is_u64() || n.is_i64()) => Ok(Value::Null),
                None if n.is_u64() || n.is_i64() => fail(format!(
                    "array index '{n}' is outside bounds (0, {}) of array",
                    items.len() as i64 - 1
                )),
                None => fail(format!(
                    "property '{n}' cannot be selected. Array elements can only be selected using an integer index"
                )),
            }
        }
        (Value::Array(_), _) => fail(format!(
            "property '{shown}' cannot be selected. Array elements can only be selected using an integer index"
        )),
        (Value::Null, _) if optional => Ok(Value::Null),
        (Value::Object(_), _) => fail(format!(
            "property '{shown}' cannot be selected. Object properties can only be selected by names"
        )),
        (other, _) => fail(format!(
            "property '{shown}' cannot be selected. Property selection is not supported on values of type '{}'",
            crate::functions::kind(other)
        )),
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

/// Renders a value as Logic Apps writes it into text (`@{…}`, `concat`, `join`): strings as they
/// are, null as `""`, Booleans as .NET prints them (`True`, `False`: Azure/LogicAppsUX#2012 and
/// #2462 show `False`/`True` in a run's raw inputs), a float without a fraction without `.0` (as
/// .NET prints a double), arrays and objects as compact JSON.
pub fn to_interpolated_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Cow::Owned(format!("{f:.0}")),
            _ => Cow::Owned(n.to_string()),
        },
        other => to_text(other),
    }
}

/// True when `name` (any case) is a function every scope shares (the reference's functions
/// outside its workflow chapter).
pub fn is_builtin(name: &str) -> bool {
    crate::functions::is_function(name)
}

/// The functions every scope shares.
fn builtin(
    name: &str,
    args: &[Value],
    expr: &Expr,
    scope: &mut dyn Scope,
) -> Result<Value, EvalError> {
    let lower = name.to_ascii_lowercase();
    if lower != "concat" && args.iter().any(|a| a.as_str().is_some_and(has_unknown)) {
        return Ok(unknown(&expr.to_string()));
    }
    let call = crate::functions::Call { name, args, expr };
    crate::functions::call(&lower, &call, scope)
        .unwrap_or_else(|| Err(EvalError::UnknownFunction(name.to_owned())))
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
    if is_literal_text(s) {
        return Ok(Value::String(s.to_owned()));
    }
    if let Some(rest) = s.strip_prefix("@@") {
        return Ok(Value::String(format!("@{rest}")));
    }
    if let Some(rest) = s.strip_prefix('@')
        && !rest.starts_with('{')
    {
        return eval(&parse(rest)?, scope);
    }
    let mut out = String::new();
    for part in interpolation_parts(s)? {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Expr(source) => {
                out.push_str(&to_interpolated_text(&eval(&parse(source)?, scope)?));
            }
        }
    }
    Ok(Value::String(out))
}

/// True when [`eval_wdl_string`] gives `s` itself: it neither starts with `@` (an expression,
/// or the `@@` escape) nor holds an `@{…}` interpolation.
pub fn is_literal_text(s: &str) -> bool {
    // A byte search for `@` first: most text has none, and then needs no substring search.
    match s.find('@') {
        None => true,
        Some(0) => false,
        Some(_) => !s.contains("@{"),
    }
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text as it is.
    Text(&'a str),
    /// The source of an `@{…}` expression.
    Expr(&'a str),
}

/// Splits `"a @{x} b"` into text and expressions; braces inside `'strings'` do not count, and
/// `@@{` is the escape for a literal `@{` (the WDL page: `"My age is @@{parameters('myAge')}"`
/// gives `My age is @{parameters('myAge')}`).
pub fn interpolation_parts(s: &str) -> Result<Vec<Part<'_>>, EvalError> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        if start > 0 && rest[..start].ends_with('@') {
            // `@@{`: the text up to the first `@`, then a literal `@{`.
            if start > 1 {
                parts.push(Part::Text(&rest[..start - 1]));
            }
            parts.push(Part::Text(&rest[start..start + 2]));
            rest = &rest[start + 2..];
            continue;
        }
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
