//! `formatNumber(number, format, locale?)`: .NET's `number.ToString(format, culture)` — the
//! standard numeric formats (`C`, `D`, `E`, `F`, `G`, `N`, `P`, `R`, `X`, each with an optional
//! precision) and custom patterns (`0`, `#`, `.`, `,`, `%`, `‰`, `E+0`, `;` sections,
//! `'literal'`, `\c`).
//!
//! Digits come from the shortest representation that reads back as the same double (what
//! .NET Core prints for "R"), rounded half away from zero to the precision asked for.
//! Cultures: en-US (the default, as the reference says), en-GB, de-DE and is-IS (the reference's
//! examples use it); any other locale is refused with an error naming it.

mod custom;

use serde_json::Value;

use super::Call;
use crate::eval::EvalError;

/// What a culture's `NumberFormatInfo` contributes.
pub(crate) struct Culture {
    pub(crate) group: &'static str,
    pub(crate) decimal: &'static str,
    /// Currency pattern with `n` for the number, for positive values.
    currency: &'static str,
    /// The same for negative values.
    currency_negative: &'static str,
    percent: &'static str,
    currency_digits: usize,
}

fn culture(locale: &str) -> Option<Culture> {
    Some(match locale.to_ascii_lowercase().as_str() {
        "en-us" | "en" => Culture {
            group: ",",
            decimal: ".",
            currency: "$n",
            currency_negative: "-$n",
            percent: "n %",
            currency_digits: 2,
        },
        "en-gb" => Culture {
            group: ",",
            decimal: ".",
            currency: "£n",
            currency_negative: "-£n",
            percent: "n%",
            currency_digits: 2,
        },
        "de-de" => Culture {
            group: ".",
            decimal: ",",
            currency: "n €",
            currency_negative: "-n €",
            percent: "n %",
            currency_digits: 2,
        },
        "is-is" => Culture {
            group: ".",
            decimal: ",",
            currency: "n kr",
            currency_negative: "-n kr",
            percent: "n%",
            currency_digits: 0,
        },
        _ => return None,
    })
}

/// `formatNumber(number, format, locale?)`.
pub(crate) fn format_number(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 3)?;
    let number = match &call.args[0] {
        Value::Number(n) => n.clone(),
        other => {
            return Err(call.bad(format!(
                "argument 1 must be an integer or a float, found {}",
                super::kind(other)
            )));
        }
    };
    let pattern = call.string(1)?;
    let locale = match call.args.get(2) {
        None | Some(Value::Null) => "en-US",
        Some(_) => call.string(2)?,
    };
    let culture = culture(locale).ok_or_else(|| {
        call.bad(format!(
            "the locale '{locale}' is not supported by slotdrill here (supported: en-US, en-GB, de-DE, is-IS)"
        ))
    })?;
    let value = match number.as_i64() {
        Some(i) => Num::Int(i),
        None => Num::Float(number.as_f64().unwrap_or_default()),
    };
    format(&value, pattern, &culture)
        .map(Value::String)
        .map_err(|m| call.bad(m))
}

/// The number being formatted: .NET formats `long` and `double` differently (`D`, `X`).
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

/// A number as decimal digits: `0.digits × 10^point` with `negative` sign.
#[derive(Debug, Clone)]
pub(crate) struct Digits {
    pub(crate) negative: bool,
    pub(crate) digits: Vec<u8>,
    /// Where the decimal point goes: digits before it.
    pub(crate) point: i64,
}

impl Digits {
    pub(crate) fn of(value: &Num) -> Digits {
        let (negative, text) = match value {
            Num::Int(i) => (*i < 0, format!("{:e}", i.unsigned_abs())),
            Num::Float(f) => (f.is_sign_negative() && *f != 0.0, format!("{:e}", f.abs())),
        };
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        let exp: i64 = exp.parse().unwrap_or(0);
        let mut d = Digits {
            negative,
            digits,
            point: exp + 1,
        };
        d.trim();
        d
    }

