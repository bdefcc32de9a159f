//! Contract tests from the REST spec's own examples: each operation `ArmCloud` uses that has a
//! published example is answered, through wiremock, with that example's response body copied
//! verbatim (`tests/data/spec-examples/`, sources in its README), at the path and api-version of
//! the example's parameters; what the engine gets must carry what the example says. Operations
//! Azure publishes no example for (slotConfigNames, functions, listkeys, deployments, slotsswap)
//! get the smallest answer their schema allows, marked as ours where it is served.

mod support;

use serde_json::{Value, json};
use slotdrill_azure::{ArmCloud, ArmConfig};
use slotdrill_engine::{ActionOutcome, Cloud, CloudError, ReleaseSource};
use support::{Arm, TOKEN, json_answer};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// The subscription every example is written for.
const SUBSCRIPTION: &str = "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345";
/// The App Service examples' resource group.
const WEB_GROUP: &str = "testrg123";
/// The Logic Apps examples' resource group.
const LOGIC_GROUP: &str = "test-resource-group";
/// `lastModifiedTimeUtc` of every site in the examples, 2020-03-04T17:33:11.641Z.
const MODIFIED: u64 = 1_583_343_191_641;
/// The run's `startTime` in the run examples, 2018-08-10T20:16:32.044238Z (to the millisecond).
const RUN_STARTED: u64 = 1_533_932_192_044;
const RUN: &str = "08586676746934337772206998657CU22";
const VERSION: &str = "08586677515911718341";

/// An example file.
fn example(file: &str) -> Value {
    let path = format!(
        "{}/tests/data/spec-examples/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("example")).expect("JSON")
}

/// The 200 answer's body. The App Service examples put it under `body`; the older Logic Apps
/// examples put the body itself under the status code.
fn body(example: &Value) -> Value {
    let ok = &example["responses"]["200"];
    ok.get("body").cloned().unwrap_or_else(|| ok.clone())
}

/// The example's 200 answer, as the service would send it.
fn answer(file: &str) -> ResponseTemplate {
    json_answer(200, body(&example(file)))
}

fn sites() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{WEB_GROUP}/providers/Microsoft.Web/sites"
    )
}

fn workflows() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{LOGIC_GROUP}/providers/Microsoft.Logic/workflows"
    )
}

