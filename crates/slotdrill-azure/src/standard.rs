//! Logic Apps Standard over ARM. A Standard Logic App is a `Microsoft.Web/sites` app whose
//! `kind` contains `workflowapp` (`functionapp,workflowapp`); its workflows are files. `ArmCloud`
//! names each workflow as the spec's `WorkflowEnvelope` does, `{site}/{workflow}` (a Consumption
//! workflow's name never holds a `/`), and reads and writes it through the site
//! (Azure/azure-rest-api-specs `specification/web/resource-manager/Microsoft.Web/stable/2024-11-01/`,
//! examples `ListWorkflows.json`, `GetWorkflow.json`, `PostDeployWorkflowArtifacts.json`):
//!
//! - the list `GET …/sites/{site}/workflows`, one workflow `GET …/workflows/{workflow}`, whose
//!   `properties.files` carries `workflow.json` and `connections.json` (the list carries no
//!   files); `POST …/listWorkflowsConnections` when a workflow's files hold no connections;
//! - writes as one `POST …/sites/{site}/deployWorkflowArtifacts` with
//!   `{files: {"{workflow}/workflow.json": …}, appSettings}`: the rewritten file and the key
//!   setting land in one call. Whether `appSettings` merges into the site's settings or replaces
//!   them is not written down, so the whole dictionary is sent, read just before with
//!   `config/appsettings/list`: right under either reading;
//! - run history and triggers under `…/sites/{site}/hostruntime/runtime/webhooks/workflow/api/
//!   management/workflows/{workflow}/…` (WorkflowRuns_List, WorkflowRunActions_List,
//!   WorkflowRunActionRepetitions_List, WorkflowTriggers_Run, with Microsoft.Web's api-version).
//!
//! An envelope has no `version` and ARM gives it no ETag: a workflow's version here is a digest
//! of its `workflow.json` as read (never the file itself, which may hold a literal key and would
//! reach the journal). A write re-reads the file and compares digests first; that narrows the
//! race with another writer, it does not close it.

use reqwest::Method;
use serde_json::{Map, Value, json};
use slotdrill_engine::{CloudError, WorkflowRead};
use slotdrill_model::{PRODUCTION, Secret};
use slotdrill_wdl::{Document, Project};

use crate::cloud::{ArmCloud, locked};
use crate::cloud_error::{cloud_error, setting_secrets, without_secrets};

/// The host runtime's management API of a site, before a workflow's name.
const HOST_RUNTIME: &str = "hostruntime/runtime/webhooks/workflow/api/management/workflows";

/// `{site}/{workflow}` → `(site, workflow)`; `None` for a Consumption workflow's name.
pub(crate) fn standard_name(name: &str) -> Option<(&str, &str)> {
    name.split_once('/')
        .filter(|(site, workflow)| !site.is_empty() && !workflow.is_empty())
}

/// True when `site` (as `GET …/sites` lists it) is a Logic Apps Standard app: its `kind` holds
/// `workflowapp`. Such a site is not a function app to roll back.
pub(crate) fn is_workflow_app(site: &Value) -> bool {
    site["kind"]
        .as_str()
        .is_some_and(|kind| kind.to_ascii_lowercase().contains("workflowapp"))
}

/// The version `ArmCloud` gives a Standard workflow: FNV-1a (64 bits) of its `workflow.json` as
/// JSON text, key order kept. The same file read twice gives the same version.
pub(crate) fn file_version(file: &Value) -> String {
    let text = serde_json::to_string(file).unwrap_or_default();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("file-{hash:016x}")
}

/// One workflow's files as an envelope carries them.
struct Files {
    workflow: Value,
    connections: Option<Value>,
    parameters: Option<Value>,
}

impl ArmCloud {
    /// `{site}/{workflow}` of every workflow of every Standard site in `sites`, in the order
    /// listed. One list per site, at most `read_concurrency` at once.
    pub(crate) fn standard_workflows(&self, sites: &[Value]) -> Result<Vec<String>, CloudError> {
        let names: Vec<String> = sites
            .iter()
            .filter(|site| is_workflow_app(site))
            .filter_map(|site| site["name"].as_str().map(str::to_owned))
            .collect();
        let lists = self.parallel(&names, |site| self.site_workflows(site));
        let mut workflows = Vec::new();
        for (site, list) in names.iter().zip(lists) {
            workflows.extend(list?.into_iter().map(|(w, _)| format!("{site}/{w}")));
        }
        Ok(workflows)
    }

    /// The workflows of Standard site `site` with their `kind` (`Stateful`, `Stateless`), as
    /// its list of envelopes names them.
    pub(crate) fn site_workflows(&self, site: &str) -> Result<Vec<(String, String)>, CloudError> {
        let list = self.list(
            &format!("{}/workflows", self.site(site, PRODUCTION)),
            usize::MAX,
        )?;
        Ok(list
            .iter()
            .filter_map(|envelope| {
                // The envelope's name is `{site}/{workflow}`; its last segment is the workflow.
                let workflow = envelope["name"]
                    .as_str()
                    .and_then(|n| n.rsplit('/').next())
                    .filter(|n| !n.is_empty())?;
                let kind = envelope["kind"].as_str().unwrap_or("Stateful");
                Some((workflow.to_owned(), kind.to_owned()))
            })
            .collect())
    }

