//! Math functions: `add`, `div`, `max`, `min`, `mod`, `mul`, `rand`, `range`, `sub`. Integers
//! stay integers; a float anywhere makes the result a float.

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, Scope};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["rand"];

pub(super) fn call(
    lower: &str,
    call: &Call<'_>,
    scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "rand" => super::random::rand(call, scope),
        _ => return None,
    };
    Some(result)
}
