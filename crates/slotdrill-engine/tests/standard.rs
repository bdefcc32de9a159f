//! Partial rollbacks of Logic Apps Standard workflows. A Standard workflow has no definition
//! parameters to carry a key, so the repointed call reads it from the Logic App's app setting
//! `SLOTDRILL_KEY_ACTION`: the rollback sets that setting before it rewrites the workflow (a
//! workflow never reads a setting that is not there yet), restore removes it after putting the
//! workflow back, and a crash between the two is resumed without doing anything twice. The key
//! never reaches the journal.

mod support;

use serde_json::json;
use slotdrill_emulator::{Emulator, Status};
use slotdrill_engine::{Mode, apply, restore, resume};
use slotdrill_wdl::Document;
use support::faulty::{Faulty, WriteFault};
use support::{definitions, estate, journal, plan_for, traffic};

const LOGIC_APP: &str = "invoice-app";
const KEY_SETTING: &str = "SLOTDRILL_KEY_SENDINVOICE";

/// The incident of `support::estate` plus a Standard Logic App whose `SendInvoice` action calls
/// production with the key in its own app setting, as a Standard project does.
fn incident() -> Emulator {
    let emulator = estate("v1", "v2");
    let workflow = json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": {
                "SendInvoice": { "type": "Http", "inputs": {
                    "method": "POST",
                    "uri": "https://orders.azurewebsites.net/api/SendInvoice",
                    "headers": { "x-functions-key": "@appsetting('ORDERS_KEY')" },
                    "retryPolicy": { "type": "none" } } }
            }
        },
        "kind": "Stateful"
    });
    let document =
        Document::from_value("invoice-flow/workflow.json", "invoice-flow", workflow, None)
            .expect("doc");
    emulator
        .save_logic_app(LOGIC_APP, document, None)
        .expect("saved");
    let production_key = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .function_default("SendInvoice")
            .expose()
            .to_owned()
    });
    emulator
        .set_logic_app_settings(
            LOGIC_APP,
            [("ORDERS_KEY".to_owned(), production_key)].into(),
        )
        .expect("settings");
    traffic(&emulator, 3);
    emulator
}

fn deploy_key(emulator: &Emulator) -> String {
    emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .keys()
            .function_default("SendInvoice")
            .expose()
            .to_owned()
    })
}

fn status(emulator: &Emulator) -> Status {
    emulator
        .run(LOGIC_APP, json!({ "order": 1 }))
        .expect("runs")
        .status
}

fn setting(emulator: &Emulator, name: &str) -> Option<String> {
    emulator
        .logic_app(LOGIC_APP)
        .expect("saved")
        .app_settings
        .get(name)
        .cloned()
}

#[test]
fn a_standard_partial_rollback_sets_the_key_setting_and_restore_removes_it() {
    let emulator = incident();
    let before = definitions(&emulator);
    assert_eq!(status(&emulator), Status::Failed, "production is broken");
    let plan = plan_for(&emulator, Mode::Partial);
    let (_dir, path) = journal();
    apply(&emulator, &plan, &path, None).expect("applies");

    assert_eq!(
        status(&emulator),
        Status::Succeeded,
        "the repointed call works"
    );
    assert!(
        setting(&emulator, KEY_SETTING) == Some(deploy_key(&emulator)),
        "the setting holds the deploy slot's key"
    );
    let text = std::fs::read_to_string(&path).expect("journal");
    assert!(text.contains(KEY_SETTING), "the journal names the setting");
    assert!(
        !text.contains(&deploy_key(&emulator)),
        "the journal never holds the key"
    );

    restore(&emulator, &path, None).expect("restores");
    assert_eq!(setting(&emulator, KEY_SETTING), None, "restore removes it");
    assert!(setting(&emulator, "ORDERS_KEY").is_some(), "the rest stays");
    assert_eq!(definitions(&emulator), before);
}

/// The steps are ordered by workflow: billing-flow (one write), then invoice-app (the setting,
/// then the workflow). A fault on write `n` hits that write.
fn crash_at(faults: &[WriteFault]) -> (Emulator, usize) {
    let emulator = incident();
    let plan = plan_for(&emulator, Mode::Partial);
    let (_dir, path) = journal();
    let version = emulator.logic_app(LOGIC_APP).expect("saved").version;
    let cloud = Faulty::new(&emulator, false, faults);
    apply(&cloud, &plan, &path, None).expect_err("the write's answer is lost");
    resume(&emulator, &path, None).expect("resumes");
    let writes = emulator.logic_app(LOGIC_APP).expect("saved").version - version;
    let text = std::fs::read_to_string(&path).expect("journal");
    assert!(
        !text.contains(&deploy_key(&emulator)),
        "no key in the journal"
    );
    (emulator, usize::try_from(writes).expect("small"))
}

#[test]
fn a_crash_after_the_setting_is_set_resumes_to_one_rewrite() {
    let (emulator, writes) = crash_at(&[WriteFault::None, WriteFault::LostAfter]);
    assert_eq!(writes, 1, "the workflow is rewritten once");
    assert!(
        setting(&emulator, KEY_SETTING) == Some(deploy_key(&emulator)),
        "the setting holds the deploy slot's key"
    );
    assert_eq!(status(&emulator), Status::Succeeded);
}

