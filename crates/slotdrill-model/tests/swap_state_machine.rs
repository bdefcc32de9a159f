//! Property test of the slot model against a simple reference model (`state_machine/reference.rs`),
//! over random sequences of every operation, with injected restart and warm-up failures. After
//! every step it checks the invariants 1–5 of ARCHITECTURE.md and the plans' slot limits.
//!
//! `PROPTEST_CASES` raises the number of cases (default 256, up to 50 transitions each).

mod state_machine;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use slotdrill_model::{
    AppSpec, AuthLevel, Caller, CallerId, Estate, EstateView, Event, Fault, FunctionBehaviour,
    FunctionRef, ModelError, Release, SlotConfigNames, SlotState, estate_view,
};
use state_machine::reference::{FUNCTIONS, Op, RefEstate, SETTINGS, SLOTS};

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = RefEstate;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<RefEstate> {
        RefEstate::strategy()
    }

    fn transitions(state: &RefEstate) -> BoxedStrategy<Op> {
        state.transitions()
    }

    fn apply(state: RefEstate, op: &Op) -> RefEstate {
        state.apply(op)
    }

    /// Shrinking can shrink the initial state under the transitions: keep indices in range.
    fn preconditions(state: &RefEstate, op: &Op) -> bool {
        state.in_range(op)
    }
}

struct SlotModel;

fn app_name(app: usize) -> String {
    format!("app{app}")
}

fn build(reference: &RefEstate) -> Estate {
    let mut estate = Estate::new(42);
    for app in &reference.apps {
        let mut spec = AppSpec::new(&app.name, app.plan);
        if app.linux {
            spec = spec.linux();
        }
        estate.add_app(spec).expect("new app");
        for release in &app.releases {
            let mut real = Release::new(&release.id);
            for (name, b) in &release.functions {
                let mut behaviour = FunctionBehaviour::status(b.status);
                behaviour.fail_first = b.fail_first;
                behaviour.timeout = b.timeout;
                if b.anonymous {
                    behaviour.auth = AuthLevel::Anonymous;
                }
                real = real.with_function(name, behaviour);
            }
            estate.add_release(&app.name, real).expect("new release");
        }
        estate
            .set_sticky_names(
                &app.name,
                SlotConfigNames::app_settings(app.sticky.iter().cloned()),
            )
            .expect("app");
        for (key, slot) in &app.slots {
            if key != "production" {
                estate
                    .create_slot(&app.name, &slot.name, None)
                    .expect("initial slot");
            }
            let settings = slot.settings.clone();
            estate
                .set_app_settings(&app.name, &slot.name, settings)
                .expect("initial settings");
            let release = slot
                .release
                .map(|r| app.releases[r].id.clone())
                .expect("initial release");
            estate
                .deploy(&app.name, &slot.name, &release)
                .expect("initial deploy");
        }
    }
    for caller in &reference.callers {
        estate
            .add_caller(Caller {
                id: CallerId::new(&caller.workflow, &caller.action),
                target: FunctionRef::new(app_name(caller.app), &caller.slot, &caller.function),
            })
            .expect("caller of a production function");
    }
    estate
}

