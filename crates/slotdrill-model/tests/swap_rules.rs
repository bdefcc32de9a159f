//! The swap rules of azure-facts §2–3, one behaviour per test.

use std::collections::BTreeMap;

use slotdrill_model::{
    AppSpec, AuthLevel, Caller, CallerId, ErrorKind, Estate, Event, Fault, FunctionBehaviour,
    FunctionRef, HostingPlan, ModelError, RampUpRule, Release, SlotConfigNames, WarmupFailure,
    estate_view,
};

/// `orders` on Premium: production holds v1, `deploy` holds v2, with a sticky DB setting.
fn orders() -> Estate {
    let mut estate = Estate::new(7);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    let v1 = Release::new("v1")
        .with_function("ProcessOrder", FunctionBehaviour::ok())
        .with_function("SendInvoice", FunctionBehaviour::ok());
    let v2 = Release::new("v2")
        .with_function("ProcessOrder", FunctionBehaviour::ok())
        .with_function("SendInvoice", FunctionBehaviour::status(500));
    estate.add_release("orders", v1).expect("v1");
    estate.add_release("orders", v2).expect("v2");
    estate.create_slot("orders", "deploy", None).expect("slot");
    estate
        .set_sticky_names("orders", SlotConfigNames::app_settings(["DB_CONNECTION"]))
        .expect("sticky");
    settings(
        &mut estate,
        "production",
        &[
            ("DB_CONNECTION", "prod-db"),
            ("FEATURE", "old"),
            ("FUNCTIONS_EXTENSION_VERSION", "~4"),
        ],
    );
    settings(
        &mut estate,
        "deploy",
        &[
            ("DB_CONNECTION", "staging-db"),
            ("FEATURE", "new"),
            ("FUNCTIONS_EXTENSION_VERSION", "~3"),
        ],
    );
    estate
        .deploy("orders", "production", "v1")
        .expect("deploy v1");
    estate.deploy("orders", "deploy", "v2").expect("deploy v2");
    estate
}

/// An anonymous function (the warm-up's ping carries no key) that behaves as `behaviour`.
fn anonymous(behaviour: FunctionBehaviour) -> FunctionBehaviour {
    FunctionBehaviour {
        auth: AuthLevel::Anonymous,
        ..behaviour
    }
}

/// Deploys to `deploy` a release `v3` whose `SendInvoice` is anonymous and answers 500.
fn anonymous_bad_invoice(estate: &mut Estate) {
    estate
        .add_release(
            "orders",
            Release::new("v3")
                .with_function("ProcessOrder", FunctionBehaviour::ok())
                .with_function("SendInvoice", anonymous(FunctionBehaviour::status(500))),
        )
        .expect("v3");
    estate.deploy("orders", "deploy", "v3").expect("deploy");
}

fn settings(estate: &mut Estate, slot: &str, pairs: &[(&str, &str)]) {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    estate
        .set_app_settings("orders", slot, map)
        .expect("settings");
}

fn setting<'a>(estate: &'a Estate, slot: &str, name: &str) -> Option<&'a str> {
    estate
        .slot("orders", slot)
        .expect("slot")
        .config()
        .setting(name)
}

#[test]
fn a_swap_moves_the_release_and_normal_settings_but_not_sticky_ones() {
    let mut estate = orders();
    estate.swap("orders", "deploy", "production").expect("swap");
    assert_eq!(
        estate
            .slot("orders", "production")
            .expect("slot")
            .release_id(),
        Some("v2")
    );
    assert_eq!(
        estate.slot("orders", "deploy").expect("slot").release_id(),
        Some("v1")
    );
    assert_eq!(
        setting(&estate, "production", "DB_CONNECTION"),
        Some("prod-db")
    );
    assert_eq!(
        setting(&estate, "deploy", "DB_CONNECTION"),
        Some("staging-db")
    );
    assert_eq!(setting(&estate, "production", "FEATURE"), Some("new"));
    assert_eq!(setting(&estate, "deploy", "FEATURE"), Some("old"));
}

