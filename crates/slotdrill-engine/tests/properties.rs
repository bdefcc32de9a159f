//! Invariants 5–9 of ARCHITECTURE.md over random estates, releases, faulty-function sets and modes:
//! every call resolves; a full rollback restores the release from before the swap; a partial
//! one moves exactly the callers of the faulty functions to a slot that serves the previous
//! good release with a valid key; restore is exact; a crash at any journal record resumes to
//! the same state without applying a step twice.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    Decision, DiagnoseConfig, EngineError, Journal, Mode, Policy, Record, Refusal, apply, diagnose,
    observe, plan, restore, resume,
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

/// The decision the generated estate calls for: no good release left → refused for that
/// reason; otherwise the mode asked for, auto choosing full when most of the release is broken.
fn expected_decision(spec: &Spec) -> &'static str {
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
fn served(emulator: &Emulator) -> BTreeMap<String, (String, Option<String>, String)> {
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
        // Every decision is judged against what the generated estate calls for: an engine that
        // refused everything, or chose the wrong mode, fails here.
        prop_assert_eq!(plan.decision.label(), expected_decision(&spec), "{}", plan);
        if spec.previous_bad {
            let Decision::Refused(reasons) = &plan.decision else { unreachable!("checked above") };
            prop_assert!(matches!(reasons.as_slice(), [Refusal::NoGoodRelease { .. }]), "{}", plan);
            prop_assert!(plan.steps.is_empty());
            return Ok(());
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("journal.jsonl");
        apply(&emulator, &plan, &path, None).expect("applies");
        let applied = state(&emulator);

        // 5: every call of every workflow resolves (the model's callers).
        emulator.read(|e| {
            for caller in e.callers() {
                assert!(e.resolve(&caller.target).is_ok(), "{} does not resolve", caller.id);
            }
        });
        // 6 and 7, from the data plane: which slot and release answered each call.
        let calls: BTreeMap<String, usize> = spec.workflows.iter().enumerate().flat_map(|(w, calls)| {
            calls.iter().enumerate().map(move |(c, (f, _, _))| (format!("Call{w}_{c}"), *f))
        }).collect();
        let served = served(&emulator);
        prop_assert_eq!(served.len(), calls.len(), "every call was answered: {:?}", served);
        for (action, f) in &calls {
            let (slot, release, code) = &served[action];
            let moved = plan.decision == Decision::Partial && spec.broken[*f];
            let (want_slot, want_release) = match plan.decision {
                // 6: production serves the release it served before the last swap.
                Decision::Full => ("production", "good"),
                // 7: exactly the callers of faulty functions moved, to the previous good release.
                _ if moved => ("deploy", "good"),
                _ => ("production", "new"),
            };
            prop_assert_eq!(slot.as_str(), want_slot, "{} (calls {})", action, function(*f));
            prop_assert_eq!(release.as_deref(), Some(want_release), "{}", action);
            prop_assert_eq!(code.as_str(), "OK", "{} succeeds with a valid key", action);
        }
        if plan.decision == Decision::Partial {
            // 8: restore is exact.
            restore(&emulator, &path, None).expect("restores");
            prop_assert_eq!(definitions(&emulator), original.clone());
        }

        // 9: a crash after journal record k, then a resume, ends in the same state.
        let crashed = build(&spec);
        let crash_dir = tempfile::tempdir().expect("temp dir");
        let crash_path = crash_dir.path().join("journal.jsonl");
        let mut seen = 0usize;
        let mut stop = |_: &Record| { seen += 1; seen < spec.crash_after };
        if apply(&crashed, &plan, &crash_path, Some(&mut stop)).is_err() {
            let finished = Journal::read(&crash_path).expect("journal").last() == Some(&Record::Finished);
            match resume(&crashed, &crash_path, None) {
                Ok(_) => prop_assert!(!finished, "a finished journal was resumed"),
                // A crash after the last record: the rollback finished and must not run again.
                Err(EngineError::JournalFinished { .. }) => prop_assert!(finished),
                Err(e) => prop_assert!(false, "resume failed: {e}"),
            }
        }
        prop_assert_eq!(state(&crashed), applied);
    }
}
