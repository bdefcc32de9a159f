//! Plans for the situations an operator meets, as the text the CLI prints (reviewed snapshots).

mod support;

use serde_json::json;
use slotdrill_engine::{AppFunction, Decision, DiagnoseConfig, Mode, Policy, named_faulty, plan};
use slotdrill_model::SlotConfigNames;
use support::{estate, observe_and_diagnose, plan_for, traffic};

#[test]
fn one_faulty_function_gets_a_partial_rollback() {
    let emulator = estate("v1", "v2");
    traffic(&emulator, 3);
    let plan = plan_for(&emulator, Mode::Auto);
    assert_eq!(plan.decision, Decision::Partial);
    insta::assert_snapshot!("partial_one_faulty_function", plan.to_string());
}

#[test]
fn most_of_the_release_broken_gets_a_full_rollback() {
    let emulator = estate("v1", "v3");
    traffic(&emulator, 3);
    let plan = plan_for(&emulator, Mode::Auto);
    assert_eq!(plan.decision, Decision::Full);
    insta::assert_snapshot!("full_most_broken", plan.to_string());
}

#[test]
fn a_full_rollback_can_be_asked_for() {
    let emulator = estate("v1", "v2");
    insta::assert_snapshot!(
        "full_requested",
        plan_for(&emulator, Mode::Full).to_string()
    );
}

#[test]
fn a_deploy_slot_deployed_to_since_the_swap_is_refused() {
    let emulator = estate("v1", "v2");
    emulator
        .change(|e| e.deploy("orders", "deploy", "v3"))
        .expect("hotfix deployed to deploy");
    let plan = plan_for(&emulator, Mode::Auto);
    assert!(plan.is_refused() && plan.steps.is_empty());
    insta::assert_snapshot!("refused_deploy_redeployed", plan.to_string());
}

#[test]
fn an_unhealthy_copy_in_the_deploy_slot_is_refused() {
    let emulator = estate("v1-bad", "v2");
    let plan = plan_for(&emulator, Mode::Auto);
    assert!(plan.is_refused());
    insta::assert_snapshot!("refused_no_good_release_left", plan.to_string());
}

fn sticky_db(emulator: &slotdrill_emulator::Emulator) {
    emulator
        .change(|e| e.set_sticky_names("orders", SlotConfigNames::app_settings(["DB_CONNECTION"])))
        .expect("sticky");
    emulator
        .change(|e| e.set_app_setting("orders", "production", "DB_CONNECTION", Some("prod-db")))
        .expect("set");
    emulator
        .change(|e| e.set_app_setting("orders", "deploy", "DB_CONNECTION", Some("staging-db")))
        .expect("set");
}

#[test]
fn sticky_differences_make_auto_fall_back_to_full() {
    let emulator = estate("v1", "v2");
    sticky_db(&emulator);
    let plan = plan_for(&emulator, Mode::Auto);
    assert_eq!(plan.decision, Decision::Full);
    insta::assert_snapshot!("fallback_sticky_difference", plan.to_string());
}

#[test]
fn sticky_differences_refuse_partial_unless_accepted() {
    let emulator = estate("v1", "v2");
    sticky_db(&emulator);
    let refused = plan_for(&emulator, Mode::Partial);
    assert!(refused.is_refused());
    insta::assert_snapshot!("refused_partial_sticky_difference", refused.to_string());
    let (observation, diagnosis) = observe_and_diagnose(&emulator);
    let accepted = plan(
        &observation,
        &diagnosis,
        &Policy {
            mode: Mode::Partial,
            accept_sticky_diff: true,
            ..Policy::default()
        },
    );
    assert_eq!(accepted.decision, Decision::Partial);
    insta::assert_snapshot!("partial_sticky_difference_accepted", accepted.to_string());
}

#[test]
fn an_unresolvable_caller_makes_auto_fall_back_to_full() {
    let emulator = estate("v1", "v2");
    let definition = serde_json::json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": { "FromSetting": { "type": "Http", "inputs": { "method": "POST", "uri": "@{appsetting('InvoiceBase')}/api/SendInvoice" } } }
    });
    emulator
        .save_logic_app(
            "legacy-flow",
            slotdrill_wdl::Document::from_value("legacy.json", "legacy-flow", definition, None)
                .expect("doc"),
            None,
        )
        .expect("saved");
    let plan = plan_for(&emulator, Mode::Auto);
    assert_eq!(plan.decision, Decision::Full);
    insta::assert_snapshot!("fallback_unresolvable_caller", plan.to_string());
}

