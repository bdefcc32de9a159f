//! The estate: every function app, the Logic App callers that reference them, one-shot faults,
//! the virtual clock and the seeded generator. Lifecycle operations live here; configuration
//! changes in `configure.rs`, callers in `caller.rs`, swaps in `swap.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::app::{AppSpec, FunctionApp};
use crate::caller::{CallerIndex, SlotChange};
use crate::deployment::DeploymentRecord;
use crate::error::ModelError;
use crate::event::Event;
use crate::host_name::{HostNameStyle, classic_host_name, unique_host_name, with_extra_characters};
use crate::keys::SlotKeys;
use crate::name::{AzureName, PRODUCTION, is_production, validate_slot_name};
use crate::plan::HostingPlan;
use crate::release::Release;
use crate::rng::SplitMix64;
use crate::slot::Slot;
use crate::time::Timestamp;

/// A one-shot fault: the next matching step fails, then the fault is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next restart of `slot` during a swap (phase 1) fails.
    RestartFailure {
        /// The function app, matched case-insensitively as Azure does.
        app: AzureName,
        /// The slot whose restart fails.
        slot: AzureName,
    },
    /// The next warm-up of `slot` fails.
    WarmupFailure {
        /// The function app, matched case-insensitively as Azure does.
        app: AzureName,
        /// The slot whose warm-up fails.
        slot: AzureName,
    },
}

impl Fault {
    fn is_restart_of(&self, app: &str, slot: &str) -> bool {
        matches!(self, Fault::RestartFailure { app: a, slot: s }
            if a.matches(app) && s.matches(slot))
    }

    fn is_warmup_of(&self, app: &str, slot: &str) -> bool {
        matches!(self, Fault::WarmupFailure { app: a, slot: s }
            if a.matches(app) && s.matches(slot))
    }
}

/// Fires (removes) the first armed restart fault for `app`/`slot`.
pub(crate) fn take_restart_fault(faults: &mut Vec<Fault>, app: &str, slot: &str) -> bool {
    take_fault(faults, |f| f.is_restart_of(app, slot))
}

/// Fires (removes) the first armed warm-up fault for `app`/`slot`.
pub(crate) fn take_warmup_fault(faults: &mut Vec<Fault>, app: &str, slot: &str) -> bool {
    take_fault(faults, |f| f.is_warmup_of(app, slot))
}

fn take_fault(faults: &mut Vec<Fault>, matches: impl Fn(&Fault) -> bool) -> bool {
    match faults.iter().position(matches) {
        Some(i) => {
            faults.remove(i);
            true
        }
        None => false,
    }
}

/// Every function app and Logic App caller, with Azure's rules enforced on each operation.
#[derive(Debug, Clone)]
pub struct Estate {
    pub(crate) subscription: String,
    pub(crate) apps: BTreeMap<AzureName, FunctionApp>,
    pub(crate) callers: CallerIndex,
    pub(crate) faults: Vec<Fault>,
    pub(crate) rng: SplitMix64,
    pub(crate) now: Timestamp,
    /// Counts deploys and swaps, to order them when they share a timestamp.
    pub(crate) sequence: u64,
    /// Draws deployment ids: its own stream from the seed, so that recording deployments does
    /// not shift the keys and failure rolls drawn from `rng`.
    pub(crate) deployment_ids: SplitMix64,
    /// The seed it was made from: other seeded streams (a Logic App run's `rand()` and `guid()`)
    /// derive from it without drawing from `rng`.
    pub(crate) seed: u64,
}

/// The subscription id of every estate unless set otherwise: the all-zero id scenario files,
/// the emulator's ARM paths and `slotdrill serve` use (a real subscription never has it).
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

