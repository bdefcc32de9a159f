//! Reading timestamps: ISO 8601 (what the reference asks for: `2018-03-15T13:00:00Z`, with or
//! without an offset and fractions, or a date alone), the en-US shapes `DateTime.Parse` also
//! takes and the reference's examples use (`03/15/2018 12:00:00`, `Monday, January 1, 2018`,
//! RFC 1123), and `DateTime.ParseExact` with a custom pattern for `parseDateTime`.
//!
//! An offset (`Z`, `+05:00`) makes the result UTC (`Kind.Utc`, adjusted); without one the time
//! is a wall-clock time (`Kind.Unspecified`), printed by "o" without a suffix — as the
//! reference's `convertFromUtc`/`parseDateTime` results show.

use super::civil::{DateTime, Fields, Kind, TICKS_PER_MINUTE, days_from_civil, ticks_of};
use super::format::{DAYS, MONTHS, standard_pattern};

/// How a culture writes dates with digits only (`DateTime.Parse` with that culture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    /// en-US and the invariant culture: `M/d/yyyy`.
    MonthFirst,
    /// en-GB, fr-FR, …: `d/M/yyyy`.
    DayFirst,
    /// de-DE: `d.M.yyyy`.
    DayFirstDots,
}

/// Reads a timestamp the way the date functions' `timestamp` parameters do (en-US).
pub(crate) fn timestamp(text: &str) -> Result<DateTime, String> {
    lenient(text, DateOrder::MonthFirst)
}

/// `DateTime.Parse` for one of the cultures slotdrill knows.
pub(crate) fn lenient(text: &str, order: DateOrder) -> Result<DateTime, String> {
    let trimmed = text.trim();
    if let Some(dt) = iso8601(trimmed) {
        return Ok(dt);
    }
    let dates: &[&str] = match order {
        DateOrder::MonthFirst => &["M/d/yyyy", "yyyy/M/d", "M-d-yyyy"],
        DateOrder::DayFirst => &["d/M/yyyy", "yyyy/M/d"],
        DateOrder::DayFirstDots => &["d.M.yyyy", "yyyy/M/d"],
    };
    let words = [
        "MMMM d, yyyy",
        "MMMM d yyyy",
        "d MMMM yyyy",
        "dddd, MMMM d, yyyy",
        "dddd, d MMMM yyyy",
        "MMMM yyyy",
    ];
    let times = [
        "",
        " H:m",
        " H:m:s",
        " H:m:s.FFFFFFF",
        " h:m tt",
        " h:m:s tt",
        " h:m:s.FFFFFFF tt",
        " h tt",
    ];
    for date in dates.iter().chain(words.iter()) {
        for time in times {
            if let Some(dt) = exact(trimmed, &format!("{date}{time}")) {
                return Ok(dt);
            }
        }
    }
    // RFC 1123 ("r"): UTC by definition.
    if let Some(dt) = exact(trimmed, "ddd, d MMM yyyy H:m:s 'GMT'") {
        return Ok(DateTime {
            ticks: dt.ticks,
            kind: Kind::Utc,
        });
    }
    Err(format!(
        "the value provided for date time string '{text}' was not valid. The datetime string must match ISO 8601 format"
    ))
}

/// `yyyy-MM-dd[(T| )HH:mm[:ss[.fffffff…]]][Z|±HH[:mm]]`.
fn iso8601(text: &str) -> Option<DateTime> {
    let mut c = Cursor { s: text, pos: 0 };
    let year = c.digits(4, 4)?;
    c.literal("-")?;
    let month = c.digits(2, 2)?;
    c.literal("-")?;
    let day = c.digits(2, 2)?;
    let mut f = Fields {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        fraction: 0,
    };
    let mut round_up = false;
    if c.literal("T").or_else(|| c.literal(" ")).is_some() {
        f.hour = c.digits(2, 2)?;
        c.literal(":")?;
        f.minute = c.digits(2, 2)?;
        if c.literal(":").is_some() {
            f.second = c.digits(2, 2)?;
            if c.literal(".").or_else(|| c.literal(",")).is_some() {
                let start = c.pos;
                c.digits(1, usize::MAX)?;
                let digits = &text[start..c.pos];
                let seven = format!("{:0<7}", &digits[..digits.len().min(7)]);
                f.fraction = seven.parse().ok()?;
                round_up = digits.as_bytes().get(7).is_some_and(|d| *d >= b'5');
            }
        }
    }
    let mut ticks = ticks_of(&f)? + i64::from(round_up);
    let kind = if c.done() {
        Kind::Unspecified
    } else {
        ticks -= c.offset()?;
        Kind::Utc
    };
    c.done().then_some(())?;
    DateTime::new(ticks, kind)
}

