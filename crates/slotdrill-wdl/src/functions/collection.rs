//! Collection functions: `chunk`, `contains`, `empty`, `first`, `intersection`, `join`, `last`,
//! `length`, `reverse`, `skip`, `sort`, `take`, `union` (`item` and `items` need a run: the
//! emulator's runner has them). Sets and sorting are in `collection/`.
//!
//! A collection is a string (of characters), an array or, for `contains`, `empty`, `length`,
//! `intersection` and `union`, an object (of properties). Items compare as `equals` compares them.

mod sets;
mod sort;

use serde_json::Value;

use super::Call;
use super::args::{integer, out_of_range, text, type_error};
use super::logical::equivalent;
use super::text::MAX_TEXT;
use crate::eval::{EvalError, to_interpolated_text};

/// The functions of this chapter, lower case (`chunk` is listed with the string chapter).
pub(super) const NAMES: &[&str] = &[
    "contains",
    "empty",
    "first",
    "intersection",
    "join",
    "last",
    "length",
    "reverse",
    "skip",
    "sort",
    "take",
    "union",
];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "contains" => contains(call),
        "empty" => empty(call),
        "first" | "last" => first_or_last(call, lower == "last"),
        "intersection" => sets::intersection(call),
        "join" => join(call),
        "length" => length(call),
        "reverse" => call.arity(1, 1).and_then(|()| {
            let mut items = super::args::array(call, 0)?.clone();
            items.reverse();
            Ok(Value::Array(items))
        }),
        "skip" | "take" => skip_or_take(call, lower == "take"),
        "sort" => sort::sort(call),
        "union" => sets::union(call),
        _ => return None,
    };
    Some(result)
}

/// `chunk(collection, length)`: a string into strings, an array into arrays, each `length`
/// long but the last.
pub(super) fn chunk(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let size = usize::try_from(integer(call, 1)?)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| out_of_range(call, "length", "it must be a positive integer"))?;
    match &call.args[0] {
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            let pieces = chars
                .chunks(size)
                .map(|c| Value::String(c.iter().collect()));
            Ok(Value::Array(pieces.collect()))
        }
        Value::Array(items) => Ok(Value::Array(
            items
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect(),
        )),
        _ => Err(type_error(call, 0, "String or Array")),
    }
}

/// `contains`: a substring of a string (with case), an item of an array, a key of an object.
fn contains(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let needle = &call.args[1];
    let found = match &call.args[0] {
        Value::String(s) => s.contains(text(call, 1)?),
        Value::Array(items) => items.iter().any(|item| equivalent(item, needle)),
        Value::Object(map) => map.contains_key(text(call, 1)?),
        _ => return Err(type_error(call, 0, "String, Array or Object")),
    };
    Ok(Value::Bool(found))
}

/// `empty`: true for `""`, `[]`, `{}` and null.
fn empty(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    let is_empty = match &call.args[0] {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => return Err(type_error(call, 0, "String, Array or Object")),
    };
    Ok(Value::Bool(is_empty))
}

/// `first`, `last`: a character of a string, an item of an array; null when there is none.
fn first_or_last(call: &Call<'_>, last: bool) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    Ok(match &call.args[0] {
        Value::String(s) => {
            let c = if last {
                s.chars().next_back()
            } else {
                s.chars().next()
            };
            c.map_or(Value::Null, |c| Value::String(c.to_string()))
        }
        Value::Array(items) => {
            let item = if last { items.last() } else { items.first() };
            item.cloned().unwrap_or(Value::Null)
        }
        _ => return Err(type_error(call, 0, "String or Array")),
    })
}

/// `join(array, delimiter)`: items as interpolation writes them (strings as they are, null as
/// `""`, `True`/`False`, others as JSON).
fn join(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let items = super::args::array(call, 0)?;
    let delimiter = text(call, 1)?;
    let parts: Vec<String> = items
        .iter()
        .map(|i| to_interpolated_text(i).into_owned())
        .collect();
    let joined = parts.join(delimiter);
    if joined.chars().count() > MAX_TEXT {
        return Err(call.bad("the result must not exceed 104,857,600 characters"));
    }
    Ok(Value::String(joined))
}

/// `length`: characters of a string, items of an array, properties of an object.
fn length(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    match &call.args[0] {
        Value::String(s) => Ok(Value::from(s.chars().count())),
        Value::Array(a) => Ok(Value::from(a.len())),
        Value::Object(o) => Ok(Value::from(o.len())),
        _ => Err(type_error(call, 0, "String or Array")),
    }
}

/// `skip`, `take`: from the front of a string or an array; a count past the end takes all.
fn skip_or_take(call: &Call<'_>, take: bool) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let count = usize::try_from(integer(call, 1)?)
        .map_err(|_| out_of_range(call, "count", "it must not be negative"))?;
    match &call.args[0] {
        Value::String(s) => {
            let chars = s.chars();
            Ok(Value::String(if take {
                chars.take(count).collect()
            } else {
                chars.skip(count).collect()
            }))
        }
        Value::Array(items) => {
            let cut = count.min(items.len());
            let part = if take { &items[..cut] } else { &items[cut..] };
            Ok(Value::Array(part.to_vec()))
        }
        _ => Err(type_error(call, 0, "String or Array")),
    }
}
