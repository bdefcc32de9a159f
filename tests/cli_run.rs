//! `slotdrill run` and `slotdrill check` from the outside: exit codes 0, 1 and 2, and the three
//! report formats.

use std::process::{Command, Output};

fn slotdrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_bundled_library_passes() {
    let output = slotdrill(&["run", "scenarios"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).ends_with("0 failed (70 expectations, 0 broken)\n")
            || stdout(&output).contains(" 0 failed ("),
        "{}",
        stdout(&output)
    );
    assert!(
        !stdout(&output).contains('\u{1b}'),
        "no colour when not a terminal"
    );
}

#[test]
fn a_broken_expectation_exits_1_and_is_reported_in_every_format() {
    let text = slotdrill(&["run", "tests/data/drills/broken-expectation.toml"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(
        stdout(&text).contains("FAIL")
            && stdout(&text).contains("expected orders/production holds v2; it holds v1"),
        "{}",
        stdout(&text)
    );
    let junit = slotdrill(&[
        "run",
        "tests/data/drills/broken-expectation.toml",
        "--format",
        "junit",
    ]);
    let xml = stdout(&junit);
    assert!(
        xml.contains("<testsuites name=\"slotdrill\" tests=\"1\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure message=\"step 3: expected orders/production holds v2; it holds v1\"/>"
        ),
        "{xml}"
    );
    let json: serde_json::Value = serde_json::from_slice(
        &slotdrill(&[
            "run",
            "tests/data/drills/broken-expectation.toml",
            "--format",
            "json",
        ])
        .stdout,
    )
    .expect("json");
    assert_eq!(json["schema"], "slotdrill.report/1");
    assert_eq!(json["summary"]["broken"], 1);
    assert_eq!(json["drills"][0]["expectations"][0]["passed"], true);
    assert_eq!(json["drills"][0]["expectations"][1]["passed"], false);
}

#[test]
fn bad_input_exits_2_with_the_position() {
    let output = slotdrill(&[
        "run",
        "crates/slotdrill-scenario/tests/data/malformed/unknown-step-key.toml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown-step-key.toml:21:1: unknown field `swapp`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" 21 | swapp = { app = \"orders\", source = \"deploy\" }\n    | ^"),
        "the offending text, with a caret: {stderr}"
    );
    let missing = slotdrill(&["run", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn check_validates_without_running() {
    let good = slotdrill(&["check", "scenarios"]);
    assert_eq!(good.status.code(), Some(0));
    // One line per bundled drill.
    assert_eq!(
        stdout(&good).lines().count(),
        slotdrill_test_support::bundled_drills().len()
    );
    let bad = slotdrill(&["check", "crates/slotdrill-scenario/tests/data/malformed"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn check_refuses_an_unknown_failure_kind_and_lists_the_valid_ones() {
    let output = slotdrill(&[
        "check",
        "crates/slotdrill-scenario/tests/data/malformed/unknown-fail-kind.toml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown-fail-kind.toml:22:9: unknown variant `nonsense`, expected one of"),
        "{stderr}"
    );
    for kind in [
        "`warmup_failed`",
        "`slot_limit`",
        "`pinned_callers`",
        "`control_plane_failed`",
    ] {
        assert!(stderr.contains(kind), "{kind} is listed: {stderr}");
    }
}

#[test]
fn a_report_that_cannot_be_written_exits_74_naming_the_file_and_its_cause() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // A directory that does not exist: the write fails with the operating system's reason.
    let html = dir.path().join("no-such-dir").join("report.html");
    let output = slotdrill(&[
        "run",
        "tests/data/drills/broken-expectation.toml",
        "--html",
        html.to_str().expect("a UTF-8 path"),
    ]);
    // 74, EX_IOERR: not 1, which says an expectation broke.
    assert_eq!(output.status.code(), Some(74));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "error: {}: cannot write the file\n  caused by: ",
        html.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        2,
        "one line for the error, one for its cause: {stderr}"
    );
}

/// Issue 18: an error past column 65,535 panicked the error printer (a format width). The line
/// is shown cut around the column, with the caret under it.
#[test]
fn an_error_far_along_a_long_line_is_shown_without_panicking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("long-line.toml");
    let long = "x".repeat(70_000);
    std::fs::write(&file, format!("name = \"{long}\" unexpected\n")).expect("written");
    let output = slotdrill(&["check", file.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("long-line.toml:1:"), "{stderr}");
    let shown = stderr
        .lines()
        .find(|l| l.starts_with(" 1 | "))
        .expect("the line");
    assert!(
        shown.starts_with(" 1 | …") && shown.chars().count() < 200,
        "{shown}"
    );
    let caret = stderr
        .lines()
        .find(|l| l.trim_end().ends_with('^'))
        .expect("a caret");
    let column = |l: &str| l.chars().count();
    assert!(column(caret) <= column(shown), "{caret}");
}
