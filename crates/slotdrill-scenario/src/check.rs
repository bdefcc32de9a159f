//! Checks every reference a drill's steps make before anything runs: apps, slots (following
//! the drill's own slot creations and deletions), releases, functions, Logic Apps, actions,
//! expectation formats, and that each step has exactly one kind.

use std::collections::{BTreeMap, BTreeSet};

use slotdrill_emulator::Emulator;

use crate::error::ScenarioError;
use crate::steps::{STEP_KINDS, StepDef};

/// What the steps may refer to.
struct Known {
    /// App (lower case) → slots (lower case).
    slots: BTreeMap<String, BTreeSet<String>>,
    /// App (lower case) → releases.
    releases: BTreeMap<String, BTreeSet<String>>,
    /// App (lower case) → functions of any release.
    functions: BTreeMap<String, BTreeSet<String>>,
    /// Logic App (lower case) → actions.
    actions: BTreeMap<String, BTreeSet<String>>,
}

/// Checks the steps of a drill against its running estate; `error` places a message.
pub fn check_steps(
    steps: &[StepDef],
    emulator: &Emulator,
    error: &dyn Fn(usize, Option<&str>, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let mut known = Known {
        slots: BTreeMap::new(),
        releases: BTreeMap::new(),
        functions: BTreeMap::new(),
        actions: BTreeMap::new(),
    };
    emulator.read(|e| {
        for app in e.apps() {
            let name = app.name().to_ascii_lowercase();
            known.slots.insert(
                name.clone(),
                app.slots().map(|s| s.name().to_ascii_lowercase()).collect(),
            );
            known
                .releases
                .insert(name.clone(), app.releases().map(|r| r.id.clone()).collect());
            known.functions.insert(
                name,
                app.releases()
                    .flat_map(|r| r.functions.keys().map(|f| f.to_ascii_lowercase()))
                    .collect(),
            );
        }
    });
    for name in emulator.logic_app_names() {
        let logic_app = emulator.logic_app(&name).expect("listed");
        let workflow = logic_app
            .document
            .workflow(Some(&logic_app.workflow))
            .expect("saved workflow");
        let actions = slotdrill_wdl::actions(
            logic_app.document.definition(workflow),
            &workflow.definition,
        )
        .iter()
        .map(|a| a.name.to_owned())
        .collect();
        known.actions.insert(name.to_ascii_lowercase(), actions);
    }
    for (i, step) in steps.iter().enumerate() {
        let kinds = step.kinds();
        if kinds.len() != 1 {
            let found = if kinds.is_empty() {
                "none".to_owned()
            } else {
                kinds.join(", ")
            };
            return Err(error(
                i,
                None,
                format!("a step has exactly one kind (one of {STEP_KINDS}); found {found}"),
            ));
        }
        let kind = kinds[0];
        check_step(&mut known, step)
            .map_err(|problem| error(i, Some(kind), problem.to_string()))?;
    }
    Ok(())
}

/// What is wrong with one step, before it is placed at its position in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StepProblem {
    #[error("function app `{app}` is not in the estate; the apps are: {known}")]
    UnknownApp { app: String, known: String },
    #[error("`{app}` has no slot `{slot}` at this step; it has: {known}")]
    UnknownSlot {
        app: String,
        slot: String,
        known: String,
    },
    #[error("`{app}` has no release `{release}`; it has: {known}")]
    UnknownRelease {
        app: String,
        release: String,
        known: String,
    },
    #[error("no release of `{app}` has a function `{function}`")]
    UnknownFunction { app: String, function: String },
    #[error("Logic App `{name}` is not in the estate; the Logic Apps are: {known}")]
    UnknownLogicApp { name: String, known: String },
    #[error("Logic App `{workflow}` has no action `{action}`")]
    UnknownAction { workflow: String, action: String },
    /// A value outside its allowed set or shape: `` `field` is EXPECTED, not `got` ``.
    #[error("`{field}` {expected}, not `{got}`")]
    Invalid {
        field: &'static str,
        expected: &'static str,
        got: String,
    },
    /// An expectation key without the key it needs.
    #[error("`{field}` goes with `{companion}`")]
    Alone {
        field: &'static str,
        companion: &'static str,
    },
    #[error(
        "an expectation checks one thing: logic_app+succeeded, caller+serves, slot+holds, plan(+reason), warning, workflow+original, setting+equals or call_status"
    )]
    NotOneExpectation,
}

fn joined<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.cloned().collect::<Vec<_>>().join(", ")
}

