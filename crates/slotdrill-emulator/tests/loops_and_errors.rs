//! `Until` limits (count, timeout, the 5,000 cap), `Foreach` concurrency on the virtual clock,
//! and the codes and messages Azure's run history shows on failed actions.

mod common;

use common::runtime::{action, document, records, run, span};
use serde_json::json;
use slotdrill_emulator::Status;

#[test]
fn until_stops_at_its_timeout_count_or_the_default_sixty() {
    let emulator = common::emulator(8);
    let run = run(&emulator, "until-timeout.json", json!({}));
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    // Ten-minute naps with a 30-minute timeout: the third nap reaches it.
    assert_eq!(records(&run, "Nap").len(), 3);
    assert_eq!(span(&run, action(&run, "Poll")), (0, 1_800_000));
    let steps: Vec<_> = records(&run, "Step")
        .iter()
        .map(|a| a.outputs.clone())
        .collect();
    assert_eq!(steps, vec![json!(0), json!(1), json!(2), json!(3)]);
    assert_eq!(
        records(&run, "Tick").len(),
        60,
        "limit.count defaults to 60"
    );
}

#[test]
fn an_until_beyond_five_thousand_is_refused_when_saved() {
    let emulator = common::emulator(8);
    let refused = emulator
        .save_logic_app(
            "forever",
            document("until-cap.json", "forever", &[("COUNT", "5001")]),
            None,
        )
        .expect_err("refused");
    assert_eq!(
        refused.to_string(),
        "The template validation failed: 'The 'count' limit of action 'Forever' is not valid: minimum '1', maximum '5000' and actual '5001'.'."
    );
    assert!(emulator.logic_app("forever").is_none(), "nothing saved");
    emulator
        .save_logic_app(
            "capped",
            document("until-cap.json", "capped", &[("COUNT", "5000")]),
            None,
        )
        .expect("5,000 is allowed");
    let run = emulator.run("capped", json!({})).expect("runs");
    assert_eq!(records(&run, "Tick").len(), 5_000);
}

/// Iterations run in batches of the concurrency; a batch's iterations start together and the
/// next batch starts when its slowest ends.
#[test]
fn foreach_concurrency_on_the_virtual_clock() {
    let emulator = common::emulator(8);
    let run = run(
        &emulator,
        "foreach-concurrency.json",
        json!([1, 2, 3, 1, 2]),
    );
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    let spans = |name: &str| -> Vec<(u64, u64)> {
        records(&run, name).iter().map(|a| span(&run, a)).collect()
    };
    // Default concurrency 20: all five start at once.
    assert_eq!(spans("Nap_default"), vec![(0, 60_000); 5]);
    assert_eq!(span(&run, action(&run, "Default")), (0, 60_000));
    // Two at a time, each waiting its item in minutes: batches [1,2], [3,1], [2].
    let t = 60_000;
    assert_eq!(
        spans("Nap_two"),
        vec![
            (t, 2 * t),
            (t, 3 * t),
            (3 * t, 6 * t),
            (3 * t, 4 * t),
            (6 * t, 8 * t)
        ]
    );
    assert_eq!(span(&run, action(&run, "Two_at_a_time")), (t, 8 * t));
    // Sequential: one after the other.
    let starts: Vec<u64> = spans("Nap_one").iter().map(|s| s.0).collect();
    assert_eq!(starts, vec![8 * t, 9 * t, 10 * t, 11 * t, 12 * t]);
    // A Foreach inside a Foreach runs its iterations one at a time; the outer ones overlap.
    let inner = spans("Nap_inner");
    assert_eq!(inner.len(), 25);
    let first_outer: Vec<u64> = inner.iter().take(5).map(|s| s.0 - 13 * t).collect();
    assert_eq!(first_outer, vec![0, 1_000, 2_000, 3_000, 4_000]);
    assert_eq!(span(&run, action(&run, "Outer")), (13 * t, 13 * t + 5_000));
}

#[test]
fn foreach_concurrency_outside_one_to_fifty_is_refused() {
    let emulator = common::emulator(8);
    let mut doc = document("foreach-concurrency.json", "wide", &[]);
    doc.root["actions"]["Default"]["runtimeConfiguration"] =
        json!({ "concurrency": { "repetitions": 51 } });
    let doc =
        slotdrill_wdl::Document::from_value("wide.json", "wide", doc.root, None).expect("document");
    let refused = emulator
        .save_logic_app("wide", doc, None)
        .expect_err("refused");
    assert!(
        refused.to_string().contains("maximum '50' and actual '51'"),
        "{refused}"
    );
}

#[test]
fn failed_actions_carry_azures_codes_and_messages() {
    let emulator = common::emulator(8);
    let run = run(&emulator, "errors.json", json!({ "schemaId": "x" }));
    let compose = action(&run, "Compose");
    assert_eq!(
        (compose.status, compose.code.as_str()),
        (Status::Failed, "InvalidTemplate")
    );
    assert_eq!(
        compose.error.as_deref(),
        Some(
            "Unable to process template language expressions in action 'Compose' inputs at line '0' and column '0': 'The template language function 'foo' is not defined or not valid.'."
        )
    );
    let never = action(&run, "Never");
    assert_eq!(
        (never.status, never.code.as_str()),
        (Status::Skipped, "ActionSkipped")
    );
    let scope = action(&run, "Try");
    assert_eq!(
        (scope.status, scope.code.as_str()),
        (Status::Failed, "ActionFailed")
    );
    assert_eq!(
        scope.error.as_deref(),
        Some("An action failed. No dependent actions succeeded.")
    );
    // ARM's format() is not a Workflow Definition Language function.
    let format = action(&run, "Format");
    assert_eq!(format.code, "InvalidTemplate");
    assert!(
        format
            .error
            .as_deref()
            .is_some_and(|e| e.contains("'format' is not defined or not valid")),
        "{format:#?}"
    );
    let ship = action(&run, "Ship");
    assert_eq!(
        (ship.status, ship.code.as_str()),
        (Status::Failed, "Unauthorized")
    );
    assert_eq!(
        ship.error.as_deref(),
        Some("401 from orders.azurewebsites.net/api/SendInvoice")
    );
    // The run failed on Ship (nothing handles it), and its error names the first action that
    // failed on its own.
    assert_eq!(run.status, Status::Failed);
    let error = run.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("action `Compose` ended Failed: InvalidTemplate: Unable to process"),
        "{error}"
    );
}
