//! URI parsing functions: `uriHost`, `uriPath`, `uriPathAndQuery`, `uriPort`, `uriQuery`,
//! `uriScheme`.

use serde_json::Value;

use super::Call;
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[];

pub(super) fn call(_lower: &str, _call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    None
}
