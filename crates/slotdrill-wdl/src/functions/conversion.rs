//! Conversion functions: `array`, `base64`, `base64ToBinary`, `base64ToString`, `binary`,
//! `bool`, `createArray`, `dataUri`, `dataUriToBinary`, `dataUriToString`, `decimal`,
//! `decodeBase64`, `decodeDataUri`, `decodeUriComponent`, `encodeUriComponent`, `float`, `int`,
//! `json`, `string`, `uriComponent`, `uriComponentToBinary`, `uriComponentToString`, `xml`, ….

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, to_text};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["string"];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let args = call.args;
    let result = match lower {
        "string" => call
            .arity(1, 1)
            .map(|()| Value::String(to_text(&args[0]).into_owned())),
        _ => return None,
    };
    Some(result)
}
