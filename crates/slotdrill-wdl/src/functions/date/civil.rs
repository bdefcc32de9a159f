//! .NET's `DateTime` as Logic Apps uses it: a count of 100-nanosecond ticks since
//! 0001-01-01T00:00:00 plus a kind (`Utc` when the text named an offset or `Z`, `Unspecified`
//! otherwise), and the proleptic Gregorian calendar arithmetic the other date modules share.

/// Ticks in one second, minute, hour and day.
pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
pub(crate) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub(crate) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999.
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// Ticks of 1970-01-01T00:00:00, the Unix epoch.
pub(crate) const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Whether a timestamp named its offset (`Kind.Utc` after adjusting) or not (`Unspecified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Z` or an offset was given; the ticks are UTC and "o" ends in `Z`.
    Utc,
    /// No offset: a wall-clock time; "o" has no suffix.
    Unspecified,
}

/// A .NET `DateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateTime {
    /// 100-ns ticks since 0001-01-01, within `0..=MAX_TICKS`.
    pub(crate) ticks: i64,
    /// See [`Kind`].
    pub(crate) kind: Kind,
}

/// The calendar fields of a `DateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fields {
    pub(crate) year: i64,
    pub(crate) month: i64,
    pub(crate) day: i64,
    pub(crate) hour: i64,
    pub(crate) minute: i64,
    pub(crate) second: i64,
    /// Ticks within the second, `0..10_000_000`.
    pub(crate) fraction: i64,
}

impl DateTime {
    /// A `DateTime` if `ticks` is within .NET's range.
    pub(crate) fn new(ticks: i64, kind: Kind) -> Option<DateTime> {
        (0..=MAX_TICKS)
            .contains(&ticks)
            .then_some(DateTime { ticks, kind })
    }

    /// The calendar fields.
    pub(crate) fn fields(self) -> Fields {
        let days = self.ticks.div_euclid(TICKS_PER_DAY);
        let in_day = self.ticks.rem_euclid(TICKS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            hour: in_day / TICKS_PER_HOUR,
            minute: in_day % TICKS_PER_HOUR / TICKS_PER_MINUTE,
            second: in_day % TICKS_PER_MINUTE / TICKS_PER_SECOND,
            fraction: in_day % TICKS_PER_SECOND,
        }
    }

    /// Sunday is 0, as `DayOfWeek` numbers it (0001-01-01 was a Monday).
    pub(crate) fn day_of_week(self) -> i64 {
        (self.ticks.div_euclid(TICKS_PER_DAY) + 1) % 7
    }

    /// 1 for January 1st.
    pub(crate) fn day_of_year(self) -> i64 {
        let f = self.fields();
        self.ticks.div_euclid(TICKS_PER_DAY) - days_from_civil(f.year, 1, 1) + 1
    }

    /// Adds ticks; `None` outside .NET's range (where .NET throws).
    pub(crate) fn plus_ticks(self, delta: i64) -> Option<DateTime> {
        DateTime::new(self.ticks.checked_add(delta)?, self.kind)
    }

    /// `AddMonths`: the day is clamped to the new month's length.
    pub(crate) fn plus_months(self, months: i64) -> Option<DateTime> {
        if months.abs() > 120_000 {
            return None;
        }
        let f = self.fields();
        let index = f.year * 12 + (f.month - 1) + months;
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        if !(1..=9999).contains(&year) {
            return None;
        }
        let day = f.day.min(days_in_month(year, month));
        let date = days_from_civil(year, month, day) * TICKS_PER_DAY;
        DateTime::new(date + self.ticks.rem_euclid(TICKS_PER_DAY), self.kind)
    }
}

/// Ticks of a date and time, `None` if any field is out of range.
pub(crate) fn ticks_of(f: &Fields) -> Option<i64> {
    let valid = (1..=9999).contains(&f.year)
        && (1..=12).contains(&f.month)
        && f.day >= 1
        && f.day <= days_in_month(f.year, f.month)
        && (0..24).contains(&f.hour)
        && (0..60).contains(&f.minute)
        && (0..60).contains(&f.second)
        && (0..TICKS_PER_SECOND).contains(&f.fraction);
    valid.then(|| {
        days_from_civil(f.year, f.month, f.day) * TICKS_PER_DAY
            + f.hour * TICKS_PER_HOUR
            + f.minute * TICKS_PER_MINUTE
            + f.second * TICKS_PER_SECOND
            + f.fraction
    })
}

pub(crate) fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 0001-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm, shifted
/// from the Unix epoch).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + UNIX_EPOCH_TICKS / TICKS_PER_DAY
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days - UNIX_EPOCH_TICKS / TICKS_PER_DAY + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The n-th (1–4, 5 = last) `weekday` (0 = Sunday) of a month, as a day of the month: how
/// Windows time zones state their daylight saving transitions.
pub(crate) fn nth_weekday(year: i64, month: i64, week: i64, weekday: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    let first_weekday = (first + 1) % 7;
    let mut day = 1 + (weekday - first_weekday).rem_euclid(7) + (week - 1) * 7;
    while day > days_in_month(year, month) {
        day -= 7;
    }
    day
}

/// A `TimeSpan` as its "c" format writes it: `[-][d.]hh:mm:ss[.fffffff]`.
pub(crate) fn time_span(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND.unsigned_abs();
    let day = TICKS_PER_DAY.unsigned_abs();
    let days = t / day;
    let rest = t % day;
    let (h, m, s, f) = (
        rest / (3600 * tps),
        rest / (60 * tps) % 60,
        rest / tps % 60,
        rest % tps,
    );
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if f > 0 {
        out.push_str(&format!(".{f:07}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_round_trips_over_the_whole_range() {
        for days in (0..=MAX_TICKS / TICKS_PER_DAY).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1, 1, 1), 0);
        assert_eq!(civil_from_days(MAX_TICKS / TICKS_PER_DAY), (9999, 12, 31));
    }

    #[test]
    fn nth_weekday_finds_us_and_eu_transitions() {
        // 2018: US DST began Sunday March 11 and ended Sunday November 4; the EU's began March 25.
        assert_eq!(nth_weekday(2018, 3, 2, 0), 11);
        assert_eq!(nth_weekday(2018, 11, 1, 0), 4);
        assert_eq!(nth_weekday(2018, 3, 5, 0), 25);
    }

    #[test]
    fn time_spans_print_as_dotnet_c_format() {
        assert_eq!(time_span(10 * TICKS_PER_DAY), "10.00:00:00");
        assert_eq!(time_span(-TICKS_PER_HOUR), "-01:00:00");
        assert_eq!(time_span(TICKS_PER_SECOND / 2), "00:00:00.5000000");
    }
}
