//! `Estate::trial_swap` (issue 19): the management plane tries every swap request to know how
//! long its operation runs. It used to clone the whole estate for that; the trial now copies only
//! what a swap changes, and must still answer exactly what the swap itself would.

use slotdrill_model::{
    AppSpec, Caller, CallerId, Estate, Fault, FunctionBehaviour, FunctionRef, HostingPlan, Release,
    estate_view,
};

/// Three apps with production (v1) and `deploy` (v2); `pinned` has a caller on `deploy`.
fn estate() -> Estate {
    let mut estate = Estate::new(11);
    for app in ["orders", "billing", "pinned"] {
        estate
            .add_app(AppSpec::new(app, HostingPlan::Premium))
            .expect("app");
        for id in ["v1", "v2"] {
            let release = Release::new(id).with_function("Process", FunctionBehaviour::ok());
            estate.add_release(app, release).expect("release");
        }
        estate.create_slot(app, "deploy", None).expect("slot");
        estate.deploy(app, "production", "v1").expect("deploy");
        estate.deploy(app, "deploy", "v2").expect("deploy");
    }
    estate
        .add_caller(Caller {
            id: CallerId::new("checkout", "Call"),
            target: FunctionRef::new("pinned", "deploy", "Process"),
        })
        .expect("caller");
    estate
}

/// The trial's answer (events, or the error) is the swap's, and the estate is left as it was.
fn trial_matches_swap(estate: &Estate, app: &str, source: &str, target: &str) {
    let before = estate_view(estate);
    let trial = estate.trial_swap(app, source, target);
    assert_eq!(estate_view(estate), before, "a trial changes nothing");
    let real = estate.clone().swap(app, source, target);
    assert_eq!(trial, real, "{app}: {source} -> {target}");
}

#[test]
fn a_trial_answers_what_the_swap_would() {
    let estate = estate();
    trial_matches_swap(&estate, "orders", "deploy", "production");
    trial_matches_swap(&estate, "billing", "production", "deploy");
    // Refusals: a missing slot, a missing app, the pinned caller's slot.
    trial_matches_swap(&estate, "orders", "staging", "production");
    trial_matches_swap(&estate, "nowhere", "deploy", "production");
    trial_matches_swap(&estate, "pinned", "deploy", "production");
}

#[test]
fn a_trial_fires_faults_and_draws_as_the_swap_would_but_only_on_its_copies() {
    let mut estate = estate();
    estate.inject(Fault::WarmupFailure {
        app: "orders".into(),
        slot: "deploy".into(),
    });
    trial_matches_swap(&estate, "orders", "deploy", "production");
    // The fault is still armed after the trial: the real swap meets it.
    let real = estate.swap("orders", "deploy", "production");
    assert!(real.is_err(), "{real:?}");
    estate.inject(Fault::RestartFailure {
        app: "billing".into(),
        slot: "deploy".into(),
    });
    trial_matches_swap(&estate, "billing", "deploy", "production");
}
