//! Rollback safety through `slotdrill serve`, as an operator's bad day brings it, on an estate
//! where nothing identifies the releases: a lost swap answer, then the same command again; a
//! 409 while another operation holds the site; a finished journal reused for the next incident.
//! What production runs is read from the emulator's own state (`/_slotdrill/state`), never from
//! the engine's output.

mod common;

use std::process::Stdio;

use common::{Server, arm, release_v2, serve, serve_estate, slotdrill, text};
use serde_json::json;

const UNLABELLED: &str = "tests/data/unlabelled-estate.toml";

fn production_release(server: &Server) -> String {
    let state = arm(server, "GET", "/_slotdrill/state", None);
    state["apps"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["name"] == "production")
        .and_then(|s| s["release"].as_str())
        .expect("production's release")
        .to_owned()
}

fn inject(server: &Server, fault: serde_json::Value) {
    let armed = arm(server, "POST", "/_slotdrill/faults", Some(fault.clone()));
    assert_eq!(armed["faults"], json!([fault]), "armed");
}

fn full_rollback(journal: &str) -> [&str; 8] {
    [
        "rollback",
        "--faulty",
        "orders/SendInvoice",
        "--mode",
        "full",
        "--apply",
        "--journal",
        journal,
    ]
}

/// The incident: `serve` on the unlabelled estate with v2 swapped into production, `fault`
/// armed, and a journal path in a temporary directory (kept alive by the returned guard).
fn incident(fault: serde_json::Value) -> (Server, tempfile::TempDir, String) {
    let server = serve_estate(UNLABELLED, &[], Stdio::null());
    release_v2(&server);
    assert_eq!(production_release(&server), "v2");
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir
        .path()
        .join("rollback.jsonl")
        .to_str()
        .expect("utf-8 path")
        .to_owned();
    inject(&server, fault);
    (server, dir, journal)
}

#[test]
fn a_lost_swap_answer_then_the_same_command_again_swaps_exactly_once() {
    let (server, _dir, journal) = incident(json!({ "kind": "swap_answer_lost", "app": "orders" }));
    let journal = journal.as_str();

    let first = slotdrill(&server, &full_rollback(journal));
    assert_eq!(first.status.code(), Some(1), "no answer: {}", text(&first));
    // Run again at once: the swap is still running, nothing shows it done or not done, so the
    // engine stops and says what it saw rather than swap again or claim done.
    let at_once = slotdrill(&server, &full_rollback(journal));
    assert_eq!(at_once.status.code(), Some(1), "{}", text(&at_once));
    assert!(
        text(&at_once).contains("cannot tell whether it took effect"),
        "{}",
        text(&at_once)
    );
    // The operator looks into it for a minute; meanwhile the platform finishes the swap.
    arm(&server, "POST", "/_slotdrill/advance?ms=60000", None);
    assert_eq!(
        production_release(&server),
        "v1",
        "the swap ran all the same: {}",
        text(&first)
    );

    let again = slotdrill(&server, &full_rollback(journal));
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("0 step(s) performed, 1 already done"),
        "{}",
        text(&again)
    );
    assert_eq!(
        production_release(&server),
        "v1",
        "not swapped a second time, which would put v2 back"
    );
}

/// The busy 409 ("another operation is in progress") is retried by the client with bounded
/// backoff, so one command rolls back; the fault being used up shows the 409 was served.
#[test]
fn a_swap_refused_while_another_operation_runs_is_retried_and_rolled_back() {
    let (server, _dir, journal) = incident(json!({ "kind": "swap_conflict", "app": "orders" }));
    let output = slotdrill(&server, &full_rollback(&journal));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let faults = arm(&server, "GET", "/_slotdrill/faults", None);
    assert_eq!(faults["faults"], json!([]), "the 409 was served: {faults}");
    assert_eq!(production_release(&server), "v1");
}

#[test]
fn a_resume_keeps_its_mode_and_answers_in_the_format_asked_for() {
    let (server, _dir, journal) = incident(json!({ "kind": "swap_answer_lost", "app": "orders" }));
    let journal = journal.as_str();
    let first = slotdrill(&server, &full_rollback(journal));
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    arm(&server, "POST", "/_slotdrill/advance?ms=60000", None);

    let mut other_mode = full_rollback(journal).to_vec();
    other_mode[4] = "partial";
    let refused = slotdrill(&server, &other_mode);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("not partial: resume it without --mode"),
        "{}",
        text(&refused)
    );

    let mut as_json = full_rollback(journal).to_vec();
    as_json.extend(["--format", "json"]);
    let resumed = slotdrill(&server, &as_json);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&stdout[stdout.find("{\n  \"applied\"").expect("the apply report")..])
            .expect("JSON");
    assert_eq!(report["resumed"], true);
    assert_eq!(report["applied"]["already_done"], json!([0]));
}

/// A journal is one incident's: after a finished full rollback, the bad release is swapped in
/// again and the same command is run with the same journal. It must not report the old
/// rollback as done (exit 0 with the bad release live); it refuses with exit 2 and a new path.
#[test]
fn a_finished_journal_is_refused_for_the_next_incident() {
    let server = serve();
    release_v2(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("rollback.jsonl");
    let journal = journal.to_str().expect("utf-8 path");
    let args = full_rollback(journal);
    let first = slotdrill(&server, &args);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    release_v2(&server);
    let again = slotdrill(&server, &args);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("records a finished full rollback")
            && stderr.contains("pass a new --journal path")
            && stderr.contains("rollback-"),
        "{stderr}"
    );
}
