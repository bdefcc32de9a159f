//! The workflow chapter of Microsoft's function reference (`MicrosoftDocs/azure-docs`,
//! `articles/logic-apps/workflow-definition-language-functions-reference.md`), evaluated by the
//! runner on real runs: each function's example from the reference, with the doc's result as
//! the oracle, and a check that every `workflow:` name of the wdl crate's
//! `tests/data/functions/reference.txt` is evaluated here.

mod common;

use std::path::Path;

use common::runtime::{action, records, run, save};
use serde_json::{Value, json};
use slotdrill_emulator::{HttpStub, Run, Status, Stubs};

fn stub(prefix: &str, body: Value) -> HttpStub {
    HttpStub {
        url_prefix: prefix.to_owned(),
        status: 200,
        body,
    }
}

/// The stubs `functions.json` calls: a user, a form post and a multipart answer.
fn stubs() -> Stubs {
    Stubs {
        http: vec![
            stub(
                "https://api.contoso.com/",
                json!({ "FirstName": "Sophia", "LastName": "Owen" }),
            ),
            stub(
                "https://forms.contoso.com/",
                json!({
                    "$content-type": "application/x-www-form-urlencoded",
                    "$content": "U3ViamVjdD1IZWxsbyUyMHdvcmxk",
                    "$formdata": [ { "key": "Subject", "value": "Hello world" } ]
                }),
            ),
            stub(
                "https://parts.contoso.com/",
                json!({
                    "$content-type": "multipart/form-data",
                    "$multipart": [ { "headers": {}, "body": "part zero" }, { "headers": {}, "body": { "a": 1 } } ]
                }),
            ),
            stub("https://httpstat.us/200", json!({})),
            HttpStub {
                url_prefix: "https://httpstat.us/500".to_owned(),
                status: 500,
                body: json!({}),
            },
        ],
        ..Stubs::default()
    }
}

fn functions_run() -> Run {
    let emulator = common::emulator(3);
    emulator.set_stubs(stubs());
    run(
        &emulator,
        "functions.json",
        json!({ "orderId": 42, "lines": ["a", "b"] }),
    )
}

fn output(run: &Run, name: &str) -> Value {
    let record = action(run, name);
    assert_eq!(record.status, Status::Succeeded, "{record:#?}");
    record.outputs.clone()
}

#[test]
fn every_workflow_function_of_the_reference_is_evaluated_by_the_runner() {
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../slotdrill-wdl/tests/data/functions/reference.txt"),
    )
    .expect("reference.txt");
    let names: Vec<&str> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("workflow: "))
        .map(str::trim)
        .chain(["item"])
        .collect();
    assert!(names.len() >= 22, "{names:?}");
    let emulator = common::emulator(3);
    emulator.set_stubs(stubs());
    let fixtures = [
        ("functions.json", json!({ "orderId": 42, "lines": ["a"] })),
        ("result.json", json!([1])),
        ("iteration-indexes.json", json!({})),
        ("trigger-forms.json", forms()),
    ];
    // Every action of the fixtures whose definition calls a function, with its run.
    let mut users: Vec<(String, String, Run)> = Vec::new();
    for (file, body) in fixtures {
        let definition: Value =
            serde_json::from_str(&common::runtime::text(file)).expect("fixture json");
        let run = run(&emulator, file, body);
        let mut found = Vec::new();
        definitions(&definition["actions"], &mut found);
        for (name, source) in found {
            users.push((name, source, run.clone()));
        }
    }
    for function in names {
        let call = format!("{function}(");
        let (action_name, _, run) = users
            .iter()
            .find(|(_, source, _)| source.contains(&call))
            .unwrap_or_else(|| panic!("no action of the fixtures calls {function}()"));
        for record in records(run, action_name) {
            assert_eq!(
                (record.status, record.error.as_deref()),
                (Status::Succeeded, None),
                "{function}(): {record:#?}"
            );
        }
    }
}

/// Every action in `actions` (containers included) with its definition's text, without the
/// nested actions' text.
fn definitions(actions: &Value, found: &mut Vec<(String, String)>) {
    for (name, action) in actions.as_object().into_iter().flatten() {
        let mut own = action.clone();
        if let Some(map) = own.as_object_mut() {
            map.remove("actions");
            map.remove("else");
        }
        found.push((name.clone(), own.to_string()));
        definitions(&action["actions"], found);
    }
}

