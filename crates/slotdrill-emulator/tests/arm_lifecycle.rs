//! The management plane's lifecycle rules (issue 15): a refused request changes nothing, a swap
//! is a long-running operation that holds its site until it completes, a prepared swap holds
//! both slots' configuration, and every answer carries a `Date` from the virtual clock. In
//! process: `Emulator::manage` is what the HTTP listener calls.

mod common;

use serde_json::{Value, json};
use slotdrill_emulator::arm::{ArmRequest, ArmResponse, admin};
use slotdrill_emulator::{ArmFault, Emulator};

const SITE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites";
const FLOWS: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Logic/workflows";

fn request(method: &str, path: &str, body: Option<Value>) -> ArmRequest {
    let version = if path.contains("Microsoft.Logic") {
        "2019-05-01"
    } else {
        "2024-11-01"
    };
    ArmRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: vec![("api-version".to_owned(), version.to_owned())],
        headers: vec![("authorization".to_owned(), "Bearer t".to_owned())],
        body,
        base_url: "http://127.0.0.1:1".to_owned(),
    }
}

fn send(emulator: &Emulator, method: &str, path: &str, body: Option<Value>) -> ArmResponse {
    emulator.manage(&request(method, path, body))
}

fn header<'a>(response: &'a ArmResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn state(emulator: &Emulator) -> Value {
    let answer = admin(emulator, &request("GET", "/_slotdrill/state", None));
    answer.body.expect("state")
}

fn production_release(emulator: &Emulator) -> Option<String> {
    emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .release_id()
            .map(str::to_owned)
    })
}

/// Polls the operation a 202 named (through `Location`) until it ends; returns the last answer.
fn poll_to_end(emulator: &Emulator, started: &ArmResponse) -> ArmResponse {
    let location = header(started, "location").expect("a Location header");
    let path = location
        .trim_start_matches("http://127.0.0.1:1")
        .split('?')
        .next()
        .expect("path")
        .to_owned();
    for _ in 0..50 {
        let answer = send(emulator, "GET", &path, None);
        if answer.status != 202 {
            return answer;
        }
    }
    panic!("the operation never ended");
}

fn start_swap(emulator: &Emulator) -> ArmResponse {
    send(
        emulator,
        "POST",
        &format!("{SITE}/orders/slotsswap"),
        Some(json!({ "targetSlot": "deploy", "preserveVnet": true })),
    )
}

fn put_settings(emulator: &Emulator, slot: &str) -> ArmResponse {
    let path = if slot == "production" {
        format!("{SITE}/orders/config/appsettings")
    } else {
        format!("{SITE}/orders/slots/{slot}/config/appsettings")
    };
    send(
        emulator,
        "PUT",
        &path,
        Some(json!({ "properties": { "FEATURE": "on" } })),
    )
}

/// App Service's own error shape (PascalCase, not wrapped in `error`).
fn assert_app_service_conflict(answer: &ArmResponse, message: &str) {
    assert_eq!(answer.status, 409, "{:?}", answer.body);
    let body = answer.body.as_ref().expect("a body");
    assert_eq!(body["Code"], "Conflict");
    assert!(
        body["Message"]
            .as_str()
            .is_some_and(|m| m.contains(message)),
        "{body}"
    );
    assert_eq!(body["Target"], Value::Null);
    assert_eq!(body["Innererror"], Value::Null);
    let details = body["Details"].as_array().expect("Details");
    assert_eq!(details.len(), 3);
    assert_eq!(details[0]["Message"], body["Message"]);
    assert_eq!(details[1]["Code"], "Conflict");
    let entity = &details[2]["ErrorEntity"];
    assert_eq!(entity["Code"], "Conflict");
    assert_eq!(entity["Message"], body["Message"]);
    assert!(entity["ExtendedCode"].is_string());
    assert!(entity["MessageTemplate"].is_string());
    assert!(entity["Parameters"].is_array());
}

fn order_flow(function: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/order-flow.json"
    ))
    .expect("fixture");
    let text = text.replace("/functions/ProcessOrder", &format!("/functions/{function}"));
    let definition: Value = serde_json::from_str(&text).expect("json");
    json!({ "location": "westeurope", "properties": { "definition": definition } })
}

