//! Virtual time: every latency, timeout, cold start, retry interval and run timestamp is counted
//! on the estate's virtual clock, so drills are deterministic and take no real time. Timestamps
//! are shown as RFC 3339 instants counted from a fixed epoch.

use slotdrill_model::Timestamp;

/// The instant virtual time 0 stands for: 2026-01-01T00:00:00Z.
const EPOCH_DAYS: i64 = 20_454;

/// `2026-01-01T00:00:01.500Z` for `Timestamp(1500)`.
pub fn rfc3339(at: Timestamp) -> String {
    let millis = at.millis();
    let seconds = millis / 1000;
    let days = EPOCH_DAYS + (seconds / 86_400) as i64;
    let (year, month, day) = civil_from_days(days);
    let rem = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// `Thu, 01 Jan 2026 00:00:01 GMT` for `Timestamp(1500)`: RFC 1123 (IMF-fixdate), the form of
/// the `Date` header every ARM answer carries (azure-swap-facts §5).
pub fn rfc1123(at: Timestamp) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let seconds = at.millis() / 1000;
    let days = EPOCH_DAYS + (seconds / 86_400) as i64;
    let (year, month, day) = civil_from_days(days);
    let rem = seconds % 86_400;
    // Day 0 of the Unix epoch (1970-01-01) was a Thursday.
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(month as usize).saturating_sub(1).min(11)];
    format!(
        "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The virtual time of an RFC 3339 UTC instant (`2026-01-01T00:00:01.5Z`, fraction optional);
/// `None` for anything else or an instant before virtual time 0.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let text = text.strip_suffix('Z').or_else(|| text.strip_suffix('z'))?;
    let (date, time) = text.split_once(['T', 't'])?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm, the inverse of `civil_from_days`).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468 - EPOCH_DAYS;
    let total = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
    u64::try_from(total).ok().map(Timestamp)
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses an ISO 8601 duration such as `PT2M`, `PT7.5S`, `P1DT2H` into milliseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0f64;
    for (part, units) in [
        (date, &[('D', 86_400_000f64), ('W', 604_800_000f64)][..]),
        (
            time,
            &[('H', 3_600_000f64), ('M', 60_000f64), ('S', 1000f64)][..],
        ),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let unit = units.iter().find(|(u, _)| *u == c)?.1;
                total += number.parse::<f64>().ok()? * unit;
                number.clear();
            }
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_later_instants() {
        assert_eq!(rfc3339(Timestamp(0)), "2026-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(Timestamp(1500)), "2026-01-01T00:00:01.500Z");
        assert_eq!(
            rfc3339(Timestamp(86_400_000 * 59 + 3_723_004)),
            "2026-03-01T01:02:03.004Z"
        );
    }

    #[test]
    fn rfc3339_instants_read_back() {
        for millis in [0, 1_500, 86_400_000 * 400 + 3_723_004] {
            let at = Timestamp(millis);
            assert_eq!(parse_rfc3339(&rfc3339(at)), Some(at));
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:02Z"),
            Some(Timestamp(2_000))
        );
        assert_eq!(parse_rfc3339("2025-12-31T23:59:59Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(rfc1123(Timestamp(1500)), "Thu, 01 Jan 2026 00:00:01 GMT");
        assert_eq!(
            rfc1123(Timestamp(86_400_000 * 59 + 3_723_004)),
            "Sun, 01 Mar 2026 01:02:03 GMT"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT2M"), Some(120_000));
        assert_eq!(parse_duration("PT7.5S"), Some(7_500));
        assert_eq!(parse_duration("P1DT1H"), Some(90_000_000));
        assert_eq!(parse_duration("PT"), Some(0));
        assert_eq!(parse_duration("2 minutes"), None);
        assert_eq!(parse_duration("PT5X"), None);
    }
}
