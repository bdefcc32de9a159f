//! Invariants 5–9 of ARCHITECTURE.md over random estates, releases, faulty-function sets and modes:
//! every call resolves; a full rollback restores the release from before the swap; a partial
//! one moves exactly the callers of the faulty functions to a slot that serves the previous
//! good release with a valid key; restore is exact; a crash at any journal record resumes to
//! the same state without applying a step twice.

mod support;

use proptest::prelude::*;
use slotdrill_engine::{
    Decision, DiagnoseConfig, EngineError, Journal, Policy, Record, Refusal, apply, diagnose,
    observe, plan, restore, resume,
};
use support::random::{
    build, calls, definitions, expected_decision, function, served, spec, state,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: slotdrill_test_support::proptest_cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rollbacks_keep_invariants_5_to_9(spec in spec()) {
        let emulator = build(&spec);
        let original = definitions(&emulator);
        let observation = observe(&emulator).expect("observe");
        let diagnosis = diagnose(&emulator, &observation, &DiagnoseConfig::default()).expect("diagnose");
        let faulty: Vec<String> = spec.broken.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| format!("orders/{}", function(i))).collect();
        prop_assert_eq!(&diagnosis.faulty().iter().map(|(a, f)| format!("{a}/{f}")).collect::<Vec<_>>(), &faulty);
        let plan = plan(&observation, &diagnosis, &Policy { mode: spec.mode, ..Policy::default() });
        // Every decision is judged against what the generated estate calls for: an engine that
        // refused everything, or chose the wrong mode, fails here.
        prop_assert_eq!(plan.decision.label(), expected_decision(&spec), "{}", plan);
        if spec.previous_bad {
            let Decision::Refused(reasons) = &plan.decision else { unreachable!("checked above") };
            prop_assert!(matches!(reasons.as_slice(), [Refusal::NoGoodRelease { .. }]), "{}", plan);
            prop_assert!(plan.steps.is_empty());
            return Ok(());
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("journal.jsonl");
        apply(&emulator, &plan, &path, None).expect("applies");
        let applied = state(&emulator);

        // 5: every call of every workflow resolves (the model's callers).
        emulator.read(|e| {
            for caller in e.callers() {
                assert!(e.resolve(&caller.target).is_ok(), "{} does not resolve", caller.id);
            }
        });
        // 6 and 7, from the data plane: which slot and release answered each call.
        let calls = calls(&spec);
        let served = served(&emulator);
        prop_assert_eq!(served.len(), calls.len(), "every call was answered: {:?}", served);
        for (action, f) in &calls {
            let (slot, release, code) = &served[action];
            let moved = plan.decision == Decision::Partial && spec.broken[*f];
            let (want_slot, want_release) = match plan.decision {
                // 6: production serves the release it served before the last swap.
                Decision::Full => ("production", "good"),
                // 7: exactly the callers of faulty functions moved, to the previous good release.
                _ if moved => ("deploy", "good"),
                _ => ("production", "new"),
            };
            prop_assert_eq!(slot.as_str(), want_slot, "{} (calls {})", action, function(*f));
            prop_assert_eq!(release.as_deref(), Some(want_release), "{}", action);
            prop_assert_eq!(code.as_str(), "OK", "{} succeeds with a valid key", action);
        }
        if plan.decision == Decision::Partial {
            // 8: restore is exact.
            restore(&emulator, &path, None).expect("restores");
            prop_assert_eq!(definitions(&emulator), original.clone());
        }

        // 9: a crash after journal record k, then a resume, ends in the same state.
        let crashed = build(&spec);
        let crash_dir = tempfile::tempdir().expect("temp dir");
        let crash_path = crash_dir.path().join("journal.jsonl");
        let mut seen = 0usize;
        let mut stop = |_: &Record| { seen += 1; seen < spec.crash_after };
        if apply(&crashed, &plan, &crash_path, Some(&mut stop)).is_err() {
            let finished = Journal::read(&crash_path).expect("journal").last() == Some(&Record::Finished);
            match resume(&crashed, &crash_path, None) {
                Ok(_) => prop_assert!(!finished, "a finished journal was resumed"),
                // A crash after the last record: the rollback finished and must not run again.
                Err(EngineError::JournalFinished { .. }) => prop_assert!(finished),
                Err(e) => prop_assert!(false, "resume failed: {e}"),
            }
        }
        prop_assert_eq!(state(&crashed), applied);
    }
}
