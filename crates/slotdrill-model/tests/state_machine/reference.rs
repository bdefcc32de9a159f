//! A deliberately simple reference model of function apps and slots: plain maps, no stickiness
//! splitting helpers, no keys. It predicts the outcome of every operation and the releases and
//! settings each slot ends up with, and the real model must agree after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use slotdrill_model::{ErrorKind, HostingPlan};

/// Slot names the transitions draw from; `DEPLOY` tests case-insensitivity.
pub const SLOTS: [&str; 8] = [
    "production",
    "deploy",
    "staging",
    "Canary",
    "qa",
    "uat",
    "test",
    "DEPLOY",
];
/// Function names.
pub const FUNCTIONS: [&str; 3] = ["A", "B", "C"];
/// Settings and the values they take.
pub const SETTINGS: [(&str, &[&str]); 7] = [
    ("DB", &["prod-db", "staging-db"]),
    ("QUEUE", &["q1", "q2"]),
    ("FUNCTIONS_EXTENSION_VERSION", &["~3", "~4"]),
    ("WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS", &["0", "1"]),
    ("AzureWebJobsSecretStorageType", &["files", "blob"]),
    ("WEBSITE_SWAP_WARMUP_PING_PATH", &["/", "/api/A", "/api/B"]),
    ("WEBSITE_SWAP_WARMUP_PING_STATUSES", &["200", "200,202"]),
];
const PLANS: [HostingPlan; 6] = [
    HostingPlan::Consumption,
    HostingPlan::Premium,
    HostingPlan::Standard,
    HostingPlan::PremiumV3,
    HostingPlan::Flex,
    HostingPlan::Basic,
];

#[derive(Debug, Clone, PartialEq)]
pub struct RefBehaviour {
    pub status: u16,
    pub fail_first: u32,
    pub timeout: bool,
    /// Needs no key; otherwise a function key (the warm-up's ping has none).
    pub anonymous: bool,
}

#[derive(Debug, Clone)]
pub struct RefRelease {
    pub id: String,
    pub functions: BTreeMap<String, RefBehaviour>,
}