    /// `…/sites/{site}/workflows/{workflow}`.
    fn envelope_path(&self, site: &str, workflow: &str) -> String {
        format!("{}/workflows/{workflow}", self.site(site, PRODUCTION))
    }

    /// The files of one workflow: `workflow.json` from its envelope, `connections.json` from it
    /// or else from `listWorkflowsConnections`, `parameters.json` when the envelope has it.
    fn files(&self, site: &str, workflow: &str) -> Result<Files, CloudError> {
        let envelope = self.get(&self.envelope_path(site, workflow))?;
        let files = &envelope["properties"]["files"];
        let file = files
            .get("workflow.json")
            .filter(|f| f.is_object())
            .cloned()
            .ok_or_else(|| {
                CloudError::failed(format!(
                    "GET workflow `{site}/{workflow}`: its envelope has no `properties.files[\"workflow.json\"]`"
                ))
            })?;
        let connections = match files.get("connections.json").filter(|c| c.is_object()) {
            Some(connections) => Some(connections.clone()),
            None => self.post(
                &format!("{}/listWorkflowsConnections", self.site(site, PRODUCTION)),
                None,
            )?["properties"]["files"]
                .get("connections.json")
                .filter(|c| c.is_object())
                .cloned(),
        };
        Ok(Files {
            workflow: file,
            connections,
            parameters: files
                .get("parameters.json")
                .filter(|p| p.is_object())
                .cloned(),
        })
    }

    /// Reads Standard workflow `name` (`{site}/{workflow}`) as the engine's document: its
    /// `workflow.json` in a project whose `connections.json` and `parameters.json` are the site's.
    pub(crate) fn read_standard(
        &self,
        name: &str,
        (site, workflow): (&str, &str),
    ) -> Result<WorkflowRead, CloudError> {
        let files = self.files(site, workflow)?;
        let version = file_version(&files.workflow);
        locked(&self.loops).insert(
            name.to_owned(),
            crate::history::looped_actions(&files.workflow["definition"]),
        );
        // Every Standard site has a `host.json` beside its workflow folders: the file is a
        // project's `workflow.json` whether or not it repeats its `kind`.
        let project = Project {
            marker: Some("host.json".to_owned()),
            connections: files.connections,
            parameters: files.parameters,
        };
        let document = Document::from_project(
            &format!("{workflow}/workflow.json of `{site}`"),
            name,
            files.workflow,
            project,
        )
        .map_err(|e| CloudError::failed(e.to_string()))?;
        Ok(WorkflowRead { document, version })
    }

    /// Writes Standard workflow `{site}/{workflow}` as `document` and sets `settings` on its site
    /// in one `deployWorkflowArtifacts`, if its `workflow.json` is still the one read at
    /// `expected_version`. Values of `settings` (function keys) and of the site's other settings
    /// never reach an error.
    pub(crate) fn write_standard(
        &self,
        (site, workflow): (&str, &str),
        document: &Document,
        expected_version: &str,
        settings: &[(String, Secret)],
    ) -> Result<String, CloudError> {
        self.serialised(site, || {
            let current = self.files(site, workflow)?;
            let found = file_version(&current.workflow);
            if found != expected_version {
                return Err(CloudError::VersionChanged {
                    workflow: format!("{site}/{workflow}"),
                    expected: expected_version.to_owned(),
                    found,
                });
            }
            let mut files = Map::new();
            files.insert(format!("{workflow}/workflow.json"), document.root.clone());
            let mut body = json!({ "files": files });
            let mut secrets: Vec<String> = settings
                .iter()
                .map(|(_, value)| value.expose().to_owned())
                .collect();
            if !settings.is_empty() {
                // The other settings go back as they are, and are kept out of errors too.
                let mut whole = self.site_settings(site)?;
                secrets.extend(setting_secrets(&whole));
                for (name, value) in settings {
                    whole.insert(name.clone(), Value::String(value.expose().to_owned()));
                }
                body["appSettings"] = Value::Object(whole);
            }
            self.client
                .send(
                    Method::POST,
                    &format!("{}/deployWorkflowArtifacts", self.site(site, PRODUCTION)),
                    Some(&body),
                )
                .map_err(|e| without_secrets(cloud_error(e), &secrets))?;
            Ok(file_version(&document.root))
        })
    }

    /// Where a workflow's runs and triggers are: `Microsoft.Logic/workflows/{name}`, or for a
    /// Standard workflow its site's host runtime.
    pub(crate) fn runtime_path(&self, name: &str) -> String {
        match standard_name(name) {
            Some((site, workflow)) => {
                format!("{}/{HOST_RUNTIME}/{workflow}", self.site(site, PRODUCTION))
            }
            None => self.workflow_path(name),
        }
    }

    /// A workflow's definition as ARM holds it now.
    pub(crate) fn definition_of(&self, name: &str) -> Result<Value, CloudError> {
        Ok(match standard_name(name) {
            Some((site, workflow)) => self.files(site, workflow)?.workflow["definition"].take(),
            None => self.get(&self.workflow_path(name))?["properties"]["definition"].take(),
        })
    }
}
