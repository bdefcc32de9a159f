//! Random estates for the property tests: one app `orders` with 2–5 functions, some broken in
//! the new release (and, sometimes, in the previous one too), 1–3 Logic Apps calling them in
//! both call forms at random depths; production runs the new release after a swap. And the
//! data plane's answers, which the properties are judged by.
#![allow(dead_code)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_engine::Mode;
use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, HostingPlan, Release};
use slotdrill_wdl::Document;

#[derive(Debug, Clone)]
pub struct Spec {
    pub broken: Vec<bool>,
    pub previous_bad: bool,
    /// Per workflow: (function, Http form?, nesting depth).
    pub workflows: Vec<Vec<(usize, bool, usize)>>,
    pub mode: Mode,
    pub crash_after: usize,
}

pub fn spec() -> impl Strategy<Value = Spec> {
    (2..=5usize)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(any::<bool>(), n)
                    .prop_filter("something is broken", |b| b.iter().any(|x| *x)),
                prop::bool::weighted(0.15),
                prop::collection::vec(
                    prop::collection::vec((0..n, any::<bool>(), 0..3usize), 1..=4),
                    1..=3,
                ),
                prop::sample::select(vec![Mode::Auto, Mode::Partial, Mode::Full]),
                1..12usize,
            )
        })
        .prop_map(
            |(broken, previous_bad, workflows, mode, crash_after)| Spec {
                broken,
                previous_bad,
                workflows,
                mode,
                crash_after,
            },
        )
}

pub fn function(i: usize) -> String {
    format!("F{i}")
}

pub fn build(spec: &Spec) -> Emulator {
    let mut estate = Estate::new(9);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    let release = |id: &str, broken: &dyn Fn(usize) -> bool| {
        (0..spec.broken.len()).fold(Release::new(id), |r, i| {
            r.with_function(
                function(i),
                if broken(i) {
                    FunctionBehaviour::status(500)
                } else {
                    FunctionBehaviour::ok()
                },
            )
        })
    };
    estate
        .add_release(
            "orders",
            release("good", &|i| spec.previous_bad && spec.broken[i]),
        )
        .expect("good");
    estate
        .add_release("orders", release("new", &|i| spec.broken[i]))
        .expect("new");
    estate.create_slot("orders", "deploy", None).expect("slot");
    estate
        .deploy("orders", "production", "good")
        .expect("deploy");
    estate.deploy("orders", "deploy", "new").expect("deploy");
    estate.swap("orders", "deploy", "production").expect("swap");
    let emulator = Emulator::new(estate);
    for (w, calls) in spec.workflows.iter().enumerate() {
        let mut actions = serde_json::Map::new();
        let mut keys = serde_json::Map::new();
        for (c, (f, http, depth)) in calls.iter().enumerate() {
            let name = format!("Call{w}_{c}");
            let mut action = if *http {
                let key = emulator.read(|e| {
                    e.slot("orders", "production")
                        .expect("slot")
                        .keys()
                        .function_default(&function(*f))
                        .expose()
                        .to_owned()
                });
                keys.insert(format!("key{c}"), json!({ "value": key }));
                json!({ "type": "Http", "inputs": { "method": "POST",
                        "uri": format!("https://orders.azurewebsites.net/api/{}", function(*f)), "headers": { "x-functions-key": format!("@parameters('key{c}')") }, "retryPolicy": { "type": "none" } } })
            } else {
                json!({ "type": "Function", "inputs": { "function": { "id": format!("/subscriptions/s/resourceGroups/slotdrill/providers/Microsoft.Web/sites/orders/functions/{}", function(*f)) }, "retryPolicy": { "type": "none" } } })
            };
            let mut action_name = name.clone();
            for d in 0..*depth {
                let scope = format!("Scope{w}_{c}_{d}");
                action = json!({ "type": "Scope", "actions": { action_name: action } });
                action_name = scope;
            }
            actions.insert(action_name, action);
        }
        let parameters: serde_json::Map<String, Value> = keys
            .keys()
            .map(|k| (k.clone(), json!({ "type": "securestring" })))
            .collect();
        let resource = json!({ "name": format!("wf{w}"), "properties": { "definition": { "parameters": parameters, "triggers": { "manual": { "type": "Request", "kind": "Http" } }, "actions": actions }, "parameters": keys } });
        let doc = Document::from_value("wf.json", &format!("wf{w}"), resource, None).expect("doc");
        emulator
            .save_logic_app(&format!("wf{w}"), doc, None)
            .expect("saved");
    }
    for _ in 0..2 {
        for name in emulator.logic_app_names() {
            emulator.run(&name, json!({})).expect("runs");
        }
    }
    emulator
}

pub fn definitions(emulator: &Emulator) -> BTreeMap<String, String> {
    emulator
        .logic_app_names()
        .into_iter()
        .map(|n| {
            let d = emulator.logic_app(&n).expect("saved").document;
            (n, serde_json::to_string(&d.root).expect("json"))
        })
        .collect()
}

pub fn state(emulator: &Emulator) -> (BTreeMap<String, String>, Option<String>) {
    (
        definitions(emulator),
        emulator.read(|e| {
            e.slot("orders", "production")
                .expect("slot")
                .release_id()
                .map(str::to_owned)
        }),
    )
}

/// Each generated call's action name (`Call{w}_{c}`) → the function it calls.
pub fn calls(spec: &Spec) -> BTreeMap<String, usize> {
    spec.workflows
        .iter()
        .enumerate()
        .flat_map(|(w, calls)| {
            calls
                .iter()
                .enumerate()
                .map(move |(c, (f, _, _))| (format!("Call{w}_{c}"), *f))
        })
        .collect()
}

/// The decision the generated estate calls for: no good release left → refused for that
/// reason; otherwise the mode asked for, auto choosing full when most of the release is broken.
pub fn expected_decision(spec: &Spec) -> &'static str {
    let broken = spec.broken.iter().filter(|b| **b).count();
    match spec.mode {
        _ if spec.previous_bad => "refused",
        Mode::Full => "full",
        Mode::Partial => "partial",
        Mode::Auto if broken * 2 > spec.broken.len() => "full",
        Mode::Auto => "partial",
    }
}

/// Runs every Logic App once and returns, for each action that called a function, the slot and
/// release that answered and the action's code: the data plane's word, not the engine's.
pub fn served(emulator: &Emulator) -> BTreeMap<String, (String, Option<String>, String)> {
    let mut served = BTreeMap::new();
    for name in emulator.logic_app_names() {
        let run = emulator.run(&name, json!({})).expect("runs");
        for action in run.actions {
            if let Some(by) = &action.served_by {
                served.insert(
                    action.name.clone(),
                    (by.slot.clone(), by.release.clone(), action.code.clone()),
                );
            }
        }
    }
    served
}
