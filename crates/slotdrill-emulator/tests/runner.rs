//! The Logic App runner on real workflow JSON (`tests/data/`): containers, `runAfter` statuses,
//! calls to the function hosts with retries and timeouts, key caching at save time, and clear
//! failures for what is not emulated.

mod common;

use std::path::Path;

use serde_json::{Value, json};
use slotdrill_emulator::{Emulator, HttpStub, Run, Status, Stubs};
use slotdrill_model::SlotConfigNames;
use slotdrill_wdl::Document;

fn document(file: &str) -> Document {
    Document::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file),
    )
    .expect("fixture")
}

/// Saves `file` as Logic App `name`, with `parameters` as resource-level values.
fn save(emulator: &Emulator, name: &str, file: &str, parameters: Value) {
    let mut doc = document(file);
    let definition = doc.root.clone();
    doc = Document::from_value(
        &doc.file,
        name,
        json!({ "properties": { "definition": definition, "parameters": parameters } }),
        None,
    )
    .expect("resource");
    emulator.save_logic_app(name, doc, None).expect("saved");
}

fn action<'a>(run: &'a Run, name: &str) -> &'a slotdrill_emulator::RunAction {
    run.actions
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no action {name} in {:#?}", run.actions))
}

#[test]
fn a_workflow_calls_functions_through_their_hosts() {
    let emulator = common::emulator(1);
    let invoice_key = common::key(&emulator, "production", "SendInvoice");
    save(
        &emulator,
        "order-flow",
        "order-flow.json",
        json!({ "invoiceKey": { "value": invoice_key } }),
    );
    let run = emulator
        .run("order-flow", json!({ "orderId": 42 }))
        .expect("runs");
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    let process = action(&run, "ProcessOrder");
    assert_eq!(
        process.served_by.as_ref().expect("served").to_string(),
        "orders/production@v1"
    );
    assert_eq!(process.code, "OK");
    let invoice = action(&run, "SendInvoice");
    assert_eq!(
        invoice.inputs["body"],
        json!({ "order": 42, "processed": { "function": "ProcessOrder", "release": "v1" } })
    );
    assert_eq!(
        invoice.inputs["headers"]["x-functions-key"], "[redacted]",
        "keys are redacted in run history"
    );
    assert_eq!(
        run.response.as_ref().expect("response")["body"]["invoice"]["release"],
        "v1"
    );
    let history = serde_json::to_string(&run).expect("json");
    assert!(
        !history.contains(&invoice_key),
        "a key leaked into run history"
    );
    assert_eq!(
        emulator.logic_app("order-flow").expect("saved").runs.len(),
        1
    );
}

#[test]
fn after_a_swap_the_same_workflow_reaches_the_new_release() {
    let emulator = common::emulator(1);
    let invoice_key = common::key(&emulator, "production", "SendInvoice");
    save(
        &emulator,
        "order-flow",
        "order-flow.json",
        json!({ "invoiceKey": { "value": invoice_key } }),
    );
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let run = emulator
        .run("order-flow", json!({ "orderId": 7 }))
        .expect("runs");
    assert_eq!(
        action(&run, "ProcessOrder")
            .served_by
            .as_ref()
            .expect("served")
            .to_string(),
        "orders/production@v2"
    );
    // v2's SendInvoice is the bug: the run fails on it, and Response is skipped.
    assert_eq!(action(&run, "SendInvoice").status, Status::Failed);
    assert_eq!(action(&run, "SendInvoice").code, "InternalServerError");
    assert_eq!(action(&run, "Response").status, Status::Skipped);
    assert_eq!(run.status, Status::Failed);
    assert!(
        run.error
            .as_deref()
            .unwrap_or_default()
            .contains("SendInvoice"),
        "{:?}",
        run.error
    );
}

#[test]
fn function_actions_use_the_key_cached_when_the_workflow_was_saved() {
    let emulator = common::emulator(1);
    save(
        &emulator,
        "order-flow",
        "order-flow.json",
        json!({ "invoiceKey": { "value": "unused" } }),
    );
    // Keys stored as files are reset by a swap; the cached key goes stale (a reported real failure).
    emulator
        .change(|e| {
            e.set_sticky_names(
                "orders",
                SlotConfigNames::app_settings(["AzureWebJobsSecretStorageType"]),
            )
        })
        .expect("sticky");
    emulator
        .change(|e| {
            e.set_app_setting(
                "orders",
                "production",
                "AzureWebJobsSecretStorageType",
                Some("files"),
            )
        })
        .expect("files");
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let stale = emulator.run("order-flow", json!({})).expect("runs");
    assert_eq!(action(&stale, "ProcessOrder").code, "Unauthorized");
    // Saving the workflow again picks up the new key.
    save(
        &emulator,
        "order-flow",
        "order-flow.json",
        json!({ "invoiceKey": { "value": "unused" } }),
    );
    assert_eq!(emulator.logic_app("order-flow").expect("saved").version, 2);
    let fresh = emulator.run("order-flow", json!({})).expect("runs");
    assert_eq!(action(&fresh, "ProcessOrder").code, "OK");
}

