//! `explore::rehearse` reports a broken invariant with the steps that reproduce it (the
//! generated operations never delete a slot; a hand-written one shows the release check fires),
//! and `explore` finds a planner that is wrong on purpose, shrinks the case and writes a drill
//! that reproduces it with that planner and passes with the engine's own.

use std::path::Path;

use slotdrill_engine::{Diagnosis, Observation, Plan, Planner, Policy, StepAction};
use slotdrill_scenario::Drill;
use slotdrill_scenario::explore::{Faults, Op, Summary, explore, rehearse};

fn op(kind: &str, step: &str) -> Op {
    Op {
        kind: kind.to_owned(),
        steps: vec![step.to_owned()],
    }
}

#[test]
fn a_fault_list_is_read_by_name_and_an_unknown_name_is_refused() {
    let some = Faults::parse(" warmup, crash ").expect("known names");
    assert_eq!(
        (some.warmup, some.restart, some.throttle, some.crash),
        (true, false, false, true)
    );
    assert_eq!(
        Faults::parse("none").expect("none"),
        Faults::parse("").expect("empty")
    );
    let unknown = Faults::parse("warmup,fire").expect_err("fire is not a fault");
    assert_eq!(unknown.0, "fire");
    assert_eq!(
        unknown.to_string(),
        "unknown fault `fire`; expected warmup, restart, throttle, crash or none"
    );
}

