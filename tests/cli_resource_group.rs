//! Issue 18: a wrong `--resource-group` read as an empty estate (exit 0, "0 callers in 0
//! workflows"). A group that does not exist (ARM's 404 `ResourceGroupNotFound`) and a group
//! holding no function app are each said so, exit 1, for every engine command.

mod common;

use std::process::{Command, Output, Stdio};

use common::{Server, serve_estate};

fn against(server: &Server, group: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .args(["--arm-endpoint", &server.base, "--resource-group", group])
        .env_remove("SLOTDRILL_ARM_TOKEN")
        .output()
        .expect("runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_group_that_does_not_exist_or_holds_no_function_app_is_said_so() {
    let server = serve_estate("tests/data/flows-group-estate.toml", &[], Stdio::null());
    let dir = tempfile::tempdir().expect("temporary directory");
    let journal = dir.path().join("rollback.jsonl");
    std::fs::write(&journal, "").expect("journal");
    let out = dir.path().join("estate.toml");
    let commands: [Vec<&str>; 5] = [
        vec!["status"],
        vec!["plan"],
        vec!["rollback"],
        vec!["restore", "--journal", journal.to_str().expect("utf-8")],
        vec!["import", "-o", out.to_str().expect("utf-8")],
    ];
    for command in &commands {
        let missing = against(&server, "rg-typo", command);
        assert_eq!(
            missing.status.code(),
            Some(1),
            "{command:?}: {}",
            stderr(&missing)
        );
        assert!(
            stderr(&missing).starts_with("error: resource group `rg-typo` was not found in subscription 00000000-0000-0000-0000-000000000000"),
            "{command:?}: {}",
            stderr(&missing)
        );
        assert!(
            stderr(&missing).contains("ResourceGroupNotFound"),
            "ARM's answer is the cause: {}",
            stderr(&missing)
        );
        let empty = against(&server, "rg-flows", command);
        assert_eq!(
            empty.status.code(),
            Some(1),
            "{command:?}: {}",
            stderr(&empty)
        );
        assert!(
            stderr(&empty).starts_with("error: resource group `rg-flows` holds no function app"),
            "{command:?}: {}",
            stderr(&empty)
        );
    }
    assert!(!out.exists(), "nothing imported from a wrong group");
    let right = against(&server, "rg-orders", &["status"]);
    assert_eq!(right.status.code(), Some(0), "{}", stderr(&right));
}
