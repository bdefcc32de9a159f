//! Conversion functions: `array`, `base64`, `base64ToBinary`, `base64ToString`, `binary`,
//! `bool`, `createArray`, `dataUri`, `dataUriToBinary`, `dataUriToString`, `decimal`,
//! `decodeBase64`, `decodeDataUri`, `decodeUriComponent`, `encodeUriComponent`, `float`, `int`,
//! `json`, `string`, `uriComponent`, `uriComponentToBinary`, `uriComponentToString`, `xml`, and
//! the manipulation chapter's `xpath`, which needs this chapter's XML.
//!
//! Binary and XML content travel as Azure stores them in a run's JSON: an object
//! `{"$content-type": …, "$content": <base64>}` (`content.rs`; Microsoft Learn, "Handle content
//! types in Azure Logic Apps"). Numbers are read and written culture-invariant, as .NET does
//! (`number.rs`); XML is `xml/`.

mod content;
mod number;
mod xml;

use serde_json::Value;

use super::Call;
use crate::eval::EvalError;

/// The functions of this chapter (and `xpath`), lower case.
pub(super) const NAMES: &[&str] = &[
    "array",
    "base64",
    "base64tobinary",
    "base64tostring",
    "binary",
    "bool",
    "createarray",
    "datauri",
    "datauritobinary",
    "datauritostring",
    "decimal",
    "decodebase64",
    "decodedatauri",
    "decodeuricomponent",
    "encodeuricomponent",
    "float",
    "int",
    "json",
    "string",
    "uricomponent",
    "uricomponenttobinary",
    "uricomponenttostring",
    "xml",
    "xpath",
];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let args = call.args;
    let result = match lower {
        "array" => call
            .arity(1, 1)
            .map(|()| Value::Array(vec![args[0].clone()])),
        "createarray" => call
            .arity(1, usize::MAX)
            .map(|()| Value::Array(args.to_vec())),
        "bool" => call.arity(1, 1).and_then(|()| to_bool(call, &args[0])),
        "string" => call
            .arity(1, 1)
            .and_then(|()| string_of(call, &args[0]).map(Value::String)),
        "int" => call.arity(1, 1).and_then(|()| number::int(call)),
        "float" => call.arity(1, 2).and_then(|()| number::float(call)),
        "decimal" => call.arity(1, 1).and_then(|()| number::decimal(call)),
        "json" => call.arity(1, 1).and_then(|()| json(call, &args[0])),
        "xml" => call.arity(1, 1).and_then(|()| xml::xml(call)),
        "xpath" => call.arity(2, 2).and_then(|()| xml::xpath(call)),
        _ => return content::call(lower, call),
    };
    Some(result)
}

/// Azure's words for an argument a function cannot use ("The template language function 'int'
/// was invoked with a parameter that is not valid. …").
pub(super) fn not_valid(call: &Call<'_>, detail: &str) -> EvalError {
    call.bad(format!(
        "The template language function '{}' was invoked with a parameter that is not valid. {detail}",
        call.name
    ))
}

/// The error for a value that has no conversion to `target` (`Integer`, `Boolean`, …).
pub(super) fn cannot_convert(call: &Call<'_>, target: &str) -> EvalError {
    not_valid(
        call,
        &format!("The value cannot be converted to the target type '{target}'."),
    )
}

/// `bool()`: true and false as they are, any number but zero is true, and the strings `true`
/// and `false` in any case with white space around (.NET `bool.Parse`).
fn to_bool(call: &Call<'_>, value: &Value) -> Result<Value, EvalError> {
    let parsed = match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => {
            let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    };
    parsed
        .map(Value::Bool)
        .ok_or_else(|| cannot_convert(call, "Boolean"))
}

/// `string()`: null is `""`, a string is itself, a number is written as .NET writes it, a
/// Boolean as `True`/`False` (.NET `Boolean.ToString()`), binary or XML content is its decoded
/// text, and any other object or array is its JSON text without indentation.
pub(super) fn string_of(call: &Call<'_>, value: &Value) -> Result<String, EvalError> {
    Ok(match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => number::number_text(n),
        Value::Object(_) => match content::Content::of(value) {
            Some(content) => content.text(call)?,
            None => value.to_string(),
        },
        Value::Array(_) => value.to_string(),
    })
}

/// `json()`: a string is parsed as JSON (null gives an empty object, as the reference says), XML
/// content is converted as Json.NET converts XML, other content is parsed from its text, and a
/// JSON value that is already one is returned as it is.
fn json(call: &Call<'_>, value: &Value) -> Result<Value, EvalError> {
    match value {
        Value::Null => Ok(Value::Object(serde_json::Map::new())),
        Value::String(text) => parse_json(call, text),
        Value::Object(_) => match content::Content::of(value) {
            Some(content) if content.is_xml() => xml::to_json(call, &content.text(call)?),
            Some(content) => parse_json(call, &content.text(call)?),
            None => Ok(value.clone()),
        },
        other => Ok(other.clone()),
    }
}

fn parse_json(call: &Call<'_>, text: &str) -> Result<Value, EvalError> {
    serde_json::from_str(text).map_err(|e| {
        call.bad(format!(
            "The template language function '{}' parameter is not valid. The provided value '{}' cannot be parsed: '{e}'.",
            call.name,
            shorten(text)
        ))
    })
}

/// The start of a long value, for messages.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