impl Estate {
    /// An empty estate whose keys and failure rolls are drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Estate {
            subscription: DEFAULT_SUBSCRIPTION.to_owned(),
            apps: BTreeMap::new(),
            callers: CallerIndex::default(),
            faults: Vec::new(),
            rng: SplitMix64::new(seed),
            now: Timestamp::default(),
            sequence: 0,
            deployment_ids: SplitMix64::new(seed ^ 0x6465_706c_6f79_6d74),
            seed,
        }
    }

    /// The seed this estate was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The same estate in another subscription (used in resource ids and unique host names).
    pub fn with_subscription(mut self, subscription: impl Into<String>) -> Self {
        self.subscription = subscription.into();
        self
    }

    /// The subscription id.
    pub fn subscription(&self) -> &str {
        &self.subscription
    }

    /// Every app, ordered by name.
    pub fn apps(&self) -> impl Iterator<Item = &FunctionApp> {
        self.apps.values()
    }

    /// An app by name (case-insensitive).
    pub fn app(&self, app: &str) -> Result<&FunctionApp, ModelError> {
        self.apps
            .get(&AzureName::from(app))
            .ok_or_else(|| ModelError::AppNotFound {
                app: app.to_owned(),
            })
    }

    pub(crate) fn app_mut(&mut self, app: &str) -> Result<&mut FunctionApp, ModelError> {
        self.apps
            .get_mut(&AzureName::from(app))
            .ok_or_else(|| ModelError::AppNotFound {
                app: app.to_owned(),
            })
    }

    /// A slot by app and slot name (both case-insensitive).
    pub fn slot(&self, app: &str, slot: &str) -> Result<&Slot, ModelError> {
        self.app(app)?
            .slots
            .get(&AzureName::from(slot))
            .ok_or_else(|| ModelError::SlotNotFound {
                app: app.to_owned(),
                slot: slot.to_owned(),
            })
    }

    pub(crate) fn slot_mut(&mut self, app: &str, slot: &str) -> Result<&mut Slot, ModelError> {
        slot_in(&mut self.apps, app, slot)
    }

    /// The current virtual time.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The change sequence: bumped by every deploy and swap, so it orders them against other
    /// events (such as workflow runs) that share a virtual millisecond.
    pub fn change_sequence(&self) -> u64 {
        self.sequence
    }

    /// Moves virtual time forward (never backward).
    pub fn advance_to(&mut self, now: Timestamp) -> Vec<Event> {
        self.now = self.now.max(now);
        vec![Event::ClockAdvanced { now: self.now }]
    }

    /// A uniform number in `[0, 1)` from the estate's generator, for callers that need the same
    /// determinism (the emulator's failure rolls).
    pub fn roll(&mut self) -> f64 {
        self.rng.next_f64()
    }

    /// Arms a one-shot fault.
    pub fn inject(&mut self, fault: Fault) -> Vec<Event> {
        self.faults.push(fault.clone());
        vec![Event::FaultInjected { fault }]
    }

    /// Disarms every fault not yet fired.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Faults armed and not yet fired.
    pub fn pending_faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Creates a function app with its production slot (empty, running).
    pub fn add_app(&mut self, spec: AppSpec) -> Result<Vec<Event>, ModelError> {
        let app_key = AzureName::from(&spec.name);
        if self.apps.contains_key(&app_key) || spec.name.is_empty() {
            return Err(ModelError::AppExists { app: spec.name });
        }
        let production = self.new_slot(&spec, PRODUCTION);
        let host_name = production.host_name.clone();
        let mut slots = BTreeMap::new();
        slots.insert(AzureName::from(PRODUCTION), production);
        let name = spec.name.clone();
        self.apps.insert(
            app_key,
            FunctionApp {
                spec,
                sticky: Default::default(),
                releases: BTreeMap::new(),
                slots,
                routing: Vec::new(),
                preview: None,
                deployment_records: true,
            },
        );
        Ok(vec![
            Event::AppCreated { app: name.clone() },
            Event::SlotCreated {
                app: name,
                slot: PRODUCTION.to_owned(),
                host_name,
            },
        ])
    }

    fn new_slot(&mut self, spec: &AppSpec, slot: &str) -> Slot {
        let host_name = match spec.host_names {
            HostNameStyle::Classic => classic_host_name(&spec.name, slot),
            HostNameStyle::Unique => unique_host_name(
                &self.subscription,
                &spec.resource_group,
                &spec.name,
                slot,
                &spec.location,
            ),
        };
        let mut host_name = host_name;
        // A slot's cut name may already be someone's host name (another app's production, or a
        // slot of this app cut to the same name): Azure then appends 4 random characters.
        while !is_production(slot) && self.host_name_taken(&host_name) {
            let extra = crate::host_name::extra_characters(&mut self.rng);
            host_name = with_extra_characters(&host_name, &extra);
        }
        Slot::new(slot, host_name, SlotKeys::generate(&mut self.rng))
    }

    /// Whether a slot of any app already has `host_name`.
    fn host_name_taken(&self, host_name: &str) -> bool {
        self.apps.values().any(|a| {
            a.slots
                .values()
                .any(|s| crate::AzureName::same(&s.host_name, host_name))
        })
    }

    /// Makes a release known to an app, so that it can be deployed to its slots.
    pub fn add_release(&mut self, app: &str, release: Release) -> Result<Vec<Event>, ModelError> {
        let function_app = self.app_mut(app)?;
        if function_app.releases.contains_key(&release.id) {
            return Err(ModelError::ReleaseExists {
                app: app.to_owned(),
                release: release.id,
            });
        }
        let id = release.id.clone();
        function_app.releases.insert(id.clone(), Arc::new(release));
        Ok(vec![Event::ReleaseAdded {
            app: function_app.spec.name.clone(),
            release: id,
        }])
    }

    /// Creates a slot. It has no content, whatever it is cloned from; `clone_settings_from`
    /// copies another slot's app settings and connection strings, as the portal's "clone
    /// settings" does. The plan's slot limit is enforced.
    pub fn create_slot(
        &mut self,
        app: &str,
        slot: &str,
        clone_settings_from: Option<&str>,
    ) -> Result<Vec<Event>, ModelError> {
        validate_slot_name(app, slot)?;
        let function_app = self.app(app)?;
        if function_app.slots.contains_key(&AzureName::from(slot)) {
            return Err(ModelError::SlotExists {
                app: app.to_owned(),
                slot: slot.to_owned(),
            });
        }
        let plan = function_app.spec.plan;
        if plan == HostingPlan::Flex {
            return Err(ModelError::NoSlotsOnFlex {
                app: app.to_owned(),
                slot: slot.to_owned(),
            });
        }
        if function_app.slots.len() >= plan.slot_limit() {
            return Err(ModelError::SlotLimit {
                app: app.to_owned(),
                plan,
                limit: plan.slot_limit(),
            });
        }
        let config = match clone_settings_from {
            Some(from) => self.slot(app, from)?.config.clone(),
            None => Default::default(),
        };
        let spec = function_app.spec.clone();
        let mut new_slot = self.new_slot(&spec, slot);
        new_slot.config = config;
        let host_name = new_slot.host_name.clone();
        self.app_mut(app)?
            .slots
            .insert(AzureName::from(slot), new_slot);
        Ok(vec![Event::SlotCreated {
            app: spec.name,
            slot: slot.to_owned(),
            host_name,
        }])
    }

    /// Deletes a non-production slot, unless a caller, a routing rule, an auto swap or a pending
    /// swap with preview still needs it.
    pub fn delete_slot(&mut self, app: &str, slot: &str) -> Result<Vec<Event>, ModelError> {
        if is_production(slot) {
            return Err(ModelError::CannotDeleteProduction {
                app: app.to_owned(),
            });
        }
        let function_app = self.app(app)?;
        let target = self.slot(app, slot)?;
        let in_use = |reason: String| ModelError::InvalidConfig {
            app: app.to_owned(),
            reason,
        };
        if let Some(preview) = function_app.preview.as_ref().filter(|p| p.involves(slot)) {
            return Err(ModelError::PreviewPending {
                app: app.to_owned(),
                source_slot: preview.source.to_string(),
                target_slot: preview.target.to_string(),
            });
        }
        if let Some(rule) = function_app
            .routing
            .iter()
            .find(|r| AzureName::same(&r.action_host_name, &target.host_name))
        {
            return Err(in_use(format!(
                "routing rule `{}` sends traffic to slot `{slot}`; remove it first",
                rule.name
            )));
        }
        if let Some(other) = function_app.slots.values().find(|s| {
            s.auto_swap_slot_name
                .as_deref()
                .is_some_and(|t| AzureName::same(t, slot))
        }) {
            return Err(in_use(format!(
                "slot `{}` auto swaps into `{slot}`; turn auto swap off first",
                other.name
            )));
        }
        self.callers.refuse(app, &[(slot, SlotChange::Deleted)])?;
        let removed = self.app_mut(app)?.slots.remove(&AzureName::from(slot));
        let name = removed.map_or_else(|| slot.to_owned(), |s| s.name);
        Ok(vec![Event::SlotDeleted {
            app: self.app(app)?.spec.name.clone(),
            slot: name,
        }])
    }

    /// Deploys a known release to a slot, which restarts it. If the slot has an auto swap target
    /// (Windows only), the deploy then swaps into it; a failed auto swap leaves the deploy in
    /// place and is reported as [`Event::AutoSwapFailed`].
    pub fn deploy(
        &mut self,
        app: &str,
        slot: &str,
        release: &str,
    ) -> Result<Vec<Event>, ModelError> {
        let function_app = self.app(app)?;
        let new_release = function_app.releases.get(release).cloned().ok_or_else(|| {
            ModelError::ReleaseNotFound {
                app: app.to_owned(),
                release: release.to_owned(),
            }
        })?;
        self.slot(app, slot)?;
        self.callers
            .refuse(app, &[(slot, SlotChange::Release(Some(&new_release)))])?;

        let app_name = function_app.spec.name.clone();
        let linux = function_app.spec.os == crate::OperatingSystem::Linux;
        let records = function_app.deployment_records;
        let Estate {
            apps,
            sequence,
            deployment_ids,
            now,
            ..
        } = self;
        let target = apps
            .get_mut(&AzureName::from(app))
            .and_then(|a| a.slots.get_mut(&AzureName::from(slot)))
            .ok_or_else(|| ModelError::SlotNotFound {
                app: app.to_owned(),
                slot: slot.to_owned(),
            })?;
        let previous = target.release.replace(new_release).map(|r| r.id.clone());
        target.restart();
        *sequence += 1;
        target.content_sequence = *sequence;
        if records {
            for record in &mut target.deployments {
                record.active = false;
            }
            target.deployments.push(DeploymentRecord {
                id: format!(
                    "{:016x}{:016x}",
                    deployment_ids.next_u64(),
                    deployment_ids.next_u64()
                ),
                status: crate::deployment::DEPLOYMENT_SUCCESS,
                message: format!("slotdrill deploy of release {release}"),
                author: "slotdrill".to_owned(),
                deployer: "slotdrill".to_owned(),
                start_time: *now,
                end_time: *now,
                active: true,
            });
        }
        let slot_name = target.name.clone();
        let auto_swap = target.auto_swap_slot_name.clone().filter(|_| !linux);
        let mut events = vec![Event::Deployed {
            app: app_name.clone(),
            slot: slot_name.clone(),
            release: release.to_owned(),
            previous,
        }];
        if let Some(auto_target) = auto_swap {
            events.push(Event::AutoSwapStarted {
                app: app_name.clone(),
                source: slot_name.clone(),
                target: auto_target.clone(),
            });
            match self.swap(app, &slot_name, &auto_target) {
                Ok(swap_events) => events.extend(swap_events),
                Err(error) => events.push(Event::AutoSwapFailed {
                    app: app_name,
                    source: slot_name,
                    target: auto_target,
                    error,
                }),
            }
        }
        Ok(events)
    }

    /// Turns deployment records on or off for an app (off: deploys leave no record, as when a
    /// pipeline only sets a run-from-package URL).
    pub fn set_deployment_records(
        &mut self,
        app: &str,
        on: bool,
    ) -> Result<Vec<Event>, ModelError> {
        self.app_mut(app)?.deployment_records = on;
        Ok(Vec::new())
    }

    /// Restarts a slot's instances (cold start follows).
    pub fn restart(&mut self, app: &str, slot: &str) -> Result<Vec<Event>, ModelError> {
        let target = self.slot_mut(app, slot)?;
        target.restart();
        let slot = target.name.clone();
        Ok(vec![Event::SlotRestarted {
            app: self.app(app)?.spec.name.clone(),
            slot,
        }])
    }
}

/// A slot of `apps`, borrowing only the apps: a caller that also needs another field of the estate
/// (the generator, for [`Estate::admit_call`]) borrows the two apart.
pub(crate) fn slot_in<'a>(
    apps: &'a mut BTreeMap<AzureName, FunctionApp>,
    app: &str,
    slot: &str,
) -> Result<&'a mut Slot, ModelError> {
    apps.get_mut(&AzureName::from(app))
        .ok_or_else(|| ModelError::AppNotFound {
            app: app.to_owned(),
        })?
        .slots
        .get_mut(&AzureName::from(slot))
        .ok_or_else(|| ModelError::SlotNotFound {
            app: app.to_owned(),
            slot: slot.to_owned(),
        })
}
