//! The engine at estate scale: a partial rollback of 10 faulty functions (the operator's fast
//! path, `--faulty`) in an estate of 5,000 apps and 20,000 Logic Apps of 10 actions (200,000
//! actions), and at double that size.
//!
//! - `engine/observe-plan-partial-10-faulty/…`: observe (the apps, then every workflow read and
//!   scanned for calls) + `named_faulty` + `plan`, the whole read-only part of `rollback`. The
//!   back end is held in memory and says so (`Cloud::shared`), as the emulator does, so observe
//!   reads and scans on every core.
//! - `engine/observe-plan-one-thread/…`: the same at the first size with every read on the
//!   caller's thread, as with a back end that is not shared (`ArmCloud`, whose reads wait on the
//!   network and run in parallel under its own limit).
//! - The doubling ratio from interleaved pairs of the two sizes (in a benchmark run only).
//! - `engine/plan-alone/…`: `plan` on an observation and diagnosis made once beforehand.
//! - Peak resident memory of observe + plan, per size, each measured in a process of its own
//!   (the bench runs itself again with `SLOTDRILL_BENCH_PEAK=APPS,WORKFLOWS`): `VmHWM`, and the
//!   estate's own share (`VmRSS` once it is built, before observing). That process also times
//!   its one observe + plan: what a CLI run pays, every page it touches touched for the first
//!   time. On a VM first touch costs what the host charges for backing memory, which varies from
//!   process to process, so five processes per size, the sizes alternating, give a median.
//!
//! The back end holds each workflow as the JSON text ARM answers a GET with, and parses it on
//! every read into a `Document`, as `ArmCloud` does: parsing the estate's workflows is inside the
//! measured figure (a cold observe), not done once by the fixture.

/// The allocator the `slotdrill` binary runs on (`src/main.rs`), configured as it is there (`main`
/// calls `slotdrill_alloc::configure` first), so figures are the binary's.
#[global_allocator]
static ALLOCATOR: slotdrill_alloc::MiMalloc = slotdrill_alloc::MiMalloc;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use criterion::Criterion;
use serde_json::{Map, json};
use slotdrill_engine::{
    ActionOutcome, AppFunction, AppSnapshot, Cloud, CloudError, Decision, DiagnoseConfig,
    Diagnosis, Mode, Observation, Plan, Policy, SlotSnapshot, WorkflowRead, named_faulty, observe,
    plan,
};
use slotdrill_model::Secret;
use slotdrill_test_support::bench::{interleaved, measuring, print_gauge};
use slotdrill_wdl::{Document, parse_json};

/// The environment variable that makes this binary measure one size's peak memory and exit.
const PEAK: &str = "SLOTDRILL_BENCH_PEAK";

/// The sizes measured: (apps, Logic Apps of 10 actions).
const SIZES: [(usize, usize); 2] = [(5_000, 20_000), (10_000, 40_000)];

/// An estate held in memory, answering reads only: apps as snapshots, workflows as JSON text.
/// `shared` (set unless a figure is for one thread): it says it may be read from several
/// threads, as the emulator does, so that observe reads on every core.
struct Estate {
    apps: Vec<AppSnapshot>,
    workflows: Vec<(String, String)>,
    shared: AtomicBool,
}

fn slot(app: &str, name: &str, release: &str) -> SlotSnapshot {
    SlotSnapshot {
        name: name.to_owned(),
        host_name: slotdrill_model::classic_host_name(app, name),
        release: Some(release.to_owned()),
        running: true,
        functions: (0..10).map(|f| format!("F{f}")).collect(),
        settings: Default::default(),
        deployed_since_swap: false,
        release_source: slotdrill_engine::ReleaseSource::Label,
        release_note: None,
        last_swap: Some(slotdrill_engine::LastSwap {
            source: "deploy".to_owned(),
            destination: "production".to_owned(),
            at: None,
        }),
        live_since: None,
    }
}

fn estate(apps: usize, workflows: usize) -> Estate {
    let apps_list = (0..apps)
        .map(|a| {
            let name = format!("app{a:05}");
            AppSnapshot {
                slots: vec![slot(&name, "production", "v2"), slot(&name, "deploy", "v1")],
                sticky: Vec::new(),
                name,
            }
        })
        .collect();
    let workflows = (0..workflows).map(|w| {
        let mut actions = Map::new();
        for i in 0..10 {
            let app = format!("app{:05}", (w * 7 + i * 13) % apps);
            let action = if i % 2 == 0 {
                json!({ "type": "Function", "inputs": { "function": { "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/{app}/functions/F{i}") } } })
            } else {
                json!({ "type": "Http", "inputs": { "method": "POST", "uri": format!("https://{app}.azurewebsites.net/api/F{i}") } })
            };
            actions.insert(format!("Call{i}"), action);
        }
        let name = format!("flow{w:05}");
        let resource = json!({ "name": name, "properties": { "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": { "Main": { "type": "Scope", "actions": actions } } } } });
        (name, resource.to_string())
    }).collect();
    Estate {
        apps: apps_list,
        workflows,
        shared: AtomicBool::new(true),
    }
}

