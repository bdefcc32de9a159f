//! Reports of drill runs: the data (a stable JSON schema, `slotdrill.report/1`), and its text and
//! JUnit XML renderings. Reports never hold a key: the timeline records who served each call,
//! not what was sent.

use std::fmt::Write as _;

use serde::Serialize;
use slotdrill_emulator::InvocationRecord;
use slotdrill_engine::{Diagnosis, Plan, Record};

use crate::history::{ActionReport, failed_actions};

/// The schema name in every JSON report.
pub const SCHEMA: &str = "slotdrill.report/1";

/// One step as it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// 1-based, as in the file.
    pub index: usize,
    /// The step's kind as written in the drill (`deploy`, `swap`, …), `?` for a step with none.
    pub kind: String,
    /// Virtual time when it started, in milliseconds.
    pub at_ms: u64,
    /// `ok`, `expected_failure`, `failed` or `skipped`.
    pub outcome: String,
    /// What it did or why it failed, for people, with the step's `note` appended after ` — `.
    pub summary: String,
    /// The failure kind in snake case (`warmup_failed`, as a step's `fails` names it); `None`
    /// when the step succeeded or was skipped.
    pub error_kind: Option<String>,
}

/// One expectation and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationReport {
    /// The step that states it (1-based).
    pub step: usize,
    /// What was expected, in words (`orders/production holds v2`).
    pub description: String,
    /// True when the estate matched; a broken expectation fails the drill.
    pub passed: bool,
    /// What the estate showed, whether or not it matched (`it holds v1`).
    pub detail: String,
}

/// One drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillReport {
    /// The scenario's `name`, or the file stem when it has none.
    pub name: String,
    /// The drill file as it was named to `run` (`scenarios/02-….toml`).
    pub file: String,
    /// The seed of keys and failure rolls: the file's, unless the caller overrode it.
    pub seed: u64,
    /// True when every step ran and every expectation held.
    pub passed: bool,
    /// Virtual time at the end of the drill, in milliseconds from the start of the rehearsal.
    pub virtual_ms: u64,
    /// Every step in file order, including those skipped after a failure.
    pub steps: Vec<StepReport>,
    /// Every expectation checked, in the order the steps stated them.
    pub expectations: Vec<ExpectationReport>,
    /// The plans of the drill's rollbacks, in order.
    pub plans: Vec<Plan>,
    /// Warnings raised (by plans and by guards).
    pub warnings: Vec<String>,
    /// Every function invocation, in order.
    pub timeline: Vec<InvocationRecord>,
    /// Every Logic App run, in order.
    pub runs: Vec<RunPoint>,
    /// The diagnoses behind the rollbacks' plans.
    pub diagnoses: Vec<Diagnosis>,
    /// The journal of the last rollback (no keys: literal keys are redacted in it).
    pub journal: Vec<Record>,
    /// Apps, slots, releases and callers when the drill started.
    pub before: Vec<AppMap>,
    /// … and when it ended.
    pub after: Vec<AppMap>,
}

/// One Logic App run: when it ended and how, for the timeline chart, and for a failed run why,
/// as Azure's run history says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunPoint {
    /// Virtual time the run ended, in milliseconds from the start of the rehearsal.
    pub at_ms: u64,
    /// The `run` step that started it (1-based).
    pub step: usize,
    /// The run's name (its id in run history).
    pub run: String,
    /// The Logic App's name as the `run` step gave it.
    pub logic_app: String,
    /// True when the run's status was `Succeeded` (any other status is false).
    pub succeeded: bool,
    /// The run's status (`Succeeded`, `Failed`).
    pub status: String,
    /// Why the run failed, when it did (secrets redacted).
    pub error: Option<String>,
    /// The actions that failed for a reason of their own (the innermost: a `Scope` failed
    /// because of what is inside it), in the order they ended; empty for a run that succeeded.
    pub actions: Vec<ActionReport>,
}

impl RunPoint {
    /// The point for `run`, started by step `step` (1-based).
    pub fn of(run: &slotdrill_emulator::Run, step: usize) -> RunPoint {
        let succeeded = run.status == slotdrill_emulator::Status::Succeeded;
        RunPoint {
            at_ms: run.end.millis(),
            step,
            run: run.name.clone(),
            logic_app: run.workflow.clone(),
            succeeded,
            status: crate::history::status_name(run.status),
            error: run.error.as_deref().map(crate::history::redact_text),
            actions: if succeeded {
                Vec::new()
            } else {
                failed_actions(run)
            },
        }
    }