#[derive(Debug, Clone)]
pub struct RefSlot {
    pub name: String,
    pub release: Option<usize>,
    pub settings: BTreeMap<String, String>,
    pub auth: bool,
    pub stopped: bool,
    pub auto_swap: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RefApp {
    pub name: String,
    pub plan: HostingPlan,
    pub linux: bool,
    pub releases: Vec<RefRelease>,
    pub sticky: BTreeSet<String>,
    /// Slots by lower-case name.
    pub slots: BTreeMap<String, RefSlot>,
    /// (source, target, source settings before phase 1), lower-case names.
    pub preview: Option<(String, String, BTreeMap<String, String>)>,
}

#[derive(Debug, Clone)]
pub struct RefCaller {
    pub workflow: String,
    pub action: String,
    pub app: usize,
    pub slot: String,
    pub function: String,
}

#[derive(Debug, Clone)]
pub struct RefEstate {
    pub apps: Vec<RefApp>,
    pub callers: Vec<RefCaller>,
    /// (restart?, app, lower-case slot): one-shot faults.
    pub faults: Vec<(bool, usize, String)>,
    /// What the last transition should have returned.
    pub last: Result<(), ErrorKind>,
}

#[derive(Debug, Clone)]
pub enum Op {
    CreateSlot {
        app: usize,
        slot: usize,
        clone: bool,
    },
    DeleteSlot {
        app: usize,
        slot: usize,
    },
    Deploy {
        app: usize,
        slot: usize,
        release: usize,
    },
    SetSetting {
        app: usize,
        slot: usize,
        setting: usize,
        value: Option<usize>,
    },
    SetSticky {
        app: usize,
        names: Vec<usize>,
    },
    SetAuth {
        app: usize,
        slot: usize,
        enabled: bool,
    },
    SetStopped {
        app: usize,
        slot: usize,
        stopped: bool,
    },
    SetAutoSwap {
        app: usize,
        slot: usize,
        target: Option<usize>,
    },
    Swap {
        app: usize,
        source: usize,
        target: usize,
    },
    PreviewApply {
        app: usize,
        source: usize,
        target: usize,
    },
    PreviewComplete {
        app: usize,
    },
    PreviewReset {
        app: usize,
    },
    RestartFault {
        app: usize,
        slot: usize,
    },
    WarmupFault {
        app: usize,
        slot: usize,
    },
    Repoint {
        caller: usize,
        slot: usize,
        function: usize,
    },
}

fn behaviour() -> impl Strategy<Value = RefBehaviour> {
    (
        prop::sample::select(vec![200u16, 200, 200, 500]),
        prop::sample::select(vec![0u32, 0, 2]),
        prop::bool::weighted(0.1),
        prop::bool::ANY,
    )
        .prop_map(|(status, fail_first, timeout, anonymous)| RefBehaviour {
            status,
            fail_first,
            timeout,
            anonymous,
        })
}

fn release(id: usize) -> impl Strategy<Value = RefRelease> {
    (
        behaviour(),
        prop::option::of(behaviour()),
        prop::option::of(behaviour()),
    )
        .prop_map(move |(a, b, c)| {
            let mut functions = BTreeMap::new();
            functions.insert("A".to_owned(), a);
            for (name, f) in [("B", b), ("C", c)] {
                if let Some(f) = f {
                    functions.insert(name.to_owned(), f);
                }
            }
            RefRelease {
                id: format!("r{id}"),
                functions,
            }
        })
}

fn app(index: usize) -> impl Strategy<Value = (RefApp, usize)> {
    (
        prop::sample::select(PLANS.to_vec()),
        prop::bool::weighted(0.25),
        (release(0), release(1), release(2)),
        prop::collection::btree_set(prop_oneof![2 => Just(0usize), 1 => 0..SETTINGS.len()], 0..3),
        0..4usize,
    )
        .prop_map(move |(plan, linux, (r0, r1, r2), sticky, callers)| {
            let settings = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect()
            };
            let mut slots = BTreeMap::new();
            slots.insert(
                "production".to_owned(),
                RefSlot {
                    name: "production".to_owned(),
                    release: Some(0),
                    settings: settings(&[("DB", "prod-db"), ("FUNCTIONS_EXTENSION_VERSION", "~4")]),
                    auth: false,
                    stopped: false,
                    auto_swap: None,
                },
            );
            if plan.slot_limit() >= 2 {
                slots.insert(
                    "deploy".to_owned(),
                    RefSlot {
                        name: "deploy".to_owned(),
                        release: Some(1),
                        settings: settings(&[
                            ("DB", "staging-db"),
                            ("FUNCTIONS_EXTENSION_VERSION", "~3"),
                            ("QUEUE", "q2"),
                        ]),
                        auth: false,
                        stopped: false,
                        auto_swap: None,
                    },
                );
            }
            let app = RefApp {
                name: format!("app{index}"),
                plan,
                linux,
                releases: vec![r0, r1, r2],
                sticky: sticky
                    .into_iter()
                    .map(|i| SETTINGS[i].0.to_owned())
                    .collect(),
                slots,
                preview: None,
            };
            (app, callers)
        })
}

impl RefEstate {
    pub fn strategy() -> BoxedStrategy<RefEstate> {
        prop::collection::vec(0..3usize, 1..=3)
            .prop_flat_map(|apps| {
                apps.iter()
                    .enumerate()
                    .map(|(i, _)| app(i))
                    .collect::<Vec<_>>()
            })
            .prop_map(|apps| {
                let mut callers = Vec::new();
                for (index, (app, count)) in apps.iter().enumerate() {
                    let functions: Vec<&String> = app.releases[0].functions.keys().collect();
                    for c in 0..*count {
                        callers.push(RefCaller {
                            workflow: format!("wf-{}", app.name),
                            action: format!("call{c}"),
                            app: index,
                            slot: "production".to_owned(),
                            function: functions[c % functions.len()].clone(),
                        });
                    }
                }
                RefEstate {
                    apps: apps.into_iter().map(|(app, _)| app).collect(),
                    callers,
                    faults: Vec::new(),
                    last: Ok(()),
                }
            })
            .boxed()
    }

