//! The string chapter's work, kept apart from `string.rs` (which only dispatches) so that the
//! chapter's other functions can land there without touching this file.
//!
//! Positions and lengths count Unicode scalar values (Rust `char`s). Azure counts UTF-16 code
//! units, so the two differ only for characters outside the Basic Multilingual Plane (emoji):
//! a deviation stated in docs/fidelity.md.

use serde_json::Value;

use super::Call;
use super::args::{integer, out_of_range, text};
use crate::eval::{EvalError, to_interpolated_text};

/// The reference's limit on the length of a `concat` or `join` result.
pub(super) const MAX_TEXT: usize = 104_857_600;

/// `concat`: strings as they are, other values as interpolation writes them; arrays only are
/// joined into one array.
pub(super) fn concat(call: &Call<'_>) -> Result<Value, EvalError> {
    let args = call.args;
    if !args.is_empty() && args.iter().all(Value::is_array) {
        let items = args.iter().filter_map(Value::as_array).flatten().cloned();
        return Ok(Value::Array(items.collect()));
    }
    let joined: String = args
        .iter()
        .map(|a| to_interpolated_text(a).into_owned())
        .collect();
    if joined.chars().count() > MAX_TEXT {
        return Err(call.bad("the result must not exceed 104,857,600 characters"));
    }
    Ok(Value::String(joined))
}

/// True when `a` and `b` are the same character without regard to case.
fn same_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Every position (in characters) where `needle` starts in `hay`, overlapping, without regard
/// to case.
fn positions_ci(hay: &[char], needle: &[char]) -> Vec<usize> {
    if needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| {
            hay[i..i + needle.len()]
                .iter()
                .zip(needle)
                .all(|(a, b)| same_ci(*a, *b))
        })
        .collect()
}

/// `startsWith` and `endsWith`: without regard to case (the reference says so).
pub(super) fn starts_or_ends(call: &Call<'_>, ends: bool) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let hay: Vec<char> = text(call, 0)?.chars().collect();
    let needle: Vec<char> = text(call, 1)?.chars().collect();
    if needle.len() > hay.len() {
        return Ok(Value::Bool(false));
    }
    let start = if ends { hay.len() - needle.len() } else { 0 };
    let found = hay[start..start + needle.len()]
        .iter()
        .zip(&needle)
        .all(|(a, b)| same_ci(*a, *b));
    Ok(Value::Bool(found))
}

/// `indexOf`, `lastIndexOf`: without regard to case, -1 when absent, with the reference's
/// rules for empty strings (`lastIndexOf(text, '')` is the text's length minus one).
pub(super) fn index_of(call: &Call<'_>, last: bool) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let hay: Vec<char> = text(call, 0)?.chars().collect();
    let needle: Vec<char> = text(call, 1)?.chars().collect();
    if needle.is_empty() {
        let at = if last { hay.len().saturating_sub(1) } else { 0 };
        return Ok(Value::from(at));
    }
    let found = positions_ci(&hay, &needle);
    let at = if last { found.last() } else { found.first() };
    Ok(at.map_or(Value::from(-1), |i| Value::from(*i)))
}

/// `nthIndexOf(text, searchText, occurrence)`: the position of the nth occurrence, counting
/// from the end when `occurrence` is negative; -1 when there are fewer occurrences.
pub(super) fn nth_index_of(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(3, 3)?;
    let hay: Vec<char> = text(call, 0)?.chars().collect();
    let needle: Vec<char> = text(call, 1)?.chars().collect();
    let occurrence = integer(call, 2)?;
    if occurrence == 0 {
        return Err(out_of_range(call, "occurrence", "it must not be 0"));
    }
    if needle.is_empty() {
        return Err(out_of_range(call, "searchText", "it must not be empty"));
    }
    let found = positions_ci(&hay, &needle);
    let n = usize::try_from(occurrence.unsigned_abs()).unwrap_or(usize::MAX);
    let at = if occurrence > 0 {
        found.get(n - 1)
    } else {
        found.len().checked_sub(n).and_then(|i| found.get(i))
    };
    Ok(at.map_or(Value::from(-1), |i| Value::from(*i)))
}

/// `replace`: every occurrence, with case.
pub(super) fn replace(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(3, 3)?;
    let (source, old, new) = (text(call, 0)?, text(call, 1)?, text(call, 2)?);
    if old.is_empty() {
        return Err(out_of_range(call, "oldText", "it must not be empty"));
    }
    Ok(Value::String(source.replace(old, new)))
}

