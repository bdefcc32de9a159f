//! A Logic Apps Standard site is a site of its resource group: `GET …/sites`
//! (WebApps_ListByResourceGroup, which lists every site whatever its `kind`) lists it beside the
//! function apps, with `kind: functionapp,workflowapp`, so that a client discovers Standard
//! workflows as it would on Azure (issue 21; `slotdrill-azure` reads them this way).

mod common;

use common::arm::{Arm, SITE};
use slotdrill_wdl::Document;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_list_holds_each_standard_site_once_as_a_workflow_app() {
    let emulator = common::emulator(21);
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/standard-site");
    for workflow in ["invoice-flow", "notify-flow"] {
        let document =
            Document::load(&data.join(workflow).join("workflow.json")).expect("document");
        emulator
            .save_logic_app(workflow, document, None)
            .expect("saved");
        emulator
            .place_logic_app(workflow, "slotdrill", "westeurope")
            .expect("placed");
        emulator
            .place_in_site(workflow, "orders-logic")
            .expect("site");
    }
    let arm = Arm::new(emulator).await;
    let listed = arm.send("GET", &SITE, None).await;
    assert_eq!(listed.status, 200);
    let value = listed.body["value"].as_array().expect("value");
    let standard: Vec<&serde_json::Value> = value
        .iter()
        .filter(|s| s["name"] == "orders-logic")
        .collect();
    assert_eq!(
        standard.len(),
        1,
        "one site for its two workflows: {value:?}"
    );
    assert_eq!(standard[0]["kind"], "functionapp,workflowapp");
    assert!(
        value.iter().any(|s| s["kind"] != "functionapp,workflowapp"),
        "the function apps are still listed: {value:?}"
    );
}
