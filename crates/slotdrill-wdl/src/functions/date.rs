//! Date and time functions: `addDays`, `addHours`, `addMinutes`, `addSeconds`, `addToTime`,
//! `convertFromUtc`, `convertTimeZone`, `convertToUtc`, `dateDifference`, `dayOfMonth`,
//! `dayOfWeek`, `dayOfYear`, `formatDateTime`, `getFutureTime`, `getPastTime`, `parseDateTime`,
//! `startOfDay`, `startOfHour`, `startOfMonth`, `subtractFromTime`, `ticks`, `utcNow`, with .NET
//! format strings. `utcNow` reads the scope's clock (the emulator's virtual clock).

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, Scope};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[];

pub(super) fn call(
    _lower: &str,
    _call: &Call<'_>,
    _scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    None
}
