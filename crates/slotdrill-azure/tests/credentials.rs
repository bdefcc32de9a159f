//! Where `ArmCloud`'s token comes from, against wiremock as both token endpoint and ARM: a client
//! secret's token fetched once and reused, fetched again inside five minutes of its expiry and
//! once after ARM answers 401 `ExpiredAuthenticationToken` (not in a loop), a refused secret
//! reported without the secret, and the Azure CLI's login.

mod support;

use serde_json::json;
use slotdrill_azure::Credential;
use slotdrill_engine::Cloud;
use support::{Arm, WORKFLOWS, arm_error, bearer, client_secret, in_turn, json_answer, token};
use wiremock::Mock;
use wiremock::matchers::{body_string, header, method, path};

const TOKEN_PATH: &str = "/tenant-1/oauth2/v2.0/token";

fn list_workflows(arm: &Arm) {
    arm.mount(
        Mock::given(method("GET"))
            .and(path(WORKFLOWS))
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "order-flow" }] }),
            )),
    );
}

#[test]
fn a_client_secret_token_is_fetched_once_and_reused() {
    let arm = Arm::start();
    arm.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string(
                "grant_type=client_credentials&client_id=app-1&client_secret=s3cret%26value&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
            ))
            .respond_with(token("tok-1", 3600))
            .expect(1),
    );
    list_workflows(&arm);
    let cloud = arm.cloud_with(client_secret(&arm));
    cloud.workflows().expect("lists");
    cloud.workflows().expect("lists");
    let arm_requests: Vec<String> = arm
        .requests()
        .iter()
        .filter(|r| r.url.path() == WORKFLOWS)
        .map(bearer)
        .collect();
    assert_eq!(arm_requests, ["Bearer tok-1", "Bearer tok-1"]);
    arm.verify();
}

#[test]
fn a_token_about_to_expire_is_fetched_again() {
    let arm = Arm::start();
    arm.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(in_turn(vec![token("tok-short", 60), token("tok-next", 60)]))
            .expect(2),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(path(support::SITES))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    let cloud = arm.cloud_with(client_secret(&arm));
    // One request each (`workflows()` also lists the sites for Standard workflows).
    cloud.site_names().expect("lists");
    cloud.site_names().expect("lists");
    // A token valid for 60 s is inside the five-minute margin: each request fetches one.
    arm.verify();
}

#[test]
fn an_expired_token_is_fetched_again_once() {
    let expired = || {
        arm_error(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )
    };
    let arm = Arm::start();
    arm.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(in_turn(vec![token("tok-1", 3600), token("tok-2", 3600)]))
            .expect(2),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(path(WORKFLOWS))
            .respond_with(in_turn(vec![
                expired(),
                json_answer(200, json!({ "value": [{ "name": "order-flow" }] })),
            ]))
            .expect(2),
    );
    let cloud = arm.cloud_with(client_secret(&arm));
    assert_eq!(cloud.workflows().expect("lists"), ["order-flow"]);
    let used: Vec<String> = arm
        .requests()
        .iter()
        .filter(|r| r.url.path() == WORKFLOWS)
        .map(bearer)
        .collect();
    assert_eq!(used, ["Bearer tok-1", "Bearer tok-2"]);
    arm.verify();

    // A token refused again right after a refresh is an error, not a loop.
    let arm = Arm::start();
    arm.mount(
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(token("tok", 3600))
            .expect(2),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(path(WORKFLOWS))
            .respond_with(expired())
            .expect(2),
    );
    let error = arm
        .cloud_with(client_secret(&arm))
        .workflows()
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("401 ExpiredAuthenticationToken") && error.contains("az login"),
        "{error}"
    );
    arm.verify();
}

#[test]
fn a_refused_client_secret_is_reported_without_the_secret() {
    let arm = Arm::start();
    arm.mount(Mock::given(method("POST")).and(path(TOKEN_PATH)).respond_with(
        json_answer(
            401,
            json!({ "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided: s3cret&value" }),
        ),
    ));
    arm.mount(
        Mock::given(method("GET"))
            .and(path(WORKFLOWS))
            .respond_with(json_answer(200, json!({ "value": [] })))
            .expect(0),
    );
    let error = arm
        .cloud_with(client_secret(&arm))
        .workflows()
        .expect_err("refused")
        .to_string();
    assert!(error.contains("401 invalid_client"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
    arm.verify();
}

#[test]
fn the_azure_cli_login_is_used_when_nothing_else_is_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let az = dir.path().join("az");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 3600;
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"account get-access-token\" ] || exit 3\necho '{{\"accessToken\":\"cli-tok\",\"expires_on\":{expires}}}'\n"
        ),
    )
    .expect("writes");
    std::fs::set_permissions(&az, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let arm = Arm::start();
    list_workflows(&arm);
    let cli = || Credential::AzureCli {
        program: az.clone(),
        resource: "https://management.azure.com/".to_owned(),
    };
    arm.cloud_with(cli()).workflows().expect("lists");
    assert_eq!(bearer(&arm.requests()[0]), "Bearer cli-tok");

    std::fs::write(&az, "#!/bin/sh\necho 'Please run az login' >&2\nexit 1\n").expect("writes");
    let error = arm
        .cloud_with(cli())
        .workflows()
        .expect_err("no login")
        .to_string();
    assert!(error.contains("az login"), "{error}");
}
