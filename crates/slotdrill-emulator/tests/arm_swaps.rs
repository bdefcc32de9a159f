//! The management plane over HTTP, swaps: long-running operations polled through both header
//! kinds, a failed swap that changes nothing, swap with preview and slot differences, and the
//! platform reverting a swap.

mod common;

use common::arm::{Arm, SITE, header};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_is_a_long_running_operation_polled_to_completion() {
    let arm = Arm::new(common::emulator(1)).await;
    let started = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "deploy", "preserveVnet": true })),
        )
        .await;
    assert_eq!(started.status, 202);
    assert_eq!(header(&started, "retry-after"), "10");
    let polls = arm.poll(&header(&started, "azure-asyncoperation")).await;
    assert!(polls.len() >= 2, "at least one InProgress before the end");
    assert_eq!(polls[0].body["status"], "InProgress");
    assert_eq!(polls.last().expect("poll").body["status"], "Succeeded");
    let production = arm.send("GET", &format!("{SITE}/orders"), None).await;
    assert_eq!(
        production.body["properties"]["slotSwapStatus"]["sourceSlotName"],
        "deploy"
    );
    let key = common::key(&arm.served.emulator, "production", "ProcessOrder");
    let served = arm
        .served
        .send(&common::call("production", "ProcessOrder", Some(&key)))
        .await;
    assert_eq!(
        served.served_by.expect("served").release.as_deref(),
        Some("v2"),
        "the host serves the swapped release"
    );

    // The slot form, polled through Location: 202 while running, then 200.
    let back = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/slotsswap"),
            Some(json!({ "targetSlot": "production" })),
        )
        .await;
    assert_eq!(back.status, 202);
    let polls = arm.poll(&header(&back, "location")).await;
    assert_eq!(polls.first().expect("poll").status, 202);
    assert_eq!(polls.last().expect("poll").status, 200);
    let served = arm
        .served
        .send(&common::call("production", "ProcessOrder", Some(&key)))
        .await;
    assert_eq!(
        served.served_by.expect("served").release.as_deref(),
        Some("v1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_swap_ends_failed_and_changes_nothing() {
    let arm = Arm::new(common::emulator(1)).await;
    let faults = arm
        .send(
            "POST",
            "/_slotdrill/faults",
            Some(json!([{ "kind": "warmup_failure", "app": "orders", "slot": "deploy" }])),
        )
        .await;
    assert_eq!(faults.status, 200);
    let started = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
        )
        .await;
    let async_polls = arm.poll(&header(&started, "azure-asyncoperation")).await;
    let last = async_polls.last().expect("poll");
    assert_eq!(
        (
            last.body["status"].as_str(),
            last.body["error"]["code"].as_str()
        ),
        (Some("Failed"), Some("SwapWarmupFailed"))
    );
    let location = arm.poll(&header(&started, "location")).await;
    assert_eq!(
        location.last().expect("poll").status,
        417,
        "the Location form answers the error itself"
    );
    let production = arm.send("GET", &format!("{SITE}/orders"), None).await;
    assert!(production.body["properties"]["slotSwapStatus"].is_null());
    // Validation failures are refused up front.
    let self_swap = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
        )
        .await;
    assert_eq!(self_swap.status, 400);
    let no_body = arm
        .send("POST", &format!("{SITE}/orders/slotsswap"), None)
        .await;
    assert_eq!(no_body.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swap_with_preview_and_slot_differences() {
    let arm = Arm::new(common::emulator(1)).await;
    let sticky = arm
        .send(
            "PUT",
            &format!("{SITE}/orders/config/slotConfigNames"),
            Some(json!({ "properties": { "appSettingNames": ["DB"] } })),
        )
        .await;
    assert_eq!(sticky.body["properties"]["appSettingNames"], json!(["DB"]));
    assert_eq!(
        arm.send(
            "GET",
            &format!("{SITE}/orders/config/slotConfigNames"),
            None
        )
        .await
        .body["properties"]["appSettingNames"],
        json!(["DB"])
    );
    arm.send(
        "PUT",
        &format!("{SITE}/orders/config/appsettings"),
        Some(json!({ "properties": { "DB": "prod-db", "FEATURE": "old" } })),
    )
    .await;
    let put = arm
        .send(
            "PUT",
            &format!("{SITE}/orders/slots/deploy/config/appsettings"),
            Some(json!({ "properties": { "DB": "staging-db", "FEATURE": "new" } })),
        )
        .await;
    assert_eq!(put.body["properties"]["FEATURE"], "new");
    let listed = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/config/appsettings/list"),
            None,
        )
        .await;
    assert_eq!(
        listed.body["properties"],
        json!({ "DB": "staging-db", "FEATURE": "new" })
    );
    let diffs = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slotsdiffs"),
            Some(json!({ "targetSlot": "deploy" })),
        )
        .await;
    let names: Vec<&str> = diffs.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|d| d["properties"]["settingName"].as_str())
        .collect();
    assert_eq!(names, vec!["DB", "FEATURE"]);
    assert_eq!(
        diffs.body["value"][0]["properties"]["level"], "Warning",
        "a sticky difference is a warning"
    );

    assert_eq!(
        arm.send(
            "POST",
            &format!("{SITE}/orders/applySlotConfig"),
            Some(json!({ "targetSlot": "deploy" }))
        )
        .await
        .status,
        200
    );
    let deploy = arm
        .send("GET", &format!("{SITE}/orders/slots/deploy"), None)
        .await;
    assert_eq!(deploy.body["properties"]["targetSwapSlot"], "production");
    let previewed = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/config/appsettings/list"),
            None,
        )
        .await;
    assert_eq!(
        previewed.body["properties"]["DB"], "prod-db",
        "the source runs with production's sticky settings"
    );
    assert_eq!(
        arm.send("POST", &format!("{SITE}/orders/resetSlotConfig"), None)
            .await
            .status,
        200
    );
    let reset = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/config/appsettings/list"),
            None,
        )
        .await;
    assert_eq!(reset.body["properties"]["DB"], "staging-db");
    assert_eq!(
        arm.send("POST", &format!("{SITE}/orders/resetSlotConfig"), None)
            .await
            .status,
        400,
        "nothing pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_can_revert_a_swap_minutes_later() {
    let arm = Arm::new(common::emulator(1)).await;
    arm.send(
        "POST",
        "/_slotdrill/faults",
        Some(json!({ "kind": "swap_revert", "app": "orders", "after_ms": 300000 })),
    )
    .await;
    let started = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
        )
        .await;
    arm.poll(&header(&started, "azure-asyncoperation")).await;
    let release = |state: &Value| {
        state["apps"][0]["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .find(|s| s["name"] == "production")
            .map(|s| s["release"].clone())
    };
    assert_eq!(
        release(&arm.send("GET", "/_slotdrill/state", None).await.body),
        Some(json!("v2"))
    );
    arm.send("POST", "/_slotdrill/advance?ms=300000", None)
        .await;
    assert_eq!(
        release(&arm.send("GET", "/_slotdrill/state", None).await.body),
        Some(json!("v1")),
        "reverted by the platform"
    );
}