#[test]
fn containers_run_their_actions() {
    let emulator = common::emulator(1);
    save(&emulator, "containers", "containers.json", json!({}));
    let run = emulator
        .run(
            "containers",
            json!({ "lines": ["a", "b", "c"], "priority": "high", "region": "eu" }),
        )
        .expect("runs");
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    let remembered: Vec<Option<u32>> = run
        .actions
        .iter()
        .filter(|a| a.name == "Remember")
        .map(|a| a.iteration)
        .collect();
    assert_eq!(remembered, vec![Some(0), Some(1), Some(2)]);
    assert_eq!(action(&run, "Remember").container, "EachLine");
    assert_eq!(action(&run, "Express").status, Status::Succeeded);
    assert!(
        run.actions.iter().all(|a| a.name != "Standard"),
        "the else branch did not run"
    );
    assert_eq!(
        run.actions.iter().filter(|a| a.name == "Try").count(),
        3,
        "Until stopped when tries reached 3"
    );
    assert_eq!(action(&run, "EuInvoice").outputs, json!("eu-1"));
    assert!(
        run.actions
            .iter()
            .all(|a| a.name != "UsInvoice" && a.name != "OtherInvoice")
    );
    let summary = &action(&run, "Summary").outputs;
    assert_eq!(summary["seen"], json!(["a!", "b!", "c!"]));
    assert_eq!(summary["tries"], json!(3));
    assert_eq!(summary["label"], json!(format!("run {}", run.name)));

    let other = emulator
        .run(
            "containers",
            json!({ "lines": [], "priority": "low", "region": "apac" }),
        )
        .expect("runs");
    assert_eq!(action(&other, "Standard").status, Status::Succeeded);
    assert_eq!(action(&other, "OtherInvoice").status, Status::Succeeded);
}

#[test]
fn run_after_statuses_decide_what_runs() {
    let emulator = common::emulator(1);
    let deploy_key = common::key(&emulator, "deploy", "SendInvoice");
    let hang_key = common::key(&emulator, "deploy", "Hangs");
    assert_ne!(deploy_key, hang_key);
    // The per-function keys differ, so use the deploy slot's host key, valid for every function.
    let host_key = emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .keys()
            .function_keys["default"]
            .expose()
            .to_owned()
    });
    save(
        &emulator,
        "run-after",
        "run-after.json",
        json!({ "deployKey": { "value": host_key } }),
    );
    let run = emulator.run("run-after", json!({})).expect("runs");
    let status = |name: &str| action(&run, name).status;
    assert_eq!(status("CallBroken"), Status::Failed);
    assert_eq!(status("AfterBroken"), Status::Skipped);
    assert_eq!(status("AfterSkipped"), Status::Skipped, "skips cascade");
    assert_eq!(status("Try"), Status::Failed);
    assert_eq!(action(&run, "Catch").outputs, json!("caught Failed"));
    assert_eq!(status("Hang"), Status::TimedOut);
    let hang = action(&run, "Hang");
    assert_eq!(
        hang.end.millis() - hang.start.millis(),
        30_000,
        "timed out at the action's limit"
    );
    assert_eq!(
        status("OnTimeout"),
        Status::Succeeded,
        "runAfter statuses compare case-insensitively"
    );
    assert_eq!(status("OnlyOnSuccess"), Status::Skipped);
    // The failure of Try was handled by Catch, and the timeout by OnTimeout: the run succeeds.
    assert_eq!(run.status, Status::Succeeded, "{:?}", run.error);
}

#[test]
fn cold_start_failures_are_retried_by_the_default_policy() {
    let emulator = common::emulator(1);
    let key = common::key(&emulator, "deploy", "Cold");
    let definition = json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": {
            "CallCold": { "type": "Http", "inputs": { "method": "GET", "uri": format!("https://orders-deploy.azurewebsites.net/api/Cold?code={key}") } },
            "NoRetry": { "type": "Http",
                         "inputs": { "method": "GET", "uri": "https://orders-deploy.azurewebsites.net/api/SendInvoice", "retryPolicy": { "type": "none" } }, "runAfter": { "CallCold": ["Succeeded"] } }
        }
    });
    emulator
        .save_logic_app(
            "cold",
            Document::from_value("cold.json", "cold", definition, None).expect("doc"),
            None,
        )
        .expect("saved");
    let run = emulator.run("cold", json!({})).expect("runs");
    let cold = action(&run, "CallCold");
    assert_eq!(
        (cold.status, cold.attempts),
        (Status::Succeeded, 3),
        "two 503s then 200"
    );
    assert_eq!(
        cold.end.millis() - cold.start.millis(),
        7_500 + 15_000,
        "exponential intervals of 7.5 s"
    );
    let no_retry = action(&run, "NoRetry");
    assert_eq!((no_retry.status, no_retry.attempts), (Status::Failed, 1));
    assert_eq!(no_retry.code, "Unauthorized");
    assert!(
        no_retry.inputs["uri"]
            .as_str()
            .is_some_and(|u| !u.contains(&key))
    );
    assert_eq!(
        emulator.now(),
        run.end,
        "the virtual clock moved to the end of the run"
    );
}

