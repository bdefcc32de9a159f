//! Explore: property-test an estate. Random sequences of what a team's pipeline and on-call do —
//! deploys, swaps (plain, with preview, auto), setting and sticky changes, faults (warm-up and
//! restart failures, a throttled control plane, an engine crash mid-rollback), Logic App runs,
//! rollbacks in every mode, restores — run on the emulator with the real engine. After every
//! step every caller must resolve and only a deploy may change the releases an app holds; after
//! every rollback that claims success, every Logic App must succeed. A failure is shrunk and written as an ordinary drill whose `expect` steps fail
//! today, so `slotdrill run` reproduces it and the team can keep it as a regression drill.
//!
//! Every operation is a drill step, written as TOML and parsed back before it runs, so the drill
//! written for a failure is exactly what ran.
//!
//! The same pieces work inside a team's own tests: load the estate ([`Drill::load`]; its
//! [`Drill::emulator`] is the in-process emulator, and `slotdrill_emulator::serve` puts one on a
//! port), take its [`Shape`], generate sequences with [`operations`], and check the invariants
//! with [`rehearse`]:
//!
//! ```
//! use std::path::Path;
//! use proptest::test_runner::{Config, TestCaseError, TestRunner};
//! use slotdrill_scenario::Drill;
//! use slotdrill_scenario::explore::{Faults, Shape, operations, rehearse};
//!
//! let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/orders.toml");
//! let shape = Shape::of(&Drill::load(&estate, Some(1)).expect("loads"));
//! let config = Config { cases: 8, failure_persistence: None, ..Config::default() };
//! let mut runner = TestRunner::new(config);
//! runner
//!     .run(&operations(&shape, 6, &Faults::all()), |ops| {
//!         rehearse(&estate, 1, &ops)
//!             .map(|_| ())
//!             .map_err(|finding| TestCaseError::fail(finding.reason))
//!     })
//!     .expect("every invariant holds");
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::TestError;
use serde::Serialize;

use slotdrill_engine::Planner;

use crate::error::ScenarioError;
use crate::runner::{Drill, Runner};
use crate::steps::StepDef;

mod search;

/// What an estate offers the explorer.
#[derive(Debug, Clone)]
pub struct Shape {
    /// (app, slots, releases, Linux?).
    pub apps: Vec<(String, Vec<String>, Vec<String>, bool)>,
    /// Logic App names.
    pub logic_apps: Vec<String>,
}

impl Shape {
    /// The shape of a loaded drill's estate.
    pub fn of(drill: &Drill) -> Shape {
        let apps = drill.emulator().read(|e| {
            e.apps()
                .map(|a| {
                    (
                        a.name().to_owned(),
                        a.slots().map(|s| s.name().to_owned()).collect(),
                        a.releases().map(|r| r.id.clone()).collect(),
                        a.spec().os == slotdrill_model::OperatingSystem::Linux,
                    )
                })
                .collect()
        });
        Shape {
            apps,
            logic_apps: drill.emulator().logic_app_names(),
        }
    }
}

/// Which faults to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// Warm-up failures.
    pub warmup: bool,
    /// Restart failures.
    pub restart: bool,
    /// A throttled control plane.
    pub throttle: bool,
    /// The engine crashing mid-rollback.
    pub crash: bool,
}

/// A name in a `--faults` list that is not a fault explore injects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}`; expected warmup, restart, throttle, crash or none")]
pub struct UnknownFault(
    /// The name as given, trimmed of spaces.
    pub String,
);

impl Faults {
    /// Every fault.
    pub fn all() -> Faults {
        Faults {
            warmup: true,
            restart: true,
            throttle: true,
            crash: true,
        }
    }

    /// From `warmup,restart,throttle,crash` (or `none`).
    pub fn parse(list: &str) -> Result<Faults, UnknownFault> {
        let mut faults = Faults {
            warmup: false,
            restart: false,
            throttle: false,
            crash: false,
        };
        for name in list
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty() && *n != "none")
        {
            match name {
                "warmup" => faults.warmup = true,
                "restart" => faults.restart = true,
                "throttle" => faults.throttle = true,
                "crash" => faults.crash = true,
                other => return Err(UnknownFault(other.to_owned())),
            }
        }
        Ok(faults)
    }
}

/// One operation: a drill step as TOML (one or more `[[step]]` tables' bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Its kind, for the summary (`swap`, `rollback`, `fault:throttle`, …).
    pub kind: String,
    /// The step bodies, each the inside of one `[[step]]` table.
    pub steps: Vec<String>,
}

fn op(kind: &str, steps: Vec<String>) -> Op {
    Op {
        kind: kind.to_owned(),
        steps,
    }
}

