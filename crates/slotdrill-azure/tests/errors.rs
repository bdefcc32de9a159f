//! App Service's own error bodies read as well as ARM's, the "another operation is in progress"
//! 409 retried (and only that one), and each ARM failure handed to the engine as the kind it
//! acts on. Bodies are in `tests/data/` (their sources in `tests/data/README.md`).

mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use slotdrill_azure::ArmError;
use slotdrill_engine::{Cloud, CloudError};
use support::{Arm, SITES, TOKEN, WORKFLOWS, arm_error, in_turn, json_answer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn at(verb: &str, at: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb)).and(path(at.to_owned()))
}

/// A body from `tests/data/`, answered with `status`.
fn data(status: u16, file: &str) -> ResponseTemplate {
    let text = std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR")))
        .expect("test data");
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(text)
}

fn swap_path() -> String {
    format!("{SITES}/orders/slots/deploy/slotsswap")
}

fn workflow_list() -> ResponseTemplate {
    json_answer(
        200,
        serde_json::json!({ "value": [{ "name": "order-flow" }] }),
    )
}

/// The `ArmError` behind a `Failed`.
fn arm_source(error: &CloudError) -> Option<&ArmError> {
    match error {
        CloudError::Failed {
            source: Some(source),
            ..
        } => source.downcast_ref::<ArmError>(),
        _ => None,
    }
}

const SITE_BUSY: &str = "Cannot modify this site because another operation is in progress. Details: Id: f98f19e2-0000-4000-8000-000000000001, OperationName: SwapSiteSlots";
const PREPARED: &str =
    "The slot cannot be changed because its configuration settings have been prepared for swap.";

#[test]
fn app_service_error_bodies_give_their_code_message_and_extended_code() {
    let arm = Arm::start();
    arm.mount(
        at("GET", &format!("{WORKFLOWS}/bad")).respond_with(data(400, "bad-request-400.json")),
    );
    arm.mount(
        at("GET", &format!("{WORKFLOWS}/wrapped"))
            .respond_with(data(400, "spec-default-error.json")),
    );
    let cloud = arm.cloud();

    let error = cloud.read_workflow("bad").expect_err("400");
    match arm_source(&error) {
        Some(ArmError::Status {
            status,
            code,
            message,
            extended_code,
            ..
        }) => {
            assert_eq!((*status, code.as_str()), (400, "BadRequest"));
            assert!(
                message.starts_with("There was a conflict. SiteConfig.PublicNetworkAccess"),
                "{message}"
            );
            assert_eq!(
                extended_code.as_deref(),
                Some("01020"),
                "a string, its leading zero kept"
            );
        }
        other => panic!("expected ArmError::Status behind {error:?}, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains("400 BadRequest (01020): There was a conflict."),
        "{shown}"
    );

    // The spec's wrapped camelCase shape still reads.
    let error = cloud.read_workflow("wrapped").expect_err("400");
    match arm_source(&error) {
        Some(ArmError::Status {
            code,
            message,
            extended_code,
            ..
        }) => {
            assert_eq!(code, "Conflict");
            assert!(
                message.contains("another operation is in progress"),
                "{message}"
            );
            assert_eq!(*extended_code, None);
        }
        other => panic!("expected ArmError::Status, got {other:?}"),
    }
}

#[test]
fn a_busy_site_409_is_retried_even_for_a_swap_then_succeeds() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &swap_path())
            .respond_with(in_turn(vec![
                data(409, "site-busy-409.json"),
                data(409, "plan-busy-409.json"),
                ResponseTemplate::new(200),
            ]))
            .expect(3),
    );
    arm.cloud()
        .swap("orders", "deploy", "production")
        .expect("swapped on the third try");
    arm.verify();
}

#[test]
fn a_busy_site_409_exhausts_the_retries_and_shows_azures_message() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(data(409, "site-busy-409.json"))
            // The first attempt and four retries (`RetryPolicy::max_retries`).
            .expect(5),
    );
    match arm.cloud().workflows() {
        Err(CloudError::Conflict {
            message,
            retry_after_ms,
        }) => {
            assert!(message.contains(SITE_BUSY), "Azure's message: {message}");
            assert!(message.contains("409 Conflict (59203)"), "{message}");
            assert!(
                message.contains("still running after the retries"),
                "{message}"
            );
            assert!(!message.contains(TOKEN));
            assert_eq!(retry_after_ms, None, "no Retry-After sent");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    arm.verify();
}

#[test]
fn the_spec_shaped_busy_409_is_retried_too() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(in_turn(vec![
                data(409, "spec-default-error.json"),
                workflow_list(),
            ]))
            .expect(2),
    );
    assert_eq!(arm.cloud().workflows().expect("listed"), ["order-flow"]);
    arm.verify();
}