#[test]
fn a_refused_workflow_put_keeps_the_workflow_and_its_callers() {
    let emulator = common::emulator(1);
    let path = format!("{FLOWS}/order-flow");
    assert_eq!(
        send(&emulator, "PUT", &path, Some(order_flow("ProcessOrder"))).status,
        201
    );
    let before = state(&emulator);
    let callers_before: Vec<_> = emulator.read(|e| e.callers().cloned().collect());
    let refused = send(&emulator, "PUT", &path, Some(order_flow("NoSuchFunction")));
    assert_eq!(
        refused.status, 400,
        "a call to a missing function is refused"
    );
    let kept = send(&emulator, "GET", &path, None);
    assert_eq!(
        kept.status, 200,
        "the refused PUT must not delete the workflow"
    );
    assert_eq!(state(&emulator), before);
    let callers_after: Vec<_> = emulator.read(|e| e.callers().cloned().collect());
    assert_eq!(callers_after, callers_before);
    // The workflow is still there to change: a valid PUT succeeds as an update.
    assert_eq!(
        send(&emulator, "PUT", &path, Some(order_flow("SendInvoice"))).status,
        200
    );
}

#[test]
fn a_swap_switches_traffic_when_its_operation_completes_and_holds_the_site_meanwhile() {
    let emulator = common::emulator(1);
    let started = start_swap(&emulator);
    assert_eq!(started.status, 202);
    assert_eq!(
        production_release(&emulator).as_deref(),
        Some("v1"),
        "production still serves the old release while the swap runs"
    );
    let second = start_swap(&emulator);
    assert_app_service_conflict(&second, "another operation is in progress");
    let entity = &second.body.as_ref().expect("body")["Details"][2]["ErrorEntity"];
    assert_eq!(entity["ExtendedCode"], "59203");
    assert!(
        second.body.as_ref().expect("body")["Message"]
            .as_str()
            .is_some_and(|m| m.contains("OperationName: SwapSiteSlots")),
    );
    for slot in ["production", "deploy"] {
        assert_app_service_conflict(
            &put_settings(&emulator, slot),
            "another operation is in progress",
        );
    }
    let done = poll_to_end(&emulator, &started);
    assert_eq!(done.status, 200);
    assert_eq!(production_release(&emulator).as_deref(), Some("v2"));
    assert_eq!(
        put_settings(&emulator, "deploy").status,
        200,
        "the site is free again"
    );
    assert_eq!(start_swap(&emulator).status, 202);
}

#[test]
fn a_prepared_swap_refuses_config_writes_to_both_slots_until_reset() {
    let emulator = common::emulator(1);
    let applied = send(
        &emulator,
        "POST",
        &format!("{SITE}/orders/slots/deploy/applySlotConfig"),
        Some(json!({ "targetSlot": "production", "preserveVnet": true })),
    );
    assert_eq!(applied.status, 200);
    for slot in ["deploy", "production"] {
        let before = state(&emulator);
        assert_app_service_conflict(
            &put_settings(&emulator, slot),
            "its configuration settings have been prepared for swap",
        );
        assert_eq!(
            state(&emulator),
            before,
            "the refused write changed nothing"
        );
    }
    let reset = send(
        &emulator,
        "POST",
        &format!("{SITE}/orders/slots/deploy/resetSlotConfig"),
        None,
    );
    assert_eq!(reset.status, 200);
    assert_eq!(put_settings(&emulator, "deploy").status, 200);
}

#[test]
fn a_failed_swap_leaves_the_slots_prepared_for_swap() {
    let emulator = common::emulator(1);
    emulator.inject(ArmFault::WarmupFailure {
        app: "orders".into(),
        slot: "deploy".into(),
    });
    let started = start_swap(&emulator);
    assert_eq!(started.status, 202);
    let done = poll_to_end(&emulator, &started);
    assert!(done.status >= 400, "the operation failed: {:?}", done.body);
    assert_eq!(production_release(&emulator).as_deref(), Some("v1"));
    assert_app_service_conflict(&put_settings(&emulator, "deploy"), "prepared for swap");
    let reset = send(
        &emulator,
        "POST",
        &format!("{SITE}/orders/resetSlotConfig"),
        None,
    );
    assert_eq!(reset.status, 200);
    assert_eq!(put_settings(&emulator, "deploy").status, 200);
}

