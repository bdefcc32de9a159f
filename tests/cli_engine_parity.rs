//! The ARM back end ends where the in-process one does. The same estate and the same v2
//! release; then a partial or a full rollback and a restore, once by the engine in process and
//! once by `slotdrill rollback --apply` / `restore --apply` against `slotdrill serve`. After each,
//! the two estates (slots, releases, settings, routing, Logic App definitions) are the same;
//! only clocks, versions and run counts may differ.

mod common;

use common::{ESTATE, FLOW, Server, arm, release_v2, serve, slotdrill, text};
use serde_json::Value;
use slotdrill_emulator::arm::ArmRequest;
use slotdrill_emulator::{Emulator, EmulatorConfig};
use slotdrill_engine::{
    DiagnoseConfig, Mode, Policy, apply, diagnose, observe, plan, restore, verify,
};

/// The estate as `/_slotdrill/state` shows it, without what legitimately differs.
fn comparable(mut state: Value, definition: Value) -> Value {
    let object = state.as_object_mut().expect("a state object");
    object.retain(|k, _| k == "apps" || k == "logicApps");
    for app in state["apps"].as_array_mut().expect("apps") {
        for slot in app["slots"].as_array_mut().expect("slots") {
            if let Some(status) = slot["slotSwapStatus"].as_object_mut() {
                status.remove("timestampUtc");
            }
        }
    }
    for logic_app in state["logicApps"].as_array_mut().expect("logic apps") {
        let object = logic_app.as_object_mut().expect("a logic app");
        object.retain(|k, _| k == "name" || k == "resourceGroup");
    }
    state["definition"] = definition;
    state
}

fn local_state(local: &Emulator) -> Value {
    let state = slotdrill_emulator::arm::admin(
        local,
        &ArmRequest {
            method: "GET".to_owned(),
            path: "/_slotdrill/state".to_owned(),
            ..ArmRequest::default()
        },
    )
    .body
    .expect("a state");
    let document = local.logic_app("order-flow").expect("saved").document;
    let definition = document
        .definition(document.workflow(None).expect("workflow"))
        .clone();
    comparable(state, definition)
}

fn served_state(server: &Server) -> Value {
    comparable(
        arm(server, "GET", "/_slotdrill/state", None),
        arm(server, "GET", &FLOW, None)["properties"]["definition"].clone(),
    )
}

/// In process: after the rollback, after the restore.
fn in_process(mode: Mode) -> (Value, Value) {
    let local =
        slotdrill_scenario::load_estate(std::path::Path::new(ESTATE), EmulatorConfig::default())
            .expect("estate")
            .emulator;
    local
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let observation = observe(&local).expect("observe");
    let diagnosis = diagnose(&local, &observation, &DiagnoseConfig::default()).expect("diagnose");
    let planned = plan(
        &observation,
        &diagnosis,
        &Policy {
            mode,
            accept_sticky_diff: true,
            ..Policy::default()
        },
    );
    assert!(!planned.is_refused(), "{mode:?}: {:?}", planned.decision);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("local.jsonl");
    apply(&local, &planned, &journal, None).expect("applies");
    assert!(verify(&local, &planned, 5, false).expect("verifies").ok());
    let rolled_back = local_state(&local);
    restore(&local, &journal, None).expect("restores");
    (rolled_back, local_state(&local))
}

/// Through `slotdrill serve`: after the rollback, after the restore.
fn through_arm(mode: &str) -> (Value, Value) {
    let server = serve();
    release_v2(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("arm.jsonl");
    let journal = journal.to_str().expect("utf-8 path");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--mode",
            mode,
            "--accept-sticky-diff",
            "--apply",
            "--journal",
            journal,
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let rolled_back = served_state(&server);
    let restored = slotdrill(&server, &["restore", "--journal", journal, "--apply"]);
    assert_eq!(restored.status.code(), Some(0), "{}", text(&restored));
    (rolled_back, served_state(&server))
}

#[test]
fn a_partial_rollback_and_its_restore_end_alike() {
    let (local_rollback, local_restore) = in_process(Mode::Partial);
    let (arm_rollback, arm_restore) = through_arm("partial");
    assert_eq!(arm_rollback, local_rollback, "after the partial rollback");
    assert_eq!(arm_restore, local_restore, "after the restore");
    assert_ne!(
        local_rollback["definition"], local_restore["definition"],
        "the rollback changed the workflow and the restore changed it back"
    );
}

#[test]
fn a_full_rollback_and_its_restore_end_alike() {
    let (local_rollback, local_restore) = in_process(Mode::Full);
    let (arm_rollback, arm_restore) = through_arm("full");
    assert_eq!(arm_rollback, local_rollback, "after the full rollback");
    assert_eq!(arm_restore, local_restore, "after the restore");
    let production_release = |state: &Value| {
        state["apps"][0]["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .find(|s| s["name"] == "production")
            .expect("production")["release"]
            .clone()
    };
    assert_eq!(production_release(&local_rollback), "v1", "swapped back");
    // `restore` returns repointed callers; a full rollback repointed none, and swapping the
    // broken release back in is a deploy decision, not a restore.
    assert_eq!(production_release(&local_restore), "v1");
}
