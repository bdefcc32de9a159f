//! The product's promise as a property: over random estates, random rollbacks, random faults on
//! every write (409, 500, answers lost after or before the write) and a kill at a random journal
//! record, with verification probes on or off, an operator reruns the same command until it
//! stops failing. Whenever it reports success (the CLI's exit 0: applied and verified), the
//! data plane agrees: after a full
//! rollback production serves the previous release; after a partial one exactly the callers of
//! the faulty functions reach the deploy slot, which serves it, with a valid key. Judged by
//! calling the functions through the Logic Apps, never by the engine's own records.

mod support;

use proptest::prelude::*;
use slotdrill_engine::{
    ApplyOptions, Decision, EngineError, Policy, Record, RollbackRequest, VerifyOptions, rollback,
};
use support::faulty::{Faulty, WriteFault};
use support::random::{build, calls, function, served, spec};

/// Reruns of the same command an operator would try before giving up.
const ATTEMPTS: usize = 8;

proptest! {
    // 256 by default: the dangerous combinations (no release identity, probes off, a request
    // lost before it arrived) are a few percent of the cases, and 256 run in about two seconds.
    #![proptest_config(ProptestConfig { cases: slotdrill_test_support::proptest_cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_rollback_reported_done_is_done_on_the_data_plane(
        spec in spec(),
        unlabelled in any::<bool>(),
        faults in prop::collection::vec(0u8..5, 0..6),
        kill_at in prop::option::of(1usize..6),
        probes in any::<bool>(),
    ) {
        prop_assume!(!spec.previous_bad);
        let emulator = build(&spec);
        let faults: Vec<WriteFault> = faults.into_iter().map(WriteFault::from_index).collect();
        let cloud = Faulty::new(&emulator, unlabelled, &faults);
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = dir.path().join("rollback.jsonl");
        let mut claimed = None;
        let mut exit_zero = false;
        for attempt in 0..ATTEMPTS {
            let mut seen = 0usize;
            let mut kill = |_: &Record| {
                seen += 1;
                attempt > 0 || kill_at.is_none_or(|k| seen < k)
            };
            let request = RollbackRequest {
                mode: (attempt == 0).then_some(spec.mode),
                policy: Policy::default(),
                diagnose: Default::default(),
                faulty: Vec::new(),
                planner: slotdrill_engine::plan,
                apply: Some(ApplyOptions { journal: &journal, interrupt: Some(&mut kill) }),
                // Without probes (as against Azure unless asked), verification checks nothing and
                // only the engine's own judgement of each step stands between it and a false "done".
                verify: VerifyOptions { samples: if probes { 5 } else { 0 }, trigger: false },
            };
            match rollback(&cloud, request, &mut |_, _| {}) {
                Ok(done) => {
                    // The CLI's exit 0: not refused, and verified when something was applied
                    // (a plan with no step, say no caller of the faulty function, exits 0 too).
                    exit_zero = !done.plan.is_refused()
                        && done.verified.as_ref().is_none_or(|v| v.ok());
                    // Exit 0 needs a plan that rolls back, applied and verified.
                    if !done.plan.is_refused()
                        && !done.plan.steps.is_empty()
                        && done.verified.as_ref().is_some_and(|v| v.ok())
                    {
                        claimed = Some(done.plan.decision.clone());
                    }
                    break;
                }
                // The engine said it cannot tell, or that the write did not take: exit 1, the
                // operator is told what to check. Nothing is claimed.
                Err(EngineError::CannotTell { .. } | EngineError::PostconditionFailed { .. }) => break,
                Err(_) => continue,
            }
        }
        // Without faults or a kill the command succeeds: an engine that always failed would pass
        // the checks below vacuously.
        let calm = faults.iter().all(|f| *f == WriteFault::None) && kill_at.is_none();
        prop_assert!(exit_zero || !calm, "no fault, yet the command did not succeed");
        let Some(decision) = claimed else { return Ok(()) };
        let served = served(&emulator);
        let calls = calls(&spec);
        prop_assert_eq!(served.len(), calls.len(), "every call was answered: {:?}", served);
        for (action, f) in calls {
            let (slot, release, code) = &served[&action];
            let (want_slot, want_release) = match (&decision, spec.broken[f]) {
                (Decision::Full, _) => ("production", "good"),
                (_, true) => ("deploy", "good"),
                (_, false) => ("production", "new"),
            };
            prop_assert_eq!(slot.as_str(), want_slot, "{} (calls {}), {:?}", action, function(f), decision);
            prop_assert_eq!(release.as_deref(), Some(want_release), "{}", action);
            prop_assert_eq!(code.as_str(), "OK", "{}", action);
        }
        if decision == Decision::Full {
            // Exactly once: a second swap would have put the faulty release back.
            prop_assert_eq!(cloud.swaps.get(), 1, "swaps that reached the emulator");
        }
    }
}