    pub fn transitions(&self) -> BoxedStrategy<Op> {
        let apps = self.apps.len();
        let callers = self.callers.len();
        // Mostly slots that exist (in some app), sometimes any name, so refusals are tested too.
        let existing: Vec<usize> = (0..SLOTS.len())
            .filter(|i| self.apps.iter().any(|a| a.slots.contains_key(&lower(*i))))
            .collect();
        let slot =
            move || prop_oneof![4 => prop::sample::select(existing.clone()), 1 => 0..SLOTS.len()];
        let mut ops: Vec<(u32, BoxedStrategy<Op>)> = vec![
            (
                3,
                (0..apps, slot(), any::<bool>())
                    .prop_map(|(app, slot, clone)| Op::CreateSlot { app, slot, clone })
                    .boxed(),
            ),
            (
                1,
                (0..apps, slot())
                    .prop_map(|(app, slot)| Op::DeleteSlot { app, slot })
                    .boxed(),
            ),
            (
                4,
                (0..apps, slot(), 0..3usize)
                    .prop_map(|(app, slot, release)| Op::Deploy { app, slot, release })
                    .boxed(),
            ),
            (
                3,
                (
                    0..apps,
                    slot(),
                    0..SETTINGS.len(),
                    prop::option::weighted(0.85, 0..3usize),
                )
                    .prop_map(|(app, slot, setting, value)| Op::SetSetting {
                        app,
                        slot,
                        setting,
                        value,
                    })
                    .boxed(),
            ),
            (
                1,
                (0..apps, prop::collection::vec(0..SETTINGS.len(), 0..3))
                    .prop_map(|(app, names)| Op::SetSticky { app, names })
                    .boxed(),
            ),
            (
                1,
                (0..apps, slot(), prop::bool::weighted(0.3))
                    .prop_map(|(app, slot, enabled)| Op::SetAuth { app, slot, enabled })
                    .boxed(),
            ),
            (
                1,
                (0..apps, slot(), prop::bool::weighted(0.3))
                    .prop_map(|(app, slot, stopped)| Op::SetStopped { app, slot, stopped })
                    .boxed(),
            ),
            (
                1,
                (0..apps, slot(), prop::option::of(slot()))
                    .prop_map(|(app, slot, target)| Op::SetAutoSwap { app, slot, target })
                    .boxed(),
            ),
            (
                6,
                (0..apps, slot(), slot())
                    .prop_map(|(app, source, target)| Op::Swap {
                        app,
                        source,
                        target,
                    })
                    .boxed(),
            ),
            (
                2,
                (0..apps, slot(), slot())
                    .prop_map(|(app, source, target)| Op::PreviewApply {
                        app,
                        source,
                        target,
                    })
                    .boxed(),
            ),
            (
                1,
                (0..apps)
                    .prop_map(|app| Op::PreviewComplete { app })
                    .boxed(),
            ),
            (
                1,
                (0..apps).prop_map(|app| Op::PreviewReset { app }).boxed(),
            ),
            (
                1,
                (0..apps, slot())
                    .prop_map(|(app, slot)| Op::RestartFault { app, slot })
                    .boxed(),
            ),
            (
                1,
                (0..apps, slot())
                    .prop_map(|(app, slot)| Op::WarmupFault { app, slot })
                    .boxed(),
            ),
        ];
        if !self.callers.is_empty() {
            ops.push((
                2,
                (0..callers, slot(), 0..FUNCTIONS.len())
                    .prop_map(|(caller, slot, function)| Op::Repoint {
                        caller,
                        slot,
                        function,
                    })
                    .boxed(),
            ));
        }
        prop::strategy::Union::new_weighted(ops).boxed()
    }
}

