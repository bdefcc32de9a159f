//! Loading the estate part of scenario files: a good one runs, bad ones get messages that name
//! the file, the line and column, and what was expected.

use std::path::Path;

use serde_json::json;
use slotdrill_scenario::{EmulatorConfig, load_estate, load_estate_str};

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"))
}

#[test]
fn a_good_estate_runs() {
    let loaded =
        load_estate(&data().join("orders.toml"), EmulatorConfig::default()).expect("loads");
    assert_eq!(
        loaded.scenario.step.len(),
        1,
        "steps are kept for the drill runner"
    );
    let emulator = loaded.emulator;
    emulator.read(|e| {
        let app = e.app("orders").expect("app");
        assert_eq!(app.spec().resource_group, "rg-orders");
        assert_eq!(
            e.slot("orders", "deploy").expect("slot").release_id(),
            Some("v2")
        );
        assert_eq!(
            e.slot("orders", "production")
                .expect("slot")
                .config()
                .setting("DB_CONNECTION"),
            Some("prod-db")
        );
        let callers: Vec<String> = e
            .callers()
            .map(|c| format!("{} -> {}", c.id, c.target))
            .collect();
        assert_eq!(
            callers,
            vec![
                "order-flow/ProcessOrder -> orders/production/ProcessOrder",
                "order-flow/SendInvoice -> orders/production/SendInvoice"
            ]
        );
    });
    let run = emulator.run("order-flow", json!({})).expect("runs");
    assert_eq!(format!("{:?}", run.status), "Succeeded");
}

fn error(text: &str) -> String {
    match load_estate_str("drill.toml", text, data(), EmulatorConfig::default()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

const APP: &str = "[[app]]\nname = \"orders\"\nplan = \"premium\"\n";

#[test]
fn unknown_keys_are_errors() {
    insta::assert_snapshot!(error(&format!("{APP}colour = \"blue\"\n")), @"drill.toml:4:1: unknown field `colour`, expected one of `name`, `plan`, `slots`, `sticky`, `settings`, `deployed`, `auto_swap`, `routing`, `release`, `host_names`, `os`, `resource_group`, `location`, `deployment_records`");
}

#[test]
fn wrong_types_are_errors() {
    insta::assert_snapshot!(error("seed = \"seven\"\n"), @"drill.toml:1:8: invalid type: string \"seven\", expected a whole number");
}

#[test]
fn syntax_errors_point_at_the_text() {
    insta::assert_snapshot!(error("[[app]\nname = 1\n"), @"drill.toml:1:7: unclosed array table, expected `]`");
}

#[test]
fn an_unknown_plan_lists_the_plans() {
    insta::assert_snapshot!(error("[[app]]\nname = \"orders\"\nplan = \"gold\"\n"), @"drill.toml:3:1: app[0].plan: unknown hosting plan `gold`; expected one of consumption, flex, premium, free, shared, basic, standard, premium-v1, premium-v2, premium-v3, isolated, isolated-v2");
}

#[test]
fn a_dangling_release_is_named() {
    insta::assert_snapshot!(error(&format!("{APP}deployed = {{ production = \"v9\" }}\n")), @"drill.toml:4:1: app[0].deployed: release `v9` is not known to function app `orders`");
}

#[test]
fn the_plan_limit_applies() {
    insta::assert_snapshot!(error("[[app]]\nname = \"orders\"\nplan = \"consumption\"\nslots = [\"deploy\", \"staging\"]\n"), @"drill.toml:4:1: app[0].slots: the consumption plan allows 2 slot(s) including production; function app `orders` already has 2");
}

#[test]
fn auto_swap_and_routing_can_be_set_from_the_start() {
    let text = format!(
        "{APP}slots = [\"deploy\", \"staging\"]\nauto_swap = {{ staging = \"production\" }}\nrouting = {{ deploy = 12.5 }}\n"
    );
    let loaded =
        load_estate_str("drill.toml", &text, data(), EmulatorConfig::default()).expect("loads");
    loaded.emulator.read(|e| {
        assert_eq!(
            e.slot("orders", "staging")
                .expect("slot")
                .auto_swap_slot_name(),
            Some("production")
        );
        let rules = e.app("orders").expect("app").routing();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].name, "deploy");
        assert_eq!(rules[0].reroute_percentage, 12.5);
    });
}

