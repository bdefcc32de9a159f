//! The management plane over HTTP, the rest: workflows, runs and actions, each injected fault,
//! and the admin API.

mod common;

use common::arm::{Arm, FLOWS, SITE, header};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_runs_and_actions() {
    let arm = Arm::new(common::emulator(1)).await;
    let key = common::key(&arm.served.emulator, "production", "SendInvoice");
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/order-flow.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    let body = json!({ "location": "westeurope", "properties": { "definition": definition, "parameters": { "invoiceKey": { "value": key } } } });
    let url = format!("{FLOWS}/order-flow?api-version=2019-05-01");
    let created = arm.send("PUT", &url, Some(body.clone())).await;
    assert_eq!(created.status, 201);
    let version = created.body["properties"]["version"]
        .as_str()
        .expect("version")
        .to_owned();
    let fetched = arm.send("GET", &url, None).await;
    assert_eq!(
        fetched.body["properties"]["parameters"]["invoiceKey"],
        json!({}),
        "securestring values are never returned"
    );
    assert!(!fetched.body.to_string().contains(&key));
    let again = arm.send("PUT", &url, Some(body)).await;
    assert_eq!(again.status, 200);
    assert_ne!(
        again.body["properties"]["version"].as_str(),
        Some(version.as_str()),
        "a new version on every PUT"
    );

    let triggered = arm
        .send(
            "POST",
            &format!("{FLOWS}/order-flow/triggers/manual/run?api-version=2019-05-01"),
            Some(json!({ "orderId": 5 })),
        )
        .await;
    assert_eq!(triggered.status, 200);
    let run_id = header(&triggered, "x-ms-workflow-run-id");
    let runs = arm
        .send(
            "GET",
            &format!("{FLOWS}/order-flow/runs?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(runs.body["value"][0]["name"], run_id.as_str());
    assert_eq!(runs.body["value"][0]["properties"]["status"], "Succeeded");
    let single = arm
        .send(
            "GET",
            &format!("{FLOWS}/order-flow/runs/{run_id}?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(single.body["properties"]["status"], "Succeeded");
    let listed = arm
        .send("GET", &format!("{FLOWS}?api-version=2019-05-01"), None)
        .await;
    assert_eq!(listed.body["value"][0]["name"], "order-flow");
    let actions = arm
        .send(
            "GET",
            &format!("{FLOWS}/order-flow/runs/{run_id}/actions?api-version=2019-05-01"),
            None,
        )
        .await;
    let codes: Vec<&str> = actions.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|a| a["properties"]["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["OK", "OK", "Succeeded"]);
    assert_eq!(
        arm.send("GET", &format!("{FLOWS}/nope?api-version=2019-05-01"), None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_shape_the_answers() {
    let arm = Arm::new(common::emulator(1)).await;
    let site = format!("{SITE}/orders");
    let inject = |fault: Value| arm.send("POST", "/_slotdrill/faults", Some(fault));

    inject(json!({ "kind": "expired_token" })).await;
    let expired = arm.send("GET", &site, None).await;
    assert_eq!(
        (expired.status, expired.body["error"]["code"].as_str()),
        (401, Some("ExpiredAuthenticationToken"))
    );
    assert_eq!(arm.send("GET", &site, None).await.status, 200, "only once");

    inject(json!({ "kind": "server_error", "probability": 1.0, "status": 503 })).await;
    assert_eq!(arm.send("GET", &site, None).await.status, 503);
    assert_eq!(
        arm.send("DELETE", "/_slotdrill/faults", None).await.status,
        200
    );

    inject(json!({ "kind": "throttle", "reads": 2, "writes": 1 })).await;
    let first = arm.send("GET", &site, None).await;
    assert_eq!(
        header(&first, "x-ms-ratelimit-remaining-subscription-reads"),
        "1"
    );
    arm.send("GET", &site, None).await;
    let throttled = arm.send("GET", &site, None).await;
    assert_eq!(
        (throttled.status, throttled.body["error"]["code"].as_str()),
        (429, Some("TooManyRequests"))
    );
    assert!(
        header(&throttled, "retry-after")
            .parse::<u64>()
            .is_ok_and(|s| s >= 1)
    );
    arm.send("DELETE", "/_slotdrill/faults", None).await;

    inject(json!({ "kind": "connection_reset" })).await;
    let url = arm.url(&format!("{site}?api-version=2024-11-01"));
    assert!(
        arm.raw("GET", &url, None, Some("t")).await.is_err(),
        "the connection is reset"
    );
    assert_eq!(arm.send("GET", &site, None).await.status, 200);

    inject(json!({ "kind": "swap_conflict", "app": "orders" })).await;
    assert_eq!(
        arm.send(
            "POST",
            &format!("{site}/slotsswap"),
            Some(json!({ "targetSlot": "deploy" }))
        )
        .await
        .status,
        409
    );

    inject(json!({ "kind": "restart_failure", "app": "orders", "slot": "deploy" })).await;
    let restart = arm
        .send(
            "POST",
            &format!("{site}/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
        )
        .await;
    let end = arm.poll(&header(&restart, "azure-asyncoperation")).await;
    assert_eq!(
        end.last().expect("poll").body["error"]["code"],
        "SwapRestartFailed"
    );

    inject(json!({ "kind": "latency", "ms": 60 })).await;
    let start = std::time::Instant::now();
    arm.send("GET", &site, None).await;
    assert!(
        start.elapsed() >= std::time::Duration::from_millis(60),
        "the answer was delayed"
    );
    arm.send("DELETE", "/_slotdrill/faults", None).await;

    let bad = inject(json!({ "kind": "meteor_strike" })).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_deploys_resets_and_shows_state_without_keys() {
    let emulator = common::emulator(1);
    emulator.mark_initial();
    let arm = Arm::new(emulator).await;
    assert_eq!(
        arm.send(
            "POST",
            "/_slotdrill/deploy",
            Some(json!({ "app": "orders", "slot": "production", "release": "v2" }))
        )
        .await
        .status,
        200
    );
    let state = arm.send("GET", "/_slotdrill/state", None).await;
    assert_eq!(state.body["apps"][0]["slots"][1]["release"], "v2");
    let key = common::key(&arm.served.emulator, "production", "ProcessOrder");
    assert!(
        !state.body.to_string().contains(&key),
        "no key in the state dump"
    );
    assert_eq!(
        arm.send("POST", "/_slotdrill/reset", None).await.status,
        200
    );
    let reset = arm.send("GET", "/_slotdrill/state", None).await;
    assert_eq!(reset.body["apps"][0]["slots"][1]["release"], "v1");
    assert_eq!(
        arm.send("POST", "/_slotdrill/advance?ms=1500", None)
            .await
            .body["now"],
        1500
    );
    assert_eq!(
        arm.send(
            "POST",
            "/_slotdrill/deploy",
            Some(json!({ "app": "orders", "slot": "production", "release": "v9" }))
        )
        .await
        .status,
        404
    );
}

/// Issue 16: runs used to finish before `triggers/{t}/run` answered, so none was ever seen
/// Running. A run that takes virtual time (here a 1.5 s function) is Running, with no end time,
/// until the clock reaches its end; each read of it moves the clock by a poll interval (5 s).
#[tokio::test]
async fn a_run_that_takes_time_is_seen_running_until_the_clock_reaches_its_end() {
    let arm = Arm::new(common::emulator(1)).await;
    let key = common::key(&arm.served.emulator, "production", "Slow");
    let definition = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "parameters": { "slowKey": { "type": "securestring" } },
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": { "CallSlow": { "type": "Http", "inputs": {
            "method": "POST",
            "uri": "https://orders.azurewebsites.net/api/Slow",
            "headers": { "x-functions-key": "@parameters('slowKey')" }
        } } }
    });
    let body = json!({ "location": "westeurope", "properties": { "definition": definition, "parameters": { "slowKey": { "value": key } } } });
    let saved = arm
        .send(
            "PUT",
            &format!("{FLOWS}/slow-flow?api-version=2019-05-01"),
            Some(body),
        )
        .await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let now = |state: &Value| state["now"].as_u64().expect("now");
    let before = now(&arm.send("GET", "/_slotdrill/state", None).await.body);

    let triggered = arm
        .send(
            "POST",
            &format!("{FLOWS}/slow-flow/triggers/manual/run?api-version=2019-05-01"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        triggered.status, 200,
        "the spec's WorkflowTriggers_Run answers 200"
    );
    let run = header(&triggered, "x-ms-workflow-run-id");
    let url = format!("{FLOWS}/slow-flow/runs/{run}?api-version=2019-05-01");
    let first = arm.send("GET", &url, None).await;
    assert_eq!(
        first.body["properties"]["status"], "Running",
        "{}",
        first.body
    );
    assert!(first.body["properties"]["endTime"].is_null());
    let after_poll = now(&arm.send("GET", "/_slotdrill/state", None).await.body);
    assert_eq!(
        after_poll,
        before + 5_000,
        "the read moved the clock by a poll interval"
    );
    let second = arm.send("GET", &url, None).await;
    assert_eq!(
        second.body["properties"]["status"], "Succeeded",
        "{}",
        second.body
    );
    assert!(second.body["properties"]["endTime"].is_string());
}

/// A disabled workflow does not run however it is asked: through ARM (409) and in process
/// (the drills' and the engine's trigger), not only through the management API.
#[tokio::test]
async fn a_disabled_workflow_runs_neither_through_arm_nor_in_process() {
    let arm = Arm::new(common::emulator(1)).await;
    let key = common::key(&arm.served.emulator, "production", "SendInvoice");
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/order-flow.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    let body = json!({ "location": "westeurope", "properties": { "definition": definition, "parameters": { "invoiceKey": { "value": key } } } });
    let url = format!("{FLOWS}/order-flow");
    let saved = arm
        .send("PUT", &format!("{url}?api-version=2019-05-01"), Some(body))
        .await;
    assert_eq!(saved.status, 201);
    let disabled = arm
        .send(
            "POST",
            &format!("{url}/disable?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(disabled.status, 200);
    let through_arm = arm
        .send(
            "POST",
            &format!("{url}/triggers/manual/run?api-version=2019-05-01"),
            Some(json!({})),
        )
        .await;
    assert_eq!(through_arm.status, 409, "{}", through_arm.body);
    assert_eq!(through_arm.body["error"]["code"], "WorkflowDisabled");
    let in_process = arm.served.emulator.run("order-flow", json!({}));
    assert!(
        matches!(
            in_process,
            Err(slotdrill_emulator::EmulatorError::Disabled(_))
        ),
        "{in_process:?}"
    );
}

/// Azure's template validation refuses an `Until` beyond 5,000 iterations with 400
/// `InvalidTemplate` (Limits: "Until … maximum 5,000"); nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_until_beyond_its_cap_is_refused_as_invalid_template() {
    let arm = Arm::new(common::emulator(1)).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/runtime/until-cap.json"
    ))
    .expect("fixture")
    .replace("{{COUNT}}", "6000");
    let definition: Value = serde_json::from_str(&text).expect("json");
    let body = json!({ "location": "westeurope", "properties": { "definition": definition } });
    let url = format!("{FLOWS}/forever?api-version=2019-05-01");
    let refused = arm.send("PUT", &url, Some(body)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"]["code"], "InvalidTemplate");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("maximum '5000' and actual '6000'")),
        "{:?}",
        refused.body
    );
    assert_eq!(arm.send("GET", &url, None).await.status, 404);
}