/// A position in the text being parsed.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn done(&self) -> bool {
        self.pos == self.s.len()
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let n = self
            .rest()
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min || n > 18 {
            return None;
        }
        let value = self.rest()[..n].parse().ok()?;
        self.pos += n;
        Some(value)
    }

    fn literal(&mut self, lit: &str) -> Option<()> {
        self.rest().starts_with(lit).then(|| self.pos += lit.len())
    }

    /// `Z`, `±HH`, `±HHmm` or `±HH:mm`, as ticks east of UTC.
    fn offset(&mut self) -> Option<i64> {
        if self.literal("Z").is_some() {
            return Some(0);
        }
        let sign = match self.rest().as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.pos += 1;
        let hours = self.digits(2, 2)?;
        self.literal(":");
        let minutes = self.digits(2, 2).unwrap_or(0);
        (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes) * TICKS_PER_MINUTE)
    }

    /// One of `names` (case-insensitive), longest first; its index.
    fn name(&mut self, names: &[&str]) -> Option<usize> {
        let rest = self.rest().to_ascii_lowercase();
        let mut found: Option<(usize, usize)> = None;
        for (i, name) in names.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            if rest.starts_with(&lower) && found.is_none_or(|(_, len)| lower.len() > len) {
                found = Some((i, lower.len()));
            }
        }
        let (index, len) = found?;
        self.pos += len;
        Some(index)
    }
}

/// `DateTime.ParseExact(text, pattern, en-US)`; a one-character pattern is a standard format.
/// A pattern without a date part gives 0001-01-01 (.NET would take today's date).
/// Over 80 lines: one `match` over the pattern letters, as `format::custom` has.
pub(crate) fn exact(text: &str, pattern: &str) -> Option<DateTime> {
    let mut one = pattern.chars();
    let pattern = match (one.next(), one.next()) {
        (Some(c), None) => standard_pattern(c)?,
        _ => pattern,
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut c = Cursor { s: text, pos: 0 };
    let mut f = Fields {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        fraction: 0,
    };
    let (mut weekday, mut pm, mut offset) = (None, None, None);
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let n = chars[i..].iter().take_while(|&&x| x == ch).count();
        let mut used = n;
        match ch {
            'd' if n <= 2 => f.day = c.digits(n, 2)?,
            'd' => weekday = Some(c.name(&names(&DAYS, n))? % 7),
            'M' if n <= 2 => f.month = c.digits(n, 2)?,
            'M' => f.month = c.name(&names(&MONTHS, n))? as i64 % 12 + 1,
            'y' if n <= 2 => {
                let yy = c.digits(n, 2)?;
                f.year = if yy < 50 { 2000 + yy } else { 1900 + yy };
            }
            'y' => f.year = c.digits(n.min(4), n.max(4))?,
            'h' | 'H' => f.hour = c.digits(n.min(2), 2)?,
            'm' => f.minute = c.digits(n.min(2), 2)?,
            's' => f.second = c.digits(n.min(2), 2)?,
            'f' | 'F' if n <= 7 => {
                let start = c.pos;
                if ch == 'f' {
                    c.digits(n, n)?;
                } else {
                    // `F` digits are optional.
                    let _ = c.digits(1, n);
                }
                let digits = &text[start..c.pos];
                f.fraction = format!("{digits:0<7}").parse().ok()?;
            }
            't' => {
                let designators: &[&str] = if n == 1 { &["A", "P"] } else { &["AM", "PM"] };
                pm = Some(c.name(designators)? == 1);
            }
            'z' | 'K' => {
                if ch == 'K' {
                    used = 1;
                }
                match c.offset() {
                    Some(o) => offset = Some(o),
                    None if ch == 'K' => {}
                    None => return None,
                }
            }
            '\'' | '"' => {
                let end = chars[i + 1..].iter().position(|&x| x == ch)?;
                let lit: String = chars[i + 1..i + 1 + end].iter().collect();
                c.literal(&lit)?;
                used = end + 2;
            }
            '\\' => {
                c.literal(&chars.get(i + 1)?.to_string())?;
                used = 2;
            }
            '%' => used = 1,
            other => {
                used = 1;
                c.literal(&other.to_string())?;
            }
        }
        i += used;
    }
    if !c.done() {
        return None;
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&f.hour) {
            return None;
        }
        f.hour = f.hour % 12 + if pm { 12 } else { 0 };
    }
    let mut ticks = ticks_of(&f)?;
    if weekday.is_some_and(|w| w as i64 != (days_from_civil(f.year, f.month, f.day) + 1) % 7) {
        return None;
    }
    let kind = match offset {
        Some(o) => {
            ticks -= o;
            Kind::Utc
        }
        None => Kind::Unspecified,
    };
    DateTime::new(ticks, kind)
}

