//! The emulator's data plane against a bare axum handler that returns the same body, one client
//! in sequence and eight at once (the emulator should keep at least 90% of the bare handler's
//! throughput in both; the ratio is also printed from interleaved batches, steadier than two
//! groups timed seconds apart), in-process invocations, and one run of a 20-action workflow.

use std::future::pending;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use serde_json::{Map, Value, json};
use slotdrill_emulator::arm::ArmRequest;
use slotdrill_emulator::{Emulator, HostRequest};
use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, HostingPlan, Release};
use slotdrill_test_support::bench::{interleaved, measuring};
use slotdrill_wdl::Document;

fn emulator() -> Emulator {
    let mut estate = Estate::new(1);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    let release = (0..20).fold(Release::new("v1"), |r, i| {
        r.with_function(format!("F{i}"), FunctionBehaviour::ok())
    });
    estate.add_release("orders", release).expect("release");
    estate.deploy("orders", "production", "v1").expect("deploy");
    Emulator::new(estate)
}

fn key(emulator: &Emulator) -> String {
    emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .function_keys["default"]
            .expose()
            .to_owned()
    })
}

/// A loopback listener: its address, and the listener to serve on.
async fn listen() -> (std::net::SocketAddr, tokio::net::TcpListener) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    (listener.local_addr().expect("addr"), listener)
}

