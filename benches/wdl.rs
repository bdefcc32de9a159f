//! Scanning workflows for function calls: one 250-action workflow, and 10,000 small workflows.

use criterion::{Criterion, criterion_group};
use serde_json::{Map, Value, json};
use slotdrill_wdl::{Document, Hints, find_calls};

/// A workflow of `actions` actions: a third are Function calls, a third Http calls, the rest
/// Compose, spread over nested scopes, conditions and loops.
fn workflow(actions: usize, seed: usize) -> Value {
    let mut top = Map::new();
    let mut scope = Map::new();
    for i in 0..actions {
        let name = format!("Action{seed}_{i}");
        let action = match i % 3 {
            0 => json!({ "type": "Function", "inputs": { "function": { "id": format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app{}/functions/F{}", i % 7, i % 11) } } }),
            1 => json!({ "type": "Http", "inputs": { "method": "POST",
                "uri": format!("@{{parameters('base{}')}}/api/F{}?code=@{{parameters('key')}}", i % 2, i % 5) } }),
            _ => json!({ "type": "Compose", "inputs": "@triggerBody()" }),
        };
        if i % 4 == 0 {
            top.insert(name, action);
        } else {
            scope.insert(name, action);
        }
    }
    top.insert("Nested".into(), json!({ "type": "Scope", "actions": {
        "Loop": { "type": "Foreach", "foreach": "@triggerBody()", "actions": {
            "Check": { "type": "If", "expression": "@true", "actions": scope, "else": { "actions": {} } } } } } }));
    json!({
        "parameters": {
            "base0": { "type": "string", "defaultValue": "https://orders.azurewebsites.net" },
            "base1": { "type": "string", "defaultValue": "https://billing-deploy.azurewebsites.net" },
            "key": { "type": "securestring" }
        },
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": top
    })
}

fn scan(c: &mut Criterion) {
    let hints = Hints::default();
    let big = Document::from_value("big.json", "big", workflow(250, 0), None).expect("workflow");
    c.bench_function("wdl/find_calls/one-250-action-workflow", |b| {
        b.iter(|| find_calls(&big, &hints))
    });
    let many: Vec<Document> = (0..10_000)
        .map(|i| {
            Document::from_value("w.json", &format!("w{i}"), workflow(10, i), None)
                .expect("workflow")
        })
        .collect();
    let mut group = c.benchmark_group("wdl/find_calls");
    group.sample_size(10);
    group.bench_function("10000-workflows-of-10-actions", |b| {
        b.iter(|| {
            many.iter()
                .map(|d| find_calls(d, &hints).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, scan);
slotdrill_test_support::bench_main!("wdl bench", benches);
