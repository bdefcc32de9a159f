//! Failed runs say why: a drill whose runs fail for a reason (a call answered 401 inside a
//! Scope; an expression naming no function inside a Foreach) reports, for each failed run, the
//! innermost failed actions with status, code and error — in text, in JSON (`runs[].actions[]`)
//! and in the HTML report — with every secret redacted. Reviewed snapshots.

use std::path::Path;

use slotdrill_scenario::{DrillReport, RunReport, html, run_drill};

fn drill() -> DrillReport {
    // Relative to the crate (cargo runs tests there), so the file named in the report is too.
    run_drill(
        Path::new("tests/data/drills/failed-runs-say-why.toml"),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The secrets the drill's workflows carry: the key in the URL, the bearer token, the callback
/// URL's signature.
const SECRETS: [&str; 3] = [
    "stale-key-from-a-wiki-page",
    "not-a-real-token",
    "callback-signature",
];

#[test]
fn the_text_report_shows_the_first_failure_of_each_kind_and_counts_the_rest() {
    let report = RunReport::new(vec![drill()]);
    let text = report.text(false);
    assert!(report.drills[0].passed, "{text}");
    let first = &report.drills[0].runs[0].run;
    assert!(
        text.contains(&format!(
            "ship-flow run {first} failed: Ship: Failed (401 from shop-api.azurewebsites.net/api/Ship)"
        )),
        "{text}"
    );
    assert!(
        text.contains("and 2 more runs failed the same way"),
        "{text}"
    );
    insta::assert_snapshot!("failed-runs.text", text);
}

#[test]
fn a_success_rate_expectation_says_why_the_runs_failed() {
    let drill = drill();
    assert_eq!(
        drill.expectations[0].detail,
        "0 of 3 runs succeeded (0%); the first failed: Ship: Failed (401 from shop-api.azurewebsites.net/api/Ship)"
    );
}

#[test]
fn the_json_report_lists_each_failed_runs_innermost_failed_actions() {
    let drill = drill();
    let ship = &drill.runs[0];
    assert_eq!(ship.status, "Failed");
    let names: Vec<&str> = ship.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["Ship"],
        "the Scope failed because of Ship: only Ship is shown"
    );
    assert_eq!(ship.actions[0].container, "Fulfil");
    assert_eq!(ship.actions[0].code, "Unauthorized");
    assert_eq!(ship.actions[0].outputs["statusCode"], 401);
    let label = &drill.runs[3];
    let labels: Vec<String> = label.actions.iter().map(|a| a.label()).collect();
    assert_eq!(labels, ["Label #0", "Label #1"], "both iterations failed");
    assert!(
        label.actions[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("noSuchFunction")),
        "{:?}",
        label.actions[0]
    );
    let runs = serde_json::to_string_pretty(&drill.runs).expect("JSON");
    insta::assert_snapshot!("failed-runs.json", runs);
}

#[test]
fn the_html_report_has_a_failed_runs_section() {
    let drill = drill();
    let fragment = html::failed_runs(&drill);
    assert!(fragment.contains("<h3>Failed runs</h3>"), "{fragment}");
    assert!(html::drill_page(&drill).contains(&fragment));
    insta::assert_snapshot!("failed-runs.html", fragment);
}

#[test]
fn no_report_holds_a_secret_and_the_same_seed_gives_the_same_bytes() {
    let report = RunReport::new(vec![drill()]);
    let all = [
        report.json(),
        report.text(false),
        report.junit(),
        html::page(&report),
    ];
    for shown in &all {
        for secret in SECRETS {
            assert!(!shown.contains(secret), "`{secret}` in a report");
        }
    }
    assert!(
        all[0].contains("code=[redacted]"),
        "the key's place is shown"
    );
    assert!(
        all[0]
            .to_ascii_lowercase()
            .contains("\"authorization\": \"[redacted]\""),
        "the header's place is shown"
    );
    assert!(all[0].contains("sig=[redacted]"));
    let again = RunReport::new(vec![drill()]);
    assert_eq!(report.json(), again.json());
    assert_eq!(report.text(false), again.text(false));
    assert_eq!(html::page(&report), html::page(&again));
}

#[test]
fn a_drill_whose_runs_succeed_has_no_failed_runs_section() {
    let drill = run_drill(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/drills/accepted-sticky-difference.toml"),
        None,
    )
    .expect("runs");
    assert!(
        drill
            .runs
            .iter()
            .all(|r| r.actions.is_empty() == r.succeeded)
    );
    if drill.runs.iter().all(|r| r.succeeded) {
        assert_eq!(html::failed_runs(&drill), "");
    }
}