    fn trim(&mut self) {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.point = 0;
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Rounds half away from zero to `decimals` places after the point.
    pub(crate) fn round_decimals(&mut self, decimals: i64) {
        self.round_at(self.point + decimals);
    }

    /// Keeps `keep` leading digits, rounding half away from zero.
    fn round_at(&mut self, keep: i64) {
        if keep < 0 {
            self.digits.clear();
            self.trim();
            return;
        }
        let keep = keep as usize;
        if keep >= self.digits.len() {
            return;
        }
        let up = self.digits[keep] >= b'5';
        self.digits.truncate(keep);
        if up {
            let mut i = keep;
            loop {
                if i == 0 {
                    self.digits.insert(0, b'1');
                    self.point += 1;
                    break;
                }
                i -= 1;
                if self.digits[i] == b'9' {
                    self.digits[i] = b'0';
                } else {
                    self.digits[i] += 1;
                    break;
                }
            }
        }
        self.trim();
    }

    /// The digits before the point ("" for a value below one).
    pub(crate) fn integer(&self) -> String {
        (0..self.point.max(0))
            .map(|i| char::from(*self.digits.get(i as usize).unwrap_or(&b'0')))
            .collect()
    }

    /// The digits after the point, `places` of them (zero-padded).
    pub(crate) fn fraction(&self, places: usize) -> String {
        (0..places as i64)
            .map(|i| {
                let index = self.point + i;
                if index < 0 {
                    '0'
                } else {
                    char::from(*self.digits.get(index as usize).unwrap_or(&b'0'))
                }
            })
            .collect()
    }
}

fn group(integer: &str, separator: &str) -> String {
    let mut out = String::new();
    for (i, c) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// The largest precision specifier formatted (`F1000`).
const MAX_PRECISION: usize = 1000;

/// Formats `value` with a standard or custom numeric format.
fn format(value: &Num, pattern: &str, culture: &Culture) -> Result<String, String> {
    let mut chars = pattern.chars();
    let first = chars.next();
    let precision: Option<usize> = match chars.as_str() {
        "" => None,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) && digits.len() <= 9 => {
            digits.parse().ok()
        }
        _ => return custom::custom(value, pattern, culture),
    };
    let Some(letter) = first.filter(char::is_ascii_alphabetic) else {
        return custom::custom(value, pattern, culture);
    };
    if precision.is_some_and(|p| p > MAX_PRECISION) {
        // .NET accepts up to 999,999,999 and would build a string that long; an emulator that
        // any workflow can drive refuses instead.
        return Err(format!(
            "the precision in '{pattern}' is above {MAX_PRECISION}, which slotdrill does not format"
        ));
    }
    standard(value, letter, precision, culture)
}

/// Over 80 lines: one arm per standard format letter, each short.
fn standard(
    value: &Num,
    letter: char,
    precision: Option<usize>,
    culture: &Culture,
) -> Result<String, String> {
    let mut d = Digits::of(value);
    let fixed = |d: &mut Digits, places: usize, grouped: bool| {
        d.round_decimals(places as i64);
        let integer = d.integer();
        let integer = if integer.is_empty() {
            "0".to_owned()
        } else {
            integer
        };
        let mut out = if grouped {
            group(&integer, culture.group)
        } else {
            integer
        };
        if places > 0 {
            out.push_str(culture.decimal);
            out.push_str(&d.fraction(places));
        }
        out
    };
    let sign = |d: &Digits| if d.negative && !d.is_zero() { "-" } else { "" };
    Ok(match letter.to_ascii_uppercase() {
        'C' => {
            let text = fixed(&mut d, precision.unwrap_or(culture.currency_digits), true);
            let shape = if d.negative && !d.is_zero() {
                culture.currency_negative
            } else {
                culture.currency
            };
            shape.replace('n', &text)
        }
        'D' => {
            let Num::Int(i) = value else {
                return Err("format 'D' is only for integers".to_owned());
            };
            let digits = i.unsigned_abs().to_string();
            let width = precision.unwrap_or(0);
            format!("{}{digits:0>width$}", if *i < 0 { "-" } else { "" })
        }
        'X' => {
            let Num::Int(i) = value else {
                return Err("format 'X' is only for integers".to_owned());
            };
            let width = precision.unwrap_or(0);
            let hex = format!("{i:0width$X}");
            if letter == 'x' {
                hex.to_ascii_lowercase()
            } else {
                hex
            }
        }
        'F' => format!(
            "{}{}",
            sign(&d),
            fixed(&mut d, precision.unwrap_or(2), false)
        ),
        'N' => format!(
            "{}{}",
            sign(&d),
            fixed(&mut d, precision.unwrap_or(2), true)
        ),
        'P' => {
            d.point += 2;
            let text = fixed(&mut d, precision.unwrap_or(2), true);
            format!("{}{}", sign(&d), culture.percent.replace('n', &text))
        }
        'E' => {
            let places = precision.unwrap_or(6);
            exponential(&mut d, places, letter, 3, culture)
        }
        'G' | 'R' => {
            // Int64 shows up to 19 digits before switching to E notation, a double 15.
            let widest = if matches!(value, Num::Int(_)) { 19 } else { 15 };
            let precision = precision.filter(|_| !letter.eq_ignore_ascii_case(&'R'));
            general(&mut d, precision, widest, letter, culture)
        }
        _ => return Err(format!("'{letter}' is not a standard numeric format")),
    })
}

/// `d.ddddE+ddd`: `places` digits after the point, an exponent of at least `min_exp` digits.
fn exponential(d: &mut Digits, places: usize, letter: char, min_exp: usize, c: &Culture) -> String {
    let sign = if d.negative && !d.is_zero() { "-" } else { "" };
    d.round_at(places as i64 + 1);
    let exp = if d.is_zero() { 0 } else { d.point - 1 };
    let digits: String = (0..=places)
        .map(|i| char::from(*d.digits.get(i).unwrap_or(&b'0')))
        .collect();
    let (lead, rest) = digits.split_at(1);
    let mut out = format!("{sign}{lead}");
    if !rest.is_empty() {
        out.push_str(c.decimal);
        out.push_str(rest);
    }
    let e = if letter.is_ascii_lowercase() {
        'e'
    } else {
        'E'
    };
    let exp_sign = if exp < 0 { '-' } else { '+' };
    out.push_str(&format!("{e}{exp_sign}{:0min_exp$}", exp.unsigned_abs()));
    out
}

/// "G": fixed-point unless the exponent is below -5 or not below the precision.
fn general(
    d: &mut Digits,
    precision: Option<usize>,
    widest: usize,
    letter: char,
    c: &Culture,
) -> String {
    if let Some(p) = precision.filter(|&p| p > 0) {
        d.round_at(p as i64);
    }
    let significant = precision.filter(|&p| p > 0).unwrap_or(widest);
    let exp = d.point - 1;
    if !d.is_zero() && (exp < -4 || exp >= significant as i64) {
        let places = d.digits.len().saturating_sub(1);
        let e = if letter == 'g' { 'e' } else { 'E' };
        return exponential(d, places, e, 2, c);
    }
    let sign = if d.negative && !d.is_zero() { "-" } else { "" };
    let integer = d.integer();
    let places = (d.digits.len() as i64 - d.point).max(0) as usize;
    let mut out = format!("{sign}{}", if integer.is_empty() { "0" } else { &integer });
    if places > 0 {
        out.push_str(c.decimal);
        out.push_str(&d.fraction(places));
    }
    out
}
