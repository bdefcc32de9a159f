//! Issue 18, wording: possessives of names ending in s, people's words for numbers in drill
//! errors, a description for every `--format`, and `--secure-parameter` only where it is used.

use std::process::{Command, Output};

fn slotdrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn out(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_name_ending_in_s_takes_only_the_apostrophe() {
    let output = slotdrill(&["run", "scenarios/13-canary-routing.toml"]);
    let shown = out(&output);
    assert!(
        shown.contains("10% of orders' production traffic goes to deploy"),
        "{shown}"
    );
    assert!(!shown.contains("s's "), "{shown}");
}

#[test]
fn numbers_in_drill_errors_are_named_in_words_not_rust_types() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = std::fs::read_to_string("scenarios/01-full-rollback.toml").expect("drill");
    let cases = [
        ("seed = 1", "seed = \"one\"", "expected a whole number"),
        ("seed = 1", "seed = 1.5", "expected a whole number"),
    ];
    for (i, (_, replacement, words)) in cases.iter().enumerate() {
        // Put a bad seed first: every drill parses `seed` as a whole number.
        let file = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&file, format!("{replacement}\n{}", strip_seed(&text))).expect("written");
        let output = slotdrill(&["check", file.to_str().expect("utf-8")]);
        assert_eq!(output.status.code(), Some(2));
        let shown = out(&output);
        assert!(shown.contains(words), "{shown}");
        for rust in ["u32", "u64", "f64", "usize"] {
            assert!(!shown.contains(&format!("expected {rust}")), "{shown}");
        }
    }
    let latency = dir.path().join("latency.toml");
    std::fs::write(
        &latency,
        text.replacen(
            "[app.release.v1.functions]",
            "[app.release.v1.functions]\nX = { latency_ms = \"slow\" }",
            1,
        ),
    )
    .expect("written");
    let shown = out(&slotdrill(&["check", latency.to_str().expect("utf-8")]));
    assert!(shown.contains("expected a whole number"), "{shown}");
}

fn strip_seed(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("seed"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_format_option_says_what_it_does() {
    for command in [
        &["status"][..],
        &["plan"],
        &["rollback"],
        &["restore"],
        &["explore"],
        &["run"],
        &["workflow", "calls"],
        &["workflow", "run"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = out(&slotdrill(&args));
        let lines: Vec<&str> = help.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with("--format <"))
            .unwrap_or_else(|| panic!("{command:?} has --format: {help}"));
        let line = lines[at];
        // Short help puts the description beside the option, long help on the next line.
        let beside = line
            .trim_start()
            .split_once('>')
            .map(|(_, rest)| rest.trim())
            .unwrap_or_default();
        let next = lines.get(at + 1).map_or("", |l| l.trim());
        let described = if beside.is_empty() && !next.starts_with('-') {
            next
        } else {
            beside
        };
        assert!(
            !described.is_empty() && !described.starts_with('['),
            "`slotdrill {} --help`: {line}",
            command.join(" ")
        );
    }
}

#[test]
fn status_and_import_refuse_secure_parameter() {
    for command in [&["status"][..], &["import", "-o", "x.toml"]] {
        let mut args = command.to_vec();
        args.extend(["--resource-group", "rg", "--secure-parameter", "w/p=V"]);
        let output = slotdrill(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            out(&output)
        );
        assert!(
            out(&output).contains("unexpected argument '--secure-parameter'"),
            "{}",
            out(&output)
        );
    }
    let help = out(&slotdrill(&["rollback", "--help"]));
    assert!(help.contains("--secure-parameter"), "{help}");
}
