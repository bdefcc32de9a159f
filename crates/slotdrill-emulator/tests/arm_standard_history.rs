//! Run history of a Standard site's workflow under its host runtime
//! (`…/sites/{site}/hostruntime/runtime/webhooks/workflow/api/management/workflows/{name}/…`)
//! names its records as Microsoft.Web's examples show them, relative to the runtime
//! (`/workflows/{name}/runs/{run}`, type `workflows/runs`), not as `Microsoft.Logic/workflows`
//! resources. Expected ids and types are the spec examples' own with their names replaced
//! (`tests/data/spec-examples/Microsoft.Web/`, from Azure/azure-rest-api-specs,
//! `specification/web/resource-manager/Microsoft.Web/stable/2024-11-01/examples/`).

mod common;

use common::arm::{Arm, SITE, header};
use common::standard::{LOGIC, estate};
use serde_json::{Value, json};

/// A Microsoft.Web spec example's 200 body.
fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/spec-examples/Microsoft.Web/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed: Value = serde_json::from_str(&text).expect("json");
    parsed["responses"]["200"]["body"].clone()
}

/// `text` with the example's names replaced by ours, in order.
fn renamed(text: &Value, names: &[(&Value, &str)]) -> String {
    let mut text = text.as_str().expect("a string").to_owned();
    for (from, to) in names {
        text = text.replace(from.as_str().expect("a name"), to);
    }
    text
}

fn runtime(workflow: &str) -> String {
    format!(
        "{SITE}/{LOGIC}/hostruntime/runtime/webhooks/workflow/api/management/workflows/{workflow}"
    )
}

