//! A deployment slot: an identity that never moves in a swap (name, host name, keys, sticky
//! settings, state, authentication, auto swap target) and content that does (the release, the
//! non-sticky settings, and the warm instances that run them).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::keys::SlotKeys;
use crate::release::Release;
use crate::settings::SlotConfig;
use crate::time::Timestamp;

/// Whether a slot is running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SlotState {
    /// Serving requests.
    #[default]
    Running,
    /// Stopped: answers 403 to callers and cannot take part in a swap.
    Stopped,
}

/// `properties.slotSwapStatus`: the last successful swap a slot took part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSwapStatus {
    /// When the swap completed (virtual time).
    pub timestamp: Timestamp,
    /// The slot that was promoted.
    pub source_slot_name: String,
    /// The slot it was swapped into.
    pub destination_slot_name: String,
    /// The estate's change sequence at the swap (orders swaps and deploys that share a
    /// timestamp).
    pub sequence: u64,
}

/// One slot of a function app. Production is a slot named `production`.
#[derive(Debug, Clone)]
pub struct Slot {
    pub(crate) name: String,
    pub(crate) host_name: String,
    pub(crate) keys: SlotKeys,
    pub(crate) state: SlotState,
    pub(crate) auth_enabled: bool,
    pub(crate) auto_swap_slot_name: Option<String>,
    pub(crate) swap_status: Option<SlotSwapStatus>,
    pub(crate) target_swap_slot: Option<String>,
    pub(crate) config: SlotConfig,
    pub(crate) release: Option<Arc<Release>>,
    /// Calls per function since the instance last restarted (drives cold-start failures). It
    /// belongs to the running instances, so it moves with the content in a swap.
    pub(crate) warmth: BTreeMap<String, u64>,
    pub(crate) restarts: u64,
    /// When the content was last deployed (the estate's change sequence); moves with it.
    pub(crate) content_sequence: u64,
    /// The content's deployment records, oldest first; moves with it.
    pub(crate) deployments: Vec<crate::deployment::DeploymentRecord>,
}

impl Slot {
    pub(crate) fn new(name: &str, host_name: String, keys: SlotKeys) -> Self {
        Slot {
            name: name.to_owned(),
            host_name,
            keys,
            state: SlotState::Running,
            auth_enabled: false,
            auto_swap_slot_name: None,
            swap_status: None,
            target_swap_slot: None,
            config: SlotConfig::default(),
            release: None,
            warmth: BTreeMap::new(),
            restarts: 0,
            content_sequence: 0,
            deployments: Vec::new(),
        }
    }

    /// The slot's name as it was created (`production` for production).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `properties.defaultHostName`.
    pub fn host_name(&self) -> &str {
        &self.host_name
    }

    /// The slot's keys.
    pub fn keys(&self) -> &SlotKeys {
        &self.keys
    }

    /// Running or stopped.
    pub fn state(&self) -> SlotState {
        self.state
    }

    /// Whether App Service authentication is enabled.
    pub fn auth_enabled(&self) -> bool {
        self.auth_enabled
    }

    /// `siteConfig.autoSwapSlotName`.
    pub fn auto_swap_slot_name(&self) -> Option<&str> {
        self.auto_swap_slot_name.as_deref()
    }

    /// `properties.slotSwapStatus`.
    pub fn swap_status(&self) -> Option<&SlotSwapStatus> {
        self.swap_status.as_ref()
    }

    /// `properties.targetSwapSlot`: set while a swap with preview is pending.
    pub fn target_swap_slot(&self) -> Option<&str> {
        self.target_swap_slot.as_deref()
    }

    /// All settings of the slot, sticky or not.
    pub fn config(&self) -> &SlotConfig {
        &self.config
    }

    /// The release the slot holds; `None` for a new, empty slot.
    pub fn release(&self) -> Option<&Release> {
        self.release.as_deref()
    }

    /// The id of the release the slot holds.
    pub fn release_id(&self) -> Option<&str> {
        self.release.as_deref().map(|r| r.id.as_str())
    }

    /// How many calls `function` has had since the instance last restarted.
    pub fn calls_since_restart(&self, function: &str) -> u64 {
        self.warmth.get(function).copied().unwrap_or(0)
    }

    /// Counts one call of `function` on the instances; returns its index since the last restart.
    pub(crate) fn count_call(&mut self, function: &str) -> u64 {
        // Every call lands here: the name is copied only the first time it is counted.
        if let Some(calls) = self.warmth.get_mut(function) {
            let index = *calls;
            *calls += 1;
            return index;
        }
        self.warmth.insert(function.to_owned(), 1);
        0
    }

    /// The estate's change sequence when the content this slot holds was deployed.
    pub fn content_sequence(&self) -> u64 {
        self.content_sequence
    }

    /// The change sequence at which this slot began serving what it serves now: a deploy after
    /// its last swap, else that swap, else the deploy of its content.
    pub fn live_since(&self) -> u64 {
        match &self.swap_status {
            Some(status) if !self.deployed_since_swap() => status.sequence,
            _ => self.content_sequence,
        }
    }

    /// True when something was deployed to this slot after its last swap (so it no longer holds
    /// what the swap left there).
    pub fn deployed_since_swap(&self) -> bool {
        self.swap_status
            .as_ref()
            .is_none_or(|s| self.content_sequence > s.sequence)
    }

    /// The deployment records of the content this slot holds, oldest first.
    pub fn deployments(&self) -> &[crate::deployment::DeploymentRecord] {
        &self.deployments
    }

    /// The active deployment record, if the content has one.
    pub fn active_deployment(&self) -> Option<&crate::deployment::DeploymentRecord> {
        self.deployments.iter().rev().find(|d| d.active)
    }

    /// How many times the slot's instances restarted (deploys, setting changes, swaps).
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    pub(crate) fn restart(&mut self) {
        self.warmth.clear();
        self.restarts += 1;
    }
}
