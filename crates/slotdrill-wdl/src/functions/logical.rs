//! Logical comparison functions: `and`, `equals`, `greater`, `greaterOrEquals`, `if`, `less`,
//! `lessOrEquals`, `not`, `or`.
//!
//! The reference's chapter note: in logical functions null compares as the empty string, so
//! `equals(null, '')` is true and `less(null, 'a')` compares `''` with `'a'`. `equals` compares
//! numbers by value (`1` equals `1.0`) and, as the reference's own example `equals(true, 1)` shows,
//! a Boolean with a number (`true` is any non-zero number, `false` is zero); strings compare
//! ordinally and with case. The ordering functions take two numbers (Integer and Float mix) or two
//! strings; `and`, `or`, `not` and `if` take Booleans only.

use std::cmp::Ordering;

use serde_json::Value;

use super::Call;
use super::args::{Num, type_error};
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[
    "and",
    "equals",
    "greater",
    "greaterorequals",
    "if",
    "less",
    "lessorequals",
    "not",
    "or",
];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let args = call.args;
    let result = match lower {
        "equals" => call
            .arity(2, 2)
            .map(|()| Value::Bool(equivalent(as_logical(&args[0]), as_logical(&args[1])))),
        // `and(x)` with one condition is what the designer writes for a one-row condition.
        "and" => call
            .arity(1, usize::MAX)
            .and_then(|()| booleans(call).map(|values| Value::Bool(values.iter().all(|b| *b)))),
        "or" => call
            .arity(1, usize::MAX)
            .and_then(|()| booleans(call).map(|values| Value::Bool(values.iter().any(|b| *b)))),
        "not" => call
            .arity(1, 1)
            .and_then(|()| Ok(Value::Bool(!boolean(call, 0)?))),
        "if" => call.arity(3, 3).and_then(|()| {
            Ok(if boolean(call, 0)? {
                args[1].clone()
            } else {
                args[2].clone()
            })
        }),
        "greater" | "less" | "greaterorequals" | "lessorequals" => {
            call.arity(2, 2).and_then(|()| {
                let ordering = order(call)?;
                Ok(Value::Bool(match lower {
                    "greater" => ordering == Ordering::Greater,
                    "less" => ordering == Ordering::Less,
                    "greaterorequals" => ordering != Ordering::Less,
                    _ => ordering != Ordering::Greater,
                }))
            })
        }
        _ => return None,
    };
    Some(result)
}

/// Null is the empty string in logical functions (the chapter's note).
fn as_logical(value: &Value) -> &Value {
    const EMPTY: &Value = &Value::String(String::new());
    if value.is_null() { EMPTY } else { value }
}

fn boolean(call: &Call<'_>, i: usize) -> Result<bool, EvalError> {
    match call.args.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        _ => Err(type_error(call, i, "Boolean")),
    }
}

fn booleans(call: &Call<'_>) -> Result<Vec<bool>, EvalError> {
    (0..call.args.len()).map(|i| boolean(call, i)).collect()
}

/// `equals`: numbers by value, a Boolean against a number as zero/non-zero, arrays and objects
/// item by item (object keys with case, as JSON has them), everything else exactly.
pub(super) fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => match (Num::of(a), Num::of(b)) {
            (Some(Num::Int(x)), Some(Num::Int(y))) => x == y,
            (Some(x), Some(y)) => x.float() == y.float(),
            _ => false,
        },
        (Value::Bool(flag), Value::Number(_)) | (Value::Number(_), Value::Bool(flag)) => {
            let number = if a.is_number() { a } else { b };
            Num::of(number).is_some_and(|n| (n.float() != 0.0) == *flag)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equivalent(v, w)))
        }
        _ => a == b,
    }
}

/// The order of the two arguments of `greater`, `less`, …: two numbers or two strings.
fn order(call: &Call<'_>) -> Result<Ordering, EvalError> {
    let (a, b) = (as_logical(&call.args[0]), as_logical(&call.args[1]));
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        (Value::Number(_), Value::Number(_)) => match (Num::of(a), Num::of(b)) {
            (Some(Num::Int(x)), Some(Num::Int(y))) => Ok(x.cmp(&y)),
            (Some(x), Some(y)) => x
                .float()
                .partial_cmp(&y.float())
                .ok_or_else(|| call.bad("cannot compare these numbers")),
            _ => Err(call.bad("cannot compare these numbers")),
        },
        _ => Err(call.bad(format!(
            "expects two parameters of the same type, Integer, Float or String. The provided values are of type '{}' and '{}'.",
            super::kind(&call.args[0]),
            super::kind(&call.args[1])
        ))),
    }
}
