//! Repoint one call at a slot, snapshot what was written, prove that only that call moved, and
//! that restore gives back the original document byte for byte.

use std::path::Path;

use serde_json::{Value, json};
use slotdrill_model::Secret;
use slotdrill_wdl::{
    Document, Hints, KeyCarrier, RepointRequest, find_calls, get_path, repoint, restore,
};

struct Case {
    file: &'static str,
    workflow: Option<&'static str>,
    action: &'static str,
    /// The slot's key, when the rewrite is told it.
    slot_key: Option<&'static str>,
    /// The literal key the original action held, needed to restore it.
    original_key: Option<&'static str>,
}

const DEPLOY_HOST: &str = "orders-deploy.azurewebsites.net";
const SLOT_KEY: &str = "SlotKeySlotKeySlotKeySlotKeySlotKeySlotKeySlotKeySlot==";

fn load(file: &str) -> Document {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    Document::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn check(name: &str, case: Case) {
    let doc = load(case.file);
    let slot_key = case.slot_key.map(Secret::new);
    let request = RepointRequest {
        workflow: case.workflow,
        action: case.action,
        slot: "deploy",
        host: DEPLOY_HOST,
        key: slot_key.as_ref(),
    };
    let hints = Hints::default();
    let (new_doc, record) =
        repoint(&doc, &request, &hints).unwrap_or_else(|e| panic!("{name}: {e}"));

    // What was written, for review.
    let workflow = new_doc
        .workflow(case.workflow.or(Some(&record.workflow)))
        .expect("workflow");
    let definition = new_doc.definition(workflow);
    let values = workflow
        .parameter_values
        .as_ref()
        .and_then(|p| get_path(&new_doc.root, p))
        .cloned();
    let written = json!({
        "action": record.rewritten,
        "definition_parameters": definition.get("parameters"),
        "parameter_values": values,
        "key": record.key,
        "original_redacted": record.original,
    });
    // The document really carries the slot's key (it is what gets PUT), but snapshots never hold
    // a key: check it here, then show it redacted.
    let mut written_text = serde_json::to_string(&written).expect("json");
    if let Some(key) = case.slot_key {
        assert!(
            written_text.contains(key),
            "{name}: the slot key was not written"
        );
        written_text = written_text.replace(key, "[slot key]");
    }
    let written: Value = serde_json::from_str(&written_text).expect("json");
    insta::assert_json_snapshot!(name, written);

    // The record never holds a key.
    let record_json = serde_json::to_string(&record).expect("record serializes");
    for secret in [case.original_key, case.slot_key].into_iter().flatten() {
        assert!(
            !record_json.contains(secret),
            "{name}: a key leaked into the record"
        );
    }

    // Only this call moved: it now reaches the deploy slot; every other call is as it was.
    let mut slot_hints = Hints::default();
    slot_hints
        .hosts
        .insert(DEPLOY_HOST.into(), ("orders".into(), "deploy".into()));
    let before = find_calls(&doc, &slot_hints);
    let after = find_calls(&new_doc, &slot_hints);
    assert_eq!(
        before.len(),
        after.len(),
        "{name}: the number of calls changed"
    );
    for (b, a) in before.iter().zip(&after) {
        if a.action == record.action && a.workflow == record.workflow {
            assert_eq!(
                (a.app.as_deref(), a.slot.as_deref()),
                (Some("orders"), Some("deploy")),
                "{name}"
            );
            assert_eq!(a.function, b.function, "{name}: the function changed");
            assert_eq!(a.container, b.container, "{name}: the action moved");
        } else {
            assert_eq!(a, b, "{name}: another call changed");
        }
    }

    // Restore is exact, byte for byte.
    let original_key = case.original_key.map(Secret::new);
    let restored =
        restore(&new_doc, &record, original_key.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_string_pretty(&restored.root).expect("json"),
        serde_json::to_string_pretty(&doc.root).expect("json"),
        "{name}: restore is not exact"
    );
}

#[test]
fn function_action_with_every_optional_field() {
    check(
        "function_action",
        Case {
            file: "01-definition-function.json",
            workflow: None,
            action: "SendInvoice",
            slot_key: None,
            original_key: None,
        },
    );
}

#[test]
fn http_action_with_a_literal_code_in_the_uri() {
    check(
        "http_code_in_uri",
        Case {
            file: "03-definition-http-literal.json",
            workflow: None,
            action: "ProcessOrder",
            slot_key: None,
            original_key: Some("q8vR2mTnXw4ZpLk7Hs3DfGj9Ab6Ce1YuIo5Nr0Ta2Wb4Xc8Vd=="),
        },
    );
}

#[test]
fn http_action_with_the_code_in_queries() {
    check(
        "http_code_in_queries",
        Case {
            file: "03-definition-http-literal.json",
            workflow: None,
            action: "SendInvoice",
            slot_key: None,
            original_key: Some("Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXwVuTsRqPoNmLk=="),
        },
    );
}

#[test]
fn http_action_with_the_key_in_a_header() {
    check(
        "http_key_header",
        Case {
            file: "03-definition-http-literal.json",
            workflow: None,
            action: "NotifyCustomer",
            slot_key: None,
            original_key: Some("Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0KkLlMmNnOoPpQqRrSsTtUu=="),
        },
    );
}

#[test]
fn http_uri_from_a_shared_parameter_rewrites_only_this_action() {
    check(
        "shared_parameter",
        Case {
            file: "04-definition-http-expressions.json",
            workflow: None,
            action: "SendInvoice",
            slot_key: None,
            original_key: None,
        },
    );
    let (new_doc, _) = repoint(
        &load("04-definition-http-expressions.json"),
        &RepointRequest {
            workflow: None,
            action: "SendInvoice",
            slot: "deploy",
            host: DEPLOY_HOST,
            key: None,
        },
        &Hints::default(),
    )
    .expect("repoint");
    assert_eq!(
        new_doc
            .root
            .pointer("/parameters/functionBase/defaultValue"),
        Some(&Value::String("https://orders.azurewebsites.net".into())),
        "the shared parameter is untouched"
    );
}

#[test]
fn workflow_resource_gets_the_key_as_a_parameter_value() {
    check(
        "resource_with_key",
        Case {
            file: "05-resource-order-flow.json",
            workflow: None,
            action: "SendInvoice",
            slot_key: Some(SLOT_KEY),
            original_key: None,
        },
    );
}

#[test]
fn bare_definition_without_parameters_gets_and_loses_the_section() {
    check(
        "definition_created_parameters",
        Case {
            file: "02-definition-every-container.json",
            workflow: None,
            action: "InvoiceUS",
            slot_key: Some(SLOT_KEY),
            original_key: None,
        },
    );
}

#[test]
fn arm_template_function_id_from_resource_id() {
    check(
        "arm_resource_id",
        Case {
            file: "07-arm-resourceid.json",
            workflow: None,
            action: "ProcessOrder",
            slot_key: None,
            original_key: None,
        },
    );
}

#[test]
fn arm_template_with_two_workflows_rewrites_the_named_one() {
    check(
        "arm_two_workflows",
        Case {
            file: "09-arm-two-workflows.json",
            workflow: Some("refund-flow"),
            action: "SendInvoice",
            slot_key: None,
            original_key: None,
        },
    );
}

#[test]
fn standard_workflow_reads_the_key_from_an_app_setting() {
    check(
        "standard",
        Case {
            file: "12-standard/order-flow/workflow.json",
            workflow: None,
            action: "SendInvoice",
            slot_key: None,
            original_key: None,
        },
    );
    let (_, record) = repoint(
        &load("12-standard/order-flow/workflow.json"),
        &RepointRequest {
            workflow: None,
            action: "SendInvoice",
            slot: "deploy",
            host: DEPLOY_HOST,
            key: None,
        },
        &Hints::default(),
    )
    .expect("repoint");
    assert_eq!(
        record.key,
        KeyCarrier::AppSetting {
            name: "SLOTDRILL_KEY_SENDINVOICE".into()
        }
    );
}

#[test]
fn deeply_nested_http_action() {
    check(
        "deep_nesting",
        Case {
            file: "16-definition-deep-nesting.json",
            workflow: None,
            action: "DeepCall",
            slot_key: None,
            original_key: Some("DeepLiteralKeyDeepLiteralKeyDeepLiteralKeyDeepLitera=="),
        },
    );
}

#[test]
fn restore_refuses_to_overwrite_a_later_edit() {
    let doc = load("01-definition-function.json");
    let request = RepointRequest {
        workflow: None,
        action: "SendInvoice",
        slot: "deploy",
        host: DEPLOY_HOST,
        key: None,
    };
    let (mut new_doc, record) = repoint(&doc, &request, &Hints::default()).expect("repoint");
    new_doc.root["actions"]["SendInvoice"]["inputs"]["method"] = Value::String("PUT".into());
    let error = restore(&new_doc, &record, None).expect_err("drifted");
    assert!(
        error
            .to_string()
            .contains("changed since slotdrill rewrote it"),
        "{error}"
    );
}

#[test]
fn restore_of_a_literal_key_needs_the_key() {
    let doc = load("03-definition-http-literal.json");
    let request = RepointRequest {
        workflow: None,
        action: "ProcessOrder",
        slot: "deploy",
        host: DEPLOY_HOST,
        key: None,
    };
    let (new_doc, record) = repoint(&doc, &request, &Hints::default()).expect("repoint");
    assert!(record.redacted_key);
    let error = restore(&new_doc, &record, None).expect_err("no key");
    assert!(
        error.to_string().contains("held a literal function key"),
        "{error}"
    );
}

#[test]
fn a_second_repoint_gets_a_fresh_parameter_name() {
    let doc = load("01-definition-function.json");
    let request = RepointRequest {
        workflow: None,
        action: "SendInvoice",
        slot: "deploy",
        host: DEPLOY_HOST,
        key: None,
    };
    let (once, first) = repoint(&doc, &request, &Hints::default()).expect("repoint");
    let request = RepointRequest {
        action: "ProcessOrder",
        ..request
    };
    let (twice, second) = repoint(&once, &request, &Hints::default()).expect("repoint");
    let name = |r: &slotdrill_wdl::RepointRecord| match &r.key {
        KeyCarrier::Parameter(p) => p.name.clone(),
        other => panic!("{other:?}"),
    };
    assert_ne!(name(&first), name(&second));
    // Undo in reverse order: exact.
    let back = restore(
        &restore(&twice, &second, None).expect("restore"),
        &first,
        None,
    )
    .expect("restore");
    assert_eq!(
        serde_json::to_string(&back.root).expect("json"),
        serde_json::to_string(&doc.root).expect("json")
    );
}
