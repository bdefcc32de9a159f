//! `slotdrill workflow eval` and `slotdrill workflow run` from the outside: values and exit
//! codes, the README's examples run as written, run history with nested actions and iterations,
//! secrets redacted, a failing run, and bad input answered with exit 2 and no panic.

use assert_cmd::Command;
use serde_json::Value;

const SHIP_FLOW: &str = "crates/slotdrill-scenario/tests/data/drills/workflows/ship-flow.json";
const SHIP_ESTATE: &str = "crates/slotdrill-scenario/tests/data/drills/failed-runs-say-why.toml";
const LOOP_FLOW: &str = "tests/data/workflow-run/loop-flow.json";

fn slotdrill() -> Command {
    Command::cargo_bin("slotdrill").expect("the binary is built")
}

/// (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = slotdrill().args(args).output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

/// Nothing a user should never see: a panic, or a Rust type's name.
fn assert_no_rust_in(text: &str) {
    for leak in [
        "panicked",
        "EvalError",
        "WdlError",
        "Value::",
        "Some(",
        "serde_json",
    ] {
        assert!(!text.contains(leak), "`{leak}` in {text}");
    }
}

/// Splits a README command line as a POSIX shell would for the quoting it uses: words separated
/// by spaces, `"…"` and `'…'` quote (no escapes inside).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every `$ slotdrill workflow eval|run …` line of README.md's console blocks, with the lines
/// shown under it (stdout, then stderr).
fn readme_examples() -> Vec<(Vec<String>, String)> {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let mut examples: Vec<(Vec<String>, String)> = Vec::new();
    let mut in_console = false;
    let mut current: Option<(Vec<String>, String)> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            examples.extend(current.take());
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.extend(current.take());
            let words = shell_words(command);
            let ours = words.len() > 2
                && words[0] == "slotdrill"
                && words[1] == "workflow"
                && (words[2] == "eval" || words[2] == "run");
            if ours {
                current = Some((words[1..].to_vec(), String::new()));
            }
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    examples
}

#[test]
fn the_readmes_examples_print_what_the_readme_says() {
    let examples = readme_examples();
    let evals = examples.iter().filter(|(a, _)| a[1] == "eval").count();
    let runs = examples.iter().filter(|(a, _)| a[1] == "run").count();
    assert!(evals >= 4 && runs >= 1, "{examples:?}");
    for (args, expected) in examples {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, stdout, stderr) = run(&args);
        assert_eq!(
            format!("{stdout}{stderr}"),
            expected,
            "slotdrill {}",
            args.join(" ")
        );
    }
}

#[test]
fn eval_accepts_an_expression_with_or_without_its_at_sign_and_interpolation() {
    for (expression, value) in [
        ("@toLower('ABC')", "abc"),
        ("toLower('ABC')", "abc"),
        ("@{toLower('ABC')}", "abc"),
        ("x-@{length('abc')}-@{toUpper('y')}", "x-3-Y"),
        ("@@not an expression", "@not an expression"),
        ("equals(1, 1)", "true"),
        ("length(concat('ab', 'cd'))", "4"),
    ] {
        let (code, stdout, stderr) = run(&["workflow", "eval", expression]);
        assert_eq!(
            (code, stdout.as_str()),
            (0, &*format!("{value}\n")),
            "{expression}: {stderr}"
        );
    }
}

#[test]
fn eval_as_json_prints_every_value_as_json() {
    for (expression, json) in [
        ("concat('a', 'b')", Value::from("ab")),
        ("length('abc')", Value::from(3)),
        ("equals(1, 2)", Value::from(false)),
        ("coalesce(null, null)", Value::Null),
    ] {
        let (code, stdout, stderr) = run(&["workflow", "eval", expression, "--format", "json"]);
        assert_eq!(code, 0, "{expression}: {stderr}");
        let printed: Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(printed, json, "{expression}");
    }
}

#[test]
fn eval_refuses_bad_expressions_with_exit_2_and_azures_error_code() {
    for (expression, says) in [
        (
            "@noSuchFunction(1)",
            "The template language function 'noSuchFunction' is not defined or not valid",
        ),
        ("concat('a'", "concat('a'"),
        (
            "triggerBody()?['orderId']",
            "'triggerBody' reads a workflow run",
        ),
        ("@body('Ship')", "'body' reads a workflow run"),
        ("", "The expression is empty"),
        ("@{toLower('a')", "unterminated"),
    ] {
        let (code, stdout, stderr) = run(&["workflow", "eval", expression]);
        assert_eq!(code, 2, "{expression}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.starts_with("error: InvalidTemplate: ") && stderr.contains(says),
            "{expression}: {stderr}"
        );
        assert_no_rust_in(&stderr);
    }
}

