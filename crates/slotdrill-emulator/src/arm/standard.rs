//! Logic Apps Standard under `Microsoft.Web/sites/{site}`: a site whose workflows are files
//! (WebApps.json in Azure/azure-rest-api-specs, Microsoft.Web stable 2024-11-01): the workflow
//! list and one workflow as a `WorkflowEnvelope` (shapes of the examples `ListWorkflows.json`
//! and `GetWorkflow.json`), `deployWorkflowArtifacts` (`PostDeployWorkflowArtifacts.json`,
//! `DeleteDeployWorkflowArtifacts.json`: `{appSettings, files, filesToDelete}`, answered 200
//! with no body) applied all or nothing, `listWorkflowsConnections`, the site's
//! `config/appsettings`, and run history under
//! `hostruntime/runtime/webhooks/workflow/api/management/workflows/{workflow}/…` (`logic.rs`
//! answers it, with the records named as `records.rs` says). The `/slots/{slot}` forms are
//! `standard_slots.rs`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use slotdrill_model::{AzureName, PRODUCTION, classic_host_name};
use slotdrill_wdl::{Document, Format, Project};

use super::{ArmRequest, ArmResponse, ResourcePath};
use crate::logic_app::LogicApp;
use crate::state::State;

/// The path segments between a site and a workflow's management API.
pub(super) const HOST_RUNTIME: [&str; 7] = [
    "hostruntime",
    "runtime",
    "webhooks",
    "workflow",
    "api",
    "management",
    "workflows",
];

/// True when `site` is a Standard site of resource group `group`: one of its workflows is there.
pub(super) fn is_site(state: &State, site: &str, group: &str) -> bool {
    state
        .workflows()
        .of_site(site)
        .any(|l| AzureName::same(&l.resource_group, group))
}

/// A request under `…/sites/{site}/…` for a Standard site; `rest` is the path after
/// `providers/Microsoft.Web/` (`sites`, the site, then the operation).
pub(super) fn handle(
    state: &mut State,
    request: &ArmRequest,
    path: &ResourcePath<'_>,
    group: &str,
) -> ArmResponse {
    let site = path.rest[1].to_owned();
    let raw = &path.rest[2..];
    let tail: Vec<String> = raw.iter().map(|s| s.to_ascii_lowercase()).collect();
    let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
    let method = request.method.to_ascii_uppercase();
    let subscription = state.estate().subscription().to_owned();
    let base = format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}"
    );
    if tail.len() > HOST_RUNTIME.len() && tail[..HOST_RUNTIME.len()] == HOST_RUNTIME {
        return host_runtime(state, request, path, &site, HOST_RUNTIME.len() + 2);
    }
    match (method.as_str(), tail.as_slice()) {
        ("GET", ["workflows"]) => {
            let value: Vec<Value> = state
                .workflows()
                .of_site(&site)
                .map(|l| envelope(&base, &site, l, false))
                .collect();
            ArmResponse::ok(json!({ "value": value, "nextLink": null }))
        }
        ("GET", ["workflows", _]) => match state
            .workflows()
            .of_site(&site)
            .find(|l| AzureName::same(&l.name, raw[1]))
        {
            Some(l) => ArmResponse::ok(envelope(&base, &site, l, true)),
            None => ArmResponse::not_found(format!(
                "The Resource 'Microsoft.Web/sites/{site}/workflows/{}' under resource group '{group}' was not found.",
                raw[1]
            )),
        },
        ("POST", ["deployworkflowartifacts"]) => deploy(state, request, &site),
        ("POST", ["listworkflowsconnections"]) => {
            let connections = site_connections(state, &site).unwrap_or_else(|| json!({}));
            ArmResponse::ok(json!({
                "id": format!("{base}/workflows/connections"),
                "name": format!("{site}/connections"),
                "type": "Microsoft.Web/sites/workflows",
                "properties": { "files": { "connections.json": connections } }
            }))
        }
        ("POST", ["config", "appsettings", "list"]) => ArmResponse::ok(app_settings(
            &base,
            "Microsoft.Web/sites/config",
            &settings_of(state, &site),
        )),
        ("PUT", ["config", "appsettings"]) => match settings_body(request) {
            Ok(settings) => {
                set_settings(state, &site, &settings);
                ArmResponse::ok(app_settings(&base, "Microsoft.Web/sites/config", &settings))
            }
            Err(refused) => refused,
        },
        ("GET", ["slots"]) => {
            super::standard_slots::list(state, &site, &base, &location(state, &site))
        }
        ("GET" | "POST" | "PUT", ["slots", _, ..]) => {
            let location = location(state, &site);
            let at = super::standard_slots::SlotSite {
                site: &site,
                slot: raw[1],
                group,
                base: &base,
                location: &location,
            };
            super::standard_slots::handle(state, request, &at, &tail[2..], &raw[2..])
        }
        ("GET", []) => ArmResponse::ok(site_resource(state, &base, &site)),
        _ => ArmResponse::not_found(format!(
            "no management operation `{method} {}`",
            request.path
        )),
    }
}

