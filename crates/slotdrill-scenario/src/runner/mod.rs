//! The drill runner: load a scenario (estate and steps, every reference checked), run its steps
//! on the in-process emulator and the real engine on virtual time, and report what happened.
//! The same file and seed always give the same report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use slotdrill_emulator::{Emulator, EmulatorConfig, Status};
use slotdrill_engine::{
    EngineError, Observation, Plan, Planner, check_deploy, check_swap, observe, restore,
};
use slotdrill_model::{ModelError, RampUpRule, SlotConfigNames, is_production};

use crate::check::check_steps;
use crate::drill_cloud::{DrillCloud, drill_cloud};
use crate::error::{ScenarioError, locate};
use crate::estate::{ScenarioText, load_estate_text, read_scenario};
use crate::fail_kind::{FailKind, Failure};
use crate::report::{
    AppMap, DrillReport, ExpectationReport, RunPoint, SlotMap, StepReport, WallMs,
};
use crate::steps::StepDef;
use journals::{JournalDir, WrittenJournals};

mod actions;
mod expect;
mod journals;

/// A loaded drill, ready to run.
pub struct Drill {
    file: String,
    name: String,
    seed: u64,
    steps: Vec<StepDef>,
    emulator: Emulator,
    planner: Planner,
    journal_dir: Arc<JournalDir>,
}

impl Drill {
    /// The same drill planned by `planner` instead of the engine's own (a test's deliberately
    /// wrong planner shows that the checks around the engine catch a wrong plan).
    pub fn with_planner(mut self, planner: Planner) -> Drill {
        self.planner = planner;
        self
    }

