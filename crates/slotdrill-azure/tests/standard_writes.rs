//! What `ArmCloud` writes to Logic Apps Standard (issue 21), against wiremock with the REST
//! spec's examples (`tests/data/spec-examples/`): a partial rollback's rewritten `workflow.json`
//! and its key setting go in one `POST …/deployWorkflowArtifacts` (the shape of
//! `PostDeployWorkflowArtifacts.json`, answered with its empty 200), with every setting of the
//! site so that nothing is lost whether Azure merges `appSettings` or replaces the dictionary;
//! the file is re-read and compared first; restore writes the file alone and removes the
//! setting by read-modify-write of `config/appsettings`. No key or setting value reaches an error.

mod support;

use serde_json::{Value, json};
use slotdrill_engine::{Cloud, CloudError};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;
use support::{
    Arm, TOKEN, example, example_body, example_cloud, example_sites, in_turn, json_answer,
};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

const GROUP: &str = "testrg123";
const SITE: &str = "testsite2";
const WORKFLOW: &str = "testsite2/stateful1";
const SETTING: &str = "SLOTDRILL_KEY_SENDINVOICE";
const KEY: &str = "DeploySlotFunctionKey0123456789abcdefABCDEF==";

fn web(verb: &str, at: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(query_param("api-version", "2024-11-01"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

fn site() -> String {
    format!("{}/{SITE}", example_sites(GROUP))
}

/// `GetWorkflow.json`'s envelope, answered to every read of `stateful1`.
fn envelope(arm: &Arm, times: u64) {
    arm.mount(
        web("GET", &format!("{}/workflows/stateful1", site()))
            .respond_with(json_answer(
                200,
                example_body("web-workflows/GetWorkflow.json"),
            ))
            .expect(times),
    );
}

/// The site's settings: `ListAppSettings.json`'s answer (written for another site of the
/// same group; the shape is what matters).
fn settings(arm: &Arm, times: u64) -> serde_json::Map<String, Value> {
    let body = example_body("ListAppSettings.json");
    arm.mount(
        web("POST", &format!("{}/config/appsettings/list", site()))
            .respond_with(json_answer(200, body.clone()))
            .expect(times),
    );
    body["properties"].as_object().expect("settings").clone()
}

/// The example's own answer to a deployment: 200 with no body.
fn deployed() -> ResponseTemplate {
    assert_eq!(
        example("web-workflows/PostDeployWorkflowArtifacts.json")["responses"]["200"],
        json!({})
    );
    ResponseTemplate::new(200)
}

/// The read workflow with a `Response` action added: what a rewrite changes.
fn rewritten(document: &Document) -> Document {
    let mut root = document.root.clone();
    root["definition"]["actions"]["Answer"] =
        json!({ "type": "Response", "inputs": { "statusCode": 200 } });
    Document::from_project(
        "stateful1/workflow.json",
        WORKFLOW,
        root,
        slotdrill_wdl::Project {
            marker: Some("host.json".to_owned()),
            ..Default::default()
        },
    )
    .expect("document")
}

#[test]
fn a_rollback_write_sends_the_file_and_every_setting_in_one_deploy_workflow_artifacts() {
    let arm = Arm::start();
    envelope(&arm, 2);
    let mut whole = settings(&arm, 1);
    let cloud = example_cloud(&arm, GROUP);
    let read = cloud.read_workflow(WORKFLOW).expect("read");
    let document = rewritten(&read.document);
    whole.insert(SETTING.to_owned(), json!(KEY));
    let body = json!({
        "files": { "stateful1/workflow.json": document.root.clone() },
        "appSettings": whole,
    });
    // The request has the example's shape: its keys are the example's `workflowArtifacts` keys.
    let example_keys: Vec<String> = example("web-workflows/PostDeployWorkflowArtifacts.json")
        ["parameters"]["workflowArtifacts"]
        .as_object()
        .expect("workflowArtifacts")
        .keys()
        .cloned()
        .collect();
    for key in body.as_object().expect("body").keys() {
        assert!(
            example_keys.contains(key),
            "{key} is not in {example_keys:?}"
        );
    }
    arm.mount(
        web("POST", &format!("{}/deployWorkflowArtifacts", site()))
            .and(body_json(body))
            .respond_with(deployed())
            .expect(1),
    );
    // The setting goes with the file, never through config/appsettings.
    arm.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{}/config/appsettings", site())))
            .respond_with(json_answer(200, json!({})))
            .expect(0),
    );
    let version = cloud
        .deploy_workflow_artifacts(
            WORKFLOW,
            &document,
            &read.version,
            &[(SETTING.to_owned(), Secret::new(KEY))],
        )
        .expect("deployed");
    assert_ne!(version, read.version, "a new file, a new version");
    arm.verify();
    let seen = arm.seen();
    assert_eq!(
        seen,
        [
            format!("GET {}/workflows/stateful1", site()),
            format!("GET {}/workflows/stateful1", site()),
            format!("POST {}/config/appsettings/list", site()),
            format!("POST {}/deployWorkflowArtifacts", site()),
        ],
        "read, re-read and compare, settings, one deployment"
    );
}

#[test]
fn a_file_changed_since_the_read_is_not_written() {
    let arm = Arm::start();
    let cloud = example_cloud(&arm, GROUP);
    // Someone saves the workflow between the engine's read and the write.
    let mut changed = example_body("web-workflows/GetWorkflow.json");
    changed["properties"]["files"]["workflow.json"]["definition"]["actions"]["Other"] =
        json!({ "type": "Compose", "inputs": 1 });
    arm.mount(
        web("GET", &format!("{}/workflows/stateful1", site()))
            .respond_with(in_turn(vec![
                json_answer(200, example_body("web-workflows/GetWorkflow.json")),
                json_answer(200, changed),
            ]))
            .expect(2),
    );
    let read = cloud.read_workflow(WORKFLOW).expect("read");
    settings(&arm, 0);
    arm.mount(
        Mock::given(method("POST"))
            .and(path(format!("{}/deployWorkflowArtifacts", site())))
            .respond_with(deployed())
            .expect(0),
    );
    let error = cloud
        .deploy_workflow_artifacts(
            WORKFLOW,
            &rewritten(&read.document),
            &read.version,
            &[(SETTING.to_owned(), Secret::new(KEY))],
        )
        .expect_err("refused");
    assert!(
        matches!(&error, CloudError::VersionChanged { workflow, expected, .. } if workflow == WORKFLOW && *expected == read.version),
        "{error:?}"
    );
    arm.verify();
}

#[test]
fn restore_writes_the_file_alone_then_removes_the_setting_from_the_whole_dictionary() {
    let arm = Arm::start();
    envelope(&arm, 2);
    let cloud = example_cloud(&arm, GROUP);
    let read = cloud.read_workflow(WORKFLOW).expect("read");
    let document = rewritten(&read.document);
    arm.mount(
        web("POST", &format!("{}/deployWorkflowArtifacts", site()))
            .and(body_json(
                json!({ "files": { "stateful1/workflow.json": document.root.clone() } }),
            ))
            .respond_with(deployed())
            .expect(1),
    );
    cloud
        .write_workflow(WORKFLOW, &document, &read.version)
        .expect("written");

    let mut with_key = example_body("ListAppSettings.json");
    with_key["properties"][SETTING] = json!(KEY);
    arm.mount(
        web("POST", &format!("{}/config/appsettings/list", site()))
            .respond_with(json_answer(200, with_key))
            .expect(1),
    );
    let rest = example_body("ListAppSettings.json")["properties"].clone();
    arm.mount(
        web("PUT", &format!("{}/config/appsettings", site()))
            .and(body_json(json!({ "properties": rest })))
            .respond_with(json_answer(200, json!({ "properties": rest })))
            .expect(1),
    );
    cloud
        .remove_logic_app_setting(WORKFLOW, SETTING)
        .expect("removed from the workflow's site");
    arm.verify();
}

#[test]
fn a_refused_deployment_keeps_the_key_and_the_settings_out_of_the_error() {
    let arm = Arm::start();
    envelope(&arm, 2);
    let connection = "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKey=SECRETVALUE=";
    arm.mount(
        web("POST", &format!("{}/config/appsettings/list", site())).respond_with(json_answer(
            200,
            json!({ "properties": { "eventHub_connectionString": connection, "FUNCTIONS_EXTENSION_VERSION": "~4" } }),
        )),
    );
    // An answer that echoes what was sent.
    arm.mount(
        web("POST", &format!("{}/deployWorkflowArtifacts", site())).respond_with(json_answer(
            400,
            json!({ "Code": "BadRequest", "Message": format!("invalid appSettings {SETTING}={KEY}; eventHub_connectionString={connection}") }),
        )),
    );
    let cloud = example_cloud(&arm, GROUP);
    let read = cloud.read_workflow(WORKFLOW).expect("read");
    let error = cloud
        .deploy_workflow_artifacts(
            WORKFLOW,
            &rewritten(&read.document),
            &read.version,
            &[(SETTING.to_owned(), Secret::new(KEY))],
        )
        .expect_err("refused");
    let text = format!("{error} {error:?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(!text.contains("SECRETVALUE"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(
        text.contains("deployWorkflowArtifacts"),
        "names the request: {text}"
    );
}

/// Removing the key setting PUTs the site's whole dictionary: an answer echoing it must not
/// carry the site's other secrets (a connection string) into the error either.
#[test]
fn a_refused_settings_write_keeps_the_other_settings_out_of_the_error() {
    let arm = Arm::start();
    let connection = "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKey=SECRETVALUE=";
    arm.mount(
        web("POST", &format!("{}/config/appsettings/list", site())).respond_with(json_answer(
            200,
            json!({ "properties": { SETTING: KEY, "eventHub_connectionString": connection } }),
        )),
    );
    arm.mount(
        web("PUT", &format!("{}/config/appsettings", site())).respond_with(json_answer(
            400,
            json!({ "Code": "BadRequest", "Message": format!("invalid appSettings eventHub_connectionString={connection}") }),
        )),
    );
    let error = example_cloud(&arm, GROUP)
        .remove_logic_app_setting(WORKFLOW, SETTING)
        .expect_err("refused");
    let text = format!("{error} {error:?}");
    assert!(!text.contains("SECRETVALUE"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("BadRequest"), "says why: {text}");
}

#[test]
fn a_deployment_whose_answer_is_a_server_error_is_not_sent_again() {
    // A POST that failed on the server may have acted: it is not retried, and the error says
    // its effect is unknown, so the engine judges it by what the workflow holds.
    let arm = Arm::start();
    envelope(&arm, 2);
    settings(&arm, 1);
    arm.mount(
        web("POST", &format!("{}/deployWorkflowArtifacts", site()))
            .respond_with(json_answer(
                500,
                json!({ "error": { "code": "InternalServerError", "message": "try later" } }),
            ))
            .expect(1),
    );
    let cloud = example_cloud(&arm, GROUP);
    let read = cloud.read_workflow(WORKFLOW).expect("read");
    let error = cloud
        .deploy_workflow_artifacts(
            WORKFLOW,
            &rewritten(&read.document),
            &read.version,
            &[(SETTING.to_owned(), Secret::new(KEY))],
        )
        .expect_err("failed");
    assert!(!error.did_nothing(), "its effect is unknown: {error:?}");
    arm.verify();
}
