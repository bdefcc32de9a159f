//! The real-world corpus (`tests/data/corpus/`, 15 public Logic App workflows with their sources
//! and licences in `SOURCES.md`) run the way a user runs them: `slotdrill check` accepts each
//! estate, and `slotdrill workflow run FILE --estate … --trigger-body …` ends each run as its
//! `.expect.json` says — with no action failing on a function or action type slotdrill lacks.
//! (Issue 17: "run through `workflow run` with connectors stubbed".)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus")
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn slotdrill(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .output()
        .expect("slotdrill runs")
}

/// What no corpus run may show: a function or an action type slotdrill does not implement.
const UNSUPPORTED: [&str; 2] = ["is not defined or not valid", "action type"];

#[test]
fn every_corpus_workflow_runs_through_the_cli_as_expected() {
    let mut estates: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".estate.json"))
        .collect();
    estates.sort();
    assert!(
        estates.len() >= 10,
        "the corpus has {} workflows",
        estates.len()
    );
    let mut problems = Vec::new();
    for estate in &estates {
        let stem = estate
            .to_string_lossy()
            .trim_end_matches(".estate.json")
            .to_owned();
        let spec = json(estate);
        let first = &spec["logic_app"][0];
        let file = corpus().join(first["definition"].as_str().expect("definition"));
        let trigger = std::fs::read_to_string(format!("{stem}.trigger.json")).expect("trigger");
        let expected = json(Path::new(&format!("{stem}.expect.json")));
        let check = slotdrill(&["check", estate.to_str().expect("utf-8")]);
        if check.status.code() != Some(0) {
            problems.push(format!(
                "{stem}: check exited {:?}: {}",
                check.status.code(),
                String::from_utf8_lossy(&check.stderr)
            ));
            continue;
        }
        let mut args = vec![
            "workflow",
            "run",
            file.to_str().expect("utf-8"),
            "--estate",
            estate.to_str().expect("utf-8"),
            "--trigger-body",
            trigger.trim(),
            "--format",
            "json",
        ];
        if let Some(workflow) = first["workflow"].as_str() {
            args.extend(["--workflow", workflow]);
        }
        let run = slotdrill(&args);
        let output = String::from_utf8_lossy(&run.stdout).into_owned();
        let succeeded = expected["status"] == "Succeeded";
        let want = if succeeded { 0 } else { 1 };
        if run.status.code() != Some(want) {
            problems.push(format!(
                "{stem}: exit {:?}, expected {want} (run {}): {}{}",
                run.status.code(),
                expected["status"],
                output.chars().take(600).collect::<String>(),
                String::from_utf8_lossy(&run.stderr)
            ));
        }
        for needle in UNSUPPORTED {
            if output.contains(needle) {
                problems.push(format!("{stem}: the run shows `{needle}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
