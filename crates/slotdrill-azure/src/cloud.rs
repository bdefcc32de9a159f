//! [`ArmCloud`]: each `Cloud` call as the ARM requests azure-facts §5 lists (the estate's
//! snapshots are read in `snapshot.rs`). Reads of an estate run at most `read_concurrency` at
//! once; writes to one app (or one workflow) never overlap. A slot's host name and its function keys are read once.
//! A workflow write checks `properties.version` against a read at most `fresh_read` old (the
//! engine's, just before it rewrites) or reads it again.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use reqwest::Method;
use serde_json::{Map, Value, json};
use slotdrill_engine::{ActionOutcome, AppSnapshot, Cloud, CloudError, HistoryMark, WorkflowRead};
use slotdrill_model::{PRODUCTION, Secret, is_production};
use slotdrill_wdl::Document;

use crate::client::{ArmConfig, ArmError, Client};
pub(crate) use crate::cloud_error::cloud_error;
use crate::cloud_error::{setting_secrets, without_secrets};
use crate::standard::standard_name;
use crate::timestamp::http_date_millis;

/// `(app, slot, function)`.
type FunctionId = (String, String, String);

/// The engine's back end over ARM.
pub struct ArmCloud {
    pub(crate) client: Client,
    /// Function keys already read; an app's are forgotten when it swaps.
    keys: Mutex<HashMap<FunctionId, Secret>>,
    /// `(app, slot)` → default host name (a slot's host name never moves).
    pub(crate) hosts: Mutex<HashMap<(String, String), String>>,
    /// One lock per app or workflow written to.
    writes: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// The last read of each workflow, until a write uses it.
    reads: Mutex<HashMap<String, FreshRead>>,
    /// The actions of each workflow read that run inside loops (their run history has
    /// repetitions).
    pub(crate) loops: Mutex<HashMap<String, BTreeSet<String>>>,
}

/// A workflow's location, state and version as ARM returned them, and when.
struct FreshRead {
    body: Value,
    at: Instant,
}