/// `split`: on every occurrence of the delimiter, keeping empty pieces.
pub(super) fn split(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let (source, delimiter) = (text(call, 0)?, text(call, 1)?);
    let pieces: Vec<Value> = if delimiter.is_empty() {
        vec![Value::String(source.to_owned())]
    } else {
        source.split(delimiter).map(Value::from).collect()
    };
    Ok(Value::Array(pieces))
}

/// `substring(text, startIndex, length?)`: an error, not a shorter result, when the range
/// passes the end (the reference's note).
pub(super) fn substring(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 3)?;
    let chars: Vec<char> = text(call, 0)?.chars().collect();
    let start = integer(call, 1)?;
    let start = usize::try_from(start)
        .ok()
        .filter(|s| *s <= chars.len())
        .ok_or_else(|| {
            out_of_range(
                call,
                "startIndex",
                "it must be between 0 and the length of the string",
            )
        })?;
    let length = match call.args.get(2) {
        Some(_) => usize::try_from(integer(call, 2)?)
            .ok()
            .filter(|l| start + l <= chars.len())
            .ok_or_else(|| {
                out_of_range(
                    call,
                    "length",
                    "startIndex and length must be non-negative and their sum no larger than the length of the string",
                )
            })?,
        None => chars.len() - start,
    };
    Ok(Value::String(chars[start..start + length].iter().collect()))
}

/// `slice(text, startIndex, endIndex?)`: negative positions count from the end, positions past
/// the end stop there, an end before the start gives `""`.
pub(super) fn slice(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 3)?;
    let chars: Vec<char> = text(call, 0)?.chars().collect();
    let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    let clamp = |at: i64| -> usize {
        let at = if at < 0 {
            len.saturating_add(at).max(0)
        } else {
            at.min(len)
        };
        usize::try_from(at).unwrap_or(0)
    };
    let start = clamp(integer(call, 1)?);
    let end = match call.args.get(2) {
        Some(_) => clamp(integer(call, 2)?),
        None => chars.len(),
    };
    let piece: String = if start < end {
        chars[start..end].iter().collect()
    } else {
        String::new()
    };
    Ok(Value::String(piece))
}

/// `toLower`, `toUpper`: culture-invariant.
pub(super) fn change_case(call: &Call<'_>, upper: bool) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    let source = text(call, 0)?;
    Ok(Value::String(if upper {
        source.to_uppercase()
    } else {
        source.to_lowercase()
    }))
}

/// `trim`: leading and trailing white space.
pub(super) fn trim(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    Ok(Value::String(text(call, 0)?.trim().to_owned()))
}

/// `isInt(string)`: an optional sign and digits, white space around allowed, within 64 bits.
pub(super) fn is_int(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 1)?;
    let source = text(call, 0)?.trim();
    let digits = source.strip_prefix(['-', '+']).unwrap_or(source);
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && source.trim_start_matches('+').parse::<i64>().is_ok();
    Ok(Value::Bool(ok))
}

/// `isFloat(string, locale?)`: a number with optional sign, group separators in the integer
/// part, a decimal part and an exponent, in the locale's separators. Only locales whose
/// separators are known here are accepted (English and invariant `,` and `.`; German `.` and
/// `,`); others are an error rather than a guess.
pub(super) fn is_float(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, 2)?;
    let source = text(call, 0)?.trim();
    let (group, decimal) = match call.args.get(1) {
        None => (',', '.'),
        Some(_) => {
            let locale = text(call, 1)?.to_ascii_lowercase();
            let language = locale.split(['-', '_']).next().unwrap_or_default();
            match language {
                "" | "en" | "iv" => (',', '.'),
                "de" => ('.', ','),
                _ => {
                    return Err(call.bad(format!(
                        "the locale '{locale}' is not one this emulator knows the number format of (en, de)"
                    )));
                }
            }
        }
    };
    Ok(Value::Bool(float_text(source, group, decimal)))
}

fn float_text(source: &str, group: char, decimal: char) -> bool {
    let body = source.strip_prefix(['-', '+']).unwrap_or(source);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once(decimal) {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let whole_digits = whole.chars().filter(char::is_ascii_digit).count();
    let whole_ok =
        whole.chars().all(|c| c.is_ascii_digit() || c == group) && !whole.starts_with(group);
    let fraction_ok = fraction.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit()));
    let fraction_digits = fraction.map_or(0, str::len);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    whole_ok && fraction_ok && exponent_ok && whole_digits + fraction_digits > 0
}