#[test]
fn a_lost_answer_to_the_workflow_write_is_found_done() {
    let (emulator, writes) = crash_at(&[WriteFault::None, WriteFault::None, WriteFault::LostAfter]);
    assert_eq!(writes, 1, "the workflow is rewritten once");
    assert_eq!(status(&emulator), Status::Succeeded);
}

#[test]
fn a_setting_refused_with_409_changes_nothing_and_is_set_on_resume() {
    let (emulator, writes) = crash_at(&[WriteFault::None, WriteFault::Conflict]);
    assert_eq!(writes, 1);
    assert_eq!(status(&emulator), Status::Succeeded);
}

#[test]
fn a_restore_whose_workflow_write_lost_its_answer_only_removes_the_setting_when_run_again() {
    let emulator = incident();
    let before = definitions(&emulator);
    let plan = plan_for(&emulator, Mode::Partial);
    let (_dir, path) = journal();
    apply(&emulator, &plan, &path, None).expect("applies");
    let version = emulator.logic_app(LOGIC_APP).expect("saved").version;
    // Restore goes in reverse step order: order-flow, notify-flow, then invoice-app's workflow
    // write, whose answer is lost after it acted.
    let cloud = Faulty::new(
        &emulator,
        false,
        &[WriteFault::None, WriteFault::None, WriteFault::LostAfter],
    );
    restore(&cloud, &path, None).expect_err("the answer is lost");
    assert!(setting(&emulator, KEY_SETTING).is_some(), "not removed yet");
    let report = restore(&emulator, &path, None).expect("restores");
    assert_eq!(report.performed.len(), 2, "invoice-app and billing-flow");
    assert_eq!(
        emulator.logic_app(LOGIC_APP).expect("saved").version - version,
        1,
        "the workflow was written back once"
    );
    assert_eq!(setting(&emulator, KEY_SETTING), None);
    assert_eq!(definitions(&emulator), before);
}

/// Records every write a rollback makes.
#[derive(Default)]
struct Writes(std::sync::Mutex<Vec<slotdrill_engine::CloudCall>>);

impl slotdrill_engine::CloudHooks for Writes {
    fn before(
        &self,
        call: slotdrill_engine::CloudCall,
    ) -> Result<(), slotdrill_engine::CloudError> {
        if call.is_write() {
            self.0.lock().expect("lock").push(call);
        }
        Ok(())
    }
}

/// Issue 21: the Standard workflow's rewrite and its key setting go out as one
/// `deployWorkflowArtifacts`, never as a setting write followed by a workflow write.
#[test]
fn a_standard_rollback_deploys_the_workflow_and_its_key_setting_in_one_call() {
    use slotdrill_engine::{CloudCall, Hooked};
    let emulator = incident();
    let plan = plan_for(&emulator, Mode::Partial);
    let (_dir, path) = journal();
    let version = emulator.logic_app(LOGIC_APP).expect("saved").version;
    let cloud = Hooked {
        inner: &emulator,
        hooks: Writes::default(),
    };
    apply(&cloud, &plan, &path, None).expect("applies");
    let writes = cloud.hooks.0.lock().expect("lock").clone();
    assert_eq!(
        writes
            .iter()
            .filter(|c| **c == CloudCall::DeployWorkflowArtifacts)
            .count(),
        1,
        "{writes:?}"
    );
    assert!(
        !writes.contains(&CloudCall::SetLogicAppSetting),
        "no separate setting write: {writes:?}"
    );
    assert_eq!(
        emulator.logic_app(LOGIC_APP).expect("saved").version - version,
        1
    );
    assert!(setting(&emulator, KEY_SETTING) == Some(deploy_key(&emulator)));
    assert_eq!(status(&emulator), Status::Succeeded);
}

/// The in-process back end's deployWorkflowArtifacts is all or nothing: at a stale version it
/// sets no setting either.
#[test]
fn a_deploy_at_a_version_no_longer_current_sets_nothing() {
    use slotdrill_engine::Cloud;
    let emulator = incident();
    let read = emulator.read_workflow(LOGIC_APP).expect("reads");
    let key = slotdrill_model::Secret::new(deploy_key(&emulator));
    let refused = emulator.deploy_workflow_artifacts(
        LOGIC_APP,
        &read.document,
        "0",
        &[(KEY_SETTING.to_owned(), key.clone())],
    );
    assert!(
        matches!(
            refused,
            Err(slotdrill_engine::CloudError::VersionChanged { .. })
        ),
        "{refused:?}"
    );
    assert_eq!(setting(&emulator, KEY_SETTING), None);
    let written = emulator
        .deploy_workflow_artifacts(
            LOGIC_APP,
            &read.document,
            &read.version,
            &[(KEY_SETTING.to_owned(), key)],
        )
        .expect("current version");
    assert_ne!(written, read.version);
    assert!(setting(&emulator, KEY_SETTING).is_some());
}
