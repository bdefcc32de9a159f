//! Every built-in action type the runner executes, on workflow JSON in `tests/data/runtime/`
//! ("Schema reference guide for trigger and action types in Azure Logic Apps",
//! `articles/logic-apps/logic-apps-workflow-actions-triggers.md`): data operations, ParseJson,
//! variables, Terminate, Wait, Workflow, Http `queries` and `authentication`, ApiConnection
//! stubs, and the Http timeout of each Logic App kind.

mod common;

use common::runtime::{action, document, records, run, save, span};
use serde_json::{Value, json};
use slotdrill_emulator::{HttpStub, Status, Stubs};

#[test]
fn query_select_join_and_table() {
    let emulator = common::emulator(5);
    let run = run(
        &emulator,
        "data-ops.json",
        json!({
            "numbers": [1, 2, 3, 0],
            "products": [ { "id": 0, "name": "Apples" }, { "id": 1, "name": "Oranges, \"navel\"" } ]
        }),
    );
    let body = |name: &str| {
        let record = action(&run, name);
        assert_eq!(record.status, Status::Succeeded, "{record:#?}");
        record.outputs["body"].clone()
    };
    assert_eq!(body("Filter_array"), json!([2, 3]));
    assert_eq!(
        body("Select"),
        json!([
            { "Product_ID": 0, "Label": "#Apples" },
            { "Product_ID": 1, "Label": "#Oranges, \"navel\"" }
        ])
    );
    assert_eq!(body("Join"), json!("Apples; Oranges, \"navel\""));
    assert_eq!(
        body("Create_CSV_table"),
        json!("id,name\r\n0,Apples\r\n1,\"Oranges, \"\"navel\"\"\"\r\n")
    );
    assert_eq!(
        body("Create_HTML_table"),
        json!(
            "<table><thead><tr><th>Stock_ID</th><th>Description</th></tr></thead><tbody><tr><td>0</td><td>&lt;Apples&gt;</td></tr><tr><td>1</td><td>&lt;Oranges, &quot;navel&quot;&gt;</td></tr></tbody></table>"
        )
    );
    let not_array = action(&run, "Query_not_an_array");
    assert_eq!(not_array.status, Status::Failed, "{not_array:#?}");
    assert_eq!(not_array.code, "InvalidTemplate");
    assert_eq!(
        not_array.error.as_deref(),
        Some(
            "The 'from' property value in the 'query' action inputs is of type 'Null'. The value must be an array."
        )
    );
    let bad_where = action(&run, "Query_bad_where");
    assert_eq!(bad_where.code, "InvalidTemplate");
    assert!(
        bad_where.error.as_deref().is_some_and(|e| e.starts_with(
            "The execution of template action 'Query_bad_where' failed: The evaluation of 'query' action 'where' expression '@foo(item())' failed: 'The template language function 'foo' is not defined or not valid.'"
        )),
        "{bad_where:#?}"
    );
}

#[test]
fn parse_json_validates_the_schema_subset() {
    let emulator = common::emulator(5);
    let good = json!([ { "FlowState": "Started", "Count": null, "Tags": ["a"] } ]);
    let run_with = |content: Value| {
        emulator
            .run("parse-json", json!({ "content": content }))
            .expect("runs")
    };
    save(&emulator, "parse-json", "parse-json.json");
    let ok = run_with(good.clone());
    assert_eq!(action(&ok, "Parse_JSON").outputs, json!({ "body": good }));
    assert_eq!(action(&ok, "Use_it").outputs, json!("Started"));
    // A string holding JSON is parsed first.
    let text = run_with(json!(good.to_string()));
    assert_eq!(action(&text, "Use_it").outputs, json!("Started"));

    let bad = run_with(json!([
        { "FlowState": "Started", "Count": 1 },
        { "FlowState": null, "Count": "two", "Tags": [3] },
        { "FlowState": "Stopped" }
    ]));
    let parse = action(&bad, "Parse_JSON");
    assert_eq!(parse.status, Status::Failed);
    assert_eq!(parse.code, "ValidationFailed");
    assert_eq!(
        parse.error.as_deref(),
        Some("The schema validation failed.")
    );
    let errors = parse.outputs["errors"].as_array().expect("errors");
    let seen: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["message"].as_str().unwrap_or_default(),
                e["path"].as_str().unwrap_or_default(),
                e["schemaId"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "Invalid type. Expected String but got Null.",
                "[1].FlowState",
                "#/items/properties/FlowState"
            ),
            (
                "Invalid type. Expected Integer, Null but got String.",
                "[1].Count",
                "#/items/properties/Count"
            ),
            (
                "Invalid type. Expected String but got Integer.",
                "[1].Tags[0]",
                "#/items/properties/Tags/items"
            ),
            (
                "Required properties are missing from object: Count.",
                "[2]",
                "#/items"
            ),
        ]
    );
    assert_eq!(errors[0]["errorType"], "type");
    assert_eq!(errors[3]["errorType"], "required");
    assert_eq!(action(&bad, "Use_it").status, Status::Skipped);

    let missing = run_with(Value::Null);
    let parse = action(&missing, "Parse_JSON");
    assert_eq!(parse.code, "InvalidTemplate");
    assert_eq!(
        parse.error.as_deref(),
        Some(
            "Unable to process template language expressions in action 'Parse_JSON' inputs at line '0' and column '0': 'Required property 'content' expects a value but got null. Path ''.'."
        )
    );
}

