//! `slotdrill status`, `plan`, `rollback` and `restore` against `slotdrill serve` over its ARM
//! API: the same engine, the same result as in process, and the safety rails.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};
use slotdrill_emulator::EmulatorConfig;
use slotdrill_engine::{DiagnoseConfig, Mode, Policy, apply, diagnose, observe, plan};

const ESTATE: &str = "tests/data/orders-estate.toml";
const SITE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites/orders";
const FLOW: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Logic/workflows/order-flow?api-version=2019-05-01";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["serve", "--estate", ESTATE, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    Server {
        base: first.trim().trim_start_matches("listening on ").to_owned(),
        child,
    }
}

fn slotdrill(server: &Server, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .args([
            "--arm-endpoint",
            &server.base,
            "--resource-group",
            "rg-orders",
        ])
        .env_remove("SLOTDRILL_ARM_TOKEN")
        .output()
        .expect("runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn arm(server: &Server, method: &str, path: &str, body: Option<Value>) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut request = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", server.base),
            )
            .bearer_auth("t");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("answered");
        response.json().await.unwrap_or(Value::Null)
    })
}

/// Swaps v2 into production over ARM and polls it to the end.
fn release_v2(server: &Server) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let started = client
            .post(format!(
                "{}{SITE}/slotsswap?api-version=2024-11-01",
                server.base
            ))
            .bearer_auth("t")
            .header("content-type", "application/json")
            .body(json!({ "targetSlot": "deploy" }).to_string())
            .send()
            .await
            .expect("swap");
        let poll = started.headers()["azure-asyncoperation"]
            .to_str()
            .expect("header")
            .to_owned();
        for _ in 0..10 {
            let body: Value = client
                .get(&poll)
                .bearer_auth("t")
                .send()
                .await
                .expect("poll")
                .json()
                .await
                .expect("json");
            if body["status"] != "InProgress" {
                assert_eq!(body["status"], "Succeeded");
                return;
            }
        }
        panic!("the swap never finished");
    });
}

fn definition(server: &Server) -> Value {
    arm(server, "GET", FLOW, None)["properties"]["definition"].clone()
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
        !arm(&server, "GET", FLOW, None)
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
fn the_arm_back_end_ends_where_the_in_process_one_does() {
    // In process: the same estate, the same swap, the same engine.
    let local =
        slotdrill_scenario::load_estate(std::path::Path::new(ESTATE), EmulatorConfig::default())
            .expect("estate")
            .emulator;
    local
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let observation = observe(&local).expect("observe");
    let diagnosis = diagnose(&local, &observation, &DiagnoseConfig::default()).expect("diagnose");
    let local_plan = plan(
        &observation,
        &diagnosis,
        &Policy {
            mode: Mode::Partial,
            accept_sticky_diff: true,
            ..Policy::default()
        },
    );
    let dir = tempfile::tempdir().expect("temp dir");
    apply(
        &local,
        Some(&local_plan),
        &dir.path().join("local.jsonl"),
        None,
    )
    .expect("applies");
    let local_document = local.logic_app("order-flow").expect("saved").document;
    let local_definition = local_document
        .definition(local_document.workflow(None).expect("workflow"))
        .clone();

    let server = serve();
    release_v2(&server);
    let journal = dir.path().join("arm.jsonl");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
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
    assert_eq!(
        definition(&server),
        local_definition,
        "the same rewrite through either back end"
    );
    let state = arm(&server, "GET", "/_slotdrill/state", None);
    let production = state["apps"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["name"] == "production")
        .expect("production")
        .clone();
    assert_eq!(
        production["release"],
        local
            .read(|e| e
                .slot("orders", "production")
                .expect("slot")
                .release_id()
                .map(str::to_owned))
            .expect("release")
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
    // With a release setting nobody sets, releases are unknown, and the plan says so.
    let unknown = slotdrill(&server, &["status", "--release-setting", "NO_SUCH_SETTING"]);
    assert!(text(&unknown).contains("release ?"), "{}", text(&unknown));
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
    assert_eq!(dry, json!({ "dryRun": true, "restorable": 1 }));
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
