//! `slotdrill workflow …` from the outside: the JSON contract of `slotdrill_wdl::FunctionCall`,
//! repoint output, and exit code 2 with file:line:col on bad input.

use assert_cmd::Command;
use serde_json::Value;

const DATA: &str = "crates/slotdrill-wdl/tests/data";

fn slotdrill() -> Command {
    Command::cargo_bin("slotdrill").expect("the binary is built")
}

#[test]
fn calls_as_json_follow_the_contract() {
    let output = slotdrill()
        .args([
            "workflow",
            "calls",
            &format!("{DATA}/02-definition-every-container.json"),
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let calls: Vec<Value> = serde_json::from_slice(&output.stdout).expect("a JSON array");
    assert_eq!(calls.len(), 9);
    let us = calls
        .iter()
        .find(|c| c["action"] == "InvoiceUS")
        .expect("InvoiceUS");
    for field in [
        "action",
        "container",
        "kind",
        "app",
        "slot",
        "function",
        "resolved",
    ] {
        assert!(us.get(field).is_some(), "missing `{field}`");
    }
    assert_eq!(us["container"], "ByRegion/NestedScope");
    assert_eq!(us["kind"], "function");
    assert_eq!(us["slot"], "production");
    assert_eq!(us["resolved"], true);
}

#[test]
fn unresolved_parts_are_null() {
    let output = slotdrill()
        .args([
            "workflow",
            "calls",
            &format!("{DATA}/15-definition-unresolved.json"),
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let calls: Vec<Value> = serde_json::from_slice(&output.stdout).expect("a JSON array");
    assert!(
        calls
            .iter()
            .all(|c| c["resolved"] == false && c["app"].is_null())
    );
}

#[test]
fn calls_as_text_is_a_table() {
    let output = slotdrill()
        .args([
            "workflow",
            "calls",
            &format!("{DATA}/01-definition-function.json"),
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.starts_with("WORKFLOW"), "{text}");
    assert!(
        text.contains("SendInvoice   -          function  orders/production/SendInvoice"),
        "{text}"
    );
}

#[test]
fn repoint_prints_the_rewritten_document_and_names_the_key_parameter() {
    let output = slotdrill()
        .args([
            "workflow",
            "repoint",
            &format!("{DATA}/01-definition-function.json"),
            "--action",
            "SendInvoice",
            "--slot",
            "deploy",
            "--host",
            "orders-deploy.azurewebsites.net",
        ])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["actions"]["SendInvoice"]["type"], "Http");
    assert_eq!(
        doc["actions"]["SendInvoice"]["inputs"]["uri"],
        "https://orders-deploy.azurewebsites.net/api/SendInvoice"
    );
    assert_eq!(
        doc["actions"]["ProcessOrder"]["type"], "Function",
        "other actions untouched"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("securestring parameter `slotdrill_key_SendInvoice`"),
        "{stderr}"
    );
}

#[test]
fn repoint_never_prints_the_literal_key_it_removed() {
    let output = slotdrill()
        .args([
            "workflow",
            "repoint",
            &format!("{DATA}/03-definition-http-literal.json"),
            "--action",
            "ProcessOrder",
            "--slot",
            "deploy",
            "--host",
            "orders-deploy.azurewebsites.net",
        ])
        .output()
        .expect("runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let rewritten = all
        .split("\"ProcessOrder\"")
        .nth(1)
        .expect("the action is printed");
    assert!(
        !rewritten[..400.min(rewritten.len())].contains("q8vR2mTnXw4Zp"),
        "the old key is still in the rewritten action"
    );
}

#[test]
fn bad_json_exits_2_with_file_line_and_column() {
    let output = slotdrill()
        .args([
            "workflow",
            "calls",
            &format!("{DATA}/bad/trailing-comma.json"),
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad/trailing-comma.json:3:32: invalid JSON: trailing comma"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_action_exits_2_and_lists_the_actions() {
    let output = slotdrill()
        .args([
            "workflow",
            "repoint",
            &format!("{DATA}/01-definition-function.json"),
            "--action",
            "Nope",
            "--slot",
            "deploy",
            "--host",
            "h",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("the actions are: ProcessOrder, SendInvoice, Response")
    );
}

#[test]
fn help_and_version_work() {
    let help = slotdrill().arg("--help").output().expect("runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("workflow"));
    let version = slotdrill().arg("--version").output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("slotdrill {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Issue 18: a column wider than 65,535 characters panicked the `workflow calls` table (a
/// format width).
#[test]
fn a_very_long_action_name_is_tabled_without_panicking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("long-action.json");
    let action = "A".repeat(70_000);
    let definition = serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": {
            action.clone(): {
                "type": "Http",
                "inputs": { "method": "POST", "uri": "https://orders.azurewebsites.net/api/SendInvoice" }
            }
        }
    });
    std::fs::write(&file, definition.to_string()).expect("written");
    let output = slotdrill()
        .args(["workflow", "calls", file.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row = stdout.lines().nth(1).expect("a row");
    assert!(
        row.contains(&action) && row.contains("SendInvoice"),
        "{}",
        &row[row.len() - 80..]
    );
    // The columns still line up: CONTAINER starts two spaces after the widest action.
    let header = stdout.lines().next().expect("header");
    let at = |name: &str| header.find(name).expect(name);
    assert_eq!(at("CONTAINER"), at("ACTION") + action.len() + 2);
}