#[test]
fn variables_increment_decrement_append_and_set() {
    let emulator = common::emulator(5);
    let run = run(&emulator, "variables.json", json!({}));
    assert_eq!(
        action(&run, "Summary").outputs,
        json!({ "count": 13, "ratio": 1.75, "text": "reset", "list": [ { "n": 13 } ] })
    );
    assert_eq!(
        action(&run, "Increment_by_default").outputs["body"]["value"],
        11,
        "IncrementVariable adds 1 without a value"
    );
    assert_eq!(
        action(&run, "Append_to_string").outputs["body"]["value"],
        "a13b"
    );
    let text = action(&run, "Increment_text");
    assert_eq!(
        (text.status, text.code.as_str()),
        (Status::Failed, "BadRequest")
    );
    assert!(
        text.error
            .as_deref()
            .is_some_and(|e| e.contains("only Integer and Float variables")),
        "{text:#?}"
    );
    let missing = action(&run, "Append_to_missing");
    assert_eq!(
        missing.error.as_deref(),
        Some("The variable 'nope' is not initialized.")
    );
}

#[test]
fn terminate_sets_the_run_status_and_error() {
    let emulator = common::emulator(5);
    save(&emulator, "terminate", "terminate.json");
    let run_as = |status: &str| {
        emulator
            .run(
                "terminate",
                json!({ "status": status, "order": 7, "items": [1, 2, 3] }),
            )
            .expect("runs")
    };
    let failed = run_as("Failed");
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("action `Stop` terminated the run as Failed: OrderRejected: order 7 was rejected")
    );
    assert_eq!(
        records(&failed, "Stop").len(),
        1,
        "the loop stopped at once"
    );
    assert_eq!(action(&failed, "Stop").code, "Terminated");
    assert_eq!(action(&failed, "After").status, Status::Skipped);

    let cancelled = run_as("Cancelled");
    assert_eq!(cancelled.status, Status::Cancelled);
    assert!(
        cancelled
            .error
            .as_deref()
            .is_some_and(|e| e.contains("Cancelled"))
    );
    let succeeded = run_as("Succeeded");
    assert_eq!(
        (succeeded.status, succeeded.error.as_deref()),
        (Status::Succeeded, None)
    );
    assert_eq!(action(&succeeded, "After").status, Status::Skipped);

    // Not a status Terminate knows: the action fails like any bad input, and the run goes on
    // (After runs after the failed loop).
    let wrong = run_as("Paused");
    assert_eq!(action(&wrong, "Stop").code, "InvalidTemplate");
    assert_eq!(records(&wrong, "Stop").len(), 3);
    assert_eq!(action(&wrong, "Loop").code, "ActionFailed");
    assert_eq!(action(&wrong, "After").status, Status::Succeeded);
}

#[test]
fn wait_moves_the_virtual_clock() {
    let emulator = common::emulator(5);
    let start = emulator.now();
    // Two minutes, then until 10 minutes after virtual time 0.
    let until = slotdrill_emulator::clock::rfc3339(start.plus_millis(600_000));
    let run = run(&emulator, "wait.json", json!({ "until": until }));
    assert_eq!(span(&run, action(&run, "Delay")), (0, 120_000));
    assert_eq!(span(&run, action(&run, "Delay_until")), (120_000, 600_000));
    assert_eq!(
        span(&run, action(&run, "Delay_past")),
        (600_000, 600_000),
        "a moment already past does not wait"
    );
    let bad = action(&run, "Delay_bad");
    assert_eq!(
        (bad.status, bad.code.as_str()),
        (Status::Failed, "InvalidTemplate")
    );
    assert_eq!(emulator.now(), run.end);
    assert_eq!(run.end.millis() - run.start.millis(), 600_000);
}

