//! String functions: `concat`, `endsWith`, `formatNumber`, `guid`, `indexOf`, `lastIndexOf`,
//! `nthIndexOf`, `replace`, `slice`, `split`, `startsWith`, `substring`, `toLower`, `toUpper`,
//! `trim`, … (`length` is a collection function).

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, Scope, to_text};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &["concat", "tolower", "toupper", "formatnumber", "guid"];

pub(super) fn call(
    lower: &str,
    call: &Call<'_>,
    _scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    let args = call.args;
    let result = match lower {
        "concat" => {
            if !args.is_empty() && args.iter().all(Value::is_array) {
                let items = args
                    .iter()
                    .flat_map(|a| a.as_array().cloned().unwrap_or_default());
                return Some(Ok(Value::Array(items.collect())));
            }
            Ok(Value::String(
                args.iter().map(|a| to_text(a).into_owned()).collect(),
            ))
        }
        "tolower" | "toupper" => call.arity(1, 1).and_then(|()| {
            let text = call.string(0)?;
            Ok(Value::String(if lower == "tolower" {
                text.to_lowercase()
            } else {
                text.to_uppercase()
            }))
        }),
        "formatnumber" => super::number_format::format_number(call),
        "guid" => super::random::guid(call, _scope),
        _ => return None,
    };
    Some(result)
}