/// Run history and triggers of a site's workflow: the same operations and shapes as
/// `Microsoft.Logic/workflows/{workflow}/…`, answered by `logic.rs` on a path rebuilt as one.
fn host_runtime(
    state: &mut State,
    request: &ArmRequest,
    path: &ResourcePath<'_>,
    site: &str,
    workflow_at: usize,
) -> ArmResponse {
    let workflow = path.rest[workflow_at];
    if !state
        .workflows()
        .of_site(site)
        .any(|l| AzureName::same(&l.name, workflow))
    {
        return ArmResponse::not_found(format!("workflow `{workflow}` is not in site `{site}`"));
    }
    let mut rest = vec!["workflows"];
    rest.extend_from_slice(&path.rest[workflow_at..]);
    let inner = ResourcePath {
        subscription: path.subscription,
        resource_group: path.resource_group,
        provider: Some("Microsoft.Logic"),
        rest,
    };
    super::logic::handle_in(state, request, &inner, Some(site))
}

/// The `WorkflowEnvelope` of one workflow; `files` only for a single GET, as in the examples.
fn envelope(base: &str, site: &str, logic_app: &LogicApp, files: bool) -> Value {
    let document = &logic_app.document;
    let kind = document
        .root
        .get("kind")
        .cloned()
        .unwrap_or_else(|| json!("Stateful"));
    let mut properties = json!({
        "flowState": if logic_app.enabled { "Enabled" } else { "Disabled" },
        "health": { "state": "Healthy" },
    });
    if files {
        let mut map = Map::new();
        map.insert("workflow.json".to_owned(), document.root.clone());
        if let Some(connections) = &document.connections {
            map.insert("connections.json".to_owned(), connections.clone());
        }
        properties["files"] = Value::Object(map);
    }
    json!({
        "id": format!("{base}/workflows/{}", logic_app.name),
        "name": format!("{site}/{}", logic_app.name),
        "type": "Microsoft.Web/sites/workflows",
        "kind": kind,
        "location": logic_app.location,
        "properties": properties,
    })
}

/// The site's region: its workflows'.
fn location(state: &State, site: &str) -> String {
    state
        .workflows()
        .of_site(site)
        .next()
        .map(|l| l.location.clone())
        .unwrap_or_default()
}

/// The settings a `PUT config/appsettings` body holds (`properties`, every value a string), or
/// its refusal.
pub(super) fn settings_body(request: &ArmRequest) -> Result<BTreeMap<String, String>, ArmResponse> {
    let Some(properties) = request.body_field("/properties").and_then(Value::as_object) else {
        return Err(ArmResponse::error(
            400,
            "BadRequest",
            "the body has no `properties`",
        ));
    };
    let mut settings = BTreeMap::new();
    for (name, value) in properties {
        let Some(value) = value.as_str() else {
            return Err(ArmResponse::error(
                400,
                "BadRequest",
                format!("app setting `{name}` is not a string"),
            ));
        };
        settings.insert(name.clone(), value.to_owned());
    }
    Ok(settings)
}

/// The site itself (kind `functionapp,workflowapp`, as a Standard Logic App's site is).
fn site_resource(state: &State, base: &str, site: &str) -> Value {
    let location = location(state, site);
    json!({
        "id": base,
        "name": site,
        "type": "Microsoft.Web/sites",
        "kind": "functionapp,workflowapp",
        "location": location,
        "properties": { "name": site, "state": "Running", "defaultHostName": classic_host_name(site, PRODUCTION) }
    })
}

/// A site's or a slot's `config/appsettings` resource; `kind` is its ARM type
/// (`Microsoft.Web/sites/config` or `Microsoft.Web/sites/slots/config`).
pub(super) fn app_settings(base: &str, kind: &str, settings: &BTreeMap<String, String>) -> Value {
    json!({
        "id": format!("{base}/config/appsettings"),
        "name": "appsettings",
        "type": kind,
        "properties": settings,
    })
}

fn settings_of(state: &State, site: &str) -> BTreeMap<String, String> {
    state
        .workflows()
        .of_site(site)
        .next()
        .map(|l| l.app_settings.clone())
        .unwrap_or_default()
}

fn set_settings(state: &mut State, site: &str, settings: &BTreeMap<String, String>) {
    let first = state
        .workflows()
        .of_site(site)
        .next()
        .map(|l| l.name.clone());
    if let Some(first) = first {
        for logic_app in state.workflows_mut().sharing_settings_mut(&first) {
            logic_app.app_settings = settings.clone();
        }
    }
}

fn site_connections(state: &State, site: &str) -> Option<Value> {
    state
        .workflows()
        .of_site(site)
        .find_map(|l| l.document.connections.clone())
}

/// `deployWorkflowArtifacts`: every file and setting or none. The work is done on a copy of the
/// state, which replaces it only when everything was accepted.
fn deploy(state: &mut State, request: &ArmRequest, site: &str) -> ArmResponse {
    let body = request.body.clone().unwrap_or_else(|| json!({}));
    let mut trial = state.clone();
    match deploy_into(&mut trial, site, &body) {
        Ok(()) => {
            *state = trial;
            ArmResponse::empty(200)
        }
        Err(message) => ArmResponse::error(400, "BadRequest", message),
    }
}

