//! Collection functions: `chunk`, `contains`, `empty`, `first`, `intersection`, `join`, `last`,
//! `length`, `reverse`, `skip`, `sort`, `take`, `union`, … (`item` and `items` need a run: the
//! emulator's runner has them).

use serde_json::Value;

use super::Call;
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["empty", "length"];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let args = call.args;
    let result = match lower {
        "length" => call.arity(1, 1).and_then(|()| match &args[0] {
            Value::String(s) => Ok(Value::from(s.chars().count())),
            Value::Array(a) => Ok(Value::from(a.len())),
            Value::Object(o) => Ok(Value::from(o.len())),
            _ => Err(call.bad("expected a string, an array or an object")),
        }),
        "empty" => call.arity(1, 1).map(|()| {
            Value::Bool(match &args[0] {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            })
        }),
        _ => return None,
    };
    Some(result)
}