#[test]
fn a_release_lost_without_a_deploy_is_a_finding() {
    let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/orders.toml");
    let ops = [
        op("run", r#"run = { logic_app = "order-flow", times = 1 }"#),
        op(
            "delete_slot",
            r#"delete_slot = { app = "orders", slot = "deploy" }"#,
        ),
    ];
    let finding = rehearse(&estate, 7, &ops).expect_err("v2 is gone");
    assert!(
        finding
            .reason
            .starts_with("releases held changed without a deploy"),
        "{}",
        finding.reason
    );
    assert_eq!(finding.steps.len(), 2, "{:?}", finding.steps);
}

/// A planner that is wrong on purpose, in a way the engine's own verification cannot see: a
/// partial rollback names the deploy slot but writes production's host name into the calls, so
/// the probes of the deploy slot pass while the callers still reach the faulty code. (A planner
/// that names production outright is caught by verification, which probes what the plan moved.)
/// `explore` must find it.
fn repoints_at_production(
    observation: &Observation,
    diagnosis: &Diagnosis,
    policy: &Policy,
) -> Plan {
    let mut plan = slotdrill_engine::plan(observation, diagnosis, policy);
    for step in &mut plan.steps {
        if let StepAction::Repoint { actions, .. } = &mut step.action {
            for action in actions {
                let production = observation
                    .app(&action.app)
                    .and_then(|a| a.slot("production"))
                    .expect("production");
                action.host = production.host_name.clone();
            }
        }
    }
    plan
}

fn bundled(name: &str) -> std::path::PathBuf {
    Path::new(slotdrill_test_support::WORKSPACE_ROOT)
        .join("scenarios")
        .join(name)
}

fn explore_with(planner: Planner, seed: u64, out: &Path) -> Summary {
    explore(
        &bundled("02-partial-rollback.toml"),
        300,
        12,
        seed,
        &Faults::all(),
        out,
        &mut |_| {},
        planner,
        2,
    )
    .expect("explores")
}

#[test]
fn a_wrong_planner_is_found_shrunk_and_reproduced() {
    let out = tempfile::tempdir().expect("tempdir");
    let summary = explore_with(repoints_at_production, 3, out.path());
    let (finding, drill) = summary.failure.expect("the wrong plan is found");
    assert!(
        finding.reason.contains("after a partial rollback"),
        "{}",
        finding.reason
    );
    assert!(
        drill.ends_with("explore-02-partial-rollback-seed3.toml"),
        "{drill}"
    );
    let text = std::fs::read_to_string(&drill).expect("written");
    // Shrunk: a swap, the rollback, then the run and expectation that show the damage.
    let steps = text.matches("[[step]]").count();
    assert!(steps <= 6, "not shrunk ({steps} steps):\n{text}");

    let report = |planner: Planner| {
        Drill::load(Path::new(&drill), None)
            .expect("the written drill loads")
            .with_planner(planner)
            .run()
    };
    let wrong = report(repoints_at_production);
    assert!(!wrong.passed, "the drill reproduces the finding");
    let broken: Vec<_> = wrong.expectations.iter().filter(|e| !e.passed).collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(
        finding.reason.contains(&broken[0].description),
        "{:?} vs {}",
        broken[0],
        finding.reason
    );
    assert!(
        report(slotdrill_engine::plan).passed,
        "the engine's own planner passes"
    );
}

#[test]
fn the_same_seed_finds_the_same_case_and_writes_the_same_file() {
    let (first, second) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let findings: Vec<(String, Vec<u8>)> = [first.path(), second.path()]
        .iter()
        .map(|dir| {
            let summary = explore_with(repoints_at_production, 11, dir);
            let (finding, drill) = summary.failure.expect("found");
            (finding.reason, std::fs::read(drill).expect("written"))
        })
        .collect();
    assert_eq!(findings[0], findings[1]);
}

/// Wrong on purpose and plainly so: the plan repoints the callers at production.
fn names_production(observation: &Observation, diagnosis: &Diagnosis, policy: &Policy) -> Plan {
    let mut plan = repoints_at_production(observation, diagnosis, policy);
    for step in &mut plan.steps {
        if let StepAction::Repoint { actions, .. } = &mut step.action {
            for action in actions {
                action.slot = "production".to_owned();
            }
        }
    }
    plan
}

#[test]
fn verification_fails_a_rollback_that_moved_callers_to_the_faulty_code() {
    let drill = Drill::load(&bundled("02-partial-rollback.toml"), None).expect("loads");
    let report = drill.with_planner(names_production).run();
    let rollback = report
        .steps
        .iter()
        .find(|s| s.kind == "rollback")
        .expect("a rollback step");
    assert_eq!(rollback.outcome, "failed", "{rollback:?}");
    assert_eq!(
        rollback.error_kind.as_deref(),
        Some("verify_failed"),
        "{rollback:?}"
    );
    assert!(
        rollback
            .summary
            .contains("orders/production/SendInvoice answers"),
        "{}",
        rollback.summary
    );
}

/// Issue 18: `--faults` without `crash` (the README's own example) panicked in proptest
/// (`option::weighted(0.0, …)`) for every estate; so did `--faults none`.
#[test]
fn every_fault_list_explores_without_panicking() {
    let out = tempfile::tempdir().expect("tempdir");
    for list in [
        "warmup,throttle",
        "none",
        "restart",
        "crash",
        "warmup,restart,throttle,crash",
    ] {
        let faults = Faults::parse(list).expect("a valid list");
        let summary = explore(
            &bundled("02-partial-rollback.toml"),
            20,
            8,
            1,
            &faults,
            out.path(),
            &mut |_| {},
            slotdrill_engine::plan,
            1,
        )
        .expect("explores");
        assert!(summary.failure.is_none(), "{list}: {:?}", summary.failure);
        assert_eq!(summary.cases, 20, "{list}");
    }
}

/// Issue 19: cases are rehearsed on several threads. The same seed must still give the same
/// cases, counts and shrunk finding, and the same drill byte for byte, with one worker or two.
#[test]
fn one_worker_or_two_find_the_same_case_and_write_the_same_file() {
    let run = |workers: usize| {
        let out = tempfile::tempdir().expect("tempdir");
        let summary = explore(
            &bundled("02-partial-rollback.toml"),
            300,
            12,
            11,
            &Faults::all(),
            out.path(),
            &mut |_| {},
            repoints_at_production,
            workers,
        )
        .expect("explores");
        let (finding, drill) = summary.failure.expect("found");
        let written = std::fs::read(drill).expect("written");
        (
            summary.cases,
            summary.steps,
            summary.operations,
            finding,
            written,
        )
    };
    let one = run(1);
    assert!(
        one.0 > 1,
        "the failing case was shrunk: {} rehearsals",
        one.0
    );
    assert_eq!(one, run(2));
}

/// Issue 19: with no failure, one worker or two rehearse the same cases in the same order:
/// the counts match, and each worker count reports the cases in order to `progress`.
#[test]
fn one_worker_or_two_rehearse_the_same_cases() {
    let run = |workers: usize| {
        let out = tempfile::tempdir().expect("tempdir");
        let mut heard = Vec::new();
        let summary = explore(
            &bundled("03-three-workflows.toml"),
            60,
            12,
            21,
            &Faults::all(),
            out.path(),
            &mut |done| heard.push(done),
            slotdrill_engine::plan,
            workers,
        )
        .expect("explores");
        assert!(summary.failure.is_none(), "{:?}", summary.failure);
        assert_eq!(heard, (1..=60).collect::<Vec<u32>>());
        (summary.cases, summary.steps, summary.operations)
    };
    assert_eq!(run(1), run(2));
}
