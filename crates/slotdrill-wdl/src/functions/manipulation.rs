//! Manipulation functions for JSON and XML: `addProperty`, `coalesce`, `removeProperty`,
//! `setProperty`, `xpath`.

use serde_json::Value;

use super::Call;
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["coalesce"];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "coalesce" => Ok(call
            .args
            .iter()
            .find(|a| !a.is_null())
            .cloned()
            .unwrap_or(Value::Null)),
        _ => return None,
    };
    Some(result)
}
