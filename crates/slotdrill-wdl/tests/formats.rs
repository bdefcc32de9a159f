//! Which format a file is read as, and why: the Consumption code view (`{definition,
//! parameters: {NAME: {value}}}`, what the portal's code view shows) is Consumption; a
//! `workflow.json` is Logic Apps Standard when it says `kind: Stateful`/`Stateless` or sits in a
//! Standard project folder (`host.json` or `connections.json` beside the workflow folders), and
//! then `@parameters('x')` reads the project's `parameters.json`.

use std::path::Path;

use serde_json::{Value, json};
use slotdrill_model::Secret;
use slotdrill_wdl::{
    Document, Format, Hints, KeyCarrier, RepointRequest, find_calls, repoint, restore,
};

fn path(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

fn load(file: &str) -> Document {
    Document::load(&path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

const SLOT_KEY: &str = "DeploySlotKeyDeploySlotKeyDeploySlotKey==";

#[test]
fn code_view_is_consumption_and_reads_the_given_values() {
    let doc = load("17-code-view.json");
    assert_eq!(doc.format, Format::CodeView, "{}", doc.detected());
    assert!(
        doc.detected().contains("Consumption code view"),
        "{}",
        doc.detected()
    );
    let workflow = doc.workflow(None).expect("workflow");
    // The given value wins over the definition's default, as Azure runs it.
    assert_eq!(
        doc.parameter(workflow, "invoiceBase"),
        Some(json!("https://orders.azurewebsites.net"))
    );
    let calls = find_calls(&doc, &Hints::default());
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].app.as_deref(),
            calls[0].slot.as_deref(),
            calls[0].function.as_deref()
        ),
        (Some("orders"), Some("production"), Some("SendInvoice"))
    );
}

#[test]
fn code_view_repoint_carries_the_key_in_a_securestring_parameter() {
    let doc = load("17-code-view.json");
    let key = Secret::new(SLOT_KEY);
    let request = RepointRequest {
        workflow: None,
        action: "Bill",
        slot: "deploy",
        host: "orders-deploy.azurewebsites.net",
        key: Some(&key),
    };
    let (new_doc, record) = repoint(&doc, &request, &Hints::default()).expect("repoint");
    let KeyCarrier::Parameter(parameter) = &record.key else {
        panic!(
            "a Consumption workflow cannot read an app setting: {:?}",
            record.key
        );
    };
    assert_eq!(parameter.name, "slotdrill_key_Bill");
    assert_eq!(
        new_doc.root["definition"]["parameters"]["slotdrill_key_Bill"]["type"],
        json!("securestring")
    );
    assert_eq!(
        new_doc.root["parameters"]["slotdrill_key_Bill"],
        json!({ "value": SLOT_KEY })
    );
    assert_eq!(
        new_doc.root["definition"]["actions"]["Bill"]["inputs"]["headers"]["x-functions-key"],
        json!("@parameters('slotdrill_key_Bill')")
    );
    assert!(
        !serde_json::to_string(&record)
            .expect("json")
            .contains(SLOT_KEY)
    );
    let back = restore(&new_doc, &record, None).expect("restore");
    assert_eq!(
        serde_json::to_string(&back.root).expect("json"),
        serde_json::to_string(&doc.root).expect("json")
    );
}

#[test]
fn code_view_text_without_a_file_is_consumption_too() {
    let text = std::fs::read_to_string(path("17-code-view.json")).expect("fixture");
    let root: Value = serde_json::from_str(&text).expect("json");
    let doc = Document::from_value("pasted", "billing", root, None).expect("doc");
    assert_eq!(doc.format, Format::CodeView);
}

#[test]
fn standard_by_kind_says_so() {
    let doc = load("12-standard/order-flow/workflow.json");
    assert_eq!(doc.format, Format::Standard);
    assert_eq!(
        doc.detected(),
        "read as Logic Apps Standard because it has `kind: Stateful`"
    );
}

#[test]
fn standard_by_project_folder_without_kind() {
    let doc = load("18-standard-project/archive-flow/workflow.json");
    assert_eq!(doc.format, Format::Standard, "{}", doc.detected());
    assert!(doc.detected().contains("host.json"), "{}", doc.detected());
    // The same JSON on its own, with no project around it, is a code view.
    let root = doc.root.clone();
    let alone = Document::from_value("archive.json", "archive", root, None).expect("doc");
    assert_eq!(alone.format, Format::CodeView);
}

#[test]
fn standard_parameters_come_from_parameters_json() {
    let doc = load("18-standard-project/archive-flow/workflow.json");
    let workflow = doc.workflow(None).expect("workflow");
    assert_eq!(
        doc.parameter(workflow, "archiveFunction"),
        Some(json!("Archive"))
    );
    let calls = find_calls(&doc, &Hints::default());
    assert_eq!(calls[0].function.as_deref(), Some("Archive"), "{calls:?}");
}

#[test]
fn standard_parameters_may_reference_app_settings() {
    let doc = load("18-standard-project/invoice-flow/workflow.json");
    // Offline, with the setting unknown, the call stays unresolved and says why.
    let calls = find_calls(&doc, &Hints::default());
    assert!(!calls.is_empty(), "the call is found even unresolved");
    assert!(!calls[0].resolved);
    assert!(
        calls[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("appsetting('ORDERS_BASE_URL')")),
        "{:?}",
        calls[0].reason
    );
    let mut hints = Hints::default();
    hints.app_settings.insert(
        "ORDERS_BASE_URL".into(),
        "https://orders.azurewebsites.net".into(),
    );
    let calls = find_calls(&doc, &hints);
    assert_eq!(
        (
            calls[0].app.as_deref(),
            calls[0].slot.as_deref(),
            calls[0].function.as_deref()
        ),
        (Some("orders"), Some("production"), Some("SendInvoice"))
    );
}

#[test]
fn a_standard_parameter_resolves_its_app_setting_through_the_lookup_given() {
    let doc = load("18-standard-project/invoice-flow/workflow.json");
    let workflow = doc.workflow(None).expect("workflow");
    let lookup = |name: &str| {
        (name == "ORDERS_BASE_URL").then(|| "https://orders.azurewebsites.net".to_owned())
    };
    assert_eq!(
        doc.parameter_resolved(workflow, "ordersBase", &lookup),
        Some(json!("https://orders.azurewebsites.net"))
    );
    // As written, for a reader that evaluates it itself.
    assert_eq!(
        doc.parameter(workflow, "ordersBase"),
        Some(json!("@appsetting('ORDERS_BASE_URL')"))
    );
    let unknown = doc
        .parameter_resolved(workflow, "ordersBase", &|_| None)
        .expect("declared");
    assert!(
        slotdrill_wdl::eval::first_unknown(unknown.as_str().unwrap_or_default()).is_some(),
        "{unknown}"
    );
}
