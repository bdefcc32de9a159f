//! Issue 18: every README example runs as written. The "Writing a drill" example is run as a
//! drill (beside the bundled workflows it names), and every fenced `$ cargo run … -- ARGS` line
//! is run with this build's binary, in README order: the `serve` walkthrough against a served
//! estate (its `127.0.0.1:7071` replaced by the port it got), the `curl` lines through `sh`,
//! `$B` expanded, and the files it writes (`rollback.jsonl`, `twin/`) in a temporary folder.
//! (`$ slotdrill workflow eval|run` lines, with their output, are `tests/cli_workflow_run.rs`.)

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

const README: &str = include_str!("../README.md");

/// The body of the first fenced block of `language` after `heading`.
fn block_after(heading: &str, language: &str) -> String {
    let rest = &README[README.find(heading).expect("heading")..];
    let fence = format!("```{language}\n");
    let start = rest.find(&fence).expect("block") + fence.len();
    let end = rest[start..].find("```").expect("closing fence");
    rest[start..start + end].to_owned()
}

/// Every `$ ` line of every console block, continuation lines joined, comments cut.
fn commands() -> Vec<String> {
    let mut out = Vec::new();
    let mut in_console = false;
    let mut pending: Option<String> = None;
    for line in README.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        let text = match (pending.take(), line.strip_prefix("$ ")) {
            (Some(before), _) => format!("{before} {}", line.trim()),
            (None, Some(command)) => command.to_owned(),
            (None, None) => continue,
        };
        if let Some(joined) = text.strip_suffix('\\') {
            pending = Some(joined.trim_end().to_owned());
            continue;
        }
        // A comment starts at `  # ` (two spaces), never inside the commands' own text.
        let command = text
            .split("  # ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        out.push(command);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("readable") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

#[test]
fn the_writing_a_drill_example_runs_and_passes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // What the README says the example runs beside: the bundled workflows and the Standard
    // project of the scenario crate's test drills.
    copy_dir(
        Path::new("scenarios/workflows"),
        &dir.path().join("workflows"),
    );
    copy_dir(
        Path::new("crates/slotdrill-scenario/tests/data/drills/workflows/orders-logic"),
        &dir.path().join("workflows/orders-logic"),
    );
    let drill = dir.path().join("readme.toml");
    std::fs::write(&drill, block_after("### Writing a drill", "toml")).expect("drill");
    let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["run", drill.to_str().expect("utf-8")])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{shown}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(shown.starts_with("PASS  one faulty function"), "{shown}");
}

#[test]
fn every_cargo_run_command_in_the_readme_runs_as_written() {
    let all = commands();
    let cargo: Vec<&String> = all.iter().filter(|c| c.starts_with("cargo run")).collect();
    assert!(cargo.len() >= 10, "{cargo:#?}");
    let dir = tempfile::tempdir().expect("temporary directory");
    // The plain `serve` and the `--tls` one each get a port of their own: the README's lines
    // with `https://127.0.0.1:7071` or its certificate file go to the second.
    let mut plain: Option<common::Server> = None;
    let mut tls: Option<common::Server> = None;
    let mut exports: Vec<(String, String)> = Vec::new();
    let mut b = String::new();
    for command in &all {
        if command.starts_with("slotdrill ") {
            continue; // tests/cli_workflow_run.rs runs these, output and all.
        }
        let port_of = |server: &Option<common::Server>| {
            server.as_ref().map(|s| {
                s.base
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_owned()
            })
        };
        let (plain_port, tls_port) = (port_of(&plain), port_of(&tls));
        let local = |text: &str| {
            let mut text = text.to_owned();
            if let Some(port) = &tls_port {
                let number = port.rsplit(':').next().unwrap_or_default();
                text = text
                    .replace("https://127.0.0.1:7071", &format!("https://{port}"))
                    .replace(
                        "slotdrill-serve-7071.pem",
                        &format!("slotdrill-serve-{number}.pem"),
                    );
            }
            if let Some(port) = &plain_port {
                text = text.replace("127.0.0.1:7071", port);
            }
            text
        };
        if let Some(value) = command.strip_prefix("B=") {
            b = local(value.trim_matches('"'));
            continue;
        }
        if let Some(assignment) = command.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').expect("NAME=VALUE");
            exports.push((name.to_owned(), local(value)));
            continue;
        }
        if command.starts_with("curl ") {
            let output = Command::new("sh")
                .args(["-c", &local(command)])
                .envs(exports.iter().map(|(k, v)| (k, v)))
                .output()
                .expect("curl runs");
            assert!(
                output.status.success(),
                "{command}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            continue;
        }
        let args = command
            .split_once(" -- ")
            .map(|(_, args)| args)
            .unwrap_or_else(|| panic!("not a `cargo run -- ARGS` line: {command}"));
        if args.starts_with("serve ") {
            let extra: Vec<&str> = args.split_whitespace().filter(|w| *w == "--tls").collect();
            let server =
                common::serve_estate("tests/data/orders-estate.toml", &extra, Stdio::null());
            if extra.is_empty() {
                plain = Some(server);
            } else {
                tls = Some(server);
            }
            continue;
        }
        let expanded = local(args)
            .replace("$B", &b)
            .replace(
                "rollback.jsonl",
                &dir.path().join("rollback.jsonl").display().to_string(),
            )
            .replace("twin/", &format!("{}/twin/", dir.path().display()))
            .replace(
                "--out explore-findings",
                &format!("--out {}", dir.path().join("findings").display()),
            );
        let words: Vec<&str> = expanded.split_whitespace().collect();
        let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
            .args(&words)
            .env_remove("SLOTDRILL_ARM_TOKEN")
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "README: `{command}`\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        plain.is_some() && tls.is_some(),
        "both serve walkthroughs ran"
    );
    assert!(
        Path::new(&dir.path().join("twin/estate.toml")).exists(),
        "import wrote the twin"
    );
}