#[test]
fn what_is_not_emulated_fails_clearly_unless_stubbed() {
    let emulator = common::emulator(1);
    let definition = json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": {
            "CallCrm": { "type": "Http", "inputs": { "method": "POST", "uri": "https://crm.contoso.com/api/orders" } },
            "PostToTeams": { "type": "ApiConnection", "inputs": { "host": { "connection": { "name": "@parameters('$connections')['teams']['connectionId']" } } }, "runAfter": { "CallCrm": ["Succeeded", "Failed"] } },
            "Exotic": { "type": "Compose", "inputs": "@foo('x')", "runAfter": { "PostToTeams": ["Succeeded"] } },
            "Chained": { "type": "FlatFileDecoding", "inputs": {}, "runAfter": { "Exotic": ["Failed"] } }
        }
    });
    emulator
        .save_logic_app(
            "edges",
            Document::from_value("edges.json", "edges", definition, None).expect("doc"),
            None,
        )
        .expect("saved");
    let run = emulator.run("edges", json!({})).expect("runs");
    assert_eq!(
        action(&run, "CallCrm").error.as_deref(),
        Some("host `crm.contoso.com` is not emulated and no stub answers it")
    );
    assert_eq!(
        action(&run, "PostToTeams").status,
        Status::Succeeded,
        "ApiConnection defaults to a stubbed 200"
    );
    let exotic = action(&run, "Exotic");
    assert_eq!(exotic.code, "InvalidTemplate");
    assert_eq!(
        exotic.error.as_deref(),
        Some(
            "Unable to process template language expressions in action 'Exotic' inputs at line '0' and column '0': 'The template language function 'foo' is not defined or not valid.'."
        )
    );
    let chained = action(&run, "Chained");
    assert_eq!(chained.code, "InvalidTemplate");
    assert_eq!(
        chained.error.as_deref(),
        Some(
            "The template validation failed: 'The template action 'Chained' at line '0' and column '0' is not valid: \"The action type 'FlatFileDecoding' is not supported.\".'."
        )
    );

    emulator.set_stubs(Stubs {
        http: vec![HttpStub {
            url_prefix: "https://crm.contoso.com/".into(),
            status: 201,
            body: json!({ "id": "crm-1" }),
        }],
        api_connections: [(
            "PostToTeams".to_owned(),
            json!({ "statusCode": 502, "body": {} }),
        )]
        .into_iter()
        .collect(),
    });
    let stubbed = emulator.run("edges", json!({})).expect("runs");
    assert_eq!(action(&stubbed, "CallCrm").code, "Created");
    assert_eq!(action(&stubbed, "PostToTeams").status, Status::Failed);
}

#[test]
fn runs_are_deterministic() {
    let run_once = || {
        let emulator = common::emulator(9);
        save(&emulator, "containers", "containers.json", json!({}));
        let key = common::key(&emulator, "production", "SendInvoice");
        save(
            &emulator,
            "order-flow",
            "order-flow.json",
            json!({ "invoiceKey": { "value": key } }),
        );
        let a = emulator
            .run("containers", json!({ "lines": ["x"], "region": "us" }))
            .expect("runs");
        let b = emulator
            .run("order-flow", json!({ "orderId": 1 }))
            .expect("runs");
        serde_json::to_string(&(a, b, emulator.invocations())).expect("json")
    };
    assert_eq!(run_once(), run_once());
}

#[test]
fn an_unknown_logic_app_is_an_error() {
    let emulator = common::emulator(1);
    let error = emulator.run("nope", json!({})).expect_err("unknown");
    assert_eq!(error.to_string(), "Logic App `nope` does not exist");
}

/// Logic Apps reads an action's retry policy from `inputs.retryPolicy` ("Handle errors and
/// exceptions in Azure Logic Apps"); one written beside `inputs` is not where Azure looks, so
/// that action keeps the default policy (four retries at 7.5 s × 2ⁿ within 5–45 s).
#[test]
fn the_retry_policy_is_read_from_the_inputs() {
    let emulator = common::emulator(1);
    emulator.set_stubs(Stubs {
        http: vec![HttpStub {
            url_prefix: "https://flaky.contoso.com/".to_owned(),
            status: 503,
            body: json!({}),
        }],
        ..Stubs::default()
    });
    emulator
        .save_logic_app("retries", document("retry-policies.json"), None)
        .expect("saved");
    let run = emulator.run("retries", json!({})).expect("runs");
    let outcome = |name: &str| {
        let a = action(&run, name);
        (a.status, a.attempts, a.end.millis() - a.start.millis())
    };
    assert_eq!(
        outcome("InputsNone"),
        (Status::Failed, 1, 0),
        "inputs: none"
    );
    assert_eq!(
        outcome("InputsFixed"),
        (Status::Failed, 3, 20_000),
        "inputs: fixed, two retries 10 s apart"
    );
    assert_eq!(
        outcome("TopLevelNone"),
        (Status::Failed, 5, 7_500 + 15_000 + 30_000 + 45_000),
        "a top-level policy is not read: the default applies"
    );
}
