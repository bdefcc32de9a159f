//! `FunctionBehaviour::answer` and `invoke` give the documented answer, and an answer's body
//! written straight to JSON text (as the data plane sends it) is the text of that answer's
//! `Value`, whether serialised or written by `AnswerBody::write_json`.

use proptest::prelude::*;
use serde_json::{Value, json};
use slotdrill_model::{Answer, FunctionBehaviour, Invocation, SlotConfig};
use slotdrill_test_support::proptest_cases;

/// Any JSON a behaviour may be given as its body: scalars, arrays and objects, nested.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::vec(("[a-z\"\\\\é ]{0,6}", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A behaviour with any of the ways an answer can go: its own body or the default one, a cold
/// start, a missing setting, a failure rate, a timeout.
fn any_behaviour() -> impl Strategy<Value = FunctionBehaviour> {
    (
        prop_oneof![Just(200u16), Just(201), Just(500)],
        proptest::option::of(any_json()),
        0u64..100,
        prop_oneof![Just(0.0), Just(0.5), Just(1.0)],
        0u32..3,
        proptest::option::of(prop_oneof![Just("MISSING"), Just("PRESENT")]),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(status, body, latency_ms, fail_rate, fail_first, setting, timeout)| {
                FunctionBehaviour {
                    status,
                    body,
                    latency_ms,
                    fail_rate,
                    fail_first,
                    requires_setting: setting.map(str::to_owned),
                    timeout,
                    ..FunctionBehaviour::ok()
                }
            },
        )
}

fn text(value: &impl serde::Serialize) -> Result<Vec<u8>, TestCaseError> {
    serde_json::to_vec(value).map_err(|e| TestCaseError::fail(e.to_string()))
}

/// The answer the documentation gives (`FunctionBehaviour`'s fields, checked in their order:
/// timeout, cold start, missing setting, failure rate), as (status, body, latency); `None` for
/// a timeout. Spelled out here so that `answer` and `invoke` are checked against something
/// they do not share.
fn documented(
    behaviour: &FunctionBehaviour,
    (release, function): (&str, &str),
    call_index: u64,
    roll: f64,
    present: &str,
) -> Option<(u16, Value, u64)> {
    let failure = |status, error: String| {
        let body = json!({ "error": error, "function": function, "release": release });
        Some((status, body, behaviour.latency_ms))
    };
    if behaviour.timeout {
        return None;
    }
    if call_index < u64::from(behaviour.fail_first) {
        return failure(503, "cold start: the host is still starting".to_owned());
    }
    if let Some(setting) = behaviour
        .requires_setting
        .as_deref()
        .filter(|s| *s != present)
    {
        return failure(500, format!("missing app setting `{setting}`"));
    }
    if roll < behaviour.fail_rate {
        return failure(500, "transient failure".to_owned());
    }
    let body = behaviour
        .body
        .clone()
        .unwrap_or_else(|| json!({ "function": function, "release": release }));
    Some((behaviour.status, body, behaviour.latency_ms))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases(512), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn answer_and_invoke_give_the_documented_answer_and_the_body_writes_as_its_value(
        behaviour in any_behaviour(),
        // Names with characters JSON escapes.
        release in "[a-zA-Z0-9.\"\\\\\u{1}\u{7f}é-]{1,10}",
        function in "[a-zA-Z0-9_\"\\\\\n-]{1,10}",
        call_index in 0u64..4,
        roll in 0.0f64..1.0,
    ) {
        let mut config = SlotConfig::default();
        config.app_settings.insert("PRESENT".to_owned(), "yes".to_owned());
        let expected = documented(&behaviour, (&release, &function), call_index, roll, "PRESENT");
        let invoked = behaviour.invoke(&release, &function, call_index, roll, &config);
        let answered = behaviour.answer(&release, &function, call_index, roll, &config);
        match (expected, answered, invoked) {
            (None, Answer::Timeout, Invocation::Timeout) => {}
            (
                Some((status, value, latency_ms)),
                Answer::Response { status: s, body, latency_ms: l },
                Invocation::Response { status: s2, body: invoked, latency_ms: l2 },
            ) => {
                prop_assert_eq!((s, l), (status, latency_ms));
                prop_assert_eq!((s2, l2), (status, latency_ms));
                prop_assert_eq!(&invoked, &value);
                // The body written straight to text is the documented value's text, serialised
                // or written by `write_json` (directly when no name needs escaping).
                let documented = text(&value)?;
                prop_assert_eq!(text(&body)?, documented.clone());
                let mut written = b"before".to_vec();
                body.write_json(&mut written);
                prop_assert_eq!(written.strip_prefix(b"before"), Some(documented.as_slice()));
            }
            (expected, answered, invoked) => {
                return Err(TestCaseError::fail(format!(
                    "expected {expected:?}, answered {answered:?}, invoked {invoked:?}"
                )));
            }
        }
    }
}

#[test]
fn the_default_and_failure_bodies_read_as_documented() {
    let config = SlotConfig::default();
    let ok = FunctionBehaviour::ok().invoke("v2", "Orders", 0, 0.9, &config);
    assert_eq!(
        ok,
        Invocation::Response {
            status: 200,
            body: json!({ "function": "Orders", "release": "v2" }),
            latency_ms: 0,
        }
    );
    let cold = FunctionBehaviour {
        fail_first: 1,
        ..FunctionBehaviour::ok()
    };
    let Answer::Response { status, body, .. } = cold.answer("v2", "Orders", 0, 0.9, &config) else {
        panic!("a cold start answers");
    };
    assert_eq!(status, 503);
    assert_eq!(
        String::from_utf8(serde_json::to_vec(&body).expect("json")).expect("utf-8"),
        r#"{"error":"cold start: the host is still starting","function":"Orders","release":"v2"}"#
    );
}