fn run(estate: &mut Estate, reference: &RefEstate, op: &Op) -> Result<Vec<Event>, ModelError> {
    match op {
        Op::CreateSlot { app, slot, clone } => {
            estate.create_slot(&app_name(*app), SLOTS[*slot], clone.then_some("production"))
        }
        Op::DeleteSlot { app, slot } => estate.delete_slot(&app_name(*app), SLOTS[*slot]),
        Op::Deploy { app, slot, release } => {
            estate.deploy(&app_name(*app), SLOTS[*slot], &format!("r{release}"))
        }
        Op::SetSetting {
            app,
            slot,
            setting,
            value,
        } => {
            let (name, values) = SETTINGS[*setting];
            let value = value.map(|v| values[v % values.len()]);
            estate.set_app_setting(&app_name(*app), SLOTS[*slot], name, value)
        }
        Op::SetSticky { app, names } => estate.set_sticky_names(
            &app_name(*app),
            SlotConfigNames::app_settings(names.iter().map(|i| SETTINGS[*i].0)),
        ),
        Op::SetAuth { app, slot, enabled } => {
            estate.set_authentication(&app_name(*app), SLOTS[*slot], *enabled)
        }
        Op::SetStopped { app, slot, stopped } => {
            let state = if *stopped {
                SlotState::Stopped
            } else {
                SlotState::Running
            };
            estate.set_slot_state(&app_name(*app), SLOTS[*slot], state)
        }
        Op::SetAutoSwap { app, slot, target } => {
            estate.set_auto_swap(&app_name(*app), SLOTS[*slot], target.map(|t| SLOTS[t]))
        }
        Op::Swap {
            app,
            source,
            target,
        } => estate.swap(&app_name(*app), SLOTS[*source], SLOTS[*target]),
        Op::PreviewApply {
            app,
            source,
            target,
        } => estate.swap_preview_apply(&app_name(*app), SLOTS[*source], SLOTS[*target]),
        Op::PreviewComplete { app } => estate.swap_preview_complete(&app_name(*app)),
        Op::PreviewReset { app } => estate.swap_preview_reset(&app_name(*app)),
        Op::RestartFault { app, slot } => Ok(estate.inject(Fault::RestartFailure {
            app: app_name(*app).into(),
            slot: SLOTS[*slot].into(),
        })),
        Op::WarmupFault { app, slot } => Ok(estate.inject(Fault::WarmupFailure {
            app: app_name(*app).into(),
            slot: SLOTS[*slot].into(),
        })),
        Op::Repoint {
            caller,
            slot,
            function,
        } => {
            let c = &reference.callers[*caller];
            estate.repoint_caller(
                &CallerId::new(&c.workflow, &c.action),
                FunctionRef::new(app_name(c.app), SLOTS[*slot], FUNCTIONS[*function]),
            )
        }
    }
}

impl StateMachineTest for SlotModel {
    type SystemUnderTest = Estate;
    type Reference = Reference;

    fn init_test(reference: &RefEstate) -> Estate {
        build(reference)
    }

    fn apply(mut estate: Estate, reference: &RefEstate, op: Op) -> Estate {
        let before = estate.clone();
        let outcome = run(&mut estate, reference, &op);
        assert_eq!(
            outcome.as_ref().map(|_| ()).map_err(ModelError::kind),
            reference.last,
            "outcome of {op:?}: {outcome:?}"
        );
        match &outcome {
            // Invariant 3, and more: a refused or failed operation changes nothing observable. The
            // one exception is a failed completion of a swap with preview, which ends the preview.
            Err(ModelError::WarmupFailed { .. })
                if matches!(op, Op::PreviewComplete { .. } | Op::Swap { .. })
                    && !before.apps().all(|a| a.pending_preview().is_none()) => {}
            Err(_) => assert_eq!(
                estate_view(&before),
                estate_view(&estate),
                "{op:?} failed but changed the estate"
            ),
            Ok(events) => match op {
                Op::Deploy { app, slot, release } => check_auto_swap(
                    &before,
                    &estate,
                    events,
                    &app_name(app),
                    SLOTS[slot],
                    release,
                ),
                _ => check_swaps(&before, &estate, events),
            },
        }
        if let Op::Swap {
            app,
            source,
            target,
        }
        | Op::PreviewApply {
            app,
            source,
            target,
        } = op
        {
            check_preview_equivalences(&before, &app_name(app), SLOTS[source], SLOTS[target]);
        }
        estate
    }

    fn check_invariants(estate: &Estate, reference: &RefEstate) {
        compare(estate, reference);
        // Invariant 5: every caller resolves.
        for caller in estate.callers() {
            assert!(
                estate.resolve(&caller.target).is_ok(),
                "caller {} no longer resolves",
                caller.id
            );
        }
        for app in estate.apps() {
            assert!(
                app.slots().count() <= app.spec().plan.slot_limit(),
                "{} exceeds its plan",
                app.name()
            );
        }
    }
}

