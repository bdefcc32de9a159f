//! Every command documents its exit codes: `--help` ends with an `Exit codes:` block giving what
//! 0, 1 and 2 mean for that command, and README.md has the same three meanings in a table row
//! `| \`slotdrill COMMAND\` | … | … | … |`. Commands are read from `--help` itself, so a new
//! command without its exit codes fails here.

use std::collections::BTreeMap;
use std::process::Command;

fn help(command: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(command)
        .arg("--help")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{command:?} --help");
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

/// The subcommands a help text lists under `Commands:` (without clap's own `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command that does something, with its subcommand path (`["workflow", "calls"]`).
fn leaf_commands() -> Vec<Vec<String>> {
    let mut leaves = Vec::new();
    let mut pending: Vec<Vec<String>> = subcommands(&help(&[]))
        .into_iter()
        .map(|c| vec![c])
        .collect();
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let inner = subcommands(&help(&args));
        if inner.is_empty() {
            leaves.push(path);
        } else {
            pending.extend(inner.into_iter().map(|c| {
                let mut longer = path.clone();
                longer.push(c);
                longer
            }));
        }
    }
    leaves.sort();
    leaves
}

/// Code → meaning from the `Exit codes:` block at the end of a help text.
fn exit_codes(help: &str) -> BTreeMap<u8, String> {
    help.lines()
        .skip_while(|line| *line != "Exit codes:")
        .skip(1)
        .filter_map(|line| {
            let (code, meaning) = line.trim().split_once("  ")?;
            Some((code.parse().ok()?, meaning.trim().to_owned()))
        })
        .collect()
}

#[test]
fn every_command_documents_its_exit_codes_in_help_and_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let commands = leaf_commands();
    assert!(
        commands.len() >= 11,
        "run, check, explore, workflow calls|repoint, serve, status, import, plan, rollback, restore: {commands:?}"
    );
    for command in commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let codes = exit_codes(&help(&args));
        // 74 (EX_IOERR) only for the commands that write files.
        let keys: Vec<u8> = codes.keys().copied().filter(|c| *c != 74).collect();
        assert_eq!(
            keys,
            vec![0, 1, 2],
            "`slotdrill {} --help` gives the meaning of 0, 1 and 2: {codes:?}",
            args.join(" ")
        );
        if codes.contains_key(&74) {
            assert!(
                ["run", "import", "serve"].contains(&args.join(" ").as_str()),
                "{args:?}"
            );
            assert!(
                readme.contains(&format!("`{}` exits 74", args[0]))
                    || readme.contains("`run`, `import` and `serve` also exit 74"),
                "README.md says when `slotdrill {}` exits 74",
                args[0]
            );
        }
        let row = format!(
            "| `slotdrill {}` | {} | {} | {} |",
            args.join(" "),
            codes[&0],
            codes[&1],
            codes[&2]
        );
        assert!(
            readme.lines().any(|line| line == row),
            "README.md has the row\n{row}"
        );
    }
}

#[test]
fn the_top_level_help_states_the_rule_every_command_follows() {
    let top = help(&[]);
    assert!(
        top.contains("Exit codes: 0 success, 1 a failure or refusal, 2 bad input"),
        "{top}"
    );
}
