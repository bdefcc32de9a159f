//! Invariants 5–9 of DESIGN.md over random estates, releases, faulty-function sets and modes:
//! every call resolves; a full rollback restores the release from before the swap; a partial
//! one moves exactly the callers of the faulty functions to a slot that serves the previous
//! good release with a valid key; restore is exact; a crash at any journal record resumes to
//! the same state without applying a step twice.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    DiagnoseConfig, Mode, Policy, Record, apply, diagnose, observe, plan, restore,
};
use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, HostingPlan, Release};
use slotdrill_wdl::Document;

#[derive(Debug, Clone)]
struct Spec {
    broken: Vec<bool>,
    previous_bad: bool,
    /// Per workflow: (function, Http form?, nesting depth).
    workflows: Vec<Vec<(usize, bool, usize)>>,
    mode: Mode,
    crash_after: usize,
}

fn spec() -> impl Strategy<Value = Spec> {
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

fn function(i: usize) -> String {
    format!("F{i}")
}

fn build(spec: &Spec) -> Emulator {
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
                json!({ "type": "Http", "retryPolicy": { "type": "none" }, "inputs": { "method": "POST",
                        "uri": format!("https://orders.azurewebsites.net/api/{}", function(*f)), "headers": { "x-functions-key": format!("@parameters('key{c}')") } } })
            } else {
                json!({ "type": "Function", "retryPolicy": { "type": "none" }, "inputs": { "function": { "id": format!("/subscriptions/s/resourceGroups/slotdrill/providers/Microsoft.Web/sites/orders/functions/{}", function(*f)) } } })
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

fn definitions(emulator: &Emulator) -> BTreeMap<String, String> {
    emulator
        .logic_app_names()
        .into_iter()
        .map(|n| {
            let d = emulator.logic_app(&n).expect("saved").document;
            (n, serde_json::to_string(&d.root).expect("json"))
        })
        .collect()
}

fn state(emulator: &Emulator) -> (BTreeMap<String, String>, Option<String>) {
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

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rollbacks_keep_invariants_5_to_9(spec in spec()) {
        let emulator = build(&spec);
        let original = definitions(&emulator);
        let observation = observe(&emulator).expect("observe");
        let diagnosis = diagnose(&emulator, &observation, &DiagnoseConfig::default()).expect("diagnose");
        let faulty: Vec<String> = spec.broken.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| format!("orders/{}", function(i))).collect();
        prop_assert_eq!(&diagnosis.faulty().iter().map(|(a, f)| format!("{a}/{f}")).collect::<Vec<_>>(), &faulty);
        let plan = plan(&observation, &diagnosis, &Policy { mode: spec.mode, ..Policy::default() });
        if spec.previous_bad {
            // No good release is left: the engine must say so, not claim a rollback.
            prop_assert!(plan.refused.as_deref().is_some_and(|r| r.contains("no good release")), "{}", plan);
            return Ok(());
        }
        if plan.refused.is_some() {
            prop_assert!(plan.steps.is_empty());
            return Ok(());
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("journal.jsonl");
        apply(&emulator, Some(&plan), &path, None).expect("applies");
        let applied = state(&emulator);

        // 5: every call of every workflow resolves.
        emulator.read(|e| {
            for caller in e.callers() {
                assert!(e.resolve(&caller.target).is_ok(), "{} does not resolve", caller.id);
            }
        });
        let after = observe(&emulator).expect("observe");
        prop_assert!(after.callers.iter().all(|c| c.app.is_some() && c.slot.is_some()));
        match plan.chosen {
            // 6: production serves the release it served before the last swap.
            Some(Mode::Full) => prop_assert_eq!(applied.1.as_deref(), Some("good")),
            // 7: exactly the callers of faulty functions moved, to the previous good release.
            Some(Mode::Partial) => {
                for caller in &after.callers {
                    let is_faulty = faulty.contains(&format!("orders/{}", caller.function.clone().unwrap_or_default()));
                    prop_assert_eq!(caller.slot.as_deref(), Some(if is_faulty { "deploy" } else { "production" }), "{}", caller.id());
                }
                for name in emulator.logic_app_names() {
                    let run = emulator.run(&name, json!({})).expect("runs");
                    for action in run.actions.iter().filter(|a| a.served_by.is_some()) {
                        let served = action.served_by.as_ref().expect("served");
                        let moved = served.slot == "deploy";
                        if moved {
                            prop_assert_eq!(served.release.as_deref(), Some("good"));
                            prop_assert_eq!(action.code.as_str(), "OK", "{} reaches the deploy slot with a valid key", action.name);
                        }
                    }
                }
                // 8: restore is exact.
                restore(&emulator, &path, None).expect("restores");
                prop_assert_eq!(definitions(&emulator), original.clone());
            }
            _ => {}
        }

        // 9: a crash after journal record k, then a resume, ends in the same state.
        let crashed = build(&spec);
        let crash_dir = tempfile::tempdir().expect("temp dir");
        let crash_path = crash_dir.path().join("journal.jsonl");
        let mut seen = 0usize;
        let mut stop = |_: &Record| { seen += 1; seen < spec.crash_after };
        if apply(&crashed, Some(&plan), &crash_path, Some(&mut stop)).is_err() {
            apply(&crashed, None, &crash_path, None).expect("resumes");
        }
        prop_assert_eq!(state(&crashed), applied);
    }
}