#[test]
fn action_and_trigger_functions_follow_the_reference_examples() {
    let run = functions_run();
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    let user = json!({ "FirstName": "Sophia", "LastName": "Owen" });
    // actionBody('Get_user') and body('Get_user'): the body of the action's outputs.
    assert_eq!(output(&run, "Compose_actionBody"), user);
    assert_eq!(output(&run, "Compose_body"), user);
    // actionOutputs('Get_user') and outputs('Get_user'): statusCode, headers, body.
    let outputs = json!({ "statusCode": 200, "headers": {}, "body": user });
    assert_eq!(output(&run, "Compose_actionOutputs"), outputs);
    assert_eq!(output(&run, "Compose_outputs"), outputs);
    assert_eq!(
        output(&run, "Compose_actions"),
        json!({ "status": "Succeeded", "firstName": "Sophia", "code": "OK" })
    );
    assert_eq!(output(&run, "Compose_action"), json!("Compose_action"));
    // formDataMultiValues('Send_HTTP_request', 'Subject') → ["Hello world"].
    assert_eq!(
        output(&run, "Compose_formDataMultiValues"),
        json!(["Hello world"])
    );
    assert_eq!(output(&run, "Compose_formDataValue"), json!("Hello world"));
    assert_eq!(output(&run, "Compose_multipartBody"), json!({ "a": 1 }));
    // parameters('fullName') with {"fullName": "Sophia Owen"}.
    assert_eq!(output(&run, "Compose_parameters"), json!("Sophia Owen"));
    // variables('numItems') → 20.
    assert_eq!(output(&run, "Compose_variables"), json!(20));
    assert_eq!(
        output(&run, "Compose_trigger"),
        json!({ "name": "manual", "orderId": 42, "status": "Succeeded" })
    );
    assert_eq!(output(&run, "Compose_triggerBody")["orderId"], 42);
    assert_eq!(
        output(&run, "Compose_triggerOutputs"),
        json!({ "headers": {}, "body": { "orderId": 42, "lines": ["a", "b"] } })
    );
}

#[test]
fn item_and_items_give_each_iteration_its_element() {
    let run = functions_run();
    let items: Vec<Value> = records(&run, "Compose_item")
        .iter()
        .map(|a| a.outputs.clone())
        .collect();
    assert_eq!(items, vec![json!("a"), json!("b")]);
    let named: Vec<Value> = records(&run, "Compose_items")
        .iter()
        .map(|a| a.outputs.clone())
        .collect();
    assert_eq!(named, items);
}

#[test]
fn workflow_gives_the_resource_and_its_run() {
    let run = functions_run();
    // workflow().run.name: the name of the current run.
    assert_eq!(output(&run, "Compose_workflow_run_name"), json!(run.name));
    let workflow = output(&run, "Compose_workflow");
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Logic/workflows/functions";
    assert_eq!(
        workflow,
        json!({
            "id": id,
            "name": "functions",
            "type": "Microsoft.Logic/workflows",
            "location": "westeurope",
            "tags": {},
            "run": {
                "id": format!("{id}/runs/{}", run.name),
                "name": run.name,
                "type": "Microsoft.Logic/workflows/runs"
            }
        })
    );
}

#[test]
fn list_callback_url_is_the_request_trigger_url_in_the_reference_shape() {
    let run = functions_run();
    let url = output(&run, "Compose_listCallbackUrl");
    let url = url.as_str().expect("a string");
    assert!(
        url.starts_with("https://prod-00.westeurope.logic.azure.com:443/workflows/"),
        "{url}"
    );
    assert!(
        url.contains("/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig="),
        "{url}"
    );
    // Run history shows the URL without its signature.
    assert!(url.ends_with("&sig=[redacted]"), "{url}");
}

/// The reference's `result()` example: a `For_each` lists its `HTTP` action once, with every
/// iteration's record (name, inputs, outputs, times, status, code) as its `outputs`; a `Scope`
/// lists each top-level action's record, the failed one with its error.
#[test]
fn result_gives_the_top_level_actions_of_a_scope() {
    let emulator = common::emulator(3);
    emulator.set_stubs(stubs());
    let run = run(&emulator, "result.json", json!(["x", "y"]));
    let result = output(&run, "Compose");
    let entries = result.as_array().expect("array");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["name"], "HTTP");
    let iterations = entries[0]["outputs"].as_array().expect("iterations");
    assert_eq!(iterations.len(), 2);
    for iteration in iterations {
        assert_eq!(iteration["name"], "HTTP");
        assert_eq!(
            iteration["inputs"],
            json!({ "method": "GET", "uri": "https://httpstat.us/200" })
        );
        assert_eq!(
            (iteration["code"].as_str(), iteration["status"].as_str()),
            (Some("OK"), Some("Succeeded"))
        );
        assert!(
            iteration["startTime"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert!(iteration["trackingId"].as_str().is_some());
        assert_eq!(iteration["clientTrackingId"], json!(run.name));
    }
    let caught = output(&run, "Catch");
    let names: Vec<&str> = caught
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["Ok", "Broken"]);
    assert_eq!(caught[1]["status"], "Failed");
    assert_eq!(caught[1]["error"]["code"], "InternalServerError");
}