impl Cloud for Estate {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        Ok(self.apps.clone())
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        Ok(self.workflows.iter().map(|(n, _)| n.clone()).collect())
    }
    fn shared(&self) -> Option<&(dyn Cloud + Sync)> {
        self.shared.load(Ordering::Relaxed).then_some(self)
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        let index: usize = name
            .trim_start_matches("flow")
            .parse()
            .map_err(|_| CloudError::NotFound(name.to_owned()))?;
        let (name, text) = &self.workflows[index];
        let root = parse_json(name, text).map_err(|e| CloudError::failed(e.to_string()))?;
        let document = Document::from_value(name, name, root, None)
            .map_err(|e| CloudError::failed(e.to_string()))?;
        Ok(WorkflowRead {
            document,
            version: "1".to_owned(),
        })
    }
    fn write_workflow(&self, _: &str, _: &Document, _: &str) -> Result<String, CloudError> {
        Err(CloudError::failed("read only"))
    }
    fn function_key(&self, _: &str, _: &str, _: &str) -> Result<Secret, CloudError> {
        Err(CloudError::failed("read only"))
    }
    fn probe(&self, _: &str, _: &str, _: &str, _: u32) -> Result<Vec<u16>, CloudError> {
        Ok(Vec::new())
    }
    fn run_history(&self, _: &str, _: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        Ok(Vec::new())
    }
    fn set_logic_app_setting(&self, _: &str, _: &str, _: &Secret) -> Result<(), CloudError> {
        Err(CloudError::failed("read only"))
    }
    fn remove_logic_app_setting(&self, _: &str, _: &str) -> Result<(), CloudError> {
        Err(CloudError::failed("read only"))
    }
    fn swap(&self, _: &str, _: &str, _: &str) -> Result<(), CloudError> {
        Err(CloudError::failed("read only"))
    }
    fn trigger(&self, _: &str) -> Result<bool, CloudError> {
        Ok(true)
    }
}

fn faulty() -> Vec<AppFunction> {
    (0..10)
        .map(|i| AppFunction::new(format!("app{:05}", i * 37), format!("F{}", i % 10)))
        .collect()
}

fn policy() -> Policy {
    Policy {
        mode: Mode::Partial,
        ..Policy::default()
    }
}

/// Observe, name the faulty functions, plan: what `rollback --faulty` does before it writes.
fn observe_and_plan(cloud: &Estate, faulty: &[AppFunction]) -> (Observation, Diagnosis, Plan) {
    let observation = observe(cloud).expect("observe");
    let diagnosis =
        named_faulty(&observation, faulty, &DiagnoseConfig::default()).expect("names exist");
    let planned = plan(&observation, &diagnosis, &policy());
    assert_eq!(planned.decision, Decision::Partial);
    assert!(
        !planned.steps.is_empty(),
        "the faulty functions have callers"
    );
    (observation, diagnosis, planned)
}

/// A line of `/proc/self/status` in MiB (`VmHWM`: the peak resident set; `VmRSS`: now).
fn status_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kib| kib / 1024)
}

/// In the child process: build one estate, observe and plan once, print the memory figures and
/// the time observe + plan took.
fn measure_peak(size: &str) {
    let (apps, workflows) = size
        .split_once(',')
        .and_then(|(a, w)| Some((a.parse().ok()?, w.parse().ok()?)))
        .expect("SLOTDRILL_BENCH_PEAK=APPS,WORKFLOWS");
    let cloud = estate(apps, workflows);
    let estate_mib = status_mib("VmRSS:").unwrap_or_default();
    let started = Instant::now();
    let kept = observe_and_plan(&cloud, &faulty());
    let cold = started.elapsed();
    let peak_mib = status_mib("VmHWM:").unwrap_or_default();
    drop(kept);
    println!("{peak_mib} {estate_mib} {:.1}", cold.as_secs_f64() * 1e3);
}

/// Processes per size for the peak memory and the cold time (in a benchmark run; one otherwise).
const COLD_RUNS: usize = 5;

/// What one process of [`measure_peak`] reports.
struct ColdRun {
    peak_mib: u64,
    estate_mib: u64,
    cold_ms: f64,
}

