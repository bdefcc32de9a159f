//! Rollback safety on an estate whose releases nothing identifies (no label setting, no
//! deployment record, no package URL: the normal case on Azure): a refused swap, a lost swap
//! answer and a crash at every journal record are resumed by what the estate shows, never by
//! the absence of facts; a finished journal is not reused; a torn last record is tolerated.
//! Every verdict is taken from the emulator's ground truth (what production serves).

mod support;

use std::path::Path;

use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    ApplyOptions, Cloud, CloudError, EngineError, Journal, Mode, Plan, Policy, Record,
    RollbackRequest, VerifyOptions, apply, resume, rollback,
};
use support::faulty::{Faulty, WriteFault};
use support::{estate, journal, traffic};

/// The emulator as Azure shows an estate with nothing identifying its releases.
fn unlabelled(emulator: &Emulator) -> Faulty<'_> {
    Faulty::new(emulator, true, &[])
}

/// Arms `fault` for the next write (here, the swap back).
fn next_swap(cloud: &Faulty<'_>, fault: WriteFault) {
    cloud.faults.borrow_mut().push_back(fault);
}

/// What production serves: the data plane's truth, not the engine's records.
fn production_release(emulator: &Emulator) -> String {
    emulator.read(|e| {
        e.slot("orders", "production")
            .expect("production")
            .release_id()
            .unwrap_or_default()
            .to_owned()
    })
}

/// Production on v3 (most functions broken), deploy on v1: a full rollback is due.
fn incident() -> Emulator {
    let emulator = estate("v1", "v3");
    traffic(&emulator, 3);
    emulator
}

fn full_plan(cloud: &dyn Cloud) -> Plan {
    let observation = slotdrill_engine::observe(cloud).expect("observe");
    let diagnosis =
        slotdrill_engine::diagnose(cloud, &observation, &Default::default()).expect("diagnose");
    let plan = slotdrill_engine::plan(
        &observation,
        &diagnosis,
        &Policy {
            mode: Mode::Full,
            ..Policy::default()
        },
    );
    assert_eq!(plan.steps.len(), 1, "{plan}");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("nothing identifies the releases")),
        "the plan says that nothing identifies the releases: {plan}"
    );
    plan
}

#[test]
fn a_full_rollback_refused_with_409_is_swapped_when_resumed() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let plan = full_plan(&cloud);
    let (_dir, path) = journal();
    next_swap(&cloud, WriteFault::Conflict);
    let error = apply(&cloud, &plan, &path, None).expect_err("409");
    assert!(
        matches!(error, EngineError::Cloud(CloudError::Conflict { .. })),
        "{error}"
    );
    assert_eq!(production_release(&emulator), "v3", "nothing swapped yet");

    let (_, report) = resume(&cloud, &path, None).expect("resumes");
    assert_eq!(report.performed, [0], "the swap is performed, not assumed");
    assert_eq!(
        production_release(&emulator),
        "v1",
        "production serves v1 again"
    );
    assert_eq!(cloud.swaps.get(), 1);
}

#[test]
fn a_lost_swap_answer_is_judged_by_slot_swap_status() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let plan = full_plan(&cloud);
    let (_dir, path) = journal();
    next_swap(&cloud, WriteFault::LostAfter);
    let error = apply(&cloud, &plan, &path, None).expect_err("no answer");
    assert!(
        matches!(error, EngineError::Cloud(CloudError::NoAnswer(_))),
        "{error}"
    );

    let (_, report) = resume(&cloud, &path, None).expect("resumes");
    assert_eq!(report.already_done, [0], "found done in slotSwapStatus");
    assert_eq!(
        cloud.swaps.get(),
        1,
        "not swapped twice (which would swap back)"
    );
    assert_eq!(production_release(&emulator), "v1");
    let records = Journal::read(&path).expect("journal");
    let evidence = records.iter().find_map(|r| match r {
        Record::Done { after, .. } => after["evidence"].as_str().map(str::to_owned),
        _ => None,
    });
    assert!(
        evidence
            .as_deref()
            .is_some_and(|e| e.contains("slotSwapStatus")),
        "{evidence:?}"
    );
}

#[test]
fn a_lost_swap_request_on_an_unlabelled_estate_stops_the_resume_with_what_it_saw() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let plan = full_plan(&cloud);
    let (_dir, path) = journal();
    next_swap(&cloud, WriteFault::LostBefore);
    apply(&cloud, &plan, &path, None).expect_err("no answer");

    let error = resume(&cloud, &path, None).expect_err("cannot tell");
    let EngineError::CannotTell { saw, check, .. } = &error else {
        panic!("expected CannotTell, got {error}");
    };
    assert!(saw.contains("slotSwapStatus deploy → production"), "{saw}");
    assert!(check.contains("new --journal"), "{check}");
    assert_eq!(
        production_release(&emulator),
        "v3",
        "the engine did not guess"
    );
    assert_eq!(cloud.swaps.get(), 0);
}

