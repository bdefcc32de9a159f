//! Planning a partial rollback of 10 faulty functions (the operator's fast path: observe every
//! workflow, then plan) in an estate of 5,000 apps and 20,000 Logic Apps (200,000 actions), and
//! at double that size. Prints the peak resident memory at the end.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, json};
use slotdrill_engine::{
    ActionOutcome, AppFunction, AppSnapshot, Cloud, CloudError, Decision, DiagnoseConfig, Mode,
    Policy, SlotSnapshot, WorkflowRead, named_faulty, observe, plan,
};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;

/// An estate held in memory, answering reads only.
struct Estate {
    apps: Vec<AppSnapshot>,
    workflows: Vec<(String, Document)>,
}

fn slot(app: &str, name: &str, release: &str) -> SlotSnapshot {
    SlotSnapshot {
        name: name.to_owned(),
        host_name: if name == "production" {
            format!("{app}.azurewebsites.net")
        } else {
            format!("{app}-{name}.azurewebsites.net")
        },
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
        let definition = json!({ "triggers": { "manual": { "type": "Request", "kind": "Http" } }, "actions": { "Main": { "type": "Scope", "actions": actions } } });
        let name = format!("flow{w:05}");
        (name.clone(), Document::from_value("w.json", &name, definition, None).expect("doc"))
    }).collect();
    Estate {
        apps: apps_list,
        workflows,
    }
}

impl Cloud for Estate {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        Ok(self.apps.clone())
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        Ok(self.workflows.iter().map(|(n, _)| n.clone()).collect())
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        let index: usize = name
            .trim_start_matches("flow")
            .parse()
            .map_err(|_| CloudError::NotFound(name.to_owned()))?;
        Ok(WorkflowRead {
            document: self.workflows[index].1.clone(),
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

fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kib| kib / 1024)
}

fn planning(c: &mut Criterion) {
    let faulty: Vec<AppFunction> = (0..10)
        .map(|i| AppFunction::new(format!("app{:05}", i * 37), format!("F{}", i % 10)))
        .collect();
    let mut group = c.benchmark_group("engine/plan-partial-10-faulty");
    group.sample_size(10);
    for (apps, workflows) in [(5_000, 20_000), (10_000, 40_000)] {
        let cloud = estate(apps, workflows);
        group.bench_function(format!("{apps}-apps-{workflows}-logic-apps"), |b| {
            b.iter(|| {
                let observation = observe(&cloud).expect("observe");
                let diagnosis = named_faulty(&observation, &faulty, &DiagnoseConfig::default())
                    .expect("named functions exist");
                let plan = plan(
                    &observation,
                    &diagnosis,
                    &Policy {
                        mode: Mode::Partial,
                        ..Policy::default()
                    },
                );
                assert_eq!(plan.decision, Decision::Partial);
                plan
            })
        });
    }
    group.finish();
    if let Some(mib) = peak_memory_mib() {
        eprintln!("engine bench: peak resident memory {mib} MiB");
    }
}

criterion_group!(benches, planning);
criterion_main!(benches);
