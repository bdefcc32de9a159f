//! Applying plans: partial and full rollbacks, verify, restore, the journal, preconditions, the
//! pinned-caller guard, and a crash after every journal record in turn.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::json;
use slotdrill_emulator::{Emulator, Status};
use slotdrill_engine::{
    Cloud, CloudCall, CloudError, CloudHooks, EngineError, Hooked, Mode, Record, apply,
    check_deploy, observe, pinned_callers, restore, resume, verify,
};
use support::{definitions, estate, journal, plan_for, traffic};

fn run_status(emulator: &Emulator, name: &str) -> Status {
    emulator
        .run(name, json!({ "order": 1 }))
        .expect("runs")
        .status
}

#[test]
fn a_partial_rollback_moves_exactly_the_callers_of_the_faulty_function() {
    let emulator = estate("v1", "v2");
    traffic(&emulator, 3);
    let before = definitions(&emulator);
    assert_eq!(run_status(&emulator, "order-flow"), Status::Failed);
    let plan = plan_for(&emulator, Mode::Auto);
    let (_dir, path) = journal();
    let report = apply(&emulator, &plan, &path, None).expect("applies");
    assert_eq!(report.performed, vec![0, 1, 2]);

    // Every caller of SendInvoice now reaches the deploy slot with a valid key; the rest stay.
    let observation = observe(&emulator).expect("observe");
    for caller in observation.callers() {
        let expected = if caller.function.as_deref() == Some("SendInvoice") {
            "deploy"
        } else {
            "production"
        };
        assert_eq!(caller.slot.as_deref(), Some(expected), "{}", caller.id());
    }
    for name in ["order-flow", "billing-flow", "notify-flow"] {
        assert_eq!(
            run_status(&emulator, name),
            Status::Succeeded,
            "{name} works again"
        );
    }
    let run = emulator.run("order-flow", json!({})).expect("runs");
    let served: Vec<String> = run
        .actions
        .iter()
        .filter_map(|a| a.served_by.as_ref().map(|s| format!("{} {s}", a.name)))
        .collect();
    assert_eq!(
        served,
        vec![
            "ProcessOrder orders/production@v2",
            "SendInvoice orders/deploy@v1"
        ]
    );

    let checks = verify(&emulator, &plan, 5, true).expect("verify");
    assert!(checks.ok(), "{checks:?}");

    // The journal never holds a key.
    let text = std::fs::read_to_string(&path).expect("journal");
    let keys: Vec<String> = ["production", "deploy"]
        .iter()
        .map(|slot| {
            emulator.read(|e| {
                e.slot("orders", slot)
                    .expect("slot")
                    .keys()
                    .function_default("SendInvoice")
                    .expose()
                    .to_owned()
            })
        })
        .collect();
    for key in &keys {
        assert!(
            !text.contains(key.as_str()),
            "a key leaked into the journal"
        );
    }

    // Restore returns every workflow to its exact original definition.
    let restored = restore(&emulator, &path, None).expect("restores");
    assert_eq!(restored.performed.len(), 3);
    assert_eq!(definitions(&emulator), before);
    assert_eq!(
        restore(&emulator, &path, None)
            .expect("again")
            .already_done
            .len(),
        3,
        "restore is idempotent"
    );
}

#[test]
fn a_full_rollback_puts_back_the_release_production_ran_before_the_swap() {
    let emulator = estate("v1", "v3");
    traffic(&emulator, 2);
    let plan = plan_for(&emulator, Mode::Auto);
    let (_dir, path) = journal();
    apply(&emulator, &plan, &path, None).expect("applies");
    assert_eq!(
        emulator.read(|e| e
            .slot("orders", "production")
            .expect("slot")
            .release_id()
            .map(str::to_owned)),
        Some("v1".to_owned())
    );
    let probed = verify(&emulator, &plan, 5, false).expect("verify");
    assert!(probed.ok() && !probed.checks.is_empty(), "{probed:?}");
    // No samples (live probes off): no probe checks, rather than checks that pass unprobed.
    let unprobed = verify(&emulator, &plan, 0, false).expect("verify");
    assert!(unprobed.checks.is_empty(), "{unprobed:?}");
}