#[test]
fn the_operator_can_name_the_faulty_function() {
    let emulator = estate("v1", "v2");
    let observation = slotdrill_engine::observe(&emulator).expect("observe");
    let diagnosis = named_faulty(
        &observation,
        &[AppFunction::new("orders", "SendInvoice")],
        &DiagnoseConfig::default(),
    )
    .expect("a function of the estate");
    let plan = plan(&observation, &diagnosis, &Policy::default());
    assert_eq!(plan.decision, Decision::Partial);
    assert!(
        emulator.invocations().is_empty(),
        "the fast path probes nothing"
    );
    insta::assert_snapshot!("named_by_operator", plan.to_string());
}

#[test]
fn a_named_function_that_does_not_exist_is_an_error_not_ignored() {
    let emulator = estate("v1", "v2");
    let observation = slotdrill_engine::observe(&emulator).expect("observe");
    let error = named_faulty(
        &observation,
        &["orders/SendInvoce".parse().expect("app/function")],
        &DiagnoseConfig::default(),
    )
    .expect_err("a typo names nothing");
    assert_eq!(
        error.to_string(),
        "orders/SendInvoce: no such function in production"
    );
}

#[test]
fn a_healthy_estate_needs_nothing() {
    let emulator = estate("v2", "v1");
    traffic(&emulator, 2);
    insta::assert_snapshot!("nothing_to_do", plan_for(&emulator, Mode::Auto).to_string());
}

#[test]
fn cold_starts_right_after_a_swap_are_not_a_faulty_release() {
    let emulator = estate("v1", "v2");
    let mut cold = slotdrill_model::FunctionBehaviour::ok();
    cold.fail_first = 3;
    let release = support::FUNCTIONS
        .iter()
        .fold(slotdrill_model::Release::new("v4"), |r, f| {
            r.with_function(*f, cold.clone())
        });
    emulator
        .change(|e| e.add_release("orders", release))
        .expect("v4");
    emulator
        .change(|e| e.deploy("orders", "deploy", "v4"))
        .expect("deploy");
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let plan = plan_for(&emulator, Mode::Auto);
    assert!(plan.faulty.is_empty(), "{plan}");
}

/// No hooks: the emulator behind `Hooked` is not `Cloud::shared`, so it is read on one thread.
struct OneThread;

impl slotdrill_engine::CloudHooks for OneThread {}

/// An emulated estate large enough to be read on every core is observed, and planned for,
/// exactly as when it is read on one thread.
#[test]
fn a_large_emulated_estate_is_observed_alike_on_every_core() {
    let emulator = estate("v1", "v2");
    let trigger = json!({ "manual": { "type": "Request", "kind": "Http" } });
    for i in 0..400 {
        let actions = json!({ "Invoice": support::function("SendInvoice"),
            "Notify": support::function(["Notify", "Archive"][i % 2]) });
        let definition = json!({ "triggers": trigger, "actions": actions });
        support::save(&emulator, &format!("flow-{i:03}"), definition, json!({}));
    }
    let one_thread = slotdrill_engine::Hooked {
        inner: &emulator,
        hooks: OneThread,
    };
    let clouds = [&emulator as &dyn slotdrill_engine::Cloud, &one_thread];
    // The two take observe's two paths: the emulator says it may be read on several threads.
    assert!(clouds[0].shared().is_some());
    assert!(clouds[1].shared().is_none());
    let faulty = [AppFunction::new("orders", "SendInvoice")];
    let plans = clouds.map(|cloud| {
        let observation = slotdrill_engine::observe(cloud).expect("observe");
        let diagnosis = named_faulty(&observation, &faulty, &DiagnoseConfig::default())
            .expect("a function of the estate");
        let planned = plan(&observation, &diagnosis, &Policy::default());
        (observation, planned)
    });
    let [(on_threads, planned), (on_one, planned_alone)] = plans;
    assert_eq!(on_threads.callers().len(), 400 * 2 + 6);
    assert_eq!(on_threads, on_one);
    assert_eq!(planned.decision, Decision::Partial);
    assert_eq!(planned, planned_alone);
}