    /// Why it failed in one line (`Ship: Failed (401 from host/api/Ship)`, several failed
    /// actions joined by `; `); the run's own error when no action says more.
    pub fn reason(&self) -> String {
        if self.actions.is_empty() {
            return self
                .error
                .clone()
                .unwrap_or_else(|| format!("the run ended {}", self.status));
        }
        // Iterations that failed alike are said once (`Label #0, #1: …`); then at most three
        // different reasons.
        const SHOWN: usize = 3;
        let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
        for action in &self.actions {
            let label = action.label();
            let reason = action.reason();
            let rest = reason.strip_prefix(&label).unwrap_or(&reason).to_owned();
            let iterations = label
                .strip_prefix(&action.name)
                .unwrap_or("")
                .trim()
                .to_owned();
            match groups
                .iter_mut()
                .find(|(name, why, _)| *name == action.name && *why == rest)
            {
                Some((_, _, seen)) => seen.push(iterations),
                None => groups.push((action.name.clone(), rest, vec![iterations])),
            }
        }
        let mut reasons: Vec<String> = groups
            .iter()
            .take(SHOWN)
            .map(|(name, rest, iterations)| {
                let iterations: Vec<&str> = iterations
                    .iter()
                    .map(String::as_str)
                    .filter(|i| !i.is_empty())
                    .collect();
                if iterations.is_empty() {
                    format!("{name}{rest}")
                } else {
                    format!("{name} {}{rest}", iterations.join(", "))
                }
            })
            .collect();
        if groups.len() > SHOWN {
            reasons.push(format!("and {} more failed actions", groups.len() - SHOWN));
        }
        reasons.join("; ")
    }
}

/// The failed runs of one `run` step that failed the same way: the first of them and how many.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureGroup<'r> {
    /// The first run that failed this way.
    pub first: &'r RunPoint,
    /// How many runs of the step failed this way (the first included).
    pub runs: usize,
}

/// The failed runs of `runs` grouped by step, Logic App and reason, in the order of their first
/// run: a step whose runs all failed alike is one group.
pub fn failure_groups(runs: &[RunPoint]) -> Vec<FailureGroup<'_>> {
    let mut groups: Vec<(usize, String, String, FailureGroup<'_>)> = Vec::new();
    for run in runs.iter().filter(|r| !r.succeeded) {
        let reason = run.reason();
        match groups.iter_mut().find(|(step, app, why, _)| {
            *step == run.step && *app == run.logic_app && *why == reason
        }) {
            Some((_, _, _, group)) => group.runs += 1,
            None => groups.push((
                run.step,
                run.logic_app.clone(),
                reason,
                FailureGroup {
                    first: run,
                    runs: 1,
                },
            )),
        }
    }
    groups.into_iter().map(|(_, _, _, group)| group).collect()
}

/// One app: its slots with their releases, and the callers of each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppMap {
    /// The app's name as the estate declares it (its case kept).
    pub app: String,
    /// Its slots, production first.
    pub slots: Vec<SlotMap>,
}

/// One slot of an [`AppMap`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotMap {
    /// The slot's name (`production`, `deploy`).
    pub slot: String,
    /// The id of the release it holds; `None` when it holds none (a slot created empty).
    pub release: Option<String>,
    /// `workflow/action → function` of every caller of this slot.
    pub callers: Vec<String>,
}

/// Totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Drills run, passed or failed.
    pub drills: usize,
    /// Drills that passed.
    pub passed: usize,
    /// Drills that failed.
    pub failed: usize,
    /// Expectations checked across every drill, held or broken.
    pub expectations: usize,
    /// Expectations that did not hold.
    pub broken: usize,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// Always [`SCHEMA`] (`slotdrill.report/1`): readers check it before trusting the shape.
    pub schema: String,
    /// Every drill, in the order run.
    pub drills: Vec<DrillReport>,
    /// Totals over `drills`.
    pub summary: Summary,
}

