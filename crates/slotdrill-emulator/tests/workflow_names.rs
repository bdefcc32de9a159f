//! Issue 18: workflow names were stored as sent, percent-encoded (`flow%28v2%29`), and any name
//! was accepted. Names are now decoded, then held to Microsoft.Logic's rule (1–80 letters,
//! digits, `-`, `_`, `.`, `(` and `)`: Learn, "Naming rules and restrictions for Azure
//! resources"); an invalid one gets 400 in ARM's error shape, with the Logic Apps message.

mod common;

use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_emulator::arm::{ArmRequest, ArmResponse};

const FLOWS: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Logic/workflows";

fn send(emulator: &Emulator, method: &str, name: &str, body: Option<Value>) -> ArmResponse {
    emulator.manage(&ArmRequest {
        method: method.to_owned(),
        path: format!("{FLOWS}/{name}"),
        query: vec![("api-version".to_owned(), "2019-05-01".to_owned())],
        headers: vec![("authorization".to_owned(), "Bearer t".to_owned())],
        body,
        base_url: "http://127.0.0.1:1".to_owned(),
    })
}

fn workflow() -> Value {
    json!({
        "location": "westeurope",
        "properties": { "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0",
            "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": {} } },
            "actions": {}
        } }
    })
}

#[test]
fn a_percent_encoded_name_is_stored_decoded() {
    let emulator = common::emulator(1);
    let created = send(&emulator, "PUT", "flow%28v2%29", Some(workflow()));
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body.expect("a body")["name"], "flow(v2)");
    assert!(emulator.logic_app("flow(v2)").is_some());
    // Read back either way, as ARM decodes the path before it routes.
    assert_eq!(send(&emulator, "GET", "flow(v2)", None).status, 200);
    assert_eq!(send(&emulator, "GET", "flow%28v2%29", None).status, 200);
}

#[test]
fn an_invalid_name_is_refused_in_arms_shape_and_nothing_is_created() {
    let emulator = common::emulator(1);
    let too_long = "a".repeat(81);
    for (name, shown) in [
        ("order%20flow", "order flow"),
        ("order%2Fflow", "order/flow"),
        ("caf%C3%A9%3F", "café?"),
        (too_long.as_str(), too_long.as_str()),
    ] {
        let refused = send(&emulator, "PUT", name, Some(workflow()));
        assert_eq!(refused.status, 400, "{name}: {:?}", refused.body);
        let body = refused.body.expect("a body");
        assert_eq!(body["error"]["code"], "InvalidWorkflow", "{name}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("The provided workflow name '{shown}'")),
            "{name}: {message}"
        );
        assert!(emulator.logic_app(shown).is_none());
        assert!(emulator.logic_app(name).is_none());
    }
    assert!(emulator.logic_app_names().is_empty());
    // The longest valid name, with every allowed punctuation mark.
    let longest = format!("{}-_.()", "b".repeat(75));
    assert_eq!(
        send(&emulator, "PUT", &longest, Some(workflow())).status,
        201
    );
}