#[test]
fn a_crash_after_any_journal_record_of_an_unlabelled_full_rollback_ends_swapped_once() {
    let reference = incident();
    let plan = full_plan(&unlabelled(&reference));
    let (_dir, path) = journal();
    apply(&unlabelled(&reference), &plan, &path, None).expect("uninterrupted");
    let records = Journal::read(&path).expect("journal").len();
    assert_eq!(records, 4, "plan, begin, done, finished");
    for stop_after in 1..=records {
        let emulator = incident();
        let cloud = unlabelled(&emulator);
        let (_dir, path) = journal();
        let mut seen = 0;
        let mut crash = |_: &Record| {
            seen += 1;
            seen < stop_after
        };
        apply(&cloud, &plan, &path, Some(&mut crash)).expect_err("crashed");
        let resumed = resume(&cloud, &path, None);
        if stop_after == records {
            // Killed after `finished`: the rollback is done and is not run again.
            assert!(
                matches!(resumed, Err(EngineError::JournalFinished { .. })),
                "{resumed:?}"
            );
            assert_eq!(production_release(&emulator), "v1");
            assert_eq!(cloud.swaps.get(), 1);
            continue;
        }
        if stop_after == 2 {
            // Killed between the begin record and the swap: on an unlabelled estate nothing
            // shows whether the swap was sent, so the resume stops rather than guess.
            assert!(
                matches!(resumed, Err(EngineError::CannotTell { step: 0, .. })),
                "{resumed:?}"
            );
            assert_eq!(production_release(&emulator), "v3");
            assert_eq!(cloud.swaps.get(), 0);
            continue;
        }
        assert!(
            resumed.is_ok(),
            "stopped after record {stop_after}: {resumed:?}"
        );
        assert_eq!(
            production_release(&emulator),
            "v1",
            "after record {stop_after}"
        );
        assert_eq!(
            cloud.swaps.get(),
            1,
            "after record {stop_after}: swapped once"
        );
    }
}

#[test]
fn a_finished_journal_is_not_reused_for_the_next_incident() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let plan = full_plan(&cloud);
    let (_dir, path) = journal();
    apply(&cloud, &plan, &path, None).expect("rolled back");
    // The next incident: the bad release is swapped in again.
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    assert_eq!(production_release(&emulator), "v3");
    let error = resume(&cloud, &path, None).expect_err("finished");
    assert!(
        matches!(error, EngineError::JournalFinished { steps: 1, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("pass a new --journal"),
        "{error}"
    );
    let error = apply(&cloud, &plan, &path, None).expect_err("a journal is one rollback's");
    assert!(matches!(error, EngineError::Journal { .. }), "{error}");
    assert_eq!(
        production_release(&emulator),
        "v3",
        "nothing claimed, nothing done"
    );
}

fn tear_last_record(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("journal");
    let cut = text.trim_end().rfind('\n').expect("two lines") + 1 + 10;
    std::fs::write(path, &text[..cut]).expect("torn");
    text[..cut].lines().count()
}

#[test]
fn a_torn_last_record_is_ignored_with_a_warning_and_the_next_starts_on_its_own_line() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let plan = full_plan(&cloud);
    let (_dir, path) = journal();
    let mut seen = 0;
    // Plan, begin and done written, then the done record is torn by a crash mid-write.
    let mut crash = |_: &Record| {
        seen += 1;
        seen < 3
    };
    apply(&cloud, &plan, &path, Some(&mut crash)).expect_err("crashed");
    assert_eq!(tear_last_record(&path), 3);

    let (_, report) = resume(&cloud, &path, None).expect("resumes despite the torn record");
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("torn last record at line 3"));
    assert_eq!(
        report.already_done,
        [0],
        "the swap is found done in slotSwapStatus"
    );
    assert_eq!(production_release(&emulator), "v1");
    let records = Journal::read(&path).expect("every line reads back");
    assert_eq!(records.first(), Some(&Record::Plan { plan: plan.clone() }));
    assert_eq!(records.last(), Some(&Record::Finished));
}

#[test]
fn a_resume_verifies_as_a_fresh_rollback_does() {
    let emulator = incident();
    let cloud = unlabelled(&emulator);
    let (_dir, path) = journal();
    next_swap(&cloud, WriteFault::Conflict);
    let request = |journal| RollbackRequest {
        mode: Some(Mode::Full),
        policy: Policy::default(),
        diagnose: Default::default(),
        faulty: Vec::new(),
        planner: slotdrill_engine::plan,
        apply: Some(ApplyOptions {
            journal,
            interrupt: None,
        }),
        verify: VerifyOptions {
            samples: 3,
            trigger: true,
        },
    };
    rollback(&cloud, request(&path), &mut |_, _| {}).expect_err("409");
    let resumed = rollback(&cloud, request(&path), &mut |_, _| {}).expect("resumed");
    assert!(resumed.resumed);
    let verified = resumed.verified.expect("verified");
    assert!(verified.ok(), "{verified:?}");
    assert!(
        verified
            .checks
            .iter()
            .any(|c| c.what.contains("production")),
        "the faulty functions were probed on production: {verified:?}"
    );
}
