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
    /// Real (wall-clock) time the drill took to run, in milliseconds: JUnit's `time`, which CI
    /// sums and shows. Never serialised: every other rendering is byte-identical per seed.
    #[serde(skip)]
    pub wall_ms: WallMs,
    /// The step (1-based) each record of `timeline` was made in, when known; the HTML chart
    /// places calls by it. Not serialised (the step shows in the timeline's order already).
    #[serde(skip)]
    pub call_steps: Vec<usize>,
}

/// Wall-clock milliseconds a drill took. Two reports compare equal whatever their wall times:
/// a report is what happened in the drill, and the same drill and seed are the same report.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallMs(pub u64);

impl PartialEq for WallMs {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl WallMs {
    /// In seconds, as JUnit's `time` gives it.
    pub fn seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

/// A drill file that could not be run: it is reported as an error in every format, so a
/// directory with one broken file never reads as all passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidDrill {
    /// The drill file as it was named to `run`.
    pub file: String,
    /// 1-based line and column of the problem, when known.
    pub line: Option<usize>,
    /// … and its column.
    pub column: Option<usize>,
    /// What is wrong, as `check` says it (without the position).
    pub message: String,
}

impl From<&crate::ScenarioError> for InvalidDrill {
    fn from(error: &crate::ScenarioError) -> Self {
        InvalidDrill {
            file: error.file.clone(),
            line: error.position.map(|(line, _)| line),
            column: error.position.map(|(_, column)| column),
            message: error.message.clone(),
        }
    }
}

impl InvalidDrill {
    /// `file:line:col: message`, as `check` prints it.
    pub fn located(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                format!("{}:{line}:{column}: {}", self.file, self.message)
            }
            _ => format!("{}: {}", self.file, self.message),
        }
    }
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
    /// Drill files that could not be run (also counted in `drills`); omitted when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub invalid: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// Always [`SCHEMA`] (`slotdrill.report/1`): readers check it before trusting the shape.
    pub schema: String,
    /// Every drill, in the order run.
    pub drills: Vec<DrillReport>,
    /// Drill files that could not be run, in the order named; omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<InvalidDrill>,
    /// Totals over `drills` and `invalid`.
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
            invalid: 0,
        };
        RunReport {
            schema: SCHEMA.to_owned(),
            drills,
            invalid: Vec::new(),
            summary,
        }
    }

    /// The same report with `invalid` drill files added: counted among the drills, and shown as
    /// errors in every format.
    pub fn with_invalid(mut self, invalid: Vec<InvalidDrill>) -> Self {
        self.summary.drills = self.drills.len() + invalid.len();
        self.summary.invalid = invalid.len();
        self.invalid = invalid;
        self
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
        for invalid in &self.invalid {
            let _ = writeln!(out, "{}  {}", paint("31", "ERROR"), invalid.file);
            let _ = writeln!(out, "      invalid drill: {}", invalid.located());
        }
        let s = &self.summary;
        let invalid = if s.invalid > 0 {
            format!(", {} invalid", s.invalid)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}: {} passed, {} failed{invalid} ({}, {} broken)",
            counted(s.drills, "drill"),
            s.passed,
            s.failed,
            counted(s.expectations, "expectation"),
            s.broken
        );
        out
    }

    /// JUnit XML: one test case per drill, a failure per broken expectation or failed step, an
    /// `<error>` test case per invalid drill file. `time` is real seconds (CI sums it), the one
    /// wall-clock value in any report; virtual time is the `virtual_seconds` property.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let s = &self.summary;
        let time: f64 = self.drills.iter().map(|d| d.wall_ms.seconds()).sum();
        let counts = format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time:.3}\"",
            s.drills, s.failed, s.invalid
        );
        let _ = writeln!(out, "<testsuites name=\"slotdrill\" {counts}>");
        let _ = writeln!(out, "  <testsuite name=\"slotdrill drills\" {counts}>");
        for drill in &self.drills {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
                xml(&drill.file),
                xml(&drill.name),
                drill.wall_ms.seconds()
            );
            let _ = writeln!(
                out,
                "      <properties><property name=\"virtual_seconds\" value=\"{:.3}\"/></properties>",
                drill.virtual_ms as f64 / 1000.0
            );
            let failures =
                drill
                    .steps
                    .iter()
                    .filter(|st| st.outcome == "failed")
                    .map(|st| format!("step {} ({}): {}", st.index, st.kind, st.summary))
                    .chain(drill.expectations.iter().filter(|e| !e.passed).map(|e| {
                        format!("step {}: expected {}; {}", e.step, e.description, e.detail)
                    }));
            for failure in failures {
                let _ = writeln!(out, "      <failure message=\"{}\"/>", xml(&failure));
            }
            out.push_str("    </testcase>\n");
        }
        for invalid in &self.invalid {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0.000\">\n      <error type=\"invalid drill\" message=\"{}\"/>\n    </testcase>",
                xml(&invalid.file),
                xml(&invalid.file),
                xml(&invalid.located())
            );
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

/// `orders'`, `billing's`: a name's possessive in English (a name ending in s takes only the
/// apostrophe).
pub fn possessive(name: &str) -> String {
    if name.ends_with(['s', 'S']) {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// `1 drill`, `2 drills`: the count and the noun in the number it calls for.
pub(crate) fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
