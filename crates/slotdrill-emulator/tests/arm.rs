//! The management plane over HTTP: every path, long-running swaps polled through both header
//! kinds, api-version and token errors, workflows, the admin API, and each injected fault.

mod common;

use serde_json::{Value, json};
use slotdrill_emulator::{Emulator, EmulatorConfig};

const SITE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites";
const FLOWS: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Logic/workflows";

struct Arm {
    served: common::Served,
    token: &'static str,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Arm {
    async fn new(emulator: Emulator) -> Arm {
        Arm {
            served: common::serve(emulator).await,
            token: "any-token",
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("http://127.0.0.1:{}{path}", self.served.addr.port())
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("api-version=") || path.starts_with("/_slotdrill") {
            self.url(path)
        } else {
            self.url(&format!("{path}{separator}api-version=2024-11-01"))
        };
        self.raw(method, &url, body, Some(self.token))
            .await
            .expect("answered")
    }

    async fn raw(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        let mut request = self.served.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            url,
        );
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        Ok(Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// Polls a long-running operation to its end (bounded), returning every answer.
    async fn poll(&self, url: &str) -> Vec<Answer> {
        let mut answers = Vec::new();
        for _ in 0..20 {
            let answer = self
                .raw("GET", url, None, Some(self.token))
                .await
                .expect("poll");
            let running = answer.status == 202 || answer.body["status"] == "InProgress";
            answers.push(answer);
            if !running {
                break;
            }
        }
        answers
    }
}

fn header(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

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
    let without = arm.send("GET", SITE, None).await;
    assert_eq!(without.body["value"].as_array().map(Vec::len), Some(1));
    let missing = arm.send("GET", &format!("{SITE}/nope"), None).await;
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    let wrong_group = arm.send("GET", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other/providers/Microsoft.Web/sites/orders", None).await;
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
    assert_eq!(wrong.body["error"]["code"], "InvalidApiVersionParameter");
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
        logic_version.body["error"]["code"], "InvalidApiVersionParameter",
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
    assert_eq!(
        first["properties"]["invoke_url_template"],
        "https://orders-deploy.azurewebsites.net/api/adminonly"
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
    assert_eq!(
        secrets.body["trigger_url"],
        format!("https://orders-deploy.azurewebsites.net/api/SendInvoice?code={key}")
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
