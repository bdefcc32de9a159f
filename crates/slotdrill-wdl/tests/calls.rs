//! `find_calls` on the fixture corpus in `tests/data/`: one snapshot per file.

use std::path::Path;

use slotdrill_wdl::{Document, Hints, Host, find_calls, resolve_host};

fn calls_of(file: &str) -> Vec<slotdrill_wdl::FunctionCall> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let doc = Document::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    find_calls(&doc, &Hints::default())
}

macro_rules! snapshot_calls {
    ($($test:ident => $file:expr,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_json_snapshot!(stringify!($test), calls_of($file));
        }
    )*};
}

snapshot_calls! {
    definition_function => "01-definition-function.json",
    every_container => "02-definition-every-container.json",
    http_literal => "03-definition-http-literal.json",
    http_expressions => "04-definition-http-expressions.json",
    workflow_resource => "05-resource-order-flow.json",
    slot_form_ids => "06-resource-slot-id.json",
    arm_resource_id => "07-arm-resourceid.json",
    arm_concat_site_id => "08-arm-concat-siteid.json",
    arm_two_workflows => "09-arm-two-workflows.json",
    arm_nested_deployments => "10-arm-nested-deployment.json",
    arm_http_parameters => "11-arm-http-parameters.json",
    standard_with_connections => "12-standard/order-flow/workflow.json",
    standard_missing_connection => "13-standard-missing-connection/flow/workflow.json",
    unique_host_names => "14-definition-unique-hosts.json",
    unresolved => "15-definition-unresolved.json",
    deep_nesting => "16-definition-deep-nesting.json",
}

#[test]
fn the_container_chain_names_every_enclosing_action() {
    let calls = calls_of("16-definition-deep-nesting.json");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].container,
        "Level1/Level2/Level3/Level4/Level5/Level6"
    );
}

#[test]
fn known_host_names_win_over_splitting() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/03-definition-http-literal.json");
    let doc = Document::load(&path).expect("fixture");
    let mut hints = Hints::default();
    hints.hosts.insert(
        "orders-deploy.azurewebsites.net".into(),
        ("orders-deploy".into(), "production".into()),
    );
    let calls = find_calls(&doc, &hints);
    let archive = calls
        .iter()
        .find(|c| c.action == "ArchiveFromDeploySlot")
        .expect("call");
    assert_eq!(
        (archive.app.as_deref(), archive.slot.as_deref()),
        (Some("orders-deploy"), Some("production"))
    );
}

#[test]
fn app_settings_given_as_hints_resolve_appsetting_calls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/04-definition-http-expressions.json");
    let doc = Document::load(&path).expect("fixture");
    let mut hints = Hints::default();
    hints.app_settings.insert(
        "BillingBaseUrl".into(),
        "https://billing.azurewebsites.net".into(),
    );
    let calls = find_calls(&doc, &hints);
    let bill = calls
        .iter()
        .find(|c| c.action == "FromAppSetting")
        .expect("call");
    assert!(bill.resolved);
    assert_eq!(bill.app.as_deref(), Some("billing"));
}

#[test]
fn no_key_value_appears_in_the_calls_output() {
    let json = serde_json::to_string(&calls_of("03-definition-http-literal.json")).expect("json");
    for key in ["q8vR2mTnXw4Zp", "Zx9Yw8Vu7Ts6", "Aa1Bb2Cc3Dd4"] {
        assert!(!json.contains(key), "a key leaked: {json}");
    }
}

/// A host name hint is found whatever the case of the hint or of the URL: host names are DNS
/// names (RFC 4343). Before the hints were keyed by `AzureName`, a hint not written in lower
/// case was never found.
#[test]
fn host_hints_are_found_in_any_case() {
    let mut hints = Hints::default();
    hints.hosts.insert(
        "Orders-Deploy.AzureWebsites.net".into(),
        ("orders".into(), "deploy".into()),
    );
    for host in [
        "orders-deploy.azurewebsites.net",
        "ORDERS-DEPLOY.azurewebsites.net",
        "Orders-Deploy.AzureWebsites.net",
    ] {
        assert_eq!(
            resolve_host(host, &hints, &[]),
            Host::Slot {
                app: "orders".to_owned(),
                slot: "deploy".to_owned()
            },
            "{host}"
        );
    }
}
