//! `slotdrill explore` from the outside: every bundled estate survives 500 random cases, a planted
//! engine bug is found, shrunk and written as a drill that `slotdrill run` fails on for the same
//! reason, and the same seed gives the same cases and the same file.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn explore(estate: &str, args: &[&str], planted_bug: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slotdrill"));
    command
        .arg("explore")
        .arg(estate)
        .args(["--format", "json"])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SLOTDRILL_PLANTED_BUG");
    if planted_bug {
        command.env("SLOTDRILL_PLANTED_BUG", "partial-to-production");
    }
    command
}

fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn every_bundled_estate_survives_500_cases() {
    let mut estates: Vec<String> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    estates.sort();
    assert!(estates.len() >= 16, "{estates:?}");
    let out = tempfile::tempdir().expect("tempdir");
    let out = out.path().to_str().expect("utf-8").to_owned();
    // One process per estate: the machine's cores share the work.
    let children: Vec<_> = estates
        .iter()
        .map(|estate| {
            explore(estate, &["--cases", "500", "--out", &out], false)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for (estate, child) in estates.iter().zip(children) {
        let output = child.wait_with_output().expect("finishes");
        let summary = summary(&output);
        assert_eq!(output.status.code(), Some(0), "{estate}: {summary}");
        assert_eq!(summary["failure"], Value::Null, "{estate}");
        assert_eq!(summary["cases"], 500, "{estate}");
        let covered = summary["operations"].as_array().expect("operations");
        for kind in ["deploy", "swap", "rollback", "restore", "run"] {
            assert!(
                covered.iter().any(|k| k == kind),
                "{estate} never ran a {kind}: {covered:?}"
            );
        }
    }
}

/// The switch exists only in debug builds (release builds compile it out), so the test does too.
#[cfg(debug_assertions)]
#[test]
fn a_planted_bug_is_found_shrunk_and_reproduced() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8");
    let output = explore(
        "scenarios/02-partial-rollback.toml",
        &["--cases", "300", "--seed", "3", "--out", dir],
        true,
    )
    .output()
    .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", summary(&output));
    let summary = summary(&output);
    let reason = summary["failure"]["reason"].as_str().expect("a failure");
    assert!(reason.contains("after a partial rollback"), "{reason}");
    let drill = summary["failure"]["drill"].as_str().expect("a drill");
    assert!(
        drill.ends_with("explore-02-partial-rollback-seed3.toml"),
        "{drill}"
    );
    let text = std::fs::read_to_string(drill).expect("written");
    // Shrunk: a swap, the rollback, then the run and expectation that show the damage.
    let steps = text.matches("[[step]]").count();
    assert!(steps <= 6, "not shrunk ({steps} steps):\n{text}");

    let run = |planted_bug: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_slotdrill"));
        command.args(["run", drill, "--format", "json"]);
        command.env_remove("SLOTDRILL_PLANTED_BUG");
        if planted_bug {
            command.env("SLOTDRILL_PLANTED_BUG", "partial-to-production");
        }
        command.output().expect("runs")
    };
    let with_bug = run(true);
    assert_eq!(with_bug.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&with_bug.stdout).expect("JSON");
    let broken: Vec<String> = report["drills"][0]["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .filter(|e| e["passed"] == false)
        .map(|e| format!("{}: {}", e["description"], e["detail"]))
        .collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    let (description, detail) = reason
        .trim_start_matches("after a partial rollback, ")
        .split_once(": ")
        .expect("reason: detail");
    assert!(
        broken[0].contains(description) && broken[0].contains(detail),
        "{broken:?} vs {reason}"
    );
    assert_eq!(run(false).status.code(), Some(0), "fixed engine passes");
}

#[cfg(debug_assertions)]
#[test]
fn the_same_seed_gives_the_same_cases_and_file() {
    let first = tempfile::tempdir().expect("tempdir");
    let second = tempfile::tempdir().expect("tempdir");
    let mut summaries = Vec::new();
    for dir in [first.path(), second.path()] {
        let output = explore(
            "scenarios/02-partial-rollback.toml",
            &[
                "--cases",
                "300",
                "--seed",
                "11",
                "--out",
                dir.to_str().expect("utf-8"),
            ],
            true,
        )
        .output()
        .expect("runs");
        let mut summary = summary(&output);
        summary["casesPerSecond"] = Value::Null;
        summary["failure"]["drill"] = Value::Null;
        summaries.push(summary);
    }
    assert_eq!(summaries[0], summaries[1]);
    let file = |dir: &Path| std::fs::read(dir.join("explore-02-partial-rollback-seed11.toml"));
    assert_eq!(
        file(first.path()).expect("written"),
        file(second.path()).expect("written")
    );
}

#[test]
fn the_same_seed_explores_the_same_cases() {
    let run = |seed: &str| {
        let out = tempfile::tempdir().expect("tempdir");
        let output = explore(
            "scenarios/03-three-workflows.toml",
            &[
                "--cases",
                "40",
                "--seed",
                seed,
                "--out",
                out.path().to_str().expect("utf-8"),
            ],
            false,
        )
        .output()
        .expect("runs");
        let mut summary = summary(&output);
        summary["casesPerSecond"] = Value::Null;
        summary
    };
    assert_eq!(run("21"), run("21"));
    assert_ne!(
        run("21")["steps"],
        run("22")["steps"],
        "another seed, other cases"
    );
}