#[test]
fn a_prepared_for_swap_409_is_not_retried_and_says_what_to_do() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &swap_path())
            .respond_with(data(409, "prepared-for-swap-409.json").insert_header("retry-after", "7"))
            .expect(1),
    );
    match arm.cloud().swap("orders", "deploy", "production") {
        Err(error @ CloudError::Conflict { .. }) => {
            assert!(error.did_nothing());
            let CloudError::Conflict {
                message,
                retry_after_ms,
            } = error
            else {
                unreachable!()
            };
            assert!(message.contains(PREPARED), "{message}");
            assert!(
                message.contains("swap with preview"),
                "says what to do: {message}"
            );
            assert_eq!(
                retry_after_ms,
                Some(7_000),
                "Retry-After carried to the engine"
            );
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    arm.verify();
}

#[test]
fn a_busy_409_waits_what_retry_after_says() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(in_turn(vec![
                data(409, "site-busy-409.json").insert_header("retry-after", "1"),
                workflow_list(),
            ]))
            .expect(2),
    );
    let started = Instant::now();
    assert_eq!(arm.cloud().workflows().expect("listed"), ["order-flow"]);
    // The test cloud's own backoff is milliseconds: only `Retry-After` makes it wait a second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    arm.verify();
}

#[test]
fn each_status_becomes_the_kind_the_engine_acts_on() {
    let arm = Arm::start();
    let workflow = |name: &str| format!("{WORKFLOWS}/{name}");
    arm.mount(at("GET", &workflow("gone")).respond_with(arm_error(
        404,
        "ResourceNotFound",
        "gone",
    )));
    arm.mount(at("GET", &workflow("who")).respond_with(arm_error(
        401,
        "InvalidAuthenticationTokenTenant",
        "wrong tenant",
    )));
    arm.mount(at("GET", &workflow("locked")).respond_with(arm_error(
        403,
        "AuthorizationFailed",
        "no",
    )));
    arm.mount(
        at("GET", &workflow("busy"))
            .respond_with(
                arm_error(429, "TooManyRequests", "slow down").insert_header("retry-after", "0"),
            )
            .expect(5),
    );
    arm.mount(
        at("POST", &swap_path())
            .respond_with(arm_error(500, "InternalServerError", "oops"))
            .expect(1),
    );
    let cloud = arm.cloud();

    let not_found = cloud.read_workflow("gone").expect_err("404");
    assert!(
        matches!(not_found, CloudError::NotFound(_)),
        "{not_found:?}"
    );
    for name in ["who", "locked"] {
        let error = cloud.read_workflow(name).expect_err("refused");
        assert!(matches!(error, CloudError::Unauthorized(_)), "{error:?}");
        assert!(error.did_nothing());
    }
    match cloud.read_workflow("busy") {
        Err(CloudError::Throttled {
            message,
            retry_after_ms,
        }) => {
            assert!(
                message.contains("429 TooManyRequests: slow down"),
                "{message}"
            );
            assert_eq!(retry_after_ms, Some(0));
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    let failed = cloud
        .swap("orders", "deploy", "production")
        .expect_err("500");
    assert!(matches!(failed, CloudError::Failed { .. }), "{failed:?}");
    assert!(!failed.did_nothing(), "a server error may have acted");
    assert!(
        matches!(arm_source(&failed), Some(ArmError::Status { status: 500, code, .. }) if code == "InternalServerError"),
        "the ArmError is the source: {failed:?}"
    );
    arm.verify();
}

#[test]
fn a_swap_whose_answer_is_lost_may_have_acted() {
    // A listener that reads the request and hangs up without answering.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("a request");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        // Read until the JSON body has arrived: the request was sent in full.
        while !seen.ends_with(b"}") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let arm = Arm::start();
    let mut config = arm.config();
    config.endpoint = endpoint;
    let error = slotdrill_azure::ArmCloud::new(config)
        .expect("client")
        .swap("orders", "deploy", "production")
        .expect_err("no answer");
    let request = server.join().expect("server");
    assert!(request.starts_with("POST "), "{request}");
    assert!(matches!(error, CloudError::NoAnswer(_)), "{error:?}");
    assert!(!error.did_nothing());
    assert!(!error.to_string().contains(TOKEN));
}

#[test]
fn a_refused_connection_sent_nothing_and_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let arm = Arm::start();
    let mut config = arm.config();
    config.endpoint = closed;
    let error = slotdrill_azure::ArmCloud::new(config)
        .expect("client")
        .swap("orders", "deploy", "production")
        .expect_err("nobody listens");
    // The port has no kind for "never sent": `Failed` keeps the ArmError, which says so.
    assert!(matches!(error, CloudError::Failed { .. }), "{error:?}");
    assert!(
        matches!(
            arm_source(&error),
            Some(ArmError::Transport { sent: false, .. })
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("not sent") && shown.contains("nothing was changed"),
        "{shown}"
    );
}
