//! Date and time functions: `addDays`, `addHours`, `addMinutes`, `addSeconds`, `addToTime`,
//! `convertFromUtc`, `convertTimeZone`, `convertToUtc`, `dateDifference`, `dayOfMonth`,
//! `dayOfWeek`, `dayOfYear`, `formatDateTime`, `getFutureTime`, `getPastTime`, `parseDateTime`,
//! `startOfDay`, `startOfHour`, `startOfMonth`, `subtractFromTime`, `ticks`, `utcNow`, with .NET
//! format strings. `utcNow`, `getFutureTime` and `getPastTime` read the scope's clock (the
//! emulator's virtual clock); without one they are unknowns.
//!
//! Timestamps are .NET `DateTime`s (`civil.rs`), read by `parse.rs`, printed by `format.rs`
//! (default "o": `2018-03-15T13:00:00.0000000Z`), moved between Windows time zones by `zones.rs`.

mod civil;
mod format;
mod parse;
mod zones;

use serde_json::Value;

use super::{Call, kind};
use crate::eval::{EvalError, Scope, unknown};
use civil::{
    DateTime, Kind, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND,
    UNIX_EPOCH_TICKS,
};
use parse::DateOrder;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[
    "adddays",
    "addhours",
    "addminutes",
    "addseconds",
    "addtotime",
    "convertfromutc",
    "converttimezone",
    "converttoutc",
    "datedifference",
    "dayofmonth",
    "dayofweek",
    "dayofyear",
    "formatdatetime",
    "getfuturetime",
    "getpasttime",
    "parsedatetime",
    "startofday",
    "startofhour",
    "startofmonth",
    "subtractfromtime",
    "ticks",
    "utcnow",
];

/// Evaluates `lower(args)` if it is a function of this chapter. Over 80 lines: one short arm
/// per function, in one place so that each function's arguments can be read off it.
pub(super) fn call(
    lower: &str,
    call: &Call<'_>,
    scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    let fixed = |ticks: i64| move |c: &Call<'_>| shift(c, ticks);
    let result = match lower {
        "adddays" => fixed(TICKS_PER_DAY)(call),
        "addhours" => fixed(TICKS_PER_HOUR)(call),
        "addminutes" => fixed(TICKS_PER_MINUTE)(call),
        "addseconds" => fixed(TICKS_PER_SECOND)(call),
        "addtotime" | "subtractfromtime" => call.arity(3, 4).and_then(|()| {
            let dt = timestamp(call, 0)?;
            let sign = if lower == "addtotime" { 1 } else { -1 };
            let moved = add_units(call, dt, sign, 1)?;
            output(call, moved, 3)
        }),
        "getfuturetime" | "getpasttime" => {
            let Some(now) = now(scope) else {
                return Some(Ok(unknown(&call.expr.to_string())));
            };
            call.arity(2, 3).and_then(|()| {
                let sign = if lower == "getfuturetime" { 1 } else { -1 };
                let moved = add_units(call, now, sign, 0)?;
                output(call, moved, 2)
            })
        }
        "utcnow" => {
            let Some(now) = now(scope) else {
                return Some(Ok(unknown(&call.expr.to_string())));
            };
            call.arity(0, 1).and_then(|()| output(call, now, 0))
        }
        "startofday" | "startofhour" | "startofmonth" => call.arity(1, 2).and_then(|()| {
            let dt = timestamp(call, 0)?;
            let ticks = match lower {
                "startofday" => dt.ticks - dt.ticks % TICKS_PER_DAY,
                "startofhour" => dt.ticks - dt.ticks % TICKS_PER_HOUR,
                _ => {
                    let f = dt.fields();
                    civil::days_from_civil(f.year, f.month, 1) * TICKS_PER_DAY
                }
            };
            output(call, DateTime { ticks, ..dt }, 1)
        }),
        "dayofmonth" | "dayofweek" | "dayofyear" | "ticks" => call.arity(1, 1).and_then(|()| {
            let dt = timestamp(call, 0)?;
            Ok(Value::from(match lower {
                "dayofmonth" => dt.fields().day,
                "dayofweek" => dt.day_of_week(),
                "dayofyear" => dt.day_of_year(),
                _ => dt.ticks,
            }))
        }),
        "datedifference" => call.arity(2, 2).and_then(|()| {
            let (start, end) = (timestamp(call, 0)?, timestamp(call, 1)?);
            Ok(Value::String(civil::time_span(end.ticks - start.ticks)))
        }),
        "formatdatetime" => call.arity(1, 3).and_then(|()| {
            let dt = timestamp(call, 0)?;
            if let Some(locale) = optional_string(call, 2)? {
                date_order(call, locale, false)?;
            }
            output(call, dt, 1)
        }),
        "parsedatetime" => call.arity(1, 3).and_then(|()| parse_date_time(call)),
        "convertfromutc" => call.arity(2, 3).and_then(|()| {
            let dt = timestamp(call, 0)?;
            let zone = zone(call, 1)?;
            output(call, zone.utc_to_local(dt).map_err(|m| call.bad(m))?, 2)
        }),
        "converttoutc" => call.arity(2, 3).and_then(|()| {
            let dt = timestamp(call, 0)?;
            let utc = to_utc(call, dt, zone(call, 1)?)?;
            output(call, utc, 2)
        }),
        "converttimezone" => call.arity(3, 4).and_then(|()| {
            let dt = timestamp(call, 0)?;
            let utc = to_utc(call, dt, zone(call, 1)?)?;
            let local = zone(call, 2)?.utc_to_local(utc).map_err(|m| call.bad(m))?;
            output(call, local, 3)
        }),
        _ => return None,
    };
    Some(result)
}