#[test]
fn eval_is_repeatable_and_takes_a_seed() {
    let once = run(&["workflow", "eval", "concat('a', 'b')", "--seed", "7"]);
    assert_eq!(
        once,
        run(&["workflow", "eval", "concat('a', 'b')", "--seed", "7"])
    );
    assert_eq!(once.0, 0);
    let (code, _, stderr) = run(&["workflow", "eval", "'a'", "--seed", "minus one"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_succeeding_run_exits_0_with_nested_actions_indented_and_iterations_numbered() {
    let (code, stdout, stderr) = run(&[
        "workflow",
        "run",
        LOOP_FLOW,
        "--trigger-body",
        r#"{"orderId": 7, "lines": ["book", "pen"]}"#,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(": ")).collect();
    assert!(stdout.starts_with("run 08585"), "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.ends_with(": Succeeded")),
        "{stdout}"
    );
    for expected in [
        "  ✓ Greeting: Succeeded",
        "  ✓ EachLine: Succeeded",
        "    ✓ Shout #0: Succeeded",
        "    ✓ Shout #1: Succeeded",
        "  ✓ PostToTeams: Succeeded (OK)",
    ] {
        assert!(lines.contains(&expected), "`{expected}` in\n{stdout}");
    }
    // Containers come before what they hold; iterations in order.
    let at = |line: &str| stdout.find(line).expect(line);
    assert!(at("EachLine: ") < at("Shout #0") && at("Shout #0") < at("Shout #1"));
    assert!(stdout.contains("outputs: \"BOOK\"") && stdout.contains("outputs: \"PEN\""));
    assert!(stdout.contains("outputs: \"Order 7\""), "{stdout}");
    // The ApiConnection is stubbed; the token in its definition is not shown.
    assert!(!stdout.contains("a-token-in-the-definition"), "{stdout}");
    assert!(
        stdout.contains("\"Authorization\":\"[redacted]\""),
        "{stdout}"
    );
}

#[test]
fn a_run_as_json_lists_every_action_in_tree_order_with_its_repetition() {
    let (code, stdout, stderr) = run(&[
        "workflow",
        "run",
        LOOP_FLOW,
        "--trigger-body",
        r#"{"orderId": 7, "lines": ["book", "pen"]}"#,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let run: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(run["status"], "Succeeded");
    assert_eq!(run["workflow"], "loop-flow");
    assert_eq!(run["startTime"], "2026-01-01T00:00:00.000Z");
    let actions = run["actions"].as_array().expect("actions");
    let names: Vec<String> = actions
        .iter()
        .map(|a| {
            let reps: Vec<String> = a["repetition"]
                .as_array()
                .expect("repetition")
                .iter()
                .map(|r| format!("{}#{}", r["scope"].as_str().expect("scope"), r["index"]))
                .collect();
            format!("{}{}", a["name"].as_str().expect("name"), reps.join(""))
        })
        .collect();
    assert_eq!(
        names,
        [
            "Greeting",
            "EachLine",
            "ShoutEachLine#0",
            "ShoutEachLine#1",
            "PostToTeams"
        ]
    );
    assert_eq!(actions[3]["outputs"], "PEN");
    assert_eq!(actions[3]["container"], "EachLine");
}

#[test]
fn a_failing_run_exits_1_and_says_why_without_its_secrets() {
    let (code, stdout, stderr) = run(&[
        "workflow",
        "run",
        SHIP_FLOW,
        "--estate",
        SHIP_ESTATE,
        "--trigger-body",
        r#"{"orderId": 42}"#,
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.is_empty(),
        "the history is the whole story: {stderr}"
    );
    assert!(
        stdout.contains("    ✗ Ship: Failed (Unauthorized)"),
        "{stdout}"
    );
    assert!(stdout.contains("\"statusCode\":401"), "{stdout}");
    assert!(
        stdout.contains("  - Response: Skipped (ActionSkipped)"),
        "{stdout}"
    );
    for secret in [
        "stale-key-from-a-wiki-page",
        "not-a-real-token",
        "callback-signature",
    ] {
        assert!(!stdout.contains(secret), "`{secret}` in\n{stdout}");
    }
    let (code, json, _) = run(&[
        "workflow",
        "run",
        SHIP_FLOW,
        "--estate",
        SHIP_ESTATE,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let run: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(run["status"], "Failed");
    let ship = &run["actions"][1];
    assert_eq!(
        (&ship["name"], &ship["code"]),
        (&Value::from("Ship"), &Value::from("Unauthorized"))
    );
}

#[test]
fn without_an_estate_calls_to_unknown_hosts_fail_and_the_run_exits_1() {
    let (code, stdout, _) = run(&["workflow", "run", SHIP_FLOW]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("host `shop-api.azurewebsites.net` is not emulated"),
        "{stdout}"
    );
}

#[test]
fn a_template_with_several_workflows_needs_workflow() {
    let template = "crates/slotdrill-wdl/tests/data/09-arm-two-workflows.json";
    let (code, _, stderr) = run(&["workflow", "run", template]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "holds several workflows (order-flow, refund-flow); say which with --workflow"
        ),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(&["workflow", "run", template, "--workflow", "refund-flow"]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(
        stdout.starts_with("run 08585") && stdout.contains(" of refund-flow: "),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["workflow", "run", template, "--workflow", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no workflow named `nope`"), "{stderr}");
}

#[test]
fn bad_input_exits_2_and_names_what_is_wrong() {
    for (args, says) in [
        (
            vec!["workflow", "run", "tests/data/workflow-run/missing.json"],
            "tests/data/workflow-run/missing.json: cannot read the file",
        ),
        (
            vec!["workflow", "run", "tests/data/workflow-run/not-json.json"],
            "tests/data/workflow-run/not-json.json:4:3: invalid JSON: trailing comma",
        ),
        (
            vec![
                "workflow",
                "run",
                LOOP_FLOW,
                "--trigger-body",
                "{orderId: 1}",
            ],
            "--trigger-body: not JSON: key must be a string at line 1 column 2",
        ),
        (
            vec![
                "workflow",
                "run",
                LOOP_FLOW,
                "--estate",
                "tests/data/workflow-run/missing.toml",
            ],
            "missing.toml: cannot read the file",
        ),
        (
            vec!["workflow", "run", "README.md"],
            "README.md:1:1: invalid JSON",
        ),
        (
            vec![
                "workflow",
                "run",
                "tests/data/workflow-run/missing-function.json",
                "--estate",
                SHIP_ESTATE,
            ],
            "error: workflow `missing-function` cannot run on this estate\n  caused by: refused: 1 Logic App caller(s) would stop resolving: missing-function/Refund → shop-api/production/Refund",
        ),
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
        assert_no_rust_in(&stderr);
    }
}
