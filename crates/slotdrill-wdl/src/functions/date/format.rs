//! `DateTime.ToString(format, en-US)`: the standard format specifiers (`o`, `s`, `u`, `d`, `D`,
//! `f`, `F`, `g`, `G`, `m`, `M`, `r`, `R`, `t`, `T`, `U`, `y`, `Y`) and custom patterns (`yyyy`,
//! `MM`, `dd`, `HH`, `hh`, `mm`, `ss`, `f…`, `F…`, `tt`, `z…`, `K`, `g`, `'literal'`, `\c`,
//! `%c`).
//!
//! The culture is en-US, not the invariant culture: the reference's own examples print `'D'` as
//! "Tuesday, January 2, 2018" (en-US `dddd, MMMM d, yyyy`; the invariant culture would give
//! "Tuesday, 02 January 2018"). Azure's hosts run in UTC, so `z`, `zz`, `zzz` print `+00:00`.

use super::civil::{DateTime, Kind};

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(crate) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The pattern a standard (one-character) format stands for in en-US (`U` would convert a
/// local time to UTC first; every time here is already UTC or wall-clock, so it prints as `F`).
pub(crate) fn standard_pattern(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "M/d/yyyy",
        'D' => "dddd, MMMM d, yyyy",
        'f' => "dddd, MMMM d, yyyy h:mm tt",
        'F' | 'U' => "dddd, MMMM d, yyyy h:mm:ss tt",
        'g' => "M/d/yyyy h:mm tt",
        'G' => "M/d/yyyy h:mm:ss tt",
        'm' | 'M' => "MMMM d",
        'o' | 'O' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        'r' | 'R' => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        's' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        't' => "h:mm tt",
        'T' => "h:mm:ss tt",
        'u' => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        'y' | 'Y' => "MMMM yyyy",
        _ => return None,
    })
}

/// Formats `dt` as .NET would with `format` (empty means "o" here: the reference's default).
pub(crate) fn format(dt: DateTime, format: &str) -> Result<String, String> {
    let mut chars = format.chars();
    match (chars.next(), chars.next()) {
        (None, _) => custom(dt, standard_pattern('o').unwrap_or_default()),
        (Some(c), None) => match standard_pattern(c) {
            Some(pattern) => custom(dt, pattern),
            None => Err(format!(
                "'{format}' is not a standard date and time format specifier"
            )),
        },
        _ => custom(dt, format),
    }
}

/// How many times `c` repeats from `chars[i]`.
fn run(chars: &[char], i: usize, c: char) -> usize {
    chars[i..].iter().take_while(|&&x| x == c).count()
}

fn pad(out: &mut String, value: i64, width: usize) {
    out.push_str(&format!("{value:0width$}"));
}