pub(crate) fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl ArmCloud {
    /// A back end for `config`.
    pub fn new(config: ArmConfig) -> Result<ArmCloud, ArmError> {
        Ok(ArmCloud {
            client: Client::new(config)?,
            keys: Mutex::default(),
            hosts: Mutex::default(),
            writes: Mutex::default(),
            reads: Mutex::default(),
            loops: Mutex::default(),
        })
    }

    /// `read` of every item, at most `read_concurrency` at once; the results in the items'
    /// order. Each worker blocks on the client's runtime, which serves them all.
    pub(crate) fn parallel<T: Sync, R: Send>(
        &self,
        items: &[T],
        read: impl Fn(&T) -> R + Sync,
    ) -> Vec<R> {
        let workers = self
            .client
            .config
            .read_concurrency
            .clamp(1, items.len().max(1));
        if workers == 1 {
            return items.iter().map(read).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else { break };
                        *locked(&results[index]) = Some(read(item));
                    }
                });
            }
        });
        results
            .into_iter()
            .filter_map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }

    /// The names of the resource group's `Microsoft.Logic/workflows`.
    pub(crate) fn consumption_workflows(&self) -> Result<Vec<String>, CloudError> {
        let list = self.list(
            &self.client.path("Microsoft.Logic", "workflows"),
            usize::MAX,
        )?;
        Ok(list
            .iter()
            .filter_map(|w| w["name"].as_str().map(str::to_owned))
            .collect())
    }

    /// What this back end was configured with.
    pub fn config(&self) -> &ArmConfig {
        &self.client.config
    }

    /// Holds the write lock of `resource` (an app, or `workflow:NAME`) while `write` runs.
    pub(crate) fn serialised<R>(&self, resource: &str, write: impl FnOnce() -> R) -> R {
        let lock = Arc::clone(locked(&self.writes).entry(resource.to_owned()).or_default());
        let _held = locked(&lock);
        write()
    }

    /// Gets a token now, so that missing or refused credentials are reported before any work.
    pub fn authenticate(&self) -> Result<(), ArmError> {
        self.client.bearer().map(|_| ())
    }

    pub(crate) fn site(&self, app: &str, slot: &str) -> String {
        let base = format!("sites/{app}");
        self.client.path(
            "Microsoft.Web",
            &if is_production(slot) {
                base
            } else {
                format!("{base}/slots/{slot}")
            },
        )
    }

    pub(crate) fn workflow_path(&self, name: &str) -> String {
        self.client
            .path("Microsoft.Logic", &format!("workflows/{name}"))
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value, CloudError> {
        self.client
            .send(Method::GET, path, None)
            .map(|a| a.body)
            .map_err(cloud_error)
    }

    /// Every item of a list, following `nextLink` pages until `limit` items are read.
    pub(crate) fn list(&self, path: &str, limit: usize) -> Result<Vec<Value>, CloudError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(page) = next.take() {
            let mut body = self.get(&page)?;
            if let Some(values) = body["value"].as_array_mut() {
                items.append(values);
            }
            if items.len() >= limit {
                items.truncate(limit);
                break;
            }
            next = body["nextLink"].as_str().map(str::to_owned);
            // The token goes wherever the link points: only ever to the configured endpoint.
            if let Some(link) = &next
                && !self.client.config.owns(link)
            {
                return Err(CloudError::failed(format!(
                    "{path}: nextLink leaves {}; not followed",
                    self.client.config.endpoint
                )));
            }
        }
        Ok(items)
    }

    pub(crate) fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, CloudError> {
        self.client
            .send(Method::POST, path, body)
            .map(|a| a.body)
            .map_err(cloud_error)
    }

    /// The write itself: re-read the version, refuse when it moved or when securestring values
    /// would be lost, then PUT.
    fn write_workflow_now(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError> {
        // The engine reads a workflow right before it rewrites it; that read, if recent, is the
        // re-read. ARM has no ETag for workflows: either way the check narrows the race.
        let fresh = locked(&self.reads).remove(name).filter(|read| {
            read.at.elapsed() <= self.client.config.fresh_read
                && read.body["properties"]["version"].as_str() == Some(expected_version)
        });
        let current = match fresh {
            Some(read) => read.body,
            None => self.get(&self.workflow_path(name))?,
        };
        let found = current["properties"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if found != expected_version {
            return Err(CloudError::VersionChanged {
                workflow: name.to_owned(),
                expected: expected_version.to_owned(),
                found,
            });
        }
        let definition = document
            .root
            .pointer("/properties/definition")
            .cloned()
            .unwrap_or(Value::Null);
        let mut parameters = document
            .root
            .pointer("/properties/parameters")
            .cloned()
            .unwrap_or_else(|| json!({}));
        // ARM never returns securestring values: writing back without them would erase them.
        // The operator may supply them (`--secure-parameter`); otherwise the write is refused.
        let mut missing = Vec::new();
        for parameter in secure_parameters(&definition) {
            if !parameters[&parameter]["value"].is_null() {
                continue;
            }
            match self.client.config.secure_parameter(name, &parameter) {
                Some(value) if parameters.is_object() => {
                    parameters[&parameter] = json!({ "value": value.expose() });
                }
                _ => missing.push(parameter),
            }
        }
        if !missing.is_empty() {
            let hint: Vec<String> = missing
                .iter()
                .map(|p| format!("--secure-parameter {name}/{p}=ENV_VAR"))
                .collect();
            return Err(CloudError::failed(format!(
                "refusing to write `{name}` back: its securestring parameter(s) {} have no value (ARM does not return them); pass {} with the value in that environment variable",
                missing.join(", "),
                hint.join(" ")
            )));
        }
        let body = json!({ "location": current["location"], "properties": { "definition": definition, "parameters": parameters, "state": current["properties"]["state"] } });
        let written = self
            .client
            .send(Method::PUT, &self.workflow_path(name), Some(&body))
            .map_err(cloud_error)?;
        Ok(written.body["properties"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// `…/sites/{site}/config/appsettings`: a Logic Apps Standard app is a
    /// `Microsoft.Web/sites` app (kind `functionapp,workflowapp`), its settings the site's.
    /// `logic_app` is the site, or one of its workflows (`{site}/{workflow}`).
    /// A Logic App site's whole app settings dictionary (`POST …/config/appsettings/list`,
    /// WebApps_ListApplicationSettings), as Azure answers it.
    pub(crate) fn site_settings(&self, site: &str) -> Result<Map<String, Value>, CloudError> {
        let path = format!("{}/config/appsettings/list", self.site(site, PRODUCTION));
        let listed = self.post(&path, None)?;
        Ok(listed["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default())
    }

    fn logic_app_settings_path(&self, logic_app: &str) -> String {
        format!(
            "{}/config/appsettings",
            self.site(logic_site(logic_app), PRODUCTION)
        )
    }

    /// Changes one app setting of a Logic App (Standard) by read-modify-write of the whole
    /// dictionary, as the API requires: `POST …/config/appsettings/list`
    /// (WebApps_ListApplicationSettings), then `PUT …/config/appsettings` with every setting
    /// (WebApps_UpdateApplicationSettings replaces the dictionary). Nothing is written when the
    /// setting already is as asked. Errors never carry the value being set, nor any other
    /// setting long enough to be a secret (the PUT sends them all).
    fn change_logic_app_setting(
        &self,
        logic_app: &str,
        name: &str,
        value: Option<&Secret>,
    ) -> Result<(), CloudError> {
        let path = self.logic_app_settings_path(logic_app);
        let site = logic_site(logic_app);
        let scrub = |e: CloudError| match value {
            Some(secret) => without_secrets(e, &[secret.expose()]),
            None => e,
        };
        self.serialised(site, || {
            let mut settings = self.site_settings(site).map_err(scrub)?;
            let mut secrets = setting_secrets(&settings);
            secrets.extend(value.map(|v| v.expose().to_owned()));
            let current = settings.get(name).and_then(Value::as_str);
            if current == value.map(Secret::expose) {
                return Ok(());
            }
            match value {
                Some(secret) => {
                    settings.insert(name.to_owned(), Value::String(secret.expose().to_owned()))
                }
                None => settings.remove(name),
            };
            let body = json!({ "properties": settings });
            self.client
                .send(Method::PUT, &path, Some(&body))
                .map(|_| ())
                .map_err(|e| without_secrets(cloud_error(e), &secrets))
        })
    }

    /// A function's key through `listkeys`, whose answer is a flat `{"default": KEY}` in reality
    /// and `{"properties": {…}}` in the REST spec: both are accepted, `default` first.
    fn read_function_key(
        &self,
        app: &str,
        slot: &str,
        function: &str,
    ) -> Result<Secret, CloudError> {
        let body = self.post(
            &format!("{}/functions/{function}/listkeys", self.site(app, slot)),
            None,
        )?;
        let keys = body
            .get("properties")
            .filter(|p| p.is_object())
            .unwrap_or(&body);
        keys.get("default")
            .and_then(Value::as_str)
            .or_else(|| keys.as_object()?.values().find_map(Value::as_str))
            .map(|k| Secret::new(k.to_owned()))
            .ok_or_else(|| {
                CloudError::failed(format!(
                    "listkeys of `{app}/{slot}/{function}` returned no key: give the function a key (az functionapp function keys set)"
                ))
            })
    }
}

/// The site of a Logic App: itself, or the site of a Standard workflow `{site}/{workflow}`.
fn logic_site(logic_app: &str) -> &str {
    standard_name(logic_app).map_or(logic_app, |(site, _)| site)
}

/// Names of `securestring`/`secureobject` parameters the definition declares.
fn secure_parameters(definition: &Value) -> Vec<String> {
    definition["parameters"]
        .as_object()
        .map(|p| {
            p.iter()
                .filter(|(_, d)| {
                    d["type"]
                        .as_str()
                        .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"))
                })
                .map(|(n, _)| n.clone())
                .collect()
        })
        .unwrap_or_default()
}

impl Cloud for ArmCloud {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        self.apps_of(&self.sites()?)
    }

    /// Consumption workflows (`Microsoft.Logic/workflows`), then every Standard site's
    /// workflows as `{site}/{workflow}`. A 404 to the sites list (after the Logic list was
    /// answered, so not a missing group) reads as no sites: then there is no Standard workflow.
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        let mut names = self.consumption_workflows()?;
        let sites = match self.sites() {
            Ok(sites) => sites,
            Err(CloudError::NotFound(_)) => Vec::new(),
            Err(error) => return Err(error),
        };
        names.extend(self.standard_workflows(&sites)?);
        Ok(names)
    }

    fn read_workflows(&self, names: &[String]) -> Result<Vec<WorkflowRead>, CloudError> {
        self.parallel(names, |name| self.read_workflow(name))
            .into_iter()
            .collect()
    }

    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        if let Some(standard) = standard_name(name) {
            return self.read_standard(name, standard);
        }
        let body = self.get(&self.workflow_path(name))?;
        let version = body["properties"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let resource = json!({ "name": name, "location": body["location"], "properties": { "definition": body["properties"]["definition"], "parameters": body["properties"]["parameters"] } });
        let document = Document::from_value(&format!("workflow `{name}`"), name, resource, None)
            .map_err(|e| CloudError::failed(e.to_string()))?;
        locked(&self.loops).insert(
            name.to_owned(),
            crate::history::looped_actions(&body["properties"]["definition"]),
        );
        // Only what a write needs: an estate's definitions are not kept twice.
        let kept = json!({ "location": body["location"], "properties": { "version": body["properties"]["version"], "state": body["properties"]["state"] } });
        locked(&self.reads).insert(
            name.to_owned(),
            FreshRead {
                body: kept,
                at: Instant::now(),
            },
        );
        Ok(WorkflowRead { document, version })
    }

    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError> {
        if let Some(standard) = standard_name(name) {
            return self.write_standard(standard, document, expected_version, &[]);
        }
        self.serialised(&format!("workflow:{name}"), || {
            self.write_workflow_now(name, document, expected_version)
        })
    }

    /// A Standard workflow: one `deployWorkflowArtifacts` with the file and the settings. A
    /// Consumption workflow holds its key in a parameter, never a setting: the two-call form.
    fn deploy_workflow_artifacts(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
        settings: &[(String, Secret)],
    ) -> Result<String, CloudError> {
        if let Some(standard) = standard_name(name) {
            return self.write_standard(standard, document, expected_version, settings);
        }
        slotdrill_engine::deploy_in_two_calls(self, name, document, expected_version, settings)
    }

    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError> {
        let id = (app.to_owned(), slot.to_owned(), function.to_owned());
        if let Some(key) = locked(&self.keys).get(&id) {
            return Ok(key.clone());
        }
        let key = self.read_function_key(app, slot, function)?;
        locked(&self.keys).insert(id, key.clone());
        Ok(key)
    }

    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError> {
        // No samples, no requests: not even the key is read.
        if samples == 0 {
            return Ok(Vec::new());
        }
        let cached = locked(&self.hosts)
            .get(&(app.to_owned(), slot.to_owned()))
            .cloned();
        let host = match cached {
            Some(host) => host,
            None => {
                let host = self.get(&self.site(app, slot))?["properties"]["defaultHostName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                locked(&self.hosts).insert((app.to_owned(), slot.to_owned()), host.clone());
                host
            }
        };
        let key = self.function_key(app, slot, function)?;
        Ok((0..samples)
            .map(|_| self.client.call_function(&host, function, &key))
            .collect())
    }

    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        self.read_run_history(workflow, runs)
    }

    /// The `Date` of a fresh answer from ARM, as epoch milliseconds: the server's clock, the one
    /// `slotSwapStatus.timestampUtc` is on, so the two compare without any local clock. The read
    /// is the first page of the resource group's sites: one request the principal is already
    /// allowed (observing reads it), which every back end serves. A fresh request rather than the
    /// last answer seen: the engine asks rarely (before a journaled write), and an old answer
    /// plus local elapsed time would mix clocks. `Date` has one-second resolution and is the
    /// second the request was processed in, so the mark may be up to a second early.
    fn now(&self) -> Result<Option<HistoryMark>, CloudError> {
        let answer = self
            .client
            .send(
                Method::GET,
                &self.client.path("Microsoft.Web", "sites"),
                None,
            )
            .map_err(cloud_error)?;
        Ok(answer
            .headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(http_date_millis))
    }

    fn set_logic_app_setting(
        &self,
        logic_app: &str,
        name: &str,
        value: &Secret,
    ) -> Result<(), CloudError> {
        self.change_logic_app_setting(logic_app, name, Some(value))
    }

    fn remove_logic_app_setting(&self, logic_app: &str, name: &str) -> Result<(), CloudError> {
        self.change_logic_app_setting(logic_app, name, None)
    }

    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        // The slot form, as az CLI and PowerShell send it: the non-production slot in the path,
        // the other in `targetSlot` (`production` by name). A swap is symmetric, so which of the
        // two the caller called the source does not matter to Azure.
        let (in_path, other) = if is_production(source) {
            (target, source)
        } else {
            (source, target)
        };
        let path = format!("{}/slotsswap", self.site(app, in_path));
        let other = if is_production(other) {
            PRODUCTION
        } else {
            other
        };
        let body = json!({ "targetSlot": other, "preserveVnet": true });
        let result = self.serialised(app, || {
            let started = self.client.send(Method::POST, &path, Some(&body))?;
            self.client.wait(&format!("POST {path}"), &started)
        });
        // Keys stored with the slot's files move or reset with a swap: read them again.
        locked(&self.keys).retain(|(key_app, _, _), _| key_app != app);
        result.map_err(cloud_error)
    }

    fn trigger(&self, workflow: &str) -> Result<bool, CloudError> {
        let definition = self.definition_of(workflow)?;
        let base = self.runtime_path(workflow);
        let trigger = definition["triggers"]
            .as_object()
            .and_then(|t| t.keys().next().cloned())
            .unwrap_or_else(|| "manual".to_owned());
        let started = self
            .client
            .send(
                Method::POST,
                &format!("{base}/triggers/{trigger}/run"),
                Some(&json!({})),
            )
            .map_err(cloud_error)?;
        // The spec's example (`WorkflowTriggers_Run.json`) answers `200 {}` with no header: then
        // nothing names the run, and an empty name would read the runs list as a run.
        let run = started
            .headers
            .get("x-ms-workflow-run-id")
            .and_then(|v| v.to_str().ok())
            .filter(|run| !run.is_empty())
            .ok_or_else(|| {
                CloudError::failed(format!(
                    "`{workflow}` was triggered, but the answer named no run (no x-ms-workflow-run-id header): its outcome cannot be followed; see the workflow's run history"
                ))
            })?
            .to_owned();
        // A run goes on after the trigger answers: wait for it to end (Running, Waiting, …).
        for _ in 0..120 {
            let answer = self
                .client
                .send(Method::GET, &format!("{base}/runs/{run}"), None)
                .map_err(cloud_error)?;
            match answer.body["properties"]["status"].as_str() {
                Some("Succeeded") => return Ok(true),
                Some("Running" | "Waiting" | "Paused" | "Suspended") => {}
                _ => return Ok(false),
            }
            self.client.pause(std::time::Duration::from_secs(5));
        }
        Err(CloudError::failed(format!(
            "run `{run}` of `{workflow}` had not finished after 10 minutes"
        )))
    }
}
