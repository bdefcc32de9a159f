//! Logic Apps' loop limits ("Limits and configuration reference for Azure Logic Apps",
//! `articles/logic-apps/logic-apps-limits-and-config.md`): `Until` runs 60 times by default and
//! at most 5,000 (maintainers' answer in MicrosoftDocs/azure-docs#48112: "The default limit is
//! 60. The maximum configurable limit is 5000."), for one hour by default (`PT1H`); a
//! `Foreach` runs 20 iterations at once by default, 1 to 50 when
//! `runtimeConfiguration.concurrency.repetitions` says so, one at a time with
//! `operationOptions: "Sequential"`. A definition beyond a cap is refused when saved (and never
//! runs), as Azure's template validation refuses it. A leaf module: saving (`state.rs`) and the
//! runner both read it.

use serde_json::{Map, Value};

use crate::clock::parse_duration;

/// `Until`'s default `limit.count`.
pub(crate) const UNTIL_DEFAULT_COUNT: u64 = 60;
/// `Until`'s largest `limit.count`.
pub(crate) const UNTIL_MAX_COUNT: u64 = 5_000;
/// `Until`'s default `limit.timeout`: one hour.
pub(crate) const UNTIL_DEFAULT_TIMEOUT_MS: u64 = 3_600_000;
/// `Foreach`'s default concurrency.
pub(crate) const FOREACH_DEFAULT_CONCURRENCY: u64 = 20;
/// `Foreach`'s largest concurrency.
pub(crate) const FOREACH_MAX_CONCURRENCY: u64 = 50;

/// An `Until`'s `limit.count`, as written (default 60).
pub(crate) fn until_count(action: &Value) -> u64 {
    action
        .pointer("/limit/count")
        .and_then(Value::as_u64)
        .unwrap_or(UNTIL_DEFAULT_COUNT)
}

/// An `Until`'s `limit.timeout` in milliseconds (default one hour).
pub(crate) fn until_timeout_ms(action: &Value) -> u64 {
    action
        .pointer("/limit/timeout")
        .and_then(Value::as_str)
        .and_then(parse_duration)
        .unwrap_or(UNTIL_DEFAULT_TIMEOUT_MS)
}

/// How many iterations of a `Foreach` run at once, as written: `Sequential` is 1.
pub(crate) fn foreach_concurrency(action: &Value) -> u64 {
    let sequential = action
        .get("operationOptions")
        .and_then(Value::as_str)
        .is_some_and(|o| {
            o.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case("Sequential"))
        });
    if sequential {
        return 1;
    }
    action
        .pointer("/runtimeConfiguration/concurrency/repetitions")
        .and_then(Value::as_u64)
        .unwrap_or(FOREACH_DEFAULT_CONCURRENCY)
}

/// Why Azure would refuse to save a definition with these actions, if it would: the first loop
/// beyond its cap, in document order. The wording follows Azure's template validation errors
/// for other limits ("The template validation failed: 'The number of template triggers limit
/// exceeded: maximum '10' and actual '11'.'", MicrosoftDocs/azure-docs#2689); the exact text
/// for loops is not published.
pub(crate) fn refusal(actions: &Map<String, Value>) -> Option<String> {
    actions.iter().find_map(|(name, action)| {
        let kind = action
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let own = if kind.eq_ignore_ascii_case("Until") {
            let count = until_count(action);
            (count == 0 || count > UNTIL_MAX_COUNT).then(|| {
                format!(
                    "The template validation failed: 'The 'count' limit of action '{name}' is not valid: minimum '1', maximum '{UNTIL_MAX_COUNT}' and actual '{count}'.'."
                )
            })
        } else if kind.eq_ignore_ascii_case("Foreach") {
            let n = foreach_concurrency(action);
            (n == 0 || n > FOREACH_MAX_CONCURRENCY).then(|| {
                format!(
                    "The template validation failed: 'The 'repetitions' concurrency of action '{name}' is not valid: minimum '1', maximum '{FOREACH_MAX_CONCURRENCY}' and actual '{n}'.'."
                )
            })
        } else {
            None
        };
        own.or_else(|| nested(action).iter().find_map(refusal))
    })
}

/// Every set of actions nested in `action`: `actions`, `else`, `cases`, `default`.
fn nested(action: &Value) -> Vec<Map<String, Value>> {
    let mut found: Vec<Map<String, Value>> = [
        action.get("actions"),
        action.pointer("/else/actions"),
        action.pointer("/default/actions"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_object)
    .cloned()
    .collect();
    if let Some(cases) = action.get("cases").and_then(Value::as_object) {
        found.extend(
            cases
                .values()
                .filter_map(|c| c.get("actions").and_then(Value::as_object))
                .cloned(),
        );
    }
    found
}
