//! The emulator tests' estate (the reference estate of `slotdrill-test-support`) served in
//! process or over HTTP, and helpers to call its functions.
#![allow(dead_code)] // each test file uses part of it

pub mod arm;
pub mod runtime;
pub mod standard;

use std::net::SocketAddr;
use std::sync::Arc;

use slotdrill_emulator::{Emulator, EmulatorConfig, HostRequest, HostResponse};

pub use slotdrill_test_support::reference_estate as estate;

pub fn emulator(seed: u64) -> Emulator {
    Emulator::new(estate(seed))
}

pub fn emulator_with(seed: u64, config: EmulatorConfig) -> Emulator {
    Emulator::with_config(estate(seed), config)
}

/// The default key of `function` on `slot`.
pub fn key(emulator: &Emulator, slot: &str, function: &str) -> String {
    emulator.read(|e| {
        e.slot("orders", slot)
            .expect("slot")
            .keys()
            .function_default(function)
            .expose()
            .to_owned()
    })
}

pub fn host(slot: &str) -> &'static str {
    match slot {
        "production" => "orders.azurewebsites.net",
        _ => "orders-deploy.azurewebsites.net",
    }
}

/// `POST https://HOST/api/FUNCTION?code=KEY`.
pub fn call(slot: &str, function: &str, key: Option<&str>) -> HostRequest {
    let mut url = format!("https://{}/api/{function}", host(slot));
    if let Some(key) = key {
        url.push_str(&format!("?code={key}"));
    }
    HostRequest::new("POST", &url)
}

/// An emulator served on a loopback port, and a client that resolves the emulated host names to it.
pub struct Served {
    pub emulator: Arc<Emulator>,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    _task: tokio::task::JoinHandle<()>,
}

pub async fn serve(emulator: Emulator) -> Served {
    let emulator = Arc::new(emulator);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn({
        let emulator = Arc::clone(&emulator);
        async move {
            let _ = slotdrill_emulator::http::serve(emulator, listener).await;
        }
    });
    let client = slotdrill_test_support::client_builder()
        .resolve("orders.azurewebsites.net", addr)
        .resolve("orders-deploy.azurewebsites.net", addr)
        .resolve("nowhere.azurewebsites.net", addr)
        .build()
        .expect("client");
    Served {
        emulator,
        addr,
        client,
        _task: task,
    }
}

impl Served {
    /// Sends `request` over HTTP and turns the answer back into a [`HostResponse`].
    pub async fn send(&self, request: &HostRequest) -> HostResponse {
        let query: String = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let url = format!(
            "http://{}:{}{}{}{}",
            request.host,
            self.addr.port(),
            request.path,
            if query.is_empty() { "" } else { "?" },
            query
        );
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = builder.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let served_by = header("x-slotdrill-served-by");
        let latency_ms = header("x-slotdrill-latency-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let cookies: Vec<(String, String)> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| Some(("set-cookie".to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response.json().await.expect("a JSON body");
        HostResponse {
            status,
            body,
            headers: cookies,
            served_by: served_by.map(|s| parse_served_by(&s)),
            latency_ms,
            timed_out: status == 504,
        }
    }
}

fn parse_served_by(text: &str) -> slotdrill_emulator::ServedBy {
    let (app_slot, release) = text.split_once('@').expect("app/slot@release");
    let (app, slot) = app_slot.split_once('/').expect("app/slot");
    slotdrill_emulator::ServedBy {
        app: app.to_owned(),
        slot: slot.to_owned(),
        release: (release != "-").then(|| release.to_owned()),
    }
}
