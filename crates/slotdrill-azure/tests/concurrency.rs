//! `ArmCloud` under concurrency, against a gated ARM that holds each request until enough others
//! arrive (or a second passes): reads run in parallel up to `read_concurrency` and never beyond;
//! swaps of one app never overlap, swaps of different apps do.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use slotdrill_azure::{ArmCloud, ArmConfig, Credential};
use slotdrill_engine::Cloud;
use slotdrill_model::Secret;
use tokio::sync::Notify;

/// Holds requests until `open_at` are in flight at once (or `hold` passes). A latched gate then
/// lets everything through; an unlatched one holds each later batch the same way.
#[derive(Default)]
struct Gate {
    open_at: usize,
    hold: Duration,
    latch: bool,
    /// How long a released request still stays in flight: were the client unbounded, more
    /// requests would arrive meanwhile and be counted.
    settle: Duration,
    in_flight: AtomicUsize,
    most: AtomicUsize,
    open: AtomicBool,
    opened: Notify,
    /// Swaps: open operations per app, and how often a swap began while one was open.
    swaps: Mutex<HashMap<String, usize>>,
    polls: Mutex<HashMap<String, usize>>,
    overlaps: AtomicUsize,
}

impl Gate {
    /// Counts a request in and waits at the gate (at most `hold`).
    async fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let opened = self.opened.notified();
        tokio::pin!(opened);
        opened.as_mut().enable();
        if now >= self.open_at {
            self.open.store(self.latch, Ordering::SeqCst);
            self.opened.notify_waiters();
        } else if !self.open.load(Ordering::SeqCst) {
            let _ = tokio::time::timeout(self.hold, opened).await;
        }
        tokio::time::sleep(self.settle).await;
    }
}

async fn answer(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let base = format!(
        "http://{}",
        request.headers()["host"].to_str().expect("host")
    );
    let body = match parts.as_slice() {
        [.., "sites"] => {
            json!({ "value": (0..4).map(|i| json!({ "name": format!("app-{i}"), "properties": { "state": "Running" } })).collect::<Vec<_>>() })
        }
        [.., "slots"] | [.., "functions"] => json!({ "value": [] }),
        [.., "slotConfigNames"] => json!({ "properties": { "appSettingNames": [] } }),
        [.., "appsettings", "list"] => {
            json!({ "properties": { slotdrill_model::RELEASE_SETTING: "v1" } })
        }
        [.., "workflows", name] => {
            json!({ "name": name, "properties": { "version": "1", "definition": { "actions": {} } } })
        }
        [.., "sites", app, "slots", "deploy", "slotsswap"] => {
            let app = (*app).to_owned();
            {
                let mut swaps = gate.swaps.lock().expect("lock");
                let open = swaps.entry(app.clone()).or_default();
                if *open > 0 {
                    gate.overlaps.fetch_add(1, Ordering::SeqCst);
                }
                *open += 1;
            }
            gate.enter().await;
            gate.in_flight.fetch_sub(1, Ordering::SeqCst);
            let id = gate.polls.lock().expect("lock").len();
            gate.polls
                .lock()
                .expect("lock")
                .insert(format!("{app}-{id}"), 0);
            let mut response = axum::http::StatusCode::ACCEPTED.into_response();
            response.headers_mut().insert(
                "azure-asyncoperation",
                format!("{base}/operations/{app}/{app}-{id}")
                    .parse()
                    .expect("header"),
            );
            return response;
        }
        ["operations", app, id] => {
            let polled = {
                let mut polls = gate.polls.lock().expect("lock");
                let count = polls.entry((*id).to_owned()).or_default();
                *count += 1;
                *count
            };
            if polled < 2 {
                return json_response(&json!({ "status": "InProgress" }));
            }
            *gate
                .swaps
                .lock()
                .expect("lock")
                .get_mut(*app)
                .expect("an open swap") -= 1;
            return json_response(&json!({ "status": "Succeeded" }));
        }
        _ => json!({}),
    };
    gate.enter().await;
    gate.in_flight.fetch_sub(1, Ordering::SeqCst);
    json_response(&body)
}

fn json_response(body: &serde_json::Value) -> Response {
    ([("content-type", "application/json")], body.to_string()).into_response()
}

/// `gate` serving on a loopback port, and a cloud with `read_concurrency` reads in flight.
fn gated(gate: Gate, read_concurrency: usize) -> (ArmCloud, Arc<Gate>) {
    let gate = Arc::new(gate);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new().fallback(answer).with_state(Arc::clone(&gate));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app).await.expect("serves");
        });
    });
    let mut config = ArmConfig::new(
        endpoint,
        "sub",
        "rg",
        Credential::Token(Secret::new("t".to_owned())),
    );
    config.read_concurrency = read_concurrency;
    config.poll_in_real_time = false;
    (ArmCloud::new(config).expect("client"), gate)
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn workflow_reads_run_in_parallel_up_to_the_bound() {
    let (cloud, gate) = gated(
        Gate {
            open_at: 3,
            hold: SECOND,
            latch: false,
            settle: Duration::from_millis(50),
            ..Gate::default()
        },
        3,
    );
    // Two batches of three: each held until all three are in.
    let names: Vec<String> = (0..6).map(|i| format!("flow-{i}")).collect();
    let reads = cloud.read_workflows(&names).expect("read");
    let read_names: Vec<String> = reads
        .iter()
        .map(|r| {
            r.document.root["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(read_names, names, "in the order asked for");
    assert_eq!(
        gate.most.load(Ordering::SeqCst),
        3,
        "three reads in flight at once, never four"
    );
}

#[test]
fn an_estate_is_observed_in_parallel_within_the_bound() {
    let (cloud, gate) = gated(
        Gate {
            open_at: 4,
            hold: SECOND,
            latch: true,
            settle: Duration::ZERO,
            ..Gate::default()
        },
        4,
    );
    let apps = cloud.apps().expect("apps");
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["app-0", "app-1", "app-2", "app-3"]);
    assert!(
        apps.iter()
            .all(|a| a.slots.len() == 1 && a.slots[0].release.as_deref() == Some("v1"))
    );
    assert_eq!(gate.most.load(Ordering::SeqCst), 4);

    // Held a little: were the reads parallel, a second would arrive meanwhile.
    let (cloud, gate) = gated(
        Gate {
            open_at: 2,
            hold: Duration::from_millis(40),
            latch: true,
            settle: Duration::ZERO,
            ..Gate::default()
        },
        1,
    );
    let names: Vec<String> = (0..3).map(|i| format!("flow-{i}")).collect();
    cloud.read_workflows(&names).expect("read");
    assert_eq!(
        gate.most.load(Ordering::SeqCst),
        1,
        "read_concurrency 1 reads one at a time"
    );
}

#[test]
fn swaps_of_one_app_never_overlap_but_different_apps_do() {
    let (cloud, gate) = gated(
        Gate {
            open_at: 2,
            hold: SECOND,
            latch: true,
            settle: Duration::ZERO,
            ..Gate::default()
        },
        8,
    );
    std::thread::scope(|scope| {
        for app in ["orders", "orders", "billing"] {
            let cloud = &cloud;
            scope.spawn(move || cloud.swap(app, "deploy", "production").expect("swapped"));
        }
    });
    assert_eq!(
        gate.overlaps.load(Ordering::SeqCst),
        0,
        "a second swap of `orders` began while the first was still running"
    );
    assert!(
        gate.most.load(Ordering::SeqCst) >= 2,
        "swaps of `orders` and `billing` ran at the same time"
    );
}
