//! What each slot runs, from Azure's own records: the label setting when present (and then no
//! deployments read); else the active deployment record, pages followed; else the package URL in
//! `WEBSITE_RUN_FROM_PACKAGE`, its SAS token never kept; else "unknown", saying why.

mod support;

use serde_json::{Value, json};
use slotdrill_engine::{AppSnapshot, Cloud, CloudError, ReleaseSource};
use support::{Arm, SITES, arm_error, json_answer};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

const SAS: &str = "sv=2022-11-02&sr=b&sig=c2VjcmV0LXNhcy1zaWduYXR1cmU%3D";
const PACKAGE: &str = "https://stpackages.blob.core.windows.net/releases/orders-v2.zip";

fn at(verb: &str, at: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb)).and(path(at.to_owned()))
}

fn data(file: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR")))
        .expect("test data")
}

/// App `orders` with production and `deploy`, each slot with `settings`.
fn estate(arm: &Arm, production: Value, deploy: Value) {
    let site = |name: &str| json!({ "name": name, "properties": { "state": "Running" } });
    arm.mount(
        at("GET", SITES).respond_with(json_answer(200, json!({ "value": [site("orders")] }))),
    );
    arm.mount(
        at("GET", &format!("{SITES}/orders/slots")).respond_with(json_answer(
            200,
            json!({ "value": [site("orders/deploy")] }),
        )),
    );
    arm.mount(
        at("GET", &format!("{SITES}/orders/config/slotConfigNames"))
            .respond_with(json_answer(200, json!({ "properties": {} }))),
    );
    for (slot, settings) in [("", production), ("/slots/deploy", deploy)] {
        arm.mount(
            at(
                "POST",
                &format!("{SITES}/orders{slot}/config/appsettings/list"),
            )
            .respond_with(json_answer(200, json!({ "properties": settings }))),
        );
        arm.mount(
            at("GET", &format!("{SITES}/orders{slot}/functions"))
                .respond_with(json_answer(200, json!({ "value": [] }))),
        );
    }
}

fn apps(arm: &Arm) -> AppSnapshot {
    arm.cloud().apps().expect("apps").remove(0)
}

#[test]
fn a_label_wins_and_the_active_deployment_identifies_the_rest() {
    let arm = Arm::start();
    estate(&arm, json!({ "SLOTDRILL_RELEASE": "v1" }), json!({}));
    arm.mount(
        at("GET", &format!("{SITES}/orders/deployments"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let deployments = format!("{SITES}/orders/slots/deploy/deployments");
    let next = format!(
        "{}{deployments}?api-version=2024-11-01&$skiptoken=2",
        arm.uri()
    );
    arm.mount(
        at("GET", &deployments)
            .and(query_param("api-version", "2024-11-01"))
            .and(query_param_is_missing("$skiptoken"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(data("deployments-page-1.json").replace("NEXT_LINK", &next)),
            )
            .expect(1),
    );
    arm.mount(
        at("GET", &deployments)
            .and(query_param("$skiptoken", "2"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(data("deployments-page-2.json")),
            )
            .expect(1),
    );

    let orders = apps(&arm);
    let production = orders.slot("production").expect("production");
    assert_eq!(production.release.as_deref(), Some("v1"));
    assert_eq!(production.release_source, ReleaseSource::Label);
    let deploy = orders.slot("deploy").expect("deploy");
    assert_eq!(
        deploy.release.as_deref(),
        Some("f84b2d82943d4b9488e530deff4c0a49"),
        "the active record, on the second page"
    );
    assert_eq!(deploy.release_source, ReleaseSource::Deployment);
    assert_eq!(
        deploy.release_note.as_deref(),
        Some("Release v2 (build 1187), 2026-11-26T09:59:12.5000000Z")
    );
    arm.verify();
}

#[test]
fn a_package_url_identifies_the_release_without_its_sas_token() {
    let arm = Arm::start();
    estate(
        &arm,
        json!({ "WEBSITE_RUN_FROM_PACKAGE": format!("{PACKAGE}?{SAS}") }),
        json!({ "WEBSITE_RUN_FROM_PACKAGE": "1" }),
    );
    // No deployment history to serve: read as no records.
    arm.mount(
        at("GET", &format!("{SITES}/orders/deployments"))
            .respond_with(arm_error(404, "NotFound", "Cannot find deployments."))
            .expect(1),
    );
    arm.mount(
        at("GET", &format!("{SITES}/orders/slots/deploy/deployments"))
            .respond_with(json_answer(200, json!({ "value": [] })))
            .expect(1),
    );

    let orders = apps(&arm);
    let production = orders.slot("production").expect("production");
    assert_eq!(production.release.as_deref(), Some(PACKAGE));
    assert_eq!(production.release_source, ReleaseSource::Package);
    let deploy = orders.slot("deploy").expect("deploy");
    assert_eq!(deploy.release, None);
    assert_eq!(deploy.release_source, ReleaseSource::Unknown);
    let note = deploy.release_note.as_deref().unwrap_or_default();
    assert!(
        note.contains("nothing identifies this release")
            && note.contains("WEBSITE_RUN_FROM_PACKAGE=1"),
        "says why: {note}"
    );
    // The SAS token is nowhere in what the engine gets: identity, notes, settings, debug output.
    let everything = format!(
        "{orders:?} {}",
        serde_json::to_string(&orders).expect("json")
    );
    assert!(!everything.contains("sig="), "{everything}");
    assert!(!everything.contains("c2VjcmV0"), "{everything}");
    arm.verify();
}

#[test]
fn a_refused_deployments_read_is_an_error_not_an_unknown_release() {
    let arm = Arm::start();
    estate(
        &arm,
        json!({ "SLOTDRILL_RELEASE": "v1" }),
        json!({ "WEBSITE_RUN_FROM_PACKAGE": format!("{PACKAGE}?{SAS}") }),
    );
    arm.mount(
        at("GET", &format!("{SITES}/orders/slots/deploy/deployments"))
            .respond_with(arm_error(
                403,
                "AuthorizationFailed",
                "no read on deployments",
            ))
            .expect(1),
    );
    let error = arm.cloud().apps().expect_err("refused");
    assert!(matches!(error, CloudError::Unauthorized(_)), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("sig="), "{shown}");
    arm.verify();
}
