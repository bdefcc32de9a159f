//! What `ArmCloud` does when ARM misbehaves, against wiremock: throttling waited out after
//! `Retry-After`, long-running operations polled through either header to their end, failed
//! operations, server errors retried (reads only) then given up, pages followed (only to the
//! configured endpoint), a workflow changed behind the engine's back, securestring parameters
//! kept, and ARM errors that say what to do. No message holds the token.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use slotdrill_engine::{Cloud, CloudError};
use support::{Arm, SITES, TOKEN, WORKFLOWS, arm_error, in_turn, json_answer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn at(verb: &str, at: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb)).and(path(at.to_owned()))
}

fn one_workflow() -> ResponseTemplate {
    json_answer(200, json!({ "value": [{ "name": "order-flow" }] }))
}

#[test]
fn throttling_is_waited_out_after_retry_after() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(in_turn(vec![
                arm_error(429, "TooManyRequests", "throttled").insert_header("retry-after", "1"),
                one_workflow(),
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
fn throttling_of_a_swap_is_retried_but_gives_up_after_four_retries() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap"))
            .respond_with(
                arm_error(429, "TooManyRequests", "throttled").insert_header("retry-after", "0"),
            )
            .expect(5),
    );
    let error = arm
        .cloud()
        .swap("orders", "deploy", "production")
        .expect_err("gives up")
        .to_string();
    assert!(
        error.contains("429 TooManyRequests") && error.contains("wait a minute and retry"),
        "{error}"
    );
    arm.verify();
}

#[test]
fn a_swap_is_polled_through_azure_async_operation_in_preference_to_location() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap"))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header(
                        "azure-asyncoperation",
                        format!("{}/async/op-1", arm.uri()).as_str(),
                    )
                    .insert_header("location", format!("{}/location/op-1", arm.uri()).as_str())
                    .insert_header("retry-after", "0"),
            )
            .expect(1),
    );
    arm.mount(
        at("GET", "/async/op-1")
            .respond_with(in_turn(vec![
                json_answer(200, json!({ "status": "InProgress" })),
                json_answer(200, json!({ "status": "Running" })),
                json_answer(200, json!({ "status": "Succeeded" })),
            ]))
            .expect(3),
    );
    arm.mount(
        at("GET", "/location/op-1")
            .respond_with(ResponseTemplate::new(200))
            .expect(0),
    );
    arm.cloud()
        .swap("orders", "deploy", "production")
        .expect("swapped");
    arm.verify();
}

#[test]
fn polls_wait_what_retry_after_says() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap")).respond_with(
            ResponseTemplate::new(202)
                .insert_header("azure-asyncoperation", format!("{}/op", arm.uri()).as_str()),
        ),
    );
    arm.mount(
        at("GET", "/op")
            .respond_with(in_turn(vec![
                json_answer(200, json!({ "status": "InProgress" }))
                    .insert_header("retry-after", "1"),
                json_answer(200, json!({ "status": "Succeeded" })),
            ]))
            .expect(2),
    );
    let mut config = arm.config();
    config.poll_in_real_time = true;
    let started = Instant::now();
    slotdrill_azure::ArmCloud::new(config)
        .expect("client")
        .swap("orders", "deploy", "production")
        .expect("swapped");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured between polls"
    );
    arm.verify();
}

#[test]
fn a_swap_is_polled_through_location_when_that_is_all_there_is() {
    let arm = Arm::start();
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap"))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header("location", format!("{}/location/op-2", arm.uri()).as_str()),
            )
            .expect(1),
    );
    arm.mount(
        at("GET", "/location/op-2")
            .respond_with(in_turn(vec![
                ResponseTemplate::new(202).insert_header("retry-after", "0"),
                ResponseTemplate::new(202),
                ResponseTemplate::new(200),
            ]))
            .expect(3),
    );
    arm.cloud()
        .swap("orders", "deploy", "production")
        .expect("swapped");
    arm.verify();
}

#[test]
fn a_failed_or_canceled_operation_is_an_error_that_names_it() {
    for (end, code) in [("Failed", "SwapFailed"), ("Canceled", "Canceled")] {
        let arm = Arm::start();
        arm.mount(
            at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap")).respond_with(
                ResponseTemplate::new(202)
                    .insert_header("azure-asyncoperation", format!("{}/op", arm.uri()).as_str()),
            ),
        );
        arm.mount(at("GET", "/op").respond_with(in_turn(vec![
            json_answer(200, json!({ "status": "InProgress" })),
            json_answer(
                200,
                json!({ "status": end, "error": { "code": code, "message": "warm-up of deploy timed out" } }),
            ),
        ])));
        let error = arm
            .cloud()
            .swap("orders", "deploy", "production")
            .expect_err("failed")
            .to_string();
        assert!(
            error.contains(&format!("POST {SITES}/orders/slots/deploy/slotsswap"))
                && error.contains(&format!("ended {end}: {code}"))
                && error.contains("warm-up of deploy timed out"),
            "{error}"
        );
        if end == "Failed" {
            assert!(
                error.contains("did not warm up"),
                "says what to do: {error}"
            );
        }
        assert!(!error.contains(TOKEN));
    }
}