#[test]
fn extension_version_settings_stay_unless_every_slot_overrides() {
    let mut estate = orders();
    estate.swap("orders", "deploy", "production").expect("swap");
    assert_eq!(
        setting(&estate, "production", "FUNCTIONS_EXTENSION_VERSION"),
        Some("~4")
    );

    // Only one slot overriding is not enough; the override itself is an ordinary setting that
    // travels with the content.
    let override_name = "WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS";
    estate
        .set_app_setting("orders", "production", override_name, Some("0"))
        .expect("set");
    estate
        .swap("orders", "deploy", "production")
        .expect("swap back");
    assert_eq!(
        setting(&estate, "production", "FUNCTIONS_EXTENSION_VERSION"),
        Some("~4")
    );
    assert_eq!(setting(&estate, "deploy", override_name), Some("0"));
    assert_eq!(setting(&estate, "production", override_name), None);

    estate
        .set_app_setting("orders", "production", override_name, Some("0"))
        .expect("set");
    estate
        .swap("orders", "deploy", "production")
        .expect("swap again");
    assert_eq!(
        setting(&estate, "production", "FUNCTIONS_EXTENSION_VERSION"),
        Some("~3")
    );
    assert_eq!(
        setting(&estate, "deploy", "FUNCTIONS_EXTENSION_VERSION"),
        Some("~4")
    );
}

#[test]
fn keys_and_host_names_stay_with_their_slot() {
    let mut estate = orders();
    let production_key = estate
        .slot("orders", "production")
        .expect("slot")
        .keys()
        .function_default("SendInvoice");
    let deploy_key = estate
        .slot("orders", "deploy")
        .expect("slot")
        .keys()
        .function_default("SendInvoice");
    estate.swap("orders", "deploy", "production").expect("swap");
    let production = estate.slot("orders", "production").expect("slot");
    assert_eq!(production.host_name(), "orders.azurewebsites.net");
    assert_eq!(
        production.keys().function_default("SendInvoice"),
        production_key
    );
    // A production key sent to the deploy slot is rejected.
    let deploy = estate.slot("orders", "deploy").expect("slot");
    assert!(
        !deploy
            .keys()
            .accepts("SendInvoice", production_key.expose())
    );
    assert!(deploy.keys().accepts("SendInvoice", deploy_key.expose()));
}

#[test]
fn keys_stored_as_files_are_reset_by_a_swap() {
    let mut estate = orders();
    estate
        .set_sticky_names(
            "orders",
            SlotConfigNames::app_settings(["DB_CONNECTION", "AzureWebJobsSecretStorageType"]),
        )
        .expect("sticky");
    estate
        .set_app_setting(
            "orders",
            "production",
            "AzureWebJobsSecretStorageType",
            Some("files"),
        )
        .expect("set");
    let before = estate
        .slot("orders", "production")
        .expect("slot")
        .keys()
        .master
        .clone();
    let deploy_before = estate
        .slot("orders", "deploy")
        .expect("slot")
        .keys()
        .master
        .clone();
    let events = estate.swap("orders", "deploy", "production").expect("swap");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::KeysReset { slot, .. } if slot == "production"))
    );
    assert_ne!(
        estate
            .slot("orders", "production")
            .expect("slot")
            .keys()
            .master,
        before
    );
    assert_eq!(
        estate.slot("orders", "deploy").expect("slot").keys().master,
        deploy_before
    );
}

#[test]
fn secrets_never_show_in_debug_output() {
    let estate = orders();
    let key = estate
        .slot("orders", "production")
        .expect("slot")
        .keys()
        .master
        .expose()
        .to_owned();
    assert_eq!(key.len(), 56);
    let debug = format!("{estate:?}");
    assert!(!debug.contains(&key), "a key leaked into Debug output");
    assert!(debug.contains("Secret(***)"));
}

