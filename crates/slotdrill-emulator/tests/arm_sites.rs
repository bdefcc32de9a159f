//! The management plane over HTTP, sites: apps and slots in Azure's shapes, api-version and
//! token errors, site config, functions and keys, slots created within the plan and deleted.

mod common;

use common::arm::{Arm, FLOWS, SITE};
use serde_json::json;
use slotdrill_emulator::{Emulator, EmulatorConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_and_slots_have_azure_shapes() {
    let arm = Arm::new(common::emulator(1)).await;
    let app = arm.send("GET", &format!("{SITE}/orders"), None).await;
    assert_eq!(app.status, 200);
    assert_eq!(app.body["id"], format!("{SITE}/orders"));
    assert_eq!(app.body["type"], "Microsoft.Web/sites");
    assert_eq!(app.body["kind"], "functionapp");
    assert_eq!(
        app.body["properties"]["defaultHostName"],
        "orders.azurewebsites.net"
    );
    assert_eq!(app.body["properties"]["state"], "Running");
    let slot = arm
        .send("GET", &format!("{SITE}/orders/slots/deploy"), None)
        .await;
    assert_eq!(
        (slot.body["name"].as_str(), slot.body["type"].as_str()),
        (Some("orders/deploy"), Some("Microsoft.Web/sites/slots"))
    );
    assert_eq!(
        slot.body["properties"]["defaultHostName"],
        "orders-deploy.azurewebsites.net"
    );
    let slots = arm.send("GET", &format!("{SITE}/orders/slots"), None).await;
    assert_eq!(
        slots.body["value"].as_array().map(Vec::len),
        Some(1),
        "production is not listed among slots"
    );
    assert!(
        slots.body.get("nextLink").is_some(),
        "the pagination shape has nextLink"
    );
    let with_slots = arm
        .send("GET", &format!("{SITE}?includeSlots=true"), None)
        .await;
    assert_eq!(with_slots.body["value"].as_array().map(Vec::len), Some(2));
    let without = arm.send("GET", &SITE, None).await;
    assert_eq!(without.body["value"].as_array().map(Vec::len), Some(1));
    let missing = arm.send("GET", &format!("{SITE}/nope"), None).await;
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    let wrong_group = arm
        .send(
            "GET",
            &slotdrill_test_support::arm::resource_path("other", "Microsoft.Web/sites/orders"),
            None,
        )
        .await;
    assert_eq!(wrong_group.status, 404);
    let wrong_subscription = arm.send("GET", "/subscriptions/11111111-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites/orders", None).await;
    assert_eq!(
        wrong_subscription.body["error"]["code"],
        "SubscriptionNotFound"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_version_and_token_are_required() {
    let arm = Arm::new(common::emulator(1)).await;
    let url = arm.url(&format!("{SITE}/orders"));
    let missing = arm.raw("GET", &url, None, Some("t")).await.expect("answer");
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
    let wrong = arm
        .raw(
            "GET",
            &format!("{url}?api-version=2015-01-01"),
            None,
            Some("t"),
        )
        .await
        .expect("answer");
    assert_eq!(wrong.body["error"]["code"], "NoRegisteredProviderFound");
    assert!(
        wrong.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2024-11-01"))
    );
    let logic_version = arm
        .raw(
            "GET",
            &arm.url(&format!("{FLOWS}/x?api-version=2024-11-01")),
            None,
            Some("t"),
        )
        .await
        .expect("answer");
    assert_eq!(
        logic_version.body["error"]["code"], "NoRegisteredProviderFound",
        "Microsoft.Logic has its own versions"
    );
    let anonymous = arm
        .raw("GET", &format!("{url}?api-version=2024-11-01"), None, None)
        .await
        .expect("answer");
    assert_eq!(
        (anonymous.status, anonymous.body["error"]["code"].as_str()),
        (401, Some("AuthenticationFailed"))
    );

    let strict = Arm::new(Emulator::with_config(
        common::estate(1),
        EmulatorConfig {
            require_token: Some("s3cret".into()),
            ..Default::default()
        },
    ))
    .await;
    let url = strict.url(&format!("{SITE}/orders?api-version=2024-11-01"));
    assert_eq!(
        strict
            .raw("GET", &url, None, Some("other"))
            .await
            .expect("answer")
            .body["error"]["code"],
        "InvalidAuthenticationToken"
    );
    assert_eq!(
        strict
            .raw("GET", &url, None, Some("s3cret"))
            .await
            .expect("answer")
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_config_functions_and_keys() {
    let arm = Arm::new(common::emulator(1)).await;
    let web = arm
        .send(
            "PUT",
            &format!("{SITE}/orders/slots/deploy/config/web"),
            Some(json!({ "properties": { "autoSwapSlotName": "production" } })),
        )
        .await;
    assert_eq!(web.body["properties"]["autoSwapSlotName"], "production");
    let rules = json!({ "properties": { "experiments": { "rampUpRules": [{ "name": "deploy", "actionHostName": "orders-deploy.azurewebsites.net", "reroutePercentage": 10 }] } } });
    let routed = arm
        .send("PUT", &format!("{SITE}/orders/config/web"), Some(rules))
        .await;
    assert_eq!(
        routed.body["properties"]["experiments"]["rampUpRules"][0]["reroutePercentage"],
        10.0
    );
    let too_much = json!({ "properties": { "experiments": { "rampUpRules": [{ "name": "deploy", "actionHostName": "orders-deploy.azurewebsites.net", "reroutePercentage": 120 }] } } });
    assert_eq!(
        arm.send("PUT", &format!("{SITE}/orders/config/web"), Some(too_much))
            .await
            .status,
        400
    );
    // A rule without `actionHostName` is refused with the field it lacks.
    let no_host = json!({ "properties": { "experiments": { "rampUpRules": [{ "name": "deploy", "reroutePercentage": 10 }] } } });
    let refused = arm
        .send("PUT", &format!("{SITE}/orders/config/web"), Some(no_host))
        .await;
    assert_eq!(
        (refused.status, refused.body["error"]["message"].as_str()),
        (400, Some("a ramp-up rule needs `actionHostName`"))
    );

    let fetched = arm
        .send(
            "GET",
            &format!("{SITE}/orders/slots/deploy/config/web"),
            None,
        )
        .await;
    assert_eq!(
        (
            fetched.body["name"].as_str(),
            fetched.body["properties"]["autoSwapSlotName"].as_str()
        ),
        (Some("web"), Some("production"))
    );
    let production_web = arm
        .send("GET", &format!("{SITE}/orders/config/web"), None)
        .await;
    assert_eq!(
        production_web.body["properties"]["experiments"]["rampUpRules"][0]["actionHostName"],
        "orders-deploy.azurewebsites.net"
    );
    assert_eq!(
        arm.send("POST", &format!("{SITE}/orders/slots/deploy/stop"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        arm.send("GET", &format!("{SITE}/orders/slots/deploy"), None)
            .await
            .body["properties"]["state"],
        "Stopped"
    );
    assert_eq!(
        arm.send("POST", &format!("{SITE}/orders/slots/deploy/start"), None)
            .await
            .status,
        200
    );

    let functions = arm
        .send(
            "GET",
            &format!("{SITE}/orders/slots/deploy/functions"),
            None,
        )
        .await;
    let first = &functions.body["value"][0];
    assert_eq!(first["name"], "orders/deploy/AdminOnly");
    // The scheme and port this client used, the slot's host name (which routes the call).
    let port = arm.served.addr.port();
    assert_eq!(
        first["properties"]["invoke_url_template"],
        format!("http://orders-deploy.azurewebsites.net:{port}/api/adminonly")
    );
    let production_functions = arm
        .send("GET", &format!("{SITE}/orders/functions"), None)
        .await;
    assert_eq!(
        production_functions.body["value"].as_array().map(Vec::len),
        Some(9)
    );

    let secrets = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/functions/SendInvoice/listsecrets"),
            None,
        )
        .await;
    let key = common::key(&arm.served.emulator, "deploy", "SendInvoice");
    assert_eq!(secrets.body["key"], key.as_str());
    let trigger_url =
        format!("http://orders-deploy.azurewebsites.net:{port}/api/SendInvoice?code={key}");
    assert_eq!(secrets.body["trigger_url"], trigger_url);
    // As written, it reaches that slot's function.
    let called = arm
        .served
        .client
        .post(&trigger_url)
        .json(&json!({}))
        .send()
        .await
        .expect("answer");
    // Its key was taken (a function may still fail: the slot's release decides that).
    assert_ne!(called.status(), 401);
    assert!(
        called.headers()["x-slotdrill-served-by"]
            .to_str()
            .is_ok_and(|s| s.starts_with("orders/deploy@"))
    );
    let keys = arm
        .send(
            "POST",
            &format!("{SITE}/orders/slots/deploy/functions/SendInvoice/listkeys"),
            None,
        )
        .await;
    assert_eq!(
        keys.body,
        json!({ "default": key }),
        "the flat shape Azure really returns"
    );
    let host = arm
        .send(
            "POST",
            &format!("{SITE}/orders/host/default/listkeys"),
            None,
        )
        .await;
    assert!(host.body["masterKey"].is_string() && host.body["functionKeys"]["default"].is_string());
    assert_eq!(
        arm.send(
            "POST",
            &format!("{SITE}/orders/functions/Nope/listsecrets"),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_are_created_within_the_plan_and_deleted() {
    let arm = Arm::new(common::emulator(1)).await;
    let created = arm
        .send(
            "PUT",
            &format!("{SITE}/orders/slots/staging"),
            Some(json!({ "location": "westeurope", "properties": {} })),
        )
        .await;
    assert_eq!(
        (
            created.status,
            created.body["properties"]["defaultHostName"].as_str()
        ),
        (200, Some("orders-staging.azurewebsites.net"))
    );
    let over = arm
        .send(
            "PUT",
            &format!("{SITE}/orders/slots/qa"),
            Some(json!({ "properties": {} })),
        )
        .await;
    assert_eq!(
        (over.status, over.body["error"]["code"].as_str()),
        (409, Some("SlotLimitExceeded")),
        "Premium allows three slots"
    );
    assert_eq!(
        arm.send("DELETE", &format!("{SITE}/orders/slots/staging"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        arm.send("GET", &format!("{SITE}/orders/slots/staging"), None)
            .await
            .status,
        404
    );
}