#[test]
fn a_workflow_action_calls_a_child_logic_app() {
    let emulator = common::emulator(5);
    save(&emulator, "child", "child.json");
    save(&emulator, "scheduled", "scheduled.json");
    let run = run(&emulator, "parent.json", json!({ "order": 12 }));
    let call = action(&run, "Call_child");
    assert_eq!((call.status, call.code.as_str()), (Status::Succeeded, "OK"));
    assert_eq!(call.outputs["statusCode"], 200);
    assert_eq!(call.outputs["body"], json!({ "order": 12, "total": 99 }));
    assert_eq!(span(&run, call), (0, 5_000), "the child's Wait took 5 s");
    assert_eq!(action(&run, "Use_answer").outputs, json!(99));
    let child_runs = emulator.logic_app("child").expect("child").runs;
    assert_eq!(child_runs.len(), 1);
    assert_eq!(child_runs[0].trigger_body, json!({ "order": 12 }));
    assert_eq!(
        call.outputs["headers"]["x-ms-workflow-run-id"],
        json!(child_runs[0].name)
    );
    let missing = action(&run, "Call_missing");
    assert_eq!(
        (missing.status, missing.code.as_str()),
        (Status::Failed, "WorkflowNotFound")
    );
    let scheduled = action(&run, "Call_scheduled");
    assert_eq!(scheduled.status, Status::Failed);
    assert!(
        scheduled
            .error
            .as_deref()
            .is_some_and(|e| e.contains("no trigger of type 'Request'")),
        "{scheduled:#?}"
    );
}

#[test]
fn http_queries_and_authentication_pass_through_redacted() {
    let emulator = common::emulator(5);
    emulator.set_stubs(Stubs {
        http: vec![
            HttpStub {
                url_prefix: "https://shop-api.azurewebsites.net/".to_owned(),
                status: 401,
                body: json!({ "error": "who are you" }),
            },
            HttpStub {
                url_prefix: "https://inventory.contoso.com/".to_owned(),
                status: 200,
                body: json!({ "stock": 3 }),
            },
        ],
        ..Stubs::default()
    });
    let run = run(
        &emulator,
        "http.json",
        json!({ "order": 5, "password": "s3cret-pw" }),
    );
    let ship = action(&run, "Ship");
    assert_eq!(
        ship.inputs["uri"],
        "https://shop-api.azurewebsites.net/api/Ship?order=5&mode=fast"
    );
    assert_eq!(
        ship.inputs["authentication"],
        json!({ "type": "Basic", "username": "shipper", "password": "[redacted]" })
    );
    assert_eq!(
        (ship.status, ship.code.as_str()),
        (Status::Failed, "Unauthorized")
    );
    assert_eq!(
        ship.error.as_deref(),
        Some("401 from shop-api.azurewebsites.net/api/Ship")
    );
    let managed = action(&run, "Managed");
    assert_eq!(managed.status, Status::Succeeded);
    assert_eq!(managed.inputs["authentication"]["secret"], "[redacted]");
    assert_eq!(managed.inputs["authentication"]["clientId"], "app-1");
    let history = serde_json::to_string(&run.actions).expect("json");
    assert!(!history.contains("s3cret-pw") && !history.contains("hunter2"));
}

/// "Limits and configuration reference": an outbound request waits 120 s on Consumption
/// (multitenant) and 235 s on Standard (single-tenant).
#[test]
fn the_http_timeout_depends_on_the_logic_app_kind() {
    let emulator = common::emulator(5);
    let key = emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .keys()
            .function_keys["default"]
            .expose()
            .to_owned()
    });
    for (file, name, expected) in [
        ("hang.json", "hang-consumption", 120_000),
        ("hang-standard.json", "hang-standard", 235_000),
    ] {
        emulator
            .save_logic_app(name, document(file, name, &[("KEY", &key)]), None)
            .expect("saved");
        let run = emulator.run(name, json!({})).expect("runs");
        let hang = action(&run, "Hang");
        assert_eq!(hang.status, Status::TimedOut, "{name}");
        assert_eq!(hang.code, "ActionTimedOut");
        assert_eq!(span(&run, hang).1, expected, "{name}");
        assert!(!hang.error.as_deref().unwrap_or_default().contains(&key));
    }
}

#[test]
fn api_connections_answer_what_the_stub_says() {
    let emulator = common::emulator(5);
    let plain = run(&emulator, "api-connections.json", json!({}));
    assert_eq!(action(&plain, "Post_message").status, Status::Succeeded);
    assert_eq!(action(&plain, "Post_message").outputs["statusCode"], 200);
    emulator.set_stubs(Stubs {
        api_connections: [
            (
                "Wait_for_approval".to_owned(),
                json!({ "statusCode": 200, "body": { "SelectedOption": "Approve" } }),
            ),
            (
                "Post_message".to_owned(),
                json!({ "statusCode": 201, "body": { "id": "m-1" } }),
            ),
        ]
        .into_iter()
        .collect(),
        ..Stubs::default()
    });
    let stubbed = emulator.run("api-connections", json!({})).expect("runs");
    assert_eq!(action(&stubbed, "Post_message").code, "Created");
    assert_eq!(action(&stubbed, "Decision").outputs, json!("Approve"));
}
