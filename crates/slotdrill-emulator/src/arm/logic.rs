//! `Microsoft.Logic/workflows`: GET and PUT (a new `properties.version` on every PUT;
//! `securestring` parameter values are never returned), runs, run actions and their
//! repetitions (`history.rs`), trigger run.

use serde_json::{Map, Value, json};
use slotdrill_model::AzureName;
use slotdrill_wdl::Document;

use super::history;
use super::records::Records;
use super::{ArmRequest, ArmResponse, ResourcePath};
use crate::clock::rfc3339;
use crate::logic_app::LogicApp;
use crate::runner::{self, Run, RunAction};
use crate::state::{EmulatorError, State};

pub(super) fn handle(
    state: &mut State,
    request: &ArmRequest,
    path: &ResourcePath<'_>,
) -> ArmResponse {
    handle_in(state, request, path, None)
}

/// [`handle`] for the workflows of Logic Apps Standard site `site` (`standard.rs` routes their
/// run history here); `None`: `Microsoft.Logic/workflows`, which never shows a site's workflows.
/// Over 80 lines: one routing table for every workflow operation, each arm a line or a call.
pub(super) fn handle_in(
    state: &mut State,
    request: &ArmRequest,
    path: &ResourcePath<'_>,
    site: Option<&str>,
) -> ArmResponse {
    let in_scope = |l: &LogicApp| match (site, l.site.as_deref()) {
        (None, None) => true,
        (Some(wanted), Some(actual)) => AzureName::same(wanted, actual),
        _ => false,
    };
    let Some(group) = path.resource_group else {
        return ArmResponse::not_found(format!("no management resource at `{}`", request.path));
    };
    let rest: Vec<String> = path.rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let method = request.method.to_ascii_uppercase();
    let subscription = state.estate().subscription().to_owned();
    if rest.first().map(String::as_str) != Some("workflows") {
        return ArmResponse::not_found(format!("no management resource at `{}`", request.path));
    }
    if rest.len() == 1 {
        let value: Vec<Value> = state
            .workflows()
            .all()
            .filter(|l| AzureName::same(&l.resource_group, group) && in_scope(l))
            .map(|l| workflow(&subscription, l))
            .collect();
        return ArmResponse::ok(json!({ "value": value, "nextLink": null }));
    }
    // ARM routes on the decoded name: `flow%28v2%29` is the workflow `flow(v2)`.
    let decoded = super::names::percent_decode(path.rest[1]);
    let name = decoded.as_str();
    let tail: Vec<&str> = rest[2..].iter().map(String::as_str).collect();
    if state.workflows().get(name).is_some_and(|l| !in_scope(l)) {
        return ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Logic/workflows/{name}' under resource group '{group}' was not found."
        ));
    }
    if method == "PUT" && tail.is_empty() {
        if let Err(refused) = super::names::check_workflow_name(name) {
            return refused;
        }
        return put(state, request, name, group, &subscription);
    }
    if let Some(answer) = super::workflow_ops::handle(state, request, &method, &tail, name, group) {
        return answer;
    }
    let now = state.now();
    let Some(logic_app) = state
        .workflows()
        .get(name)
        .filter(|l| AzureName::same(&l.resource_group, group))
    else {
        return ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Logic/workflows/{name}' under resource group '{group}' was not found."
        ));
    };
    // A client waits for a run it started by reading it; the emulator's clock only moves when
    // told, so each read of run history while a run is still going moves it by a poll interval.
    let polls_a_running_run = method == "GET"
        && tail.first() == Some(&"runs")
        && logic_app.runs.iter().any(|r| r.end > now);
    let records = Records::of(site.is_some(), &subscription, logic_app);
    let answer = match (method.as_str(), tail.as_slice()) {
        ("GET", []) => ArmResponse::ok(workflow(&subscription, logic_app)),
        ("GET", ["runs"]) => {
            let query = match history::run_query(request) {
                Ok(query) => query,
                Err(message) => return ArmResponse::error(400, "BadRequest", message),
            };
            let (page, next) = query.page(logic_app.runs.iter().rev(), |r| r.status_at(now));
            let value: Vec<Value> = page
                .iter()
                .map(|r| run(&records, logic_app, r, now))
                .collect();
            let next_link = next.map(|skip| query.next_link(request, skip));
            ArmResponse::ok(json!({ "value": value, "nextLink": next_link }))
        }
        ("GET", ["runs", _, ..]) => one_run(request, path, (logic_app, now), &records, &tail[2..]),
        // The host runtime lists a Standard workflow's triggers (WorkflowTriggers_List.json).
        ("GET", ["triggers"] | ["triggers", _]) if site.is_some() => {
            records.triggers(logic_app, path.rest.get(3).copied())
        }
        ("POST", ["triggers", _, "run"]) => {
            let body = request.body.clone().unwrap_or_else(|| json!({}));
            // The run goes on after the answer, as on Azure: it is Running until the clock
            // reaches its end.
            match runner::start(state, name, body) {
                Ok(started) => ArmResponse::empty(200).header("x-ms-workflow-run-id", started.name),
                // Azure's answer for a disabled workflow is not documented: our choice
                // (docs/fidelity.md).
                Err(error @ EmulatorError::Disabled(_)) => {
                    ArmResponse::error(409, "WorkflowDisabled", error.to_string())
                }
                Err(error) => ArmResponse::error(400, "BadRequest", error.to_string()),
            }
        }
        _ => ArmResponse::not_found(format!(
            "no management operation `{method} {}`",
            request.path
        )),
    };
    if polls_a_running_run {
        state.move_clock(now.plus_millis(RUN_POLL_MS));
    }
    answer
}

