//! The listener's own rules, over raw TCP. Its header-read timeout: a connection waiting for a
//! request's head is closed a timeout after it opened or after its last answer was written out,
//! and a request being answered (its head read, its body still arriving) is never cut by it. The
//! rule is hyper's `header_read_timeout`, which the listener keeps per connection
//! (`connection.rs`). And `HEAD`: the listener answers without axum's router, which sets a
//! `HEAD` answer's length and drops its body; the bytes sent are the same either way.
//!
//! Real time, as a real network is involved: the timeout is 300 ms (one second where the client
//! must keep pace with it), and each check is a bound that a wrong clock would break (counted
//! from the connection's opening rather than from the last answer, or running while a request
//! is answered).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::arm::{SITE, WEB_API_VERSION};
use slotdrill_emulator::http::{Limits, router, serve_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_millis(300);
/// Any read that the server should end at once or within the timeout; only a broken listener
/// makes a test wait this long, and then it fails rather than hangs.
const GUARD: Duration = Duration::from_secs(20);
const ROOT: &str = "GET / HTTP/1.1\r\nHost: orders.azurewebsites.net\r\n\r\n";

/// The reference estate on a loopback port, with a 300 ms header-read timeout.
async fn serve() -> SocketAddr {
    serve_timing_out_after(TIMEOUT).await
}

/// The reference estate on a loopback port, with this header-read timeout.
async fn serve_timing_out_after(timeout: Duration) -> SocketAddr {
    let emulator = Arc::new(common::emulator(1));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let limits = Limits {
        header_read_timeout: timeout,
        ..Limits::default()
    };
    tokio::spawn(serve_with(
        emulator,
        listener,
        None,
        limits,
        std::future::pending(),
    ));
    addr
}

/// Reads one answer's head; its text.
async fn head(stream: &mut TcpStream) -> String {
    let mut read = Vec::new();
    let mut byte = [0u8; 1];
    while !read.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(GUARD, stream.read(&mut byte))
            .await
            .expect("answered in time")
            .expect("read");
        assert_eq!(n, 1, "the connection closed before an answer: {read:?}");
        read.push(byte[0]);
    }
    String::from_utf8(read).expect("an ASCII head")
}

/// An answer head's `Content-Length`.
fn length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .and_then(|l| l.trim().parse().ok())
        .expect("a content length")
}

/// Reads one answer (head and `Content-Length` body); its status line.
async fn answer(stream: &mut TcpStream) -> String {
    let head = head(stream).await;
    let mut body = vec![0u8; length(&head)];
    tokio::time::timeout(GUARD, stream.read_exact(&mut body))
        .await
        .expect("the body in time")
        .expect("read");
    head.lines().next().unwrap_or_default().to_owned()
}

/// Waits until the server closes the connection; what it sent before closing.
async fn closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut rest))
        .await
        .expect("the server closed the connection")
        .expect("read");
    rest
}

/// Each answer restarts the clock: requests spaced under the timeout keep a connection open
/// past it, and a head left unfinished afterwards is cut a timeout after the last request, not
/// before. A one-second timeout here, so that a busy machine's stall between an answer and the
/// next request (up to 600 ms) cannot close the connection first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_answer_restarts_the_clock_and_an_unfinished_head_is_cut() {
    let timeout = Duration::from_secs(1);
    let addr = serve_timing_out_after(timeout).await;
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let spacing = timeout * 2 / 5;
    let mut last_request = Instant::now();
    for _ in 0..4 {
        tokio::time::sleep(spacing).await;
        last_request = Instant::now();
        stream.write_all(ROOT.as_bytes()).await.expect("sent");
        assert_eq!(answer(&mut stream).await, "HTTP/1.1 200 OK");
    }
    // Four spacings (1.6 s) are past the timeout counted from the opening.
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: orders.azurewebsites.net\r\n")
        .await
        .expect("sent");
    let rest = closed(&mut stream).await;
    assert!(
        last_request.elapsed() >= timeout,
        "cut {:?} after the last request",
        last_request.elapsed()
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

/// A connection that sends nothing is closed a timeout after it opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_timeout() {
    let addr = serve().await;
    let opened = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    closed(&mut stream).await;
    assert!(
        opened.elapsed() >= TIMEOUT,
        "cut after {:?}",
        opened.elapsed()
    );
}

/// A request whose head has been read is answered however long its body takes: the body
/// arrives over more than twice the timeout, and the answer still comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_being_answered_is_not_cut() {
    let addr = serve().await;
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let body = b"{\"order\": 1234567890}";
    let head = format!(
        "POST /api/ProcessOrder HTTP/1.1\r\nHost: orders.azurewebsites.net\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    let started = Instant::now();
    for chunk in body.chunks(body.len().div_ceil(7)) {
        tokio::time::sleep(TIMEOUT / 3).await;
        stream
            .write_all(chunk)
            .await
            .expect("the connection is still open");
    }
    assert!(started.elapsed() >= TIMEOUT * 2);
    // No key: the function host refuses the call, once it has read the body.
    assert_eq!(answer(&mut stream).await, "HTTP/1.1 401 Unauthorized");
}

/// A `HEAD` request is answered with the status and length its body would have, and no body, on
/// the listener as under axum's router: the next answer on the connection follows the head at
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_is_answered_alike_by_the_listener_and_the_router() {
    let listener = serve().await;
    let routed = {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = tcp.local_addr().expect("addr");
        let app = router(Arc::new(common::emulator(1)));
        tokio::spawn(async move { axum::serve(tcp, app).await });
        addr
    };
    let head_request = format!(
        "HEAD {SITE}/orders?api-version={WEB_API_VERSION} HTTP/1.1\r\n\
         Host: management.azure.com\r\nAuthorization: Bearer any-token\r\n\r\n"
    );
    let mut seen = Vec::new();
    for addr in [listener, routed] {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(head_request.as_bytes())
            .await
            .expect("sent");
        let headed = head(&mut stream).await;
        assert!(
            length(&headed) > 0,
            "an answer with a body to leave out: {headed}"
        );
        stream.write_all(ROOT.as_bytes()).await.expect("sent");
        assert_eq!(
            answer(&mut stream).await,
            "HTTP/1.1 200 OK",
            "no body after HEAD"
        );
        seen.push((headed.lines().next().map(str::to_owned), length(&headed)));
    }
    assert_eq!(seen[0], seen[1]);
}

/// A timeout too long for the clock to add (`serve --header-timeout-ms` takes any `u64`) is as
/// good as none: requests are answered, none fails on an overflowing deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_past_the_clock_s_range_serves_as_none() {
    let addr = serve_timing_out_after(Duration::MAX).await;
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    for _ in 0..2 {
        stream.write_all(ROOT.as_bytes()).await.expect("sent");
        assert_eq!(answer(&mut stream).await, "HTTP/1.1 200 OK");
    }
}
