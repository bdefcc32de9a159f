//! Bad input: each gets a clear message naming the file (and line and column for JSON), never a
//! panic.

use std::path::Path;

use slotdrill_wdl::{Document, Hints, RepointRequest, repoint};

fn load_error(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let error = Document::load(&path).expect_err("bad input");
    // Keep the snapshot independent of where the checkout is.
    error
        .to_string()
        .replace(env!("CARGO_MANIFEST_DIR"), "$CRATE")
}

#[test]
fn truncated_json() {
    insta::assert_snapshot!(load_error("bad/truncated.json"), @"$CRATE/tests/data/bad/truncated.json:5:1: invalid JSON: EOF while parsing an object");
}

#[test]
fn trailing_comma() {
    insta::assert_snapshot!(load_error("bad/trailing-comma.json"), @"$CRATE/tests/data/bad/trailing-comma.json:3:32: invalid JSON: trailing comma");
}

#[test]
fn not_a_workflow_says_what_it_looked_for() {
    insta::assert_snapshot!(load_error("bad/not-a-workflow.json"), @"$CRATE/tests/data/bad/not-a-workflow.json: not a workflow: looked for a workflow definition (`triggers` or `actions`), a workflow resource (`properties.definition`), an ARM template with `Microsoft.Logic/workflows` resources, a Consumption code view (`definition`, `parameters`), or a Logic Apps Standard `workflow.json` (`definition`, `kind`)");
    assert!(load_error("bad/array.json").contains("not a workflow"));
}

#[test]
fn actions_must_be_an_object() {
    insta::assert_snapshot!(load_error("bad/actions-array.json"), @"$CRATE/tests/data/bad/actions-array.json: `actions` of workflow `actions-array` must be an object keyed by action name");
}

#[test]
fn a_missing_file_is_named() {
    assert!(load_error("bad/nope.json").contains("bad/nope.json: cannot read the file"));
}

fn repoint_error(file: &str, action: &str, workflow: Option<&str>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let doc = Document::load(&path).expect("fixture");
    let request = RepointRequest {
        workflow,
        action,
        slot: "deploy",
        host: "orders-deploy.azurewebsites.net",
        key: None,
    };
    repoint(&doc, &request, &Hints::default())
        .expect_err("refused")
        .to_string()
        .replace(env!("CARGO_MANIFEST_DIR"), "$CRATE")
}

#[test]
fn an_unknown_action_lists_the_actions_that_exist() {
    insta::assert_snapshot!(repoint_error("01-definition-function.json", "SendInvoices", None), @"$CRATE/tests/data/01-definition-function.json: no action named `SendInvoices`; the actions are: ProcessOrder, SendInvoice, Response");
}

#[test]
fn an_action_in_two_workflows_needs_the_workflow_named() {
    insta::assert_snapshot!(repoint_error("09-arm-two-workflows.json", "SendInvoice", None), @"$CRATE/tests/data/09-arm-two-workflows.json: more than one workflow has an action named `SendInvoice` (order-flow, refund-flow); say which with --workflow");
    insta::assert_snapshot!(repoint_error("09-arm-two-workflows.json", "SendInvoice", Some("billing-flow")), @"$CRATE/tests/data/09-arm-two-workflows.json: no workflow named `billing-flow`; the workflows are: order-flow, refund-flow");
}

#[test]
fn only_function_calls_can_be_repointed() {
    insta::assert_snapshot!(repoint_error("01-definition-function.json", "Response", None), @"$CRATE/tests/data/01-definition-function.json: action `Response` does not call a function");
    insta::assert_snapshot!(repoint_error("03-definition-http-literal.json", "PostToCrm", None), @"$CRATE/tests/data/03-definition-http-literal.json: action `PostToCrm` does not call a function");
}

#[test]
fn an_unresolvable_call_is_refused_with_the_reason() {
    insta::assert_snapshot!(repoint_error("15-definition-unresolved.json", "FromVariable", None), @"$CRATE/tests/data/15-definition-unresolved.json: action `FromVariable` cannot be rewritten: `variables('base')` cannot be resolved offline (uri `{variables('base')}/api/{variables('fn')}`)");
}
