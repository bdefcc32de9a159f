//! The management plane as clients we did not write use it (issue 16): the api-versions Azure's
//! REST specs list, ARM's answer to an unknown one, and the operations tools call (restart, start,
//! stop; workflow PATCH, DELETE, disable, enable, listCallbackUrl, versions), in the shapes of
//! the specs' examples (`tests/data/spec-examples/`).

mod common;

use common::arm::{Arm, FLOWS, SITE};
use serde_json::{Value, json};

/// api-versions the current official SDKs send by default: azure-mgmt-web 11.0.1 sends
/// 2025-05-01 (its `_configuration.py`), azure-mgmt-logic 10.0.0 sends 2019-05-01. The others
/// are the newest, oldest and preview entries of the specs' readmes.
const WEB_VERSIONS: [&str; 6] = [
    "2025-05-01",
    "2026-09-01",
    "2026-07-15",
    "2026-03-01-preview",
    "2016-03-01",
    "2015-08-01",
];
const LOGIC_VERSIONS: [&str; 5] = [
    "2019-05-01",
    "2026-01-01-preview",
    "2018-07-01-preview",
    "2016-06-01",
    "2015-02-01-preview",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_version_the_spec_readmes_list_is_served() {
    let arm = Arm::new(common::emulator(1)).await;
    for version in WEB_VERSIONS {
        let answer = arm
            .send(
                "GET",
                &format!("{SITE}/orders/slots/deploy?api-version={version}"),
                None,
            )
            .await;
        assert_eq!(
            answer.status, 200,
            "Microsoft.Web {version}: {}",
            answer.body
        );
    }
    for version in LOGIC_VERSIONS {
        let answer = arm
            .send("GET", &format!("{FLOWS}?api-version={version}"), None)
            .await;
        assert_eq!(
            answer.status, 200,
            "Microsoft.Logic {version}: {}",
            answer.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_api_version_gets_arms_no_registered_provider_answer() {
    let arm = Arm::new(common::emulator(1)).await;
    let web = arm
        .send(
            "GET",
            &format!("{SITE}/orders?api-version=2015-01-01"),
            None,
        )
        .await;
    assert_eq!(
        (web.status, web.body["error"]["code"].as_str()),
        (400, Some("NoRegisteredProviderFound"))
    );
    let message = web.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "No registered resource provider found for location 'westeurope' and API version \
             '2015-01-01' for type 'sites'. The supported api-versions are '"
        ),
        "{message}"
    );
    for listed in ["2025-05-01", "2026-03-01-preview", "2016-03-01"] {
        assert!(message.contains(listed), "{listed} missing from: {message}");
    }
    let logic = arm
        .send("GET", &format!("{FLOWS}?api-version=2024-11-01"), None)
        .await;
    let message = logic.body["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(logic.status, 400);
    assert!(
        message.contains("for type 'workflows'")
            && message.contains("2019-05-01")
            && !message.contains("2025-05-01"),
        "Microsoft.Logic has its own versions: {message}"
    );
}

/// A spec example's response body (`tests/data/spec-examples/NAME.json`, status 200).
fn example(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/spec-examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed: Value = serde_json::from_str(&text).expect("json");
    parsed["responses"]["200"]["body"].clone()
}

/// The keys of `example` (and of its objects, one level down) that `answer` lacks, but for
/// those the emulator does not model (`unmodelled`, as `key` or `parent/key`).
fn missing_keys(example: &Value, answer: &Value, unmodelled: &[&str]) -> Vec<String> {
    let mut missing = Vec::new();
    let Some(fields) = example.as_object() else {
        return missing;
    };
    for (key, value) in fields {
        if unmodelled.contains(&key.as_str()) {
            continue;
        }
        match answer.get(key) {
            None => missing.push(key.clone()),
            Some(inner) => {
                if let Some(children) = value.as_object() {
                    for child in children.keys() {
                        let path = format!("{key}/{child}");
                        if !unmodelled.contains(&path.as_str()) && inner.get(child).is_none() {
                            missing.push(path);
                        }
                    }
                }
            }
        }
    }
    missing
}

async fn saved_workflow(arm: &Arm) -> String {
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/order-flow.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    let url = format!("{FLOWS}/order-flow?api-version=2019-05-01");
    let body = json!({ "location": "westeurope", "properties": { "definition": definition } });
    let created = arm.send("PUT", &url, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    url
}

fn with_path(url: &str, tail: &str) -> String {
    url.replacen("?api-version", &format!("{tail}?api-version"), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_and_slots_restart_stop_and_start() {
    let arm = Arm::new(common::emulator(1)).await;
    let restarts = |slot: &str| {
        arm.served
            .emulator
            .read(|e| e.slot("orders", slot).expect("slot").restarts())
    };
    for (path, slot) in [
        (format!("{SITE}/orders"), "production"),
        (format!("{SITE}/orders/slots/deploy"), "deploy"),
    ] {
        let before = restarts(slot);
        let restarted = arm
            .send("POST", &format!("{path}/restart?softRestart=false"), None)
            .await;
        assert_eq!(restarted.status, 200, "restart {slot}: {}", restarted.body);
        assert_eq!(restarts(slot), before + 1, "{slot} restarted once");
        let stopped = arm.send("POST", &format!("{path}/stop"), None).await;
        assert_eq!(stopped.status, 200);
        let site = arm.send("GET", &path, None).await;
        assert_eq!(site.body["properties"]["state"], "Stopped");
        let started = arm.send("POST", &format!("{path}/start"), None).await;
        assert_eq!(started.status, 200);
        let site = arm.send("GET", &path, None).await;
        assert_eq!(site.body["properties"]["state"], "Running");
    }
    let missing = arm
        .send("POST", &format!("{SITE}/orders/slots/nope/restart"), None)
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_disable_enable_patch_and_delete() {
    let arm = Arm::new(common::emulator(1)).await;
    let url = saved_workflow(&arm).await;
    let state = || async { arm.send("GET", &url, None).await.body["properties"]["state"].clone() };

    let disabled = arm.send("POST", &with_path(&url, "/disable"), None).await;
    assert_eq!((disabled.status, &disabled.body), (200, &Value::Null));
    assert_eq!(state().await, "Disabled");
    let refused = arm
        .send(
            "POST",
            &with_path(&url, "/triggers/manual/run"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (409, Some("WorkflowDisabled")),
        "a disabled workflow does not run"
    );
    let enabled = arm.send("POST", &with_path(&url, "/enable"), None).await;
    assert_eq!(enabled.status, 200);
    assert_eq!(state().await, "Enabled");

    // PATCH (azure-mgmt-logic sends it without a body) answers the workflow; a state in the
    // body is applied, and saving the same definition again keeps the state.
    let patched = arm.send("PATCH", &url, None).await;
    assert_eq!(
        (patched.status, patched.body["properties"]["state"].as_str()),
        (200, Some("Enabled"))
    );
    let patched = arm
        .send(
            "PATCH",
            &url,
            Some(json!({ "properties": { "state": "Disabled" } })),
        )
        .await;
    assert_eq!(patched.body["properties"]["state"], "Disabled");
    let definition = patched.body["properties"]["definition"].clone();
    let resaved = arm
        .send(
            "PUT",
            &url,
            Some(json!({ "location": "westeurope", "properties": { "definition": definition } })),
        )
        .await;
    assert_eq!(resaved.body["properties"]["state"], "Disabled");

    let callers = || {
        arm.served.emulator.read(|e| {
            e.callers()
                .filter(|c| c.id.workflow == "order-flow")
                .count()
        })
    };
    assert!(callers() > 0, "saving registered the workflow's calls");
    let deleted = arm.send("DELETE", &url, None).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(arm.send("GET", &url, None).await.status, 404);
    assert_eq!(callers(), 0, "a deleted workflow calls nothing");
    let again = arm.send("DELETE", &url, None).await;
    assert_eq!(
        again.status, 204,
        "deleting what is gone: 204, as the example shows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_urls_have_the_spec_examples_shape() {
    let arm = Arm::new(common::emulator(1)).await;
    let url = saved_workflow(&arm).await;
    let answer = arm
        .send(
            "POST",
            &with_path(&url, "/listCallbackUrl"),
            Some(json!({ "notAfter": "2030-04-19T16:00:00Z", "keyType": "Primary" })),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let missing = missing_keys(&example("Workflows_ListCallbackUrl"), &answer.body, &[]);
    assert!(missing.is_empty(), "missing {missing:?} in {}", answer.body);
    let trigger = arm
        .send(
            "POST",
            &with_path(&url, "/triggers/manual/listCallbackUrl"),
            None,
        )
        .await;
    assert_eq!(trigger.status, 200, "{}", trigger.body);
    let missing = missing_keys(
        &example("WorkflowTriggers_ListCallbackUrl"),
        &trigger.body,
        &[],
    );
    assert!(
        missing.is_empty(),
        "missing {missing:?} in {}",
        trigger.body
    );
    let value = trigger.body["value"].as_str().unwrap_or_default();
    let base = trigger.body["basePath"].as_str().unwrap_or_default();
    assert!(
        value.starts_with(base) && base.ends_with("/triggers/manual/paths/invoke"),
        "{value}"
    );
    for query in ["sp", "sv", "sig", "api-version"] {
        let wanted = trigger.body["queries"][query].as_str().unwrap_or_default();
        assert!(!wanted.is_empty(), "{query}");
        assert!(value.contains(&format!("{query}=")), "{query} in {value}");
    }
    let none = arm
        .send(
            "POST",
            &with_path(&url, "/triggers/nope/listCallbackUrl"),
            None,
        )
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_saved_version_is_listed_and_readable() {
    let arm = Arm::new(common::emulator(1)).await;
    let url = saved_workflow(&arm).await;
    let first = arm.send("GET", &url, None).await.body;
    let mut changed = first["properties"]["definition"].clone();
    changed["actions"]["ProcessOrder"]["runAfter"] = json!({});
    changed["contentVersion"] = json!("2.0.0.0");
    let second = arm
        .send(
            "PUT",
            &url,
            Some(json!({ "location": "westeurope", "properties": { "definition": changed } })),
        )
        .await
        .body;
    let versions = arm.send("GET", &with_path(&url, "/versions"), None).await;
    assert_eq!(versions.status, 200, "{}", versions.body);
    let listed: Vec<&str> = versions.body["value"]
        .as_array()
        .map(|v| v.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    let (v1, v2) = (
        first["properties"]["version"].as_str().expect("v1"),
        second["properties"]["version"].as_str().expect("v2"),
    );
    assert_eq!(listed, vec![v2, v1], "newest first");
    let old = arm
        .send("GET", &with_path(&url, &format!("/versions/{v1}")), None)
        .await;
    assert_eq!(old.status, 200);
    assert_eq!(
        old.body["properties"]["definition"]["contentVersion"],
        "1.0.0.0"
    );
    assert_eq!(old.body["properties"]["version"], v1);
    let missing = missing_keys(
        &example("WorkflowVersions_Get"),
        &old.body,
        &[
            "tags",
            "properties/accessEndpoint",
            "properties/integrationAccount",
            "properties/endpointsConfiguration",
        ],
    );
    assert!(missing.is_empty(), "missing {missing:?} in {}", old.body);
    let current = arm
        .send("GET", &with_path(&url, &format!("/versions/{v2}")), None)
        .await;
    assert_eq!(
        current.body["properties"]["definition"]["contentVersion"],
        "2.0.0.0"
    );
    let unknown = arm
        .send(
            "GET",
            &with_path(&url, "/versions/08584000000000000099"),
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
}
