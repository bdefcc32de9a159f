//! Issue 18, `serve` as a long-running local service, from the outside: tokens from the
//! environment (never on the command line, never in the log), a non-loopback address refused
//! without a token, a prompt stop on SIGTERM that says so, `--quiet`, a header-read timeout and
//! a body limit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ESTATE: &str = "tests/data/orders-estate.toml";

/// `slotdrill serve` with `args` and `env`, killed when dropped.
struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slotdrill"));
    command
        .args(["serve", "--estate", ESTATE])
        .args(args)
        .env_remove("SLOTDRILL_REQUIRE_TOKEN")
        .env_remove("SLOTDRILL_ADMIN_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `serve` and waits for its `listening on` line (so nothing races its start).
fn serve(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut args = args.to_vec();
    if !args.contains(&"--listen") {
        args.extend(["--listen", "127.0.0.1:0"]);
    }
    let mut child = command(&args, env).spawn().expect("serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    Served { child, base }
}

/// Stops `served` and returns everything it wrote to stderr.
fn stderr_of(mut served: Served) -> String {
    let _ = served.child.kill();
    let _ = served.child.wait();
    let mut log = String::new();
    served
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    log
}

/// One HTTP/1.1 request on a fresh connection: the status code.
fn status(base: &str, method: &str, path: &str, token: Option<&str>) -> u16 {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{authorization}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

const SITES: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites?api-version=2024-11-01";

#[test]
fn the_management_token_can_come_from_the_environment_and_never_reaches_the_log() {
    let served = serve(&[], &[("SLOTDRILL_REQUIRE_TOKEN", "env-s3cret")]);
    assert_eq!(status(&served.base, "GET", SITES, Some("wrong")), 401);
    assert_eq!(status(&served.base, "GET", SITES, Some("env-s3cret")), 200);
    // The admin API takes the same token unless it has its own.
    assert_eq!(status(&served.base, "GET", "/_slotdrill/state", None), 401);
    assert_eq!(
        status(&served.base, "GET", "/_slotdrill/state", Some("env-s3cret")),
        200
    );
    let log = stderr_of(served);
    assert!(!log.contains("env-s3cret"), "{log}");
}

#[test]
fn the_admin_api_takes_its_own_token_from_a_flag_or_the_environment() {
    for (args, env) in [
        (vec!["--admin-token", "adm1n"], vec![]),
        (vec![], vec![("SLOTDRILL_ADMIN_TOKEN", "adm1n")]),
    ] {
        let served = serve(&args, &env);
        assert_eq!(status(&served.base, "GET", "/_slotdrill/state", None), 401);
        assert_eq!(
            status(&served.base, "GET", "/_slotdrill/state", Some("other")),
            401
        );
        assert_eq!(
            status(&served.base, "GET", "/_slotdrill/state", Some("adm1n")),
            200
        );
        // The management API still takes any token: only --require-token changes that.
        assert_eq!(status(&served.base, "GET", SITES, Some("anything")), 200);
        let log = stderr_of(served);
        assert!(!log.contains("adm1n"), "{log}");
    }
}

#[test]
fn help_names_the_environment_variables_and_prefers_them() {
    let output = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["serve", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "SLOTDRILL_REQUIRE_TOKEN",
        "SLOTDRILL_ADMIN_TOKEN",
        "--quiet",
        "visible to other users",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
}

#[test]
fn a_non_loopback_address_needs_a_token_and_warns() {
    let mut child = command(&["--listen", "0.0.0.0:0"], &[])
        .spawn()
        .expect("serve starts");
    // Its first line (or the end of its output): a server that listened is killed, not awaited.
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    if !first.is_empty() {
        let _ = child.kill();
    }
    let refused = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(first, "", "it never listened");
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0.0.0.0:0 is not a loopback address")
            && stderr.contains("--require-token"),
        "{stderr}"
    );
    let served = serve(
        &["--listen", "0.0.0.0:0"],
        &[("SLOTDRILL_REQUIRE_TOKEN", "n3twork")],
    );
    let log = stderr_of(served);
    assert!(log.contains("warning: serving on 0.0.0.0:"), "{log}");
    assert!(!log.contains("n3twork"), "{log}");
}

#[test]
fn sigterm_stops_promptly_with_an_idle_connection_open_and_says_so() {
    let mut served = serve(&[], &[]);
    // An idle keep-alive connection: graceful shutdown must not wait for it.
    let address = served.base.trim_start_matches("http://").to_owned();
    let mut idle = TcpStream::connect(&address).expect("connects");
    write!(
        idle,
        "GET {SITES} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer t\r\n\r\n"
    )
    .expect("sent");
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).expect("answered");
    assert_eq!(&first, b"HTTP/1.1 200");
    let started = Instant::now();
    let signalled = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let status = served.child.wait().expect("exits");
    let elapsed = started.elapsed();
    let mut rest = String::new();
    served
        .child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut rest)
        .expect("stdout");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(rest.contains("stopped (SIGTERM)"), "{rest:?}");
    assert!(
        elapsed < Duration::from_millis(1_000),
        "took {elapsed:?} to stop"
    );
}

#[test]
fn quiet_logs_no_requests() {
    let served = serve(&["--quiet"], &[]);
    assert_eq!(status(&served.base, "GET", SITES, Some("t")), 200);
    let log = stderr_of(served);
    assert!(!log.contains("GET /subscriptions"), "{log}");
    let loud = serve(&[], &[]);
    assert_eq!(status(&loud.base, "GET", SITES, Some("t")), 200);
    let log = stderr_of(loud);
    assert!(log.contains("GET /subscriptions"), "{log}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let served = serve(&["--header-timeout-ms", "300"], &[]);
    let address = served.base.trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(&address).expect("connects");
    // A guard so that a server without the timeout fails the test instead of hanging it.
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let started = Instant::now();
    write!(slow, "GET {SITES} HTTP/1.1\r\nHost: {address}\r\n").expect("sent");
    let mut answer = Vec::new();
    let read = slow.read_to_end(&mut answer);
    let elapsed = started.elapsed();
    assert!(read.is_ok(), "the server closed the connection: {read:?}");
    assert!(
        elapsed >= Duration::from_millis(300),
        "not before the timeout: {elapsed:?}"
    );
    // hyper answers a header-read timeout by closing, or with 408.
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[test]
fn an_oversized_body_gets_413_before_it_is_read() {
    let served = serve(&[], &[]);
    let address = served.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    // Declares 5 MiB, sends a little: the limit is judged on the declared length.
    write!(
        stream,
        "PUT /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Logic/workflows/big?api-version=2019-05-01 HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"properties\":",
        5 * 1024 * 1024
    )
    .expect("sent");
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).expect("answered");
    assert_eq!(&head, b"HTTP/1.1 413");
}