/// Full names for `dddd`/`MMMM` (abbreviations accepted too, as `DateTime.Parse` does), or the
/// three-letter abbreviations for `ddd`/`MMM`.
fn names(full: &[&'static str], n: usize) -> Vec<&'static str> {
    let short = full.iter().map(|name| &name[..3]);
    if n == 3 {
        short.collect()
    } else {
        full.iter().copied().chain(short).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::format;
    use super::*;

    fn o(text: &str) -> String {
        let dt = timestamp(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        format(dt, "o").expect("o")
    }

    #[test]
    fn iso_8601_with_and_without_offsets() {
        assert_eq!(o("2018-03-15T13:00:00Z"), "2018-03-15T13:00:00.0000000Z");
        assert_eq!(o("2018-03-15T13:00:00"), "2018-03-15T13:00:00.0000000");
        assert_eq!(o("2018-03-15"), "2018-03-15T00:00:00.0000000");
        assert_eq!(o("2018-03-15T13:00"), "2018-03-15T13:00:00.0000000");
        assert_eq!(
            o("2018-03-15T13:00:00.1234567+05:30"),
            "2018-03-15T07:30:00.1234567Z"
        );
        assert_eq!(
            o("2018-03-15T13:00:00.5-01"),
            "2018-03-15T14:00:00.5000000Z"
        );
        assert_eq!(
            o("2018-03-15 13:00:00.123456789Z"),
            "2018-03-15T13:00:00.1234568Z"
        );
    }

    #[test]
    fn en_us_shapes() {
        assert_eq!(o("03/15/2018 12:00:00"), "2018-03-15T12:00:00.0000000");
        assert_eq!(o("3/15/2018 1:05 PM"), "2018-03-15T13:05:00.0000000");
        assert_eq!(o("Monday, January 1, 2018"), "2018-01-01T00:00:00.0000000");
        assert_eq!(o("January 2018"), "2018-01-01T00:00:00.0000000");
        assert_eq!(
            o("Mon, 15 Jun 2009 13:45:30 GMT"),
            "2009-06-15T13:45:30.0000000Z"
        );
    }

    #[test]
    fn invalid_text_is_refused() {
        for bad in [
            "",
            "2018-13-01",
            "2018-02-29",
            "2018-01-01T80:00:00Z",
            "15/03/2018",
            "Tuesday, January 1, 2018",
            "2018-01-01T00:00:00+15:00",
            "tomorrow",
        ] {
            assert!(timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exact_patterns() {
        let dt = exact("10/20/2014 15h", "MM/dd/yyyy HH\\h").expect("parses");
        assert_eq!(
            format(dt, "o").as_deref(),
            Ok("2014-10-20T15:00:00.0000000")
        );
        assert!(exact("1/20/2014", "MM/dd/yyyy").is_none());
        let dt = exact("2014-10-20 +02:00", "yyyy-MM-dd zzz").expect("offset");
        assert_eq!(
            format(dt, "o").as_deref(),
            Ok("2014-10-19T22:00:00.0000000Z")
        );
    }
}