/// Runs `workflow` once through the host runtime and lets it finish; its run's name.
async fn one_run(arm: &Arm, workflow: &str) -> String {
    let triggered = arm
        .send(
            "POST",
            &format!("{}/triggers/manual/run", runtime(workflow)),
            Some(json!({ "orderId": 1 })),
        )
        .await;
    assert_eq!(triggered.status, 200, "{}", triggered.body);
    arm.send("POST", "/_slotdrill/advance?ms=60000", None).await;
    header(&triggered, "x-ms-workflow-run-id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_and_their_actions_carry_the_host_runtime_ids_of_the_examples() {
    let arm = Arm::new(estate()).await;
    let run = one_run(&arm, "invoice-flow").await;
    let base = runtime("invoice-flow");

    let spec = example("WorkflowRuns_Get");
    let got = arm.send("GET", &format!("{base}/runs/{run}"), None).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let expected_id =
        renamed(&spec["id"], &[(&spec["name"], &run)]).replace("test-workflow", "invoice-flow");
    assert_eq!(got.body["id"], expected_id.as_str());
    assert_eq!(got.body["type"], spec["type"]);
    let version = got.body["properties"]["workflow"]["name"]
        .as_str()
        .expect("a version name")
        .to_owned();
    let expected_version = renamed(
        &spec["properties"]["workflow"]["id"],
        &[(&spec["properties"]["workflow"]["name"], &version)],
    )
    .replace("test-workflow", "invoice-flow");
    assert_eq!(
        got.body["properties"]["workflow"]["id"],
        expected_version.as_str()
    );
    assert_eq!(
        got.body["properties"]["workflow"]["type"],
        spec["properties"]["workflow"]["type"]
    );
    // The list holds the same records as the single GETs.
    let listed = arm.send("GET", &format!("{base}/runs"), None).await;
    assert_eq!(listed.body["value"][0]["id"], got.body["id"]);
    assert_eq!(listed.body["value"][0]["type"], spec["type"]);

    let spec = example("WorkflowRunActions_Get");
    let action = arm
        .send(
            "GET",
            &format!("{base}/runs/{run}/actions/SendInvoice"),
            None,
        )
        .await;
    assert_eq!(action.status, 200, "{}", action.body);
    let expected = spec["id"]
        .as_str()
        .expect("id")
        .replace("test-workflow", "invoice-flow")
        .replace("08586676746934337772206998657CU22", &run)
        .replace("/actions/HTTP", "/actions/SendInvoice");
    assert_eq!(action.body["id"], expected.as_str());
    assert_eq!(action.body["type"], spec["type"]);
    let actions = arm
        .send("GET", &format!("{base}/runs/{run}/actions"), None)
        .await;
    assert_eq!(actions.body["value"][0]["id"], action.body["id"]);
    assert_eq!(actions.body["value"][0]["type"], spec["type"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_repetitions_carry_the_host_runtime_ids_of_the_example() {
    let arm = Arm::new(estate()).await;
    let looping = json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": {
                "For_each": {
                    "type": "Foreach",
                    "foreach": "@createArray(1, 2)",
                    "actions": { "testAction": { "type": "Compose", "inputs": "@items('For_each')" } },
                    "runAfter": {}
                }
            },
            "outputs": {}
        },
        "kind": "Stateful"
    });
    let deployed = arm
        .send(
            "POST",
            &format!("{SITE}/{LOGIC}/deployWorkflowArtifacts"),
            Some(json!({ "files": { "loop-flow/workflow.json": looping } })),
        )
        .await;
    assert_eq!(deployed.status, 200, "{}", deployed.body);
    let run = one_run(&arm, "loop-flow").await;
    let spec = example("WorkflowRunActionRepetitions_Get");
    let got = arm
        .send(
            "GET",
            &format!(
                "{}/runs/{run}/actions/testAction/repetitions/000001",
                runtime("loop-flow")
            ),
            None,
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let expected = spec["id"]
        .as_str()
        .expect("id")
        .replace("testFlow", "loop-flow")
        .replace("08586776228332053161046300351", &run);
    assert_eq!(got.body["id"], expected.as_str());
    assert_eq!(got.body["type"], spec["type"]);
    assert_eq!(
        got.body["properties"]["repetitionIndexes"],
        spec["properties"]["repetitionIndexes"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_are_listed_and_read_with_the_host_runtime_ids_of_the_example() {
    let arm = Arm::new(estate()).await;
    let spec = example("WorkflowTriggers_Get");
    let base = runtime("invoice-flow");
    let got = arm
        .send("GET", &format!("{base}/triggers/manual"), None)
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let expected = spec["id"]
        .as_str()
        .expect("id")
        .replace("test-workflow", "invoice-flow");
    assert_eq!(got.body["id"], expected.as_str());
    assert_eq!(got.body["type"], spec["type"]);
    assert_eq!(got.body["name"], "manual");
    assert_eq!(got.body["properties"]["state"], "Enabled");
    assert_eq!(
        got.body["properties"]["workflow"]["type"],
        spec["properties"]["workflow"]["type"]
    );
    let listed = arm.send("GET", &format!("{base}/triggers"), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["value"], json!([got.body]));
    let missing = arm
        .send("GET", &format!("{base}/triggers/nope"), None)
        .await;
    assert_eq!(missing.status, 404);
}

/// `…/triggers/{trigger}/listCallbackUrl` under the host runtime answers the Microsoft.Web
/// example's form: the site's own host, `runtime/webhooks/workflow/scaleUnits/prod-00/workflows/
/// {id}/versions/{version}/triggers/{trigger}/paths/invoke`, and `sp` naming the version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_callback_url_has_the_host_runtime_form_of_the_example() {
    let arm = Arm::new(estate()).await;
    let spec = example("WorkflowTriggers_ListCallbackUrl");
    let base = runtime("invoice-flow");
    let got = arm
        .send(
            "POST",
            &format!("{base}/triggers/manual/listCallbackUrl"),
            None,
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let version = arm
        .send("GET", &format!("{base}/triggers/manual"), None)
        .await
        .body["properties"]["workflow"]["name"]
        .as_str()
        .expect("version")
        .to_owned();
    let base_path = got.body["basePath"].as_str().expect("basePath");
    let port = arm.served.addr.port();
    let prefix = format!(
        "http://orders-logic.azurewebsites.net:{port}/runtime/webhooks/workflow/scaleUnits/prod-00/workflows/"
    );
    let suffix = format!("/versions/{version}/triggers/manual/paths/invoke");
    assert!(
        base_path.starts_with(&prefix) && base_path.ends_with(&suffix),
        "{base_path}"
    );
    let example_base = spec["basePath"].as_str().expect("basePath");
    assert!(example_base.starts_with("https://test-site.azurewebsites.net:443/runtime/webhooks/workflow/scaleUnits/prod-00/workflows/"));
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&got.body), keys(&spec));
    assert_eq!(keys(&got.body["queries"]), keys(&spec["queries"]));
    assert_eq!(got.body["method"], spec["method"]);
    assert_eq!(
        got.body["queries"]["sp"],
        format!("/versions/{version}/triggers/manual/run").as_str()
    );
    let value = got.body["value"].as_str().expect("value");
    assert!(
        value.starts_with(&format!("{base_path}?api-version=")),
        "{value}"
    );
    assert!(
        value.contains(&format!(
            "&sp=%2Fversions%2F{version}%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig="
        )),
        "{value}"
    );
}
