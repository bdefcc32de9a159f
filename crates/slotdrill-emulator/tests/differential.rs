//! Invariant 10: the same random operation sequences, applied in process and through the
//! emulator's ARM API, agree on every outcome and end in the same observable state. (Swap
//! timestamps are left out: polling a long-running swap moves virtual time.)

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_model::{RampUpRule, SlotConfigNames, SlotState, estate_view};
use slotdrill_test_support::arm::{ArmPath, resource_path};

static SITE: ArmPath = ArmPath::new(|| resource_path("slotdrill", "Microsoft.Web/sites/orders"));
const SLOTS: [&str; 4] = ["production", "deploy", "staging", "qa"];
const NAMES: [&str; 3] = ["DB", "FEATURE", "FUNCTIONS_EXTENSION_VERSION"];

#[derive(Debug, Clone)]
enum Op {
    CreateSlot(usize),
    DeleteSlot(usize),
    Deploy(usize, usize),
    SetSetting(usize, usize, u8),
    Sticky(Vec<usize>),
    Swap(usize, usize),
    PreviewApply(usize, usize),
    PreviewReset,
    AutoSwap(usize, Option<usize>),
    Routing(u8),
    Running(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let slot = || 0..SLOTS.len();
    prop_oneof![
        1 => slot().prop_map(Op::CreateSlot),
        1 => slot().prop_map(Op::DeleteSlot),
        1 => (slot(), 0..2usize).prop_map(|(s, r)| Op::Deploy(s, r)),
        3 => (slot(), 0..NAMES.len(), 0..3u8).prop_map(|(s, n, v)| Op::SetSetting(s, n, v)),
        1 => prop::collection::vec(0..NAMES.len(), 0..3).prop_map(Op::Sticky),
        4 => (slot(), slot()).prop_map(|(a, b)| Op::Swap(a, b)),
        1 => (slot(), slot()).prop_map(|(a, b)| Op::PreviewApply(a, b)),
        1 => Just(Op::PreviewReset),
        1 => (slot(), prop::option::of(slot())).prop_map(|(s, t)| Op::AutoSwap(s, t)),
        1 => (0..3u8).prop_map(Op::Routing),
        1 => (slot(), any::<bool>()).prop_map(|(s, r)| Op::Running(s, r)),
    ]
}

fn host(slot: &str) -> String {
    slotdrill_model::classic_host_name("orders", slot)
}

/// The (source, target) an ARM request on slot `a` with `targetSlot` `b` means: on production,
/// `targetSlot` is the slot promoted into production.
fn arm_pair(a: usize, b: usize) -> (&'static str, &'static str) {
    if a == 0 {
        (SLOTS[b], SLOTS[0])
    } else {
        (SLOTS[a], SLOTS[b])
    }
}

/// Applies `op` in process; true when it succeeded.
fn in_process(emulator: &Emulator, op: &Op) -> bool {
    let result = emulator.change(|e| match op {
        Op::CreateSlot(s) => e.create_slot("orders", SLOTS[*s], None),
        Op::DeleteSlot(s) => e.delete_slot("orders", SLOTS[*s]),
        Op::Deploy(s, r) => e.deploy("orders", SLOTS[*s], ["v1", "v2"][*r]),
        Op::SetSetting(s, n, v) => {
            e.set_app_setting("orders", SLOTS[*s], NAMES[*n], Some(&format!("value{v}")))
        }
        Op::Sticky(names) => e.set_sticky_names(
            "orders",
            SlotConfigNames::app_settings(names.iter().map(|n| NAMES[*n])),
        ),
        Op::Swap(a, b) => {
            let (source, target) = arm_pair(*a, *b);
            e.swap("orders", source, target)
        }
        Op::PreviewApply(a, b) => {
            let (source, target) = arm_pair(*a, *b);
            e.swap_preview_apply("orders", source, target)
        }
        Op::PreviewReset => e.swap_preview_reset("orders"),
        Op::AutoSwap(s, t) => e.set_auto_swap("orders", SLOTS[*s], t.map(|t| SLOTS[t])),
        Op::Routing(p) => {
            let rules = if *p == 0 {
                Vec::new()
            } else {
                vec![RampUpRule::fixed(
                    "deploy",
                    host("deploy"),
                    f64::from(*p) * 10.0,
                )]
            };
            e.set_routing("orders", rules)
        }
        Op::Running(s, running) => e.set_slot_state(
            "orders",
            SLOTS[*s],
            if *running {
                SlotState::Running
            } else {
                SlotState::Stopped
            },
        ),
    });
    result.is_ok()
}

/// The path of `slot` of `orders` (production is the site itself).
fn site(slot: &str) -> String {
    if slot == "production" {
        SITE.to_owned()
    } else {
        format!("{SITE}/slots/{slot}")
    }
}

async fn call(
    served: &common::Served,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!(
            "http://127.0.0.1:{}{path}{separator}api-version={}",
            served.addr.port(),
            slotdrill_test_support::arm::WEB_API_VERSION
        )
    };
    let answer = slotdrill_test_support::arm::send(&served.client, method, &url, body, Some("t"))
        .await
        .expect("answered");
    (answer.status, answer.body, answer.headers)
}