/// The real model agrees with the reference on slots, releases, settings and callers.
fn compare(estate: &Estate, reference: &RefEstate) {
    for (index, app) in reference.apps.iter().enumerate() {
        let real = estate.app(&app_name(index)).expect("app exists");
        let real_slots: Vec<String> = real
            .slots()
            .map(|s| s.name().to_ascii_lowercase())
            .collect();
        let ref_slots: Vec<String> = app.slots.keys().cloned().collect();
        assert_eq!(real_slots, ref_slots, "slots of {}", app.name);
        for (key, slot) in &app.slots {
            let real_slot = real.slot(key).expect("slot exists");
            let release = slot.release.map(|r| app.releases[r].id.as_str());
            assert_eq!(
                real_slot.release_id(),
                release,
                "release of {}/{key}",
                app.name
            );
            assert_eq!(
                real_slot.config().app_settings,
                slot.settings,
                "settings of {}/{key}",
                app.name
            );
            assert_eq!(real_slot.auth_enabled(), slot.auth);
            assert_eq!(real_slot.state() == SlotState::Stopped, slot.stopped);
            assert_eq!(
                real_slot.auto_swap_slot_name().map(str::to_ascii_lowercase),
                slot.auto_swap
            );
        }
        let preview = real
            .pending_preview()
            .map(|p| (p.source.key(), p.target.key()));
        assert_eq!(
            preview,
            app.preview.as_ref().map(|(s, t, _)| (s.clone(), t.clone())),
            "preview of {}",
            app.name
        );
    }
    for caller in &reference.callers {
        let real = estate
            .caller(&CallerId::new(&caller.workflow, &caller.action))
            .expect("caller");
        assert_eq!(real.target.slot.to_ascii_lowercase(), caller.slot);
        assert_eq!(real.target.function, caller.function);
    }
}

fn slot_views(view: &EstateView, app: &str) -> BTreeMap<String, slotdrill_model::SlotView> {
    view.slots
        .iter()
        .filter(|((a, _), _)| a.matches(app))
        .map(|((_, s), v)| (s.key(), v.clone()))
        .collect()
}

