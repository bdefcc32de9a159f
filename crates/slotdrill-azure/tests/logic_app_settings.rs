//! A Logic Apps Standard app's settings, as the engine's partial rollback of a Standard workflow
//! changes them: the app is a `Microsoft.Web/sites` app (kind `functionapp,workflowapp`), its
//! settings are read with `POST …/config/appsettings/list` (WebApps_ListApplicationSettings) and
//! replaced whole with `PUT …/config/appsettings` (WebApps_UpdateApplicationSettings), per
//! Azure/azure-rest-api-specs `specification/web/resource-manager/Microsoft.Web/stable/2024-11-01/WebApps.json`.
//! The value is a function key: it never appears in an error.

mod support;

use serde_json::json;
use slotdrill_engine::{Cloud, CloudError};
use slotdrill_model::Secret;
use support::{Arm, SITES, TOKEN, json_answer};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const KEY: &str = "DeploySlotFunctionKey0123456789abcdefABCDEF==";
const SETTING: &str = "SLOTDRILL_KEY_SENDINVOICE";

fn list(arm: &Arm, settings: serde_json::Value) {
    arm.mount(
        Mock::given(method("POST"))
            .and(path(format!("{SITES}/invoice-app/config/appsettings/list")))
            .and(query_param("api-version", "2024-11-01"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(json_answer(
                200,
                json!({ "id": format!("{SITES}/invoice-app/config/appsettings"), "name": "appsettings", "type": "Microsoft.Web/sites/config", "properties": settings }),
            ))
            .expect(1),
    );
}

fn put(arm: &Arm, whole: serde_json::Value, times: u64) {
    arm.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{SITES}/invoice-app/config/appsettings")))
            .and(query_param("api-version", "2024-11-01"))
            .and(body_json(json!({ "properties": whole.clone() })))
            .respond_with(json_answer(200, json!({ "properties": whole })))
            .expect(times),
    );
}

#[test]
fn setting_a_key_lists_then_puts_the_whole_dictionary() {
    let arm = Arm::start();
    list(
        &arm,
        json!({ "FUNCTIONS_EXTENSION_VERSION": "~4", "APP_KIND": "workflowApp" }),
    );
    put(
        &arm,
        json!({ "FUNCTIONS_EXTENSION_VERSION": "~4", "APP_KIND": "workflowApp", SETTING: KEY }),
        1,
    );
    arm.cloud()
        .set_logic_app_setting("invoice-app", SETTING, &Secret::new(KEY))
        .expect("set");
    arm.verify();
    assert_eq!(
        arm.seen(),
        vec![
            format!("POST {SITES}/invoice-app/config/appsettings/list"),
            format!("PUT {SITES}/invoice-app/config/appsettings"),
        ]
    );
}

#[test]
fn setting_a_key_already_set_writes_nothing() {
    let arm = Arm::start();
    list(&arm, json!({ "APP_KIND": "workflowApp", SETTING: KEY }));
    put(&arm, json!({}), 0);
    arm.cloud()
        .set_logic_app_setting("invoice-app", SETTING, &Secret::new(KEY))
        .expect("set");
    arm.verify();
}

#[test]
fn removing_puts_the_rest_and_removing_an_absent_setting_writes_nothing() {
    let arm = Arm::start();
    list(&arm, json!({ "APP_KIND": "workflowApp", SETTING: KEY }));
    put(&arm, json!({ "APP_KIND": "workflowApp" }), 1);
    arm.cloud()
        .remove_logic_app_setting("invoice-app", SETTING)
        .expect("removed");
    arm.verify();

    let arm = Arm::start();
    list(&arm, json!({ "APP_KIND": "workflowApp" }));
    put(&arm, json!({}), 0);
    arm.cloud()
        .remove_logic_app_setting("invoice-app", SETTING)
        .expect("nothing to remove");
    arm.verify();
}

#[test]
fn a_refused_put_is_a_typed_error_without_the_key() {
    let arm = Arm::start();
    list(&arm, json!({}));
    // An answer that echoes what was sent must not carry the key into the error.
    arm.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{SITES}/invoice-app/config/appsettings")))
            .respond_with(json_answer(
                409,
                json!({ "Code": "Conflict", "Message": format!("Cannot modify this site because another operation is in progress (value {KEY})") }),
            )),
    );
    let error = arm
        .cloud()
        .set_logic_app_setting("invoice-app", SETTING, &Secret::new(KEY))
        .expect_err("refused");
    let text = format!("{error} {error:?}");
    assert!(!text.contains(KEY), "{text}");
    assert!(error.did_nothing(), "{error:?}");

    let arm = Arm::start();
    list(&arm, json!({}));
    arm.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{SITES}/invoice-app/config/appsettings")))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                json!({ "error": { "code": "BadRequest", "message": format!("Invalid value {KEY}") } }),
            )),
    );
    let error = arm
        .cloud()
        .set_logic_app_setting("invoice-app", SETTING, &Secret::new(KEY))
        .expect_err("refused");
    let text = format!("{error} {error:?} {:?}", std::error::Error::source(&error));
    assert!(!text.contains(KEY), "{text}");
    assert!(matches!(error, CloudError::Failed { .. }), "{error:?}");
}

#[test]
fn a_missing_logic_app_is_not_found() {
    let arm = Arm::start();
    arm.mount(
        Mock::given(method("POST"))
            .and(path(format!("{SITES}/invoice-app/config/appsettings/list")))
            .respond_with(json_answer(
                404,
                json!({ "error": { "code": "ResourceNotFound", "message": "The Resource 'Microsoft.Web/sites/invoice-app' under resource group 'rg' was not found." } }),
            )),
    );
    let error = arm
        .cloud()
        .set_logic_app_setting("invoice-app", SETTING, &Secret::new(KEY))
        .expect_err("missing");
    assert!(matches!(error, CloudError::NotFound(_)), "{error:?}");
}
