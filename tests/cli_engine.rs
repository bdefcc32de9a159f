//! `slotdrill status`, `plan`, `rollback` and `restore` against `slotdrill serve` over its ARM
//! API: the same engine, the same result as in process, and the safety rails.

mod common;

use std::process::Command;

use common::{FLOW, SITE, Server, arm, release_v2, serve, slotdrill, text};
use serde_json::{Value, json};

fn definition(server: &Server) -> Value {
    arm(server, "GET", &FLOW, None)["properties"]["definition"].clone()
}

#[test]
fn a_partial_rollback_through_arm_and_back() {
    let server = serve();
    release_v2(&server);
    let original = definition(&server);

    let planned = slotdrill(
        &server,
        &["plan", "--mode", "partial", "--accept-sticky-diff"],
    );
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned));
    assert!(
        text(&planned).contains("rollback plan: partial")
            && text(&planned).contains("SendInvoice → orders/deploy/SendInvoice"),
        "{}",
        text(&planned)
    );

    let dry = slotdrill(
        &server,
        &["rollback", "--mode", "partial", "--accept-sticky-diff"],
    );
    assert!(
        text(&dry).contains("dry run: nothing changed"),
        "{}",
        text(&dry)
    );
    assert_eq!(definition(&server), original, "a dry run changes nothing");

    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("rollback.jsonl");
    let journal_arg = journal.to_str().expect("utf-8 path");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--mode",
            "partial",
            "--accept-sticky-diff",
            "--apply",
            "--journal",
            journal_arg,
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    assert!(
        text(&applied).contains("ok   orders/deploy/SendInvoice answers"),
        "{}",
        text(&applied)
    );
    assert_eq!(
        definition(&server)["actions"]["SendInvoice"]["type"],
        "Http"
    );
    let deploy_key = arm(
        &server,
        "POST",
        &format!("{SITE}/slots/deploy/functions/SendInvoice/listsecrets?api-version=2024-11-01"),
        None,
    )["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert!(
        !arm(&server, "GET", &FLOW, None)
            .to_string()
            .contains(&deploy_key),
        "GET never returns the key the rollback stored"
    );

    let status = slotdrill(&server, &["status"]);
    assert!(
        text(&status).contains("order-flow/SendInvoice → orders/deploy/SendInvoice"),
        "{}",
        text(&status)
    );
    let full = slotdrill(&server, &["plan", "--mode", "full"]);
    assert_eq!(
        full.status.code(),
        Some(1),
        "refused while callers are pinned"
    );
    assert!(text(&full).contains("pinned"), "{}", text(&full));

    let restored = slotdrill(&server, &["restore", "--journal", journal_arg, "--apply"]);
    assert_eq!(restored.status.code(), Some(0), "{}", text(&restored));
    assert_eq!(definition(&server), original, "restore is exact");
    let keys = arm(
        &server,
        "POST",
        &format!("{SITE}/slots/deploy/functions/SendInvoice/listsecrets?api-version=2024-11-01"),
        None,
    );
    let journal_text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        !journal_text.contains(keys["key"].as_str().expect("key")),
        "no key in the journal"
    );
}

