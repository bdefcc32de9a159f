//! `slotdrill import` of a resource group holding a Logic Apps Standard app (issue 21): the site
//! becomes a `[[standard_logic_app]]` with its project folder beside the estate (each
//! `workflow.json`, `connections.json`), its settings redacted as a function app's are, and each
//! setting that holds the key of a function its workflows call written as a binding by reference
//! (`keys = { SETTING = "app/slot/function" }`); `slotdrill check` accepts the twin, and no key
//! is in any file written.

mod common;

use std::process::{Command, Stdio};

use common::{serve_estate, slotdrill, text};

#[test]
fn import_writes_a_standard_logic_app_whose_twin_checks_and_holds_no_key() {
    let server = serve_estate("tests/data/standard-estate.toml", &[], Stdio::null());
    let dir = tempfile::tempdir().expect("tempdir");
    let estate = dir.path().join("twin.toml");
    let imported = slotdrill(&server, &["import", "-o", estate.to_str().expect("utf-8")]);
    assert_eq!(imported.status.code(), Some(0), "{}", text(&imported));
    let file = std::fs::read_to_string(&estate).expect("written");
    for expected in [
        "[[standard_logic_app]]",
        "name = \"orders-logic\"",
        "project = \"workflows/orders-logic\"",
        "WORKFLOWS_SUBSCRIPTION_ID = \"00000000-0000-0000-0000-000000000000\"",
        "NOTIFY_KEY = \"orders/production/Notify\"",
        "ordersFunctions_functionAppKey = \"orders/production/SendInvoice\"",
    ] {
        assert!(file.contains(expected), "no {expected} in\n{file}");
    }
    let project = dir.path().join("workflows/orders-logic");
    for written in [
        "invoice-flow/workflow.json",
        "notify-flow/workflow.json",
        "connections.json",
    ] {
        assert!(project.join(written).is_file(), "{written} not written");
    }
    let served = |function: &str| {
        let listed = common::arm(
            &server,
            "POST",
            &format!(
                "{}/slots/deploy/functions/{function}/listkeys?api-version=2024-11-01",
                common::SITE
            ),
            None,
        );
        let production = common::arm(
            &server,
            "POST",
            &format!(
                "{}/functions/{function}/listkeys?api-version=2024-11-01",
                common::SITE
            ),
            None,
        );
        [listed, production]
    };
    let mut all = file.clone();
    for path in walk(dir.path()) {
        all.push_str(&std::fs::read_to_string(path).expect("readable"));
    }
    for answer in served("SendInvoice").iter().chain(&served("Notify")) {
        let key = answer["default"]
            .as_str()
            .or_else(|| answer["properties"]["default"].as_str())
            .expect("a key");
        assert!(!all.contains(key), "a function key was written");
    }
    let check = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["check", estate.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(0), "{}\n{file}", text(&check));
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
