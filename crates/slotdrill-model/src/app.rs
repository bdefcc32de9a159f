//! A function app: its plan, operating system, sticky names, releases, slots, routing rules and
//! any pending swap with preview.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::host_name::HostNameStyle;
use crate::name::AzureName;
use crate::plan::{HostingPlan, OperatingSystem};
use crate::release::Release;
use crate::routing::RampUpRule;
use crate::settings::{SlotConfig, SlotConfigNames};
use crate::slot::Slot;

/// What it takes to create a function app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    /// The app (site) name.
    pub name: String,
    /// Its resource group.
    pub resource_group: String,
    /// Its region (`westeurope`).
    pub location: String,
    /// Its hosting plan.
    pub plan: HostingPlan,
    /// Windows or Linux.
    pub os: OperatingSystem,
    /// Classic or unique default host names.
    pub host_names: HostNameStyle,
}

impl AppSpec {
    /// A Windows app with classic host names in resource group `slotdrill`, `westeurope`.
    pub fn new(name: impl Into<String>, plan: HostingPlan) -> Self {
        AppSpec {
            name: name.into(),
            resource_group: "slotdrill".to_owned(),
            location: "westeurope".to_owned(),
            plan,
            os: OperatingSystem::Windows,
            host_names: HostNameStyle::Classic,
        }
    }

    /// The same app on Linux.
    pub fn linux(mut self) -> Self {
        self.os = OperatingSystem::Linux;
        self
    }

    /// The same app with unique default host names.
    pub fn unique_host_names(mut self) -> Self {
        self.host_names = HostNameStyle::Unique;
        self
    }
}

/// A swap with preview between its first and second phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPreview {
    /// The slot being promoted (running with the target's sticky settings).
    pub source: AzureName,
    /// The slot it will be swapped into.
    pub target: AzureName,
    /// The source's own configuration before phase 1, to restore on cancel or failure.
    pub(crate) source_config_before: SlotConfig,
}

impl PendingPreview {
    pub(crate) fn involves(&self, slot: &str) -> bool {
        self.source.matches(slot) || self.target.matches(slot)
    }
}

/// A function app and all of its slots.
#[derive(Debug, Clone)]
pub struct FunctionApp {
    pub(crate) spec: AppSpec,
    pub(crate) sticky: SlotConfigNames,
    pub(crate) releases: BTreeMap<String, Arc<Release>>,
    pub(crate) slots: BTreeMap<AzureName, Slot>,
    pub(crate) routing: Vec<RampUpRule>,
    pub(crate) preview: Option<PendingPreview>,
    /// Whether a deploy leaves a deployment record (false: a pipeline that sets a
    /// run-from-package URL, for instance).
    pub(crate) deployment_records: bool,
}

impl FunctionApp {
    /// The app's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What the app was created with.
    pub fn spec(&self) -> &AppSpec {
        &self.spec
    }

    /// `config/slotConfigNames`.
    pub fn sticky_names(&self) -> &SlotConfigNames {
        &self.sticky
    }

    /// The releases known to the app, by id.
    pub fn releases(&self) -> impl Iterator<Item = &Release> {
        self.releases.values().map(|r| r.as_ref())
    }

    /// A release by id.
    pub fn release(&self, id: &str) -> Option<&Release> {
        self.releases.get(id).map(|r| r.as_ref())
    }

    /// Every slot, production included, ordered by name.
    pub fn slots(&self) -> impl Iterator<Item = &Slot> {
        self.slots.values()
    }

    /// A slot by name (case-insensitive).
    pub fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.get(&AzureName::from(name))
    }

    /// Production's traffic routing rules.
    pub fn routing(&self) -> &[RampUpRule] {
        &self.routing
    }

    /// Whether deploys leave deployment records.
    pub fn records_deployments(&self) -> bool {
        self.deployment_records
    }

    /// The pending swap with preview, if any.
    pub fn pending_preview(&self) -> Option<&PendingPreview> {
        self.preview.as_ref()
    }

    /// True when every slot sets `WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS=0`, so that
    /// `_EXTENSION_VERSION` settings swap like any other.
    pub fn extension_versions_swap(&self) -> bool {
        self.extension_versions_swap_with(None)
    }

    /// The same question while a swap is under way: the source runs with the target's sticky
    /// settings, which must not count as its own, so its own configuration is passed in.
    pub(crate) fn extension_versions_swap_with(&self, source: Option<(&str, &SlotConfig)>) -> bool {
        self.slots.iter().all(|(key, slot)| {
            let config = match source {
                Some((name, own)) if key.matches(name) => own,
                _ => &slot.config,
            };
            config.setting(crate::well_known::OVERRIDE_STICKY_EXTENSION_VERSIONS) == Some("0")
        })
    }

    pub(crate) fn stickiness(&self) -> crate::settings::Stickiness<'_> {
        crate::settings::Stickiness {
            names: &self.sticky,
            extension_versions_swap: self.extension_versions_swap(),
        }
    }
}