/// How far a read of a still-running run moves the clock: the interval clients poll runs at
/// (slotdrill's ARM client waits 5 s between reads of a run it triggered).
const RUN_POLL_MS: u64 = 5_000;

/// `GET …/runs/{run}` and its actions; `tail` is what follows the run's name.
fn one_run(
    request: &ArmRequest,
    path: &ResourcePath<'_>,
    (logic_app, now): (&LogicApp, slotdrill_model::Timestamp),
    records: &Records,
    tail: &[&str],
) -> ArmResponse {
    let name = &logic_app.name;
    let run_name = path.rest[3];
    let Some(found) = logic_app
        .runs
        .iter()
        .find(|r| AzureName::same(&r.name, run_name))
    else {
        return ArmResponse::not_found(format!("run `{run_name}` of `{name}` does not exist"));
    };
    match tail {
        [] => ArmResponse::ok(run(records, logic_app, found, now)),
        ["actions"] => {
            let value: Vec<Value> = history::action_records(found)
                .iter()
                .map(|a| action(records, found, a))
                .collect();
            ArmResponse::ok(json!({ "value": value, "nextLink": null }))
        }
        ["actions", _, rest @ ..] => {
            let Some(record) = history::action_record(found, path.rest[5]) else {
                return ArmResponse::not_found(format!("action `{}` did not run", path.rest[5]));
            };
            let action_id = format!(
                "{}/runs/{}/actions/{}",
                records.base, found.name, record.name
            );
            let repetitions = history::repetitions(found, &record.name);
            match rest {
                [] => ArmResponse::ok(action(records, found, &record)),
                ["repetitions"] => {
                    let value: Vec<Value> = repetitions
                        .iter()
                        .map(|(name, a)| {
                            history::repetition(&action_id, records.repetition, name, a)
                        })
                        .collect();
                    ArmResponse::ok(json!({ "value": value, "nextLink": null }))
                }
                ["repetitions", _] => match repetitions
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(path.rest[7]))
                {
                    Some((name, a)) => ArmResponse::ok(history::repetition(
                        &action_id,
                        records.repetition,
                        name,
                        a,
                    )),
                    None => ArmResponse::not_found(format!(
                        "repetition `{}` of action `{}` does not exist",
                        path.rest[7], record.name
                    )),
                },
                _ => ArmResponse::not_found(format!(
                    "no management operation `GET {}`",
                    request.path
                )),
            }
        }
        _ => ArmResponse::not_found(format!("no management operation `GET {}`", request.path)),
    }
}