#[test]
fn server_errors_on_reads_are_retried_until_they_succeed() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(in_turn(vec![
                arm_error(503, "ServiceUnavailable", "try later"),
                arm_error(500, "InternalServerError", "oops"),
                one_workflow(),
            ]))
            .expect(3),
    );
    assert_eq!(arm.cloud().workflows().expect("listed"), ["order-flow"]);
    arm.verify();
}

#[test]
fn server_errors_exhaust_the_retries_and_a_swap_is_never_repeated() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(arm_error(503, "ServiceUnavailable", "try later"))
            .expect(5),
    );
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap"))
            .respond_with(arm_error(502, "BadGateway", "lost"))
            .expect(1),
    );
    let cloud = arm.cloud();
    let error = cloud.workflows().expect_err("gives up").to_string();
    assert!(
        error.contains("503 ServiceUnavailable: try later") && error.contains("retry later"),
        "{error}"
    );
    let error = cloud
        .swap("orders", "deploy", "production")
        .expect_err("fails")
        .to_string();
    assert!(error.contains("502 BadGateway"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");
    arm.verify();
}

#[test]
fn a_refused_connection_is_reported_with_its_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let arm = Arm::start();
    let mut config = arm.config();
    config.endpoint = closed;
    let error = slotdrill_azure::ArmCloud::new(config)
        .expect("client")
        .workflows()
        .expect_err("nobody listens")
        .to_string();
    assert!(
        error.starts_with(&format!("GET {WORKFLOWS}: ")) && error.contains("onnect"),
        "{error}"
    );
}

#[test]
fn pages_are_followed_to_the_end() {
    let arm = Arm::start();
    let next = |token: &str| {
        format!(
            "{}{WORKFLOWS}?api-version=2019-05-01&$skiptoken={token}",
            arm.uri()
        )
    };
    arm.mount(
        at("GET", WORKFLOWS)
            .and(wiremock::matchers::query_param_is_missing("$skiptoken"))
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "a" }], "nextLink": next("2") }),
            ))
            .expect(1),
    );
    arm.mount(
        at("GET", WORKFLOWS)
            .and(wiremock::matchers::query_param("$skiptoken", "2"))
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "b" }, { "name": "c" }], "nextLink": next("3") }),
            ))
            .expect(1),
    );
    arm.mount(
        at("GET", WORKFLOWS)
            .and(wiremock::matchers::query_param("$skiptoken", "3"))
            .respond_with(json_answer(200, json!({ "value": [{ "name": "d" }] })))
            .expect(1),
    );
    assert_eq!(
        arm.cloud().workflows().expect("listed"),
        ["a", "b", "c", "d"]
    );
    arm.verify();
}

