//! Issue 18, reports people rely on: an invalid drill in a directory is an error in every
//! format (not a vanished file), an empty drill file is invalid, a workflow beside drills is
//! skipped (or refused by name), a report file that cannot be written keeps the printed report
//! and exits 74, and JUnit's `time` is real seconds with virtual time as a property.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn slotdrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A directory holding a passing drill (with its workflow), an empty drill file, and a
/// workflow JSON beside the drills.
fn mixed_directory() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().to_path_buf();
    std::fs::create_dir(root.join("workflows")).expect("workflows/");
    std::fs::copy(
        "scenarios/01-full-rollback.toml",
        root.join("01-full-rollback.toml"),
    )
    .expect("drill copied");
    std::fs::copy(
        "scenarios/workflows/order-flow.json",
        root.join("workflows/order-flow.json"),
    )
    .expect("workflow copied");
    std::fs::copy(
        "scenarios/workflows/order-flow.json",
        root.join("order-flow.json"),
    )
    .expect("workflow beside the drills");
    std::fs::write(root.join("empty.toml"), "").expect("empty drill");
    (dir, root)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn an_invalid_drill_in_a_directory_is_an_error_in_every_format() {
    let (_dir, root) = mixed_directory();
    let output = slotdrill(&["run", path(&root)]);
    assert_eq!(output.status.code(), Some(2));
    let shown = text(&output.stdout);
    assert!(
        shown.contains("ERROR  ") && shown.contains("empty.toml"),
        "{shown}"
    );
    assert!(
        shown.ends_with("2 drills: 1 passed, 0 failed, 1 invalid (5 expectations, 0 broken)\n"),
        "{shown}"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no steps: a drill needs at least one [[step]]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: skipped ")
            && stderr.contains("order-flow.json: a Logic App workflow"),
        "the workflow beside the drills is skipped, and said to be: {stderr}"
    );
    assert!(!stderr.contains("unknown field `$schema`"), "{stderr}");

    let junit = slotdrill(&["run", path(&root), "--format", "junit"]);
    assert_eq!(junit.status.code(), Some(2));
    let xml = text(&junit.stdout);
    assert!(
        xml.contains("<testsuites name=\"slotdrill\" tests=\"2\" failures=\"0\" errors=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<error type=\"invalid drill\" message=\"")
            && xml.contains("empty.toml: no steps"),
        "{xml}"
    );

    let json = slotdrill(&["run", path(&root), "--format", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["summary"]["drills"], 2);
    assert_eq!(value["summary"]["invalid"], 1);
    assert!(
        value["invalid"][0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("empty.toml")),
        "{value}"
    );

    let html = root.join("report.html");
    let with_html = slotdrill(&["run", path(&root), "--html", path(&html)]);
    assert_eq!(with_html.status.code(), Some(2));
    let page = std::fs::read_to_string(&html).expect("the page");
    assert!(
        page.contains("class=\"invalid\"") && page.contains("empty.toml"),
        "the HTML report lists the invalid drill"
    );
}

#[test]
fn an_empty_drill_file_is_invalid_for_run_and_check() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "# nothing here yet\n").expect("written");
    for command in ["run", "check"] {
        let output = slotdrill(&[command, path(&empty)]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(
            text(&output.stderr).contains("no steps: a drill needs at least one [[step]]"),
            "{command}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn a_workflow_named_as_a_drill_is_said_to_look_like_a_workflow() {
    let output = slotdrill(&["check", "scenarios/workflows/order-flow.json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("order-flow.json: this looks like a Logic App workflow")
            && !stderr.contains("unknown field"),
        "{stderr}"
    );
}

#[test]
fn a_report_that_cannot_be_written_keeps_the_printed_report_and_exits_74() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let html = dir.path().join("no-such-dir").join("report.html");
    let output = slotdrill(&[
        "run",
        "tests/data/drills/broken-expectation.toml",
        "--html",
        path(&html),
    ]);
    assert_eq!(output.status.code(), Some(74));
    assert!(
        text(&output.stdout).contains("1 drill: 0 passed, 1 failed"),
        "the report is printed: {}",
        text(&output.stdout)
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: cannot write the file\n  caused by: ",
            html.display()
        )),
        "{stderr}"
    );
    let written = dir.path().join("report.html");
    let ok = slotdrill(&[
        "run",
        "scenarios/01-full-rollback.toml",
        "--html",
        path(&written),
    ]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        text(&ok.stderr),
        format!("wrote {}\n", written.display()),
        "success says where the page went"
    );
}

#[test]
fn junit_time_is_real_seconds_and_virtual_time_is_a_property() {
    let output = slotdrill(&[
        "run",
        "scenarios/01-full-rollback.toml",
        "--format",
        "junit",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let xml = text(&output.stdout);
    let json = slotdrill(&["run", "scenarios/01-full-rollback.toml", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let virtual_s = value["drills"][0]["virtual_ms"]
        .as_u64()
        .expect("virtual_ms") as f64
        / 1000.0;
    assert!(virtual_s > 60.0, "the drill spans minutes of virtual time");
    assert!(
        xml.contains(&format!(
            "<property name=\"virtual_seconds\" value=\"{virtual_s:.3}\"/>"
        )),
        "{xml}"
    );
    let time: f64 = xml
        .split("<testcase ")
        .nth(1)
        .and_then(|case| case.split("time=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .and_then(|t| t.parse().ok())
        .expect("a testcase time");
    assert!(
        time < virtual_s && time < 30.0,
        "time is the real seconds the drill took ({time}), not virtual ({virtual_s})"
    );
}