/// `method` on `at`, with the api-version the example was written for and the token.
fn at(verb: &str, at: &str, file: &str) -> wiremock::MockBuilder {
    let version = example(file)["parameters"]["api-version"]
        .as_str()
        .expect("api-version")
        .to_owned();
    Mock::given(method(verb))
        .and(path(at.to_owned()))
        .and(query_param("api-version", version.as_str()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

/// A cloud inside the examples' subscription and `group`, sending `web_api_version`.
fn cloud(arm: &Arm, group: &str, web_api_version: &str) -> ArmCloud {
    ArmCloud::new(ArmConfig {
        subscription: SUBSCRIPTION.to_owned(),
        resource_group: group.to_owned(),
        web_api_version: web_api_version.to_owned(),
        ..arm.config()
    })
    .expect("client")
}

#[test]
fn sites_slots_and_settings_read_as_the_examples_say() {
    let arm = Arm::start();
    let sites = sites();
    arm.mount(
        at("GET", &sites, "ListWebAppsByResourceGroup.json")
            .respond_with(answer("ListWebAppsByResourceGroup.json"))
            .expect(1),
    );
    arm.mount(
        at(
            "GET",
            &format!("{sites}/sitef6141/slots"),
            "ListWebAppSlots.json",
        )
        .respond_with(answer("ListWebAppSlots.json"))
        .expect(1),
    );
    // Ours: the examples list slots of sitef6141 only.
    arm.mount(
        Mock::given(method("GET"))
            .and(path(format!("{sites}/sitef7252/slots")))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    // Ours (no example is published): `SlotConfigNamesResource` with one sticky name.
    arm.mount(
        Mock::given(method("GET"))
            .and(path_regex_end("/config/slotConfigNames"))
            .respond_with(json_answer(
                200,
                json!({ "properties": { "appSettingNames": ["Setting2"] } }),
            )),
    );
    arm.mount(
        Mock::given(method("POST"))
            .and(path_regex_end("/config/appsettings/list"))
            .and(query_param("api-version", "2024-11-01"))
            .respond_with(answer("ListAppSettings.json"))
            .expect(4),
    );
    // Ours (no example is published for either list): no records, no functions.
    arm.mount(
        Mock::given(method("GET"))
            .and(path_regex_end("/deployments"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(path_regex_end("/functions"))
            .respond_with(json_answer(200, json!({ "value": [] }))),
    );

    let apps = cloud(&arm, WEB_GROUP, "2024-11-01")
        .apps()
        .expect("observed");
    arm.verify();

    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["sitef6141", "sitef7252"]);
    let app = &apps[0];
    assert_eq!(app.sticky, ["Setting2"]);
    let slots: Vec<(&str, &str)> = app
        .slots
        .iter()
        .map(|s| (s.name.as_str(), s.host_name.as_str()))
        .collect();
    assert_eq!(
        slots,
        [
            ("production", "sitef6141.azurewebsites.net"),
            ("staging", "sitef6141-staging.azurewebsites.net"),
            ("qa", "sitef6141-qa.azurewebsites.net"),
        ]
    );
    for slot in apps.iter().flat_map(|a| &a.slots) {
        assert!(slot.running, "`state: Running`: {}", slot.name);
        assert_eq!(
            slot.settings.iter().collect::<Vec<_>>(),
            [
                (&"Setting1".to_owned(), &"Value1".to_owned()),
                (&"Setting2".to_owned(), &"Value2".to_owned())
            ]
        );
        // No example carries `slotSwapStatus`: never swapped, so live since its last change.
        assert_eq!(slot.last_swap, None);
        assert!(slot.deployed_since_swap);
        assert_eq!(slot.live_since, Some(MODIFIED));
        // No label, no deployment record, no package: nothing identifies the release.
        assert_eq!(
            (slot.release.as_deref(), slot.release_source),
            (None, ReleaseSource::Unknown)
        );
    }
}

/// A path that ends with `suffix`.
fn path_regex_end(suffix: &str) -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(format!("{}$", regex_escape(suffix)))
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// A probe reads the slot's host name from `GET site` (production: `GetWebApp.json`; a slot:
/// `GetWebAppSlot.json`) and calls the function there; against wiremock (a loopback endpoint)
/// the call goes to the endpoint with that host name in `Host`.
#[test]
fn a_probe_calls_the_host_name_the_site_examples_give() {
    for (slot, file, version, host) in [
        (
            "production",
            "GetWebApp.json",
            "2026-09-01",
            "sitef6141.azurewebsites.net",
        ),
        (
            "staging",
            "GetWebAppSlot.json",
            "2024-11-01",
            "sitef6141-staging.azurewebsites.net",
        ),
    ] {
        let arm = Arm::start();
        let site = if slot == "production" {
            format!("{}/sitef6141", sites())
        } else {
            format!("{}/sitef6141/slots/{slot}", sites())
        };
        arm.mount(at("GET", &site, file).respond_with(answer(file)).expect(1));
        // Ours (no example is published): the flat `{"default": KEY}` of `listkeys`.
        arm.mount(
            Mock::given(method("POST"))
                .and(path(format!("{site}/functions/HttpTrigger1/listkeys")))
                .respond_with(json_answer(200, json!({ "default": "function-key" })))
                .expect(1),
        );
        arm.mount(
            Mock::given(method("POST"))
                .and(path("/api/HttpTrigger1"))
                .and(header("host", host))
                .respond_with(ResponseTemplate::new(200))
                .expect(2),
        );
        let statuses = cloud(&arm, WEB_GROUP, version)
            .probe("sitef6141", slot, "HttpTrigger1", 2)
            .expect("probed");
        assert_eq!(statuses, [200, 200], "{slot}");
        arm.verify();
    }
}

#[test]
fn workflows_are_listed_read_and_written_as_the_examples_say() {
    let arm = Arm::start();
    let workflows = workflows();
    let workflow = format!("{workflows}/test-workflow");
    arm.mount(
        at("GET", &workflows, "Workflows_ListByResourceGroup.json")
            .respond_with(answer("Workflows_ListByResourceGroup.json"))
            .expect(1),
    );
    arm.mount(
        at("GET", &workflow, "Workflows_Get.json")
            .respond_with(answer("Workflows_Get.json"))
            .expect(1),
    );
    let get = body(&example("Workflows_Get.json"));
    arm.mount(
        at("PUT", &workflow, "Workflows_CreateOrUpdate.json")
            // What a write sends back: the definition read, the location and state of the read.
            .and(wiremock::matchers::body_json(json!({
                "location": "brazilsouth",
                "properties": {
                    "definition": get["properties"]["definition"],
                    "parameters": {},
                    "state": "Enabled"
                }
            })))
            .respond_with(answer("Workflows_CreateOrUpdate.json"))
            .expect(1),
    );

    let cloud = cloud(&arm, LOGIC_GROUP, "2024-11-01");
    assert_eq!(cloud.workflows().expect("listed"), ["test-workflow"]);
    let read = cloud.read_workflow("test-workflow").expect("read");
    assert_eq!(read.version, VERSION);
    assert_eq!(
        read.document.root["properties"]["definition"],
        get["properties"]["definition"]
    );
    let written = cloud
        .write_workflow("test-workflow", &read.document, VERSION)
        .expect("written");
    assert_eq!(written, VERSION, "the version the PUT answered with");
    arm.verify();
}

#[test]
fn run_history_reads_runs_and_actions_as_the_examples_say() {
    let arm = Arm::start();
    let workflow = format!("{}/test-workflow", workflows());
    // The definition says which actions run in loops (and so have repetitions): none here.
    arm.mount(
        at("GET", &workflow, "Workflows_Get.json")
            .respond_with(answer("Workflows_Get.json"))
            .expect(1),
    );
    let runs = format!("{workflow}/runs");
    arm.mount(
        at("GET", &runs, "WorkflowRuns_List.json")
            .respond_with(answer("WorkflowRuns_List.json"))
            .expect(1),
    );
    arm.mount(
        at(
            "GET",
            &format!("{runs}/{RUN}/actions"),
            "WorkflowRunActions_List.json",
        )
        .respond_with(answer("WorkflowRunActions_List.json"))
        .expect(1),
    );
    let history = cloud(&arm, LOGIC_GROUP, "2024-11-01")
        .run_history("test-workflow", 10)
        .expect("history");
    assert_eq!(
        history,
        [ActionOutcome {
            run: RUN.to_owned(),
            action: "HTTP".to_owned(),
            status: "Succeeded".to_owned(),
            started: Some(RUN_STARTED),
            repetition: None,
        }]
    );
    arm.verify();
}

/// The trigger example answers `200 {}` with no header: nothing names the run it started, so
/// its outcome cannot be followed. The client says so rather than read the runs list as a run.
#[test]
fn a_trigger_answered_as_the_example_names_no_run_and_says_so() {
    let arm = Arm::start();
    let workflow = format!("{}/test-workflow", workflows());
    arm.mount(
        at("GET", &workflow, "Workflows_Get.json")
            .respond_with(answer("Workflows_Get.json"))
            .expect(1),
    );
    // The example's definition has no triggers: the client runs `manual`, the example's name.
    arm.mount(
        at(
            "POST",
            &format!("{workflow}/triggers/manual/run"),
            "WorkflowTriggers_Run.json",
        )
        .respond_with(ResponseTemplate::new(200))
        .expect(1),
    );
    arm.mount(
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(format!(
                "^{}/runs",
                regex_escape(&workflow)
            )))
            .respond_with(answer("WorkflowRuns_List.json"))
            .expect(0),
    );
    match cloud(&arm, LOGIC_GROUP, "2024-11-01").trigger("test-workflow") {
        Err(CloudError::Failed { message, .. }) => {
            assert!(message.contains("x-ms-workflow-run-id"), "{message}");
        }
        other => panic!("expected a failure naming the missing run id, got {other:?}"),
    }
    arm.verify();
}

/// With the run named (`x-ms-workflow-run-id`, ours: the example shows no headers), the run is
/// followed through `GET runs/{run}`, answered by `WorkflowRuns_Get.json`.
#[test]
fn a_triggered_run_is_followed_to_the_status_the_run_example_gives() {
    let arm = Arm::start();
    let workflow = format!("{}/test-workflow", workflows());
    arm.mount(
        at("GET", &workflow, "Workflows_Get.json")
            .respond_with(answer("Workflows_Get.json"))
            .expect(1),
    );
    arm.mount(
        at(
            "POST",
            &format!("{workflow}/triggers/manual/run"),
            "WorkflowTriggers_Run.json",
        )
        .respond_with(ResponseTemplate::new(200).insert_header("x-ms-workflow-run-id", RUN))
        .expect(1),
    );
    arm.mount(
        at(
            "GET",
            &format!("{workflow}/runs/{RUN}"),
            "WorkflowRuns_Get.json",
        )
        .respond_with(answer("WorkflowRuns_Get.json"))
        .expect(1),
    );
    let succeeded = cloud(&arm, LOGIC_GROUP, "2024-11-01")
        .trigger("test-workflow")
        .expect("followed");
    assert!(succeeded, "`status: Succeeded`");
    arm.verify();
}
