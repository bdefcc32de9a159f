//! Logic Apps Standard: the ARM back end ends where the in-process one does (issue 21). The same
//! estate (`tests/data/standard-estate.toml`: `orders`, whose v2 breaks SendInvoice, and the
//! Standard app `orders-logic` whose `invoice-flow` calls it through a function connection);
//! v2 swapped in; then a partial rollback and a restore, once by the engine in process and once
//! by `slotdrill rollback --apply` / `restore --apply` against `slotdrill serve`, where
//! `ArmCloud` reads the site's workflows and writes through `deployWorkflowArtifacts`. After
//! each, `invoice-flow`'s `workflow.json` and the site's app settings are the same data; the
//! journal holds no key.

mod common;

use std::collections::BTreeMap;

use common::{Server, arm, release_v2, serve_estate, slotdrill, text};
use serde_json::{Value, json};
use slotdrill_emulator::{Emulator, EmulatorConfig};
use slotdrill_engine::{DiagnoseConfig, Mode, Policy, apply, diagnose, observe, plan, restore};
use slotdrill_test_support::arm::{WEB_API_VERSION, resource_path};

const ESTATE: &str = "tests/data/standard-estate.toml";

/// What is compared: the workflow file and the Logic App's settings.
#[derive(Debug, PartialEq)]
struct Standard {
    workflow: Value,
    settings: BTreeMap<String, String>,
}

fn local_state(local: &Emulator) -> Standard {
    let logic_app = local.logic_app("invoice-flow").expect("invoice-flow");
    Standard {
        workflow: logic_app.document.root,
        settings: logic_app.app_settings,
    }
}

fn site(tail: &str) -> String {
    format!(
        "{}/{tail}?api-version={WEB_API_VERSION}",
        resource_path("rg-orders", "Microsoft.Web/sites/orders-logic")
    )
}

fn served_state(server: &Server) -> Standard {
    let envelope = arm(server, "GET", &site("workflows/invoice-flow"), None);
    let listed = arm(server, "POST", &site("config/appsettings/list"), None);
    Standard {
        workflow: envelope["properties"]["files"]["workflow.json"].clone(),
        settings: serde_json::from_value(listed["properties"].clone()).expect("settings"),
    }
}

/// In process: before, after the rollback, after the restore, and the journal's text.
fn in_process() -> [Standard; 3] {
    let local =
        slotdrill_scenario::load_estate(std::path::Path::new(ESTATE), EmulatorConfig::default())
            .expect("estate")
            .emulator;
    local
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let before = local_state(&local);
    let observation = observe(&local).expect("observe");
    let diagnosis = diagnose(&local, &observation, &DiagnoseConfig::default()).expect("diagnose");
    let planned = plan(
        &observation,
        &diagnosis,
        &Policy {
            mode: Mode::Partial,
            ..Policy::default()
        },
    );
    assert!(!planned.is_refused(), "{:?}", planned.decision);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("local.jsonl");
    apply(&local, &planned, &journal, None).expect("applies");
    let rolled_back = local_state(&local);
    restore(&local, &journal, None).expect("restores");
    [before, rolled_back, local_state(&local)]
}

/// Through `slotdrill serve`: before, after the rollback, after the restore; and the journal.
fn through_arm() -> ([Standard; 3], String) {
    let server = serve_estate(ESTATE, &[], std::process::Stdio::null());
    release_v2(&server);
    let before = served_state(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("arm.jsonl");
    let journal = journal.to_str().expect("utf-8 path");
    let planned = slotdrill(&server, &["plan", "--mode", "partial"]);
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned));
    assert!(
        text(&planned).contains("orders-logic/invoice-flow"),
        "the plan names the Standard workflow: {}",
        text(&planned)
    );
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--mode",
            "partial",
            "--apply",
            "--journal",
            journal,
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let rolled_back = served_state(&server);
    let restored = slotdrill(&server, &["restore", "--journal", journal, "--apply"]);
    assert_eq!(restored.status.code(), Some(0), "{}", text(&restored));
    let journal_text = std::fs::read_to_string(journal).expect("journal");
    (
        [before, rolled_back, served_state(&server)],
        journal_text + &text(&applied) + &text(&restored),
    )
}

#[test]
fn a_standard_partial_rollback_and_its_restore_end_alike_in_process_and_through_serve() {
    let [local_before, local_rollback, local_restore] = in_process();
    let ([arm_before, arm_rollback, arm_restore], journal) = through_arm();
    assert_eq!(arm_before, local_before, "the same estate to start with");
    assert_eq!(arm_rollback, local_rollback, "after the partial rollback");
    assert_eq!(arm_restore, local_restore, "after the restore");

    // The rollback did something, and the restore undid it.
    assert_ne!(local_rollback.workflow, local_before.workflow);
    assert_eq!(
        local_restore, local_before,
        "workflow.json and settings as they were"
    );
    let key_settings: Vec<(&String, &String)> = local_rollback
        .settings
        .iter()
        .filter(|(name, _)| name.starts_with("SLOTDRILL_KEY_"))
        .collect();
    assert_eq!(key_settings.len(), 1, "{:?}", local_rollback.settings);
    let header = &local_rollback.workflow["definition"]["actions"]["SendInvoice"]["inputs"]["headers"]
        ["x-functions-key"];
    assert_eq!(
        *header,
        json!(format!("@appsetting('{}')", key_settings[0].0)),
        "the rewritten call reads the setting the same deployment set"
    );

    // No key in the journal (or in what the commands printed): neither the deploy slot's key
    // the rollback set nor production's keys the site holds.
    let keys: Vec<&String> = local_rollback
        .settings
        .iter()
        .filter(|(name, _)| {
            name.starts_with("SLOTDRILL_KEY_") || name.ends_with("Key") || name.ends_with("_KEY")
        })
        .map(|(_, value)| value)
        .collect();
    assert_eq!(keys.len(), 3, "{:?}", local_rollback.settings);
    for key in keys {
        assert!(
            !journal.contains(key.as_str()),
            "a key in the journal or output"
        );
    }
    assert!(
        journal.contains(key_settings[0].0.as_str()),
        "the journal names the setting"
    );
}
