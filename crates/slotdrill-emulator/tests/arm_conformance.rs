//! The management plane as clients we did not write use it (issue 16): the api-versions Azure's
//! REST specs list, ARM's answer to an unknown one, and the operations tools call (restart, start,
//! stop; workflow PATCH, DELETE, disable, enable, listCallbackUrl, versions), in the shapes of
//! the specs' examples (`tests/data/spec-examples/`).

mod common;

use common::arm::{Arm, FLOWS, SITE};

/// api-versions the current official SDKs send by default: azure-mgmt-web 11.0.1 sends
/// 2025-05-01 (its `_configuration.py`), azure-mgmt-logic 10.0.0 sends 2019-05-01. The others
/// are the newest, oldest and preview entries of the specs' readmes.
const WEB_VERSIONS: [&str; 6] = [
    "2025-05-01",
    "2026-09-01",
    "2026-07-15",
    "2026-03-01-preview",
    "2016-03-01",
    "2015-08-01",
];
const LOGIC_VERSIONS: [&str; 5] = [
    "2019-05-01",
    "2026-01-01-preview",
    "2018-07-01-preview",
    "2016-06-01",
    "2015-02-01-preview",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_version_the_spec_readmes_list_is_served() {
    let arm = Arm::new(common::emulator(1)).await;
    for version in WEB_VERSIONS {
        let answer = arm
            .send(
                "GET",
                &format!("{SITE}/orders/slots/deploy?api-version={version}"),
                None,
            )
            .await;
        assert_eq!(
            answer.status, 200,
            "Microsoft.Web {version}: {}",
            answer.body
        );
    }
    for version in LOGIC_VERSIONS {
        let answer = arm
            .send("GET", &format!("{FLOWS}?api-version={version}"), None)
            .await;
        assert_eq!(
            answer.status, 200,
            "Microsoft.Logic {version}: {}",
            answer.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_api_version_gets_arms_no_registered_provider_answer() {
    let arm = Arm::new(common::emulator(1)).await;
    let web = arm
        .send(
            "GET",
            &format!("{SITE}/orders?api-version=2015-01-01"),
            None,
        )
        .await;
    assert_eq!(
        (web.status, web.body["error"]["code"].as_str()),
        (400, Some("NoRegisteredProviderFound"))
    );
    let message = web.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "No registered resource provider found for location 'westeurope' and API version \
             '2015-01-01' for type 'sites'. The supported api-versions are '"
        ),
        "{message}"
    );
    for listed in ["2025-05-01", "2026-03-01-preview", "2016-03-01"] {
        assert!(message.contains(listed), "{listed} missing from: {message}");
    }
    let logic = arm
        .send("GET", &format!("{FLOWS}?api-version=2024-11-01"), None)
        .await;
    let message = logic.body["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(logic.status, 400);
    assert!(
        message.contains("for type 'workflows'")
            && message.contains("2019-05-01")
            && !message.contains("2025-05-01"),
        "Microsoft.Logic has its own versions: {message}"
    );
}
