//! The `/slots/{slot}` forms of a Logic Apps Standard site's operations (Microsoft.Web stable
//! 2024-11-01: `WebApps_ListInstanceWorkflowsSlot`, `WebApps_GetInstanceWorkflowSlot`,
//! `WebApps_DeployWorkflowArtifactsSlot` with the example `PostDeployWorkflowArtifactsSlot.json`,
//! `WebApps_ListWorkflowsConnectionsSlot`, and the slot's `config/appsettings`), answered from the
//! slot's own files and settings (`SiteSlot`). An unknown slot answers ARM's 404
//! `ResourceNotFound`, as a function app's unknown slot does.
//!
//! A nonproduction slot never runs a workflow (Learn: "the nonproduction slots dispatcher is
//! turned off"), so its host runtime lists no runs and starts none. The spec has no slot form of
//! the host runtime's operations; the emulator answers the site's paths under the slot
//! (docs/fidelity.md).

use serde_json::{Map, Value, json};
use slotdrill_model::classic_host_name;
use slotdrill_wdl::{Document, Format, Project};

use super::standard::app_settings;
use super::{ArmRequest, ArmResponse};
use crate::logic_app::SiteSlot;
use crate::state::State;

/// The ARM type of a slot's `config/appsettings`.
const SLOT_CONFIG: &str = "Microsoft.Web/sites/slots/config";

/// The site a slot request is about: names as the client spelled them, the site's resource id.
pub(super) struct SlotSite<'a> {
    pub(super) site: &'a str,
    pub(super) slot: &'a str,
    pub(super) group: &'a str,
    /// `/subscriptions/…/providers/Microsoft.Web/sites/{site}`.
    pub(super) base: &'a str,
    pub(super) location: &'a str,
}

/// `GET …/sites/{site}/slots`: the site's slots as `Microsoft.Web/sites/slots` resources.
pub(super) fn list(state: &State, site: &str, base: &str, location: &str) -> ArmResponse {
    let value: Vec<Value> = state
        .workflows()
        .site_slots(site)
        .map(|s| slot_resource(site, &s.name, base, location))
        .collect();
    ArmResponse::ok(json!({ "value": value, "nextLink": null }))
}

/// A request under `…/sites/{site}/slots/{slot}/…`; `tail` (lower case) and `raw` (as sent) are
/// what follows the slot's name.
pub(super) fn handle(
    state: &mut State,
    request: &ArmRequest,
    at: &SlotSite<'_>,
    tail: &[&str],
    raw: &[&str],
) -> ArmResponse {
    let Some(slot) = state.workflows().site_slot(at.site, at.slot).cloned() else {
        return ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Web/sites/{}/slots/{}' under resource group '{}' was not found.",
            at.site, at.slot, at.group
        ));
    };
    let method = request.method.to_ascii_uppercase();
    let base = format!("{}/slots/{}", at.base, slot.name);
    let host_runtime = super::standard::HOST_RUNTIME;
    if tail.len() > host_runtime.len() && tail[..host_runtime.len()] == host_runtime {
        return slot_runtime(
            request,
            at,
            &slot,
            &tail[host_runtime.len() + 1..],
            raw[host_runtime.len()],
        );
    }
    match (method.as_str(), tail) {
        ("GET", []) => ArmResponse::ok(slot_resource(at.site, &slot.name, at.base, at.location)),
        ("GET", ["workflows"]) => {
            let value: Vec<Value> = slot
                .workflows
                .iter()
                .map(|(name, file)| envelope(&base, at, &slot, (name, file), false))
                .collect();
            ArmResponse::ok(json!({ "value": value, "nextLink": null }))
        }
        ("GET", ["workflows", _]) => match slot.workflow(raw[1]) {
            Some(found) => ArmResponse::ok(envelope(&base, at, &slot, found, true)),
            None => ArmResponse::not_found(format!(
                "The Resource 'Microsoft.Web/sites/{}/slots/{}/workflows/{}' under resource group '{}' was not found.",
                at.site, slot.name, raw[1], at.group
            )),
        },
        ("POST", ["deployworkflowartifacts"]) => {
            let body = request.body.clone().unwrap_or_else(|| json!({}));
            match deployed(&slot, &body) {
                Ok(slot) => {
                    state.workflows_mut().put_site_slot(at.site, slot);
                    ArmResponse::empty(200)
                }
                Err(message) => ArmResponse::error(400, "BadRequest", message),
            }
        }
        ("POST", ["listworkflowsconnections"]) => ArmResponse::ok(json!({
            "id": format!("{base}/workflows/connections"),
            "name": format!("{}/{}/connections", at.site, slot.name),
            "type": "Microsoft.Web/sites/slots/workflows",
            "properties": { "files": { "connections.json": slot.connections.clone().unwrap_or_else(|| json!({})) } }
        })),
        ("POST", ["config", "appsettings", "list"]) => {
            ArmResponse::ok(app_settings(&base, SLOT_CONFIG, &slot.app_settings))
        }
        ("PUT", ["config", "appsettings"]) => match super::standard::settings_body(request) {
            Ok(settings) => {
                let answer = app_settings(&base, SLOT_CONFIG, &settings);
                let mut changed = slot;
                changed.app_settings = settings;
                state.workflows_mut().put_site_slot(at.site, changed);
                ArmResponse::ok(answer)
            }
            Err(refused) => refused,
        },
        _ => ArmResponse::not_found(format!(
            "no management operation `{method} {}`",
            request.path
        )),
    }
}

