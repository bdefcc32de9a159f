//! Numbers from text and back, as .NET reads and writes them with the invariant culture:
//! `int()` (`Int64.Parse`, `NumberStyles.Integer`), `float()` (`Double.Parse`,
//! `NumberStyles.Float | AllowThousands`, so `float('10,000.333')` is `10000.333`, with an
//! optional RFC 4646 locale), `decimal()` (`Decimal.Parse`, `NumberStyles.Number`), and the text
//! `string()` gives a number (`Double.ToString()`: shortest round-trip digits, `E+15` from 10^15).

use serde_json::{Number, Value};

use super::{Call, cannot_convert, not_valid};
use crate::eval::EvalError;

/// `int()`: a string of an integer (white space and a sign allowed, no separators, within
/// Int64), an integer as it is, a float only when it has no fraction (MicrosoftDocs/azure-docs
/// #86810: a float "without the decimal point" converts, one with a fraction "causes problems").
pub(super) fn int(call: &Call<'_>) -> Result<Value, EvalError> {
    let parsed = match &call.args[0] {
        Value::String(s) => parse_int(s),
        Value::Number(n) if n.is_f64() => n.as_f64().and_then(whole_to_i64),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed
        .map(Value::from)
        .ok_or_else(|| cannot_convert(call, "Integer"))
}

/// `float()`: a string of a number (group separators, a decimal separator and an exponent
/// allowed) in the invariant culture or in the locale of the second argument; a number as it is.
pub(super) fn float(call: &Call<'_>) -> Result<Value, EvalError> {
    let culture = match call.args.get(1) {
        None | Some(Value::Null) => INVARIANT,
        Some(Value::String(name)) => culture(name).ok_or_else(|| {
            not_valid(
                call,
                &format!("The provided locale '{name}' is not valid or has no associated culture."),
            )
        })?,
        Some(other) => {
            return Err(not_valid(
                call,
                &format!(
                    "The locale must be a string, found {}.",
                    super::super::kind(other)
                ),
            ));
        }
    };
    let parsed = match &call.args[0] {
        Value::String(s) => parse_float(s, culture, true),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    parsed
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| cannot_convert(call, "Float"))
}

/// `decimal()`: a string of a decimal number (no exponent), within .NET `decimal`'s range. JSON
/// has no decimal type: the value is the nearest double, an integer when the text has no
/// fraction.
pub(super) fn decimal(call: &Call<'_>) -> Result<Value, EvalError> {
    const DECIMAL_MAX: f64 = 79_228_162_514_264_337_593_543_950_335.0;
    let value = match &call.args[0] {
        Value::String(s) => {
            let integral = !s.contains('.');
            parse_float(s, INVARIANT, false)
                .filter(|f| f.abs() <= DECIMAL_MAX)
                .map(|f| match (integral, parse_int(&s.replace(',', ""))) {
                    (true, Some(i)) => Value::from(i),
                    _ => Number::from_f64(f).map_or(Value::Null, Value::Number),
                })
        }
        Value::Number(n) => Some(Value::Number(n.clone())),
        _ => None,
    };
    value
        .filter(|v| !v.is_null())
        .ok_or_else(|| cannot_convert(call, "Decimal"))
}

/// How a culture writes numbers.
#[derive(Clone, Copy)]
struct Culture {
    decimal: char,
    group: &'static [char],
}

const INVARIANT: Culture = Culture {
    decimal: '.',
    group: &[','],
};

/// The cultures `float()` knows by language: those that write `1,234.5`, those that write
/// `1.234,5` and those that write `1 234,5` (with a space or no-break space). Other languages are
/// refused rather than guessed (see docs/fidelity.md).
fn culture(name: &str) -> Option<Culture> {
    const COMMA_GROUP: &[&str] = &["en", "ja", "zh", "ko", "he", "th", "hi", "ga", "mt"];
    const DOT_GROUP: &[&str] = &[
        "de", "es", "it", "nl", "pt", "da", "id", "tr", "is", "el", "ro", "hr", "sl", "sr", "vi",
    ];
    const SPACE_GROUP: &[&str] = &[
        "fr", "ru", "sv", "nb", "nn", "no", "fi", "cs", "pl", "uk", "sk", "hu", "bg", "lt", "lv",
        "et",
    ];
    if name.is_empty() {
        return Some(INVARIANT);
    }
    let language = name.split(['-', '_']).next()?.to_ascii_lowercase();
    if COMMA_GROUP.contains(&language.as_str()) {
        Some(INVARIANT)
    } else if DOT_GROUP.contains(&language.as_str()) {
        Some(Culture {
            decimal: ',',
            group: &['.'],
        })
    } else if SPACE_GROUP.contains(&language.as_str()) {
        Some(Culture {
            decimal: ',',
            group: &[' ', '\u{a0}', '\u{202f}'],
        })
    } else {
        None
    }
}

/// .NET's white space for number parsing (`NumberStyles.AllowLeadingWhite`).
fn is_number_white(c: char) -> bool {
    matches!(c, '\u{9}'..='\u{d}' | ' ')
}

/// `Int64.Parse(s, NumberStyles.Integer, InvariantCulture)`.
pub(super) fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim_matches(is_number_white);
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty()
        || !digits
            .strip_prefix('-')
            .unwrap_or(digits)
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse().ok()
}

/// A number in `culture`: sign, digits with group separators, decimal separator, digits, and
/// (when `exponent`) `e`/`E` with a signed exponent. Values too large for a double are `None`.
fn parse_float(s: &str, culture: Culture, exponent: bool) -> Option<f64> {
    let s = s.trim_matches(is_number_white);
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut normal = String::from(if negative { "-" } else { "" });
    let mut chars = rest.chars().peekable();
    let (mut digits, mut seen_point) = (0usize, false);
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            normal.push(c);
            digits += 1;
        } else if !seen_point && digits > 0 && culture.group.contains(&c) {
            // a group separator between integral digits is skipped
        } else if !seen_point && c == culture.decimal {
            seen_point = true;
            normal.push('.');
        } else {
            break;
        }
        chars.next();
    }
    if digits == 0 {
        return None;
    }
    if exponent && matches!(chars.peek(), Some('e' | 'E')) {
        chars.next();
        normal.push('e');
        if let Some(&sign @ ('+' | '-')) = chars.peek() {
            normal.push(sign);
            chars.next();
        }
        let before = normal.len();
        while let Some(c) = chars.next_if(char::is_ascii_digit) {
            normal.push(c);
        }
        if normal.len() == before {
            return None;
        }
    }
    if chars.next().is_some() {
        return None;
    }
    normal.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A float without a fraction as an integer; `None` for a fraction or outside Int64.
fn whole_to_i64(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

/// A number as `string()` writes it: integers as they are, doubles as .NET Core's
/// `Double.ToString()` (shortest round-trip digits; scientific `1E+15` from an exponent of 15 and
/// below `1E-05`).
pub(super) fn number_text(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => double_text(f),
        _ => n.to_string(),
    }
}

pub(super) fn double_text(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return format!("{f}");
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-5..15).contains(&exp) {
        format!("{f}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}E{sign}{:02}", exp.abs())
    }
}