#[test]
fn a_workflow_changed_after_planning_is_not_overwritten() {
    let emulator = estate("v1", "v2");
    traffic(&emulator, 3);
    let plan = plan_for(&emulator, Mode::Auto);
    support::save_workflows(&emulator); // someone saves the workflows again
    let before = definitions(&emulator);
    let (_dir, path) = journal();
    let error = apply(&emulator, &plan, &path, None).expect_err("refused");
    assert!(
        matches!(error, EngineError::PreconditionFailed { step: 0, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("changed since the plan was made"),
        "{error}"
    );
    assert_eq!(definitions(&emulator), before, "nothing was written");
}

#[test]
fn a_refused_plan_is_never_applied() {
    let emulator = estate("v1-bad", "v2");
    let plan = plan_for(&emulator, Mode::Auto);
    let (_dir, path) = journal();
    assert!(matches!(
        apply(&emulator, &plan, &path, None),
        Err(EngineError::Refused(_))
    ));
}

#[test]
fn pinned_callers_guard_the_next_deploy_and_a_full_rollback() {
    let emulator = estate("v1", "v2");
    traffic(&emulator, 3);
    let plan = plan_for(&emulator, Mode::Partial);
    let (_dir, path) = journal();
    apply(&emulator, &plan, &path, None).expect("applies");
    let observation = observe(&emulator).expect("observe");
    let pinned: Vec<String> = pinned_callers(&observation)
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(
        pinned,
        vec![
            "billing-flow/Bill",
            "notify-flow/InvoiceVip",
            "order-flow/SendInvoice"
        ]
    );
    let refused = check_deploy(&observation, "orders", "deploy", false).expect_err("refused");
    assert!(
        refused
            .to_string()
            .contains("3 caller(s) are pinned to `deploy` of `orders`"),
        "{refused}"
    );
    check_deploy(&observation, "orders", "deploy", true).expect("forced");
    check_deploy(&observation, "orders", "production", false).expect("production is not pinned");
    let full = plan_for(&emulator, Mode::Full);
    assert!(
        full.decision
            .refusal()
            .is_some_and(|r| r.contains("pinned")),
        "{full}"
    );
}

/// Counts what the engine does through a back end.
#[derive(Default)]
struct Counts(RefCell<BTreeMap<CloudCall, usize>>);

impl Counts {
    fn of(&self, call: CloudCall) -> usize {
        self.0.borrow().get(&call).copied().unwrap_or_default()
    }
}

impl CloudHooks for Counts {
    fn before(&self, call: CloudCall) -> Result<(), CloudError> {
        *self.0.borrow_mut().entry(call).or_default() += 1;
        Ok(())
    }
}

fn counting(emulator: &Emulator) -> Hooked<'_, Counts> {
    Hooked {
        inner: emulator,
        hooks: Counts::default(),
    }
}

fn final_state(
    emulator: &Emulator,
) -> (std::collections::BTreeMap<String, String>, Option<String>) {
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

/// Stops the engine after journal record k, for every k, then resumes from the journal.
fn crash_after_every_record(previous: &str, new: &str, mode: Mode) {
    let reference = estate(previous, new);
    traffic(&reference, 3);
    let plan = plan_for(&reference, mode);
    let (_dir, path) = journal();
    let cloud = counting(&reference);
    apply(&cloud, &plan, &path, None).expect("uninterrupted");
    let expected = final_state(&reference);
    let records = slotdrill_engine::Journal::read(&path)
        .expect("journal")
        .len();
    let expected_writes = (
        cloud.hooks.of(CloudCall::WriteWorkflow),
        cloud.hooks.of(CloudCall::Swap),
    );
    assert!(records >= 3);

    for stop_after in 1..=records {
        let emulator = estate(previous, new);
        traffic(&emulator, 3);
        let (_dir, path) = journal();
        let cloud = counting(&emulator);
        let mut seen = 0;
        let mut crash = |_: &Record| {
            seen += 1;
            seen < stop_after
        };
        let first = apply(&cloud, &plan, &path, Some(&mut crash));
        if stop_after < records {
            assert!(
                matches!(first, Err(EngineError::Interrupted { .. })),
                "stopped after record {stop_after}: {first:?}"
            );
            resume(&cloud, &path, None).expect("resumes from the journal");
        }
        assert_eq!(
            final_state(&emulator),
            expected,
            "stopped after record {stop_after}"
        );
        assert_eq!(
            (
                cloud.hooks.of(CloudCall::WriteWorkflow),
                cloud.hooks.of(CloudCall::Swap)
            ),
            expected_writes,
            "stopped after record {stop_after}: a step was applied twice"
        );
    }
}

#[test]
fn a_crash_after_any_journal_record_resumes_to_the_same_state_partial() {
    crash_after_every_record("v1", "v2", Mode::Partial);
}

#[test]
fn a_crash_after_any_journal_record_resumes_to_the_same_state_full() {
    crash_after_every_record("v1", "v3", Mode::Full);
}

#[test]
fn a_partial_rollback_costs_one_read_one_write_per_workflow_and_one_secret_per_call() {
    let emulator = estate("v1", "v2");
    traffic(&emulator, 3);
    let plan = plan_for(&emulator, Mode::Partial);
    let cloud = counting(&emulator);
    let (_dir, path) = journal();
    apply(&cloud, &plan, &path, None).expect("applies");
    assert_eq!(
        (
            cloud.hooks.of(CloudCall::ReadWorkflow),
            cloud.hooks.of(CloudCall::WriteWorkflow),
            cloud.hooks.of(CloudCall::FunctionKey)
        ),
        (3, 3, 3)
    );
}

/// Counts calls; the first write or swap succeeds but its answer is lost, so the engine
/// crashes between the change and its `done` record.
#[derive(Default)]
struct LostAnswer {
    counts: Counts,
    lost: Cell<bool>,
}

impl CloudHooks for LostAnswer {
    fn before(&self, call: CloudCall) -> Result<(), CloudError> {
        self.counts.before(call)
    }

    fn after(&self, call: CloudCall) -> Result<(), CloudError> {
        if !call.is_write() || self.lost.replace(true) {
            return Ok(());
        }
        Err(CloudError::NoAnswer(
            "the connection dropped after the request was sent".into(),
        ))
    }
}

fn resume_after_a_lost_answer(previous: &str, new: &str, mode: Mode) {
    let reference = estate(previous, new);
    traffic(&reference, 3);
    let plan = plan_for(&reference, mode);
    let (_dir, path) = journal();
    apply(&reference, &plan, &path, None).expect("uninterrupted");

    let emulator = estate(previous, new);
    traffic(&emulator, 3);
    let (_dir, path) = journal();
    let cloud = Hooked {
        inner: &emulator,
        hooks: LostAnswer::default(),
    };
    assert!(
        apply(&cloud, &plan, &path, None).is_err(),
        "the lost answer stops the engine"
    );
    resume(&cloud, &path, None).expect("resumes");
    assert_eq!(final_state(&emulator), final_state(&reference));
    let steps = plan.steps.len();
    assert_eq!(
        cloud.hooks.counts.of(CloudCall::WriteWorkflow) + cloud.hooks.counts.of(CloudCall::Swap),
        steps,
        "no step applied twice"
    );
}

#[test]
fn a_write_whose_answer_was_lost_is_not_applied_twice() {
    resume_after_a_lost_answer("v1", "v2", Mode::Partial);
}

#[test]
fn a_swap_whose_answer_was_lost_is_not_applied_twice() {
    resume_after_a_lost_answer("v1", "v3", Mode::Full);
}

#[test]
fn the_release_setting_name_is_configurable() {
    use slotdrill_emulator::EmulatorConfig;
    let mut estate = slotdrill_model::Estate::new(1);
    estate
        .add_app(slotdrill_model::AppSpec::new(
            "orders",
            slotdrill_model::HostingPlan::Premium,
        ))
        .expect("app");
    estate
        .add_release("orders", slotdrill_model::Release::new("v1"))
        .expect("release");
    estate.deploy("orders", "production", "v1").expect("deploy");
    estate
        .set_app_setting("orders", "production", "BUILD_ID", Some("build-417"))
        .expect("set");
    let default = Emulator::new(estate.clone());
    let record = estate
        .slot("orders", "production")
        .expect("slot")
        .active_deployment()
        .expect("a deployment record")
        .id
        .clone();
    assert_eq!(
        default.apps().expect("apps")[0].slots[0].release.as_deref(),
        Some(record.as_str()),
        "without the setting: the active deployment record, never the true name"
    );
    let configured = Emulator::with_config(
        estate,
        EmulatorConfig {
            release_setting: Some("BUILD_ID".into()),
            ..EmulatorConfig::default()
        },
    );
    assert_eq!(
        configured.apps().expect("apps")[0].slots[0]
            .release
            .as_deref(),
        Some("build-417")
    );
}
