//! `guid(format?)` and `rand(min, max)`, from the scope's seeded random numbers so that runs are
//! repeatable. Without a generator (reading a workflow offline) both are unknowns.

use serde_json::Value;

use super::Call;
use crate::eval::{EvalError, Scope, unknown};

/// `guid(format?)`: 128 random bits shaped as a version-4 GUID (RFC 4122: version nibble 4,
/// variant bits 10), printed as `Guid.ToString(format)` does for N, D, B, P and X.
pub(crate) fn guid(call: &Call<'_>, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    call.arity(0, 1)?;
    let format = match call.args.first() {
        None | Some(Value::Null) => "D",
        Some(_) => call.string(0)?,
    };
    let format = if format.is_empty() { "D" } else { format };
    if !matches!(
        format,
        "N" | "n" | "D" | "d" | "B" | "b" | "P" | "p" | "X" | "x"
    ) {
        return Err(call.bad(format!(
            "the format '{format}' is not one of \"N\", \"D\", \"B\", \"P\", \"X\""
        )));
    }
    let (Some(high), Some(low)) = (scope.next_random(), scope.next_random()) else {
        return Ok(unknown(&call.expr.to_string()));
    };
    let mut bits = (u128::from(high) << 64) | u128::from(low);
    // Hex digit 13 (from the left, 1-based) is the version; digit 17's top bits the variant.
    bits = (bits & !(0xF << 76)) | (0x4 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    let dashed = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    Ok(Value::String(match format {
        "N" | "n" => hex,
        "D" | "d" => dashed,
        "B" | "b" => format!("{{{dashed}}}"),
        "P" | "p" => format!("({dashed})"),
        _ => {
            let bytes: Vec<String> = (0..8)
                .map(|i| format!("0x{}", &hex[16 + 2 * i..18 + 2 * i]))
                .collect();
            format!(
                "{{0x{},0x{},0x{},{{{}}}}}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                bytes.join(",")
            )
        }
    }))
}

/// Draws this many times at most before giving up on a generator that keeps answering in the
/// biased tail (a fair one does so with probability below 2^-1000).
const MAX_DRAWS: usize = 1000;

/// `rand(minValue, maxValue)`: an integer in `[minValue, maxValue)`, drawn without modulo bias.
pub(crate) fn rand(call: &Call<'_>, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let bound = |i: usize| match &call.args[i] {
        Value::Number(n) if n.is_i64() => n.as_i64().ok_or_else(|| call.bad("not an integer")),
        other => Err(call.bad(format!(
            "argument {} must be an integer, found {}",
            i + 1,
            super::kind(other)
        ))),
    };
    let (min, max) = (bound(0)?, bound(1)?);
    if min >= max {
        return Err(call.bad(format!(
            "the minimum value {min} must be less than the maximum value {max}"
        )));
    }
    let span = (i128::from(max) - i128::from(min)) as u128;
    // The largest multiple of `span` within 2^64: draws at or above it are rejected.
    let limit = (1u128 << 64) - (1u128 << 64) % span;
    for _ in 0..MAX_DRAWS {
        let Some(draw) = scope.next_random() else {
            return Ok(unknown(&call.expr.to_string()));
        };
        if u128::from(draw) < limit {
            let value = i128::from(min) + (u128::from(draw) % span) as i128;
            return Ok(Value::from(value as i64));
        }
    }
    Err(call.bad("the random number generator kept giving values outside the fair range"))
}
