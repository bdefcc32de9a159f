//! String functions: `chunk` (shared with the collection chapter), `concat`, `endsWith`,
//! `formatNumber`, `guid`, `indexOf`, `isFloat`, `isInt`, `lastIndexOf`, `nthIndexOf`, `replace`,
//! `slice`, `split`, `startsWith`, `substring`, `toLower`, `toUpper`, `trim` (`length` is a
//! collection function). The work is in `text.rs`; this module only dispatches.

use serde_json::Value;

use super::{Call, collection, text};
use crate::eval::{EvalError, Scope};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[
    "chunk",
    "concat",
    "endswith",
    "indexof",
    "isfloat",
    "isint",
    "lastindexof",
    "nthindexof",
    "replace",
    "slice",
    "split",
    "startswith",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "formatnumber",
    "guid",
];

pub(super) fn call(
    lower: &str,
    call: &Call<'_>,
    scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "chunk" => collection::chunk(call),
        "concat" => text::concat(call),
        "endswith" => text::starts_or_ends(call, true),
        "indexof" => text::index_of(call, false),
        "isfloat" => text::is_float(call),
        "isint" => text::is_int(call),
        "lastindexof" => text::index_of(call, true),
        "nthindexof" => text::nth_index_of(call),
        "replace" => text::replace(call),
        "slice" => text::slice(call),
        "split" => text::split(call),
        "startswith" => text::starts_or_ends(call, false),
        "substring" => text::substring(call),
        "tolower" => text::change_case(call, false),
        "toupper" => text::change_case(call, true),
        "trim" => text::trim(call),
        "formatnumber" => super::number_format::format_number(call),
        "guid" => super::random::guid(call, scope),
        _ => return None,
    };
    Some(result)
}
