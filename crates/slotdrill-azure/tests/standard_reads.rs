//! What `ArmCloud` reads of Logic Apps Standard (issue 21), against wiremock answering with the
//! REST spec's own examples (`tests/data/spec-examples/web-workflows/`, Microsoft.Web stable
//! 2024-11-01; sources in its README): a `workflowapp` site is not a function app, its workflows
//! are listed and read from their envelopes (`{site}/{workflow}`), connections come from the
//! files or `listWorkflowsConnections`, and run history and triggers live under the site's host
//! runtime. Each request is checked for method, path, api-version and token.

mod support;

use serde_json::{Value, json};
use slotdrill_engine::{ActionOutcome, Cloud};
use slotdrill_wdl::Format;
use support::{Arm, TOKEN, example_body, example_cloud, example_sites, json_answer};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

const WEB: &str = "2024-11-01";
/// The App Service examples' resource group and Standard site.
const GROUP: &str = "testrg123";
const SITE: &str = "testsite2";
/// The run history examples' resource group, site, workflow and run.
const RUN_GROUP: &str = "test-resource-group";
const RUN_SITE: &str = "test-name";
const RUN: &str = "08586676746934337772206998657CU22";
/// The run's `startTime` in `WorkflowRuns_List.json`, 2018-08-10T20:16:32.044238Z.
const RUN_STARTED: u64 = 1_533_932_192_044;

