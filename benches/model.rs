//! Swap and deploy cost in estates of 10 and 10,000 apps, and with a 10-function and a
//! 1,000-function release. A swap must not depend on the size of the estate or of the release.

use criterion::{BenchmarkId, Criterion, criterion_group};
use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, HostingPlan, Release, SlotConfigNames};

/// `apps` apps on Premium, each with production (v1) and `deploy` (v2), settings, sticky names.
fn estate(apps: usize, functions: usize) -> Estate {
    let mut estate = Estate::new(1);
    for i in 0..apps {
        let app = format!("app-{i:05}");
        estate
            .add_app(AppSpec::new(&app, HostingPlan::Premium))
            .expect("app");
        for id in ["v1", "v2"] {
            let release = (0..functions).fold(Release::new(id), |r, f| {
                r.with_function(format!("Function{f:04}"), FunctionBehaviour::ok())
            });
            estate.add_release(&app, release).expect("release");
        }
        estate.create_slot(&app, "deploy", None).expect("slot");
        estate
            .set_sticky_names(&app, SlotConfigNames::app_settings(["DB"]))
            .expect("sticky");
        for (slot, db) in [("production", "prod-db"), ("deploy", "staging-db")] {
            let settings = [
                ("DB", db),
                ("FEATURE", slot),
                ("FUNCTIONS_EXTENSION_VERSION", "~4"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            estate
                .set_app_settings(&app, slot, settings)
                .expect("settings");
        }
        estate.deploy(&app, "production", "v1").expect("deploy");
        estate.deploy(&app, "deploy", "v2").expect("deploy");
    }
    estate
}

fn swap_and_deploy(c: &mut Criterion) {
    let mut group = c.benchmark_group("model");
    for (apps, functions) in [(10, 10), (10_000, 10), (10, 1_000)] {
        let label = format!("{apps}-apps-{functions}-functions");
        let mut swapping = estate(apps, functions);
        let app = format!("app-{:05}", apps / 2);
        group.bench_function(BenchmarkId::new("swap", &label), |b| {
            b.iter(|| swapping.swap(&app, "deploy", "production").expect("swap"))
        });
        let mut deploying = estate(apps, functions);
        let mut release = ["v1", "v2"].into_iter().cycle();
        group.bench_function(BenchmarkId::new("deploy", &label), |b| {
            b.iter(|| {
                let id = release.next().expect("cycle");
                deploying.deploy(&app, "deploy", id).expect("deploy")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, swap_and_deploy);
slotdrill_test_support::bench_main!("model bench", benches);
