//! The `/slots/{slot}` forms of a Standard site's operations (issue 21): a slot answers its own
//! files and settings, `deployWorkflowArtifacts` to it writes the slot only and all or nothing,
//! its host runtime lists no runs (Learn: a nonproduction slot's dispatcher is off), and an
//! unknown slot answers ARM's 404 `ResourceNotFound`.

mod common;

use common::arm::{Arm, SITE};
use common::standard::{LOGIC, data, estate};
use serde_json::{Value, json};
use slotdrill_emulator::{Emulator, SiteSlot};

fn file(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(path)).expect("file")).expect("json")
}

/// The next release of `invoice-flow`: a second action after SendInvoice.
fn next_invoice_flow() -> Value {
    let mut next = file("invoice-flow/workflow.json");
    next["definition"]["actions"]["Archive"] = json!({
        "type": "Compose",
        "inputs": "@triggerBody()",
        "runAfter": { "SendInvoice": ["Succeeded"] }
    });
    next
}

/// The shared Standard estate with slot `staging` holding the next release of `invoice-flow`.
fn with_staging() -> Emulator {
    let emulator = estate();
    let slot = SiteSlot {
        name: "staging".to_owned(),
        workflows: [("invoice-flow".to_owned(), next_invoice_flow())].into(),
        connections: Some(file("connections.json")),
        app_settings: [("STAGE".to_owned(), "staging".to_owned())].into(),
    };
    emulator.put_site_slot(LOGIC, slot).expect("slot");
    emulator
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_lists_and_gets_its_own_workflows() {
    let arm = Arm::new(with_staging()).await;
    let slot = format!("{SITE}/{LOGIC}/slots/staging");
    let listed = arm.send("GET", &format!("{slot}/workflows"), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.body["value"],
        json!([{
            "id": format!("{slot}/workflows/invoice-flow"),
            "name": "orders-logic/staging/invoice-flow",
            "type": "Microsoft.Web/sites/slots/workflows",
            "kind": "Stateful",
            "location": "westeurope",
            "properties": { "flowState": "Enabled", "health": { "state": "Healthy" } }
        }])
    );
    let one = arm
        .send("GET", &format!("{slot}/workflows/INVOICE-FLOW"), None)
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(
        one.body["properties"]["files"]["workflow.json"],
        next_invoice_flow()
    );
    assert!(one.body["properties"]["files"]["connections.json"].is_object());
    // Production still holds its own release.
    let production = arm
        .send(
            "GET",
            &format!("{SITE}/{LOGIC}/workflows/invoice-flow"),
            None,
        )
        .await;
    assert!(
        production.body["properties"]["files"]["workflow.json"]["definition"]["actions"]
            .get("Archive")
            .is_none()
    );
    let missing = arm
        .send("GET", &format!("{slot}/workflows/notify-flow"), None)
        .await;
    assert_eq!(missing.status, 404);
    let slots = arm
        .send("GET", &format!("{SITE}/{LOGIC}/slots"), None)
        .await;
    assert_eq!(slots.body["value"][0]["name"], "orders-logic/staging");
    assert_eq!(slots.body["value"][0]["kind"], "functionapp,workflowapp");
}

/// A Standard site's slot gets its host name by the rule every App Service slot follows (Learn
/// "Set up staging environments": the slot part cut to 19 characters; docs/fidelity.md), not
/// `{site}-{slot}` in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_with_a_long_name_has_its_classic_host_name_cut() {
    let emulator = estate();
    let slot = SiteSlot {
        name: "integration-environment".to_owned(),
        workflows: [("invoice-flow".to_owned(), next_invoice_flow())].into(),
        connections: Some(file("connections.json")),
        app_settings: Default::default(),
    };
    emulator.put_site_slot(LOGIC, slot).expect("slot");
    let arm = Arm::new(emulator).await;
    let site = arm.send("GET", &format!("{SITE}/{LOGIC}"), None).await;
    assert_eq!(site.status, 200, "{}", site.body);
    assert_eq!(
        site.body["properties"]["defaultHostName"],
        "orders-logic.azurewebsites.net"
    );
    let path = format!("{SITE}/{LOGIC}/slots/integration-environment");
    let slot = arm.send("GET", &path, None).await;
    assert_eq!(slot.status, 200, "{}", slot.body);
    assert_eq!(
        slot.body["properties"]["defaultHostName"],
        "orders-logic-integration-environ.azurewebsites.net"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_slot_answers_resource_not_found() {
    let arm = Arm::new(with_staging()).await;
    for (method, tail) in [
        ("GET", "workflows"),
        ("GET", "workflows/invoice-flow"),
        ("POST", "deployWorkflowArtifacts"),
        ("POST", "listWorkflowsConnections"),
        ("POST", "config/appsettings/list"),
    ] {
        let answer = arm
            .send(
                method,
                &format!("{SITE}/{LOGIC}/slots/nope/{tail}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(answer.status, 404, "{method} {tail}");
        assert_eq!(answer.body["error"]["code"], "ResourceNotFound");
        assert_eq!(
            answer.body["error"]["message"],
            "The Resource 'Microsoft.Web/sites/orders-logic/slots/nope' under resource group 'slotdrill' was not found."
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploying_to_a_slot_writes_the_slot_only_and_all_or_nothing() {
    let arm = Arm::new(with_staging()).await;
    let slot = format!("{SITE}/{LOGIC}/slots/staging");
    let notify = file("notify-flow/workflow.json");
    let deployed = arm
        .send(
            "POST",
            &format!("{slot}/deployWorkflowArtifacts"),
            Some(json!({
                "appSettings": { "NEW": "1" },
                "files": { "notify-flow/workflow.json": notify },
                "filesToDelete": ["invoice-flow/workflow.json"]
            })),
        )
        .await;
    assert_eq!((deployed.status, &deployed.body), (200, &Value::Null));
    let staging = arm
        .served
        .emulator
        .site_slot(LOGIC, "staging")
        .expect("slot");
    assert_eq!(
        staging.workflows.keys().collect::<Vec<_>>(),
        ["notify-flow"]
    );
    assert_eq!(
        staging.app_settings.get("NEW").map(String::as_str),
        Some("1")
    );
    // Production is untouched: both workflows, no new setting.
    assert_eq!(
        arm.served.emulator.site_workflows(LOGIC),
        ["invoice-flow", "notify-flow"]
    );
    let production = arm
        .served
        .emulator
        .logic_app("invoice-flow")
        .expect("there");
    assert!(!production.app_settings.contains_key("NEW"));

    // One bad file: nothing is written, the settings neither.
    let refused = arm
        .send(
            "POST",
            &format!("{slot}/deployWorkflowArtifacts"),
            Some(json!({
                "appSettings": { "SHOULD_NOT": "1" },
                "files": {
                    "invoice-flow/workflow.json": next_invoice_flow(),
                    "broken/workflow.json": { "not": "a workflow" }
                }
            })),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        arm.served.emulator.site_slot(LOGIC, "staging"),
        Some(staging)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_has_its_own_settings_and_connections() {
    let arm = Arm::new(with_staging()).await;
    let slot = format!("{SITE}/{LOGIC}/slots/staging");
    let listed = arm
        .send("POST", &format!("{slot}/config/appsettings/list"), None)
        .await;
    assert_eq!(listed.body["properties"], json!({ "STAGE": "staging" }));
    assert_eq!(listed.body["id"], format!("{slot}/config/appsettings"));
    let put = arm
        .send(
            "PUT",
            &format!("{slot}/config/appsettings"),
            Some(json!({ "properties": { "STAGE": "next" } })),
        )
        .await;
    assert_eq!(put.status, 200);
    let production = arm
        .send(
            "POST",
            &format!("{SITE}/{LOGIC}/config/appsettings/list"),
            None,
        )
        .await;
    assert!(production.body["properties"].get("STAGE").is_none());
    let connections = arm
        .send("POST", &format!("{slot}/listWorkflowsConnections"), None)
        .await;
    assert_eq!(
        connections.body["properties"]["files"]["connections.json"],
        file("connections.json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_runs_nothing_and_reset_brings_it_back() {
    let arm = Arm::new(with_staging()).await;
    let runtime = format!(
        "{SITE}/{LOGIC}/slots/staging/hostruntime/runtime/webhooks/workflow/api/management/workflows/invoice-flow"
    );
    let runs = arm.send("GET", &format!("{runtime}/runs"), None).await;
    assert_eq!(runs.status, 200, "{}", runs.body);
    assert_eq!(runs.body["value"], json!([]));
    let run = arm
        .send(
            "POST",
            &format!("{runtime}/triggers/manual/run"),
            Some(json!({})),
        )
        .await;
    assert_eq!(run.status, 404, "{}", run.body);
    assert!(
        arm.served
            .emulator
            .logic_app("invoice-flow")
            .expect("there")
            .runs
            .is_empty()
    );

    arm.served.emulator.mark_initial();
    arm.send(
        "POST",
        &format!("{SITE}/{LOGIC}/slots/staging/deployWorkflowArtifacts"),
        Some(json!({ "filesToDelete": ["invoice-flow/"] })),
    )
    .await;
    assert!(
        arm.served
            .emulator
            .site_slot(LOGIC, "staging")
            .expect("slot")
            .workflows
            .is_empty()
    );
    arm.send("POST", "/_slotdrill/reset", None).await;
    assert_eq!(
        arm.served
            .emulator
            .site_slot(LOGIC, "staging")
            .expect("slot")
            .workflows
            .len(),
        1
    );
}