/// The slot's host runtime for `workflow`; `rest` (lower case) follows its name. The slot's
/// dispatcher is off, so its workflows have never run and none starts.
fn slot_runtime(
    request: &ArmRequest,
    at: &SlotSite<'_>,
    slot: &SiteSlot,
    rest: &[&str],
    workflow: &str,
) -> ArmResponse {
    let method = request.method.to_ascii_uppercase();
    match (method.as_str(), slot.workflow(workflow), rest) {
        (_, None, _) => ArmResponse::not_found(format!(
            "workflow `{workflow}` is not in slot `{}` of site `{}`",
            slot.name, at.site
        )),
        ("GET", Some(_), ["runs"]) => ArmResponse::ok(json!({ "value": [], "nextLink": null })),
        _ => ArmResponse::not_found(format!(
            "no management operation `{method} {}` in a nonproduction slot, whose workflows do not run",
            request.path
        )),
    }
}

/// A slot of a Standard site, as `GET …/slots/{slot}` returns it.
fn slot_resource(site: &str, slot: &str, base: &str, location: &str) -> Value {
    json!({
        "id": format!("{base}/slots/{slot}"),
        "name": format!("{site}/{slot}"),
        "type": "Microsoft.Web/sites/slots",
        "kind": "functionapp,workflowapp",
        "location": location,
        "properties": {
            "name": format!("{site}/{slot}"),
            "state": "Running",
            "defaultHostName": classic_host_name(site, slot),
        }
    })
}

/// A slot's workflow as a `WorkflowEnvelope`: the slot's resource id (`…/slots/{slot}/workflows/
/// {name}`, name `{site}/{slot}/{name}`, type `Microsoft.Web/sites/slots/workflows`, ARM's form
/// for a slot's child; the spec's one example for both forms shows the site's), `files` only
/// for a single GET.
fn envelope(
    base: &str,
    at: &SlotSite<'_>,
    slot: &SiteSlot,
    (name, file): (&String, &Value),
    files: bool,
) -> Value {
    let mut properties = json!({ "flowState": "Enabled", "health": { "state": "Healthy" } });
    if files {
        let mut map = Map::new();
        map.insert("workflow.json".to_owned(), file.clone());
        if let Some(connections) = &slot.connections {
            map.insert("connections.json".to_owned(), connections.clone());
        }
        properties["files"] = Value::Object(map);
    }
    json!({
        "id": format!("{base}/workflows/{name}"),
        "name": format!("{}/{}/{name}", at.site, slot.name),
        "type": "Microsoft.Web/sites/slots/workflows",
        "kind": file.get("kind").cloned().unwrap_or_else(|| json!("Stateful")),
        "location": at.location,
        "properties": properties,
    })
}

/// The slot after `deployWorkflowArtifacts` with `body`, or why nothing was written: every
/// workflow file must be a Standard `workflow.json`, every setting a string.
fn deployed(slot: &SiteSlot, body: &Value) -> Result<SiteSlot, String> {
    let mut next = slot.clone();
    let files = body.get("files").and_then(Value::as_object);
    if let Some(settings) = body.get("appSettings").and_then(Value::as_object) {
        for (name, value) in settings {
            let value = value
                .as_str()
                .ok_or_else(|| format!("app setting `{name}` is not a string"))?;
            next.app_settings.insert(name.clone(), value.to_owned());
        }
    }
    for path in body
        .get("filesToDelete")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if let Some(folder) = super::standard::workflow_folder(path) {
            next.workflows
                .retain(|n, _| !n.eq_ignore_ascii_case(folder));
        }
    }
    if let Some(connections) = files.and_then(|f| f.get("connections.json")) {
        next.connections = Some(connections.clone());
    }
    for (path, content) in files.into_iter().flatten() {
        let Some(workflow) = path.strip_suffix("/workflow.json") else {
            continue;
        };
        if workflow.contains('/') || workflow.is_empty() {
            return Err(format!("`{path}` is not `{{workflow}}/workflow.json`"));
        }
        let project = Project {
            marker: Some("connections.json".to_owned()),
            connections: next.connections.clone(),
            parameters: None,
        };
        let document = Document::from_project(path, workflow, content.clone(), project)
            .map_err(|e| e.to_string())?;
        if document.format != Format::Standard {
            return Err(format!(
                "`{path}` is not a Standard workflow: {}",
                document.detected()
            ));
        }
        next.workflows
            .retain(|n, _| !n.eq_ignore_ascii_case(workflow));
        next.workflows.insert(workflow.to_owned(), content.clone());
    }
    Ok(next)
}