/// A bare axum router served by `axum::serve`.
async fn spawn(router: axum::Router) -> std::net::SocketAddr {
    let (addr, listener) = listen().await;
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

/// The emulator served as `slotdrill serve` serves it (`serve_with`: its own connection loop, with
/// the header-read timeout and body limit of the default `Limits`), until the process ends.
async fn spawn_emulator(emulator: Arc<Emulator>) -> std::net::SocketAddr {
    let (addr, listener) = listen().await;
    tokio::spawn(async move {
        let limits = slotdrill_emulator::http::Limits::default();
        slotdrill_emulator::http::serve_with(emulator, listener, None, limits, pending())
            .await
            .expect("serve")
    });
    addr
}

/// How many clients the concurrent variant runs at once.
const CLIENTS: u64 = 8;

/// `iters` calls to `url`, `clients` at a time (each client waits for its answer before it
/// sends the next request), each answer checked for 200 and read to its end. The same loop
/// drives both servers, so the only difference measured is the server.
fn calls(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    url: &str,
    iters: u64,
    clients: u64,
) -> Duration {
    let start = Instant::now();
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..clients {
            let (client, url) = (client.clone(), url.to_owned());
            // The first clients take the remainder, so exactly `iters` calls are made.
            let share = iters / clients + u64::from(i < iters % clients);
            tasks.spawn(async move {
                for _ in 0..share {
                    let answer = client.post(&url).send().await.expect("send");
                    assert_eq!(answer.status(), 200);
                    answer.bytes().await.expect("body");
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("client task");
        }
    });
    start.elapsed()
}

/// How many bare/emulated batch pairs [`paired_ratios`] runs per variant, and the calls in each
/// batch.
const PAIRS: usize = 21;
const PAIR_CALLS: u64 = 10_000;

/// The ratio of throughputs (bare time per call / emulated time per call) from batches run in
/// interleaved pairs (`slotdrill_test_support::bench::interleaved`: back to back, which goes
/// first alternating), so both see the same state of the machine, which on a shared machine
/// drifts over seconds — more than the difference measured. Prints the median of the pairs'
/// ratios, with the lowest and highest. The calls and the client loop are `calls`, as in the
/// timed groups.
fn paired_ratios(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    (bare_url, emulated_url): (&str, &str),
    emulator: &Emulator,
) {
    for (variant, clients) in [("sequential", 1), ("8-clients", CLIENTS)] {
        let ratios = interleaved(
            PAIRS,
            || calls(runtime, client, bare_url, PAIR_CALLS, clients),
            || {
                let elapsed = calls(runtime, client, emulated_url, PAIR_CALLS, clients);
                emulator.take_invocations();
                elapsed
            },
        );
        eprintln!(
            "emulator/http/{variant}: emulated throughput / bare, {PAIRS} interleaved pairs of \
             {PAIR_CALLS} calls: median {:.3} (lowest {:.3}, highest {:.3}); fastest over \
             fastest {:.3}",
            ratios.median, ratios.lowest, ratios.highest, ratios.fastest,
        );
    }
}

/// The emulated function, served as `slotdrill serve` serves it, and a bare axum handler that
/// returns the same body, both on loopback, reached by the same host name through one reqwest
/// client (each on its own port): one client calling in sequence, then eight at once. Criterion times each variant on its own; in a
/// benchmark run (not a test, listing or profiling run), [`paired_ratios`] then prints their
/// ratio from interleaved batches.
fn http(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = Arc::new(emulator());
    let key = key(&emulator);
    let body = json!({ "function": "F0", "release": "v1" }).to_string();
    let (emulated, bare) = runtime.block_on(async {
        let emulated = spawn_emulator(Arc::clone(&emulator)).await;
        let bare_body = body.clone();
        let bare = spawn(axum::Router::new().fallback(move || {
            let body = bare_body.clone();
            async move { ([("content-type", "application/json; charset=utf-8")], body) }
        }))
        .await;
        (emulated, bare)
    });
    // Both servers are reached by the same host name on loopback (reqwest's override fixes the
    // address; the URL's port picks the server), so the client parses, resolves and pools the
    // same URL but for the port. With another host name for the bare handler, callgrind showed
    // the client's URL code (parsing, IDNA, percent-decoding) running different amounts per call
    // for the two servers.
    assert_eq!(emulated.ip(), bare.ip());
    let client = slotdrill_azure::client_builder()
        .resolve("orders.azurewebsites.net", emulated)
        .build()
        .expect("client");
    let url = |port: u16| format!("http://orders.azurewebsites.net:{port}/api/F0?code={key}");
    let (emulated_url, bare_url) = (url(emulated.port()), url(bare.port()));

    for (variant, clients) in [("sequential", 1), ("8-clients", CLIENTS)] {
        let mut group = c.benchmark_group(format!("emulator/http/{variant}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("bare-axum", |b| {
            b.iter_custom(|iters| calls(&runtime, &client, &bare_url, iters, clients))
        });
        group.bench_function("emulated-function", |b| {
            b.iter_custom(|iters| {
                let elapsed = calls(&runtime, &client, &emulated_url, iters, clients);
                emulator.take_invocations();
                elapsed
            })
        });
        group.finish();
    }
    if measuring() {
        paired_ratios(&runtime, &client, (&bare_url, &emulated_url), &emulator);
    }
}

fn in_process(c: &mut Criterion) {
    let emulator = emulator();
    let request = HostRequest::new(
        "POST",
        &format!(
            "https://orders.azurewebsites.net/api/F0?code={}",
            key(&emulator)
        ),
    );
    let mut group = c.benchmark_group("emulator/in-process");
    group.throughput(Throughput::Elements(1));
    group.bench_function("invoke", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                assert_eq!(emulator.invoke(&request).status, 200);
            }
            let elapsed = start.elapsed();
            emulator.take_invocations();
            elapsed
        })
    });
    group.finish();
}