/// A proptest strategy for operation sequences of up to `max_steps` over `shape`.
pub fn operations(shape: &Shape, max_steps: usize, faults: &Faults) -> BoxedStrategy<Vec<Op>> {
    let mut choices: Vec<(u32, BoxedStrategy<Op>)> = Vec::new();
    for (app, slots, releases, linux) in &shape.apps {
        let (app, slots, releases) = (app.clone(), slots.clone(), releases.clone());
        let slot = prop::sample::select(slots.clone());
        let a = app.clone();
        choices.push((3, (slot.clone(), prop::sample::select(releases)).prop_map(move |(s, r)| op("deploy", vec![format!("deploy = {{ app = \"{a}\", slot = \"{s}\", release = \"{r}\", force = true }}")])).boxed()));
        let a = app.clone();
        choices.push((4, (slot.clone(), slot.clone()).prop_map(move |(s, t)| op("swap", vec![format!("swap = {{ app = \"{a}\", source = \"{s}\", target = \"{t}\", force = true }}")])).boxed()));
        let a = app.clone();
        choices.push((1, (slot.clone(), slot.clone(), any::<bool>()).prop_map(move |(s, t, complete)| {
            let end = if complete { format!("swap_complete = {{ app = \"{a}\" }}") } else { format!("swap_cancel = {{ app = \"{a}\" }}") };
            op("swap_preview", vec![format!("swap_preview = {{ app = \"{a}\", source = \"{s}\", target = \"{t}\" }}"), end])
        }).boxed()));
        if !linux {
            let a = app.clone();
            choices.push((
                1,
                (slot.clone(), prop::option::of(slot.clone()))
                    .prop_map(move |(s, t)| {
                        let target = t.map_or_else(String::new, |t| format!(", target = \"{t}\""));
                        op(
                            "auto_swap",
                            vec![format!(
                                "auto_swap = {{ app = \"{a}\", slot = \"{s}\"{target} }}"
                            )],
                        )
                    })
                    .boxed(),
            ));
        }
        let a = app.clone();
        choices.push((1, (slot.clone(), 0..3u8).prop_map(move |(s, v)| op("set_setting", vec![format!("set_setting = {{ app = \"{a}\", slot = \"{s}\", name = \"EXPLORE_FLAG\", value = \"{v}\" }}")])).boxed()));
        let a = app.clone();
        choices.push((
            1,
            any::<bool>()
                .prop_map(move |on| {
                    let names = if on { "\"EXPLORE_FLAG\"" } else { "" };
                    op(
                        "sticky",
                        vec![format!("sticky = {{ app = \"{a}\", names = [{names}] }}")],
                    )
                })
                .boxed(),
        ));
        let a = app.clone();
        if faults.warmup {
            choices.push((1, slot.clone().prop_map(move |s| op("fault:warmup", vec![format!("fault = {{ inject = {{ kind = \"warmup_failure\", app = \"{a}\", slot = \"{s}\" }} }}")])).boxed()));
        }
        let a = app.clone();
        if faults.restart {
            choices.push((1, slot.prop_map(move |s| op("fault:restart", vec![format!("fault = {{ inject = {{ kind = \"restart_failure\", app = \"{a}\", slot = \"{s}\" }} }}")])).boxed()));
        }
    }
    if !shape.logic_apps.is_empty() {
        choices.push((
            3,
            prop::sample::select(shape.logic_apps.clone())
                .prop_map(|l| {
                    op(
                        "run",
                        vec![format!("run = {{ logic_app = \"{l}\", times = 2 }}")],
                    )
                })
                .boxed(),
        ));
    }
    let crash = faults.crash;
    choices.push((
        3,
        (
            prop::sample::select(vec!["auto", "partial", "full"]),
            // proptest refuses a probability of 0: without `crash`, no crash point is drawn.
            if crash {
                prop::option::weighted(0.3, 1..6usize).boxed()
            } else {
                Just(None).boxed()
            },
        )
            .prop_map(|(mode, crash_after)| match crash_after {
                Some(k) => op(
                    "rollback:crash",
                    vec![
                        format!("rollback = {{ mode = \"{mode}\", crash_after = {k} }}"),
                        "rollback = { resume = true }".to_owned(),
                    ],
                ),
                None => op(
                    "rollback",
                    vec![format!("rollback = {{ mode = \"{mode}\" }}")],
                ),
            })
            .boxed(),
    ));
    choices.push((
        1,
        Just(op("restore", vec!["restore = {}".to_owned()])).boxed(),
    ));
    if faults.throttle {
        choices.push((
            1,
            Just(op(
                "fault:throttle",
                vec!["fault = { inject = { kind = \"throttle\", writes = 1 } }".to_owned()],
            ))
            .boxed(),
        ));
    }
    choices.push((
        1,
        Just(op("clear", vec!["fault = { clear = true }".to_owned()])).boxed(),
    ));
    prop::collection::vec(
        prop::strategy::Union::new_weighted(choices),
        1..=max_steps.max(1),
    )
    .boxed()
}

