//! What a partial rollback costs in ARM requests: the engine through `ArmCloud` against the
//! emulator's management API, every request logged. Release v2 breaks k = 2 functions that
//! m = 3 Logic Apps call (`tests/data/two-faulty-estate.toml`). The bounds: at most m workflow
//! reads before planning, one re-read and one write per workflow while applying, and one key
//! read per (slot, function) over the whole run.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use slotdrill_azure::{ArmCloud, ArmConfig, Credential};
use slotdrill_emulator::EmulatorConfig;
use slotdrill_emulator::http::RequestLog;
use slotdrill_engine::{DiagnoseConfig, Mode, Policy, apply, diagnose, observe, plan, verify};
use slotdrill_model::Secret;

const ESTATE: &str = "tests/data/two-faulty-estate.toml";
const WORKFLOWS: usize = 3;

/// The emulator with v2 swapped into production, served on a loopback port; its request log.
fn serve_logged() -> (String, Arc<Mutex<Vec<String>>>) {
    let emulator =
        slotdrill_scenario::load_estate(std::path::Path::new(ESTATE), EmulatorConfig::default())
            .expect("estate")
            .emulator;
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("v2 released");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let log: RequestLog = Arc::new(move |line: &str| {
        sink.lock().expect("log").push(line.to_owned());
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(
                listener,
                slotdrill_emulator::http::router_with_log(Arc::new(emulator), Some(log)),
            )
            .await
            .expect("serves");
        });
    });
    (endpoint, lines)
}

/// Requests of `lines` by kind (`GET workflow`, `PUT workflow`, `POST listkeys APP/SLOT/FN`,
/// `POST slotsswap`), and how many there were in all.
fn tally(lines: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::from([("all requests".to_owned(), lines.len())]);
    for line in lines {
        let (method, rest) = line.split_once(' ').unwrap_or_default();
        let path = rest.split(' ').next().unwrap_or_default();
        let parts: Vec<&str> = path.split('/').collect();
        let kind = match (method, parts.as_slice()) {
            (_, [.., "workflows", _]) => format!("{method} workflow"),
            (_, [.., "sites", app, "functions", function, "listkeys"]) => {
                format!("{method} listkeys {app}/production/{function}")
            }
            (
                _,
                [
                    ..,
                    "sites",
                    app,
                    "slots",
                    slot,
                    "functions",
                    function,
                    "listkeys",
                ],
            ) => {
                format!("{method} listkeys {app}/{slot}/{function}")
            }
            (_, [.., "slotsswap"]) => format!("{method} slotsswap"),
            _ => continue,
        };
        *counts.entry(kind).or_default() += 1;
    }
    counts
}

#[test]
fn a_partial_rollback_of_two_functions_from_three_workflows() {
    let (endpoint, lines) = serve_logged();
    let mut config = ArmConfig::new(
        endpoint,
        slotdrill_model::DEFAULT_SUBSCRIPTION,
        "rg-orders",
        Credential::Token(Secret::new("emulator".to_owned())),
    );
    config.poll_in_real_time = false;
    let cloud = ArmCloud::new(config).expect("client");

    let observation = observe(&cloud).expect("observed");
    let diagnosis = diagnose(&cloud, &observation, &DiagnoseConfig::default()).expect("diagnosed");
    let planned = plan(
        &observation,
        &diagnosis,
        &Policy {
            mode: Mode::Partial,
            ..Policy::default()
        },
    );
    assert!(!planned.is_refused(), "{:?}", planned.decision);
    let faulty = planned.faulty.clone();
    assert_eq!(faulty.len(), 2, "k = 2: {faulty:?}");
    let before_planning = tally(&lines.lock().expect("log"));
    lines.lock().expect("log").clear();

    let dir = tempfile::tempdir().expect("temp dir");
    let report = apply(&cloud, &planned, &dir.path().join("j.jsonl"), None).expect("applied");
    assert_eq!(
        report.performed.len(),
        planned.steps.len(),
        "every step performed"
    );
    let applying = tally(&lines.lock().expect("log"));
    lines.lock().expect("log").clear();
    let checks = verify(&cloud, &planned, 5, false).expect("verified");
    assert!(checks.ok(), "{checks:?}");
    let verifying = tally(&lines.lock().expect("log"));

    assert_eq!(
        before_planning.get("GET workflow"),
        Some(&WORKFLOWS),
        "one read per workflow before planning: {before_planning:?}"
    );
    assert_eq!(
        (applying.get("GET workflow"), applying.get("PUT workflow")),
        (Some(&WORKFLOWS), Some(&WORKFLOWS)),
        "one re-read and one write per workflow: {applying:?}"
    );
    let mut keys: BTreeMap<&String, usize> = BTreeMap::new();
    for counts in [&before_planning, &applying, &verifying] {
        for (kind, n) in counts
            .iter()
            .filter(|(k, _)| k.starts_with("POST listkeys"))
        {
            *keys.entry(kind).or_default() += n;
        }
    }
    assert!(
        keys.values().all(|n| *n == 1),
        "one key read per (slot, function): {keys:?}"
    );
    assert!(
        keys.contains_key(&"POST listkeys orders/deploy/SendInvoice".to_owned())
            && keys.contains_key(&"POST listkeys orders/deploy/ChargeCard".to_owned()),
        "{keys:?}"
    );
    assert!(
        !applying.contains_key("POST slotsswap"),
        "a partial rollback swaps nothing"
    );
    eprintln!(
        "ARM requests for k=2, m=3 — before planning: {before_planning:?}; applying: {applying:?}; verifying: {verifying:?}"
    );
}