#[test]
fn every_management_answer_carries_a_date_from_the_virtual_clock() {
    let emulator = common::emulator(1);
    emulator.advance(90_061_000); // 1 day, 1 h, 1 min, 1 s
    let site = send(&emulator, "GET", &format!("{SITE}/orders"), None);
    assert_eq!(header(&site, "date"), Some("Fri, 02 Jan 2026 01:01:01 GMT"));
    let missing = send(&emulator, "GET", &format!("{SITE}/nothing"), None);
    assert_eq!(missing.status, 404);
    assert_eq!(
        header(&missing, "date"),
        Some("Fri, 02 Jan 2026 01:01:01 GMT"),
        "errors carry it too"
    );
    let started = start_swap(&emulator);
    assert!(header(&started, "date").is_some());
    let polled = poll_to_end(&emulator, &started);
    let date = header(&polled, "date").expect("date").to_owned();
    assert_ne!(
        date, "Fri, 02 Jan 2026 01:01:01 GMT",
        "polls move the clock, and the Date with it"
    );
    let site = send(&emulator, "GET", &format!("{SITE}/orders"), None);
    let stamp = site.body.expect("site")["properties"]["slotSwapStatus"]["timestampUtc"]
        .as_str()
        .expect("timestamp")
        .to_owned();
    assert!(stamp.starts_with("2026-01-02T01:01:"), "{stamp}");
}

