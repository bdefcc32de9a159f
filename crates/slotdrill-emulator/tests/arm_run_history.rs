//! Run history as ARM shows it (Azure/azure-rest-api-specs, `Microsoft.Logic/stable/2019-05-01`
//! `logic.json` and its examples): an action inside a loop is one record under `…/actions`, and
//! each of its iterations one record under `…/actions/{action}/repetitions`; the runs list
//! honours `$top` and `$filter`.

mod common;

use common::arm::{Arm, FLOWS, header};
use serde_json::{Value, json};

/// Saves `loop-calls.json` as `loop-flow` with the deploy slot's master key, and runs it once
/// per body, a second apart; returns the run ids, oldest first.
async fn runs_of(arm: &Arm, bodies: &[Value]) -> Vec<String> {
    let master = arm.served.emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .keys()
            .master
            .expose()
            .to_owned()
    });
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/loop-calls.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    let body = json!({ "location": "westeurope", "properties": { "definition": definition, "parameters": { "deployKey": { "value": master } } } });
    let saved = arm
        .send(
            "PUT",
            &format!("{FLOWS}/loop-flow?api-version=2019-05-01"),
            Some(body),
        )
        .await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let mut ids = Vec::new();
    for body in bodies {
        // A second of virtual time between runs, so their start times differ.
        let advanced = arm.send("POST", "/_slotdrill/advance?ms=1000", None).await;
        assert_eq!(advanced.status, 200);
        let triggered = arm
            .send(
                "POST",
                &format!("{FLOWS}/loop-flow/triggers/manual/run?api-version=2019-05-01"),
                Some(body.clone()),
            )
            .await;
        ids.push(header(&triggered, "x-ms-workflow-run-id"));
    }
    ids
}

fn names(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_iterations_are_repetitions_of_one_action() {
    let arm = Arm::new(common::emulator(1)).await;
    // v2 on the deploy slot: SendInvoice answers 500, ProcessOrder 200.
    let ids = runs_of(
        &arm,
        &[json!({ "functions": ["SendInvoice", "ProcessOrder", "SendInvoice"] })],
    )
    .await;
    let run = format!("{FLOWS}/loop-flow/runs/{}", ids[0]);
    let actions = arm
        .send(
            "GET",
            &format!("{run}/actions?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(
        names(&actions.body),
        ["EachOrder", "Call"],
        "one record per action, however many times it ran"
    );
    let call = &actions.body["value"][1];
    assert_eq!(call["type"], "Microsoft.Logic/workflows/runs/actions");
    assert_eq!(call["properties"]["status"], "Failed");

    let repetitions = arm
        .send(
            "GET",
            &format!("{run}/actions/Call/repetitions?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(repetitions.status, 200, "{}", repetitions.body);
    assert_eq!(names(&repetitions.body), ["000000", "000001", "000002"]);
    let value = repetitions.body["value"].as_array().expect("value");
    let statuses: Vec<&str> = value
        .iter()
        .filter_map(|r| r["properties"]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["Failed", "Succeeded", "Failed"]);
    assert_eq!(
        value[1]["properties"]["repetitionIndexes"],
        json!([{ "scopeName": "EachOrder", "itemIndex": 1 }])
    );
    assert_eq!(value[0]["properties"]["code"], "InternalServerError");
    assert_eq!(
        value[2]["type"],
        "Microsoft.Logic/workflows/runs/actions/repetitions"
    );
    assert_eq!(
        value[2]["id"],
        format!("{run}/actions/Call/repetitions/000002")
    );
    let one = arm
        .send(
            "GET",
            &format!("{run}/actions/Call/repetitions/000001?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(one.body["properties"]["status"], "Succeeded");
    let outside = arm
        .send(
            "GET",
            &format!("{run}/actions/EachOrder/repetitions?api-version=2019-05-01"),
            None,
        )
        .await;
    assert_eq!(names(&outside.body), Vec::<String>::new(), "not in a loop");
}

/// `GET …/runs` with `query` after the api-version.
async fn list(arm: &Arm, query: &str) -> common::arm::Answer {
    let url = format!("{FLOWS}/loop-flow/runs?api-version=2019-05-01{query}");
    arm.send("GET", &url, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runs_list_honours_top_and_filter() {
    let arm = Arm::new(common::emulator(1)).await;
    let ids = runs_of(
        &arm,
        &[
            json!({ "functions": ["ProcessOrder"] }),
            json!({ "functions": ["SendInvoice"] }),
            json!({ "functions": ["ProcessOrder"] }),
        ],
    )
    .await;
    let all = list(&arm, "").await;
    assert_eq!(
        names(&all.body),
        [ids[2].clone(), ids[1].clone(), ids[0].clone()],
        "newest first"
    );
    let top = list(&arm, "&$top=2").await;
    assert_eq!(names(&top.body), [ids[2].clone(), ids[1].clone()]);
    let next = top.body["nextLink"].as_str().expect("a next page");
    let rest = arm.send("GET", next, None).await;
    assert_eq!(names(&rest.body), [ids[0].clone()]);
    assert_eq!(rest.body["nextLink"], Value::Null);

    let failed = list(&arm, "&$filter=status%20eq%20%27Failed%27").await;
    assert_eq!(names(&failed.body), [ids[1].clone()]);
    let succeeded = list(&arm, "&$filter=Status eq 'Succeeded'&$top=1").await;
    assert_eq!(names(&succeeded.body), [ids[2].clone()]);
    let start = all.body["value"][1]["properties"]["startTime"]
        .as_str()
        .expect("startTime")
        .to_owned();
    let since = list(&arm, &format!("&$filter=startTime ge {start}")).await;
    assert_eq!(names(&since.body), [ids[2].clone(), ids[1].clone()]);
    let bad = list(&arm, "&$filter=colour eq 'blue'").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}