/// The scope's present as a UTC `DateTime`, if it has a clock.
fn now(scope: &mut dyn Scope) -> Option<DateTime> {
    let millis = scope.now_millis()?;
    DateTime::new(
        UNIX_EPOCH_TICKS.checked_add(millis.checked_mul(10_000)?)?,
        Kind::Utc,
    )
}

/// `addDays`/`addHours`/…: argument 2 counts `unit`s of ticks; argument 3 is the format.
fn shift(call: &Call<'_>, unit: i64) -> Result<Value, EvalError> {
    call.arity(2, 3)?;
    let dt = timestamp(call, 0)?;
    let n = integer(call, 1)?;
    let moved = n
        .checked_mul(unit)
        .and_then(|delta| dt.plus_ticks(delta))
        .ok_or_else(|| out_of_range(call))?;
    output(call, moved, 2)
}

/// `interval` at argument `first`, `timeUnit` after it; `sign` -1 subtracts.
fn add_units(
    call: &Call<'_>,
    dt: DateTime,
    sign: i64,
    first: usize,
) -> Result<DateTime, EvalError> {
    let n = integer(call, first)?
        .checked_mul(sign)
        .ok_or_else(|| out_of_range(call))?;
    let unit = call.string(first + 1)?;
    let ticks = match unit.to_ascii_lowercase().as_str() {
        "second" => TICKS_PER_SECOND,
        "minute" => TICKS_PER_MINUTE,
        "hour" => TICKS_PER_HOUR,
        "day" => TICKS_PER_DAY,
        "week" => 7 * TICKS_PER_DAY,
        "month" => return dt.plus_months(n).ok_or_else(|| out_of_range(call)),
        "year" => {
            return n
                .checked_mul(12)
                .and_then(|months| dt.plus_months(months))
                .ok_or_else(|| out_of_range(call));
        }
        _ => {
            return Err(call.bad(format!(
                "the time unit '{unit}' is not one of 'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'"
            )));
        }
    };
    n.checked_mul(ticks)
        .and_then(|delta| dt.plus_ticks(delta))
        .ok_or_else(|| out_of_range(call))
}

fn out_of_range(call: &Call<'_>) -> EvalError {
    call.bad("the resulting timestamp is outside the range 0001-01-01 to 9999-12-31")
}

/// Argument `i` read as a timestamp.
fn timestamp(call: &Call<'_>, i: usize) -> Result<DateTime, EvalError> {
    let text = call.string(i)?;
    parse::timestamp(text).map_err(|m| call.bad(m))
}