fn lower(slot: usize) -> String {
    SLOTS[slot].to_ascii_lowercase()
}

fn found<T>(value: Option<T>) -> Result<T, ErrorKind> {
    value.ok_or(ErrorKind::NotFound)
}

impl RefEstate {
    pub fn in_range(&self, op: &Op) -> bool {
        match op {
            Op::Repoint { caller, .. } => *caller < self.callers.len(),
            Op::CreateSlot { app, .. }
            | Op::DeleteSlot { app, .. }
            | Op::Deploy { app, .. }
            | Op::SetSetting { app, .. }
            | Op::SetSticky { app, .. }
            | Op::SetAuth { app, .. }
            | Op::SetStopped { app, .. }
            | Op::SetAutoSwap { app, .. }
            | Op::Swap { app, .. }
            | Op::PreviewApply { app, .. }
            | Op::PreviewComplete { app }
            | Op::PreviewReset { app }
            | Op::RestartFault { app, .. }
            | Op::WarmupFault { app, .. } => *app < self.apps.len(),
        }
    }

    pub fn apply(mut self, op: &Op) -> Self {
        self.last = self.step(op);
        self
    }

    fn step(&mut self, op: &Op) -> Result<(), ErrorKind> {
        match op {
            Op::CreateSlot { app, slot, clone } => self.create_slot(*app, *slot, *clone),
            Op::DeleteSlot { app, slot } => self.delete_slot(*app, *slot),
            Op::Deploy { app, slot, release } => self.deploy(*app, &lower(*slot), *release),
            Op::SetSetting {
                app,
                slot,
                setting,
                value,
            } => {
                let (name, values) = SETTINGS[*setting];
                found(self.apps[*app].slots.get(&lower(*slot)))?;
                self.refuse_if_prepared(*app, Some(*slot))?;
                let s = found(self.apps[*app].slots.get_mut(&lower(*slot)))?;
                match value {
                    Some(v) => s
                        .settings
                        .insert(name.to_owned(), values[v % values.len()].to_owned()),
                    None => s.settings.remove(name),
                };
                Ok(())
            }
            Op::SetSticky { app, names } => {
                self.refuse_if_prepared(*app, None)?;
                self.apps[*app].sticky = names.iter().map(|i| SETTINGS[*i].0.to_owned()).collect();
                Ok(())
            }
            Op::SetAuth { app, slot, enabled } => {
                found(self.apps[*app].slots.get(&lower(*slot)))?;
                self.refuse_if_prepared(*app, Some(*slot))?;
                found(self.apps[*app].slots.get_mut(&lower(*slot)))?.auth = *enabled;
                Ok(())
            }
            Op::SetStopped { app, slot, stopped } => {
                found(self.apps[*app].slots.get_mut(&lower(*slot)))?.stopped = *stopped;
                Ok(())
            }
            Op::SetAutoSwap { app, slot, target } => self.set_auto_swap(*app, *slot, *target),
            Op::Swap {
                app,
                source,
                target,
            } => self.swap(*app, &lower(*source), &lower(*target)),
            Op::PreviewApply {
                app,
                source,
                target,
            } => self.preview_apply(*app, &lower(*source), &lower(*target)),
            Op::PreviewComplete { app } => self.preview_complete(*app),
            Op::PreviewReset { app } => {
                let (source, _, before) = self.apps[*app]
                    .preview
                    .take()
                    .ok_or(ErrorKind::NoPreviewPending)?;
                self.apps[*app]
                    .slots
                    .get_mut(&source)
                    .expect("preview source")
                    .settings = before;
                Ok(())
            }
            Op::RestartFault { app, slot } => {
                self.faults.push((true, *app, lower(*slot)));
                Ok(())
            }
            Op::WarmupFault { app, slot } => {
                self.faults.push((false, *app, lower(*slot)));
                Ok(())
            }
            Op::Repoint {
                caller,
                slot,
                function,
            } => {
                let app = self.callers[*caller].app;
                let function = FUNCTIONS[*function];
                if !self.resolves(app, &lower(*slot), function) {
                    return Err(ErrorKind::CallersWouldBreak);
                }
                self.callers[*caller].slot = lower(*slot);
                self.callers[*caller].function = function.to_owned();
                Ok(())
            }
        }
    }

