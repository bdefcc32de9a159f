//! `--live` means "this is Azure Resource Manager", wherever the endpoint is: a local ARM
//! stand-in (or a proxy) on a loopback address gets the credential chain's token, the live rails
//! (probes off by default, `--subscription` required) and no emulator shortcut. The stand-in here
//! is a small axum server that records every request and answers an estate of one app; it also
//! serves the client-secret token endpoint, so the whole chain runs without Azure.

mod common;

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use common::text;
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "11111111-2222-3333-4444-555555555555";
/// What the stand-in's token endpoint issues.
const ISSUED: &str = "token-issued-by-the-stand-in";
/// What `SLOTDRILL_ARM_TOKEN` holds in the second case.
const FROM_VARIABLE: &str = "token-from-the-variable";
/// The emulator's placeholder, which must never reach a live endpoint.
const EMULATOR_TOKEN: &str = "slotdrill-emulator";

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: String,
    body: String,
}

fn site(name: &str, host: &str) -> Value {
    json!({
        "name": name,
        "properties": {
            "state": "Running",
            "defaultHostName": host,
            "lastModifiedTimeUtc": "2026-11-26T09:00:00Z"
        }
    })
}

/// The answer to `method path`: an app `orders` with a `deploy` slot, no workflows.
fn answer(method: &str, path: &str) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", [.., "oauth2", "v2.0", "token"]) => (
            200,
            json!({ "token_type": "Bearer", "expires_in": 3600, "access_token": ISSUED }),
        ),
        ("GET", [.., "Microsoft.Web", "sites"]) => (
            200,
            json!({ "value": [site("orders", "orders.azurewebsites.net")] }),
        ),
        ("GET", [.., "sites", "orders", "slots"]) => (
            200,
            json!({ "value": [site("orders/deploy", "orders-deploy.azurewebsites.net")] }),
        ),
        ("GET", [.., "config", "slotConfigNames"]) => {
            (200, json!({ "properties": { "appSettingNames": [] } }))
        }
        ("POST", [.., "config", "appsettings", "list"]) => {
            let release = if path.contains("/slots/") { "v2" } else { "v1" };
            (
                200,
                json!({ "properties": { "SLOTDRILL_RELEASE": release } }),
            )
        }
        ("GET", [.., "functions"]) => (
            200,
            json!({ "value": [{ "name": "orders/ProcessOrder", "properties": { "name": "ProcessOrder" } }] }),
        ),
        ("GET", [.., "Microsoft.Logic", "workflows"]) => (200, json!({ "value": [] })),
        _ => (
            404,
            json!({ "error": { "code": "NotFound", "message": format!("{method} {path}") } }),
        ),
    }
}

/// Starts the stand-in on a free loopback port: its address and what it received.
fn stand_in() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let handler = move |request: Request| {
        let sink = Arc::clone(&sink);
        async move {
            let method = request.method().to_string();
            let path = request.uri().path().to_owned();
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let (status, json) = answer(&method, &path);
            sink.lock().expect("log").push(Seen {
                method,
                path,
                authorization,
                body,
            });
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(json.to_string()))
                .expect("response")
        }
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, axum::Router::new().fallback(handler))
                .await
                .expect("serves");
        });
    });
    (address, seen)
}

/// `slotdrill ARGS --arm-endpoint ENDPOINT --resource-group rg` with only the variables in
/// `env` among the credential ones.
fn slotdrill(args: &[&str], endpoint: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slotdrill"));
    command
        .args(args)
        .args(["--arm-endpoint", endpoint, "--resource-group", "rg"]);
    for name in [
        "SLOTDRILL_ARM_TOKEN",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_AUTHORITY_HOST",
    ] {
        command.env_remove(name);
    }
    // No Azure CLI to fall back on: the chain must use what `env` gives.
    command.env("PATH", "");
    command.envs(env.iter().copied());
    command.output().expect("runs")
}

/// The ARM requests among `seen` (not the token request).
fn arm_requests(seen: &[Seen]) -> Vec<Seen> {
    seen.iter()
        .filter(|s| s.path.starts_with("/subscriptions/"))
        .cloned()
        .collect()
}