/// Resident memory of this process, in bytes (Linux: `/proc/self/statm`, in pages of 4 KiB).
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// What `serve` holds per function call it keeps: 2^18 calls into an emulator that keeps them
/// all, measured as the growth of resident memory (allocator overhead included) and as the
/// emulator's own account (`retained_call_bytes`). A figure in bytes, printed, not timed.
fn serve_memory(_: &mut Criterion) {
    const CALLS: usize = 1 << 18;
    let estate = emulator().read(Clone::clone);
    let config = slotdrill_emulator::EmulatorConfig {
        history: CALLS,
        ..slotdrill_emulator::EmulatorConfig::default()
    };
    let emulator = Emulator::with_config(estate, config);
    let request = HostRequest::new(
        "POST",
        &format!(
            "https://orders.azurewebsites.net/api/F0?code={}",
            key(&emulator)
        ),
    );
    let before = resident_bytes();
    for _ in 0..CALLS {
        assert_eq!(emulator.invoke(&request).status, 200);
    }
    let after = resident_bytes();
    let held = emulator.history();
    assert_eq!(held.retained_calls, CALLS);
    if let (Some(before), Some(after)) = (before, after) {
        eprintln!(
            "emulator/serve-memory: {CALLS} calls kept, resident +{} bytes per call; \
             retained_call_bytes {} per call",
            after.saturating_sub(before) / CALLS,
            held.retained_call_bytes / CALLS,
        );
    }
}