    fn resolves(&self, app: usize, slot: &str, function: &str) -> bool {
        let app = &self.apps[app];
        app.slots
            .get(slot)
            .and_then(|s| s.release)
            .is_some_and(|r| app.releases[r].functions.contains_key(function))
    }

    /// Whether giving `slot` the release `release` would strand a caller.
    fn strands(&self, app: usize, slot: &str, release: Option<usize>) -> bool {
        self.callers.iter().any(|c| {
            c.app == app
                && c.slot == slot
                && !release.is_some_and(|r| {
                    self.apps[app].releases[r]
                        .functions
                        .contains_key(&c.function)
                })
        })
    }

    fn create_slot(&mut self, app: usize, slot: usize, clone: bool) -> Result<(), ErrorKind> {
        if slot == 0 {
            return Err(ErrorKind::InvalidName);
        }
        let a = &mut self.apps[app];
        if a.slots.contains_key(&lower(slot)) {
            return Err(ErrorKind::AlreadyExists);
        }
        if a.slots.len() >= a.plan.slot_limit() {
            return Err(ErrorKind::SlotLimit);
        }
        let settings = if clone {
            a.slots["production"].settings.clone()
        } else {
            BTreeMap::new()
        };
        a.slots.insert(
            lower(slot),
            RefSlot {
                name: SLOTS[slot].to_owned(),
                release: None,
                settings,
                auth: false,
                stopped: false,
                auto_swap: None,
            },
        );
        Ok(())
    }

    fn delete_slot(&mut self, app: usize, slot: usize) -> Result<(), ErrorKind> {
        if slot == 0 {
            return Err(ErrorKind::CannotDeleteProduction);
        }
        let name = lower(slot);
        let a = &self.apps[app];
        found(a.slots.get(&name))?;
        if a.preview
            .as_ref()
            .is_some_and(|(s, t, _)| *s == name || *t == name)
        {
            return Err(ErrorKind::PreviewPending);
        }
        if a.slots
            .values()
            .any(|s| s.auto_swap.as_deref() == Some(name.as_str()))
        {
            return Err(ErrorKind::InvalidConfig);
        }
        if self.callers.iter().any(|c| c.app == app && c.slot == name) {
            return Err(ErrorKind::CallersWouldBreak);
        }
        self.apps[app].slots.remove(&name);
        Ok(())
    }

    fn deploy(&mut self, app: usize, slot: &str, release: usize) -> Result<(), ErrorKind> {
        found(self.apps[app].slots.get(slot))?;
        if self.strands(app, slot, Some(release)) {
            return Err(ErrorKind::CallersWouldBreak);
        }
        let s = self.apps[app].slots.get_mut(slot).expect("checked");
        s.release = Some(release);
        if let Some(target) = s.auto_swap.clone().filter(|_| !self.apps[app].linux) {
            // The deploy stands whatever the auto swap does.
            let _ = self.swap(app, slot, &target);
        }
        Ok(())
    }

    /// A slot prepared for swap (a pending preview) refuses configuration changes; `None` is the
    /// app's own configuration, which concerns both slots.
    fn refuse_if_prepared(&self, app: usize, slot: Option<usize>) -> Result<(), ErrorKind> {
        match (&self.apps[app].preview, slot) {
            (Some(_), None) => Err(ErrorKind::PreviewPending),
            (Some((s, t, _)), Some(slot)) if *s == lower(slot) || *t == lower(slot) => {
                Err(ErrorKind::PreviewPending)
            }
            _ => Ok(()),
        }
    }

