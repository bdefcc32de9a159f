//! [`ArmCloud`]: each `Cloud` call as the ARM requests azure-facts §5 lists. The release a slot
//! holds is read from its release setting (`SLOTDRILL_RELEASE` unless configured), which travels
//! with the code;
//! "deployed since the last swap" compares `lastModifiedTimeUtc` with `slotSwapStatus`.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use slotdrill_engine::{ActionOutcome, AppSnapshot, Cloud, CloudError, SlotSnapshot, WorkflowRead};
use slotdrill_model::{PRODUCTION, Secret, is_production};
use slotdrill_wdl::Document;

use crate::client::{ArmConfig, ArmError, Client};

/// The engine's back end over ARM.
pub struct ArmCloud {
    client: Client,
}

impl ArmCloud {
    /// A back end for `config`.
    pub fn new(config: ArmConfig) -> Result<ArmCloud, ArmError> {
        Ok(ArmCloud {
            client: Client::new(config)?,
        })
    }

    /// Every site of the resource group, as ARM returns it.
    pub(crate) fn sites(&self) -> Result<Vec<Value>, CloudError> {
        self.list(&self.client.path("Microsoft.Web", "sites"), usize::MAX)
    }

    /// The apps of `sites` (a `sites` list as ARM returns it), with their slots and sticky names.
    pub(crate) fn apps_of(&self, sites: &[Value]) -> Result<Vec<AppSnapshot>, CloudError> {
        let mut apps = Vec::new();
        for site in sites {
            let name = site["name"].as_str().unwrap_or_default().to_owned();
            let mut slots = vec![self.slot_snapshot(&name, site)?];
            for slot in self.list(
                &format!("{}/slots", self.site(&name, PRODUCTION)),
                usize::MAX,
            )? {
                slots.push(self.slot_snapshot(&name, &slot)?);
            }
            let sticky = self.get(&format!(
                "{}/config/slotConfigNames",
                self.site(&name, PRODUCTION)
            ))?["properties"]["appSettingNames"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            apps.push(AppSnapshot {
                name,
                sticky,
                slots,
            });
        }
        Ok(apps)
    }

    /// Gets a token now, so that missing or refused credentials are reported before any work.
    pub fn authenticate(&self) -> Result<(), ArmError> {
        self.client.bearer().map(|_| ())
    }

    fn site(&self, app: &str, slot: &str) -> String {
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

    fn workflow_path(&self, name: &str) -> String {
        self.client
            .path("Microsoft.Logic", &format!("workflows/{name}"))
    }

    fn get(&self, path: &str) -> Result<Value, CloudError> {
        self.client
            .send(Method::GET, path, None)
            .map(|a| a.body)
            .map_err(cloud_error)
    }

    /// Every item of a list, following `nextLink` pages until `limit` items are read.
    fn list(&self, path: &str, limit: usize) -> Result<Vec<Value>, CloudError> {
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
                && !link.starts_with(self.client.config.endpoint.trim_end_matches('/'))
            {
                return Err(CloudError::Failed(format!(
                    "{path}: nextLink leaves {}; not followed",
                    self.client.config.endpoint
                )));
            }
        }
        Ok(items)
    }

    fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, CloudError> {
        self.client
            .send(Method::POST, path, body)
            .map(|a| a.body)
            .map_err(cloud_error)
    }

    fn slot_snapshot(&self, app: &str, site: &Value) -> Result<SlotSnapshot, CloudError> {
        let name = site["name"].as_str().unwrap_or_default();
        let slot = name
            .split_once('/')
            .map_or(PRODUCTION, |(_, s)| s)
            .to_owned();
        let path = self.site(app, &slot);
        let settings: BTreeMap<String, String> = self
            .post(&format!("{path}/config/appsettings/list"), None)?["properties"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let functions = self
            .list(&format!("{path}/functions"), usize::MAX)?
            .iter()
            .filter_map(|f| f["properties"]["name"].as_str().map(str::to_owned))
            .collect();
        let properties = &site["properties"];
        let swap = properties["slotSwapStatus"].as_object();
        let last_swap = swap.map(|s| {
            (
                s["sourceSlotName"].as_str().unwrap_or_default().to_owned(),
                s["destinationSlotName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        });
        let swapped_at = swap.and_then(|s| s["timestampUtc"].as_str());
        let modified_at = properties["lastModifiedTimeUtc"].as_str();
        let deployed_since_swap = match (swapped_at, modified_at) {
            (Some(swapped), Some(modified)) => modified > swapped,
            (Some(_), None) => false,
            (None, _) => true,
        };
        Ok(SlotSnapshot {
            name: slot,
            host_name: properties["defaultHostName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            release: settings.get(&self.client.config.release_setting).cloned(),
            running: properties["state"].as_str() == Some("Running"),
            functions,
            settings,
            deployed_since_swap,
            last_swap,
            live_since: if deployed_since_swap {
                modified_at
            } else {
                swapped_at
            }
            .and_then(epoch_millis),
        })
    }
}

fn cloud_error(error: ArmError) -> CloudError {
    match &error {
        ArmError::Status { status: 404, .. } => CloudError::NotFound(error.to_string()),
        _ => CloudError::Failed(error.to_string()),
    }
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

    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        let list = self.list(
            &self.client.path("Microsoft.Logic", "workflows"),
            usize::MAX,
        )?;
        Ok(list
            .iter()
            .filter_map(|w| w["name"].as_str().map(str::to_owned))
            .collect())
    }

    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        let body = self.get(&self.workflow_path(name))?;
        let version = body["properties"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let resource = json!({ "name": name, "location": body["location"], "properties": { "definition": body["properties"]["definition"], "parameters": body["properties"]["parameters"] } });
        let document = Document::from_value(&format!("workflow `{name}`"), name, resource, None)
            .map_err(|e| CloudError::Failed(e.to_string()))?;
        Ok(WorkflowRead { document, version })
    }

    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError> {
        let current = self.get(&self.workflow_path(name))?;
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
        let parameters = document
            .root
            .pointer("/properties/parameters")
            .cloned()
            .unwrap_or_else(|| json!({}));
        // ARM never returns securestring values: writing back without them would erase them.
        let missing: Vec<String> = secure_parameters(&definition)
            .into_iter()
            .filter(|p| parameters[p]["value"].is_null())
            .collect();
        if !missing.is_empty() {
            return Err(CloudError::Failed(format!(
                "refusing to write `{name}` back: its securestring parameter(s) {} have no value (ARM does not return them); supply them and retry",
                missing.join(", ")
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

    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError> {
        let body = self.post(
            &format!("{}/functions/{function}/listsecrets", self.site(app, slot)),
            None,
        )?;
        body["key"].as_str().map(Secret::new).ok_or_else(|| {
            CloudError::Failed(format!(
                "listsecrets of `{app}/{slot}/{function}` returned no key"
            ))
        })
    }

    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError> {
        let site = self.get(&self.site(app, slot))?;
        let host = site["properties"]["defaultHostName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let key = self.function_key(app, slot, function)?;
        Ok((0..samples)
            .map(|_| self.client.call_function(&host, function, &key))
            .collect())
    }

    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        let list = self.list(&format!("{}/runs", self.workflow_path(workflow)), runs)?;
        let mut outcomes = Vec::new();
        for run in &list {
            let run_name = run["name"].as_str().unwrap_or_default();
            let started = run["properties"]["startTime"]
                .as_str()
                .and_then(epoch_millis);
            let actions = self.list(
                &format!("{}/runs/{run_name}/actions", self.workflow_path(workflow)),
                usize::MAX,
            )?;
            for action in &actions {
                outcomes.push(ActionOutcome {
                    run: run_name.to_owned(),
                    action: action["name"].as_str().unwrap_or_default().to_owned(),
                    status: action["properties"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    started,
                });
            }
        }
        Ok(outcomes)
    }

    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        // The production form names the slot to promote; the slot form names the destination.
        let (path, body) = if is_production(target) {
            (
                format!("{}/slotsswap", self.site(app, PRODUCTION)),
                json!({ "targetSlot": source, "preserveVnet": true }),
            )
        } else {
            (
                format!("{}/slotsswap", self.site(app, source)),
                json!({ "targetSlot": target, "preserveVnet": true }),
            )
        };
        let started = self
            .client
            .send(Method::POST, &path, Some(&body))
            .map_err(cloud_error)?;
        self.client.wait(&started).map_err(cloud_error)
    }

    fn trigger(&self, workflow: &str) -> Result<bool, CloudError> {
        let body = self.get(&self.workflow_path(workflow))?;
        let trigger = body["properties"]["definition"]["triggers"]
            .as_object()
            .and_then(|t| t.keys().next().cloned())
            .unwrap_or_else(|| "manual".to_owned());
        let started = self
            .client
            .send(
                Method::POST,
                &format!("{}/triggers/{trigger}/run", self.workflow_path(workflow)),
                Some(&json!({})),
            )
            .map_err(cloud_error)?;
        let run = started
            .headers
            .get("x-ms-workflow-run-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let status = self.get(&format!("{}/runs/{run}", self.workflow_path(workflow)))?;
        Ok(status["properties"]["status"].as_str() == Some("Succeeded"))
    }
}

/// Milliseconds since the epoch of an ARM UTC timestamp (`2026-11-26T10:00:00.1234567Z`); `None`
/// for anything else, so diagnosis falls back to counting the run.
fn epoch_millis(text: &str) -> Option<u64> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock = clock.splitn(3, ':').map(str::parse::<u64>);
    let (hour, minute, second) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    let millis: u64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::epoch_millis;

    #[test]
    fn arm_timestamps_become_epoch_millis() {
        assert_eq!(epoch_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            epoch_millis("2026-11-26T10:00:00.1234567Z"),
            Some(1_795_687_200_123)
        );
        assert_eq!(
            epoch_millis("2000-03-01T00:00:01.5Z"),
            Some(951_868_801_500)
        );
        assert!(epoch_millis("2026-11-26T10:00:00.1Z") > epoch_millis("2026-11-26T10:00:00Z"));
        assert_eq!(epoch_millis("yesterday"), None);
    }
}