#[test]
fn bad_auto_swap_and_routing_are_named() {
    insta::assert_snapshot!(error(&format!("{APP}slots = [\"deploy\"]\nauto_swap = {{ production = \"deploy\" }}\n")), @"drill.toml:5:1: app[0].auto_swap: invalid configuration for `orders`: auto swap is configured on a staging slot, not on production");
    insta::assert_snapshot!(error(&format!("{APP}slots = [\"deploy\"]\nrouting = {{ deploy = 150.0 }}\n")), @"drill.toml:5:1: app[0].routing: invalid routing rules for `orders`: rule `deploy`: reroutePercentage 150 is outside 0–100");
    insta::assert_snapshot!(error(&format!("{APP}routing = {{ canary = 5.0 }}\n")), @"drill.toml:4:1: app[0].routing: slot `canary` does not exist in function app `orders`");
}

#[test]
fn a_logic_app_calling_a_missing_function_is_refused() {
    let text = format!(
        "{APP}deployed = {{ production = \"v1\" }}\n[app.release.v1.functions]\nProcessOrder = {{}}\n\n[[logic_app]]\nname = \"flow\"\ndefinition = \"workflows/order-flow.json\"\n"
    );
    insta::assert_snapshot!(error(&text), @"drill.toml:10:1: logic_app[0].definition: refused: 1 Logic App caller(s) would stop resolving: flow/SendInvoice → orders/production/SendInvoice: release `v1` on `orders/production` has no function `SendInvoice`");
}

#[test]
fn a_missing_workflow_file_is_named() {
    let message = error("[[logic_app]]\nname = \"flow\"\ndefinition = \"workflows/nope.json\"\n");
    assert!(
        message.starts_with("drill.toml:3:1: logic_app[0].definition: ")
            && message.contains("nope.json: cannot read the file"),
        "{message}"
    );
}

#[test]
fn the_json_form_is_accepted_and_checked() {
    let json =
        r#"{ "seed": 1, "app": [ { "name": "orders", "plan": "premium", "slots": ["deploy"] } ] }"#;
    let loaded =
        load_estate_str("drill.json", json, data(), EmulatorConfig::default()).expect("loads");
    assert!(loaded.emulator.read(|e| e.slot("orders", "deploy").is_ok()));
    let bad = load_estate_str(
        "drill.json",
        "{ \"app\": [ { \"name\": \"x\", \"plan\": \"premium\", \"colour\": 1 } ] }",
        data(),
        EmulatorConfig::default(),
    )
    .err()
    .expect("error")
    .to_string();
    assert!(
        bad.starts_with("drill.json:1:") && bad.contains("unknown field `colour`"),
        "{bad}"
    );
}

#[test]
fn deployment_records_can_be_turned_off_per_app() {
    insta::assert_snapshot!(error(&format!("{APP}deployment_records = \"no\"\n")), @"drill.toml:4:22: invalid type: string \"no\", expected a boolean");
}

#[test]
fn keys_bound_to_a_standard_workflow_say_why_it_is_standard() {
    let text = format!(
        "{APP}deployed = {{ production = \"v1\" }}\n[app.release.v1.functions]\nSendInvoice = {{}}\n\n[[logic_app]]\nname = \"invoice-app\"\ndefinition = \"drills/workflows/standard/invoice-flow/workflow.json\"\nkeys = {{ invoiceKey = \"orders/production/SendInvoice\" }}\n"
    );
    let message = error(&text);
    assert!(
        message.contains("logic_app[0].keys: keys can be bound only for Consumption workflows")
            && message.ends_with(
                "workflow.json` was read as Logic Apps Standard because it has `kind: Stateful`"
            ),
        "{message}"
    );
}

/// `connections` on a `[[logic_app]]` scripts what its ApiConnection actions answer.
#[test]
fn a_drill_scripts_api_connection_answers() {
    let text = "[[logic_app]]\nname = \"teams\"\ndefinition = \"workflows/teams-post.json\"\nconnections = { Post_message = { status = 201, body = { id = \"m-1\" } } }\n";
    let loaded =
        load_estate_str("drill.toml", text, data(), EmulatorConfig::default()).expect("loads");
    let run = loaded.emulator.run("teams", json!({})).expect("runs");
    let post = run
        .actions
        .iter()
        .find(|a| a.name == "Post_message")
        .expect("post");
    assert_eq!(
        (post.code.as_str(), &post.outputs["body"]["id"]),
        ("Created", &json!("m-1"))
    );
    let used = run
        .actions
        .iter()
        .find(|a| a.name == "Use_id")
        .expect("use");
    assert_eq!(used.outputs, json!("m-1"));
    let failing = "[[logic_app]]\nname = \"teams\"\ndefinition = \"workflows/teams-post.json\"\nconnections = { Post_message = { status = 502 } }\n";
    let loaded =
        load_estate_str("drill.toml", failing, data(), EmulatorConfig::default()).expect("loads");
    let run = loaded.emulator.run("teams", json!({})).expect("runs");
    assert_eq!(run.status, slotdrill_emulator::Status::Failed);
}