fn deploy_into(state: &mut State, site: &str, body: &Value) -> Result<(), String> {
    let files = body.get("files").and_then(Value::as_object);
    let template = state.workflows().of_site(site).next().cloned();
    let (group, location) = template
        .as_ref()
        .map(|l| (l.resource_group.clone(), l.location.clone()))
        .unwrap_or_default();
    let mut connections = site_connections(state, site);
    if let Some(new) = files.and_then(|f| f.get("connections.json")) {
        connections = Some(new.clone());
    }
    // The site's settings after this deployment, given to every workflow of the site at the end
    // (a new one included).
    let mut merged = settings_of(state, site);
    if let Some(settings) = body.get("appSettings").and_then(Value::as_object) {
        for (name, value) in settings {
            let value = value
                .as_str()
                .ok_or_else(|| format!("app setting `{name}` is not a string"))?;
            merged.insert(name.clone(), value.to_owned());
        }
    }
    for path in body
        .get("filesToDelete")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if let Some(workflow) = workflow_folder(path) {
            state.delete_logic_app(workflow);
        }
    }
    // Workflows whose file is deployed now, then the others again when connections.json changed.
    let parameters = state
        .workflows()
        .of_site(site)
        .find_map(|l| l.document.project_parameters.clone());
    let project = |connections: &Option<Value>| Project {
        marker: Some("connections.json".to_owned()),
        connections: connections.clone(),
        parameters: parameters.clone(),
    };
    let mut saved: Vec<(String, bool)> = Vec::new();
    for (path, content) in files.into_iter().flatten() {
        let Some(workflow) = path.strip_suffix("/workflow.json") else {
            continue;
        };
        if workflow.contains('/') || workflow.is_empty() {
            return Err(format!("`{path}` is not `{{workflow}}/workflow.json`"));
        }
        let new = save(
            state,
            site,
            workflow,
            content.clone(),
            project(&connections),
        )?;
        saved.push((workflow.to_owned(), new));
    }
    if files.is_some_and(|f| f.contains_key("connections.json")) {
        let others: Vec<(String, Value)> = state
            .workflows()
            .of_site(site)
            .filter(|l| !saved.iter().any(|(s, _)| AzureName::same(s, &l.name)))
            .map(|l| (l.name.clone(), l.document.root.clone()))
            .collect();
        for (workflow, root) in others {
            save(state, site, &workflow, root, project(&connections))?;
        }
    }
    for (workflow, new) in &saved {
        if let Some(logic_app) = state.workflows_mut().get_mut(workflow) {
            logic_app.site = Some(site.to_owned());
            if *new {
                logic_app.resource_group = group.clone();
                logic_app.location = location.clone();
            }
        }
    }
    set_settings(state, site, &merged);
    Ok(())
}

/// Saves one workflow of the site; true when it is new.
fn save(
    state: &mut State,
    site: &str,
    workflow: &str,
    root: Value,
    project: Project,
) -> Result<bool, String> {
    let new = state.workflows().get(workflow).is_none();
    if let Some(other) = state.workflows().get(workflow)
        && !other
            .site
            .as_deref()
            .is_some_and(|s| AzureName::same(s, site))
    {
        return Err(format!(
            "`{workflow}` is already a workflow outside site `{site}` (the emulator names workflows uniquely)"
        ));
    }
    let file = format!("{workflow}/workflow.json");
    let document =
        Document::from_project(&file, workflow, root, project).map_err(|e| e.to_string())?;
    if document.format != Format::Standard {
        return Err(format!(
            "`{file}` is not a Standard workflow: {}",
            document.detected()
        ));
    }
    state
        .save_logic_app(workflow, document, None)
        .map(|_| new)
        .map_err(|e| e.to_string())
}

/// `X/workflow.json` or `X/` → `X`.
pub(super) fn workflow_folder(path: &str) -> Option<&str> {
    let folder = path
        .strip_suffix("/workflow.json")
        .or_else(|| path.strip_suffix('/'))?;
    (!folder.is_empty() && !folder.contains('/')).then_some(folder)
}

/// The Standard sites of resource group `group`, as `GET …/sites` lists them beside the function
/// apps (WebApps_ListByResourceGroup lists every site of the group, whatever its `kind`), in
/// name order.
pub(super) fn sites(state: &State, group: &str) -> Vec<Value> {
    let mut names: Vec<String> = state
        .workflows()
        .all()
        .filter(|l| AzureName::same(&l.resource_group, group))
        .filter_map(|l| l.site.clone())
        .collect();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    names.dedup_by(|a, b| AzureName::same(a, b));
    let subscription = state.estate().subscription().to_owned();
    names
        .iter()
        .map(|site| {
            let base = format!(
                "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}"
            );
            site_resource(state, &base, site)
        })
        .collect()
}
