//! Argument checks shared by the chapters this crate evaluates, worded as Azure words its
//! `InvalidTemplate` errors ("The template language function 'substring' expects its second
//! parameter to be of type 'Integer'…"): the function is named by the error, the parameter by its
//! position and, where the reference names it, by its name.

use serde_json::{Map, Number, Value};

use super::{Call, kind};
use crate::eval::EvalError;

/// `first`, `second`, … for messages.
pub(super) fn ordinal(i: usize) -> &'static str {
    const WORDS: [&str; 8] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
    ];
    WORDS.get(i).copied().unwrap_or("next")
}

/// Argument `i` was of the wrong type; `expected` is in Azure's words (`Integer`, `String`, …).
pub(super) fn type_error(call: &Call<'_>, i: usize, expected: &str) -> EvalError {
    let found = call.args.get(i).map_or("missing", kind);
    call.bad(format!(
        "expects its {} parameter to be of type '{expected}'. The provided value is of type '{found}'.",
        ordinal(i)
    ))
}

/// A parameter outside the range the reference allows.
pub(super) fn out_of_range(call: &Call<'_>, parameter: &str, why: &str) -> EvalError {
    call.bad(format!("parameter '{parameter}' is out of range: {why}"))
}

/// Argument `i` as a string.
pub(super) fn text<'a>(call: &Call<'a>, i: usize) -> Result<&'a str, EvalError> {
    match call.args.get(i) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(type_error(call, i, "String")),
    }
}

/// Argument `i` as an integer (a float, even `2.0`, is refused, as Azure refuses it).
pub(super) fn integer(call: &Call<'_>, i: usize) -> Result<i64, EvalError> {
    match call.args.get(i) {
        Some(Value::Number(n)) if !n.is_f64() => n
            .as_i64()
            .ok_or_else(|| out_of_range(call, ordinal(i), "the integer does not fit in 64 bits")),
        _ => Err(type_error(call, i, "Integer")),
    }
}

/// Argument `i` as an array.
pub(super) fn array<'a>(call: &Call<'a>, i: usize) -> Result<&'a Vec<Value>, EvalError> {
    match call.args.get(i) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(type_error(call, i, "Array")),
    }
}

/// Argument `i` as an object.
pub(super) fn object<'a>(call: &Call<'a>, i: usize) -> Result<&'a Map<String, Value>, EvalError> {
    match call.args.get(i) {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(type_error(call, i, "Object")),
    }
}

/// A number as Azure's expression engine holds it: a 64-bit integer or a double.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    /// The number in `value`, if it is one; an integer beyond 64 bits becomes a float.
    pub(super) fn of(value: &Value) -> Option<Num> {
        let Value::Number(n) = value else { return None };
        match n.as_i64() {
            Some(i) if !n.is_f64() => Some(Num::Int(i)),
            _ => n.as_f64().map(Num::Float),
        }
    }

    pub(super) fn float(self) -> f64 {
        match self {
            // Precision loss beyond 2^53 is what Azure's double arithmetic does too.
            #[allow(clippy::cast_precision_loss)]
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// Back to JSON; a float that is not finite has no JSON form.
    pub(super) fn to_value(self) -> Option<Value> {
        match self {
            Num::Int(i) => Some(Value::from(i)),
            Num::Float(f) => Number::from_f64(f).map(Value::Number),
        }
    }
}

/// Argument `i` as a number (Integer or Float).
pub(super) fn number(call: &Call<'_>, i: usize) -> Result<Num, EvalError> {
    call.args
        .get(i)
        .and_then(Num::of)
        .ok_or_else(|| type_error(call, i, "Integer or Float"))
}
