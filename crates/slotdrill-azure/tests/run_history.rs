//! Run history of an action inside a loop, against wiremock shaped by the REST spec
//! (Azure/azure-rest-api-specs `Microsoft.Logic/stable/2019-05-01`: WorkflowRunActions_List,
//! WorkflowRunActionRepetitions_List): the action's own record and one outcome per repetition,
//! repetitions read only for actions the definition puts in a `Foreach` or `Until`.

mod support;

use serde_json::json;
use slotdrill_engine::Cloud;
use support::{Arm, TOKEN, WORKFLOWS, json_answer};
use wiremock::Mock;
use wiremock::matchers::{header, method, path};

fn get(at: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(at.to_owned()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

#[test]
fn a_looped_action_is_read_per_repetition() {
    let arm = Arm::start();
    let flow = format!("{WORKFLOWS}/loop-flow");
    arm.mount(
        get(&flow)
            .respond_with(json_answer(
                200,
                json!({ "name": "loop-flow", "properties": { "definition": { "actions": {
                    "EachOrder": { "type": "Foreach", "foreach": "@triggerBody()", "actions": {
                        "Invoice": { "type": "Function", "inputs": {} } } },
                    "Notify": { "type": "Http", "inputs": {}, "runAfter": { "EachOrder": ["Failed"] } }
                } } } }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{flow}/runs"))
            .respond_with(json_answer(
                200,
                json!({ "value": [{ "name": "run-1", "properties": { "startTime": "2026-11-26T10:00:00Z" } }] }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{flow}/runs/run-1/actions"))
            .respond_with(json_answer(
                200,
                json!({ "value": [
                    { "name": "EachOrder", "properties": { "status": "Failed" } },
                    { "name": "Invoice", "properties": { "status": "Failed" } },
                    { "name": "Notify", "properties": { "status": "Succeeded" } }
                ] }),
            ))
            .expect(1),
    );
    arm.mount(
        get(&format!("{flow}/runs/run-1/actions/Invoice/repetitions"))
            .respond_with(json_answer(
                200,
                json!({ "value": [
                    { "name": "000000", "type": "Microsoft.Logic/workflows/runs/actions/repetitions",
                      "properties": { "repetitionIndexes": [{ "scopeName": "EachOrder", "itemIndex": 0 }], "status": "Failed" } },
                    { "name": "000001", "type": "Microsoft.Logic/workflows/runs/actions/repetitions",
                      "properties": { "repetitionIndexes": [{ "scopeName": "EachOrder", "itemIndex": 1 }], "status": "Succeeded" } }
                ] }),
            ))
            .expect(1),
    );

    let history = arm.cloud().run_history("loop-flow", 5).expect("history");
    let summary: Vec<(&str, &str, Option<&str>)> = history
        .iter()
        .map(|o| {
            (
                o.action.as_str(),
                o.status.as_str(),
                o.repetition.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("EachOrder", "Failed", None),
            ("Invoice", "Failed", None),
            ("Invoice", "Failed", Some("000000")),
            ("Invoice", "Succeeded", Some("000001")),
            ("Notify", "Succeeded", None),
        ]
    );
    arm.verify();
}