/// Formats with a custom pattern. Over 80 lines because it is one `match` over the pattern
/// letters, each arm a line or two, in the order .NET's documentation lists them.
pub(crate) fn custom(dt: DateTime, pattern: &str) -> Result<String, String> {
    let f = dt.fields();
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let n = run(&chars, i, c);
        let mut used = n;
        match c {
            'd' => match n {
                1 | 2 => pad(&mut out, f.day, n),
                3 => out.push_str(&DAYS[dt.day_of_week() as usize][..3]),
                _ => out.push_str(DAYS[dt.day_of_week() as usize]),
            },
            'M' => match n {
                1 | 2 => pad(&mut out, f.month, n),
                3 => out.push_str(&MONTHS[(f.month - 1) as usize][..3]),
                _ => out.push_str(MONTHS[(f.month - 1) as usize]),
            },
            'y' => match n {
                1 => pad(&mut out, f.year % 100, 1),
                2 => pad(&mut out, f.year % 100, 2),
                _ => pad(&mut out, f.year, n),
            },
            'h' => pad(&mut out, (f.hour + 11) % 12 + 1, n.min(2)),
            'H' => pad(&mut out, f.hour, n.min(2)),
            'm' => pad(&mut out, f.minute, n.min(2)),
            's' => pad(&mut out, f.second, n.min(2)),
            'f' | 'F' => {
                if n > 7 {
                    return Err("a custom format may have at most seven 'f' or 'F'".to_owned());
                }
                let digits = format!("{:07}", f.fraction);
                let digits = &digits[..n];
                if c == 'f' {
                    out.push_str(digits);
                } else {
                    let trimmed = digits.trim_end_matches('0');
                    if trimmed.is_empty() && out.ends_with('.') {
                        // .NET drops the decimal point before an all-zero `F` fraction.
                        out.pop();
                    }
                    out.push_str(trimmed);
                }
            }
            't' => {
                let designator = if f.hour < 12 { "AM" } else { "PM" };
                out.push_str(if n == 1 { &designator[..1] } else { designator });
            }
            'z' => {
                // Azure runs in UTC: the local offset is zero.
                out.push_str(match n {
                    1 => "+0",
                    2 => "+00",
                    _ => "+00:00",
                });
            }
            'K' => {
                used = 1;
                if dt.kind == Kind::Utc {
                    out.push('Z');
                }
            }
            'g' => out.push_str("A.D."),
            ':' => {
                used = 1;
                out.push(':');
            }
            '/' => {
                used = 1;
                out.push('/');
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .ok_or_else(|| format!("unterminated quoted string in '{pattern}'"))?;
                out.extend(&chars[i + 1..i + 1 + end]);
                used = end + 2;
            }
            '\\' => {
                let next = chars
                    .get(i + 1)
                    .ok_or_else(|| format!("'{pattern}' ends with an escape character"))?;
                out.push(*next);
                used = 2;
            }
            '%' => {
                // `%c` is the custom specifier `c` on its own; `%%` is an error in .NET.
                match chars.get(i + 1) {
                    Some(&next) if next != '%' => {
                        out.push_str(&custom(dt, &next.to_string())?);
                        used = 2;
                    }
                    _ => return Err(format!("'{pattern}' has a misplaced '%'")),
                }
            }
            other => {
                used = 1;
                out.push(other);
            }
        }
        i += used;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::civil::{Fields, ticks_of};
    use super::*;

    /// A `DateTime` from `[year, month, day, hour, minute, second, ticks of the second]`.
    fn at(parts: [i64; 7], kind: Kind) -> DateTime {
        let [year, month, day, hour, minute, second, fraction] = parts;
        let fields = Fields {
            year,
            month,
            day,
            hour,
            minute,
            second,
            fraction,
        };
        DateTime {
            ticks: ticks_of(&fields).expect("valid"),
            kind,
        }
    }

    #[test]
    fn standard_formats_print_as_dotnet_en_us() {
        let dt = at([2009, 6, 15, 13, 45, 30, 900_000], Kind::Utc);
        let cases = [
            ("d", "6/15/2009"),
            ("D", "Monday, June 15, 2009"),
            ("f", "Monday, June 15, 2009 1:45 PM"),
            ("F", "Monday, June 15, 2009 1:45:30 PM"),
            ("g", "6/15/2009 1:45 PM"),
            ("G", "6/15/2009 1:45:30 PM"),
            ("M", "June 15"),
            ("o", "2009-06-15T13:45:30.0900000Z"),
            ("R", "Mon, 15 Jun 2009 13:45:30 GMT"),
            ("s", "2009-06-15T13:45:30"),
            ("t", "1:45 PM"),
            ("T", "1:45:30 PM"),
            ("u", "2009-06-15 13:45:30Z"),
            ("U", "Monday, June 15, 2009 1:45:30 PM"),
            ("Y", "June 2009"),
        ];
        for (spec, expected) in cases {
            assert_eq!(format(dt, spec).as_deref(), Ok(expected), "{spec}");
        }
        assert!(format(dt, "Q").is_err());
    }

    #[test]
    fn custom_patterns_follow_dotnet_rules() {
        let dt = at([2009, 6, 1, 0, 5, 7, 1_230_000], Kind::Unspecified);
        let cases = [
            ("yyyy-MM-dd HH:mm:ss", "2009-06-01 00:05:07"),
            ("y yy yyy yyyyy", "9 09 2009 02009"),
            ("h hh tt t", "12 12 AM A"),
            ("ss.FFFFFFF", "07.123"),
            ("ss.fff", "07.123"),
            ("HH:mm:ss.FF", "00:05:07.12"),
            ("'at' H\\h", "at 0h"),
            ("%d", "1"),
            ("ddd dddd MMM MMMM", "Mon Monday Jun June"),
            ("zzz K", "+00:00 "),
            ("\"quoted\" g", "quoted A.D."),
        ];
        for (pattern, expected) in cases {
            assert_eq!(format(dt, pattern).as_deref(), Ok(expected), "{pattern}");
        }
        let whole = at([2009, 6, 1, 0, 5, 7, 0], Kind::Utc);
        assert_eq!(format(whole, "ss.FFF K").as_deref(), Ok("07 Z"));
        assert!(format(dt, "ffffffff").is_err());
        assert!(format(dt, "'open").is_err());
    }
}