    fn set_auto_swap(
        &mut self,
        app: usize,
        slot: usize,
        target: Option<usize>,
    ) -> Result<(), ErrorKind> {
        let a = &mut self.apps[app];
        if target.is_some() && a.linux {
            return Err(ErrorKind::AutoSwapOnLinux);
        }
        found(a.slots.get(&lower(slot)))?;
        self.refuse_if_prepared(app, Some(slot))?;
        let a = &mut self.apps[app];
        let target = match target {
            Some(_) if slot == 0 => return Err(ErrorKind::InvalidConfig),
            Some(t) if lower(t) == lower(slot) => return Err(ErrorKind::InvalidConfig),
            Some(t) => Some(found(a.slots.get(&lower(t)))?.name.to_ascii_lowercase()),
            None => None,
        };
        a.slots.get_mut(&lower(slot)).expect("checked").auto_swap = target;
        Ok(())
    }

    /// The checks every swap form starts with.
    fn pair(&self, app: usize, source: &str, target: &str) -> Result<(), ErrorKind> {
        let a = &self.apps[app];
        let s = found(a.slots.get(source))?;
        let t = found(a.slots.get(target))?;
        if source == target {
            return Err(ErrorKind::SwapWithSelf);
        }
        if s.stopped || t.stopped {
            return Err(ErrorKind::SlotStopped);
        }
        let (sr, tr) = (s.release, t.release);
        if self.strands(app, source, tr) || self.strands(app, target, sr) {
            return Err(ErrorKind::CallersWouldBreak);
        }
        Ok(())
    }

    fn take_fault(&mut self, restart: bool, app: usize, slot: &str) -> bool {
        match self
            .faults
            .iter()
            .position(|(r, a, s)| *r == restart && *a == app && s == slot)
        {
            Some(i) => {
                self.faults.remove(i);
                true
            }
            None => false,
        }
    }

    fn sticky(&self, app: usize, name: &str) -> bool {
        let a = &self.apps[app];
        let override_all = a.slots.values().all(|s| {
            s.settings
                .get("WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS")
                .map(String::as_str)
                == Some("0")
        });
        a.sticky.contains(name) || (!override_all && name.ends_with("_EXTENSION_VERSION"))
    }

