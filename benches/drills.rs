//! The whole bundled drill library, as `slotdrill run scenarios` runs it (target: under 2 s in
//! release mode on a 2-core machine), and the same with the HTML report of every drill, one page
//! and a page per drill (target: less than 20% more); and `explore`'s cases per second.

use criterion::{Criterion, Throughput, criterion_group};
use slotdrill_scenario::explore::{Faults, explore};
use slotdrill_scenario::{RunReport, run_drill};

fn library(c: &mut Criterion) {
    let files = slotdrill_test_support::bundled_drills();
    let mut group = c.benchmark_group("drills");
    group.sample_size(10);
    group.bench_function("bundled-library", |b| {
        b.iter(|| {
            let report = RunReport::new(
                files
                    .iter()
                    .map(|f| run_drill(f, None).expect("runs"))
                    .collect(),
            );
            assert_eq!(report.summary.failed, 0);
            report.text(false).len()
        })
    });
    group.bench_function("bundled-library-with-html", |b| {
        b.iter(|| {
            let report = RunReport::new(
                files
                    .iter()
                    .map(|f| run_drill(f, None).expect("runs"))
                    .collect(),
            );
            let page = slotdrill_scenario::html::page(&report);
            let pages: usize = report
                .drills
                .iter()
                .map(|d| slotdrill_scenario::html::drill_page(d).len())
                .sum();
            page.len() + pages
        })
    });
    group.finish();
}

/// `slotdrill explore` on `scenarios/02-partial-rollback.toml` (target: at least 2,000 cases/s on
/// a 2-core machine): 500 cases of up to 12 operations, every fault, seed 1, one worker per core,
/// the drill's loading included; criterion's throughput is in cases per second.
fn exploring(c: &mut Criterion) {
    let estate = std::path::Path::new(slotdrill_test_support::WORKSPACE_ROOT)
        .join("scenarios/02-partial-rollback.toml");
    let out = std::env::temp_dir().join(format!("slotdrill-bench-explore-{}", std::process::id()));
    let cases = 500;
    let mut group = c.benchmark_group("drills/explore");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(cases)));
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    group.bench_function("02-partial-rollback", |b| {
        b.iter(|| {
            let summary = explore(
                &estate,
                cases,
                12,
                1,
                &Faults::all(),
                &out,
                &mut |_| {},
                slotdrill_engine::plan,
                workers,
            )
            .expect("explores");
            assert!(summary.failure.is_none(), "{:?}", summary.failure);
            assert_eq!(summary.cases, cases);
            summary.steps
        })
    });
    group.finish();
}

criterion_group!(benches, library, exploring);
slotdrill_test_support::bench_main!("drills bench", benches);