/// Issue 18: `check` accepted a workflow calling an app the estate does not have; `run` then
/// failed with exit 1 at the first call.
#[test]
fn a_workflow_calling_an_app_not_in_the_estate_is_an_error() {
    let text = "[[logic_app]]\nname = \"order-flow\"\ndefinition = \"workflows/order-flow.json\"\n";
    let message = error(text);
    assert!(
        message.starts_with("drill.toml:3:1: logic_app[0].definition: action `ProcessOrder`")
            && message.contains("function app `orders`"),
        "{message}"
    );
}

/// Issue 18: a `keys` binding to a function the slot's release does not have was accepted.
#[test]
fn a_key_bound_to_a_function_that_does_not_exist_is_an_error() {
    let text = format!(
        "{APP}deployed = {{ production = \"v1\" }}\n[app.release.v1.functions]\nProcessOrder = {{}}\nSendInvoice = {{}}\n\n[[logic_app]]\nname = \"order-flow\"\ndefinition = \"workflows/order-flow.json\"\nkeys = {{ invoiceKey = \"orders/production/SendInvoices\" }}\n"
    );
    let message = error(&text);
    assert!(
        message.contains("logic_app[0].keys") && message.contains("SendInvoices"),
        "{message}"
    );
}

const STANDARD_APP: &str = "[[app]]\nname = \"orders\"\nplan = \"premium\"\ndeployed = { production = \"v1\" }\n[app.release.v1.functions]\nSendInvoice = {}\nNotify = {}\nProcessOrder = {}\n\n";

/// Issue 21: a `[[standard_logic_app]]` loads every workflow folder of its project; they share
/// the site's settings (keys bound by reference, never written in the file), and a run of the
/// connection-based workflow calls production with the bound key.
#[test]
fn a_standard_logic_app_loads_every_workflow_of_its_project() {
    let text = format!(
        "{STANDARD_APP}[[standard_logic_app]]\nname = \"orders-logic\"\nproject = \"drills/workflows/orders-logic\"\nsettings = {{ WORKFLOWS_SUBSCRIPTION_ID = \"s\" }}\nkeys = {{ ordersFunctions_functionAppKey = \"orders/production/SendInvoice\", NOTIFY_KEY = \"orders/production/Notify\" }}\n"
    );
    let loaded =
        load_estate_str("drill.toml", &text, data(), EmulatorConfig::default()).expect("loads");
    let emulator = loaded.emulator;
    assert_eq!(
        emulator.site_workflows("ORDERS-LOGIC"),
        ["invoice-flow", "notify-flow"]
    );
    let key = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .function_default("SendInvoice")
            .expose()
            .to_owned()
    });
    for workflow in ["invoice-flow", "notify-flow"] {
        let logic_app = emulator.logic_app(workflow).expect("loaded");
        assert_eq!(logic_app.site.as_deref(), Some("orders-logic"));
        assert_eq!(
            logic_app.resource_group, "slotdrill",
            "the file's default group"
        );
        assert_eq!(
            logic_app.app_settings.get("ordersFunctions_functionAppKey"),
            Some(&key),
            "{workflow} shares the site's settings"
        );
        let run = emulator.run(workflow, json!({})).expect("runs");
        assert_eq!(format!("{:?}", run.status), "Succeeded", "{workflow}");
    }
    // A setting changed through one workflow is the site's: the other sees it.
    emulator
        .set_logic_app_settings("invoice-flow", [("X".to_owned(), "1".to_owned())].into())
        .expect("set");
    assert_eq!(
        emulator
            .logic_app("notify-flow")
            .expect("loaded")
            .app_settings
            .get("X"),
        Some(&"1".to_owned())
    );
}

#[test]
fn a_standard_logic_app_loads_only_the_workflows_it_names() {
    let text = format!(
        "{STANDARD_APP}[[standard_logic_app]]\nname = \"orders-logic\"\nproject = \"drills/workflows/orders-logic\"\nworkflows = [\"NOTIFY-FLOW\"]\nkeys = {{ NOTIFY_KEY = \"orders/production/Notify\" }}\n"
    );
    let loaded =
        load_estate_str("drill.toml", &text, data(), EmulatorConfig::default()).expect("loads");
    assert_eq!(
        loaded.emulator.site_workflows("orders-logic"),
        ["notify-flow"]
    );
}