impl Known {
    fn app(&self, app: &str) -> Result<String, StepProblem> {
        let key = app.to_ascii_lowercase();
        if self.slots.contains_key(&key) {
            Ok(key)
        } else {
            Err(StepProblem::UnknownApp {
                app: app.to_owned(),
                known: joined(self.slots.keys()),
            })
        }
    }

    fn slot(&self, app: &str, slot: &str) -> Result<(), StepProblem> {
        let key = self.app(app)?;
        if self.slots[&key].contains(&slot.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(StepProblem::UnknownSlot {
                app: app.to_owned(),
                slot: slot.to_owned(),
                known: joined(self.slots[&key].iter()),
            })
        }
    }

    fn release(&self, app: &str, release: &str) -> Result<(), StepProblem> {
        let key = self.app(app)?;
        if self.releases[&key].contains(release) {
            Ok(())
        } else {
            Err(StepProblem::UnknownRelease {
                app: app.to_owned(),
                release: release.to_owned(),
                known: joined(self.releases[&key].iter()),
            })
        }
    }

    fn function(&self, app: &str, function: &str) -> Result<(), StepProblem> {
        let key = self.app(app)?;
        if self.functions[&key].contains(&function.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(StepProblem::UnknownFunction {
                app: app.to_owned(),
                function: function.to_owned(),
            })
        }
    }

    fn logic_app(&self, name: &str) -> Result<&BTreeSet<String>, StepProblem> {
        self.actions
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| StepProblem::UnknownLogicApp {
                name: name.to_owned(),
                known: joined(self.actions.keys()),
            })
    }

    /// `field` holds `workflow/action`, an action of a Logic App of the estate.
    fn action(&self, field: &'static str, caller: &str) -> Result<(), StepProblem> {
        let (workflow, action) = caller.split_once('/').ok_or_else(|| StepProblem::Invalid {
            field,
            expected: "is `workflow/action`",
            got: caller.to_owned(),
        })?;
        if self.logic_app(workflow)?.contains(action) {
            Ok(())
        } else {
            Err(StepProblem::UnknownAction {
                workflow: workflow.to_owned(),
                action: action.to_owned(),
            })
        }
    }
}

/// `app/slot@release` → (app, slot, release).
pub(crate) fn parse_serves(text: &str) -> Option<(&str, &str, &str)> {
    let (app_slot, release) = text.split_once('@')?;
    let (app, slot) = app_slot.split_once('/')?;
    Some((app, slot, release))
}

/// The most runs or calls one step may ask for: each run's history is kept for the report
/// (about 15 KB a run), so an unbounded count could exhaust memory.
pub const MAX_TIMES: u32 = 1000;

fn check_times(times: u32) -> Result<(), StepProblem> {
    if (1..=MAX_TIMES).contains(&times) {
        Ok(())
    } else {
        Err(StepProblem::Invalid {
            field: "times",
            expected: "is from 1 to 1000",
            got: times.to_string(),
        })
    }
}

fn check_step(known: &mut Known, step: &StepDef) -> Result<(), StepProblem> {
    if let Some(d) = &step.deploy {
        known.slot(&d.app, &d.slot)?;
        known.release(&d.app, &d.release)?;
    }
    for s in [&step.swap, &step.swap_preview].into_iter().flatten() {
        known.slot(&s.app, &s.source)?;
        known.slot(&s.app, &s.target)?;
    }
    for a in [&step.swap_complete, &step.swap_cancel]
        .into_iter()
        .flatten()
    {
        known.app(&a.app)?;
    }
    if let Some(s) = &step.set_setting {
        known.slot(&s.app, &s.slot)?;
    }
    if let Some(s) = &step.sticky {
        known.app(&s.app)?;
    }
    if let Some(c) = &step.create_slot {
        let key = known.app(&c.app)?;
        if let Some(from) = &c.clone_from {
            known.slot(&c.app, from)?;
        }
        known
            .slots
            .get_mut(&key)
            .expect("checked")
            .insert(c.slot.to_ascii_lowercase());
    }
    if let Some(d) = &step.delete_slot {
        known.slot(&d.app, &d.slot)?;
        let key = known.app(&d.app)?;
        known
            .slots
            .get_mut(&key)
            .expect("checked")
            .remove(&d.slot.to_ascii_lowercase());
    }
    if let Some(r) = &step.routing {
        known.slot(&r.app, &r.slot)?;
    }
    if let Some(a) = &step.auto_swap {
        known.slot(&a.app, &a.slot)?;
        if let Some(t) = &a.target {
            known.slot(&a.app, t)?;
        }
    }
    if let Some(r) = &step.run {
        known.logic_app(&r.logic_app)?;
        check_times(r.times)?;
    }
    if let Some(c) = &step.call {
        check_times(c.times)?;
        known.slot(&c.app, &c.slot)?;
        known.function(&c.app, &c.function)?;
        if let Some(key) = &c.key
            && !matches!(key.as_str(), "own" | "production" | "none")
        {
            return Err(StepProblem::Invalid {
                field: "key",
                expected: "is `own`, `production` or `none`",
                got: key.clone(),
            });
        }
    }
    if let Some(r) = &step.repoint {
        known.action("action", &format!("{}/{}", r.logic_app, r.action))?;
        if !matches!(r.key.as_str(), "slot" | "production") {
            return Err(StepProblem::Invalid {
                field: "key",
                expected: "is `slot` or `production`",
                got: r.key.clone(),
            });
        }
    }
    if let Some(r) = &step.rollback {
        if let Some(mode) = &r.mode
            && !matches!(mode.as_str(), "auto" | "partial" | "full")
        {
            return Err(StepProblem::Invalid {
                field: "mode",
                expected: "is `auto`, `partial` or `full`",
                got: mode.clone(),
            });
        }
        for faulty in &r.faulty {
            let (app, function) = faulty.split_once('/').ok_or_else(|| StepProblem::Invalid {
                field: "faulty",
                expected: "entries are `app/function`",
                got: faulty.clone(),
            })?;
            known.function(app, function)?;
        }
    }
    if let Some(e) = &step.expect {
        check_expect(known, e)?;
    }
    Ok(())
}

