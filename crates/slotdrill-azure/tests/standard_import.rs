//! `ArmCloud::import` of a Logic Apps Standard site (issue 21), against wiremock with the REST
//! spec's examples (`ListWorkflows.json`, `GetWorkflow.json` from Microsoft.Web 2024-11-01):
//! every request it makes, and what it writes — a `[[standard_logic_app]]`, its project files,
//! settings redacted, the setting holding a called function's key bound by reference and the key
//! itself nowhere.

mod support;

use serde_json::{Value, json};
use support::{Arm, TOKEN, example_body, example_cloud, example_sites, json_answer};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder};

const GROUP: &str = "testrg123";
const SITE: &str = "testsite2";
const KEY: &str = "ProductionSendInvoiceKey0123456789abcdefABCD==";
const CONNECTION: &str =
    "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKey=SECRETVALUE=";

fn web(verb: &str, at: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(query_param("api-version", "2024-11-01"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

/// `GetWorkflow.json`'s envelope for `workflow`; `a1`'s file calls `orders`' SendInvoice
/// through a function connection (ours: the example's workflow has no action).
fn envelope(workflow: &str) -> Value {
    let mut body = example_body("web-workflows/GetWorkflow.json");
    body["name"] = json!(format!("{SITE}/{workflow}"));
    if workflow == "a1" {
        let files = &mut body["properties"]["files"];
        files["workflow.json"]["definition"]["actions"] = json!({ "SendInvoice": {
            "type": "Function", "inputs": { "function": { "connectionName": "ordersFunctions" }, "method": "POST" }, "runAfter": {}
        } });
        files["connections.json"]["functionConnections"] = json!({ "ordersFunctions": {
            "function": { "id": format!("/subscriptions/{}/resourceGroups/{GROUP}/providers/Microsoft.Web/sites/orders/functions/SendInvoice", support::EXAMPLE_SUBSCRIPTION) },
            "triggerUrl": "https://orders.azurewebsites.net/api/SendInvoice",
            "authentication": { "type": "QueryString", "name": "Code", "value": "@appsetting('ordersFunctions_functionAppKey')" },
            "displayName": "orders SendInvoice"
        } });
    }
    body
}

/// The function app `orders` (ours: the smallest answers the schemas allow).
fn function_app(arm: &Arm, sites: &str) {
    let empty = || json_answer(200, json!({ "value": [] }));
    arm.mount(web("GET", &format!("{sites}/orders/slots")).respond_with(empty()));
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
        web("GET", &format!("{sites}/orders/functions")).respond_with(json_answer(
            200,
            json!({ "value": [{ "name": "orders/SendInvoice", "properties": { "name": "SendInvoice" } }] }),
        )),
    );
    arm.mount(
        web("GET", &format!("{sites}/orders/config/web"))
            .respond_with(json_answer(200, json!({ "properties": {} }))),
    );
    // Read only to recognise the setting that holds it.
    arm.mount(
        web(
            "POST",
            &format!("{sites}/orders/functions/SendInvoice/listkeys"),
        )
        .respond_with(json_answer(200, json!({ "default": KEY })))
        .expect(1),
    );
}

#[test]
fn import_writes_the_site_its_files_and_a_key_binding_and_never_the_key() {
    let arm = Arm::start();
    let sites = example_sites(GROUP);
    arm.mount(web("GET", &sites).respond_with(json_answer(
        200,
        json!({ "value": [
            { "name": "orders", "kind": "functionapp", "properties": { "state": "Running", "defaultHostName": "orders.azurewebsites.net", "sku": "ElasticPremium" } },
            { "name": SITE, "kind": "functionapp,workflowapp", "properties": { "state": "Running", "defaultHostName": "testsite2.azurewebsites.net" } }
        ] }),
    )));
    arm.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/subscriptions/{}/resourceGroups/{GROUP}/providers/Microsoft.Logic/workflows",
                support::EXAMPLE_SUBSCRIPTION
            )))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    function_app(&arm, &sites);
    arm.mount(
        web("POST", &format!("{sites}/{SITE}/config/appsettings/list"))
            .respond_with(json_answer(
                200,
                json!({ "properties": { "ordersFunctions_functionAppKey": KEY, "eventHub_connectionString": CONNECTION, "FUNCTIONS_EXTENSION_VERSION": "~4" } }),
            ))
            .expect(1),
    );
    arm.mount(
        web("GET", &format!("{sites}/{SITE}/workflows"))
            .respond_with(json_answer(
                200,
                example_body("web-workflows/ListWorkflows.json"),
            ))
            .expect(1),
    );
    for workflow in ["a1", "stateful2"] {
        arm.mount(
            web("GET", &format!("{sites}/{SITE}/workflows/{workflow}"))
                .respond_with(json_answer(200, envelope(workflow)))
                .expect(1),
        );
    }

    let imported = example_cloud(&arm, GROUP).import(GROUP).expect("imported");
    arm.verify();
    let estate = &imported.estate;
    for expected in [
        "[[standard_logic_app]]",
        "name = \"testsite2\"",
        "project = \"workflows/testsite2\"",
        "keys = { ordersFunctions_functionAppKey = \"orders/production/SendInvoice\" }",
        "eventHub_connectionString = \"(omitted by slotdrill import)\"",
        "FUNCTIONS_EXTENSION_VERSION = \"~4\"",
    ] {
        assert!(estate.contains(expected), "no {expected} in\n{estate}");
    }
    let paths: Vec<&str> = imported.projects.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "testsite2/a1/workflow.json",
            "testsite2/stateful2/workflow.json",
            "testsite2/connections.json"
        ]
    );
    let a1: Value = serde_json::from_str(&imported.projects[0].1).expect("JSON");
    assert_eq!(
        a1["kind"], "Stateful",
        "the envelope's kind, the file had none"
    );
    assert!(imported.workflows.is_empty(), "no Consumption workflow");
    let everything = imported
        .projects
        .iter()
        .fold(estate.clone(), |all, (_, text)| all + text);
    assert!(!everything.contains(KEY), "the key was written");
    assert!(
        !everything.contains("SECRETVALUE"),
        "a secret setting was written"
    );
    assert!(!everything.contains(TOKEN));
}