#[test]
fn bad_standard_logic_apps_are_named_with_their_position() {
    let site = "[[standard_logic_app]]\nname = \"orders-logic\"\n";
    let cases = [
        format!(
            "{STANDARD_APP}{site}project = \"drills/workflows/orders-logic\"\nworkflows = [\"nope\"]\n"
        ),
        format!("{STANDARD_APP}{site}project = \"drills/workflows/missing\"\n"),
        format!(
            "{STANDARD_APP}{site}project = \"drills/workflows/orders-logic\"\nkeys = {{ K = \"orders/nope/SendInvoice\" }}\n"
        ),
        format!(
            "{STANDARD_APP}[[standard_logic_app]]\nname = \"orders\"\nproject = \"drills/workflows/orders-logic\"\n"
        ),
        format!(
            "{STANDARD_APP}[[logic_app]]\nname = \"notify-flow\"\ndefinition = \"workflows/order-flow.json\"\n\n{site}project = \"drills/workflows/orders-logic\"\n"
        ),
        format!("{STANDARD_APP}{site}project = \"drills/workflows/orders-logic\"\nflavour = 1\n"),
        format!(
            "[[app]]\nname = \"orders\"\nplan = \"premium\"\ndeployed = {{ production = \"v1\" }}\n[app.release.v1.functions]\nNotify = {{}}\n\n{site}project = \"drills/workflows/orders-logic\"\n"
        ),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| error(text).replace(&data().display().to_string(), "DATA"))
        .collect();
    insta::assert_snapshot!(messages.join("\n"));
}

/// Issue 21: `[standard_logic_app.slots.NAME]` gives the site a nonproduction slot with its own
/// project's workflows and settings (files only: a slot's workflows never run).
#[test]
fn a_standard_logic_app_slot_holds_its_own_project_and_settings() {
    let text = format!(
        "{STANDARD_APP}[[standard_logic_app]]\nname = \"orders-logic\"\nproject = \"drills/workflows/orders-logic\"\nkeys = {{ ordersFunctions_functionAppKey = \"orders/production/SendInvoice\", NOTIFY_KEY = \"orders/production/Notify\" }}\n[standard_logic_app.slots.staging]\nproject = \"drills/workflows/standard\"\nsettings = {{ STAGE = \"staging\" }}\n[standard_logic_app.slots.empty]\n"
    );
    let loaded =
        load_estate_str("drill.toml", &text, data(), EmulatorConfig::default()).expect("loads");
    let staging = loaded
        .emulator
        .site_slot("orders-logic", "STAGING")
        .expect("the slot");
    assert_eq!(staging.name, "staging");
    assert_eq!(
        staging.workflows.keys().collect::<Vec<_>>(),
        ["invoice-flow"]
    );
    assert_eq!(
        staging.app_settings.get("STAGE").map(String::as_str),
        Some("staging")
    );
    let empty = loaded
        .emulator
        .site_slot("orders-logic", "empty")
        .expect("the slot");
    assert!(empty.workflows.is_empty() && empty.app_settings.is_empty());
    // The slot's workflows are not the estate's Logic Apps: production's are.
    assert_eq!(
        loaded.emulator.site_workflows("orders-logic"),
        ["invoice-flow", "notify-flow"]
    );
}

#[test]
fn bad_standard_logic_app_slots_are_named_with_their_position() {
    let site = "[[standard_logic_app]]\nname = \"orders-logic\"\nproject = \"drills/workflows/orders-logic\"\nkeys = { ordersFunctions_functionAppKey = \"orders/production/SendInvoice\", NOTIFY_KEY = \"orders/production/Notify\" }\n";
    let cases = [
        format!("{STANDARD_APP}{site}[standard_logic_app.slots.production]\n"),
        format!(
            "{STANDARD_APP}{site}[standard_logic_app.slots.staging]\nworkflows = [\"invoice-flow\"]\n"
        ),
        format!(
            "{STANDARD_APP}{site}[standard_logic_app.slots.staging]\nproject = \"drills/workflows/missing\"\n"
        ),
        format!(
            "{STANDARD_APP}{site}[standard_logic_app.slots.staging]\nproject = \"drills/workflows/standard\"\nworkflows = [\"notify-flow\"]\n"
        ),
        format!(
            "{STANDARD_APP}{site}[standard_logic_app.slots.staging]\nproject = \"drills/workflows/standard\"\nkeys = {{}}\n"
        ),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| error(text).replace(&data().display().to_string(), "DATA"))
        .collect();
    insta::assert_snapshot!(messages.join("\n"));
}
