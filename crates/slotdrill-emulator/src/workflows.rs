//! The workflows plane: the Logic Apps as saved (by name, in any case), their runs, the
//! deployment slots of Standard sites (files only: they never run), the stubs for what is not
//! emulated, and the run counter that names runs. Saving a workflow also touches the estate's
//! callers, so that lives one level up (`state.rs`).

use std::collections::BTreeMap;

use slotdrill_model::AzureName;

use crate::logic_app::{LogicApp, SiteSlot, Stubs};
use crate::retention::Window;
use crate::run::Run;

/// What `/_slotdrill/reset` returns the workflows plane to.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    logic_apps: BTreeMap<AzureName, LogicApp>,
    site_slots: BTreeMap<(AzureName, AzureName), SiteSlot>,
}

/// Logic Apps, Standard slots, stubs and run names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workflows {
    logic_apps: BTreeMap<AzureName, LogicApp>,
    /// Nonproduction slots of Standard sites, by site and slot.
    site_slots: BTreeMap<(AzureName, AzureName), SiteSlot>,
    stubs: Stubs,
    next_run: u64,
    /// How many runs and earlier versions each Logic App keeps.
    window: Window,
}

impl Workflows {
    /// A Logic App by name in any case.
    pub(crate) fn get(&self, name: &str) -> Option<&LogicApp> {
        self.logic_apps.get(&AzureName::from(name))
    }

    /// A Logic App to change, by name in any case.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut LogicApp> {
        self.logic_apps.get_mut(&AzureName::from(name))
    }

    /// The Logic App `name` and, for a workflow of a Standard site, every other workflow of that
    /// site: what shares its app settings. Empty when there is no such Logic App.
    pub(crate) fn sharing_settings_mut(&mut self, name: &str) -> Vec<&mut LogicApp> {
        let Some(found) = self.get(name) else {
            return Vec::new();
        };
        let key = AzureName::from(name);
        match found.site.clone() {
            None => self.logic_apps.get_mut(&key).into_iter().collect(),
            Some(site) => self
                .logic_apps
                .values_mut()
                .filter(|l| l.site.as_deref().is_some_and(|s| AzureName::same(s, &site)))
                .collect(),
        }
    }

    /// The workflows of Standard site `site` (name in any case), ordered by name.
    pub(crate) fn of_site(&self, site: &str) -> impl Iterator<Item = &LogicApp> {
        self.logic_apps
            .values()
            .filter(move |l| l.site.as_deref().is_some_and(|s| AzureName::same(s, site)))
    }

    /// Every Logic App, ordered by name (case-insensitively).
    pub(crate) fn all(&self) -> impl Iterator<Item = &LogicApp> {
        self.logic_apps.values()
    }

    /// Stores a Logic App, replacing one of the same name: the one replaced becomes an earlier
    /// version (ARM's `versions`), and its state (enabled or not) and its runs carry over, as a
    /// save changes neither. The runs and the earlier versions are moved, not copied (a save
    /// used to copy up to a window of runs).
    pub(crate) fn insert(&mut self, mut logic_app: LogicApp) {
        let key = AzureName::from(&logic_app.name);
        if let Some(mut previous) = self.logic_apps.remove(&key) {
            logic_app.enabled = previous.enabled;
            logic_app.runs = std::mem::take(&mut previous.runs);
            logic_app.earlier = std::mem::take(&mut previous.earlier);
            logic_app.earlier.push(previous);
            self.window.trim(&mut logic_app.earlier);
        }
        self.logic_apps.insert(key, logic_app);
    }

    /// Removes a Logic App and its versions; `None` when there was none.
    pub(crate) fn remove(&mut self, name: &str) -> Option<LogicApp> {
        self.logic_apps.remove(&AzureName::from(name))
    }

    /// Every Logic App and Standard slot, for `/_slotdrill/reset` to return to.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            logic_apps: self.logic_apps.clone(),
            site_slots: self.site_slots.clone(),
        }
    }

    /// Puts back the Logic Apps and Standard slots of a snapshot.
    pub(crate) fn restore(&mut self, snapshot: Snapshot) {
        self.logic_apps = snapshot.logic_apps;
        self.site_slots = snapshot.site_slots;
    }

    /// Slot `slot` of Standard site `site` (names in any case).
    pub(crate) fn site_slot(&self, site: &str, slot: &str) -> Option<&SiteSlot> {
        self.site_slots
            .get(&(AzureName::from(site), AzureName::from(slot)))
    }

    /// The slots of Standard site `site`, ordered by name.
    pub(crate) fn site_slots(&self, site: &str) -> impl Iterator<Item = &SiteSlot> {
        let site = AzureName::from(site);
        self.site_slots
            .iter()
            .filter(move |((s, _), _)| *s == site)
            .map(|(_, slot)| slot)
    }

    /// Stores slot `slot.name` of Standard site `site`, replacing what it held.
    pub(crate) fn put_site_slot(&mut self, site: &str, slot: SiteSlot) {
        let key = (AzureName::from(site), AzureName::from(&slot.name));
        self.site_slots.insert(key, slot);
    }

    /// The stubs.
    pub(crate) fn stubs(&self) -> &Stubs {
        &self.stubs
    }

    /// Replaces the stubs.
    pub(crate) fn set_stubs(&mut self, stubs: Stubs) {
        self.stubs = stubs;
    }

    /// The name of the next run (ARM's run names are long digit strings).
    pub(crate) fn next_run_name(&mut self) -> String {
        self.next_run += 1;
        format!("08585{:015}", self.next_run)
    }

    /// Records a finished run.
    pub(crate) fn record_run(&mut self, name: &str, run: Run) {
        let window = self.window;
        if let Some(logic_app) = self.get_mut(name) {
            logic_app.runs.push(run);
            window.trim(&mut logic_app.runs);
        }
    }

    /// How many runs and earlier versions each Logic App keeps.
    pub(crate) fn set_window(&mut self, window: Window) {
        self.window = window;
        for logic_app in self.logic_apps.values_mut() {
            window.trim(&mut logic_app.runs);
            window.trim(&mut logic_app.earlier);
        }
    }

    /// Runs kept, over every Logic App.
    pub(crate) fn retained_runs(&self) -> usize {
        self.logic_apps.values().map(|l| l.runs.len()).sum()
    }
}