fn check_expect(known: &Known, e: &crate::steps::Expect) -> Result<(), StepProblem> {
    let mut forms = 0;
    if let Some(app) = &e.logic_app {
        forms += 1;
        known.logic_app(app)?;
        let rate = e.succeeded.as_deref().ok_or(StepProblem::Alone {
            field: "logic_app",
            companion: "succeeded = \"100%\"",
        })?;
        crate::runner::parse_rate(rate).ok_or_else(|| StepProblem::Invalid {
            field: "succeeded",
            expected: "is a percentage such as `100%` or `>= 80%`",
            got: rate.to_owned(),
        })?;
    }
    if let Some(caller) = &e.caller {
        forms += 1;
        known.action("caller", caller)?;
        let serves = e.serves.as_deref().ok_or(StepProblem::Alone {
            field: "caller",
            companion: "serves = \"app/slot@release\"",
        })?;
        let (app, slot, release) = parse_serves(serves).ok_or_else(|| StepProblem::Invalid {
            field: "serves",
            expected: "is `app/slot@release`",
            got: serves.to_owned(),
        })?;
        known.slot(app, slot)?;
        known.release(app, release)?;
    }
    if let Some(slot) = &e.slot {
        forms += 1;
        let (app, slot) = slot.split_once('/').ok_or_else(|| StepProblem::Invalid {
            field: "slot",
            expected: "is `app/slot`",
            got: slot.clone(),
        })?;
        known.slot(app, slot)?;
        known.release(
            app,
            e.holds.as_deref().ok_or(StepProblem::Alone {
                field: "slot",
                companion: "holds = \"release\"",
            })?,
        )?;
    }
    if let Some(plan) = &e.plan {
        forms += 1;
        if !matches!(plan.as_str(), "partial" | "full" | "refused" | "none") {
            return Err(StepProblem::Invalid {
                field: "plan",
                expected: "is `partial`, `full`, `refused` or `none`",
                got: plan.clone(),
            });
        }
    }
    if e.warning.is_some() {
        forms += 1;
    }
    if let Some(workflow) = &e.workflow {
        forms += 1;
        known.logic_app(workflow)?;
        if e.original != Some(true) {
            return Err(StepProblem::Alone {
                field: "workflow",
                companion: "original = true",
            });
        }
    }
    if let Some(setting) = &e.setting {
        forms += 1;
        let mut parts = setting.splitn(3, '/');
        let (Some(app), Some(slot), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(StepProblem::Invalid {
                field: "setting",
                expected: "is `app/slot/NAME`",
                got: setting.clone(),
            });
        };
        known.slot(app, slot)?;
        if e.equals.is_none() {
            return Err(StepProblem::Alone {
                field: "setting",
                companion: "equals = \"value\"",
            });
        }
    }
    if e.call_status.is_some() {
        forms += 1;
    }
    if forms != 1 {
        return Err(StepProblem::NotOneExpectation);
    }
    Ok(())
}