/// Argument `i` as an integer.
fn integer(call: &Call<'_>, i: usize) -> Result<i64, EvalError> {
    match call.args.get(i) {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| call.bad(format!("argument {} must be an integer, found {n}", i + 1))),
        Some(other) => Err(call.bad(format!(
            "argument {} must be an integer, found {}",
            i + 1,
            kind(other)
        ))),
        None => Err(call.bad(format!("argument {} is missing", i + 1))),
    }
}

/// Argument `i` if present and not null.
fn optional_string<'a>(call: &Call<'a>, i: usize) -> Result<Option<&'a str>, EvalError> {
    match call.args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(call.bad(format!(
            "argument {} must be a string, found {}",
            i + 1,
            kind(other)
        ))),
    }
}

/// Prints `dt` with the format at argument `i` (default "o").
fn output(call: &Call<'_>, dt: DateTime, i: usize) -> Result<Value, EvalError> {
    let pattern = optional_string(call, i)?.unwrap_or("o");
    format::format(dt, pattern)
        .map(Value::String)
        .map_err(|m| call.bad(format!("the format '{pattern}' is not valid: {m}")))
}

fn zone(call: &Call<'_>, i: usize) -> Result<&'static zones::Zone, EvalError> {
    zones::find(call.string(i)?).map_err(|m| call.bad(m))
}

/// .NET's `ConvertTimeToUtc`: a timestamp that named its offset is already UTC, which only the
/// UTC zone accepts as its source (.NET throws otherwise).
fn to_utc(call: &Call<'_>, dt: DateTime, zone: &zones::Zone) -> Result<DateTime, EvalError> {
    match dt.kind {
        Kind::Utc if zone.is_utc() => Ok(dt),
        Kind::Utc => Err(call.bad(format!(
            "the timestamp names its UTC offset, so it cannot be read as a time in '{}'; give the time without 'Z' or an offset",
            zone.id
        ))),
        Kind::Unspecified => zone.local_to_utc(dt).map_err(|m| call.bad(m)),
    }
}

/// The cultures whose dates slotdrill reads (`parseDateTime`) or writes (`formatDateTime`:
/// en-US only).
fn date_order(call: &Call<'_>, locale: &str, parsing: bool) -> Result<DateOrder, EvalError> {
    let lower = locale.trim().to_ascii_lowercase();
    let order = match lower.as_str() {
        "" | "en-us" | "en" | "invariant" => Some(DateOrder::MonthFirst),
        "en-gb" | "en-au" | "en-nz" | "en-ie" | "en-in" | "fr-fr" | "es-es" | "it-it" | "pt-br"
        | "pt-pt" | "nl-be"
            if parsing =>
        {
            Some(DateOrder::DayFirst)
        }
        "de-de" | "de-at" | "de-ch" | "ru-ru" | "pl-pl" | "fi-fi" | "nb-no" if parsing => {
            Some(DateOrder::DayFirstDots)
        }
        _ => None,
    };
    order.ok_or_else(|| {
        call.bad(format!(
            "the locale '{locale}' is not supported by slotdrill here (supported: en-US and the invariant culture{})",
            if parsing {
                "; numeric day-first dates for en-GB, fr-FR, es-ES, it-IT, pt-BR, pt-PT, de-DE, …"
            } else {
                ""
            }
        ))
    })
}

/// `parseDateTime(timestamp, locale?, format?)`: the result in "o".
fn parse_date_time(call: &Call<'_>) -> Result<Value, EvalError> {
    let text = call.string(0)?;
    let locale = optional_string(call, 1)?.unwrap_or("en-US");
    let order = date_order(call, locale, true)?;
    let parsed = match optional_string(call, 2)? {
        Some(pattern) => parse::exact(text, pattern)
            .ok_or_else(|| format!("the timestamp '{text}' does not match the format '{pattern}'")),
        None => parse::lenient(text, order),
    };
    let dt = parsed.map_err(|m| call.bad(m))?;
    format::format(dt, "o")
        .map(Value::String)
        .map_err(|m| call.bad(m))
}