/// Runs this binary again, [`COLD_RUNS`] times per size with the sizes alternating, and reports
/// each size's peak memory and its cold observe + plan: the median of the processes, with the
/// lowest and highest, as one process's first touch of memory varies a lot on a VM.
fn report_peaks() {
    let Ok(me) = std::env::current_exe() else {
        return;
    };
    let runs = if measuring() { COLD_RUNS } else { 1 };
    let mut cold: [Vec<ColdRun>; 2] = Default::default();
    for _ in 0..runs {
        for (size_runs, (apps, workflows)) in cold.iter_mut().zip(SIZES) {
            match cold_run(&me, apps, workflows) {
                Ok(run) => size_runs.push(run),
                Err(e) => return eprintln!("engine bench: the peak-memory run {e}"),
            }
        }
    }
    for ((apps, workflows), runs) in SIZES.iter().zip(&mut cold) {
        runs.sort_by(|a, b| a.cold_ms.total_cmp(&b.cold_ms));
        let (Some(lowest), Some(highest)) = (runs.first(), runs.last()) else {
            continue;
        };
        eprintln!(
            "engine bench: observe + plan, {apps} apps and {workflows} Logic Apps: peak resident \
             memory {} MiB (the estate alone, as text: {} MiB); once, cold, in a process of its \
             own ({} processes): median {:.1} ms (lowest {:.1}, highest {:.1})",
            runs.iter().map(|r| r.peak_mib).max().unwrap_or_default(),
            runs.iter().map(|r| r.estate_mib).max().unwrap_or_default(),
            runs.len(),
            runs[runs.len() / 2].cold_ms,
            lowest.cold_ms,
            highest.cold_ms,
        );
    }
}

/// One process of [`measure_peak`] for the size given.
fn cold_run(me: &std::path::Path, apps: usize, workflows: usize) -> Result<ColdRun, String> {
    let out = Command::new(me)
        .env(PEAK, format!("{apps},{workflows}"))
        .output()
        .map_err(|e| format!("did not start: {e}"))?;
    if !out.status.success() {
        return Err(format!("failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut figures = text.split_whitespace();
    let mut next = || {
        figures
            .next()
            .ok_or_else(|| format!("printed too little: {text}"))
    };
    let unreadable = |e: &dyn std::fmt::Display| format!("printed {text}: {e}");
    Ok(ColdRun {
        peak_mib: next()?.parse().map_err(|e| unreadable(&e))?,
        estate_mib: next()?.parse().map_err(|e| unreadable(&e))?,
        cold_ms: next()?.parse().map_err(|e| unreadable(&e))?,
    })
}

/// Interleaved pairs timed for the doubling ratio.
const PAIRS: usize = 11;

/// The time at double the size over the time at the first, from [`PAIRS`] interleaved pairs
/// (`slotdrill_test_support::bench::interleaved`): criterion's two groups run tens of seconds
/// apart on a machine whose speed drifts by more than the difference measured. Prints the
/// median of the pairs' ratios, with the lowest and highest, and the fastest time at double the
/// size over the fastest at the first.
fn paired_doubling(estates: &[Estate; 2], faulty: &[AppFunction]) {
    let time = |estate: &Estate| {
        let started = Instant::now();
        std::hint::black_box(observe_and_plan(estate, faulty));
        started.elapsed()
    };
    let ratios = interleaved(PAIRS, || time(&estates[1]), || time(&estates[0]));
    eprintln!(
        "engine/observe-plan-partial-10-faulty: time at double the size / time, {PAIRS} \
         interleaved pairs: median {:.3} (lowest {:.3}, highest {:.3}); fastest over fastest {:.3}",
        ratios.median, ratios.lowest, ratios.highest, ratios.fastest,
    );
}

fn planning(c: &mut Criterion) {
    let faulty = faulty();
    let estates = SIZES.map(|(apps, workflows)| estate(apps, workflows));
    let mut group = c.benchmark_group("engine/observe-plan-partial-10-faulty");
    group.sample_size(10);
    for ((apps, workflows), cloud) in SIZES.iter().zip(&estates) {
        group.bench_function(format!("{apps}-apps-{workflows}-logic-apps"), |b| {
            b.iter(|| observe_and_plan(cloud, &faulty).2)
        });
    }
    group.finish();
    if measuring() {
        paired_doubling(&estates, &faulty);
    }
    // What observe costs on the caller's thread alone, as over ARM (whose reads wait on the
    // network, not on the processor) and with any back end that is not `Cloud::shared`.
    let (apps, workflows) = SIZES[0];
    let mut group = c.benchmark_group("engine/observe-plan-one-thread");
    group.sample_size(10);
    estates[0].shared.store(false, Ordering::Relaxed);
    group.bench_function(format!("{apps}-apps-{workflows}-logic-apps"), |b| {
        b.iter(|| observe_and_plan(&estates[0], &faulty).2)
    });
    estates[0].shared.store(true, Ordering::Relaxed);
    group.finish();
    let [cloud, _] = estates;
    let (observation, diagnosis, _) = observe_and_plan(&cloud, &faulty);
    drop(cloud);
    let mut group = c.benchmark_group("engine/plan-alone");
    group.bench_function(format!("{apps}-apps-{workflows}-logic-apps"), |b| {
        b.iter(|| plan(&observation, &diagnosis, &policy()))
    });
    group.finish();
}

fn main() {
    slotdrill_alloc::configure();
    if let Ok(size) = std::env::var(PEAK) {
        measure_peak(&size);
        return;
    }
    print_gauge("engine bench", "before");
    let mut criterion = Criterion::default().configure_from_args();
    planning(&mut criterion);
    criterion.final_summary();
    report_peaks();
    print_gauge("engine bench", "after");
}
