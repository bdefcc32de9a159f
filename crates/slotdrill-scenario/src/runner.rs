//! The drill runner: load a scenario (estate and steps, every reference checked), run its steps
//! on the in-process emulator and the real engine on virtual time, and report what happened.
//! The same file and seed always give the same report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use slotdrill_emulator::{ArmFault, Emulator, EmulatorConfig, HostRequest, Status};
use slotdrill_engine::{
    DiagnoseConfig, EngineError, Mode, Plan, Policy, apply, check_deploy, check_swap, diagnose,
    named_faulty, observe, plan, restore,
};
use slotdrill_model::{ModelError, RampUpRule, SlotConfigNames, is_production};
use slotdrill_wdl::{Hints, RepointRequest, find_calls, repoint};

use crate::check::check_steps;
use crate::drill_cloud::{ControlPlane, DrillCloud, drill_cloud};
use crate::error::{ScenarioError, locate};
use crate::estate::load_estate_seeded;
use crate::report::{AppMap, DrillReport, ExpectationReport, RunPoint, SlotMap, StepReport};
use crate::steps::{Expect, StepDef};

/// A loaded drill, ready to run.
pub struct Drill {
    file: String,
    name: String,
    seed: u64,
    steps: Vec<StepDef>,
    emulator: Emulator,
}

impl Drill {
    /// The emulator holding the drill's estate (for library users driving it themselves).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Runs the drill's steps on its emulator and reports what happened.
    pub fn run(&self) -> DrillReport {
        Runner::new(self).run(self)
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
        }
    }
}

