//! Issue 18: a web page could reset `serve`'s estate or deploy a release with a "simple"
//! cross-site POST (`Content-Type: text/plain`, `Origin: http://evil.example`). The admin API
//! now refuses a non-loopback `Origin`, `Sec-Fetch-Site: cross-site`, and a body not declared
//! JSON; each refused request changes nothing. `bearer` is accepted in any case.

mod common;

use serde_json::{Value, json};
use slotdrill_emulator::EmulatorConfig;
use slotdrill_emulator::arm::{ArmRequest, admin};

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> ArmRequest {
    ArmRequest {
        method: method.to_owned(),
        path: path.split('?').next().unwrap_or(path).to_owned(),
        query: path
            .split_once('?')
            .map(|(_, q)| q.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .into_iter()
            .flatten()
            .collect(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body,
        base_url: "http://127.0.0.1:1".to_owned(),
    }
}

fn now(emulator: &slotdrill_emulator::Emulator) -> Value {
    let state = admin(emulator, &request("GET", "/_slotdrill/state", &[], None));
    state.body.expect("a body")["now"].clone()
}

#[test]
fn a_cross_site_page_cannot_move_time_or_arm_faults() {
    let emulator = common::emulator(1);
    let before = now(&emulator);
    let refused = [
        (vec![("origin", "http://evil.example")], None, 403),
        (vec![("origin", "null")], None, 403),
        (vec![("sec-fetch-site", "cross-site")], None, 403),
        (
            vec![("content-type", "text/plain")],
            Some(json!({ "kind": "swap_conflict", "app": "orders" })),
            415,
        ),
    ];
    for (headers, body, status) in refused {
        let path = if body.is_some() {
            "/_slotdrill/faults"
        } else {
            "/_slotdrill/advance?ms=1000"
        };
        let answer = admin(&emulator, &request("POST", path, &headers, body));
        assert_eq!(answer.status, status, "{headers:?}: {:?}", answer.body);
    }
    assert_eq!(now(&emulator), before, "time did not move");
    let faults = admin(&emulator, &request("GET", "/_slotdrill/faults", &[], None));
    assert_eq!(
        faults.body.expect("a body")["faults"],
        json!([]),
        "no fault was armed"
    );
}

#[test]
fn pages_and_tools_on_this_machine_are_answered() {
    let emulator = common::emulator(1);
    for origin in [
        "http://127.0.0.1:7071",
        "http://localhost:3000",
        "https://[::1]:8443",
    ] {
        let answer = admin(
            &emulator,
            &request(
                "POST",
                "/_slotdrill/faults",
                &[
                    ("origin", origin),
                    ("content-type", "application/json; charset=utf-8"),
                ],
                Some(json!({ "kind": "swap_conflict", "app": "orders" })),
            ),
        );
        assert_eq!(answer.status, 200, "{origin}: {:?}", answer.body);
    }
    // curl and the SDKs send no Origin; a POST without a body needs no content type.
    let advanced = admin(
        &emulator,
        &request("POST", "/_slotdrill/advance?ms=1000", &[], None),
    );
    assert_eq!(advanced.status, 200, "{:?}", advanced.body);
}

#[test]
fn the_token_is_accepted_whatever_the_case_of_bearer() {
    let config = EmulatorConfig {
        require_token: Some("s3cret".to_owned()),
        ..EmulatorConfig::default()
    };
    let emulator = common::emulator_with(1, config);
    for (authorization, status) in [
        ("Bearer s3cret", 200),
        ("bearer s3cret", 200),
        ("BEARER s3cret", 200),
        ("Bearer wrong", 401),
        ("Basic s3cret", 401),
    ] {
        let answer = admin(
            &emulator,
            &request(
                "GET",
                "/_slotdrill/state",
                &[("authorization", authorization)],
                None,
            ),
        );
        assert_eq!(answer.status, status, "{authorization}");
    }
}
