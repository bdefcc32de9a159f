//! Issue 18: two `latency` faults whose sum overflowed `u64` panicked every management request in
//! a debug build; any latency was armed (600,000 ms holds a connection for ten minutes) and
//! `server_error` answered any status (101, 204, 304). Faults read from JSON are now refused out
//! of range (400 from the admin API, naming the bound), and faults armed in process are held to
//! the same bounds when they act.

mod common;

use serde_json::{Value, json};
use slotdrill_emulator::ArmFault;
use slotdrill_emulator::arm::{ArmRequest, admin};

/// The documented maximum (`MAX_LATENCY_MS`), spelt out so the test reads on its own.
const MAX_LATENCY_MS: u64 = 300_000;

fn request(method: &str, path: &str, body: Option<Value>) -> ArmRequest {
    ArmRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: vec![("api-version".to_owned(), "2024-11-01".to_owned())],
        headers: vec![
            ("authorization".to_owned(), "Bearer t".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ],
        body,
        base_url: "http://127.0.0.1:1".to_owned(),
    }
}

fn sites() -> ArmRequest {
    request(
        "GET",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites",
        None,
    )
}

#[test]
fn latency_faults_whose_sum_overflows_delay_by_the_maximum_without_panicking() {
    let emulator = common::emulator(1);
    emulator.inject(ArmFault::Latency { ms: u64::MAX });
    emulator.inject(ArmFault::Latency { ms: u64::MAX });
    let answer = emulator.manage(&sites());
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.delay_ms, MAX_LATENCY_MS);
}

#[test]
fn a_server_error_armed_in_process_with_a_status_that_is_not_one_answers_500() {
    let emulator = common::emulator(1);
    emulator.inject(ArmFault::ServerError {
        probability: 1.0,
        status: 204,
    });
    assert_eq!(emulator.manage(&sites()).status, 500);
}

#[test]
fn the_admin_api_refuses_faults_out_of_range_and_arms_nothing() {
    let emulator = common::emulator(1);
    let refused = [
        (
            json!({ "kind": "latency", "ms": 600_000 }),
            "maximum of 300000 ms",
        ),
        (
            json!({ "kind": "server_error", "probability": 1.0, "status": 101 }),
            "expected 500 to 599",
        ),
        (
            json!({ "kind": "server_error", "probability": 1.0, "status": 204 }),
            "expected 500 to 599",
        ),
        (
            json!({ "kind": "server_error", "probability": 1.0, "status": 304 }),
            "expected 500 to 599",
        ),
        (
            json!({ "kind": "server_error", "probability": 1.5 }),
            "outside 0 to 1",
        ),
    ];
    for (fault, reason) in refused {
        let answer = admin(
            &emulator,
            &request("POST", "/_slotdrill/faults", Some(fault.clone())),
        );
        assert_eq!(answer.status, 400, "{fault}: {:?}", answer.body);
        let message = answer.body.expect("a body")["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(reason), "{fault}: {message}");
    }
    let armed = admin(&emulator, &request("GET", "/_slotdrill/faults", None));
    assert_eq!(armed.body.expect("a body")["faults"], json!([]));
    // The bounds themselves are accepted.
    for fault in [
        json!({ "kind": "latency", "ms": MAX_LATENCY_MS }),
        json!({ "kind": "server_error", "probability": 0.0, "status": 599 }),
    ] {
        let answer = admin(
            &emulator,
            &request("POST", "/_slotdrill/faults", Some(fault.clone())),
        );
        assert_eq!(answer.status, 200, "{fault}: {:?}", answer.body);
    }
}