fn web(verb: &str, at: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(query_param("api-version", WEB))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

fn ex(file: &str) -> ResponseTemplate {
    json_answer(200, example_body(&format!("web-workflows/{file}")))
}

/// A site as `GET …/sites` lists it (ours: the examples list only `kind: app` sites).
fn site(name: &str, kind: &str) -> Value {
    json!({ "name": name, "kind": kind, "properties": { "state": "Running", "defaultHostName": format!("{name}.azurewebsites.net") } })
}

/// The resource group's lists: `sites` and no Consumption workflow.
fn lists(arm: &Arm, group: &str, sites: Vec<Value>) {
    arm.mount(
        web("GET", &example_sites(group)).respond_with(json_answer(200, json!({ "value": sites }))),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/subscriptions/{}/resourceGroups/{group}/providers/Microsoft.Logic/workflows",
                support::EXAMPLE_SUBSCRIPTION
            )))
            .and(query_param("api-version", "2019-05-01"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
}

#[test]
fn a_workflow_app_site_is_not_a_function_app() {
    let arm = Arm::start();
    let sites = example_sites(GROUP);
    lists(
        &arm,
        GROUP,
        vec![
            site("orders", "functionapp"),
            site(SITE, "functionapp,workflowapp"),
        ],
    );
    // The function app: no slots, no sticky names, a labelled release, no functions.
    arm.mount(
        web("GET", &format!("{sites}/orders/slots"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    arm.mount(
        web("GET", &format!("{sites}/orders/config/slotConfigNames"))
            .respond_with(json_answer(200, json!({ "properties": {} }))),
    );
    arm.mount(
        web("POST", &format!("{sites}/orders/config/appsettings/list")).respond_with(json_answer(
            200,
            json!({ "properties": { "SLOTDRILL_RELEASE": "v1" } }),
        )),
    );
    arm.mount(
        web("GET", &format!("{sites}/orders/functions"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    // Nothing of a function app is read of the Logic App's site.
    for tail in ["slots", "config/slotConfigNames", "functions"] {
        arm.mount(
            Mock::given(method("GET"))
                .and(path(format!("{sites}/{SITE}/{tail}")))
                .respond_with(json_answer(200, json!({ "value": [] })))
                .expect(0),
        );
    }
    let apps = example_cloud(&arm, GROUP).apps().expect("apps");
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["orders"], "the workflowapp site is left out");
    arm.verify();
}

#[test]
fn standard_workflows_are_listed_as_site_slash_workflow_and_read_from_their_files() {
    let arm = Arm::start();
    let sites = example_sites(GROUP);
    lists(
        &arm,
        GROUP,
        vec![
            site("orders", "functionapp"),
            site(SITE, "functionapp,workflowapp"),
        ],
    );
    arm.mount(
        web("GET", &format!("{sites}/{SITE}/workflows"))
            .respond_with(ex("ListWorkflows.json"))
            .expect(1),
    );
    arm.mount(
        web("GET", &format!("{sites}/{SITE}/workflows/stateful1"))
            .respond_with(ex("GetWorkflow.json"))
            .expect(2),
    );
    // The example's files hold connections.json: the site's list is not asked for.
    arm.mount(
        web("POST", &format!("{sites}/{SITE}/listWorkflowsConnections"))
            .respond_with(json_answer(200, json!({})))
            .expect(0),
    );
    let cloud = example_cloud(&arm, GROUP);
    assert_eq!(
        cloud.workflows().expect("listed"),
        ["testsite2/a1", "testsite2/stateful2"],
        "the envelopes' names, Consumption workflows (none) first"
    );
    let read = cloud.read_workflow("testsite2/stateful1").expect("read");
    assert_eq!(
        read.document.format,
        Format::Standard,
        "{}",
        read.document.detected()
    );
    let file = &example_body("web-workflows/GetWorkflow.json")["properties"]["files"];
    assert_eq!(
        read.document.root, file["workflow.json"],
        "workflow.json as read"
    );
    assert_eq!(
        read.document.connections.as_ref(),
        Some(&file["connections.json"])
    );
    assert!(read.version.starts_with("file-"), "{}", read.version);
    let again = cloud.read_workflow("testsite2/stateful1").expect("read");
    assert_eq!(
        again.version, read.version,
        "the same file, the same version"
    );
    arm.verify();
}

#[test]
fn connections_come_from_list_workflows_connections_when_the_files_have_none() {
    let arm = Arm::start();
    let sites = example_sites(GROUP);
    let mut envelope = example_body("web-workflows/GetWorkflow.json");
    let connections = envelope["properties"]["files"]
        .as_object_mut()
        .expect("files")
        .remove("connections.json")
        .expect("connections.json");
    arm.mount(
        web("GET", &format!("{sites}/{SITE}/workflows/stateful1"))
            .respond_with(json_answer(200, envelope)),
    );
    // Ours (no example is published for WebApps_ListWorkflowsConnections): the spec's response
    // is a WorkflowEnvelope, whose `properties.files` holds connections.json.
    arm.mount(
        web("POST", &format!("{sites}/{SITE}/listWorkflowsConnections"))
            .respond_with(json_answer(
                200,
                json!({ "name": format!("{SITE}/connections"), "type": "Microsoft.Web/sites/workflows", "properties": { "files": { "connections.json": connections.clone() } } }),
            ))
            .expect(1),
    );
    let read = example_cloud(&arm, GROUP)
        .read_workflow("testsite2/stateful1")
        .expect("read");
    assert_eq!(read.document.connections, Some(connections));
    arm.verify();
}

/// A Standard workflow whose `HTTP` action runs inside a `For_each` (ours: the run history
/// examples name no workflow definition).
fn looped_workflow() -> Value {
    json!({
        "name": format!("{RUN_SITE}/test-workflow"),
        "type": "Microsoft.Web/sites/workflows",
        "kind": "Stateful",
        "properties": { "files": { "workflow.json": { "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": { "For_each": { "type": "Foreach", "foreach": "@triggerBody()", "actions": {
                "HTTP": { "type": "Http", "inputs": { "method": "GET", "uri": "https://example.com" } }
            } } }
        }, "kind": "Stateful" }, "connections.json": {} }, "flowState": "Enabled", "health": { "state": "Healthy" } }
    })
}

#[test]
fn run_history_is_read_from_the_host_runtime() {
    let arm = Arm::start();
    let site = format!("{}/{RUN_SITE}", example_sites(RUN_GROUP));
    let runtime = format!(
        "{site}/hostruntime/runtime/webhooks/workflow/api/management/workflows/test-workflow"
    );
    arm.mount(
        web("GET", &format!("{site}/workflows/test-workflow"))
            .respond_with(json_answer(200, looped_workflow()))
            .expect(1),
    );
    arm.mount(
        web("GET", &format!("{runtime}/runs"))
            .respond_with(ex("WorkflowRuns_List.json"))
            .expect(1),
    );
    arm.mount(
        web("GET", &format!("{runtime}/runs/{RUN}/actions"))
            .respond_with(ex("WorkflowRunActions_List.json"))
            .expect(1),
    );
    arm.mount(
        web(
            "GET",
            &format!("{runtime}/runs/{RUN}/actions/HTTP/repetitions"),
        )
        .respond_with(ex("WorkflowRunActionRepetitions_List.json"))
        .expect(1),
    );
    let outcomes = example_cloud(&arm, RUN_GROUP)
        .run_history("test-name/test-workflow", 5)
        .expect("history");
    let outcome = |repetition: Option<&str>| ActionOutcome {
        run: RUN.to_owned(),
        action: "HTTP".to_owned(),
        status: "Succeeded".to_owned(),
        started: Some(RUN_STARTED),
        repetition: repetition.map(str::to_owned),
    };
    assert_eq!(
        outcomes,
        [
            outcome(None),
            outcome(Some("000000")),
            outcome(Some("000001"))
        ]
    );
    arm.verify();
}

#[test]
fn a_trigger_runs_under_the_host_runtime_and_is_followed_to_its_end() {
    let arm = Arm::start();
    let site = format!("{}/{RUN_SITE}", example_sites(RUN_GROUP));
    let runtime = format!(
        "{site}/hostruntime/runtime/webhooks/workflow/api/management/workflows/test-workflow"
    );
    arm.mount(
        web("GET", &format!("{site}/workflows/test-workflow"))
            .respond_with(json_answer(200, looped_workflow())),
    );
    // The example's 202 and its Location; the run's name in `x-ms-workflow-run-id` is ours
    // (the example names none, and without it the run cannot be followed).
    let run_example = support::example("web-workflows/WorkflowTriggers_Run.json");
    let location = run_example["responses"]["202"]["headers"]["Location"]
        .as_str()
        .expect("Location")
        .to_owned();
    arm.mount(
        web("POST", &format!("{runtime}/triggers/manual/run"))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header("Location", location.as_str())
                    .insert_header("x-ms-workflow-run-id", RUN),
            )
            .expect(1),
    );
    arm.mount(
        web("GET", &format!("{runtime}/runs/{RUN}"))
            .respond_with(ex("WorkflowRuns_Get.json"))
            .expect(1),
    );
    let succeeded = example_cloud(&arm, RUN_GROUP)
        .trigger("test-name/test-workflow")
        .expect("triggered");
    assert!(succeeded, "WorkflowRuns_Get.json says Succeeded");
    arm.verify();
}
