//! Custom numeric format strings (`"#,##0.00"`, `"(###) ###-####"`, `"0.0%"`, `"0.00E+00"`,
//! `"#;(#);zero"`), as .NET's `NumberFormatter` lays digits into the pattern: integer digits fill
//! the placeholders from the right (extra digits go to the first one), literals stay where they
//! are, and a `,` between placeholders groups by thousands while `,` before the point divides
//! by 1000.

use super::{Culture, Digits, Num};

/// What one section of the pattern asks for.
#[derive(Debug, Default)]
struct Shape {
    /// Digit placeholders before the point.
    integer_places: usize,
    /// Integer digits always shown (from the first `0` to the point).
    min_integer: usize,
    /// Placeholders after the point, and how many of them are `0` (up to the last `0`).
    max_fraction: usize,
    min_fraction: usize,
    grouping: bool,
    /// Powers of ten the value is scaled by (`%` +2, `‰` +3, a scaling `,` -3).
    scale: i64,
    /// `E+00`: minimum exponent digits, if the pattern has an exponent.
    exponent_digits: Option<usize>,
}

/// Splits on `;` outside quotes and escapes.
fn sections(pattern: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote = None;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let current = out.last_mut().expect("at least one section");
        match (quote, c) {
            (None, ';') => {
                out.push(String::new());
                continue;
            }
            (None, '\\') => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            _ => {}
        }
        current.push(c);
    }
    out
}

/// Reads the section's placeholders. Quoted text and escapes are skipped.
fn shape(section: &[char]) -> Shape {
    let mut s = Shape::default();
    let mut seen_point = false;
    let mut first_zero = None;
    let mut pending_commas = 0;
    let mut i = 0;
    while i < section.len() {
        let c = section[i];
        match c {
            '0' | '#' => {
                if pending_commas > 0 && !seen_point && s.integer_places > 0 {
                    s.grouping = true;
                }
                pending_commas = 0;
                if seen_point {
                    s.max_fraction += 1;
                    if c == '0' {
                        s.min_fraction = s.max_fraction;
                    }
                } else {
                    if c == '0' && first_zero.is_none() {
                        first_zero = Some(s.integer_places);
                    }
                    s.integer_places += 1;
                }
            }
            ',' if !seen_point && s.integer_places > 0 => pending_commas += 1,
            '.' if !seen_point => {
                s.scale -= 3 * pending_commas;
                pending_commas = 0;
                seen_point = true;
            }
            '%' => s.scale += 2,
            '‰' => s.scale += 3,
            'E' | 'e' if s.exponent_digits.is_none() => {
                let mut j = i + 1;
                if matches!(section.get(j), Some('+' | '-')) {
                    j += 1;
                }
                let zeros = section[j..].iter().take_while(|&&x| x == '0').count();
                if zeros > 0 {
                    s.exponent_digits = Some(zeros);
                    i = j + zeros;
                    continue;
                }
            }
            '\\' => i += 1,
            '\'' | '"' => {
                i += section[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .map_or(section.len(), |p| p + 1);
            }
            _ => {}
        }
        i += 1;
    }
    if !seen_point {
        s.scale -= 3 * pending_commas;
    }
    s.min_integer = first_zero.map_or(0, |z| s.integer_places - z);
    s
}

/// Formats `value` with a custom pattern.
pub(super) fn custom(value: &Num, pattern: &str, culture: &Culture) -> Result<String, String> {
    let sections = sections(pattern);
    if sections.len() > 3 {
        return Err(format!("'{pattern}' has more than three sections"));
    }
    let original = Digits::of(value);
    let pick = if original.negative && sections.len() >= 2 && !sections[1].is_empty() {
        1
    } else if original.is_zero() && sections.len() == 3 && !sections[2].is_empty() {
        2
    } else {
        0
    };
    let section: Vec<char> = sections[pick].chars().collect();
    let s = shape(&section);
    let mut d = original;
    d.point += s.scale;
    let mut exponent = 0;
    if s.exponent_digits.is_some() && !d.is_zero() {
        let lead = s.integer_places.max(1) as i64;
        exponent = d.point - lead;
        d.point = lead;
    }
    d.round_decimals(s.max_fraction as i64);
    let mut fraction = d.fraction(s.max_fraction);
    while fraction.len() > s.min_fraction && fraction.ends_with('0') {
        fraction.pop();
    }
    let integer = d.integer().trim_start_matches('0').to_owned();
    let integer = format!("{integer:0>width$}", width = s.min_integer);
    let mut out = String::new();
    if pick == 0 && d.negative && !d.is_zero() {
        out.push('-');
    }
    lay_out(
        &section, &s, &integer, &fraction, exponent, culture, &mut out,
    );
    Ok(out)
}

/// Writes the section with the digits in place of the placeholders.
fn lay_out(
    section: &[char],
    s: &Shape,
    integer: &str,
    fraction: &str,
    exponent: i64,
    culture: &Culture,
    out: &mut String,
) {
    let digits: Vec<char> = integer.chars().collect();
    let len = digits.len() as i64;
    let places = s.integer_places as i64;
    let emit_digit = |j: i64, out: &mut String| {
        out.push(digits[j as usize]);
        let from_right = len - 1 - j;
        if s.grouping && from_right > 0 && from_right % 3 == 0 {
            out.push_str(culture.group);
        }
    };
    let (mut k, mut f, mut seen_point) = (0i64, 0usize, false);
    let mut i = 0;
    while i < section.len() {
        let c = section[i];
        match c {
            '0' | '#' if !seen_point => {
                let mapped = k - (places - len);
                let from = if k == 0 { 0 } else { mapped };
                for j in from.max(0)..=mapped {
                    emit_digit(j, out);
                }
                k += 1;
            }
            '0' | '#' => {
                if let Some(digit) = fraction.chars().nth(f) {
                    out.push(digit);
                }
                f += 1;
            }
            '.' if !seen_point => {
                seen_point = true;
                if !fraction.is_empty() {
                    out.push_str(culture.decimal);
                }
            }
            '.' | ',' => {}
            'E' | 'e' if s.exponent_digits.is_some() => {
                let mut j = i + 1;
                let always_sign = section.get(j) == Some(&'+');
                if matches!(section.get(j), Some('+' | '-')) {
                    j += 1;
                }
                let zeros = section[j..].iter().take_while(|&&x| x == '0').count();
                out.push(c);
                if exponent < 0 {
                    out.push('-');
                } else if always_sign {
                    out.push('+');
                }
                out.push_str(&format!("{:0zeros$}", exponent.unsigned_abs()));
                i = j + zeros;
                continue;
            }
            '\\' => {
                if let Some(next) = section.get(i + 1) {
                    out.push(*next);
                }
                i += 1;
            }
            '\'' | '"' => {
                let end = section[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .map_or(section.len(), |p| i + 1 + p);
                out.extend(&section[i + 1..end]);
                i = end;
            }
            other => out.push(other),
        }
        i += 1;
    }
}