pub(super) fn put(
    state: &mut State,
    request: &ArmRequest,
    name: &str,
    group: &str,
    subscription: &str,
) -> ArmResponse {
    let Some(body) = request.body.clone() else {
        return ArmResponse::error(
            400,
            "InvalidRequestContent",
            "The request content was invalid: expected a workflow resource.",
        );
    };
    if body
        .pointer("/properties/definition")
        .is_none_or(|d| !d.is_object())
    {
        return ArmResponse::error(
            400,
            "InvalidRequestContent",
            "The request content was invalid: `properties.definition` is required.",
        );
    }
    let location = body
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or("westeurope")
        .to_owned();
    let document = match Document::from_value(&format!("PUT workflows/{name}"), name, body, None) {
        Ok(document) => document,
        Err(error) => return ArmResponse::error(400, "InvalidRequestContent", error.to_string()),
    };
    let existed = state.workflows().get(name).is_some();
    match state.save_logic_app(name, document, None) {
        Ok(_) => {}
        // Azure's template validation answers `InvalidTemplate` (MicrosoftDocs/azure-docs#2689).
        Err(error @ EmulatorError::InvalidWorkflow(_)) => {
            return ArmResponse::error(400, "InvalidTemplate", error.to_string());
        }
        Err(error) => return ArmResponse::error(400, "InvalidRequestContent", error.to_string()),
    }
    let Some(logic_app) = state.workflows_mut().get_mut(name) else {
        return ArmResponse::error(500, "InternalServerError", "the saved workflow is gone");
    };
    if !existed {
        logic_app.resource_group = group.to_owned();
        logic_app.location = location;
    }
    // `properties.state` is part of the resource a PUT writes; without it the state stays.
    if let Some(enabled) = super::workflow_ops::requested_state(request) {
        logic_app.enabled = enabled;
    }
    let mut response = ArmResponse::ok(workflow(subscription, logic_app));
    response.status = if existed { 200 } else { 201 };
    response
}

pub(super) fn workflow_id(subscription: &str, logic_app: &LogicApp) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{}/providers/Microsoft.Logic/workflows/{}",
        logic_app.resource_group, logic_app.name
    )
}

pub(super) fn version(logic_app: &LogicApp) -> String {
    format!("{:020}", 8_584_000_000_000_000_000u64 + logic_app.version)
}

/// The workflow resource. Values of `securestring`/`secureobject` parameters are left out.
pub(super) fn workflow(subscription: &str, logic_app: &LogicApp) -> Value {
    let doc = &logic_app.document;
    let flow = doc.workflow(Some(&logic_app.workflow)).ok();
    let mut definition = flow
        .map(|w| doc.definition(w).clone())
        .unwrap_or(Value::Null);
    // Secure parameters never show their values, default or given.
    if let Some(parameters) = definition
        .get_mut("parameters")
        .and_then(Value::as_object_mut)
    {
        for declaration in parameters.values_mut() {
            let secure = declaration
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"));
            if secure && let Some(d) = declaration.as_object_mut() {
                d.remove("defaultValue");
            }
        }
    }
    let secure = |name: &str| {
        definition
            .pointer(&format!(
                "/parameters/{}/type",
                name.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"))
    };
    let values: Map<String, Value> = flow
        .and_then(|w| w.parameter_values.as_ref())
        .and_then(|p| slotdrill_wdl::get_path(&doc.root, p))
        .and_then(Value::as_object)
        .map(|values| {
            values
                .iter()
                .map(|(k, v)| (k.clone(), if secure(k) { json!({}) } else { v.clone() }))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": workflow_id(subscription, logic_app),
        "name": logic_app.name,
        "type": "Microsoft.Logic/workflows",
        "location": logic_app.location,
        "properties": {
            "provisioningState": "Succeeded",
            "createdTime": rfc3339(logic_app.created_at),
            "changedTime": rfc3339(logic_app.changed_at),
            "state": if logic_app.enabled { "Enabled" } else { "Disabled" },
            "version": version(logic_app),
            "definition": definition,
            "parameters": values,
        }
    })
}

fn run(
    records: &Records,
    logic_app: &LogicApp,
    run: &Run,
    now: slotdrill_model::Timestamp,
) -> Value {
    let status = run.status_at(now);
    let running = status == crate::runner::Status::Running;
    json!({
        "id": format!("{}/runs/{}", records.base, run.name),
        "name": run.name,
        "type": records.run,
        "properties": {
            "startTime": rfc3339(run.start),
            "endTime": (!running).then(|| rfc3339(run.end)),
            "status": status,
            "error": run.error.as_ref().filter(|_| !running).map(|m| json!({ "code": "ActionFailed", "message": m })),
            "correlation": { "clientTrackingId": run.name },
            "workflow": records.version_ref(logic_app, records.run_version),
            "trigger": { "name": "manual", "startTime": rfc3339(run.start), "endTime": rfc3339(run.start), "status": "Succeeded" },
            "outputs": {},
        }
    })
}

fn action(records: &Records, run: &Run, action: &RunAction) -> Value {
    json!({
        "id": format!("{}/runs/{}/actions/{}", records.base, run.name, action.name),
        "name": action.name,
        "type": records.action,
        "properties": {
            "startTime": rfc3339(action.start),
            "endTime": rfc3339(action.end),
            "status": action.status,
            "code": action.code,
            "error": action.error.as_ref().map(|m| json!({ "code": action.code, "message": m })),
            "correlation": { "actionTrackingId": format!("{}-{}", run.name, action.name) },
        }
    })
}