/// The reference's `iterationIndexes` example: the counter reaches 5 in five iterations, and
/// each Compose sees its iteration's index.
#[test]
fn iteration_indexes_count_the_until_iterations() {
    let emulator = common::emulator(3);
    let run = run(&emulator, "iteration-indexes.json", json!({}));
    assert_eq!(run.status, Status::Succeeded, "{run:#?}");
    let composed: Vec<Value> = records(&run, "Compose")
        .iter()
        .map(|a| a.outputs.clone())
        .collect();
    let expected: Vec<Value> = (0..5)
        .map(|i| json!(format!("'Current index: ' {i}")))
        .collect();
    assert_eq!(composed, expected);
    assert_eq!(
        action(&run, "Assign_current_index_to_counter").outputs["body"]["value"],
        5
    );
}

fn forms() -> Value {
    json!({
        "$content-type": "application/x-www-form-urlencoded",
        "$formdata": [ { "key": "feedUrl", "value": "https://feeds.a.dj.com/rss/RSSMarketsMain.xml" } ],
        "$multipart": [ { "headers": {}, "body": "first part" } ]
    })
}

/// `triggerFormDataMultiValues('feedUrl')` and `triggerFormDataValue('feedUrl')` from the
/// reference; `triggerMultipartBody(0)`.
#[test]
fn trigger_form_data_and_multipart() {
    let emulator = common::emulator(3);
    let run = run(&emulator, "trigger-forms.json", forms());
    assert_eq!(
        output(&run, "Compose_triggerFormDataMultiValues"),
        json!(["https://feeds.a.dj.com/rss/RSSMarketsMain.xml"])
    );
    assert_eq!(
        output(&run, "Compose_triggerFormDataValue"),
        json!("https://feeds.a.dj.com/rss/RSSMarketsMain.xml")
    );
    assert_eq!(
        output(&run, "Compose_triggerMultipartBody"),
        json!("first part")
    );
    // A JSON body is not form data: Azure's InvalidTemplate on the action's inputs.
    let plain = emulator
        .run("trigger-forms", json!({ "feedUrl": "x" }))
        .expect("runs");
    let failed = action(&plain, "Compose_triggerFormDataMultiValues");
    assert_eq!(failed.code, "InvalidTemplate");
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("'triggerFormDataMultiValues' expects form data")),
        "{failed:#?}"
    );
}

#[test]
fn the_same_seed_gives_byte_identical_runs() {
    let once = || serde_json::to_string(&functions_run()).expect("json");
    assert_eq!(once(), once());
}

#[test]
fn functions_outside_a_run_context_fail_with_invalid_template() {
    let emulator = common::emulator(3);
    save(&emulator, "trigger-forms", "trigger-forms.json");
    let doc = common::runtime::document("functions.json", "misuse", &[]);
    let mut root = doc.root.clone();
    root["actions"] = json!({
        "NoLoop": { "type": "Compose", "inputs": "@item()" },
        "NoAction": { "type": "Compose", "inputs": "@body('Nope')", "runAfter": { "NoLoop": ["Failed"] } }
    });
    let doc =
        slotdrill_wdl::Document::from_value("misuse.json", "misuse", root, None).expect("document");
    emulator.save_logic_app("misuse", doc, None).expect("saved");
    let run = emulator.run("misuse", json!({})).expect("runs");
    let no_loop = action(&run, "NoLoop");
    assert_eq!(no_loop.code, "InvalidTemplate");
    assert!(
        no_loop
            .error
            .as_deref()
            .is_some_and(|e| e.contains("'item' is not expected at this location")),
        "{no_loop:#?}"
    );
    assert_eq!(action(&run, "NoAction").code, "InvalidTemplate");
}
