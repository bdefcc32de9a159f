//! `Microsoft.Logic/workflows` operations beyond read, save and runs, which tools call:
//! `PATCH`, `DELETE`, `disable`, `enable`, `listCallbackUrl` (the workflow's and a trigger's; a
//! Standard site's trigger in Microsoft.Web's form), and `versions` (list and get). Shapes from
//! the 2019-05-01 spec's examples (`tests/data/spec-examples/`); `logic.rs` hands every request
//! here first.

use serde_json::{Value, json};
use slotdrill_model::{PRODUCTION, classic_host_name};

use super::logic::{put, version, workflow, workflow_id};
use super::{ArmRequest, ArmResponse};
use crate::logic_app::LogicApp;
use crate::state::State;

/// The api-version callback URLs carry, as Learn's examples of Request trigger URLs show
/// ("Call, trigger, or nest logic apps by using HTTPS endpoints": `…/paths/invoke?api-version=
/// 2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=…`).
const CALLBACK_API_VERSION: &str = "2016-10-01";

/// The api-version a Standard trigger's callback URL carries: the one in the `queries` of
/// Microsoft.Web's `WorkflowTriggers_ListCallbackUrl.json` (its `value` says
/// `2015-08-01-preview`; the example disagrees with itself, docs/fidelity.md).
const STANDARD_CALLBACK_API_VERSION: &str = "2018-07-01-preview";

/// The state a PUT or PATCH body asks for (`properties.state`), if any: `true` for `Enabled`.
pub(super) fn requested_state(request: &ArmRequest) -> Option<bool> {
    let state = request.body_field("/properties/state")?.as_str()?;
    Some(!state.eq_ignore_ascii_case("Disabled"))
}

/// Answers the operations of this module; `None` leaves the request to `logic.rs`.
pub(super) fn handle(
    state: &mut State,
    request: &ArmRequest,
    method: &str,
    tail: &[&str],
    name: &str,
    group: &str,
) -> Option<ArmResponse> {
    let subscription = state.estate().subscription().to_owned();
    let exists = state
        .workflows()
        .get(name)
        .is_some_and(|l| l.resource_group.eq_ignore_ascii_case(group));
    if method == "DELETE" && tail.is_empty() {
        // ARM's DELETE: 200 when deleted, 204 when there was nothing (the example's two answers).
        return Some(if exists && state.delete_logic_app(name) {
            ArmResponse::empty(200)
        } else {
            ArmResponse::empty(204)
        });
    }
    if !exists {
        // A workflow that does not exist: `logic.rs` answers it.
        return None;
    }
    if (method, tail) == ("PATCH", &[][..]) {
        return Some(patch(state, request, name, group, &subscription));
    }
    let logic_app = state.workflows_mut().get_mut(name)?;
    match (method, tail) {
        ("POST", ["disable"]) => {
            logic_app.enabled = false;
            Some(ArmResponse::empty(200))
        }
        ("POST", ["enable"]) => {
            logic_app.enabled = true;
            Some(ArmResponse::empty(200))
        }
        ("POST", ["listcallbackurl"]) => Some(callback_url(request, logic_app, None)),
        ("POST", ["triggers", _, "listcallbackurl"]) => Some(callback_url(
            request,
            logic_app,
            Some(raw_segment(request, 3)),
        )),
        ("GET", ["versions"]) => {
            let value: Vec<Value> = std::iter::once(&*logic_app)
                .chain(logic_app.earlier.iter().rev())
                .map(|v| version_resource(&subscription, logic_app, v))
                .collect();
            Some(ArmResponse::ok(json!({ "value": value, "nextLink": null })))
        }
        ("GET", ["versions", _]) => {
            let wanted = raw_segment(request, 3);
            let found = std::iter::once(&*logic_app)
                .chain(logic_app.earlier.iter())
                .find(|v| version(v) == wanted);
            Some(match found {
                Some(v) => ArmResponse::ok(version_resource(&subscription, logic_app, v)),
                None => ArmResponse::not_found(format!(
                    "The workflow '{}' has no version '{wanted}'.",
                    logic_app.name
                )),
            })
        }
        _ => None,
    }
}

/// The path segment `index` after `workflows/` as sent (`1` is the workflow's name).
fn raw_segment(request: &ArmRequest, index: usize) -> String {
    let lower = request.path.to_ascii_lowercase();
    let start = lower
        .find("/workflows/")
        .map_or(0, |i| i + "/workflows/".len());
    request.path[start..]
        .split('/')
        .nth(index - 1)
        .unwrap_or_default()
        .to_owned()
}

