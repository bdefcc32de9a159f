//! The Workflow Definition Language's functions, one module per chapter of Microsoft's
//! reference (`MicrosoftDocs/azure-docs`,
//! `articles/logic-apps/workflow-definition-language-functions-reference.md`): string,
//! collection, logical comparison, conversion, math, date and time, URI parsing, manipulation.
//!
//! The workflow chapter (`parameters`, `body`, `actions`, `trigger`, `variables`, …) needs a run,
//! so it lives in the emulator's runner; the functions here only need their arguments and, for
//! `utcNow`, `guid` and `rand`, the clock and random numbers a [`Scope`] lends them. Where a
//! scope has neither (reading a workflow offline), those functions give an *unknown*.

mod args;
mod collection;
mod conversion;
mod date;
mod logical;
mod manipulation;
mod math;
mod number_format;
mod random;
mod string;
mod text;
mod uri;

use serde_json::Value;

use crate::eval::{EvalError, Scope};
use crate::expr::Expr;

/// One call of a function: its name as written, its evaluated arguments and its source.
pub(crate) struct Call<'a> {
    /// The name as the expression spells it (`Substring`), for messages.
    pub(crate) name: &'a str,
    /// The evaluated arguments, left to right.
    pub(crate) args: &'a [Value],
    /// The call's source, for unknowns and messages.
    pub(crate) expr: &'a Expr,
}

impl Call<'_> {
    /// A `BadArguments` error for this function.
    pub(crate) fn bad(&self, message: impl Into<String>) -> EvalError {
        EvalError::BadArguments {
            function: self.name.to_owned(),
            message: message.into(),
        }
    }

    /// Checks that the call has between `min` and `max` arguments.
    pub(crate) fn arity(&self, min: usize, max: usize) -> Result<(), EvalError> {
        let n = self.args.len();
        if (min..=max).contains(&n) {
            return Ok(());
        }
        Err(self.bad(match (min, max) {
            (a, b) if a == b => format!("expected {a} argument(s), got {n}"),
            (a, usize::MAX) => format!("expected at least {a} argument(s), got {n}"),
            (a, b) => format!("expected {a} to {b} arguments, got {n}"),
        }))
    }

    /// Argument `i` as a string, or an error naming what was found.
    #[allow(dead_code)] // the chapters here use `args::text`, worded as Azure's errors
    pub(crate) fn string(&self, i: usize) -> Result<&str, EvalError> {
        match self.args.get(i) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.bad(format!(
                "argument {} must be a string, found {}",
                i + 1,
                kind(other)
            ))),
            None => Err(self.bad(format!("argument {} is missing", i + 1))),
        }
    }
}

/// What kind of JSON value `value` is, in the words Azure's errors use (`Integer`, `Float`,
/// `String`, …; Newtonsoft's names, which the runtime's messages also use).
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Float",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// Evaluates `lower(args)` if it is a function of the reference outside the workflow chapter;
/// `None` when no chapter here has it.
pub(crate) fn call(
    lower: &str,
    call: &Call<'_>,
    scope: &mut dyn Scope,
) -> Option<Result<Value, EvalError>> {
    logical::call(lower, call)
        .or_else(|| string::call(lower, call, scope))
        .or_else(|| collection::call(lower, call))
        .or_else(|| conversion::call(lower, call))
        .or_else(|| math::call(lower, call, scope))
        .or_else(|| date::call(lower, call, scope))
        .or_else(|| uri::call(lower, call))
        .or_else(|| manipulation::call(lower, call))
}

/// Every function this crate evaluates, lower case, by chapter of the reference.
pub const CHAPTERS: &[(&str, &[&str])] = &[
    ("logical comparison", logical::NAMES),
    ("string", string::NAMES),
    ("collection", collection::NAMES),
    ("conversion", conversion::NAMES),
    ("math", math::NAMES),
    ("date and time", date::NAMES),
    ("uri parsing", uri::NAMES),
    ("manipulation", manipulation::NAMES),
];

/// True when `name` (any case) is a function this crate evaluates.
pub fn is_function(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    CHAPTERS
        .iter()
        .any(|(_, names)| names.contains(&lower.as_str()))
}