    /// Phase 1: returns the source's settings from before.
    fn phase1(
        &mut self,
        app: usize,
        source: &str,
        target: &str,
    ) -> Result<BTreeMap<String, String>, ErrorKind> {
        if self.take_fault(true, app, source) {
            return Err(ErrorKind::RestartFailed);
        }
        let before = self.apps[app].slots[source].settings.clone();
        let mut applied: BTreeMap<String, String> = before
            .iter()
            .filter(|(k, _)| !self.sticky(app, k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in &self.apps[app].slots[target].settings {
            if self.sticky(app, k) {
                applied.insert(k.clone(), v.clone());
            }
        }
        self.apps[app]
            .slots
            .get_mut(source)
            .expect("checked")
            .settings = applied;
        Ok(before)
    }

    fn warm(&self, app: usize, source: &str) -> bool {
        let a = &self.apps[app];
        let s = &a.slots[source];
        let path = s
            .settings
            .get("WEBSITE_SWAP_WARMUP_PING_PATH")
            .map_or("/", String::as_str);
        let allowed: Option<Vec<u16>> =
            s.settings
                .get("WEBSITE_SWAP_WARMUP_PING_STATUSES")
                .map(|v| {
                    v.split(',')
                        .map(|c| c.parse().expect("generated codes"))
                        .collect()
                });
        let status = match path.strip_prefix("/api/") {
            None => 200,
            Some(function) => match s
                .release
                .and_then(|r| a.releases[r].functions.get(function))
            {
                None => 404,
                // The ping carries no key: the host refuses it before running the function.
                Some(b) if !b.anonymous => 401,
                Some(b) if b.timeout => return false,
                Some(b) if b.fail_first > 0 => 503,
                Some(b) => b.status,
            },
        };
        allowed.is_none_or(|codes| codes.contains(&status))
    }

    /// Phases 3–5.
    fn finish(
        &mut self,
        app: usize,
        source: &str,
        target: &str,
        before: BTreeMap<String, String>,
    ) -> Result<(), ErrorKind> {
        if self.take_fault(false, app, source) || !self.warm(app, source) {
            self.apps[app]
                .slots
                .get_mut(source)
                .expect("checked")
                .settings = before;
            return Err(ErrorKind::WarmupFailed);
        }
        let s = self.apps[app].slots[source].clone();
        let t = self.apps[app].slots[target].clone();
        // Stickiness is judged on each slot's own settings, not the ones the source borrowed.
        self.apps[app]
            .slots
            .get_mut(source)
            .expect("checked")
            .settings = before.clone();
        let mut new_s = BTreeMap::new();
        let mut new_t = BTreeMap::new();
        for (k, v) in &before {
            if self.sticky(app, k) {
                new_s.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in &t.settings {
            if self.sticky(app, k) {
                &mut new_t
            } else {
                &mut new_s
            }
            .insert(k.clone(), v.clone());
        }
        for (k, v) in &s.settings {
            if !self.sticky(app, k) {
                new_t.insert(k.clone(), v.clone());
            }
        }
        let slots = &mut self.apps[app].slots;
        let src = slots.get_mut(source).expect("checked");
        src.settings = new_s;
        src.release = t.release;
        let tgt = slots.get_mut(target).expect("checked");
        tgt.settings = new_t;
        tgt.release = s.release;
        Ok(())
    }

    fn swap(&mut self, app: usize, source: &str, target: &str) -> Result<(), ErrorKind> {
        self.pair_exists(app, source, target)?;
        if let Some((s, t, _)) = &self.apps[app].preview {
            return if s == source && t == target {
                self.preview_complete(app)
            } else {
                Err(ErrorKind::PreviewPending)
            };
        }
        self.pair(app, source, target)?;
        let before = self.phase1(app, source, target)?;
        self.finish(app, source, target, before)
    }

    /// The part of `pair` that comes before the pending-preview check in the real model.
    fn pair_exists(&self, app: usize, source: &str, target: &str) -> Result<(), ErrorKind> {
        let a = &self.apps[app];
        let s = found(a.slots.get(source))?;
        let t = found(a.slots.get(target))?;
        if source == target {
            return Err(ErrorKind::SwapWithSelf);
        }
        if s.stopped || t.stopped {
            return Err(ErrorKind::SlotStopped);
        }
        Ok(())
    }

    fn preview_apply(&mut self, app: usize, source: &str, target: &str) -> Result<(), ErrorKind> {
        self.pair_exists(app, source, target)?;
        if self.apps[app].preview.is_some() {
            return Err(ErrorKind::PreviewPending);
        }
        let a = &self.apps[app];
        if a.slots[source].auth || a.slots[target].auth {
            return Err(ErrorKind::PreviewWithAuthentication);
        }
        self.pair(app, source, target)?;
        let before = self.phase1(app, source, target)?;
        self.apps[app].preview = Some((source.to_owned(), target.to_owned(), before));
        Ok(())
    }

    fn preview_complete(&mut self, app: usize) -> Result<(), ErrorKind> {
        let (source, target, before) = self.apps[app]
            .preview
            .clone()
            .ok_or(ErrorKind::NoPreviewPending)?;
        self.pair(app, &source, &target)?;
        self.apps[app].preview = None;
        self.finish(app, &source, &target, before)
    }
}
