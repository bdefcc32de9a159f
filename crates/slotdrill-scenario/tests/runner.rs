//! Runner behaviours the bundled drills do not show: warnings, expectations that break, and
//! regressions found by `slotdrill explore`.

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
                "a warning about “DB_CONNECTION: production `orders-db`, deploy `staging-db`”"
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