/// Invariants 1 and 2 for every swap an operation performed.
fn check_swaps(before: &Estate, after: &Estate, events: &[Event]) {
    let (pre, post) = (estate_view(before), estate_view(after));
    for event in events {
        let Event::Swapped {
            app,
            source,
            target,
            ..
        } = event
        else {
            continue;
        };
        let app = app.to_ascii_lowercase();
        let (pre_slots, post_slots) = (slot_views(&pre, &app), slot_views(&post, &app));
        let (src, tgt) = (source.to_ascii_lowercase(), target.to_ascii_lowercase());
        // Releases exchanged; the multiset of releases preserved (invariant 2).
        assert_eq!(post_slots[&src].release, pre_slots[&tgt].release);
        assert_eq!(post_slots[&tgt].release, pre_slots[&src].release);
        let mut pre_releases: Vec<_> = pre_slots.values().map(|s| s.release.clone()).collect();
        let mut post_releases: Vec<_> = post_slots.values().map(|s| s.release.clone()).collect();
        pre_releases.sort();
        post_releases.sort();
        assert_eq!(
            pre_releases, post_releases,
            "swaps never lose or duplicate a release"
        );
        // Identity never moves (invariant 1): host names, and keys unless stored as files.
        for (name, post_slot) in &post_slots {
            let pre_slot = &pre_slots[name];
            assert_eq!(post_slot.host_name, pre_slot.host_name);
            let files = post_slot.config.setting("AzureWebJobsSecretStorageType") == Some("files");
            if !files {
                assert_eq!(
                    post_slot.keys.master, pre_slot.keys.master,
                    "keys of {name} moved"
                );
                assert_eq!(post_slot.keys.function_keys, pre_slot.keys.function_keys);
            }
        }
        // Sticky settings stay, the others move, for a plain swap (one whose source was not
        // already running with the target's settings).
        let real = after.app(&app).expect("app");
        if before.app(&app).expect("app").pending_preview().is_none()
            && events
                .iter()
                .filter(|e| matches!(e, Event::Swapped { .. }))
                .count()
                == 1
        {
            let override_all = real.extension_versions_swap();
            let sticky = |name: &str| {
                real.sticky_names().app_setting_names.contains(name)
                    || (!override_all && name.ends_with("_EXTENSION_VERSION"))
            };
            let split = |v: &slotdrill_model::SlotView, keep: bool| -> BTreeMap<String, String> {
                v.config
                    .app_settings
                    .iter()
                    .filter(|(k, _)| sticky(k) == keep)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            assert_eq!(
                split(&post_slots[&tgt], true),
                split(&pre_slots[&tgt], true),
                "sticky settings of {tgt} moved"
            );
            assert_eq!(
                split(&post_slots[&src], true),
                split(&pre_slots[&src], true),
                "sticky settings of {src} moved"
            );
            assert_eq!(
                split(&post_slots[&tgt], false),
                split(&pre_slots[&src], false),
                "settings did not travel to {tgt}"
            );
            assert_eq!(
                split(&post_slots[&src], false),
                split(&pre_slots[&tgt], false),
                "settings did not travel to {src}"
            );
            // Swapping the same pair twice restores everything but the swap status and file keys.
            let mut again = after.clone();
            again.clear_faults();
            // Keys stored as files are reset by each swap on whichever slot the setting lands.
            let files = [&src, &tgt].iter().any(|s| {
                pre_slots[*s]
                    .config
                    .setting("AzureWebJobsSecretStorageType")
                    == Some("files")
            });
            if again.swap(&app, source, target).is_ok() {
                for (name, mut restored) in slot_views(&estate_view(&again), &app) {
                    let original = &pre_slots[&name];
                    restored.swap_status = original.swap_status.clone();
                    if files {
                        restored.keys = original.keys.clone();
                    }
                    assert_eq!(
                        &restored, original,
                        "swapping {src}/{tgt} twice did not restore {name}"
                    );
                }
            }
        }
    }
}

/// A deploy that auto swapped: the new release went to the auto swap target, and the target's
/// old release came back to the deployed slot.
fn check_auto_swap(
    before: &Estate,
    after: &Estate,
    events: &[Event],
    app: &str,
    slot: &str,
    release: usize,
) {
    let swapped = events.iter().any(|e| matches!(e, Event::Swapped { .. }));
    let deployed = after.slot(app, slot).expect("deployed slot");
    let Some(target) = before
        .slot(app, slot)
        .expect("slot")
        .auto_swap_slot_name()
        .filter(|_| swapped)
    else {
        assert_eq!(deployed.release_id(), Some(format!("r{release}").as_str()));
        return;
    };
    assert_eq!(
        after.slot(app, target).expect("target").release_id(),
        Some(format!("r{release}").as_str())
    );
    assert_eq!(
        deployed.release_id(),
        before.slot(app, target).expect("target").release_id()
    );
}

/// Invariant 4: preview then cancel changes nothing; preview then complete equals a plain swap.
fn check_preview_equivalences(before: &Estate, app: &str, source: &str, target: &str) {
    if before.app(app).expect("app").pending_preview().is_some() {
        return;
    }
    let mut previewed = before.clone();
    if previewed.swap_preview_apply(app, source, target).is_err() {
        return;
    }
    let mut cancelled = previewed.clone();
    cancelled
        .swap_preview_reset(app)
        .expect("a pending preview can be reset");
    assert_eq!(
        estate_view(&cancelled),
        estate_view(before),
        "preview then cancel changed the estate"
    );

    let completed = previewed
        .swap_preview_complete(app)
        .map(|_| ())
        .map_err(|e| e.kind());
    let mut plain = before.clone();
    let swapped = plain
        .swap(app, source, target)
        .map(|_| ())
        .map_err(|e| e.kind());
    assert_eq!(
        completed, swapped,
        "preview+complete and a plain swap disagree"
    );
    assert_eq!(
        estate_view(&previewed),
        estate_view(&plain),
        "preview+complete differs from a plain swap"
    );
}

prop_state_machine! {
    #![proptest_config(Config { cases: slotdrill_test_support::proptest_cases(256), max_shrink_iters: 4096, failure_persistence: None, .. Config::default() })]

    #[test]
    fn swaps_match_the_reference_and_keep_the_invariants(sequential 1..50 => SlotModel);
}
