//! An estate for engine tests: `orders` with four functions, releases v1 (healthy), v2
//! (SendInvoice broken), v3 (most functions broken) and v1-bad (SendInvoice broken too), and
//! three Logic Apps that call SendInvoice at different depths and in both call forms.
#![allow(dead_code)]

pub mod faulty;
pub mod random;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    DiagnoseConfig, Diagnosis, Mode, Observation, Plan, Policy, diagnose, observe, plan,
};
use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, HostingPlan, Release};
use slotdrill_wdl::Document;

pub const FUNCTIONS: [&str; 4] = ["ProcessOrder", "SendInvoice", "Notify", "Archive"];
const FUNCTION_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites/orders/functions";

fn release(id: &str, broken: &[&str]) -> Release {
    FUNCTIONS.iter().fold(Release::new(id), |r, f| {
        let behaviour = if broken.contains(f) {
            FunctionBehaviour::status(500)
        } else {
            FunctionBehaviour::ok()
        };
        r.with_function(*f, behaviour)
    })
}

/// Production held `previous`, the deploy slot got `new`, and they were swapped: production
/// runs `new`, deploy holds `previous`.
pub fn estate(previous: &str, new: &str) -> Emulator {
    let mut estate = Estate::new(5);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    estate
        .add_release("orders", release("v1", &[]))
        .expect("v1");
    estate
        .add_release("orders", release("v2", &["SendInvoice"]))
        .expect("v2");
    estate
        .add_release(
            "orders",
            release("v3", &["SendInvoice", "Notify", "Archive"]),
        )
        .expect("v3");
    estate
        .add_release("orders", release("v1-bad", &["SendInvoice"]))
        .expect("v1-bad");
    estate.create_slot("orders", "deploy", None).expect("slot");
    estate
        .deploy("orders", "production", previous)
        .expect("deploy");
    estate.deploy("orders", "deploy", new).expect("deploy");
    estate.swap("orders", "deploy", "production").expect("swap");
    let emulator = Emulator::new(estate);
    save_workflows(&emulator);
    emulator
}

pub fn function(name: &str) -> Value {
    json!({ "type": "Function", "inputs": { "function": { "id": format!("{FUNCTION_ID}/{name}") }, "body": "@triggerBody()" } })
}

pub fn save(emulator: &Emulator, name: &str, definition: Value, parameters: Value) {
    let resource = json!({ "name": name, "properties": { "definition": definition, "parameters": parameters } });
    emulator
        .save_logic_app(
            name,
            Document::from_value(&format!("{name}.json"), name, resource, None).expect("doc"),
            None,
        )
        .expect("saved");
}

pub fn save_workflows(emulator: &Emulator) {
    let trigger = json!({ "manual": { "type": "Request", "kind": "Http" } });
    save(
        emulator,
        "order-flow",
        json!({
            "triggers": trigger,
            "actions": {
                "ProcessOrder": function("ProcessOrder"),
                "SendInvoice": { "runAfter": { "ProcessOrder": ["Succeeded"] }, "type": "Function",
                                 "inputs": { "function": { "id": format!("{FUNCTION_ID}/SendInvoice") }, "body": "@body('ProcessOrder')", "retryPolicy": { "type": "none" } } }
            }
        }),
        json!({}),
    );
    let key = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .function_default("SendInvoice")
            .expose()
            .to_owned()
    });
    save(
        emulator,
        "billing-flow",
        json!({
            "parameters": { "invoiceKey": { "type": "securestring" } },
            "triggers": trigger,
            "actions": {
                "Bill": { "type": "Http",
                          "inputs": { "method": "POST", "uri": "https://orders.azurewebsites.net/api/SendInvoice", "headers": { "x-functions-key": "@parameters('invoiceKey')" }, "retryPolicy": { "type": "none" } } },
                "Archive": function("Archive")
            }
        }),
        json!({ "invoiceKey": { "value": key } }),
    );
    save(
        emulator,
        "notify-flow",
        json!({
            "triggers": trigger,
            "actions": {
                "Outer": { "type": "Scope", "actions": {
                    "IfVip": { "type": "If", "expression": "@true", "actions": {
                        "InvoiceVip": { "type": "Function", "inputs": { "function": { "id": format!("{FUNCTION_ID}/SendInvoice") }, "retryPolicy": { "type": "none" } } }
                    }, "else": { "actions": {} } }
                } },
                "Notify": { "runAfter": { "Outer": ["Succeeded", "Failed"] }, "type": "Function", "inputs": { "function": { "id": format!("{FUNCTION_ID}/Notify") } } }
            }
        }),
        json!({}),
    );
}

/// Runs every workflow `times` times (run history for diagnosis).
pub fn traffic(emulator: &Emulator, times: usize) {
    for _ in 0..times {
        for name in emulator.logic_app_names() {
            emulator.run(&name, json!({ "order": 1 })).expect("runs");
        }
    }
}

pub fn observe_and_diagnose(emulator: &Emulator) -> (Observation, Diagnosis) {
    let observation = observe(emulator).expect("observe");
    let diagnosis = diagnose(emulator, &observation, &DiagnoseConfig::default()).expect("diagnose");
    (observation, diagnosis)
}

pub fn plan_for(emulator: &Emulator, mode: Mode) -> Plan {
    let (observation, diagnosis) = observe_and_diagnose(emulator);
    plan(
        &observation,
        &diagnosis,
        &Policy {
            mode,
            ..Policy::default()
        },
    )
}

/// Every workflow's JSON, to compare before and after.
pub fn definitions(emulator: &Emulator) -> BTreeMap<String, String> {
    emulator
        .logic_app_names()
        .into_iter()
        .map(|name| {
            let doc = emulator.logic_app(&name).expect("saved").document;
            (name, serde_json::to_string(&doc.root).expect("json"))
        })
        .collect()
}

/// A journal path in a new temporary directory (kept while the returned guard lives).
pub fn journal() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rollback.jsonl");
    (dir, path)
}