/// `PATCH`: azure-mgmt-logic 10.0.0 sends it without a body (its `update`); the spec's example
/// sends a whole workflow. A definition in the body is saved as a PUT would (a new version); a
/// `properties.state` is applied; anything else is answered with the workflow as it is.
fn patch(
    state: &mut State,
    request: &ArmRequest,
    name: &str,
    group: &str,
    subscription: &str,
) -> ArmResponse {
    if request.body_field("/properties/definition").is_some() {
        let mut answer = put(state, request, name, group, subscription);
        if answer.status == 201 {
            answer.status = 200;
        }
        return answer;
    }
    let requested = requested_state(request);
    let Some(logic_app) = state.workflows_mut().get_mut(name) else {
        return ArmResponse::not_found(format!("The workflow '{name}' was not found."));
    };
    if let Some(enabled) = requested {
        logic_app.enabled = enabled;
    }
    ArmResponse::ok(workflow(subscription, logic_app))
}

/// A saved version, in the workflow resource's shape (the `WorkflowVersions_Get` example) under
/// its own id.
fn version_resource(subscription: &str, current: &LogicApp, saved: &LogicApp) -> Value {
    let mut resource = workflow(subscription, saved);
    let name = version(saved);
    resource["id"] = json!(format!(
        "{}/versions/{name}",
        workflow_id(subscription, current)
    ));
    resource["name"] = json!(name);
    resource["type"] = json!("Microsoft.Logic/workflows/versions");
    resource
}

/// `listCallbackUrl`: the URL a Request trigger is called at, in the examples' shape
/// (`value`, `method`, `basePath`, `queries`). With no trigger named, the workflow's first
/// Request trigger. The emulator does not serve this URL (runs go through
/// `triggers/{name}/run`): docs/fidelity.md.
fn callback_url(
    request: &ArmRequest,
    logic_app: &LogicApp,
    trigger: Option<String>,
) -> ArmResponse {
    let doc = &logic_app.document;
    let definition = doc
        .workflow(Some(&logic_app.workflow))
        .ok()
        .map(|w| doc.definition(w).clone())
        .unwrap_or(Value::Null);
    let triggers = definition.get("triggers").and_then(Value::as_object);
    let found = match &trigger {
        Some(wanted) => triggers
            .and_then(|t| t.keys().find(|k| k.eq_ignore_ascii_case(wanted)))
            .cloned(),
        None => triggers.and_then(|t| {
            t.iter()
                .find(|(_, v)| v.get("type").and_then(Value::as_str) == Some("Request"))
                .map(|(k, _)| k.clone())
        }),
    };
    let Some(trigger) = found else {
        return ArmResponse::not_found(format!(
            "The workflow '{}' has no trigger '{}'.",
            logic_app.name,
            trigger.as_deref().unwrap_or("of type Request")
        ));
    };
    let (id, sig) = logic_app.callback_id_and_sig(&trigger);
    let (base_path, sp, api_version) = match &logic_app.site {
        // A Standard workflow is invoked on its site's host through the workflow runtime, at
        // a version (Microsoft.Web's `WorkflowTriggers_ListCallbackUrl.json`).
        Some(site) => {
            let version = version(logic_app);
            let host = request.site_url(&classic_host_name(site, PRODUCTION));
            (
                format!(
                    "{host}/runtime/webhooks/workflow/scaleUnits/prod-00/workflows/{id}/versions/{version}/triggers/{trigger}/paths/invoke"
                ),
                format!("/versions/{version}/triggers/{trigger}/run"),
                STANDARD_CALLBACK_API_VERSION,
            )
        }
        None => (
            format!(
                "{}/workflows/{id}/triggers/{trigger}/paths/invoke",
                request.base_url
            ),
            format!("/triggers/{trigger}/run"),
            CALLBACK_API_VERSION,
        ),
    };
    let mut queries = json!({
        "api-version": api_version,
        "sp": sp,
        "sv": "1.0",
        "sig": sig,
    });
    let mut value = format!(
        "{base_path}?api-version={api_version}&sp={}&sv=1.0&sig={sig}",
        sp.replace('/', "%2F")
    );
    if let Some(not_after) = request.body_field("/notAfter").and_then(Value::as_str) {
        queries["se"] = json!(not_after);
        value.push_str(&format!("&se={}", not_after.replace(':', "%3A")));
    }
    ArmResponse::ok(json!({
        "value": value,
        "method": "POST",
        "basePath": base_path,
        "queries": queries,
    }))
}
