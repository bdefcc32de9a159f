//! Every ARM request `ArmCloud` makes, against wiremock: the path, method, api-version, token and
//! body of each, and what the engine gets back.

mod support;

use serde_json::{Value, json};
use slotdrill_engine::Cloud;
use support::{Arm, SITES, TOKEN, WORKFLOWS, in_turn, json_answer};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn get(at: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(at.to_owned()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

fn post(at: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(at.to_owned()))
}

fn site(name: &str, host: &str, modified: &str) -> Value {
    json!({
        "name": name,
        "properties": {
            "defaultHostName": host,
            "state": "Running",
            "lastModifiedTimeUtc": modified,
            "slotSwapStatus": {
                "sourceSlotName": "deploy",
                "destinationSlotName": "production",
                "timestampUtc": "2026-11-26T10:00:00Z"
            }
        }
    })
}

#[test]
fn apps_reads_sites_slots_settings_functions_and_sticky_names() {
    let arm = Arm::start();
    let web = || query_param("api-version", "2024-11-01");
    arm.mount(
        get(SITES)
            .and(web())
            .respond_with(json_answer(
                200,
                json!({ "value": [site("orders", "orders.azurewebsites.net", "2026-11-26T09:00:00Z")] }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{SITES}/orders/slots"))
            .and(web())
            .respond_with(json_answer(
                200,
                json!({ "value": [site("orders/deploy", "orders-deploy.azurewebsites.net", "2026-11-26T11:00:00Z")] }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{SITES}/orders/config/slotConfigNames"))
            .respond_with(json_answer(
                200,
                json!({ "properties": { "appSettingNames": ["DB_CONNECTION"] } }),
            ))
            .expect(1),
    );
    for (slot, release) in [("", "v2"), ("/slots/deploy", "v3")] {
        // Both slots carry the release label: their deployment records are not read.
        arm.mount(
            get(&format!("{SITES}/orders{slot}/deployments"))
                .respond_with(json_answer(200, json!({ "value": [] })))
                .expect(0),
        );
        arm.mount(
            post(&format!("{SITES}/orders{slot}/config/appsettings/list"))
                .and(web())
                .respond_with(json_answer(
                    200,
                    json!({ "properties": { slotdrill_model::RELEASE_SETTING: release, "DB_CONNECTION": format!("db{slot}") } }),
                ))
                .expect(1),
        );
        arm.mount(
            get(&format!("{SITES}/orders{slot}/functions"))
                .respond_with(json_answer(
                    200,
                    json!({ "value": [{ "name": "orders/SendInvoice", "properties": { "name": "SendInvoice" } }] }),
                ))
                .expect(1),
        );
    }

    let apps = arm.cloud().apps().expect("apps");
    assert_eq!(apps.len(), 1);
    let orders = &apps[0];
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.sticky, ["DB_CONNECTION"]);
    let production = orders.slot("production").expect("production");
    assert_eq!(production.host_name, "orders.azurewebsites.net");
    assert_eq!(production.release.as_deref(), Some("v2"));
    assert!(production.running);
    assert_eq!(production.functions, ["SendInvoice"]);
    assert!(
        !production.deployed_since_swap,
        "modified before the last swap"
    );
    let last_swap = production.last_swap.as_ref().expect("slotSwapStatus");
    assert!(last_swap.moved("deploy", "production"), "{last_swap:?}");
    assert!(last_swap.at.is_some(), "timestampUtc read");
    let deploy = orders.slot("deploy").expect("deploy");
    assert_eq!(deploy.release.as_deref(), Some("v3"));
    assert!(deploy.deployed_since_swap, "modified after the last swap");
    assert_eq!(deploy.settings["DB_CONNECTION"], "db/slots/deploy");
    arm.verify();
}

fn workflow(version: &str) -> Value {
    json!({
        "name": "order-flow",
        "location": "westeurope",
        "properties": {
            "state": "Enabled",
            "version": version,
            "definition": {
                "triggers": { "manual": { "type": "Request", "kind": "Http" } },
                "actions": { "SendInvoice": { "type": "Http", "inputs": { "method": "POST", "uri": "https://orders.azurewebsites.net/api/SendInvoice" } } }
            },
            "parameters": {}
        }
    })
}

#[test]
fn workflows_are_listed_read_and_written_back_after_a_version_check() {
    let arm = Arm::start();
    let logic = || query_param("api-version", "2019-05-01");
    arm.mount(
        get(WORKFLOWS)
            .and(logic())
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "order-flow" }, { "name": "notify-flow" }] }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{WORKFLOWS}/order-flow"))
            .and(logic())
            .respond_with(json_answer(200, workflow("08584")))
            // The engine's read right before the write stands as the version check.
            .expect(1),
    );
    let written = workflow("08584");
    arm.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{WORKFLOWS}/order-flow")))
            .and(logic())
            .and(body_json(json!({
                "location": "westeurope",
                "properties": {
                    "definition": written["properties"]["definition"],
                    "parameters": {},
                    "state": "Enabled"
                }
            })))
            .respond_with(json_answer(200, workflow("08585")))
            .expect(1),
    );

    let cloud = arm.cloud();
    assert_eq!(
        cloud.workflows().expect("list"),
        ["order-flow", "notify-flow"]
    );
    let read = cloud.read_workflow("order-flow").expect("read");
    assert_eq!(read.version, "08584");
    assert_eq!(
        read.document.root["properties"]["definition"],
        written["properties"]["definition"]
    );
    let version = cloud
        .write_workflow("order-flow", &read.document, &read.version)
        .expect("written");
    assert_eq!(version, "08585", "the version ARM gave the write");
    arm.verify();
}

#[test]
fn function_keys_come_from_listkeys_in_either_shape_and_are_read_once() {
    let arm = Arm::start();
    // What Azure returns: a flat object of key names.
    arm.mount(
        post(&format!("{SITES}/orders/functions/SendInvoice/listkeys"))
            .respond_with(json_answer(
                200,
                json!({ "other": "k-other", "default": "k-flat" }),
            ))
            .expect(1),
    );
    // What the REST spec describes: the keys under `properties`.
    arm.mount(
        post(&format!(
            "{SITES}/orders/slots/deploy/functions/SendInvoice/listkeys"
        ))
        .respond_with(json_answer(
            200,
            json!({ "id": "x", "properties": { "default": "k-spec" } }),
        ))
        .expect(1),
    );
    // No `default`: the function's other key.
    arm.mount(
        post(&format!("{SITES}/orders/functions/Audit/listkeys"))
            .respond_with(json_answer(200, json!({ "ci": "k-ci" })))
            .expect(1),
    );
    arm.mount(
        post(&format!("{SITES}/orders/functions/Keyless/listkeys"))
            .respond_with(json_answer(200, json!({})))
            .expect(1),
    );

    let cloud = arm.cloud();
    for _ in 0..2 {
        let key = |slot, function| {
            cloud
                .function_key("orders", slot, function)
                .expect("key")
                .expose()
                .to_owned()
        };
        assert_eq!(key("production", "SendInvoice"), "k-flat");
        assert_eq!(key("deploy", "SendInvoice"), "k-spec");
        assert_eq!(key("production", "Audit"), "k-ci");
    }
    let error = cloud
        .function_key("orders", "production", "Keyless")
        .expect_err("no key")
        .to_string();
    assert!(
        error.contains("orders/production/Keyless") && error.contains("returned no key"),
        "{error}"
    );
    arm.verify();
}

#[test]
fn a_probe_calls_the_slot_host_with_the_slot_key() {
    let arm = Arm::start();
    arm.mount(
        get(&format!("{SITES}/orders/slots/deploy"))
            .respond_with(json_answer(
                200,
                site(
                    "orders/deploy",
                    "orders-deploy.azurewebsites.net",
                    "2026-11-26T09:00:00Z",
                ),
            ))
            .expect(1),
    );
    arm.mount(
        post(&format!(
            "{SITES}/orders/slots/deploy/functions/SendInvoice/listkeys"
        ))
        .respond_with(json_answer(200, json!({ "default": "deploy-key" })))
        .expect(1),
    );
    // Against loopback the data plane is the same listener, the slot's host name in `Host`.
    arm.mount(
        post("/api/SendInvoice")
            .and(header("host", "orders-deploy.azurewebsites.net"))
            .and(header("x-functions-key", "deploy-key"))
            .respond_with(in_turn(vec![
                ResponseTemplate::new(200),
                ResponseTemplate::new(500),
                ResponseTemplate::new(200),
                ResponseTemplate::new(503),
            ]))
            .expect(4),
    );

    let cloud = arm.cloud();
    assert_eq!(
        cloud
            .probe("orders", "deploy", "SendInvoice", 3)
            .expect("probed"),
        [200, 500, 200]
    );
    assert_eq!(
        cloud
            .probe("orders", "deploy", "SendInvoice", 1)
            .expect("probed"),
        [503],
        "host name and key are read once"
    );
    let requests = arm.requests().len();
    assert!(
        cloud
            .probe("orders", "production", "SendInvoice", 0)
            .expect("nothing to do")
            .is_empty()
    );
    assert_eq!(arm.requests().len(), requests, "no samples, no requests");
    arm.verify();
}

#[test]
fn run_history_lists_runs_and_their_actions_newest_first() {
    let arm = Arm::start();
    // The definition says which actions run in loops (none here): read once.
    arm.mount(
        get(&format!("{WORKFLOWS}/order-flow"))
            .respond_with(json_answer(
                200,
                json!({ "name": "order-flow", "properties": { "definition": { "actions": { "SendInvoice": { "type": "Http" } } } } }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{WORKFLOWS}/order-flow/runs"))
            .respond_with(json_answer(
                200,
                json!({ "value": [
                    { "name": "run-2", "properties": { "startTime": "2026-11-26T10:00:01.5Z" } },
                    { "name": "run-1", "properties": { "startTime": "2026-11-26T09:59:00Z" } }
                ] }),
            ))
            .expect(1),
    );
    for (run, status) in [("run-2", "Failed"), ("run-1", "Succeeded")] {
        arm.mount(
            get(&format!("{WORKFLOWS}/order-flow/runs/{run}/actions"))
                .respond_with(json_answer(
                    200,
                    json!({ "value": [{ "name": "SendInvoice", "properties": { "status": status } }] }),
                ))
                .expect(1),
        );
    }

    let history = arm.cloud().run_history("order-flow", 2).expect("history");
    let summary: Vec<(String, String, Option<u64>)> = history
        .into_iter()
        .map(|o| (o.run, o.status, o.started))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "run-2".to_owned(),
                "Failed".to_owned(),
                Some(1_795_687_201_500)
            ),
            (
                "run-1".to_owned(),
                "Succeeded".to_owned(),
                Some(1_795_687_140_000)
            ),
        ]
    );
    arm.verify();
}

/// Every swap names its non-production slot in the path and the other in `targetSlot`, as az CLI
/// (`swap_slot` calls `swap_slot_slot(…, slot, target_slot or 'production', True)`) and
/// PowerShell do; the production form (`sites/{app}/slotsswap`) is never sent.
#[test]
fn swaps_use_the_slot_form_as_az_cli_does() {
    let arm = Arm::start();
    let operation = format!("{}/operations/swap-1", arm.uri());
    arm.mount(
        post(&format!("{SITES}/orders/slotsswap"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0),
    );
    arm.mount(
        post(&format!("{SITES}/orders/slots/deploy/slotsswap"))
            .and(body_json(
                json!({ "targetSlot": "production", "preserveVnet": true }),
            ))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header("azure-asyncoperation", operation.as_str()),
            )
            .expect(1),
    );
    arm.mount(
        get("/operations/swap-1")
            .respond_with(in_turn(vec![
                json_answer(200, json!({ "status": "InProgress" })),
                json_answer(200, json!({ "status": "Succeeded" })),
            ]))
            .expect(2),
    );
    arm.mount(
        post(&format!("{SITES}/orders/slots/deploy/slotsswap"))
            .and(body_json(
                json!({ "targetSlot": "staging", "preserveVnet": true }),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1),
    );
    arm.mount(
        post(&format!("{SITES}/orders/slots/staging/slotsswap"))
            .and(body_json(
                json!({ "targetSlot": "production", "preserveVnet": true }),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1),
    );

    let cloud = arm.cloud();
    cloud
        .swap("orders", "deploy", "production")
        .expect("swapped");
    cloud.swap("orders", "deploy", "staging").expect("swapped");
    // Production named as the source: the slot still goes in the path.
    cloud
        .swap("orders", "production", "staging")
        .expect("swapped");
    arm.verify();
}

#[test]
fn a_trigger_runs_the_workflow_and_waits_for_the_run() {
    let arm = Arm::start();
    arm.mount(
        get(&format!("{WORKFLOWS}/order-flow"))
            .respond_with(json_answer(200, workflow("1")))
            .expect(1),
    );
    arm.mount(
        post(&format!("{WORKFLOWS}/order-flow/triggers/manual/run"))
            .respond_with(ResponseTemplate::new(202).insert_header("x-ms-workflow-run-id", "run-9"))
            .expect(1),
    );
    arm.mount(
        get(&format!("{WORKFLOWS}/order-flow/runs/run-9"))
            .respond_with(in_turn(vec![
                json_answer(200, json!({ "properties": { "status": "Running" } })),
                json_answer(200, json!({ "properties": { "status": "Succeeded" } })),
            ]))
            .expect(2),
    );
    assert!(arm.cloud().trigger("order-flow").expect("ran"));
    arm.verify();
}

#[test]
fn api_versions_are_configurable() {
    let arm = Arm::start();
    arm.mount(
        get(WORKFLOWS)
            .and(query_param("api-version", "2016-06-01"))
            .respond_with(json_answer(200, json!({ "value": [] })))
            .expect(1),
    );
    arm.mount(
        post(&format!("{SITES}/orders/functions/SendInvoice/listkeys"))
            .and(query_param("api-version", "2023-01-01"))
            .respond_with(json_answer(200, json!({ "default": "k" })))
            .expect(1),
    );
    let mut config = arm.config();
    config.web_api_version = "2023-01-01".to_owned();
    config.logic_api_version = "2016-06-01".to_owned();
    let cloud = slotdrill_azure::ArmCloud::new(config).expect("client");
    assert!(cloud.workflows().expect("listed").is_empty());
    cloud
        .function_key("orders", "production", "SendInvoice")
        .expect("key");
    arm.verify();
}

#[test]
fn now_is_the_date_arm_answers_with_on_the_clock_of_slot_swap_status() {
    let arm = Arm::start();
    arm.mount(
        get(SITES)
            .and(query_param("api-version", "2024-11-01"))
            .respond_with(
                json_answer(
                    200,
                    json!({ "value": [site("orders", "orders.azurewebsites.net", "2026-11-26T09:00:00Z")] }),
                )
                .insert_header("date", "Thu, 26 Nov 2026 10:00:00 GMT"),
            ),
    );
    let cloud = arm.cloud();
    let now = cloud.now().expect("answered").expect("a Date");
    assert_eq!(now, 1_795_687_200_000);
    // `site()`'s slotSwapStatus.timestampUtc is the same instant: both are the server's clock.
    let sites = arm.requests().len();
    assert_eq!(sites, 1, "one request: {:?}", arm.seen());
    let (slots, sticky) = (
        format!("{SITES}/orders/slots"),
        format!("{SITES}/orders/config/slotConfigNames"),
    );
    arm.mount(get(&slots).respond_with(json_answer(200, json!({ "value": [] }))));
    arm.mount(get(&sticky).respond_with(json_answer(200, json!({ "properties": {} }))));
    arm.mount(
        post(&format!("{SITES}/orders/config/appsettings/list")).respond_with(json_answer(
            200,
            json!({ "properties": { "SLOTDRILL_RELEASE": "v1" } }),
        )),
    );
    arm.mount(
        get(&format!("{SITES}/orders/functions"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    let swapped = cloud.apps().expect("apps")[0].slots[0]
        .last_swap
        .as_ref()
        .and_then(|s| s.at)
        .expect("timestampUtc");
    assert_eq!(swapped, now, "comparable marks");
}

#[test]
fn now_reads_the_servers_own_date_and_is_none_without_one() {
    // wiremock's server stamps its own `Date`, the real time.
    let arm = Arm::start();
    arm.mount(get(SITES).respond_with(json_answer(200, json!({ "value": [] }))));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64;
    let now = arm.cloud().now().expect("answered").expect("a Date");
    assert!(
        now + 2_000 >= before && now <= before + 2_000,
        "{now} vs {before}"
    );

    // A server that sends no `Date`: the back end cannot tell.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().expect("a request");
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer);
        let body = r#"{"value":[]}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).expect("answer");
    });
    let mut config = arm.config();
    config.endpoint = endpoint;
    let cloud = slotdrill_azure::ArmCloud::new(config).expect("client");
    assert_eq!(cloud.now().expect("answered"), None);
}
