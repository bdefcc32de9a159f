//! Manipulation functions for JSON and XML: `addProperty`, `coalesce`, `removeProperty`,
//! `setProperty`, `xpath`.
//!
//! The property functions work on one object and return a changed copy; a child property is
//! changed the way the reference shows, by nesting calls over `object['parent']`. Property names
//! match exactly (with case) here, as a JSON object's keys do, although reading a property
//! (`object.name`) ignores case: Azure is silent on which rule these functions follow.

use serde_json::Value;

use super::Call;
use super::args::{object, text};
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["addproperty", "coalesce", "removeproperty", "setproperty"];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        // Empty strings, arrays and objects are not null (the reference).
        "coalesce" => call.arity(1, usize::MAX).map(|()| {
            call.args
                .iter()
                .find(|a| !a.is_null())
                .cloned()
                .unwrap_or(Value::Null)
        }),
        "addproperty" => call.arity(3, 3).and_then(|()| {
            let mut map = object(call, 0)?.clone();
            let name = text(call, 1)?;
            if map.contains_key(name) {
                return Err(call.bad(format!(
                    "the property '{name}' already exists on the object; use setProperty to change it"
                )));
            }
            map.insert(name.to_owned(), call.args[2].clone());
            Ok(Value::Object(map))
        }),
        "setproperty" => call.arity(3, 3).and_then(|()| {
            let mut map = object(call, 0)?.clone();
            map.insert(text(call, 1)?.to_owned(), call.args[2].clone());
            Ok(Value::Object(map))
        }),
        // A property that is not there leaves the object as it was (the reference).
        "removeproperty" => call.arity(2, 2).and_then(|()| {
            let mut map = object(call, 0)?.clone();
            map.shift_remove(text(call, 1)?);
            Ok(Value::Object(map))
        }),
        _ => return None,
    };
    Some(result)
}
