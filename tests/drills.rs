//! The bundled drills: each one's text and JSON report is a reviewed snapshot, and running a
//! drill twice gives byte-identical reports (invariant 11).

use std::path::Path;

use slotdrill_test_support::bundled_drills as drills;

use slotdrill_scenario::{RunReport, run_drill};

#[test]
fn the_library_has_at_least_fourteen_drills_each_with_a_header() {
    let files = drills();
    assert!(files.len() >= 14, "{} drills", files.len());
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        assert!(
            text.starts_with('#'),
            "{} starts with a comment saying what it teaches",
            file.display()
        );
    }
}

#[test]
fn every_bundled_drill_passes_with_reviewed_reports() {
    for file in drills() {
        let report = RunReport::new(vec![
            run_drill(&file, None).unwrap_or_else(|e| panic!("{e}")),
        ]);
        let name = file
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        assert!(report.drills[0].passed, "{}", report.text(false));
        insta::assert_snapshot!(format!("{name}.text"), report.text(false));
        insta::assert_snapshot!(format!("{name}.json"), report.json());
    }
}

/// JUnit's `time` attributes are wall-clock seconds, the one value in any report that is not
/// the same per seed: they are normalised away before JUnit reports are compared.
fn without_wall_time(junit: &str) -> String {
    let mut out = String::new();
    let mut rest = junit;
    while let Some(at) = rest.find(" time=\"") {
        let value = at + " time=\"".len();
        out.push_str(&rest[..value]);
        out.push('T');
        rest = rest[value..]
            .find('"')
            .map_or("", |end| &rest[value + end..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn the_same_drill_and_seed_give_byte_identical_reports() {
    for file in drills() {
        let once = RunReport::new(vec![run_drill(&file, None).expect("runs")]);
        let twice = RunReport::new(vec![run_drill(&file, None).expect("runs")]);
        assert_eq!(
            once.json(),
            twice.json(),
            "{} is not deterministic",
            file.display()
        );
        assert_eq!(once.text(false), twice.text(false), "{}", file.display());
        assert_eq!(
            slotdrill_scenario::html::page(&once),
            slotdrill_scenario::html::page(&twice),
            "{}",
            file.display()
        );
        assert_eq!(
            without_wall_time(&once.junit()),
            without_wall_time(&twice.junit()),
            "{}: JUnit differs beyond its wall-clock `time`",
            file.display()
        );
        assert!(
            once.junit()
                .contains("<property name=\"virtual_seconds\" value=\""),
            "virtual time is a property"
        );
    }
    let canary = Path::new("scenarios/13-canary-routing.toml");
    let other_seed = RunReport::new(vec![run_drill(canary, Some(12345)).expect("runs")]).json();
    let same_seed = RunReport::new(vec![run_drill(canary, Some(12345)).expect("runs")]).json();
    assert_eq!(other_seed, same_seed);
    assert_ne!(
        other_seed,
        RunReport::new(vec![run_drill(canary, None).expect("runs")]).json(),
        "--seed changes the draws"
    );
}

#[test]
fn reports_hold_no_key() {
    let report = RunReport::new(
        drills()
            .iter()
            .map(|f| run_drill(f, None).expect("runs"))
            .collect(),
    );
    let json = report.json();
    // Keys are 56 characters ending in `==`; none may appear anywhere in a report.
    let suspicious = json
        .split('"')
        .filter(|s| s.len() == 56 && s.ends_with("=="))
        .count();
    assert_eq!(suspicious, 0);
    // Failed runs show their calls' URLs: a `code=` is there only as `code=[redacted]`.
    assert_eq!(
        json.matches("code=").count(),
        json.matches("code=[redacted]").count(),
        "no function URL with a key"
    );
    assert!(
        json.contains("code=[redacted]"),
        "failed calls' URLs are shown"
    );
}

/// The Standard drills (issue 21) put a slot's key in a Logic App's app setting: no rendering
/// of their reports holds any key of the estate, found exactly (the same seed gives the same
/// keys, so the loaded estate tells them).
#[test]
fn standard_drill_reports_hold_none_of_the_estates_keys() {
    for name in [
        "scenarios/19-standard-partial-rollback.toml",
        "scenarios/20-standard-function-connection.toml",
    ] {
        let path = Path::new(name);
        let loaded =
            slotdrill_scenario::load_estate(path, slotdrill_scenario::EmulatorConfig::default())
                .expect("loads");
        let keys: Vec<String> = loaded.emulator.read(|e| {
            e.apps()
                .flat_map(|app| {
                    let functions: Vec<String> = app
                        .releases()
                        .flat_map(|r| r.functions.keys().cloned())
                        .collect();
                    app.slots()
                        .flat_map(|slot| {
                            functions
                                .iter()
                                .map(|f| slot.keys().function_default(f).expose().to_owned())
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        });
        assert!(keys.len() >= 4, "{name}: {} keys", keys.len());
        // The keys the drill binds into app settings are among those searched for.
        let bound: Vec<String> = loaded
            .emulator
            .logic_app_names()
            .iter()
            .filter_map(|n| loaded.emulator.logic_app(n))
            .flat_map(|l| l.app_settings.into_values())
            .collect();
        assert!(
            !bound.is_empty() && bound.iter().all(|v| keys.contains(v)),
            "{name}: the bound keys are searched for"
        );
        let report = RunReport::new(vec![run_drill(path, None).expect("runs")]);
        assert!(report.drills[0].passed, "{name}");
        for rendered in [
            report.json(),
            report.text(false),
            report.junit(),
            slotdrill_scenario::html::page(&report),
        ] {
            for key in &keys {
                assert!(
                    !rendered.contains(key.as_str()),
                    "{name}: a key is in a report"
                );
            }
        }
    }
}
