//! Logical comparison functions: `and`, `equals`, `greater`, `greaterOrEquals`, `if`, `less`,
//! `lessOrEquals`, `not`, `or`.

use serde_json::Value;

use super::Call;
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
        "equals" => call.arity(2, 2).map(|()| Value::Bool(args[0] == args[1])),
        "and" => args
            .iter()
            .try_fold(true, |acc, a| Ok(acc & truthy(a)?))
            .map(Value::Bool),
        "or" => args
            .iter()
            .try_fold(false, |acc, a| Ok(acc | truthy(a)?))
            .map(Value::Bool),
        "not" => call
            .arity(1, 1)
            .and_then(|()| Ok(Value::Bool(!truthy(&args[0])?))),
        "if" => call.arity(3, 3).and_then(|()| {
            Ok(if truthy(&args[0])? {
                args[1].clone()
            } else {
                args[2].clone()
            })
        }),
        "greater" | "less" | "greaterorequals" | "lessorequals" => {
            call.arity(2, 2).and_then(|()| {
                let ordering = compare(&args[0], &args[1])
                    .ok_or_else(|| call.bad("expected two numbers or two strings"))?;
                use std::cmp::Ordering::{Equal, Greater, Less};
                Ok(Value::Bool(match lower {
                    "greater" => ordering == Greater,
                    "less" => ordering == Less,
                    "greaterorequals" => ordering != Less,
                    _ => matches!(ordering, Less | Equal),
                }))
            })
        }
        _ => return None,
    };
    Some(result)
}

pub(super) fn truthy(value: &Value) -> Result<bool, EvalError> {
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
