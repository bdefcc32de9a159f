//! ARM timestamps as milliseconds since the epoch: the `HistoryMark`s of runs and swaps, and the
//! `Date` header ARM answers with (RFC 1123), which is the same clock.

/// Milliseconds since the epoch of an ARM UTC timestamp (`2026-11-26T10:00:00.1234567Z`); `None`
/// for anything else, so diagnosis falls back to counting the run.
pub(crate) fn epoch_millis(text: &str) -> Option<u64> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<u64>);
    let (hour, minute, second) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    let millis: u64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Milliseconds since the epoch of an HTTP date in its preferred form (IMF-fixdate, which is
/// RFC 1123's: `Thu, 28 Jul 2022 08:31:56 GMT`); `None` for anything else.
pub(crate) fn http_date_millis(text: &str) -> Option<u64> {
    let mut parts = text.trim().split_ascii_whitespace();
    let (_weekday, day, month, year, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if zone != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let day: u32 = day.parse().ok()?;
    let year: u32 = year.parse().ok()?;
    if !(1..=31).contains(&day) || time.len() != 8 {
        return None;
    }
    epoch_millis(&format!("{year:04}-{month:02}-{day:02}T{time}Z"))
}

#[cfg(test)]
mod tests {
    use super::{epoch_millis, http_date_millis};

    #[test]
    fn http_dates_become_epoch_millis_on_the_same_clock() {
        assert_eq!(
            http_date_millis("Thu, 26 Nov 2026 10:00:00 GMT"),
            epoch_millis("2026-11-26T10:00:00Z")
        );
        assert_eq!(
            http_date_millis("Thu, 01 Jan 1970 00:00:01 GMT"),
            Some(1000)
        );
        for odd in [
            "Thursday, 26-Nov-26 10:00:00 GMT",
            "Thu Nov 26 10:00:00 2026",
            "Thu, 26 Nov 2026 10:00:00 +0100",
            "Thu, 26 Foo 2026 10:00:00 GMT",
            "Thu, 26 Nov 2026 10:00 GMT",
            "",
        ] {
            assert_eq!(http_date_millis(odd), None, "{odd}");
        }
    }

    #[test]
    fn arm_timestamps_become_epoch_millis() {
        assert_eq!(epoch_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            epoch_millis("2026-11-26T10:00:00.1234567Z"),
            Some(1_795_687_200_123)
        );
        assert_eq!(
            epoch_millis("2000-03-01T00:00:01.5Z"),
            Some(951_868_801_500)
        );
        assert!(epoch_millis("2026-11-26T10:00:00.1Z") > epoch_millis("2026-11-26T10:00:00Z"));
        assert_eq!(epoch_millis("yesterday"), None);
    }
}