/// Applies `op` through ARM; true when it succeeded.
async fn through_arm(served: &common::Served, op: &Op) -> bool {
    let ok = |status: u16| (200..300).contains(&status);
    match op {
        Op::CreateSlot(s) if *s == 0 => false,
        Op::CreateSlot(s) => {
            if call(served, "GET", &site(SLOTS[*s]), None).await.0 == 200 {
                return false; // the model refuses to create an existing slot
            }
            ok(call(
                served,
                "PUT",
                &site(SLOTS[*s]),
                Some(json!({ "properties": {} })),
            )
            .await
            .0)
        }
        Op::DeleteSlot(s) if *s == 0 => false,
        Op::DeleteSlot(s) => ok(call(served, "DELETE", &site(SLOTS[*s]), None).await.0),
        Op::Deploy(s, r) => {
            let release = ["v1", "v2"][*r];
            ok(call(
                served,
                "POST",
                "/_slotdrill/deploy",
                Some(json!({ "app": "orders", "slot": SLOTS[*s], "release": release })),
            )
            .await
            .0)
        }
        Op::SetSetting(s, n, v) => {
            let (status, current, _) = call(
                served,
                "POST",
                &format!("{}/config/appsettings/list", site(SLOTS[*s])),
                None,
            )
            .await;
            if !ok(status) {
                return false;
            }
            let mut properties = current["properties"].clone();
            properties[NAMES[*n]] = json!(format!("value{v}"));
            ok(call(
                served,
                "PUT",
                &format!("{}/config/appsettings", site(SLOTS[*s])),
                Some(json!({ "properties": properties })),
            )
            .await
            .0)
        }
        Op::Sticky(names) => {
            let names: Vec<&str> = names.iter().map(|n| NAMES[*n]).collect();
            ok(call(
                served,
                "PUT",
                &format!("{SITE}/config/slotConfigNames"),
                Some(json!({ "properties": { "appSettingNames": names } })),
            )
            .await
            .0)
        }
        Op::Swap(a, b) => {
            let (status, _, headers) = call(
                served,
                "POST",
                &format!("{}/slotsswap", site(SLOTS[*a])),
                Some(json!({ "targetSlot": SLOTS[*b] })),
            )
            .await;
            if status != 202 {
                return false;
            }
            let poll = headers
                .get("azure-asyncoperation")
                .and_then(|v| v.to_str().ok())
                .expect("async header")
                .to_owned();
            for _ in 0..20 {
                let (_, body, _) = call(served, "GET", &poll, None).await;
                match body["status"].as_str() {
                    Some("InProgress") => continue,
                    Some(status) => return status == "Succeeded",
                    None => return false,
                }
            }
            panic!("the swap never finished");
        }
        Op::PreviewApply(a, b) => ok(call(
            served,
            "POST",
            &format!("{}/applySlotConfig", site(SLOTS[*a])),
            Some(json!({ "targetSlot": SLOTS[*b] })),
        )
        .await
        .0),
        Op::PreviewReset => ok(
            call(served, "POST", &format!("{SITE}/resetSlotConfig"), None)
                .await
                .0,
        ),
        Op::AutoSwap(s, t) => {
            let target = t.map_or(Value::Null, |t| json!(SLOTS[t]));
            ok(call(
                served,
                "PUT",
                &format!("{}/config/web", site(SLOTS[*s])),
                Some(json!({ "properties": { "autoSwapSlotName": target } })),
            )
            .await
            .0)
        }
        Op::Routing(p) => {
            let rules = if *p == 0 {
                json!([])
            } else {
                json!([{ "name": "deploy", "actionHostName": host("deploy"), "reroutePercentage": f64::from(*p) * 10.0 }])
            };
            ok(call(
                served,
                "PUT",
                &format!("{SITE}/config/web"),
                Some(json!({ "properties": { "experiments": { "rampUpRules": rules } } })),
            )
            .await
            .0)
        }
        Op::Running(s, running) => ok(call(
            served,
            "POST",
            &format!(
                "{}/{}",
                site(SLOTS[*s]),
                if *running { "start" } else { "stop" }
            ),
            None,
        )
        .await
        .0),
    }
}

fn view(emulator: &Emulator) -> slotdrill_model::EstateView {
    let mut view = emulator.read(estate_view);
    for slot in view.slots.values_mut() {
        if let Some(status) = slot.swap_status.as_mut() {
            status.timestamp = slotdrill_model::Timestamp::default();
        }
    }
    view
}

// 48 cases in CI (each runs an HTTP server); `PROPTEST_CASES` raises it.
proptest! {
    #![proptest_config(ProptestConfig { cases: slotdrill_test_support::proptest_cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn in_process_and_arm_back_ends_agree(ops in prop::collection::vec(op(), 1..20)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let local = common::emulator(3);
        let served = runtime.block_on(common::serve(common::emulator(3)));
        for op in &ops {
            let here = in_process(&local, op);
            let there = runtime.block_on(through_arm(&served, op));
            prop_assert_eq!(here, there, "outcome of {:?}", op);
            prop_assert_eq!(view(&local), view(&served.emulator), "state after {:?}", op);
        }
    }
}
