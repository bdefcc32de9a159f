//! Windows time zones by their IDs ("Pacific Standard Time"), as `TimeZoneInfo` on Azure's
//! Windows hosts knows them: a standard offset and, for zones that observe it, the daylight
//! saving rule Windows states as "the n-th weekday of a month at a local time".
//!
//! A compiled-in subset (the zones most workflows name); any other ID is refused with an error
//! that names it. Each zone applies its *current* rule to every year: Windows also keeps
//! historical adjustment rules (the US rule before 2007, Brazil's DST before 2019, …), which are
//! not modelled — see docs/fidelity.md.
//!
//! Sources: Microsoft Learn "Default Time Zones" (the IDs and offsets) and the registry rules
//! Windows ships (`HKLM\…\Time Zones\<id>\TZI`), as documented for each region's law: US
//! (second Sunday of March 2:00 → first Sunday of November 2:00), EU (last Sunday of March
//! 01:00 UTC → last Sunday of October 01:00 UTC), Australia (first Sunday of October 2:00 →
//! first Sunday of April 3:00), New Zealand (last Sunday of September 2:00 → first Sunday of
//! April 3:00).

use super::civil::{DateTime, Kind, TICKS_PER_DAY, TICKS_PER_MINUTE, days_from_civil, nth_weekday};

/// A daylight saving transition: the `week`-th (5 = last) `weekday` (0 = Sunday) of `month`,
/// at `minute` of the local day (standard time for the start, daylight time for the end).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transition {
    month: i64,
    week: i64,
    weekday: i64,
    minute: i64,
}

/// Daylight saving: one hour ahead between `start` and `end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    start: Transition,
    end: Transition,
}

/// One Windows time zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Zone {
    /// The Windows ID.
    pub(crate) id: &'static str,
    /// Minutes east of UTC in standard time.
    offset: i64,
    rule: Option<Rule>,
}

const fn at(month: i64, week: i64, weekday: i64, hour: i64) -> Transition {
    Transition {
        month,
        week,
        weekday,
        minute: hour * 60,
    }
}

const US: Option<Rule> = Some(Rule {
    start: at(3, 2, 0, 2),
    end: at(11, 1, 0, 2),
});
/// The EU switches at 01:00 UTC everywhere, so the local hour depends on the zone.
const fn eu(utc_offset_hours: i64) -> Option<Rule> {
    Some(Rule {
        start: at(3, 5, 0, 1 + utc_offset_hours),
        end: at(10, 5, 0, 2 + utc_offset_hours),
    })
}
const AUSTRALIA: Option<Rule> = Some(Rule {
    start: at(10, 1, 0, 2),
    end: at(4, 1, 0, 3),
});
const NEW_ZEALAND: Option<Rule> = Some(Rule {
    start: at(9, 5, 0, 2),
    end: at(4, 1, 0, 3),
});
const LEBANON: Option<Rule> = Some(Rule {
    start: at(3, 5, 0, 0),
    end: at(10, 5, 0, 0),
});

const fn zone(id: &'static str, offset: i64, rule: Option<Rule>) -> Zone {
    Zone { id, offset, rule }
}

