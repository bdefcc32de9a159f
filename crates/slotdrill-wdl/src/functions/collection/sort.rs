//! `sort(collection, sortBy?)`: ascending and stable. Items are all numbers (Integer and Float
//! compare by value) or all strings (ordinal, with case), or, with `sortBy`, objects ordered by
//! that property (found without regard to case), whose values follow the same rule. Mixed or
//! other items, and objects without the property, are an error: the reference says the key must
//! have a simple type and is silent on the rest.

use std::cmp::Ordering;

use serde_json::Value;

use super::super::Call;
use super::super::args::{Num, array, text};
use crate::eval::{EvalError, get_ci};

/// The sort key of one item.
enum Key<'a> {
    Number(Num),
    Text(&'a str),
}

fn key<'a>(value: &'a Value) -> Option<Key<'a>> {
    match value {
        Value::String(s) => Some(Key::Text(s)),
        other => Num::of(other).map(Key::Number),
    }
}

fn compare(a: &Key<'_>, b: &Key<'_>) -> Ordering {
    match (a, b) {
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        (Key::Number(Num::Int(x)), Key::Number(Num::Int(y))) => x.cmp(y),
        (Key::Number(x), Key::Number(y)) => x.float().total_cmp(&y.float()),
        // Never reached: keys are checked to be of one kind first.
        (Key::Number(_), Key::Text(_)) => Ordering::Less,
        (Key::Text(_), Key::Number(_)) => Ordering::Greater,
    }
}

pub(super) fn sort(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 2)?;
    let items = array(call, 0)?;
    let by = match call.args.get(1) {
        Some(_) => Some(text(call, 1)?),
        None => None,
    };
    let mut keyed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let value = match (by, item) {
            (None, value) => value,
            (Some(name), Value::Object(map)) => get_ci(map, name).ok_or_else(|| {
                call.bad(format!(
                    "item {i} of the collection has no property '{name}'"
                ))
            })?,
            (Some(_), other) => {
                return Err(call.bad(format!(
                    "item {i} of the collection is of type '{}', not an object to sort by property",
                    super::super::kind(other)
                )));
            }
        };
        let k = key(value).ok_or_else(|| {
            call.bad(format!(
                "can only sort numbers or strings; item {i} sorts by a value of type '{}'",
                super::super::kind(value)
            ))
        })?;
        keyed.push((k, item));
    }
    let numbers = keyed
        .iter()
        .filter(|(k, _)| matches!(k, Key::Number(_)))
        .count();
    if numbers != 0 && numbers != keyed.len() {
        return Err(call.bad("cannot sort a mix of numbers and strings"));
    }
    keyed.sort_by(|(a, _), (b, _)| compare(a, b));
    Ok(Value::Array(
        keyed.into_iter().map(|(_, item)| item.clone()).collect(),
    ))
}