/// What every live dry run against the stand-in must show: the estate was read with `token`,
/// inside the subscription, nothing was written and no function was called.
fn assert_live_dry_run(seen: &[Seen], token: &str, output: &Output) {
    let arm = arm_requests(seen);
    assert!(
        arm.iter()
            .any(|s| s.method == "GET" && s.path.ends_with("/Microsoft.Web/sites")),
        "the estate was read: {arm:?}\n{}",
        text(output)
    );
    for request in seen {
        assert!(
            !request.authorization.contains(EMULATOR_TOKEN),
            "the emulator's placeholder token went to a live endpoint: {} {}",
            request.method,
            request.path
        );
    }
    for request in &arm {
        assert_eq!(
            request.authorization,
            format!("Bearer {token}"),
            "{} {}",
            request.method,
            request.path
        );
        assert!(
            request
                .path
                .starts_with(&format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/")),
            "{}",
            request.path
        );
        // A dry run reads: GETs, and the POSTs ARM uses for reading (`…/list`).
        let read = request.method == "GET"
            || (request.method == "POST" && request.path.ends_with("/list"));
        assert!(read, "a dry run wrote: {} {}", request.method, request.path);
        // Probes are off by default against ARM: no key is read, no function called.
        assert!(
            !request.path.contains("listkeys") && !request.path.contains("/api/"),
            "a probe ran: {}",
            request.path
        );
    }
    assert!(
        seen.iter().all(|s| !s.path.starts_with("/api/")),
        "a function was called on the stand-in"
    );
    assert!(
        text(output).contains("probes off"),
        "probes are off by default with --live: {}",
        text(output)
    );
    assert!(
        !text(output).contains(token),
        "the token was printed: {}",
        text(output)
    );
}

#[test]
fn live_on_a_loopback_endpoint_uses_the_client_secret_chain_and_the_live_rails() {
    let (endpoint, seen) = stand_in();
    let output = slotdrill(
        &["plan", "--live", "--subscription", SUBSCRIPTION],
        &endpoint,
        &[
            ("AZURE_TENANT_ID", "tenant-1"),
            ("AZURE_CLIENT_ID", "client-1"),
            ("AZURE_CLIENT_SECRET", "secret-that-must-not-leak"),
            ("AZURE_AUTHORITY_HOST", &endpoint),
        ],
    );
    let seen = seen.lock().expect("log").clone();
    let token_requests: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path.ends_with("/oauth2/v2.0/token"))
        .collect();
    assert_eq!(
        token_requests.len(),
        1,
        "one token, fetched from the authority: {seen:?}\n{}",
        text(&output)
    );
    assert_eq!(token_requests[0].path, "/tenant-1/oauth2/v2.0/token");
    // The token is for Azure Resource Manager, not for the stand-in's own address.
    assert!(
        token_requests[0]
            .body
            .contains("scope=https%3A%2F%2Fmanagement.azure.com%2F.default"),
        "{}",
        token_requests[0].body
    );
    assert_live_dry_run(&seen, ISSUED, &output);
    assert!(!text(&output).contains("secret-that-must-not-leak"));
}

#[test]
fn live_on_a_loopback_endpoint_sends_the_token_of_the_variable() {
    let (endpoint, seen) = stand_in();
    let output = slotdrill(
        &["status", "--live", "--subscription", SUBSCRIPTION],
        &endpoint,
        &[("SLOTDRILL_ARM_TOKEN", FROM_VARIABLE)],
    );
    let seen = seen.lock().expect("log").clone();
    assert!(
        output.status.success(),
        "status against the stand-in: {}",
        text(&output)
    );
    assert_live_dry_run_reads(&seen, FROM_VARIABLE, &output);
}

/// `status` probes nothing and says nothing about probes: only the reads and the token.
fn assert_live_dry_run_reads(seen: &[Seen], token: &str, output: &Output) {
    let arm = arm_requests(seen);
    assert!(!arm.is_empty(), "{}", text(output));
    for request in &arm {
        assert_eq!(request.authorization, format!("Bearer {token}"));
        assert!(request.method == "GET" || request.path.ends_with("/list"));
    }
}

#[test]
fn live_on_a_loopback_endpoint_still_needs_a_subscription_and_credentials() {
    let (endpoint, seen) = stand_in();
    let no_subscription = slotdrill(
        &["plan", "--live"],
        &endpoint,
        &[("SLOTDRILL_ARM_TOKEN", FROM_VARIABLE)],
    );
    assert_eq!(no_subscription.status.code(), Some(2));
    assert!(
        text(&no_subscription).contains("--live needs --subscription"),
        "{}",
        text(&no_subscription)
    );
    // No credential anywhere (no variables, no az on PATH): refused before any request.
    let no_credentials = slotdrill(
        &["plan", "--live", "--subscription", SUBSCRIPTION],
        &endpoint,
        &[],
    );
    assert_eq!(
        no_credentials.status.code(),
        Some(2),
        "{}",
        text(&no_credentials)
    );
    assert!(
        text(&no_credentials).contains("no credentials"),
        "{}",
        text(&no_credentials)
    );
    assert!(
        seen.lock().expect("log").is_empty(),
        "nothing reached the endpoint"
    );
}

#[test]
fn without_live_a_loopback_endpoint_is_the_emulator_and_a_remote_one_is_refused() {
    let (endpoint, seen) = stand_in();
    let emulator = slotdrill(&["status"], &endpoint, &[]);
    assert!(emulator.status.success(), "{}", text(&emulator));
    let seen = seen.lock().expect("log").clone();
    assert!(
        arm_requests(&seen)
            .iter()
            .all(|s| s.authorization == format!("Bearer {EMULATOR_TOKEN}")),
        "{seen:?}"
    );
    let remote = slotdrill(&["status"], "https://management.example.invalid", &[]);
    assert_eq!(remote.status.code(), Some(2));
    assert!(text(&remote).contains("pass --live"), "{}", text(&remote));
}
