//! Reading an estate into the engine's snapshots: the resource group's sites, each app's slots
//! and sticky names, then each slot's settings and functions, at most `read_concurrency` reads
//! at once. What identifies the release a slot runs comes from `release.rs` (the label setting,
//! else the active deployment record, else the package URL); "deployed since the last swap"
//! compares `lastModifiedTimeUtc` with `slotSwapStatus`.

use std::collections::BTreeMap;

use serde_json::Value;
use slotdrill_engine::{AppSnapshot, CloudError, LastSwap, SlotSnapshot};
use slotdrill_model::PRODUCTION;

use crate::cloud::{ArmCloud, locked};
use slotdrill_engine::{ReleaseIdentity, without_package_secrets};

use crate::release;
use crate::standard::is_workflow_app;
use crate::timestamp::epoch_millis;

impl ArmCloud {
    /// The names of the resource group's sites (one list request): a front end checks the group
    /// exists (ARM answers 404 `ResourceGroupNotFound` when it does not) and holds an app.
    pub fn site_names(&self) -> Result<Vec<String>, CloudError> {
        Ok(self
            .sites()?
            .iter()
            .filter_map(|site| site["name"].as_str().map(str::to_owned))
            .collect())
    }

    /// Every site of the resource group, as ARM returns it.
    pub(crate) fn sites(&self) -> Result<Vec<Value>, CloudError> {
        self.list(&self.client.path("Microsoft.Web", "sites"), usize::MAX)
    }

    /// The apps of `sites` (a `sites` list as ARM returns it), with their slots and sticky names:
    /// first each app's slot list and sticky names, then each slot's settings and functions.
    /// Logic Apps Standard sites (`kind` with `workflowapp`) are left out: they hold workflows,
    /// not a release to roll back (`standard.rs` reads them).
    pub(crate) fn apps_of(&self, sites: &[Value]) -> Result<Vec<AppSnapshot>, CloudError> {
        let sites: Vec<&Value> = sites.iter().filter(|s| !is_workflow_app(s)).collect();
        let names: Vec<String> = sites
            .iter()
            .map(|site| site["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        let per_app = self
            .parallel(&names, |name| {
                let slots = self.list(
                    &format!("{}/slots", self.site(name, PRODUCTION)),
                    usize::MAX,
                )?;
                let sticky = self.get(&format!(
                    "{}/config/slotConfigNames",
                    self.site(name, PRODUCTION)
                ))?;
                Ok((slots, sticky))
            })
            .into_iter()
            .collect::<Result<Vec<(Vec<Value>, Value)>, CloudError>>()?;
        let slot_sites: Vec<(usize, &Value)> = sites
            .iter()
            .enumerate()
            .zip(&per_app)
            .flat_map(|((index, site), (slots, _))| {
                std::iter::once((index, *site)).chain(slots.iter().map(move |s| (index, s)))
            })
            .collect();
        let snapshots = self
            .parallel(&slot_sites, |(index, site)| {
                self.slot_snapshot(&names[*index], site)
            })
            .into_iter()
            .collect::<Result<Vec<SlotSnapshot>, CloudError>>()?;
        let mut apps: Vec<AppSnapshot> = names
            .iter()
            .zip(&per_app)
            .map(|(name, (_, sticky))| AppSnapshot {
                name: name.clone(),
                sticky: sticky["properties"]["appSettingNames"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                slots: Vec::new(),
            })
            .collect();
        for ((index, _), snapshot) in slot_sites.iter().zip(snapshots) {
            apps[*index].slots.push(snapshot);
        }
        Ok(apps)
    }

    /// What identifies the release of the slot at `path`, whose settings are `settings`: the
    /// label when present (and then nothing more is read), else the active deployment record,
    /// else the package `WEBSITE_RUN_FROM_PACKAGE` names.
    fn release_identity(
        &self,
        path: &str,
        settings: &BTreeMap<String, String>,
    ) -> Result<ReleaseIdentity, CloudError> {
        let label = &self.client.config.release_setting;
        if let Some(release) = settings.get(label) {
            return Ok(ReleaseIdentity::label(release));
        }
        // Kudu serves this list from the slot's own files. A 404 means there is no history to
        // serve (a site without an SCM site, or a back end without the endpoint): the slot
        // itself was just listed, so the 404 is not about the slot, and it reads as no records.
        // Any other failure is reported: an unreadable history is not an unknown release.
        let records = match self.list(&format!("{path}/deployments"), usize::MAX) {
            Ok(records) => records,
            Err(CloudError::NotFound(_)) => Vec::new(),
            Err(error) => return Err(error),
        };
        Ok(release::from_deployments(&records)
            .unwrap_or_else(|| ReleaseIdentity::from_settings(settings, label)))
    }

    pub(crate) fn slot_snapshot(
        &self,
        app: &str,
        site: &Value,
    ) -> Result<SlotSnapshot, CloudError> {
        let name = site["name"].as_str().unwrap_or_default();
        let slot = name
            .split_once('/')
            .map_or(PRODUCTION, |(_, s)| s)
            .to_owned();
        let path = self.site(app, &slot);
        let mut settings: BTreeMap<String, String> = self
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
        let identity = self.release_identity(&path, &settings)?;
        without_package_secrets(&mut settings);
        let functions = self
            .list(&format!("{path}/functions"), usize::MAX)?
            .iter()
            .filter_map(|f| f["properties"]["name"].as_str().map(str::to_owned))
            .collect();
        let properties = &site["properties"];
        let swap = properties["slotSwapStatus"].as_object();
        let swapped_at = swap.and_then(|s| s["timestampUtc"].as_str());
        let last_swap = swap.map(|s| LastSwap {
            source: s["sourceSlotName"].as_str().unwrap_or_default().to_owned(),
            destination: s["destinationSlotName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            at: swapped_at.and_then(epoch_millis),
        });
        let modified_at = properties["lastModifiedTimeUtc"].as_str();
        let deployed_since_swap = match (swapped_at, modified_at) {
            (Some(swapped), Some(modified)) => modified > swapped,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let host_name = properties["defaultHostName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        locked(&self.hosts).insert((app.to_owned(), slot.clone()), host_name.clone());
        Ok(SlotSnapshot {
            name: slot,
            host_name,
            release: identity.release,
            release_source: identity.source,
            release_note: identity.note,
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
