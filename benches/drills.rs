//! The whole bundled drill library, as `slotdrill run scenarios` runs it (target: under 2 s in
//! release mode on a 2-core machine), and the same with the HTML report of every drill, one page
//! and a page per drill (target: less than 20% more).

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, library);
criterion_main!(benches);
