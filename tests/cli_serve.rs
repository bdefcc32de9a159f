//! `slotdrill serve` from the outside: the first stdout line names the address; slots can be
//! listed, a swap started and polled to completion, and the host names then serve the swapped
//! releases; management requests are logged without secrets.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{SITE, Server, serve_with};
use serde_json::{Value, json};

fn start(extra: &[&str]) -> Server {
    serve_with(extra, Stdio::piped())
}

async fn call(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            url,
        )
        .bearer_auth("demo");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_lists_swaps_and_serves_the_swapped_release() {
    let mut server = start(&[]);
    let client = slotdrill_test_support::client();
    let base = server.base.clone();
    let (status, slots, _) = call(
        &client,
        "GET",
        &format!("{base}{SITE}/slots?api-version=2024-11-01"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        slots["value"][0]["properties"]["defaultHostName"],
        "orders-deploy.azurewebsites.net"
    );

    let (status, _, headers) = call(
        &client,
        "POST",
        &format!("{base}{SITE}/slotsswap?api-version=2024-11-01"),
        Some(json!({ "targetSlot": "deploy" })),
    )
    .await;
    assert_eq!(status, 202);
    let poll = headers["azure-asyncoperation"]
        .to_str()
        .expect("header")
        .to_owned();
    assert!(poll.starts_with(&base), "{poll}");
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (_, body, _) = call(&client, "GET", &poll, None).await;
        statuses.push(body["status"].as_str().unwrap_or_default().to_owned());
        if body["status"] != "InProgress" {
            break;
        }
    }
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("Succeeded"),
        "{statuses:?}"
    );

    let (_, keys, _) = call(
        &client,
        "POST",
        &format!("{base}{SITE}/functions/ProcessOrder/listsecrets?api-version=2024-11-01"),
        None,
    )
    .await;
    let key = keys["key"].as_str().expect("key").to_owned();
    let data = client
        .post(format!("{base}/api/ProcessOrder?code={key}"))
        .header("host", "orders.azurewebsites.net")
        .send()
        .await
        .expect("data plane");
    assert_eq!(
        data.headers()["x-slotdrill-served-by"],
        "orders/production@v2"
    );

    drop(client);
    let _ = server.child.kill();
    let mut log = String::new();
    server
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    assert!(
        log.contains(&format!("POST {SITE}/slotsswap -> 202")),
        "{log}"
    );
    assert!(!log.contains(&key), "a key leaked into the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_can_require_a_token() {
    let server = start(&["--require-token", "s3cret"]);
    let client = slotdrill_test_support::client();
    let (status, body, _) = call(
        &client,
        "GET",
        &format!("{}{SITE}?api-version=2024-11-01", server.base),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
}

#[test]
fn serve_with_a_bad_estate_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args([
            "serve",
            "--estate",
            "tests/data/missing.toml",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("tests/data/missing.toml: cannot read the file")
    );
}