/// The zones slotdrill knows, by Windows ID.
pub(crate) const ZONES: &[Zone] = &[
    zone("UTC", 0, None),
    zone("Dateline Standard Time", -720, None),
    zone("UTC-11", -660, None),
    zone("Hawaiian Standard Time", -600, None),
    zone("Aleutian Standard Time", -600, US),
    zone("Marquesas Standard Time", -570, None),
    zone("Alaskan Standard Time", -540, US),
    zone("UTC-09", -540, None),
    zone("Pacific Standard Time (Mexico)", -480, US),
    zone("UTC-08", -480, None),
    zone("Pacific Standard Time", -480, US),
    zone("US Mountain Standard Time", -420, None),
    zone("Mountain Standard Time", -420, US),
    zone("Yukon Standard Time", -420, None),
    zone("Central America Standard Time", -360, None),
    zone("Central Standard Time", -360, US),
    zone("Canada Central Standard Time", -360, None),
    zone("SA Pacific Standard Time", -300, None),
    zone("Eastern Standard Time (Mexico)", -300, None),
    zone("Eastern Standard Time", -300, US),
    zone("Haiti Standard Time", -300, US),
    zone("US Eastern Standard Time", -300, US),
    zone("Turks And Caicos Standard Time", -300, US),
    zone("Atlantic Standard Time", -240, US),
    zone("Venezuela Standard Time", -240, None),
    zone("Central Brazilian Standard Time", -240, None),
    zone("SA Western Standard Time", -240, None),
    zone("Newfoundland Standard Time", -210, US),
    zone("Tocantins Standard Time", -180, None),
    zone("E. South America Standard Time", -180, None),
    zone("SA Eastern Standard Time", -180, None),
    zone("Argentina Standard Time", -180, None),
    zone("Montevideo Standard Time", -180, None),
    zone("Bahia Standard Time", -180, None),
    zone("Saint Pierre Standard Time", -180, US),
    zone("UTC-02", -120, None),
    zone("Azores Standard Time", -60, eu(-1)),
    zone("Cape Verde Standard Time", -60, None),
    zone("GMT Standard Time", 0, eu(0)),
    zone("Greenwich Standard Time", 0, None),
    zone("W. Europe Standard Time", 60, eu(1)),
    zone("Central Europe Standard Time", 60, eu(1)),
    zone("Romance Standard Time", 60, eu(1)),
    zone("Central European Standard Time", 60, eu(1)),
    zone("W. Central Africa Standard Time", 60, None),
    zone("GTB Standard Time", 120, eu(2)),
    zone("Middle East Standard Time", 120, LEBANON),
    zone("FLE Standard Time", 120, eu(2)),
    zone("South Africa Standard Time", 120, None),
    zone("Kaliningrad Standard Time", 120, None),
    zone("Sudan Standard Time", 120, None),
    zone("Libya Standard Time", 120, None),
    zone("Namibia Standard Time", 120, None),
    zone("Jordan Standard Time", 180, None),
    zone("Arabic Standard Time", 180, None),
    zone("Syria Standard Time", 180, None),
    zone("Turkey Standard Time", 180, None),
    zone("Arab Standard Time", 180, None),
    zone("Belarus Standard Time", 180, None),
    zone("Russian Standard Time", 180, None),
    zone("E. Africa Standard Time", 180, None),
    zone("Volgograd Standard Time", 180, None),
    zone("Iran Standard Time", 210, None),
    zone("Arabian Standard Time", 240, None),
    zone("Astrakhan Standard Time", 240, None),
    zone("Azerbaijan Standard Time", 240, None),
    zone("Russia Time Zone 3", 240, None),
    zone("Mauritius Standard Time", 240, None),
    zone("Saratov Standard Time", 240, None),
    zone("Georgian Standard Time", 240, None),
    zone("Caucasus Standard Time", 240, None),
    zone("Afghanistan Standard Time", 270, None),
    zone("West Asia Standard Time", 300, None),
    zone("Ekaterinburg Standard Time", 300, None),
    zone("Pakistan Standard Time", 300, None),
    zone("India Standard Time", 330, None),
    zone("Sri Lanka Standard Time", 330, None),
    zone("Nepal Standard Time", 345, None),
    zone("Bangladesh Standard Time", 360, None),
    zone("Omsk Standard Time", 360, None),
    zone("Myanmar Standard Time", 390, None),
    zone("SE Asia Standard Time", 420, None),
    zone("Altai Standard Time", 420, None),
    zone("W. Mongolia Standard Time", 420, None),
    zone("North Asia Standard Time", 420, None),
    zone("N. Central Asia Standard Time", 420, None),
    zone("Tomsk Standard Time", 420, None),
    zone("China Standard Time", 480, None),
    zone("North Asia East Standard Time", 480, None),
    zone("Singapore Standard Time", 480, None),
    zone("W. Australia Standard Time", 480, None),
    zone("Taipei Standard Time", 480, None),
    zone("Ulaanbaatar Standard Time", 480, None),
    zone("Transbaikal Standard Time", 540, None),
    zone("Tokyo Standard Time", 540, None),
    zone("North Korea Standard Time", 540, None),
    zone("Korea Standard Time", 540, None),
    zone("Yakutsk Standard Time", 540, None),
    zone("Cen. Australia Standard Time", 570, AUSTRALIA),
    zone("AUS Central Standard Time", 570, None),
    zone("E. Australia Standard Time", 600, None),
    zone("AUS Eastern Standard Time", 600, AUSTRALIA),
    zone("West Pacific Standard Time", 600, None),
    zone("Tasmania Standard Time", 600, AUSTRALIA),
    zone("Vladivostok Standard Time", 600, None),
    zone("Bougainville Standard Time", 660, None),
    zone("Magadan Standard Time", 660, None),
    zone("Sakhalin Standard Time", 660, None),
    zone("Central Pacific Standard Time", 660, None),
    zone("Russia Time Zone 10", 660, None),
    zone("Russia Time Zone 11", 720, None),
    zone("New Zealand Standard Time", 720, NEW_ZEALAND),
    zone("UTC+12", 720, None),
    zone("Kamchatka Standard Time", 720, None),
    zone("UTC+13", 780, None),
    zone("Tonga Standard Time", 780, None),
    zone("Samoa Standard Time", 780, None),
    zone("Line Islands Standard Time", 840, None),
];