#[test]
fn a_next_link_to_another_host_is_not_followed() {
    let arm = Arm::start();
    arm.mount(
        at("GET", WORKFLOWS)
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "a" }], "nextLink": "https://attacker.example/steal" }),
            ))
            .expect(1),
    );
    let error = arm.cloud().workflows().expect_err("refused").to_string();
    assert!(error.contains("nextLink leaves"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");
    arm.verify();
}

fn workflow(version: &str, parameters: serde_json::Value) -> serde_json::Value {
    json!({
        "location": "westeurope",
        "properties": {
            "state": "Enabled",
            "version": version,
            "definition": {
                "parameters": { "apiKey": { "type": "SecureString" } },
                "triggers": { "manual": { "type": "Request", "kind": "Http" } },
                "actions": {}
            },
            "parameters": parameters
        }
    })
}

#[test]
fn a_workflow_changed_between_read_and_write_is_not_overwritten() {
    let arm = Arm::start();
    let flow = format!("{WORKFLOWS}/order-flow");
    arm.mount(
        at("GET", &flow)
            .respond_with(in_turn(vec![
                json_answer(200, workflow("v1", json!({}))),
                // Someone saved the workflow in the portal meanwhile.
                json_answer(200, workflow("v2", json!({}))),
            ]))
            .expect(2),
    );
    arm.mount(
        at("PUT", &flow)
            .respond_with(ResponseTemplate::new(200))
            .expect(0),
    );
    // A read older than `fresh_read` does not stand as the check: the write reads again.
    let mut config = arm.config();
    config.fresh_read = Duration::ZERO;
    let cloud = slotdrill_azure::ArmCloud::new(config).expect("client");
    let read = cloud.read_workflow("order-flow").expect("read");
    let error = cloud
        .write_workflow("order-flow", &read.document, &read.version)
        .expect_err("refused");
    assert!(
        matches!(
            &error,
            CloudError::VersionChanged { workflow, expected, found }
                if workflow == "order-flow" && expected == "v1" && found == "v2"
        ),
        "{error:?}"
    );
    arm.verify();
}

#[test]
fn a_workflow_is_never_written_back_without_its_securestring_values() {
    let arm = Arm::start();
    let flow = format!("{WORKFLOWS}/order-flow");
    // ARM's GET leaves out the value of a SecureString parameter.
    arm.mount(
        at("GET", &flow)
            .respond_with(json_answer(200, workflow("v1", json!({ "apiKey": {} }))))
            .expect(1),
    );
    arm.mount(
        at("PUT", &flow)
            .respond_with(ResponseTemplate::new(200))
            .expect(0),
    );
    let cloud = arm.cloud();
    let read = cloud.read_workflow("order-flow").expect("read");
    let error = cloud
        .write_workflow("order-flow", &read.document, &read.version)
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("refusing to write `order-flow` back")
            && error.contains("--secure-parameter order-flow/apiKey=ENV_VAR"),
        "{error}"
    );
    arm.verify();
}

#[test]
fn arm_errors_are_typed_and_say_what_to_do() {
    let arm = Arm::start();
    arm.mount(
        at("GET", &format!("{WORKFLOWS}/gone")).respond_with(arm_error(
            404,
            "ResourceNotFound",
            "The Resource 'gone' was not found.",
        )),
    );
    arm.mount(
        at("GET", &format!("{WORKFLOWS}/locked")).respond_with(arm_error(
            403,
            "AuthorizationFailed",
            "The client does not have authorization to perform action",
        )),
    );
    let cloud = arm.cloud();
    match cloud.read_workflow("gone") {
        Err(CloudError::NotFound(message)) => assert!(
            message.contains("404 ResourceNotFound") && message.contains("check --subscription"),
            "{message}"
        ),
        other => panic!("expected NotFound, got {other:?}"),
    }
    let error = cloud
        .read_workflow("locked")
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("403 AuthorizationFailed") && error.contains("Logic App Contributor"),
        "{error}"
    );
}

#[test]
fn an_operation_link_to_another_host_is_not_polled() {
    let arm = Arm::start();
    // The same host on another port is another endpoint too.
    let elsewhere = arm
        .uri()
        .rsplit_once(':')
        .map(|(host, port)| format!("{host}:{port}9"))
        .expect("a port");
    arm.mount(
        at("POST", &format!("{SITES}/orders/slots/deploy/slotsswap"))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header("azure-asyncoperation", format!("{elsewhere}/op").as_str()),
            )
            .expect(1),
    );
    let error = arm
        .cloud()
        .swap("orders", "deploy", "production")
        .expect_err("not followed")
        .to_string();
    assert!(error.contains("not followed"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");
    arm.verify();
}

#[test]
fn supplied_securestring_values_are_written_back() {
    let arm = Arm::start();
    let flow = format!("{WORKFLOWS}/order-flow");
    arm.mount(
        at("GET", &flow)
            .respond_with(json_answer(200, workflow("v1", json!({ "apiKey": {} }))))
            .expect(1),
    );
    let written = workflow("v1", json!({ "apiKey": { "value": "from-the-vault" } }));
    arm.mount(
        at("PUT", &flow)
            .and(wiremock::matchers::body_json(json!({
                "location": "westeurope",
                "properties": {
                    "definition": written["properties"]["definition"],
                    "parameters": { "apiKey": { "value": "from-the-vault" } },
                    "state": "Enabled"
                }
            })))
            .respond_with(json_answer(200, workflow("v2", json!({ "apiKey": {} }))))
            .expect(1),
    );
    let mut config = arm.config();
    config.secure_parameters.insert(
        "ORDER-FLOW/apikey".to_owned(),
        slotdrill_model::Secret::new("from-the-vault".to_owned()),
    );
    let cloud = slotdrill_azure::ArmCloud::new(config).expect("client");
    let read = cloud.read_workflow("order-flow").expect("read");
    assert_eq!(
        cloud
            .write_workflow("order-flow", &read.document, &read.version)
            .expect("written"),
        "v2"
    );
    arm.verify();
}