impl RunReport {
    /// A report of `drills`.
    pub fn new(drills: Vec<DrillReport>) -> Self {
        let passed = drills.iter().filter(|d| d.passed).count();
        let expectations = drills.iter().map(|d| d.expectations.len()).sum();
        let broken = drills
            .iter()
            .map(|d| d.expectations.iter().filter(|e| !e.passed).count())
            .sum();
        let summary = Summary {
            drills: drills.len(),
            passed,
            failed: drills.len() - passed,
            expectations,
            broken,
        };
        RunReport {
            schema: SCHEMA.to_owned(),
            drills,
            summary,
        }
    }

    /// The JSON report.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The text report; `colour` adds ANSI colours.
    pub fn text(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        for drill in &self.drills {
            let badge = if drill.passed {
                paint("32", "PASS")
            } else {
                paint("31", "FAIL")
            };
            let _ = writeln!(out, "{badge}  {}  ({})", drill.name, drill.file);
            let plan = drill.plans.last().map_or_else(
                || "no rollback".to_owned(),
                |p| format!("plan {}", p.decision.label()),
            );
            let _ = writeln!(
                out,
                "      {}, {}, {}, {:.1} s of virtual time; {plan}",
                counted(drill.steps.len(), "step"),
                counted(drill.expectations.len(), "expectation"),
                counted(drill.timeline.len(), "call"),
                drill.virtual_ms as f64 / 1000.0
            );
            for step in &drill.steps {
                let broken = drill
                    .expectations
                    .iter()
                    .any(|e| e.step == step.index && !e.passed);
                let mark = match step.outcome.as_str() {
                    _ if broken => paint("31", "✗"),
                    "ok" | "expected_failure" => paint("32", "✓"),
                    "skipped" => paint("33", "-"),
                    _ => paint("31", "✗"),
                };
                let as_expected = if step.outcome == "expected_failure" {
                    format!(
                        " (failed as expected: {})",
                        step.error_kind.as_deref().unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "      {mark} {:>2}. [{:>7.1} s] {}{as_expected}",
                    step.index,
                    step.at_ms as f64 / 1000.0,
                    step.summary
                );
                for group in failure_groups(&drill.runs)
                    .iter()
                    .filter(|g| g.first.step == step.index)
                {
                    let _ = writeln!(
                        out,
                        // Not `✗`: a run failing is what some drills rehearse; `✗` says the
                        // drill broke.
                        "             ↳ {} run {} failed: {}",
                        group.first.logic_app,
                        group.first.run,
                        group.first.reason()
                    );
                    if group.runs > 1 {
                        let _ = writeln!(
                            out,
                            "               and {} failed the same way",
                            counted(group.runs - 1, "more run")
                        );
                    }
                }
                for expectation in drill
                    .expectations
                    .iter()
                    .filter(|e| e.step == step.index && !e.passed)
                {
                    let _ = writeln!(
                        out,
                        "             {} expected {}; {}",
                        paint("31", "✗"),
                        expectation.description,
                        expectation.detail
                    );
                }
            }
        }
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{}: {} passed, {} failed ({}, {} broken)",
            counted(s.drills, "drill"),
            s.passed,
            s.failed,
            counted(s.expectations, "expectation"),
            s.broken
        );
        out
    }

    /// JUnit XML: one test case per drill, a failure per broken expectation or failed step.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let s = &self.summary;
        let _ = writeln!(
            out,
            "<testsuites name=\"slotdrill\" tests=\"{}\" failures=\"{}\">",
            s.drills, s.failed
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"slotdrill drills\" tests=\"{}\" failures=\"{}\">",
            s.drills, s.failed
        );
        for drill in &self.drills {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml(&drill.file),
                xml(&drill.name),
                drill.virtual_ms as f64 / 1000.0
            );
            let failures: Vec<String> =
                drill
                    .steps
                    .iter()
                    .filter(|st| st.outcome == "failed")
                    .map(|st| format!("step {} ({}): {}", st.index, st.kind, st.summary))
                    .chain(drill.expectations.iter().filter(|e| !e.passed).map(|e| {
                        format!("step {}: expected {}; {}", e.step, e.description, e.detail)
                    }))
                    .collect();
            if failures.is_empty() {
                out.push_str("/>\n");
            } else {
                out.push_str(">\n");
                for failure in failures {
                    let _ = writeln!(out, "      <failure message=\"{}\"/>", xml(&failure));
                }
                out.push_str("    </testcase>\n");
            }
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
}

/// `1 drill`, `2 drills`: the count and the noun in the number it calls for.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
