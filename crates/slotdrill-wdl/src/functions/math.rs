//! Math functions: `add`, `div`, `max`, `min`, `mod`, `mul`, `rand`, `range`, `sub`. Integers
//! stay integers; a float anywhere makes the result a float.

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, Scope};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[];

pub(super) fn call(
    _lower: &str,
    _call: &Call<'_>,
    _scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    None
}