#[test]
fn deployment_records_are_listed_per_slot_and_move_with_the_content() {
    let emulator = common::emulator(1);
    let list = |slot: &str| {
        let path = if slot == "production" {
            format!("{SITE}/orders/deployments")
        } else {
            format!("{SITE}/orders/slots/{slot}/deployments")
        };
        send(&emulator, "GET", &path, None).body.expect("list")
    };
    let production = list("production");
    let record = &production["value"][0];
    assert_eq!(production["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(record["properties"]["status"], 4);
    assert_eq!(record["properties"]["active"], true);
    assert_eq!(
        record["properties"]["message"],
        "slotdrill deploy of release v1"
    );
    let id = record["name"]
        .as_str()
        .and_then(|n| n.rsplit('/').next())
        .expect("id")
        .to_owned();
    assert_eq!(id.len(), 32);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let one = send(
        &emulator,
        "GET",
        &format!("{SITE}/orders/deployments/{id}"),
        None,
    );
    assert_eq!(one.status, 200);
    assert_eq!(
        one.body.expect("record")["properties"]["end_time"],
        record["properties"]["end_time"]
    );

    let started = start_swap(&emulator);
    assert_eq!(poll_to_end(&emulator, &started).status, 200);
    assert_eq!(
        list("production")["value"][0]["properties"]["message"],
        "slotdrill deploy of release v2",
        "the records moved with the content"
    );
    assert_eq!(
        list("deploy")["value"][0]["name"],
        format!("orders/deploy/{id}")
    );
}

/// The admin state without the armed faults (a fault that fires is used up: that is the fault,
/// not a change the refused request made).
fn observable(emulator: &Emulator) -> Value {
    let mut state = state(emulator);
    if let Some(map) = state.as_object_mut() {
        map.remove("faults");
    }
    state
}

#[test]
fn every_refused_request_changes_nothing() {
    type Setup = fn(&Emulator);
    /// name, setup, method, path, body, the status it is refused with.
    type Case = (
        &'static str,
        Setup,
        &'static str,
        String,
        Option<Value>,
        u16,
    );
    let nothing: Setup = |_| {};
    let swap_running: Setup = |e| assert_eq!(start_swap(e).status, 202);
    let prepared: Setup = |e| {
        let applied = send(
            e,
            "POST",
            &format!("{SITE}/orders/slots/deploy/applySlotConfig"),
            Some(json!({ "targetSlot": "production" })),
        );
        assert_eq!(applied.status, 200);
    };
    let with_flow: Setup = |e| {
        let path = format!("{FLOWS}/order-flow");
        assert_eq!(
            send(e, "PUT", &path, Some(order_flow("ProcessOrder"))).status,
            201
        );
    };
    let throttled: Setup = |e| {
        e.inject(ArmFault::Throttle {
            reads: 100,
            writes: 0,
        })
    };
    let server_error: Setup = |e| {
        e.inject(ArmFault::ServerError {
            probability: 1.0,
            status: 503,
        })
    };
    let conflict: Setup = |e| {
        e.inject(ArmFault::SwapConflict {
            app: "orders".into(),
        })
    };
    let expired: Setup = |e| e.inject(ArmFault::ExpiredToken { count: 1 });
    let settings = json!({ "properties": { "FEATURE": "on" } });
    let cases: Vec<Case> = vec![
        (
            "bad body",
            nothing,
            "PUT",
            format!("{SITE}/orders/config/appsettings"),
            Some(json!({ "nope": 1 })),
            400,
        ),
        (
            "swap without target",
            nothing,
            "POST",
            format!("{SITE}/orders/slotsswap"),
            Some(json!({})),
            400,
        ),
        (
            "unknown slot",
            nothing,
            "PUT",
            format!("{SITE}/orders/slots/nope/config/appsettings"),
            Some(settings.clone()),
            404,
        ),
        (
            "swap with an unknown slot",
            nothing,
            "POST",
            format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "nope" })),
            404,
        ),
        (
            "second swap",
            swap_running,
            "POST",
            format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
            409,
        ),
        (
            "write while swapping",
            swap_running,
            "PUT",
            format!("{SITE}/orders/slots/deploy/config/appsettings"),
            Some(settings.clone()),
            409,
        ),
        (
            "write to a prepared slot",
            prepared,
            "PUT",
            format!("{SITE}/orders/config/appsettings"),
            Some(settings.clone()),
            409,
        ),
        (
            "sticky names while prepared",
            prepared,
            "PUT",
            format!("{SITE}/orders/config/slotConfigNames"),
            Some(json!({ "properties": { "appSettingNames": ["X"] } })),
            409,
        ),
        (
            "invalid workflow",
            with_flow,
            "PUT",
            format!("{FLOWS}/order-flow"),
            Some(order_flow("NoSuchFunction")),
            400,
        ),
        (
            "workflow without definition",
            with_flow,
            "PUT",
            format!("{FLOWS}/order-flow"),
            Some(json!({ "properties": {} })),
            400,
        ),
        (
            "throttled",
            throttled,
            "PUT",
            format!("{SITE}/orders/config/appsettings"),
            Some(settings.clone()),
            429,
        ),
        (
            "injected server error",
            server_error,
            "PUT",
            format!("{SITE}/orders/config/appsettings"),
            Some(settings.clone()),
            503,
        ),
        (
            "injected swap conflict",
            conflict,
            "POST",
            format!("{SITE}/orders/slotsswap"),
            Some(json!({ "targetSlot": "deploy" })),
            409,
        ),
        (
            "expired token",
            expired,
            "DELETE",
            format!("{SITE}/orders/slots/deploy"),
            None,
            401,
        ),
        (
            "delete production",
            nothing,
            "DELETE",
            format!("{SITE}/orders"),
            None,
            404,
        ),
    ];
    for (name, setup, method, path, body, status) in cases {
        let emulator = common::emulator(1);
        setup(&emulator);
        let before = observable(&emulator);
        let answer = send(&emulator, method, &path, body);
        assert_eq!(answer.status, status, "{name}: {:?}", answer.body);
        assert_eq!(observable(&emulator), before, "{name} changed the state");
    }
}

#[test]
fn a_lost_swap_answer_still_swaps() {
    let emulator = common::emulator(1);
    emulator.inject(ArmFault::SwapAnswerLost {
        app: "orders".into(),
    });
    let lost = start_swap(&emulator);
    assert!(lost.reset, "the connection closes without an answer");
    assert_app_service_conflict(&start_swap(&emulator), "another operation is in progress");
    emulator.advance(60_000);
    // The next management request settles what virtual time made due.
    let site = send(&emulator, "GET", &format!("{SITE}/orders"), None);
    assert_eq!(site.status, 200);
    assert_eq!(production_release(&emulator).as_deref(), Some("v2"));
}
