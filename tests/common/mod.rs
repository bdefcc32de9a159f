//! Helpers for the tests that drive `slotdrill serve` from outside: start it on the orders
//! estate, run the CLI against it, call its ARM API, release v2 into production.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};
use slotdrill_test_support::arm::{ArmPath, resource_path};

pub const ESTATE: &str = "tests/data/orders-estate.toml";
pub static SITE: ArmPath =
    ArmPath::new(|| resource_path("rg-orders", "Microsoft.Web/sites/orders"));
pub static FLOW: ArmPath = ArmPath::new(|| {
    resource_path(
        "rg-orders",
        "Microsoft.Logic/workflows/order-flow?api-version=2019-05-01",
    )
});

/// `slotdrill serve`, stopped when dropped: SIGTERM first, so it deletes the certificate it
/// made, then a kill if it has not exited within five seconds.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let terminated = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `slotdrill serve --estate ESTATE` on a free loopback port.
pub fn serve() -> Server {
    serve_with(&[], Stdio::null())
}

/// The same with `extra` arguments, its log (stderr) going to `stderr`.
pub fn serve_with(extra: &[&str], stderr: Stdio) -> Server {
    serve_estate(ESTATE, extra, stderr)
}

/// `slotdrill serve --estate estate` with `extra` arguments on a free loopback port.
pub fn serve_estate(estate: &str, extra: &[&str], stderr: Stdio) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["serve", "--estate", estate, "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    Server { child, base }
}

/// [`serve_tls_estate`] of [`ESTATE`].
pub fn serve_tls(extra: &[&str]) -> (Server, std::path::PathBuf) {
    serve_tls_estate(ESTATE, extra)
}

/// `slotdrill serve --estate ESTATE --tls` (plus `extra`) on a free loopback port, and the
/// certificate file its second line names.
pub fn serve_tls_estate(estate: &str, extra: &[&str]) -> (Server, std::path::PathBuf) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args([
            "serve",
            "--estate",
            estate,
            "--listen",
            "127.0.0.1:0",
            "--tls",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).expect("first line");
    out.read_line(&mut second).expect("second line");
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let certificate = second
        .trim()
        .strip_prefix("certificate ")
        .unwrap_or_else(|| panic!("unexpected second line {second:?}"))
        .into();
    (Server { child, base }, certificate)
}

/// A client that trusts only the PEM certificate in `path`.
pub fn trusting(path: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(path).expect("certificate file");
    let root = reqwest::Certificate::from_pem(&pem).expect("PEM");
    slotdrill_test_support::client_builder()
        .tls_certs_only([root])
        .build()
        .expect("client")
}

/// One request with `client`, blocking; its answer.
pub fn send_with(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> slotdrill_test_support::arm::Answer {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(slotdrill_test_support::arm::send(
            client,
            method,
            url,
            body,
            Some("t"),
        ))
        .unwrap_or_else(|e| panic!("{url} did not answer: {e}"))
}

/// The CLI with `args`, pointed at `server`.
pub fn slotdrill(server: &Server, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(args)
        .args([
            "--arm-endpoint",
            &server.base,
            "--resource-group",
            "rg-orders",
        ])
        .env_remove("SLOTDRILL_ARM_TOKEN")
        .output()
        .expect("runs")
}

/// Stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One request to `server` (a path on it, or a whole URL): the answer's headers and JSON body
/// (null when none).
pub fn request(
    server: &Server,
    method: &str,
    path_or_url: &str,
    body: Option<Value>,
) -> (reqwest::header::HeaderMap, Value) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_owned()
    } else {
        format!("{}{path_or_url}", server.base)
    };
    let answer = slotdrill_test_support::arm::send_blocking(method, &url, body, Some("t"));
    (answer.headers, answer.body)
}

/// One ARM request to `server`; its JSON answer (null when none).
pub fn arm(server: &Server, method: &str, path: &str, body: Option<Value>) -> Value {
    request(server, method, path, body).1
}

/// Swaps v2 into production over ARM and polls it to the end.
pub fn release_v2(server: &Server) {
    let (headers, _) = request(
        server,
        "POST",
        &format!(
            "{SITE}/slotsswap?api-version={}",
            slotdrill_test_support::arm::WEB_API_VERSION
        ),
        Some(json!({ "targetSlot": "deploy" })),
    );
    let poll = headers["azure-asyncoperation"].to_str().expect("header");
    for _ in 0..10 {
        let status = arm(server, "GET", poll, None)["status"].clone();
        if status != "InProgress" {
            assert_eq!(status, "Succeeded");
            return;
        }
    }
    panic!("the swap never finished");
}