#[test]
fn a_restart_failure_reverts_the_swap_and_touches_nothing() {
    let mut estate = orders();
    let before = estate_view(&estate);
    estate.inject(Fault::RestartFailure {
        app: "orders".into(),
        slot: "deploy".into(),
    });
    let error = estate
        .swap("orders", "deploy", "production")
        .expect_err("restart fails");
    assert_eq!(error.kind(), ErrorKind::RestartFailed);
    assert_eq!(estate_view(&estate), before);
    assert!(estate.pending_faults().is_empty(), "the fault fires once");
    estate
        .swap("orders", "deploy", "production")
        .expect("the next swap works");
}

#[test]
fn warm_up_with_restricted_statuses_stops_on_a_bad_code() {
    let mut estate = orders();
    anonymous_bad_invoice(&mut estate);
    settings(
        &mut estate,
        "deploy",
        &[
            ("WEBSITE_SWAP_WARMUP_PING_PATH", "/api/SendInvoice"),
            ("WEBSITE_SWAP_WARMUP_PING_STATUSES", "200,202"),
        ],
    );
    let before = estate_view(&estate);
    let error = estate
        .swap("orders", "deploy", "production")
        .expect_err("v3's SendInvoice answers 500");
    match &error {
        ModelError::WarmupFailed {
            reason:
                WarmupFailure::StatusNotAllowed {
                    status: 500,
                    allowed,
                    ..
                },
            ..
        } => {
            assert_eq!(allowed, &[200, 202]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(estate_view(&estate), before, "production untouched");
}

#[test]
fn warm_up_accepts_any_code_unless_restricted() {
    let mut estate = orders();
    anonymous_bad_invoice(&mut estate);
    settings(
        &mut estate,
        "deploy",
        &[("WEBSITE_SWAP_WARMUP_PING_PATH", "/api/SendInvoice")],
    );
    let events = estate
        .swap("orders", "deploy", "production")
        .expect("500 still counts as warm");
    let report = events
        .iter()
        .find_map(|e| match e {
            Event::WarmedUp { report, .. } => Some(report.clone()),
            _ => None,
        })
        .expect("warm-up ran");
    assert_eq!(report.attempts, vec![Some(500)]);
}

#[test]
fn warm_up_times_out_after_five_attempts_of_ninety_seconds() {
    let mut estate = orders();
    let mut hangs = anonymous(FunctionBehaviour::ok());
    hangs.timeout = true;
    estate
        .add_release(
            "orders",
            Release::new("v3")
                .with_function("ProcessOrder", hangs)
                .with_function("SendInvoice", FunctionBehaviour::ok()),
        )
        .expect("v3");
    estate.deploy("orders", "deploy", "v3").expect("deploy");
    settings(
        &mut estate,
        "deploy",
        &[("WEBSITE_SWAP_WARMUP_PING_PATH", "/api/ProcessOrder")],
    );
    let error = estate
        .swap("orders", "deploy", "production")
        .expect_err("all pings time out");
    assert!(
        matches!(
            error,
            ModelError::WarmupFailed {
                reason: WarmupFailure::TimedOut { attempts: 5, .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("timed out 5 times (90 s each)"),
        "{error}"
    );
}

#[test]
fn cold_start_failures_follow_a_swap_on_functions_the_warm_up_did_not_hit() {
    let mut estate = orders();
    let mut cold = FunctionBehaviour::ok();
    cold.fail_first = 2;
    estate
        .add_release(
            "orders",
            Release::new("v3")
                .with_function("ProcessOrder", cold.clone())
                .with_function("SendInvoice", cold),
        )
        .expect("v3");
    estate.deploy("orders", "deploy", "v3").expect("deploy");
    estate
        .swap("orders", "deploy", "production")
        .expect("`/` is always warm");
    let production = estate.slot("orders", "production").expect("slot");
    assert_eq!(production.calls_since_restart("SendInvoice"), 0);
    let behaviour = production
        .release()
        .and_then(|r| r.function("SendInvoice"))
        .expect("function")
        .clone();
    let config = production.config().clone();
    let answers: Vec<Option<u16>> = (0..3)
        .map(|_| {
            let index = estate
                .record_call("orders", "production", "SendInvoice")
                .expect("slot");
            behaviour
                .invoke("v3", "SendInvoice", index, 0.5, &config)
                .status()
        })
        .collect();
    assert_eq!(answers, vec![Some(503), Some(503), Some(200)]);
}

#[test]
fn swap_with_preview_is_refused_when_authentication_is_on() {
    let mut estate = orders();
    estate
        .set_authentication("orders", "production", true)
        .expect("auth");
    let error = estate
        .swap_preview_apply("orders", "deploy", "production")
        .expect_err("auth on");
    assert_eq!(error.kind(), ErrorKind::PreviewWithAuthentication);
    estate
        .swap("orders", "deploy", "production")
        .expect("a plain swap is still allowed");
}

#[test]
fn swap_with_preview_runs_the_source_with_production_settings_until_completed() {
    let mut estate = orders();
    estate
        .swap_preview_apply("orders", "deploy", "production")
        .expect("apply");
    assert_eq!(setting(&estate, "deploy", "DB_CONNECTION"), Some("prod-db"));
    assert_eq!(
        estate
            .slot("orders", "deploy")
            .expect("slot")
            .target_swap_slot(),
        Some("production")
    );
    assert_eq!(
        estate
            .slot("orders", "production")
            .expect("slot")
            .release_id(),
        Some("v1")
    );
    let other = estate
        .swap_preview_apply("orders", "deploy", "production")
        .expect_err("already pending");
    assert_eq!(other.kind(), ErrorKind::PreviewPending);
    estate
        .swap("orders", "deploy", "production")
        .expect("slotsswap of the same pair completes it");
    assert_eq!(
        estate
            .slot("orders", "production")
            .expect("slot")
            .release_id(),
        Some("v2")
    );
    assert_eq!(
        setting(&estate, "deploy", "DB_CONNECTION"),
        Some("staging-db")
    );
    assert_eq!(
        estate
            .slot("orders", "deploy")
            .expect("slot")
            .target_swap_slot(),
        None
    );
    let status = estate
        .slot("orders", "production")
        .expect("slot")
        .swap_status()
        .cloned()
        .expect("status");
    assert_eq!(
        (
            status.source_slot_name.as_str(),
            status.destination_slot_name.as_str()
        ),
        ("deploy", "production")
    );
}

#[test]
fn auto_swap_is_not_supported_on_linux() {
    let mut estate = Estate::new(1);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium).linux())
        .expect("app");
    estate.create_slot("orders", "deploy", None).expect("slot");
    let error = estate
        .set_auto_swap("orders", "deploy", Some("production"))
        .expect_err("linux");
    assert_eq!(error.kind(), ErrorKind::AutoSwapOnLinux);
}

#[test]
fn auto_swap_promotes_every_deployment_on_windows() {
    let mut estate = orders();
    estate
        .set_auto_swap("orders", "deploy", Some("production"))
        .expect("auto swap");
    estate
        .add_release(
            "orders",
            Release::new("v3")
                .with_function("ProcessOrder", FunctionBehaviour::ok())
                .with_function("SendInvoice", FunctionBehaviour::ok()),
        )
        .expect("v3");
    let events = estate.deploy("orders", "deploy", "v3").expect("deploy");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::AutoSwapStarted { .. }))
    );
    assert_eq!(
        estate
            .slot("orders", "production")
            .expect("slot")
            .release_id(),
        Some("v3")
    );
    assert_eq!(
        estate.slot("orders", "deploy").expect("slot").release_id(),
        Some("v1")
    );
}

#[test]
fn a_step_that_would_strand_a_caller_is_refused_with_the_caller_named() {
    let mut estate = orders();
    let caller = CallerId::new("order-flow", "SendInvoice");
    estate
        .add_caller(Caller {
            id: caller.clone(),
            target: FunctionRef::new("orders", "deploy", "SendInvoice"),
        })
        .expect("caller");
    estate
        .add_release(
            "orders",
            Release::new("v3").with_function("ProcessOrder", FunctionBehaviour::ok()),
        )
        .expect("v3");
    let error = estate
        .deploy("orders", "deploy", "v3")
        .expect_err("v3 has no SendInvoice");
    assert!(error.to_string().contains("order-flow/SendInvoice → orders/deploy/SendInvoice: release `v3` has no function `SendInvoice`"), "{error}");
    assert_eq!(
        estate
            .delete_slot("orders", "deploy")
            .expect_err("caller pinned")
            .kind(),
        ErrorKind::CallersWouldBreak
    );
}

#[test]
fn routing_rules_are_validated() {
    let mut estate = orders();
    let deploy_host = estate
        .slot("orders", "deploy")
        .expect("slot")
        .host_name()
        .to_owned();
    estate
        .set_routing(
            "orders",
            vec![RampUpRule::fixed("deploy", &deploy_host, 10.0)],
        )
        .expect("10% canary");
    let cases = [
        (
            vec![RampUpRule::fixed("deploy", &deploy_host, 101.0)],
            "outside 0–100",
        ),
        (
            vec![RampUpRule::fixed("deploy", &deploy_host, -1.0)],
            "outside 0–100",
        ),
        (
            vec![
                RampUpRule::fixed("a", &deploy_host, 60.0),
                RampUpRule::fixed("b", &deploy_host, 50.0),
            ],
            "may not exceed 100",
        ),
        (
            vec![RampUpRule::fixed("x", "elsewhere.azurewebsites.net", 5.0)],
            "not the host name of a non-production slot",
        ),
        (
            vec![RampUpRule::fixed("x", "orders.azurewebsites.net", 5.0)],
            "not the host name of a non-production slot",
        ),
    ];
    for (rules, message) in cases {
        let error = estate.set_routing("orders", rules).expect_err(message);
        assert!(error.to_string().contains(message), "{error}");
    }
    assert_eq!(
        estate.app("orders").expect("app").routing().len(),
        1,
        "a refused change keeps the old rules"
    );
    assert_eq!(
        estate
            .delete_slot("orders", "deploy")
            .expect_err("routed to")
            .kind(),
        ErrorKind::InvalidConfig
    );
}

#[test]
fn a_deploy_after_the_last_swap_is_noticed() {
    let mut estate = orders();
    assert!(
        estate
            .slot("orders", "deploy")
            .expect("slot")
            .deployed_since_swap(),
        "never swapped"
    );
    estate.swap("orders", "deploy", "production").expect("swap");
    assert!(
        !estate
            .slot("orders", "deploy")
            .expect("slot")
            .deployed_since_swap(),
        "it holds what the swap left"
    );
    assert!(
        !estate
            .slot("orders", "production")
            .expect("slot")
            .deployed_since_swap()
    );
    estate.deploy("orders", "deploy", "v2").expect("deploy");
    assert!(
        estate
            .slot("orders", "deploy")
            .expect("slot")
            .deployed_since_swap(),
        "a hotfix went to deploy"
    );
}

#[test]
fn resolve_says_which_part_of_a_target_is_missing_as_a_typed_reason() {
    use slotdrill_model::BreakReason;
    let mut estate = orders();
    estate.create_slot("orders", "empty", None).expect("slot");
    let target = |app: &str, slot: &str, function: &str| FunctionRef::new(app, slot, function);
    assert_eq!(
        estate.resolve(&target("orders", "deploy", "SendInvoice")),
        Ok(())
    );
    assert_eq!(
        estate.resolve(&target("billing", "production", "SendInvoice")),
        Err(BreakReason::NoApp {
            app: "billing".into()
        })
    );
    assert!(matches!(
        estate.resolve(&target("orders", "qa", "SendInvoice")),
        Err(BreakReason::NoSlot { .. })
    ));
    assert!(matches!(
        estate.resolve(&target("orders", "empty", "SendInvoice")),
        Err(BreakReason::NoRelease { .. })
    ));
    let missing = estate
        .resolve(&target("orders", "deploy", "Refund"))
        .expect_err("v2 has no Refund");
    assert_eq!(
        missing.to_string(),
        "release `v2` on `orders/deploy` has no function `Refund`"
    );
}

/// `v3` on the deploy slot: an anonymous `Health`, a function-level `ProcessOrder` and an
/// admin-level `Purge`, all answering 200 to a caller with the right key.
fn with_health_release(estate: &mut Estate) {
    let admin = FunctionBehaviour {
        auth: AuthLevel::Admin,
        ..FunctionBehaviour::ok()
    };
    estate
        .add_release(
            "orders",
            Release::new("v3")
                .with_function("Health", anonymous(FunctionBehaviour::ok()))
                .with_function("ProcessOrder", FunctionBehaviour::ok())
                .with_function("Purge", admin),
        )
        .expect("v3");
    estate.deploy("orders", "deploy", "v3").expect("deploy");
}

/// The platform's warm-up request carries no function key, so a warm-up path to a function
/// that needs one answers 401 without running it (azure-functions-host#6942), and with
/// `WEBSITE_SWAP_WARMUP_PING_STATUSES=200` the swap stops there.
#[test]
fn the_warm_up_carries_no_key() {
    for function in ["ProcessOrder", "Purge"] {
        let mut estate = orders();
        with_health_release(&mut estate);
        settings(
            &mut estate,
            "deploy",
            &[
                ("WEBSITE_SWAP_WARMUP_PING_PATH", &format!("/api/{function}")),
                ("WEBSITE_SWAP_WARMUP_PING_STATUSES", "200"),
            ],
        );
        let before = estate_view(&estate);
        let error = estate
            .swap("orders", "deploy", "production")
            .expect_err("the keyless ping gets 401");
        assert!(
            matches!(
                &error,
                ModelError::WarmupFailed {
                    reason: WarmupFailure::StatusNotAllowed { status: 401, .. },
                    ..
                }
            ),
            "{function}: {error}"
        );
        assert_eq!(estate_view(&estate), before, "{function}: nothing changed");
        let deploy = estate.slot("orders", "deploy").expect("slot");
        assert_eq!(
            deploy.calls_since_restart(function),
            0,
            "{function} never ran"
        );
    }
}

#[test]
fn an_anonymous_warm_up_path_runs_the_function_and_any_code_counts_unless_restricted() {
    let mut estate = orders();
    with_health_release(&mut estate);
    settings(
        &mut estate,
        "deploy",
        &[
            ("WEBSITE_SWAP_WARMUP_PING_PATH", "/api/Health"),
            ("WEBSITE_SWAP_WARMUP_PING_STATUSES", "200"),
        ],
    );
    let events = estate
        .swap("orders", "deploy", "production")
        .expect("Health is anonymous and answers 200");
    let report = events
        .iter()
        .find_map(|e| match e {
            Event::WarmedUp { report, .. } => Some(report.clone()),
            _ => None,
        })
        .expect("warm-up ran");
    assert_eq!(report.attempts, vec![Some(200)]);

    // Without a status list, the 401 of a keyed function still counts as warm.
    let mut estate = orders();
    with_health_release(&mut estate);
    settings(
        &mut estate,
        "deploy",
        &[("WEBSITE_SWAP_WARMUP_PING_PATH", "/api/ProcessOrder")],
    );
    let events = estate
        .swap("orders", "deploy", "production")
        .expect("any code is warm");
    let attempts = events.iter().find_map(|e| match e {
        Event::WarmedUp { report, .. } => Some(report.attempts.clone()),
        _ => None,
    });
    assert_eq!(attempts, Some(vec![Some(401)]));
}
