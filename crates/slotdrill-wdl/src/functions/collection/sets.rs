//! `intersection` and `union` of arrays (items compared as `equals` compares them, first
//! occurrence kept, in order) or of objects (properties by name; where several collections have
//! the same name, the last one's value wins, as the reference says).

use serde_json::{Map, Value};

use super::super::Call;
use super::super::args::type_error;
use super::super::logical::equivalent;
use crate::eval::EvalError;

/// All arrays, or all objects, or an error naming the first argument that breaks the pattern.
enum Collections<'a> {
    Arrays(Vec<&'a Vec<Value>>),
    Objects(Vec<&'a Map<String, Value>>),
}

fn collections<'a>(call: &Call<'a>) -> Result<Collections<'a>, EvalError> {
    call.arity(1, usize::MAX)?;
    match &call.args[0] {
        Value::Array(_) => call
            .args
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_array().ok_or_else(|| type_error(call, i, "Array")))
            .collect::<Result<_, _>>()
            .map(Collections::Arrays),
        Value::Object(_) => call
            .args
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_object().ok_or_else(|| type_error(call, i, "Object")))
            .collect::<Result<_, _>>()
            .map(Collections::Objects),
        _ => Err(type_error(call, 0, "Array or Object")),
    }
}

fn push_distinct(out: &mut Vec<Value>, item: &Value) {
    if !out.iter().any(|seen| equivalent(seen, item)) {
        out.push(item.clone());
    }
}

/// `intersection`: the items every collection has.
pub(super) fn intersection(call: &Call<'_>) -> Result<Value, EvalError> {
    Ok(match collections(call)? {
        Collections::Arrays(arrays) => {
            let mut out = Vec::new();
            for item in arrays[0] {
                if arrays[1..]
                    .iter()
                    .all(|other| other.iter().any(|x| equivalent(x, item)))
                {
                    push_distinct(&mut out, item);
                }
            }
            Value::Array(out)
        }
        Collections::Objects(objects) => {
            let mut out = Map::new();
            for key in objects[0].keys() {
                if objects.iter().all(|o| o.contains_key(key)) {
                    let last = objects.iter().rev().find_map(|o| o.get(key));
                    out.insert(key.clone(), last.cloned().unwrap_or(Value::Null));
                }
            }
            Value::Object(out)
        }
    })
}

/// `union`: every item of every collection, once.
pub(super) fn union(call: &Call<'_>) -> Result<Value, EvalError> {
    Ok(match collections(call)? {
        Collections::Arrays(arrays) => {
            let mut out = Vec::new();
            for item in arrays.into_iter().flatten() {
                push_distinct(&mut out, item);
            }
            Value::Array(out)
        }
        Collections::Objects(objects) => {
            let mut out = Map::new();
            for (key, value) in objects.into_iter().flatten() {
                out.insert(key.clone(), value.clone());
            }
            Value::Object(out)
        }
    })
}