/// The zone with this Windows ID (case-insensitive, as `FindSystemTimeZoneById` is).
pub(crate) fn find(id: &str) -> Result<&'static Zone, String> {
    ZONES
        .iter()
        .find(|z| z.id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| {
            format!(
                "the time zone '{id}' is not a Windows time zone ID slotdrill knows (it knows {} common ones, e.g. 'Pacific Standard Time', 'W. Europe Standard Time')",
                ZONES.len()
            )
        })
}

impl Zone {
    /// Ticks east of UTC at the UTC instant `utc`.
    fn offset_at_utc(&self, utc: i64) -> i64 {
        let standard = self.offset * TICKS_PER_MINUTE;
        let Some(rule) = self.rule else {
            return standard;
        };
        let local_standard = utc + standard;
        let year = DateTime {
            ticks: local_standard.clamp(0, super::civil::MAX_TICKS),
            kind: Kind::Unspecified,
        }
        .fields()
        .year;
        // Both transitions in local standard time.
        let start = transition(year, rule.start);
        let end = transition(year, rule.end) - 60 * TICKS_PER_MINUTE;
        let daylight = if start < end {
            (start..end).contains(&local_standard)
        } else {
            local_standard >= start || local_standard < end
        };
        standard + if daylight { 60 * TICKS_PER_MINUTE } else { 0 }
    }

    /// `TimeZoneInfo.ConvertTimeFromUtc`: the zone's wall-clock time.
    pub(crate) fn utc_to_local(&self, utc: DateTime) -> Result<DateTime, String> {
        DateTime::new(
            utc.ticks + self.offset_at_utc(utc.ticks),
            if self.is_utc() {
                Kind::Utc
            } else {
                Kind::Unspecified
            },
        )
        .ok_or_else(|| "the converted time is outside the range of a timestamp".to_owned())
    }

    /// `TimeZoneInfo.ConvertTimeToUtc` of a wall-clock time: a time skipped by the spring
    /// transition is refused (.NET: "The supplied DateTime represents an invalid time"); a
    /// repeated one in autumn is read as standard time, as .NET does.
    pub(crate) fn local_to_utc(&self, local: DateTime) -> Result<DateTime, String> {
        let standard = self.offset * TICKS_PER_MINUTE;
        let as_standard = local.ticks - standard;
        let as_daylight = as_standard - 60 * TICKS_PER_MINUTE;
        let utc = if self.offset_at_utc(as_standard) == standard {
            as_standard
        } else if self.offset_at_utc(as_daylight) != standard {
            as_daylight
        } else {
            return Err(format!(
                "the supplied time is invalid in '{}': daylight saving time skips it",
                self.id
            ));
        };
        DateTime::new(utc, Kind::Utc)
            .ok_or_else(|| "the converted time is outside the range of a timestamp".to_owned())
    }

    pub(crate) fn is_utc(&self) -> bool {
        self.id == "UTC"
    }
}

/// The transition's moment in `year`, in ticks of local time.
fn transition(year: i64, t: Transition) -> i64 {
    let day = nth_weekday(year, t.month, t.week, t.weekday);
    days_from_civil(year, t.month, day) * TICKS_PER_DAY + t.minute * TICKS_PER_MINUTE
}