#[test]
fn options_of_the_engine_commands() {
    let server = serve();
    release_v2(&server);
    let bad_rate = slotdrill(&server, &["plan", "--failure-rate", "1.5"]);
    assert_eq!(bad_rate.status.code(), Some(2));
    assert!(
        text(&bad_rate).contains("--failure-rate 1.5 is outside 0–1"),
        "{}",
        text(&bad_rate)
    );
    // Probes off (the default against Azure): no function is called, so without Logic App
    // runs there is no evidence and nothing to roll back; naming the function still works, and
    // verification then has no probe checks to report.
    let unprobed = slotdrill(&server, &["plan", "--probes", "off"]);
    assert!(
        text(&unprobed).contains("probes off: no function is called"),
        "{}",
        text(&unprobed)
    );
    assert!(
        !text(&unprobed).contains("SendInvoice → orders/deploy"),
        "{}",
        text(&unprobed)
    );
    let probed = slotdrill(
        &server,
        &["plan", "--mode", "partial", "--accept-sticky-diff"],
    );
    assert!(
        text(&probed).contains("SendInvoice → orders/deploy/SendInvoice")
            && !text(&probed).contains("probes off"),
        "on against the emulator by default: {}",
        text(&probed)
    );
    // Securestring values come from the environment, and a mistyped value is never echoed.
    let typed_value = slotdrill(
        &server,
        &[
            "plan",
            "--secure-parameter",
            "order-flow/apiKey=hunter2-secret",
        ],
    );
    assert_eq!(typed_value.status.code(), Some(2), "{}", text(&typed_value));
    assert!(
        text(&typed_value)
            .contains("order-flow/apiKey: the environment variable named after `=` is not set")
            && !text(&typed_value).contains("hunter2"),
        "{}",
        text(&typed_value)
    );
    let malformed = slotdrill(&server, &["plan", "--secure-parameter", "apiKey=s3cret"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(
        text(&malformed).contains("expected WORKFLOW/PARAMETER=ENV_VAR")
            && !text(&malformed).contains("s3cret"),
        "{}",
        text(&malformed)
    );
    // The api-versions reach every request: the emulator, like ARM, refuses unknown ones.
    for flag in ["--web-api-version", "--logic-api-version"] {
        let refused = slotdrill(&server, &["status", flag, "1999-01-01"]);
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        assert!(
            text(&refused).contains("1999-01-01"),
            "{flag}: {}",
            text(&refused)
        );
    }
    let older = slotdrill(
        &server,
        &[
            "status",
            "--web-api-version",
            "2022-03-01",
            "--logic-api-version",
            "2016-06-01",
        ],
    );
    assert_eq!(older.status.code(), Some(0), "{}", text(&older));
    // With a release setting nobody sets, the emulator's deployment records name each release
    // (their 32-hex ids), never the release's own name, which Azure does not know.
    let unlabelled = slotdrill(&server, &["status", "--release-setting", "NO_SUCH_SETTING"]);
    let shown = text(&unlabelled);
    let ids: Vec<&str> = shown
        .split_whitespace()
        .filter(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert_eq!(ids.len(), 2, "{shown}");
    assert!(!shown.contains("release v1"), "{shown}");
    let json_plan = slotdrill(
        &server,
        &[
            "plan",
            "--format",
            "json",
            "--faulty",
            "orders/SendInvoice",
            "--accept-sticky-diff",
        ],
    );
    let plan: Value = serde_json::from_slice(&json_plan.stdout).expect("a JSON plan");
    assert_eq!(plan["chosen"], "partial");
    assert_eq!(plan["faulty"], json!(["orders/SendInvoice"]));

    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("j.jsonl");
    let journal_arg = journal.to_str().expect("path");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--faulty",
            "orders/SendInvoice",
            "--accept-sticky-diff",
            "--apply",
            "--journal",
            journal_arg,
            "--verify-runs",
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    assert!(
        text(&applied).contains("ok   a run of `order-flow` succeeds"),
        "{}",
        text(&applied)
    );
    let dry: Value = serde_json::from_slice(
        &slotdrill(
            &server,
            &["restore", "--journal", journal_arg, "--format", "json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(dry, json!({ "dry_run": true, "restorable": 1 }));
    let done: Value = serde_json::from_slice(
        &slotdrill(
            &server,
            &[
                "restore",
                "--journal",
                journal_arg,
                "--apply",
                "--format",
                "json",
            ],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(done["restored"]["performed"], json!([0]));
}

#[test]
fn a_rollback_without_probes_reports_no_probe_checks() {
    let server = serve();
    release_v2(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("j.jsonl");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--probes",
            "off",
            "--faulty",
            "orders/SendInvoice",
            "--mode",
            "partial",
            "--accept-sticky-diff",
            "--apply",
            "--journal",
            journal.to_str().expect("path"),
            "--format",
            "json",
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let stdout = String::from_utf8_lossy(&applied.stdout);
    let report: Value =
        serde_json::from_str(&stdout[stdout.find("{\n  \"applied\"").expect("the apply report")..])
            .expect("json");
    assert_eq!(report["applied"]["performed"], json!([0]));
    assert_eq!(report["verify"]["checks"], json!([]), "nothing probed");
}

#[test]
fn safety_rails() {
    let not_local = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args([
            "plan",
            "--resource-group",
            "rg",
            "--arm-endpoint",
            "https://management.azure.com",
        ])
        .output()
        .expect("runs");
    assert_eq!(not_local.status.code(), Some(2));
    assert!(
        text(&not_local).contains("pass --live"),
        "{}",
        text(&not_local)
    );
    let live_without_subscription = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["plan", "--resource-group", "rg", "--live"])
        .output()
        .expect("runs");
    assert_eq!(live_without_subscription.status.code(), Some(2));
    assert!(
        text(&live_without_subscription).contains("--live needs --subscription"),
        "{}",
        text(&live_without_subscription)
    );
    // No token, no service principal, and no `az` on the PATH.
    let live_without_token = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args([
            "plan",
            "--resource-group",
            "rg",
            "--subscription",
            "11111111-1111-1111-1111-111111111111",
            "--live",
        ])
        .env_remove("SLOTDRILL_ARM_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .env("PATH", "")
        .output()
        .expect("runs");
    assert_eq!(live_without_token.status.code(), Some(2));
    assert!(
        text(&live_without_token).contains("no credentials"),
        "{}",
        text(&live_without_token)
    );
    let server = serve();
    release_v2(&server);
    let no_journal = slotdrill(&server, &["rollback", "--apply"]);
    assert_eq!(no_journal.status.code(), Some(2), "{}", text(&no_journal));
}

#[test]
fn import_writes_a_twin_that_loads() {
    let server = serve();
    release_v2(&server);
    // A canary share and an auto swap, as ARM sets them: the twin must carry both.
    let deploy_host = arm(
        &server,
        "GET",
        &format!("{SITE}/slots/deploy?api-version=2024-11-01"),
        None,
    )["properties"]["defaultHostName"]
        .as_str()
        .expect("host")
        .to_owned();
    let routed = arm(
        &server,
        "PUT",
        &format!("{SITE}/config/web?api-version=2024-11-01"),
        Some(json!({ "properties": { "experiments": { "rampUpRules": [
            { "name": "deploy", "actionHostName": deploy_host, "reroutePercentage": 12.5 }
        ] } } })),
    );
    assert_eq!(
        routed["properties"]["experiments"]["rampUpRules"][0]["reroutePercentage"], 12.5,
        "{routed}"
    );
    let swapping = arm(
        &server,
        "PUT",
        &format!("{SITE}/slots/deploy/config/web?api-version=2024-11-01"),
        Some(json!({ "properties": { "autoSwapSlotName": "production" } })),
    );
    assert_eq!(
        swapping["properties"]["autoSwapSlotName"], "production",
        "{swapping}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let estate = dir.path().join("estate.toml");
    let imported = slotdrill(&server, &["import", "-o", estate.to_str().expect("utf-8")]);
    assert_eq!(imported.status.code(), Some(0), "{}", text(&imported));
    let file = std::fs::read_to_string(&estate).expect("written");
    for expected in [
        "name = \"orders\"",
        "plan = \"premium\"",
        "slots = [\"deploy\"]",
        "sticky = [\"DB_CONNECTION\"]",
        "[app.release.v2.functions]",
        "definition = \"workflows/order-flow.json\"",
        "auto_swap = { deploy = \"production\" }",
        "routing = { deploy = 12.5 }",
    ] {
        assert!(file.contains(expected), "no {expected} in\n{file}");
    }
    assert!(
        !file.contains("prod-db") && !file.contains("staging-db"),
        "secret-looking values are replaced:\n{file}"
    );
    assert!(dir.path().join("workflows/order-flow.json").exists());
    let check = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["check", estate.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

/// With nothing to roll back, `rollback --apply` says so and writes no journal (it used to say
/// "dry run … pass --apply" although --apply was given).
#[test]
fn apply_with_nothing_to_roll_back_says_so_and_writes_no_journal() {
    let server = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("rollback.jsonl");
    let output = slotdrill(
        &server,
        &[
            "rollback",
            "--apply",
            "--journal",
            journal.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("nothing to roll back: nothing changed, no journal written"),
        "{}",
        text(&output)
    );
    assert!(!journal.exists());
}
