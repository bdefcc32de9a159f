//! Runner behaviours the bundled drills do not show: warnings, expectations that break,
//! regressions found by `slotdrill explore`, and forks of a loaded drill.

use std::path::Path;

use slotdrill_scenario::run_drill;

#[test]
fn warnings_can_be_expected_and_a_missing_one_breaks() {
    let report = run_drill(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/drills/accepted-sticky-difference.toml"),
        None,
    )
    .expect("runs");
    let held: Vec<(String, bool)> = report
        .expectations
        .iter()
        .map(|e| (e.description.clone(), e.passed))
        .collect();
    assert_eq!(
        held,
        vec![
            ("a partial plan".to_owned(), true),
            (
                "a warning about “DB_CONNECTION: different values in production and deploy”"
                    .to_owned(),
                true
            ),
            ("a warning about “no such warning”".to_owned(), false),
        ]
    );
    assert!(!report.passed);
    assert!(
        report.warnings[0].starts_with("repointed calls will run with `deploy`'s sticky settings"),
        "{:?}",
        report.warnings
    );
}

/// Drills `slotdrill explore` shrank from real engine bugs; each failed before its fix.
#[test]
fn explore_findings_stay_fixed() {
    for name in [
        "runs-before-the-swap.toml",
        "same-release-on-both-slots.toml",
    ] {
        let report = run_drill(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/drills")
                .join(name),
            None,
        )
        .expect("runs");
        let broken: Vec<&str> = report
            .expectations
            .iter()
            .filter(|e| !e.passed)
            .map(|e| e.description.as_str())
            .collect();
        assert!(report.passed, "{name}: broken {broken:?}");
        assert!(!report.expectations.is_empty(), "{name}");
    }
}

#[test]
fn a_fork_runs_as_a_fresh_load_does() {
    // Throttling and injected server errors draw on the estate's seeded random sequence.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/16-throttled-rollback-resume.toml");
    let loaded = slotdrill_scenario::Drill::load(&path, Some(5)).expect("loads");
    let fork = loaded.fork();
    let first = loaded.run();
    assert_eq!(
        fork.run(),
        first,
        "the fork shares nothing with the drill that ran"
    );
    assert_eq!(run_drill(&path, Some(5)).expect("runs"), first);
    assert_ne!(
        loaded.fork().run(),
        first,
        "a fork taken after the run starts where the run ended"
    );
}

/// Issue 17: a Consumption code view bound with keys, and a Standard workflow, each rolled back
/// partially; later runs must succeed (the first failed to load before the fix: it was read as
/// Standard; the second's runs failed: nothing set the key's app setting).
#[test]
fn logic_app_formats_roll_back_partially_and_later_runs_succeed() {
    for name in [
        "code-view-partial-rollback.toml",
        "standard-partial-rollback.toml",
        "standard-site.toml",
    ] {
        let report = run_drill(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/drills")
                .join(name),
            None,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let broken: Vec<&str> = report
            .expectations
            .iter()
            .filter(|e| !e.passed)
            .map(|e| e.description.as_str())
            .collect();
        assert!(report.passed && broken.is_empty(), "{name}: {broken:?}");
    }
}

/// The key a Standard rollback puts in the Logic App's app setting never reaches the report
/// (journal, runs, plans): the same seed gives the same keys, so the drill's estate tells it.
#[test]
fn a_standard_rollback_report_never_holds_the_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/drills/standard-partial-rollback.toml");
    let loaded =
        slotdrill_scenario::load_estate(&path, slotdrill_scenario::EmulatorConfig::default())
            .expect("loads");
    let key = loaded.emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .keys()
            .function_default("SendInvoice")
            .expose()
            .to_owned()
    });
    let report = run_drill(&path, None).expect("runs");
    assert!(report.passed);
    let report = slotdrill_scenario::RunReport::new(vec![report]);
    for rendered in [report.json(), report.text(false)] {
        assert!(
            !rendered.contains(&key),
            "the deploy slot's key is in the report"
        );
    }
}