    /// The emulator holding the drill's estate (for library users driving it themselves).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Runs the drill's steps on its emulator and reports what happened.
    pub fn run(&self) -> DrillReport {
        // Real time is measured for JUnit's `time` only; nothing inside the drill reads it.
        let started = std::time::Instant::now();
        let mut report = Runner::new(self).run(self);
        report.wall_ms = WallMs(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        report
    }

    /// A drill to run must have steps: an empty file, or an estate alone (which `serve
    /// --estate` and `explore` take), would otherwise pass having checked nothing.
    pub fn require_steps(&self) -> Result<(), ScenarioError> {
        if self.steps.is_empty() {
            return Err(ScenarioError {
                file: self.file.clone(),
                position: None,
                message: "no steps: a drill needs at least one [[step]] (an estate without steps \
                          is for `serve --estate` and `explore`, not `run`)"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// The same drill on an independent copy of its emulator, as loading the file again would
    /// give while nothing has run (the explorer rehearses each case on one).
    pub fn fork(&self) -> Drill {
        Drill {
            file: self.file.clone(),
            name: self.name.clone(),
            seed: self.seed,
            steps: self.steps.clone(),
            emulator: self.emulator.fork(),
            planner: self.planner,
            journal_dir: Arc::clone(&self.journal_dir),
        }
    }
}

impl Drill {
    /// Loads and checks a drill; `seed` overrides the file's.
    pub fn load(path: &Path, seed: Option<u64>) -> Result<Drill, ScenarioError> {
        let ScenarioText { file, text, dir } = read_scenario(path)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Drill::from_text(&file, &text, &dir, &stem, seed)
    }

    /// Loads and checks a drill given as text (`file` names it in messages; workflow paths are
    /// relative to `dir`; `stem` names the drill when the text does not).
    pub fn from_text(
        file: &str,
        text: &str,
        dir: &Path,
        stem: &str,
        seed: Option<u64>,
    ) -> Result<Drill, ScenarioError> {
        let (file, text) = (file.to_owned(), text);
        // A drill's report lists every call and run: it keeps its whole history (a drill is
        // finite, its steps and `times` bounded), unlike a long-running `serve`.
        let config = EmulatorConfig {
            history: usize::MAX,
            ..EmulatorConfig::default()
        };
        let loaded = load_estate_text(&file, text, dir, config, seed)?;
        let (scenario, emulator) = (loaded.scenario, loaded.emulator);
        let is_toml = !file.to_ascii_lowercase().ends_with(".json");
        let error = |index: usize, key: Option<&str>, message: String| ScenarioError {
            file: file.clone(),
            position: if is_toml {
                locate(text, "step", index, key)
            } else {
                None
            },
            message: format!(
                "step {}{}: {message}",
                index + 1,
                key.map(|k| format!(" ({k})")).unwrap_or_default()
            ),
        };
        check_steps(&scenario.step, &emulator, &error)?;
        let name = scenario.name.clone().unwrap_or_else(|| stem.to_owned());
        Ok(Drill {
            file,
            name,
            seed: scenario.seed,
            steps: scenario.step,
            emulator,
            planner: slotdrill_engine::plan,
            journal_dir: Arc::default(),
        })
    }
}

/// Loads, checks and runs one drill.
pub fn run_drill(path: &Path, seed: Option<u64>) -> Result<DrillReport, ScenarioError> {
    let drill = Drill::load(path, seed)?;
    drill.require_steps()?;
    Ok(drill.run())
}

/// `>= 80%` → (op, 80.0). A bare `80%` means at least 80%.
pub(crate) fn parse_rate(text: &str) -> Option<(&'static str, f64)> {
    let text = text.trim();
    let (op, rest) = [">=", "<=", ">", "<", "="]
        .iter()
        .find_map(|op| text.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or((">=", text));
    let value: f64 = rest.trim().strip_suffix('%')?.trim().parse().ok()?;
    (0.0..=100.0).contains(&value).then_some((op, value))
}

pub(crate) struct Runner<'d> {
    cloud: DrillCloud<'d>,
    originals: BTreeMap<String, String>,
    last_runs: BTreeMap<String, Vec<Status>>,
    last_calls: Vec<u16>,
    pub(crate) plans: Vec<Plan>,
    /// Plans rollbacks: the engine's own, or a test's wrong one.
    planner: Planner,
    warnings: Vec<String>,
    journal: Option<PathBuf>,
    /// Where this drill's rollback journals go (shared with the drill's forks).
    journal_dir: Arc<JournalDir>,
    /// The journals this run wrote, deleted when it ends.
    journals_written: WrittenJournals,
    steps: Vec<StepReport>,
    pub(crate) expectations: Vec<ExpectationReport>,
    runs: Vec<RunPoint>,
    diagnoses: Vec<slotdrill_engine::Diagnosis>,
    before: Vec<AppMap>,
    /// The step (1-based) of each function call, in the order the emulator recorded them.
    call_steps: Vec<usize>,
}

/// Why a step failed: a kind for `fails = "…"` and a message.
pub(crate) struct StepError {
    /// What kind of failure it is, as drills name it.
    pub(crate) kind: FailKind,
    pub(crate) message: String,
}

impl StepError {
    pub(crate) fn new(kind: FailKind, message: impl Into<String>) -> Self {
        StepError {
            kind,
            message: message.into(),
        }
    }
}

impl From<ModelError> for StepError {
    fn from(error: ModelError) -> Self {
        StepError::new(FailKind::of(Failure::Model(&error)), error.to_string())
    }
}

impl From<EngineError> for StepError {
    fn from(error: EngineError) -> Self {
        StepError::new(FailKind::of(Failure::Engine(&error)), error.to_string())
    }
}

impl From<slotdrill_emulator::EmulatorError> for StepError {
    fn from(error: slotdrill_emulator::EmulatorError) -> Self {
        StepError::new(FailKind::of(Failure::Emulator(&error)), error.to_string())
    }
}

fn definition_text(emulator: &Emulator, name: &str) -> String {
    emulator
        .logic_app(name)
        .map(|l| serde_json::to_string(&l.document.root).unwrap_or_default())
        .unwrap_or_default()
}

impl<'d> Runner<'d> {
    pub(crate) fn new(drill: &'d Drill) -> Self {
        let originals = drill
            .emulator
            .logic_app_names()
            .into_iter()
            .map(|n| (n.clone(), definition_text(&drill.emulator, &n)))
            .collect();
        Runner {
            cloud: drill_cloud(&drill.emulator),
            planner: drill.planner,
            originals,
            last_runs: BTreeMap::new(),
            last_calls: Vec::new(),
            plans: Vec::new(),
            warnings: Vec::new(),
            journal: None,
            journal_dir: Arc::clone(&drill.journal_dir),
            journals_written: WrittenJournals::default(),
            steps: Vec::new(),
            expectations: Vec::new(),
            runs: Vec::new(),
            diagnoses: Vec::new(),
            before: Vec::new(),
            call_steps: Vec::new(),
        }
    }

    /// Apps, slots, releases and who calls each slot, now.
    fn map(&self) -> Vec<AppMap> {
        let callers = observe(&self.cloud)
            .map(Observation::into_callers)
            .unwrap_or_default();
        self.emulator().read(|e| {
            e.apps()
                .map(|app| {
                    let mut slots: Vec<SlotMap> = app
                        .slots()
                        .map(|slot| SlotMap {
                            slot: slot.name().to_owned(),
                            release: slot.release_id().map(str::to_owned),
                            callers: callers
                                .iter()
                                .filter(|c| {
                                    c.app
                                        .as_deref()
                                        .is_some_and(|a| a.eq_ignore_ascii_case(app.name()))
                                        && c.slot
                                            .as_deref()
                                            .is_some_and(|s| s.eq_ignore_ascii_case(slot.name()))
                                })
                                .map(|c| {
                                    format!("{} → {}", c.id(), c.function.as_deref().unwrap_or("?"))
                                })
                                .collect(),
                        })
                        .collect();
                    slots.sort_by_key(|s| !is_production(&s.slot));
                    AppMap {
                        app: app.name().to_owned(),
                        slots,
                    }
                })
                .collect()
        })
    }

    pub(crate) fn emulator(&self) -> &'d Emulator {
        self.cloud.hooks.emulator
    }

    fn run(mut self, drill: &Drill) -> DrillReport {
        self.before = self.map();
        let mut stopped = false;
        for (i, step) in drill.steps.iter().enumerate() {
            let kind = step.kinds().first().copied().unwrap_or("?").to_owned();
            let at_ms = self.emulator().now().millis();
            if stopped {
                self.steps.push(StepReport {
                    index: i + 1,
                    kind,
                    at_ms,
                    outcome: "skipped".into(),
                    summary: "not run: an earlier step failed".into(),
                    error_kind: None,
                });
                continue;
            }
            let result = self.step(i + 1, step);
            // Calls are placed by the step that made them, not by their virtual time: a
            // rollback and the runs after it can share the instant the calls before it ended.
            let calls = self.emulator().history().calls;
            let made = usize::try_from(calls).unwrap_or(usize::MAX);
            self.call_steps
                .resize(made.max(self.call_steps.len()), i + 1);
            let (outcome, summary, error_kind) = match (result, &step.fails) {
                (Ok(summary), None) => ("ok", summary, None),
                (Ok(summary), Some(expected)) => {
                    self.expect(
                        i + 1,
                        format!("step {} to fail with `{expected}`", i + 1),
                        false,
                        format!("it succeeded: {summary}"),
                    );
                    ("ok", summary, None)
                }
                (Err(e), Some(expected)) if *expected == e.kind => (
                    "expected_failure",
                    e.message,
                    Some(e.kind.as_str().to_owned()),
                ),
                (Err(e), Some(expected)) => {
                    self.expect(
                        i + 1,
                        format!("step {} to fail with `{expected}`", i + 1),
                        false,
                        format!("it failed with `{}`: {}", e.kind, e.message),
                    );
                    stopped = true;
                    ("failed", e.message, Some(e.kind.as_str().to_owned()))
                }
                (Err(e), None) => {
                    stopped = true;
                    ("failed", e.message, Some(e.kind.as_str().to_owned()))
                }
            };
            let summary = match &step.note {
                Some(note) => format!("{summary} — {note}"),
                None => summary,
            };
            self.steps.push(StepReport {
                index: i + 1,
                kind,
                at_ms,
                outcome: outcome.into(),
                summary,
                error_kind,
            });
        }
        let journal = self
            .journal
            .as_ref()
            .and_then(|j| slotdrill_engine::Journal::read(j).ok())
            .unwrap_or_default();
        if let Some(path) = &self.journal {
            let _ = std::fs::remove_file(path);
        }
        let after = self.map();
        let passed = self.steps.iter().all(|s| s.outcome != "failed")
            && self.expectations.iter().all(|e| e.passed);
        DrillReport {
            name: drill.name.clone(),
            file: drill.file.clone(),
            seed: drill.seed,
            passed,
            virtual_ms: self.emulator().now().millis(),
            steps: self.steps,
            expectations: self.expectations,
            plans: self.plans,
            warnings: self.warnings,
            timeline: self.cloud.hooks.emulator.invocations(),
            call_steps: self.call_steps,
            runs: self.runs,
            diagnoses: self.diagnoses,
            journal,
            before: self.before,
            after,
            wall_ms: WallMs::default(),
        }
    }

    fn expect(&mut self, step: usize, description: String, passed: bool, detail: String) {
        self.expectations.push(ExpectationReport {
            step,
            description,
            passed,
            detail,
        });
    }

    fn change(
        &self,
        f: impl FnOnce(&mut slotdrill_model::Estate) -> Result<Vec<slotdrill_model::Event>, ModelError>,
    ) -> Result<Vec<slotdrill_model::Event>, StepError> {
        Ok(self.emulator().change(f)?)
    }

    pub(crate) fn step(&mut self, index: usize, step: &StepDef) -> Result<String, StepError> {
        if let Some(d) = &step.deploy {
            let observation = observe(&self.cloud)?;
            check_deploy(&observation, &d.app, &d.slot, d.force)?;
            let events = self.change(|e| e.deploy(&d.app, &d.slot, &d.release))?;
            let auto = events.iter().find_map(|e| match e {
                slotdrill_model::Event::Swapped { target, .. } => {
                    Some(format!("; auto swapped into {target}"))
                }
                slotdrill_model::Event::AutoSwapFailed { error, .. } => {
                    Some(format!("; auto swap failed: {error}"))
                }
                _ => None,
            });
            return Ok(format!(
                "deployed {} to {}/{}{}",
                d.release,
                d.app,
                d.slot,
                auto.unwrap_or_default()
            ));
        }
        if let Some(s) = &step.swap {
            let observation = observe(&self.cloud)?;
            check_swap(&observation, &s.app, &s.source, &s.target, s.force)?;
            self.change(|e| e.swap(&s.app, &s.source, &s.target))?;
            return Ok(format!("swapped {}/{} into {}", s.app, s.source, s.target));
        }
        if let Some(s) = &step.swap_preview {
            self.change(|e| e.swap_preview_apply(&s.app, &s.source, &s.target))?;
            return Ok(format!(
                "{}/{} runs with {} settings (swap with preview, phase 1)",
                s.app,
                s.source,
                crate::report::possessive(&s.target)
            ));
        }
        if let Some(a) = &step.swap_complete {
            self.change(|e| e.swap_preview_complete(&a.app))?;
            return Ok(format!("completed the swap with preview of {}", a.app));
        }
        if let Some(a) = &step.swap_cancel {
            self.change(|e| e.swap_preview_reset(&a.app))?;
            return Ok(format!("cancelled the swap with preview of {}", a.app));
        }
        if let Some(s) = &step.set_setting {
            self.change(|e| e.set_app_setting(&s.app, &s.slot, &s.name, s.value.as_deref()))?;
            return Ok(match &s.value {
                Some(v) => format!("set {} = {v} on {}/{}", s.name, s.app, s.slot),
                None => format!("removed {} from {}/{}", s.name, s.app, s.slot),
            });
        }
        if let Some(s) = &step.sticky {
            self.change(|e| {
                e.set_sticky_names(
                    &s.app,
                    SlotConfigNames::app_settings(s.names.iter().cloned()),
                )
            })?;
            return Ok(format!(
                "sticky settings of {}: {}",
                s.app,
                s.names.join(", ")
            ));
        }
        if let Some(c) = &step.create_slot {
            self.change(|e| e.create_slot(&c.app, &c.slot, c.clone_from.as_deref()))?;
            return Ok(format!("created slot {}/{}", c.app, c.slot));
        }
        if let Some(d) = &step.delete_slot {
            self.change(|e| e.delete_slot(&d.app, &d.slot))?;
            return Ok(format!("deleted slot {}/{}", d.app, d.slot));
        }
        if let Some(r) = &step.routing {
            let host = self
                .emulator()
                .read(|e| e.slot(&r.app, &r.slot).map(|s| s.host_name().to_owned()))?;
            let rules = if r.percentage == 0.0 {
                Vec::new()
            } else {
                vec![RampUpRule::fixed(&r.slot, host, r.percentage)]
            };
            self.change(|e| e.set_routing(&r.app, rules))?;
            return Ok(format!(
                "{}% of {} production traffic goes to {}",
                r.percentage,
                crate::report::possessive(&r.app),
                r.slot
            ));
        }
        if let Some(a) = &step.auto_swap {
            self.change(|e| e.set_auto_swap(&a.app, &a.slot, a.target.as_deref()))?;
            return Ok(format!(
                "auto swap of {}/{}: {}",
                a.app,
                a.slot,
                a.target.as_deref().unwrap_or("off")
            ));
        }
        if let Some(r) = &step.run {
            let body = r.body.clone().unwrap_or_else(|| json!({}));
            let mut statuses = Vec::new();
            for _ in 0..r.times {
                let run = self.emulator().run(&r.logic_app, body.clone())?;
                let mut point = RunPoint::of(&run, index);
                // The name as the step gave it (the emulator keeps the estate's spelling).
                point.logic_app.clone_from(&r.logic_app);
                self.runs.push(point);
                statuses.push(run.status);
            }
            let ok = statuses.iter().filter(|s| **s == Status::Succeeded).count();
            self.last_runs
                .insert(r.logic_app.to_ascii_lowercase(), statuses);
            return Ok(format!(
                "ran {} {} time(s): {ok} succeeded",
                r.logic_app, r.times
            ));
        }
        if let Some(c) = &step.call {
            return self.call(c);
        }
        if let Some(r) = &step.repoint {
            return self.hand_repoint(r);
        }
        if let Some(r) = &step.rollback {
            return self.rollback(r);
        }
        if step.restore.is_some() {
            let journal = self
                .journal
                .clone()
                .ok_or_else(|| StepError::new(FailKind::JournalError, "no rollback to restore"))?;
            let report = restore(&self.cloud, &journal, None)?;
            return Ok(format!(
                "restored {} workflow step(s)",
                report.performed.len()
            ));
        }
        if let Some(f) = &step.fault {
            return Ok(self.fault(f));
        }
        if let Some(a) = &step.advance {
            let ms = a.ms + a.seconds * 1000 + a.minutes * 60_000;
            self.emulator().advance(ms);
            return Ok(format!(
                "advanced virtual time by {:.1} s",
                ms as f64 / 1000.0
            ));
        }
        if let Some(e) = &step.expect {
            let (description, passed, detail) = self.evaluate(e);
            self.expect(index, description.clone(), passed, detail);
            return Ok(format!(
                "expect {description}: {}",
                if passed { "held" } else { "BROKEN" }
            ));
        }
        Err(StepError::new(FailKind::Invalid, "a step with no kind"))
    }
}
