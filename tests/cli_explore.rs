//! `slotdrill explore` from the outside: every bundled estate survives 500 random cases, and the
//! same seed gives the same cases. (That a wrong planner is found, shrunk and reproduced is
//! tested where the planner can be replaced: `crates/slotdrill-scenario/tests/explore.rs`.)

use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn explore(estate: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slotdrill"));
    command
        .arg("explore")
        .arg(estate)
        .args(["--format", "json"])
        .args(args)
        .env("NO_COLOR", "1");
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
    let estates: Vec<String> = slotdrill_test_support::bundled_drills()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(estates.len() >= 16, "{estates:?}");
    let out = tempfile::tempdir().expect("tempdir");
    let out = out.path().to_str().expect("utf-8").to_owned();
    // One process per estate: the machine's cores share the work.
    let children: Vec<_> = estates
        .iter()
        .map(|estate| {
            explore(estate, &["--cases", "500", "--out", &out])
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
        )
        .output()
        .expect("runs");
        let mut summary = summary(&output);
        // snake_case, as in the run report (issue 18: it was casesPerSecond).
        assert!(summary["cases_per_second"].is_number(), "{summary}");
        summary["cases_per_second"] = Value::Null;
        summary
    };
    assert_eq!(run("21"), run("21"));
    assert_ne!(
        run("21")["steps"],
        run("22")["steps"],
        "another seed, other cases"
    );
}

/// Issue 19: `--workers` changes how many threads rehearse the cases, never which cases run or
/// what they find.
#[test]
fn one_worker_or_two_explore_the_same_cases() {
    let run = |workers: &str| {
        let out = tempfile::tempdir().expect("tempdir");
        let output = explore(
            "scenarios/03-three-workflows.toml",
            &[
                "--cases",
                "40",
                "--seed",
                "21",
                "--workers",
                workers,
                "--out",
                out.path().to_str().expect("utf-8"),
            ],
        )
        .output()
        .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let mut summary = summary(&output);
        summary["cases_per_second"] = Value::Null;
        summary
    };
    assert_eq!(run("1"), run("2"));
    let output = explore("scenarios/03-three-workflows.toml", &["--workers", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "no worker is bad input");
}

/// Issue 18: `--cases 0` and `--steps 0` explored nothing and said "no failure".
#[test]
fn zero_cases_or_steps_are_bad_input() {
    for args in [["--cases", "0"], ["--steps", "0"]] {
        let output = explore("scenarios/02-partial-rollback.toml", &args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[0]), "{stderr}");
    }
}