/// Twenty actions: ten Function calls, five Http calls, five Compose, in a Scope and a Foreach.
fn workflow() -> Value {
    let mut inner = Map::new();
    for i in 0..10 {
        inner.insert(format!("Call{i}"), json!({ "type": "Function", "inputs": { "function": { "id":
            format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/orders/functions/F{i}") }, "body": "@triggerBody()" } }));
    }
    for i in 0..5 {
        inner.insert(format!("Http{i}"), json!({ "type": "Http", "inputs": { "method": "POST",
            "uri": format!("https://orders.azurewebsites.net/api/F{}?code=@{{parameters('key')}}", 10 + i), "body": { "n": i } } }));
        inner.insert(format!("Compose{i}"), json!({ "type": "Compose", "inputs": { "call": format!("@body('Http{i}')"), "order": "@triggerBody()?['id']" } }));
    }
    json!({ "parameters": { "key": { "type": "securestring" } },
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": { "All": { "type": "Scope", "actions": inner } } })
}

fn logic_app_run(c: &mut Criterion) {
    let emulator = emulator();
    let key = key(&emulator);
    let resource = json!({ "name": "bench", "properties": { "definition": workflow(), "parameters": { "key": { "value": key } } } });
    let doc = Document::from_value("bench.json", "bench", resource, None).expect("workflow");
    emulator.save_logic_app("bench", doc, None).expect("saved");
    c.bench_function("emulator/run-20-action-workflow", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let run = emulator.run("bench", json!({ "id": 1 })).expect("runs");
                total += start.elapsed();
                assert_eq!(run.actions.len(), 21);
                emulator.take_invocations();
            }
            total
        })
    });
}

// serve_memory first: its figure is the growth of resident memory, which memory the allocator
// kept from earlier benches in this process would hide.
criterion_group!(
    benches,
    serve_memory,
    http,
    in_process,
    logic_app_run,
    management
);
/// A management request as a client sends it (any bearer token is accepted).
fn arm(method: &str, path: &str, body: Option<Value>) -> ArmRequest {
    ArmRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: vec![(
            "api-version".to_owned(),
            if path.contains("Microsoft.Logic") {
                "2019-05-01"
            } else {
                "2024-11-01"
            }
            .to_owned(),
        )],
        headers: vec![("authorization".to_owned(), "Bearer bench".to_owned())],
        body,
        base_url: "http://127.0.0.1:1".to_owned(),
    }
}

const GROUP: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill";

/// `apps` apps with production (v1) and `deploy` (v2), ten functions each.
fn large_estate(apps: usize) -> Estate {
    let mut estate = Estate::new(1);
    for i in 0..apps {
        let app = format!("app-{i:05}");
        estate
            .add_app(AppSpec::new(&app, HostingPlan::Premium))
            .expect("app");
        for id in ["v1", "v2"] {
            let release = (0..10).fold(Release::new(id), |r, f| {
                r.with_function(format!("F{f}"), FunctionBehaviour::ok())
            });
            estate.add_release(&app, release).expect("release");
        }
        estate.create_slot(&app, "deploy", None).expect("slot");
        estate.deploy(&app, "production", "v1").expect("deploy");
        estate.deploy(&app, "deploy", "v2").expect("deploy");
    }
    estate
}

/// The management plane's paths that grew with the estate or the history: a swap request in a
/// 5,000-app estate; listing the actions of a run whose Foreach ran 100 actions 100 times; saving
/// a workflow that keeps 2,000 runs; a read after 2,000 finished swap operations.
fn management(c: &mut Criterion) {
    let mut group = c.benchmark_group("emulator/management");
    group.sample_size(20);

    let emulator = Emulator::new(large_estate(5_000));
    let site = format!("{GROUP}/providers/Microsoft.Web/sites/app-02500");
    let swap = arm(
        "POST",
        &format!("{site}/slotsswap"),
        Some(json!({ "targetSlot": "deploy" })),
    );
    let read = arm("GET", &site, None);
    group.bench_function("swap-request-5000-apps", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                assert_eq!(emulator.manage(&swap).status, 202);
                total += start.elapsed();
                // The operation completes before the next request (not timed).
                emulator.advance(600_000);
                assert_eq!(emulator.manage(&read).status, 200);
            }
            total
        })
    });
    drop(emulator);

    let emulator = self::emulator();
    let mut inner = Map::new();
    for i in 0..100 {
        inner.insert(
            format!("Compose{i:03}"),
            json!({ "type": "Compose", "inputs": "@item()" }),
        );
    }
    let definition = json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": { "Each": { "type": "Foreach", "foreach": "@triggerBody()",
            "operationOptions": "Sequential", "actions": inner } } });
    let doc = Document::from_value(
        "loop.json",
        "loop",
        json!({ "definition": definition }),
        None,
    )
    .expect("workflow");
    emulator.save_logic_app("loop", doc, None).expect("saved");
    let run = emulator
        .run("loop", Value::Array((0..100).map(Value::from).collect()))
        .expect("runs");
    assert_eq!(run.actions.len(), 1 + 100 * 100);
    let actions = arm(
        "GET",
        &format!(
            "{GROUP}/providers/Microsoft.Logic/workflows/loop/runs/{}/actions",
            run.name
        ),
        None,
    );
    group.bench_function("list-actions-of-a-10000-record-run", |b| {
        b.iter(|| assert_eq!(emulator.manage(&actions).status, 200))
    });

    let key = key(&emulator);
    let resource = json!({ "name": "bench", "properties": { "definition": workflow(), "parameters": { "key": { "value": key } } } });
    let doc = Document::from_value("bench.json", "bench", resource, None).expect("workflow");
    emulator
        .save_logic_app("bench", doc.clone(), None)
        .expect("saved");
    for i in 0..2_000 {
        emulator.run("bench", json!({ "id": i })).expect("runs");
    }
    emulator.take_invocations();
    group.bench_function("save-a-workflow-with-2000-runs", |b| {
        b.iter(|| {
            emulator
                .save_logic_app("bench", doc.clone(), None)
                .expect("saved")
        })
    });
    drop(emulator);

    let emulator = self::emulator();
    emulator
        .change(|e| e.create_slot("orders", "deploy", None))
        .expect("slot");
    let site = format!("{GROUP}/providers/Microsoft.Web/sites/orders");
    let swap = arm(
        "POST",
        &format!("{site}/slotsswap"),
        Some(json!({ "targetSlot": "deploy" })),
    );
    let read = arm("GET", &site, None);
    for _ in 0..2_000 {
        assert_eq!(emulator.manage(&swap).status, 202);
        emulator.advance(600_000);
        assert_eq!(emulator.manage(&read).status, 200);
    }
    assert_eq!(emulator.history().retained_operations, 2_000);
    group.bench_function("read-after-2000-finished-swaps", |b| {
        b.iter(|| assert_eq!(emulator.manage(&read).status, 200))
    });
    group.finish();
}

slotdrill_test_support::bench_main!("emulator bench", benches);
