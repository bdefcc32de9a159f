//! Diagnosis reads run history as Azure shows it: an action inside a loop has one record of its
//! own under `…/runs/{run}/actions` and one per iteration under `…/actions/{action}/repetitions`
//! (Azure/azure-rest-api-specs, `Microsoft.Logic/stable/2019-05-01`, WorkflowRunActions_List and
//! WorkflowRunActionRepetitions_List). A failing function is counted once per repetition, and
//! the action's own record is not counted on top.

mod support;

use std::path::Path;

use serde_json::json;
use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    ActionOutcome, AppSnapshot, Cloud, CloudError, DiagnoseConfig, Health, HistoryMark,
    WorkflowRead, diagnose, observe,
};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;

/// The emulator with its run history shaped as ARM lists it: besides each repetition, every
/// action that ran in a loop also has its own record (the sum of its iterations: Failed when
/// one failed), as `…/runs/{run}/actions` shows it.
struct ArmShaped<'a>(&'a Emulator);

impl Cloud for ArmShaped<'_> {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        self.0.apps()
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        self.0.workflows()
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        self.0.read_workflow(name)
    }
    fn write_workflow(&self, name: &str, d: &Document, v: &str) -> Result<String, CloudError> {
        self.0.write_workflow(name, d, v)
    }
    fn function_key(&self, app: &str, slot: &str, f: &str) -> Result<Secret, CloudError> {
        self.0.function_key(app, slot, f)
    }
    fn probe(&self, app: &str, slot: &str, f: &str, n: u32) -> Result<Vec<u16>, CloudError> {
        self.0.probe(app, slot, f, n)
    }
    fn run_history(&self, w: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        let repetitions = self.0.run_history(w, runs)?;
        let mut outcomes = Vec::new();
        for outcome in &repetitions {
            let own = ActionOutcome {
                repetition: None,
                ..outcome.clone()
            };
            let seen = outcomes
                .iter()
                .any(|o: &ActionOutcome| o.run == own.run && o.action == own.action);
            if outcome.repetition.is_some() && !seen {
                let failed = repetitions
                    .iter()
                    .any(|o| o.run == own.run && o.action == own.action && o.status == "Failed");
                outcomes.push(ActionOutcome {
                    status: if failed { "Failed" } else { "Succeeded" }.to_owned(),
                    ..own
                });
            }
        }
        outcomes.extend(repetitions);
        Ok(outcomes)
    }
    fn now(&self) -> Result<Option<HistoryMark>, CloudError> {
        Cloud::now(self.0)
    }
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        self.0.swap(app, source, target)
    }
    fn set_logic_app_setting(&self, l: &str, n: &str, v: &Secret) -> Result<(), CloudError> {
        self.0.set_logic_app_setting(l, n, v)
    }
    fn remove_logic_app_setting(&self, l: &str, n: &str) -> Result<(), CloudError> {
        self.0.remove_logic_app_setting(l, n)
    }
    fn trigger(&self, w: &str) -> Result<bool, CloudError> {
        self.0.trigger(w)
    }
}

/// Production runs v2 (SendInvoice answers 500); `loop-flow` invoices three orders in a
/// `Foreach`, once.
fn looped_estate() -> Emulator {
    let emulator = support::estate("v1", "v2");
    let document =
        Document::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/loop-flow.json"))
            .expect("fixture");
    emulator
        .save_logic_app("loop-flow", document, None)
        .expect("saved");
    emulator
        .run("loop-flow", json!({ "orders": [1, 2, 3] }))
        .expect("runs");
    emulator
}

fn send_invoice_health(cloud: &dyn Cloud) -> Health {
    let observation = observe(cloud).expect("observe");
    // No probes: the runs are the only evidence.
    let config = DiagnoseConfig {
        probe_samples: 0,
        discard_first: 0,
        min_samples: 1,
        ..DiagnoseConfig::default()
    };
    let diagnosis = diagnose(cloud, &observation, &config).expect("diagnose");
    diagnosis
        .verdicts
        .iter()
        .find(|v| v.function == "SendInvoice")
        .expect("a verdict")
        .production
}

#[test]
fn a_failing_function_in_a_loop_counts_once_per_repetition() {
    let emulator = looped_estate();
    let history = emulator.run_history("loop-flow", 10).expect("history");
    let repetitions: Vec<Option<&str>> = history
        .iter()
        .filter(|o| o.action == "Invoice")
        .map(|o| o.repetition.as_deref())
        .collect();
    assert_eq!(
        repetitions,
        [Some("000000"), Some("000001"), Some("000002")],
        "the in-process back end names each repetition"
    );
    let expected = Health {
        samples: 3,
        failures: 3,
    };
    assert_eq!(send_invoice_health(&emulator), expected, "in process");
    assert_eq!(
        send_invoice_health(&ArmShaped(&emulator)),
        expected,
        "as ARM lists it: the action's own record is not a fourth call"
    );
}