/// A case that broke an invariant, already shrunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// What broke.
    pub reason: String,
    /// Every step body of the reproducing drill, in order.
    pub steps: Vec<String>,
}

/// Every app's releases across its slots, sorted: what swaps must conserve.
fn releases(runner: &Runner<'_>) -> Vec<(String, Vec<String>)> {
    runner.emulator().read(|e| {
        e.apps()
            .map(|a| {
                let mut held: Vec<String> = a
                    .slots()
                    .filter_map(|s| s.release_id().map(str::to_owned))
                    .collect();
                held.sort();
                (a.name().to_owned(), held)
            })
            .collect()
    })
}

/// What one rehearsal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rehearsal {
    /// Drill steps run (the invariant checks' runs and expectations included).
    pub steps: usize,
}

/// Rehearses `ops` on a fresh copy of the estate in `path` (its own steps ignored), checking the
/// invariants after every step: every caller resolves, only a deploy changes the releases an app
/// holds, and after a rollback the engine claims, every Logic App succeeds. Returns what ran, or the finding with the steps that reproduce it.
///
/// ```
/// use std::path::Path;
/// use slotdrill_scenario::explore::{Op, rehearse};
///
/// let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/orders.toml");
/// let swap = Op {
///     kind: "swap".to_owned(),
///     steps: vec![r#"swap = { app = "orders", source = "deploy", target = "production" }"#.to_owned()],
/// };
/// let rollback = Op { kind: "rollback".to_owned(), steps: vec![r#"rollback = { mode = "auto" }"#.to_owned()] };
/// let done = rehearse(&estate, 7, &[swap, rollback]).expect("the engine recovers");
/// assert!(done.steps >= 2);
/// ```
pub fn rehearse(path: &Path, seed: u64, ops: &[Op]) -> Result<Rehearsal, Finding> {
    let drill = Drill::load(path, Some(seed)).map_err(|e| Finding {
        reason: e.to_string(),
        steps: Vec::new(),
    })?;
    rehearse_on(&drill, ops)
}

/// [`rehearse`] on a loaded drill, which it leaves as it was: the rehearsal runs on a fork.
pub fn rehearse_on(loaded: &Drill, ops: &[Op]) -> Result<Rehearsal, Finding> {
    let drill = loaded.fork();
    let logic_apps = drill.emulator().logic_app_names();
    let mut runner = Runner::new(&drill);
    let mut steps: Vec<String> = Vec::new();
    let mut counts = Rehearsal::default();
    let mut run =
        |runner: &mut Runner<'_>, body: &str, steps: &mut Vec<String>| -> Result<bool, Finding> {
            steps.push(body.to_owned());
            counts.steps += 1;
            let step: StepDef = toml::from_str(body).map_err(|e| Finding {
                reason: format!("generated step does not parse: {e}"),
                steps: steps.clone(),
            })?;
            let before = releases(runner);
            let ok = runner.step(steps.len(), &step).is_ok();
            // Only a deploy brings a release in or drops one; swaps and rollbacks move them.
            if !body.starts_with("deploy") && releases(runner) != before {
                return Err(Finding {
                    reason: format!(
                        "releases held changed without a deploy: {before:?} became {:?}",
                        releases(runner)
                    ),
                    steps: steps.clone(),
                });
            }
            let broken = runner.emulator().read(|e| {
                e.callers()
                    .find(|c| e.resolve(&c.target).is_err())
                    .map(|c| c.id.to_string())
            });
            if let Some(caller) = broken {
                return Err(Finding {
                    reason: format!("caller {caller} no longer resolves"),
                    steps: steps.clone(),
                });
            }
            Ok(ok)
        };
    for op in ops {
        let mut ok = true;
        for body in &op.steps {
            ok = run(&mut runner, body, &mut steps)?;
        }
        let claimed = op.kind.starts_with("rollback")
            && ok
            && runner
                .plans
                .last()
                .is_some_and(|p| !p.is_refused() && !p.steps.is_empty());
        if claimed {
            // The engine claims a rollback: every Logic App must work again.
            for logic_app in &logic_apps {
                run(
                    &mut runner,
                    &format!("run = {{ logic_app = \"{logic_app}\", times = 1 }}"),
                    &mut steps,
                )?;
                run(
                    &mut runner,
                    &format!("expect = {{ logic_app = \"{logic_app}\", succeeded = \"100%\" }}"),
                    &mut steps,
                )?;
                if let Some(broken) = runner.expectations.last().filter(|e| !e.passed) {
                    let plan = runner
                        .plans
                        .last()
                        .map(|p| p.decision.label().to_owned())
                        .unwrap_or_default();
                    return Err(Finding {
                        reason: format!(
                            "after a {plan} rollback, {}: {}",
                            broken.description, broken.detail
                        ),
                        steps,
                    });
                }
            }
        }
    }
    Ok(counts)
}