impl Drill {
    /// Loads and checks a drill; `seed` overrides the file's.
    pub fn load(path: &Path, seed: Option<u64>) -> Result<Drill, ScenarioError> {
        let file = path.display().to_string();
        let loaded = load_estate_seeded(path, EmulatorConfig::default(), seed)?;
        let (scenario, emulator) = (loaded.scenario, loaded.emulator);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let is_toml = !file.to_ascii_lowercase().ends_with(".json");
        let error = |index: usize, key: Option<&str>, message: String| ScenarioError {
            file: file.clone(),
            position: if is_toml {
                locate(&text, "step", index, key)
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
        let name = scenario.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Drill {
            file,
            name,
            seed: scenario.seed,
            steps: scenario.step,
            emulator,
        })
    }
}

/// Loads, checks and runs one drill.
pub fn run_drill(path: &Path, seed: Option<u64>) -> Result<DrillReport, ScenarioError> {
    Ok(Drill::load(path, seed)?.run())
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

static JOURNALS: AtomicU64 = AtomicU64::new(0);

pub(crate) struct Runner<'d> {
    cloud: DrillCloud<'d>,
    originals: BTreeMap<String, String>,
    last_runs: BTreeMap<String, Vec<Status>>,
    last_calls: Vec<u16>,
    pub(crate) plans: Vec<Plan>,
    warnings: Vec<String>,
    journal: Option<PathBuf>,
    steps: Vec<StepReport>,
    pub(crate) expectations: Vec<ExpectationReport>,
    runs: Vec<RunPoint>,
    diagnoses: Vec<slotdrill_engine::Diagnosis>,
    before: Vec<AppMap>,
}

/// Why a step failed: a kind for `fails = "…"` and a message.
pub(crate) struct StepError {
    pub(crate) kind: String,
    pub(crate) message: String,
}

fn model_kind(error: &ModelError) -> String {
    let kind = format!("{:?}", error.kind());
    let mut snake = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

impl From<ModelError> for StepError {
    fn from(error: ModelError) -> Self {
        StepError {
            kind: model_kind(&error),
            message: error.to_string(),
        }
    }
}

impl From<EngineError> for StepError {
    fn from(error: EngineError) -> Self {
        let kind = match &error {
            EngineError::Cloud(_) => "control_plane_failed",
            EngineError::Workflow(_) => "workflow_error",
            EngineError::PreconditionFailed { .. } => "precondition_failed",
            EngineError::Refused(_) => "refused",
            EngineError::Journal { .. } => "journal_error",
            EngineError::Interrupted { .. } => "interrupted",
            EngineError::PinnedCallers { .. } => "pinned_callers",
        };
        StepError {
            kind: kind.to_owned(),
            message: error.to_string(),
        }
    }
}

impl From<slotdrill_emulator::EmulatorError> for StepError {
    fn from(error: slotdrill_emulator::EmulatorError) -> Self {
        match error {
            slotdrill_emulator::EmulatorError::Model(e) => e.into(),
            other => StepError {
                kind: "workflow_error".to_owned(),
                message: other.to_string(),
            },
        }
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
            originals,
            last_runs: BTreeMap::new(),
            last_calls: Vec::new(),
            plans: Vec::new(),
            warnings: Vec::new(),
            journal: None,
            steps: Vec::new(),
            expectations: Vec::new(),
            runs: Vec::new(),
            diagnoses: Vec::new(),
            before: Vec::new(),
        }
    }

    /// Apps, slots, releases and who calls each slot, now.
    fn map(&self) -> Vec<AppMap> {
        let callers = observe(&self.cloud).map(|o| o.callers).unwrap_or_default();
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
                (Err(e), Some(expected)) if *expected == e.kind => {
                    ("expected_failure", e.message, Some(e.kind))
                }
                (Err(e), Some(expected)) => {
                    self.expect(
                        i + 1,
                        format!("step {} to fail with `{expected}`", i + 1),
                        false,
                        format!("it failed with `{}`: {}", e.kind, e.message),
                    );
                    stopped = true;
                    ("failed", e.message, Some(e.kind))
                }
                (Err(e), None) => {
                    stopped = true;
                    ("failed", e.message, Some(e.kind))
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
            runs: self.runs,
            diagnoses: self.diagnoses,
            journal,
            before: self.before,
            after,
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
                "{}/{} runs with {}'s settings (swap with preview, phase 1)",
                s.app, s.source, s.target
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
                "{}% of {}'s production traffic goes to {}",
                r.percentage, r.app, r.slot
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
                self.runs.push(RunPoint {
                    at_ms: run.end.millis(),
                    logic_app: r.logic_app.clone(),
                    succeeded: run.status == Status::Succeeded,
                });
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
            let journal = self.journal.clone().ok_or_else(|| StepError {
                kind: "journal_error".into(),
                message: "no rollback to restore".into(),
            })?;
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
        Err(StepError {
            kind: "invalid".into(),
            message: "a step with no kind".into(),
        })
    }

    fn call(&mut self, c: &crate::steps::Call) -> Result<String, StepError> {
        let (host, key) = self.emulator().read(|e| {
            let slot = e.slot(&c.app, &c.slot)?;
            let key = match c.key.as_deref().unwrap_or("own") {
                "production" => Some(
                    e.slot(&c.app, "production")?
                        .keys()
                        .function_default(&c.function),
                ),
                "none" => None,
                _ => Some(slot.keys().function_default(&c.function)),
            };
            Ok::<_, ModelError>((slot.host_name().to_owned(), key))
        })?;
        let mut request = HostRequest::new("POST", &format!("https://{host}/api/{}", c.function));
        if let Some(key) = key {
            request = request.with_header("x-functions-key", key.expose());
        }
        self.last_calls = (0..c.times)
            .map(|_| self.emulator().invoke(&request).status)
            .collect();
        let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
        for status in &self.last_calls {
            *counts.entry(*status).or_insert(0) += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        Ok(format!(
            "called {}/{}/{} {} time(s): {}",
            c.app,
            c.slot,
            c.function,
            c.times,
            counts.join(", ")
        ))
    }

    /// A repoint made by hand, as a script would — possibly with the wrong key.
    fn hand_repoint(&mut self, r: &crate::steps::Repoint) -> Result<String, StepError> {
        let logic_app = self
            .emulator()
            .logic_app(&r.logic_app)
            .ok_or_else(|| StepError {
                kind: "not_found".into(),
                message: format!("Logic App `{}`", r.logic_app),
            })?;
        let call = find_calls(&logic_app.document, &Hints::default())
            .into_iter()
            .find(|c| c.action == r.action);
        let (Some(app), Some(function)) = (
            call.as_ref().and_then(|c| c.app.clone()),
            call.and_then(|c| c.function),
        ) else {
            return Err(StepError {
                kind: "workflow_error".into(),
                message: format!(
                    "`{}/{}` does not call a known function",
                    r.logic_app, r.action
                ),
            });
        };
        let key_slot = if r.key == "production" {
            "production"
        } else {
            r.slot.as_str()
        };
        let (host, key) = self.emulator().read(|e| {
            Ok::<_, ModelError>((
                e.slot(&app, &r.slot)?.host_name().to_owned(),
                e.slot(&app, key_slot)?.keys().function_default(&function),
            ))
        })?;
        let request = RepointRequest {
            workflow: None,
            action: &r.action,
            slot: &r.slot,
            host: &host,
            key: Some(&key),
        };
        let (document, _) =
            repoint(&logic_app.document, &request, &Hints::default()).map_err(|e| StepError {
                kind: "workflow_error".into(),
                message: e.to_string(),
            })?;
        self.emulator()
            .save_logic_app(&r.logic_app, document, None)?;
        Ok(format!(
            "repointed {}/{} at {app}/{} by hand, with the {} key",
            r.logic_app, r.action, r.slot, r.key
        ))
    }

    fn rollback(&mut self, r: &crate::steps::Rollback) -> Result<String, StepError> {
        if r.resume {
            let journal = self.journal.clone().ok_or_else(|| StepError {
                kind: "journal_error".into(),
                message: "no interrupted rollback to resume".into(),
            })?;
            let report = apply(&self.cloud, None, &journal, None)?;
            return Ok(format!(
                "resumed from the journal: {} step(s) performed, {} already done",
                report.performed.len(),
                report.already_done.len()
            ));
        }
        let observation = observe(&self.cloud)?;
        let config = DiagnoseConfig::default();
        let diagnosis = if r.faulty.is_empty() {
            diagnose(&self.cloud, &observation, &config)?
        } else {
            let named: Vec<(String, String)> = r
                .faulty
                .iter()
                .filter_map(|f| f.split_once('/'))
                .map(|(a, f)| (a.to_owned(), f.to_owned()))
                .collect();
            named_faulty(&observation, &named, &config)
        };
        let mode = match r.mode.as_deref() {
            Some("partial") => Mode::Partial,
            Some("full") => Mode::Full,
            _ => Mode::Auto,
        };
        self.diagnoses.push(diagnosis.clone());
        let plan = plan(
            &observation,
            &diagnosis,
            &Policy {
                mode,
                accept_sticky_diff: r.accept_sticky_diff,
                force: r.force,
                ..Policy::default()
            },
        );
        self.warnings.extend(plan.warnings.iter().cloned());
        self.plans.push(plan.clone());
        if plan.refused.is_some() || plan.steps.is_empty() {
            return Ok(format!(
                "plan: {}",
                plan.refused
                    .clone()
                    .unwrap_or_else(|| plan.reasons.join("; "))
            ));
        }
        let n = JOURNALS.fetch_add(1, Ordering::SeqCst);
        let journal =
            std::env::temp_dir().join(format!("slotdrill-drill-{}-{n}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&journal);
        self.journal = Some(journal.clone());
        let mut written = 0usize;
        let mut crash = |_: &slotdrill_engine::Record| {
            written += 1;
            r.crash_after.is_none_or(|limit| written < limit)
        };
        let interrupt: Option<slotdrill_engine::Interrupt<'_>> = if r.crash_after.is_some() {
            Some(&mut crash)
        } else {
            None
        };
        let report = apply(&self.cloud, Some(&plan), &journal, interrupt)?;
        Ok(format!(
            "{} rollback: {} step(s) applied",
            plan.chosen.map(|m| m.to_string()).unwrap_or_default(),
            report.performed.len()
        ))
    }

    fn fault(&mut self, f: &crate::steps::FaultStep) -> String {
        if f.clear {
            *self.cloud.hooks.faults.borrow_mut() = ControlPlane::default();
            self.emulator().clear_faults();
            return "cleared every fault".to_owned();
        }
        let Some(fault) = &f.inject else {
            return "no fault".to_owned();
        };
        match fault {
            ArmFault::Throttle { writes, .. } => {
                self.cloud.hooks.faults.borrow_mut().writes_left = Some(*writes)
            }
            ArmFault::ServerError {
                probability,
                status,
            } => self.cloud.hooks.faults.borrow_mut().server_error = Some((*probability, *status)),
            other => self.emulator().inject(other.clone()),
        }
        format!(
            "injected {}",
            serde_json::to_string(fault).unwrap_or_default()
        )
    }

    /// (description, held, what was found).
    fn evaluate(&self, e: &Expect) -> (String, bool, String) {
        if let (Some(app), Some(rate)) = (&e.logic_app, &e.succeeded) {
            let runs = self
                .last_runs
                .get(&app.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default();
            let ok = runs.iter().filter(|s| **s == Status::Succeeded).count();
            let actual = if runs.is_empty() {
                0.0
            } else {
                ok as f64 * 100.0 / runs.len() as f64
            };
            let (op, target) = parse_rate(rate).unwrap_or((">=", 100.0));
            let held = !runs.is_empty()
                && match op {
                    ">" => actual > target,
                    "<" => actual < target,
                    "<=" => actual <= target,
                    "=" => (actual - target).abs() < 1e-9,
                    _ => actual >= target,
                };
            return (
                format!("{app} succeeds {rate}"),
                held,
                format!("{ok} of {} runs succeeded ({actual:.0}%)", runs.len()),
            );
        }
        if let (Some(caller), Some(serves)) = (&e.caller, &e.serves) {
            let found = self.caller_target(caller);
            let held = found
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(serves));
            return (
                format!("{caller} serves {serves}"),
                held,
                format!(
                    "it serves {}",
                    found.unwrap_or_else(|| "nothing resolvable".to_owned())
                ),
            );
        }
        if let (Some(slot), Some(holds)) = (&e.slot, &e.holds) {
            let (app, name) = slot.split_once('/').unwrap_or((slot, ""));
            let found = self.emulator().read(|est| {
                est.slot(app, name)
                    .ok()
                    .and_then(|s| s.release_id().map(str::to_owned))
            });
            return (
                format!("{slot} holds {holds}"),
                found.as_deref() == Some(holds.as_str()),
                format!("it holds {}", found.unwrap_or_else(|| "nothing".to_owned())),
            );
        }
        if let Some(expected) = &e.plan {
            let last = self.plans.last();
            let chosen = last.map(|p| match (p.chosen, &p.refused) {
                (Some(mode), _) => mode.to_string(),
                (None, Some(_)) => "refused".to_owned(),
                (None, None) => "none".to_owned(),
            });
            let text = last
                .map(|p| {
                    format!(
                        "{} {}",
                        p.reasons.join("; "),
                        p.refused.clone().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let reason_ok = e.reason.as_ref().is_none_or(|r| text.contains(r.as_str()));
            let description = match &e.reason {
                Some(r) => format!("a {expected} plan because “{r}”"),
                None => format!("a {expected} plan"),
            };
            return (
                description,
                chosen.as_deref() == Some(expected.as_str()) && reason_ok,
                format!(
                    "the plan was {} ({})",
                    chosen.unwrap_or_else(|| "not made".to_owned()),
                    text.trim()
                ),
            );
        }
        if let Some(warning) = &e.warning {
            let held = self.warnings.iter().any(|w| w.contains(warning.as_str()));
            return (
                format!("a warning about “{warning}”"),
                held,
                format!(
                    "warnings: {}",
                    if self.warnings.is_empty() {
                        "none".to_owned()
                    } else {
                        self.warnings.join(" | ")
                    }
                ),
            );
        }
        if let Some(workflow) = &e.workflow {
            let same = self
                .originals
                .get(workflow)
                .is_some_and(|o| *o == definition_text(self.emulator(), workflow));
            return (
                format!("{workflow} equals its original definition"),
                same,
                if same {
                    "identical".to_owned()
                } else {
                    "it differs".to_owned()
                },
            );
        }
        if let (Some(setting), Some(equals)) = (&e.setting, &e.equals) {
            let mut parts = setting.splitn(3, '/');
            let (app, slot, name) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let found = self.emulator().read(|est| {
                est.slot(app, slot)
                    .ok()
                    .and_then(|s| s.config().setting(name).map(str::to_owned))
            });
            return (
                format!("{setting} = {equals}"),
                found.as_deref() == Some(equals.as_str()),
                format!("it is {}", found.unwrap_or_else(|| "unset".to_owned())),
            );
        }
        if let Some(status) = e.call_status {
            let held = !self.last_calls.is_empty() && self.last_calls.iter().all(|s| *s == status);
            return (
                format!("every call answered {status}"),
                held,
                format!("answers: {:?}", self.last_calls),
            );
        }
        (
            "nothing".to_owned(),
            false,
            "an empty expectation".to_owned(),
        )
    }

    /// `app/slot@release` a caller reaches now, read from its current workflow definition.
    fn caller_target(&self, caller: &str) -> Option<String> {
        let (workflow, action) = caller.split_once('/')?;
        let logic_app = self.emulator().logic_app(workflow)?;
        let observation = observe(&self.cloud).ok()?;
        let call = find_calls(&logic_app.document, &observation.hints())
            .into_iter()
            .find(|c| c.action == action)?;
        let (app, slot) = (call.app?, call.slot?);
        let release = self.emulator().read(|e| {
            e.slot(&app, &slot)
                .ok()
                .and_then(|s| s.release_id().map(str::to_owned))
        })?;
        let slot = if is_production(&slot) {
            "production".to_owned()
        } else {
            slot
        };
        Some(format!("{app}/{slot}@{release}"))
    }
}
