//! Logic Apps Standard through the ARM API (issue 21): a site holding two workflows as files,
//! read as `WorkflowEnvelope`s, written with `deployWorkflowArtifacts` all or nothing, its
//! connections and app settings, and run history under the site's host runtime. Shapes follow
//! the REST spec's examples (Microsoft.Web stable 2024-11-01: ListWorkflows.json,
//! GetWorkflow.json, PostDeployWorkflowArtifacts.json, DeleteDeployWorkflowArtifacts.json).

mod common;

use common::arm::{Arm, FLOWS, SITE, header};
use common::standard::{LOGIC, data, estate};
use serde_json::{Value, json};

fn workflow_file(workflow: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(data(&format!("{workflow}/workflow.json"))).expect("file"),
    )
    .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_site_lists_and_gets_its_workflows_as_envelopes() {
    let arm = Arm::new(estate()).await;
    let listed = arm
        .send("GET", &format!("{SITE}/{LOGIC}/workflows"), None)
        .await;
    assert_eq!(listed.status, 200);
    let value = listed.body["value"].as_array().expect("value");
    let names: Vec<&str> = value.iter().filter_map(|w| w["name"].as_str()).collect();
    assert_eq!(
        names,
        ["orders-logic/invoice-flow", "orders-logic/notify-flow"]
    );
    assert_eq!(
        value[0],
        json!({
            "id": format!("{SITE}/{LOGIC}/workflows/invoice-flow"),
            "name": "orders-logic/invoice-flow",
            "type": "Microsoft.Web/sites/workflows",
            "kind": "Stateful",
            "location": "westeurope",
            "properties": { "flowState": "Enabled", "health": { "state": "Healthy" } }
        }),
        "the list carries no files, as in ListWorkflows.json"
    );
    let one = arm
        .send(
            "GET",
            &format!("{SITE}/{LOGIC}/workflows/INVOICE-FLOW"),
            None,
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(
        one.body["properties"]["files"]["workflow.json"],
        workflow_file("invoice-flow")
    );
    assert_eq!(
        one.body["properties"]["files"]["connections.json"]["functionConnections"]["ordersFunctions"]
            ["displayName"],
        "orders SendInvoice"
    );
    let missing = arm
        .send("GET", &format!("{SITE}/{LOGIC}/workflows/nope"), None)
        .await;
    assert_eq!(missing.status, 404);
    let connections = arm
        .send(
            "POST",
            &format!("{SITE}/{LOGIC}/listWorkflowsConnections"),
            None,
        )
        .await;
    assert_eq!(connections.status, 200);
    assert!(
        connections.body["properties"]["files"]["connections.json"]["functionConnections"]
            .get("ordersFunctions")
            .is_some()
    );
    let site = arm.send("GET", &format!("{SITE}/{LOGIC}"), None).await;
    assert_eq!(site.body["kind"], "functionapp,workflowapp");
    // A site's workflows are not Microsoft.Logic/workflows.
    let consumption = arm
        .send("GET", &format!("{FLOWS}?api-version=2019-05-01"), None)
        .await;
    assert!(
        !consumption.body.to_string().contains("invoice-flow"),
        "{}",
        consumption.body
    );
    let as_logic = arm
        .send(
            "GET",
            &format!("{FLOWS}/invoice-flow?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(as_logic.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_app_settings_are_shared_by_its_workflows() {
    let arm = Arm::new(estate()).await;
    let url = format!("{SITE}/{LOGIC}/config/appsettings");
    let listed = arm.send("POST", &format!("{url}/list"), None).await;
    assert_eq!(listed.status, 200);
    let mut settings = listed.body["properties"].clone();
    assert!(settings.get("PROCESS_KEY").is_some());
    settings["EXTRA"] = json!("1");
    let put = arm
        .send("PUT", &url, Some(json!({ "properties": settings })))
        .await;
    assert_eq!(put.status, 200);
    for workflow in ["invoice-flow", "notify-flow"] {
        let logic_app = arm.served.emulator.logic_app(workflow).expect("there");
        assert_eq!(
            logic_app.app_settings.get("EXTRA").map(String::as_str),
            Some("1")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_workflow_artifacts_writes_files_and_settings_together() {
    let arm = Arm::new(estate()).await;
    let mut rewritten = workflow_file("notify-flow");
    rewritten["definition"]["actions"]["ProcessOrder"]["inputs"]["headers"]["x-functions-key"] =
        json!("@appsetting('NEW_KEY')");
    let key = common::key(&arm.served.emulator, "production", "ProcessOrder");
    let url = format!("{SITE}/{LOGIC}/deployWorkflowArtifacts");
    let deployed = arm
        .send(
            "POST",
            &url,
            Some(json!({ "appSettings": { "NEW_KEY": key }, "files": { "notify-flow/workflow.json": rewritten } })),
        )
        .await;
    assert_eq!((deployed.status, &deployed.body), (200, &Value::Null));
    let read = arm
        .send(
            "GET",
            &format!("{SITE}/{LOGIC}/workflows/notify-flow"),
            None,
        )
        .await;
    assert_eq!(read.body["properties"]["files"]["workflow.json"], rewritten);
    let settings = arm
        .send(
            "POST",
            &format!("{SITE}/{LOGIC}/config/appsettings/list"),
            None,
        )
        .await;
    assert_eq!(settings.body["properties"]["NEW_KEY"], key.as_str());
    assert!(
        settings.body["properties"].get("PROCESS_KEY").is_some(),
        "appSettings are merged into the site's, not a replacement"
    );
    let run = arm
        .served
        .emulator
        .run("notify-flow", json!({}))
        .expect("runs");
    assert_eq!(
        format!("{:?}", run.status),
        "Succeeded",
        "the new file runs with the new setting"
    );

    // A new workflow, then deleted again with filesToDelete (DeleteDeployWorkflowArtifacts.json).
    let added = arm
        .send(
            "POST",
            &url,
            Some(json!({ "files": { "copy-flow/workflow.json": workflow_file("notify-flow") } })),
        )
        .await;
    assert_eq!(added.status, 200);
    let copy = arm.served.emulator.logic_app("copy-flow").expect("added");
    assert_eq!(
        (copy.site.as_deref(), copy.resource_group.as_str()),
        (Some(LOGIC), "slotdrill")
    );
    assert!(
        copy.app_settings.contains_key("NEW_KEY"),
        "a new workflow has the site's settings"
    );
    let deleted = arm
        .send(
            "POST",
            &url,
            Some(json!({ "filesToDelete": ["copy-flow/workflow.json", "copy-flow/"] })),
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert!(arm.served.emulator.logic_app("copy-flow").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_workflow_artifacts_is_all_or_nothing() {
    let arm = Arm::new(estate()).await;
    let url = format!("{SITE}/{LOGIC}/deployWorkflowArtifacts");
    let mut good = workflow_file("notify-flow");
    good["definition"]["actions"]["ProcessOrder"]["inputs"]["method"] = json!("PUT");
    let mut missing_function = workflow_file("notify-flow");
    missing_function["definition"]["actions"]["ProcessOrder"]["inputs"]["uri"] =
        json!("https://orders.azurewebsites.net/api/NoSuchFunction");
    for bad in [json!({ "not": "a workflow" }), missing_function] {
        let before = arm
            .send(
                "GET",
                &format!("{SITE}/{LOGIC}/workflows/notify-flow"),
                None,
            )
            .await;
        let refused = arm
            .send(
                "POST",
                &url,
                Some(json!({
                    "appSettings": { "SHOULD_NOT": "be set" },
                    "files": { "notify-flow/workflow.json": good, "invoice-flow/workflow.json": bad }
                })),
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        let after = arm
            .send(
                "GET",
                &format!("{SITE}/{LOGIC}/workflows/notify-flow"),
                None,
            )
            .await;
        assert_eq!(
            before.body, after.body,
            "the good file was not written either"
        );
        let settings = arm
            .send(
                "POST",
                &format!("{SITE}/{LOGIC}/config/appsettings/list"),
                None,
            )
            .await;
        assert!(settings.body["properties"].get("SHOULD_NOT").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_history_and_triggers_live_under_the_host_runtime() {
    let arm = Arm::new(estate()).await;
    let base = format!(
        "{SITE}/{LOGIC}/hostruntime/runtime/webhooks/workflow/api/management/workflows/invoice-flow"
    );
    let triggered = arm
        .send(
            "POST",
            &format!("{base}/triggers/manual/run"),
            Some(json!({ "orderId": 1 })),
        )
        .await;
    assert_eq!(triggered.status, 200, "{}", triggered.body);
    let run_id = header(&triggered, "x-ms-workflow-run-id");
    arm.send("POST", "/_slotdrill/advance?ms=60000", None).await;
    let runs = arm.send("GET", &format!("{base}/runs"), None).await;
    assert_eq!(runs.status, 200);
    assert_eq!(runs.body["value"][0]["name"], run_id.as_str());
    assert_eq!(runs.body["value"][0]["properties"]["status"], "Succeeded");
    let actions = arm
        .send("GET", &format!("{base}/runs/{run_id}/actions"), None)
        .await;
    assert_eq!(actions.body["value"][0]["name"], "SendInvoice");
    let callback = arm
        .send(
            "POST",
            &format!("{base}/triggers/manual/listCallbackUrl"),
            None,
        )
        .await;
    assert_eq!(callback.status, 200);
    assert!(
        callback.body["value"]
            .as_str()
            .is_some_and(|v| v.contains("/triggers/manual/paths/invoke?")),
        "{}",
        callback.body
    );
    let other_site = arm
        .send(
            "GET",
            &format!("{SITE}/{LOGIC}/hostruntime/runtime/webhooks/workflow/api/management/workflows/order-flow/runs"),
            None,
        )
        .await;
    assert_eq!(other_site.status, 404);
}