/// What an exploration found and covered.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The estate explored.
    pub file: String,
    /// The seed (same seed, same cases, same files).
    pub seed: u64,
    /// Cases rehearsed (shrinking included).
    pub cases: u32,
    /// Steps run.
    pub steps: usize,
    /// Operation kinds covered.
    pub operations: BTreeSet<String>,
    /// The failure found, with the drill written for it.
    pub failure: Option<(Finding, String)>,
    /// Real seconds taken.
    pub seconds: f64,
}

impl Summary {
    /// Cases per second.
    pub fn cases_per_second(&self) -> f64 {
        f64::from(self.cases) / self.seconds.max(1e-9)
    }
}

/// Explores the estate of `path`: `cases` random sequences of up to `max_steps` operations,
/// rehearsed on `workers` threads (at least one). On a failure, the shrunk case is written as a
/// drill into `out`. `planner` plans each rollback ([`slotdrill_engine::plan`], or a test's
/// wrong one). The same seed gives the same cases, the same counts and the same finding (and
/// drill) whatever the number of workers (`search.rs` says how).
#[allow(
    clippy::too_many_arguments,
    reason = "each is one of the command's options; a struct would only rename them"
)]
pub fn explore(
    path: &Path,
    cases: u32,
    max_steps: usize,
    seed: u64,
    faults: &Faults,
    out: &Path,
    progress: &mut dyn FnMut(u32),
    planner: Planner,
    workers: usize,
) -> Result<Summary, ScenarioError> {
    let drill = Drill::load(path, Some(seed))?.with_planner(planner);
    let shape = Shape::of(&drill);
    let started = std::time::Instant::now();
    let searched = search::Search {
        drill: &drill,
        shape: &shape,
        cases,
        max_steps,
        seed,
        faults,
        workers,
    }
    .run(progress);
    let failure = match searched.result {
        Ok(()) => None,
        Err(TestError::Fail(reason, _)) => {
            let finding: Finding =
                serde_json::from_str(reason.message()).map_err(|e| ScenarioError {
                    file: path.display().to_string(),
                    position: None,
                    message: e.to_string(),
                })?;
            let written = write_drill(path, seed, &finding, out)?;
            Some((finding, written))
        }
        Err(TestError::Abort(reason)) => {
            return Err(ScenarioError {
                file: path.display().to_string(),
                position: None,
                message: format!("exploration aborted: {reason}"),
            });
        }
    };
    Ok(Summary {
        file: path.display().to_string(),
        seed,
        cases: searched.cases,
        steps: searched.steps,
        operations: searched.covered,
        failure,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The estate part of a scenario file: everything but its `[[step]]` tables.
fn estate_text(text: &str) -> String {
    let mut out = String::new();
    let mut in_step = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_step = trimmed == "[[step]]";
        }
        if !in_step {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Writes the finding as a drill beside nothing else: `out/explore-STEM-seedSEED.toml`.
fn write_drill(
    path: &Path,
    seed: u64,
    finding: &Finding,
    out: &Path,
) -> Result<String, ScenarioError> {
    let error = |e: std::io::Error| ScenarioError {
        file: out.display().to_string(),
        position: None,
        message: e.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        position: None,
        message: format!("cannot read the file: {e}"),
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(out).map_err(error)?;
    // Workflow paths in the estate are relative to the original file; point them back at it.
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let relative = pathdiff(&dir, out);
    let estate =
        estate_text(&text).replace("definition = \"", &format!("definition = \"{relative}"));
    let mut drill = format!(
        "# Found by `slotdrill explore {}` (seed {seed}), shrunk to a minimal sequence:\n# {}\n# The last expectation fails until the cause is fixed.\n",
        path.display(),
        finding.reason.replace('\n', " ")
    );
    drill.push_str(&estate);
    for body in &finding.steps {
        drill.push_str(&format!("\n[[step]]\n{body}\n"));
    }
    let file = out.join(format!("explore-{stem}-seed{seed}.toml"));
    let tmp = file.with_extension("toml.partial");
    std::fs::write(&tmp, drill)
        .and_then(|()| std::fs::rename(&tmp, &file))
        .map_err(error)?;
    Ok(file.display().to_string())
}

/// `from` relative to `to`, as a prefix for relative paths (`../scenarios/`).
fn pathdiff(from: &Path, to: &Path) -> String {
    let (from, to) = (absolute(from), absolute(to));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = to.components().count() - common;
    let mut prefix = "../".repeat(ups);
    for part in from.components().skip(common) {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    prefix
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}
