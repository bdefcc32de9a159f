//! Math functions: `add`, `div`, `max`, `min`, `mod`, `mul`, `rand`, `range`, `sub`. Integers
//! stay integers (64-bit, `div(11, 5)` is 2, truncated toward zero as .NET divides); a float
//! anywhere makes the result a float (`div(11, 5.0)` is 2.2). Division or remainder by zero and
//! integer overflow are errors, never a wrapped or infinite result.

use serde_json::Value;

use super::Call;
use super::args::{Num, integer, number, out_of_range};
use crate::eval::{EvalError, Scope};

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[
    "add", "div", "max", "min", "mod", "mul", "range", "sub", "rand",
];

pub(super) fn call(
    lower: &str,
    call: &Call<'_>,
    scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "add" | "sub" | "mul" | "div" | "mod" => arithmetic(lower, call),
        "max" | "min" => extreme(call, lower == "max"),
        "range" => range(call),
        "rand" => super::random::rand(call, scope),
        _ => return None,
    };
    Some(result)
}

fn arithmetic(op: &str, call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let (a, b) = (number(call, 0)?, number(call, 1)?);
    let by_zero = || call.bad("cannot divide by zero: the divisor must not be 0");
    let overflow = || call.bad("the result is outside the range of a 64-bit integer");
    let result = match (a, b) {
        (Num::Int(x), Num::Int(y)) => Num::Int(match op {
            "add" => x.checked_add(y).ok_or_else(overflow)?,
            "sub" => x.checked_sub(y).ok_or_else(overflow)?,
            "mul" => x.checked_mul(y).ok_or_else(overflow)?,
            "div" if y == 0 => return Err(by_zero()),
            "div" => x.checked_div(y).ok_or_else(overflow)?,
            _ if y == 0 => return Err(by_zero()),
            // i64::MIN % -1 overflows in Rust; its remainder is 0.
            _ => x.checked_rem(y).unwrap_or(0),
        }),
        (x, y) => {
            let (x, y) = (x.float(), y.float());
            if matches!(op, "div" | "mod") && y == 0.0 {
                return Err(by_zero());
            }
            Num::Float(match op {
                "add" => x + y,
                "sub" => x - y,
                "mul" => x * y,
                "div" => x / y,
                _ => x % y,
            })
        }
    };
    result
        .to_value()
        .ok_or_else(|| call.bad("the result is outside the range of a floating-point number"))
}

/// `max`, `min`: over the arguments, or over the one array argument.
fn extreme(call: &Call<'_>, max: bool) -> Result<Value, EvalError> {
    call.arity(1, usize::MAX)?;
    let values: &[Value] = match call.args {
        [Value::Array(items)] => items,
        args => args,
    };
    let mut best: Option<(Num, &Value)> = None;
    for (i, value) in values.iter().enumerate() {
        let n = Num::of(value).ok_or_else(|| {
            call.bad(format!(
                "expects numbers (Integer or Float); item {} is of type '{}'",
                i + 1,
                super::kind(value)
            ))
        })?;
        let better = best.is_none_or(|(b, _)| {
            let ordering = match (n, b) {
                (Num::Int(x), Num::Int(y)) => x.cmp(&y),
                (x, y) => x.float().total_cmp(&y.float()),
            };
            if max {
                ordering.is_gt()
            } else {
                ordering.is_lt()
            }
        });
        if better {
            best = Some((n, value));
        }
    }
    best.map(|(_, v)| v.clone())
        .ok_or_else(|| call.bad("expects at least one number; the array is empty"))
}

/// `range(startIndex, count)`: `count` integers from `startIndex`; `count` at most 100,000 and
/// `startIndex + count` at most 2,147,483,647, as the reference limits them.
fn range(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(2, 2)?;
    let start = integer(call, 0)?;
    let count = integer(call, 1)?;
    if !(0..=100_000).contains(&count) {
        return Err(out_of_range(
            call,
            "count",
            "it must be a positive integer no larger than 100,000",
        ));
    }
    if start.saturating_add(count) > i64::from(i32::MAX) {
        return Err(out_of_range(
            call,
            "count",
            "the sum of startIndex and count must not exceed 2,147,483,647",
        ));
    }
    Ok(Value::Array(
        (start..start + count).map(Value::from).collect(),
    ))
}
