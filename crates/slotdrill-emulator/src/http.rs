//! The emulator over real HTTP: one listener serves every function host (routed by the `Host`
//! header), the ARM-compatible management plane (paths under `/subscriptions/`) and the admin API
//! (`/_slotdrill/`). [`router`] is the same as an axum `Router`.
//!
//! [`serve_with`] (and [`serve`]) is the listener a long-running `serve` needs: a client gets
//! [`Limits::header_read_timeout`] to send a request's headers (a half-open connection is closed,
//! not kept for ever), a body over [`Limits::max_body`] is refused with 413 before it is read,
//! and on shutdown idle keep-alive connections close at once while requests in flight get
//! [`SHUTDOWN_GRACE`] to finish.
//!
//! With a [`TlsIdentity`] ([`serve_tls_with`]) the same listener speaks HTTPS only: each
//! connection's handshake runs in its own task, bounded by the header-read timeout. The links an
//! answer holds (`Location`, `Azure-AsyncOperation`, `nextLink`, callback and function URLs)
//! use the scheme and host the client used: the listener's scheme and the `Host` header, or a
//! TLS-terminating proxy's `X-Forwarded-Proto` (`http`/`https`) and `X-Forwarded-Host` (their
//! first values) when it sends them.

use std::future::{Future, Ready, ready};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody, to_bytes};
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode, request::Parts};

use crate::answer::{Answered, json_bytes};
use crate::arm::{ArmRequest, ArmResponse, admin};
use crate::connection::connection;
use crate::emulator::Emulator;
use crate::incoming::{Incoming, query_parts};
use crate::tls::TlsIdentity;

/// The largest request body by default: 4 MiB, ARM's limit for a template or a parameter file
/// (Learn, "ARM template best practices": "Limit the size of your template to 4 MB").
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// How long a client may take to send a request's headers by default.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long requests in flight may take to finish once shutdown starts (a `latency` fault may
/// hold one for minutes; a stop should not wait for it).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What the listener allows a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// The largest request body, in bytes.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_body: MAX_BODY,
        }
    }
}

/// Called once per management request with a line that holds no secret (method, path, status).
pub type RequestLog = Arc<dyn Fn(&str) + Send + Sync>;

/// The router, without request logging.
pub fn router(emulator: Arc<Emulator>) -> Router {
    router_with_log(emulator, None)
}

/// The router; `log` receives one line per management request.
pub fn router_with_log(emulator: Arc<Emulator>, log: Option<RequestLog>) -> Router {
    let frontend = Frontend {
        emulator,
        log,
        max_body: MAX_BODY,
        scheme: "http",
    };
    Router::new().fallback(move |request: Request<Body>| frontend.answer(request))
}

/// What answers every request, whichever the host, path or method: the router's fallback
/// ([`router`]) and each connection of the listener ([`serve_with`], which calls it directly:
/// it routes by `Host` and path itself, so axum's routing would only add work to every call).
#[derive(Clone)]
struct Frontend {
    emulator: Arc<Emulator>,
    log: Option<RequestLog>,
    max_body: usize,
    /// The listener's: what links say unless a proxy's `X-Forwarded-Proto` differs.
    scheme: &'static str,
}

impl Frontend {
    /// The answer to `request`: made at once when its body has ended (most function calls),
    /// else once the body is read.
    fn answer<B>(&self, request: Request<B>) -> Dispatch
    where
        B: HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let (parts, body) = request.into_parts();
        match answer_now(&self.emulator, &parts, &body, self.max_body) {
            Some(response) => Dispatch::Answered(ready(response)),
            None => {
                let frontend = self.clone();
                Dispatch::Reading(Box::pin(async move {
                    frontend.dispatch(parts, Body::new(body)).await
                }))
            }
        }
    }

    /// A request with a body, or for a management plane: the body is read within the limit, then
    /// the request answered.
    async fn dispatch(&self, parts: Parts, body: Body) -> Response<Body> {
        // A body that has already ended is not collected.
        let bytes = if body.is_end_stream() {
            Bytes::new()
        } else {
            match to_bytes(body, self.max_body).await {
                Ok(bytes) => bytes,
                Err(_) => return too_large(self.max_body),
            }
        };
        let path = parts.uri.path();
        let Some(admin_path) = plane(path) else {
            return function_response(&self.emulator, &parts);
        };
        let host = host_of(&parts);
        let request = ArmRequest {
            method: parts.method.as_str().to_owned(),
            path: path.to_owned(),
            query: query_pairs(&parts),
            headers: parts
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: json_body(&bytes),
            base_url: base_url(&parts, self.scheme, host),
        };
        management(&self.emulator, &request, admin_path, self.log.as_ref()).await
    }
}

/// The future of one request's answer: an answer already made (most function calls), or a
/// request still to be read and answered in a box of its own. A function call thus allocates no
/// future on the listener (and one small box under the router, which boxes every handler's),
/// rather than one the size of the management plane's state (~1.5 KB, allocated and copied on
/// every call).
enum Dispatch {
    Answered(Ready<Response<Body>>),
    Reading(Pin<Box<dyn Future<Output = Response<Body>> + Send>>),
}

impl Future for Dispatch {
    type Output = Response<Body>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Dispatch::Answered(answer) => Pin::new(answer).poll(cx),
            Dispatch::Reading(reading) => reading.as_mut().poll(cx),
        }
    }
}

/// Serves on `listener` until the future is dropped: [`serve_with`] with the default [`Limits`]
/// and no request log.
pub async fn serve(
    emulator: Arc<Emulator>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    serve_with(
        emulator,
        listener,
        None,
        Limits::default(),
        std::future::pending(),
    )
    .await
}

/// Serves until `shutdown` completes, logging management requests to `log`, with the default
/// [`Limits`].
pub async fn serve_until(
    emulator: Arc<Emulator>,
    listener: tokio::net::TcpListener,
    log: Option<RequestLog>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(emulator, listener, log, Limits::default(), shutdown).await
}

/// Serves until `shutdown` completes, with `limits`; then stops accepting, closes idle
/// connections, and gives requests in flight [`SHUTDOWN_GRACE`] before dropping them.
pub async fn serve_with(
    emulator: Arc<Emulator>,
    listener: tokio::net::TcpListener,
    log: Option<RequestLog>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_tls_with(emulator, listener, log, limits, None, shutdown).await
}

/// [`serve_with`], over HTTPS when `tls` is given (plain HTTP otherwise).
pub async fn serve_tls_with(
    emulator: Arc<Emulator>,
    listener: tokio::net::TcpListener,
    log: Option<RequestLog>,
    limits: Limits,
    tls: Option<&TlsIdentity>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let acceptor = tls.map(|tls| tokio_rustls::TlsAcceptor::from(Arc::clone(&tls.config)));
    let frontend = Frontend {
        emulator,
        log,
        max_body: limits.max_body,
        scheme,
    };
    let timeout = limits.header_read_timeout;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                // A failed accept (a connection reset before it was taken, too many open
                // files) ends that connection, not the server.
                let Ok((stream, _)) = accepted else { continue };
                let frontend = frontend.clone();
                let answer = move |request| frontend.answer(request);
                let stopping = stopping.clone();
                match &acceptor {
                    None => {
                        connections.spawn(connection(stream, answer, timeout, stopping));
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        connections.spawn(async move {
                            // A client that never finishes its handshake is dropped like one
                            // that never sends its headers; a failed handshake ends only its
                            // connection.
                            let handshake =
                                tokio::time::timeout(timeout, acceptor.accept(stream));
                            if let Ok(Ok(stream)) = handshake.await {
                                connection(stream, answer, timeout, stopping).await;
                            }
                        });
                    }
                }
            }
            // Finished connections are reaped as they end, so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .map(|q| {
            query_parts(q)
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// 413 in ARM's error shape, naming the limit.
fn too_large(max_body: usize) -> Response<Body> {
    json_response(
        413,
        serde_json::json!({ "error": {
            "code": "RequestBodyTooLarge",
            "message": format!("The request body is larger than {max_body} bytes."),
        } })
        .to_string(),
    )
}

/// The answer to a request that needs no reading: a declared body over the limit (refused before
/// a byte of it is read), or a call to a function host whose body has already ended (no body at
/// all, as most calls send). `None` for any other request.
fn answer_now(
    emulator: &Emulator,
    parts: &Parts,
    body: &impl HttpBody,
    max_body: usize,
) -> Option<Response<Body>> {
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_body as u64) {
        return Some(too_large(max_body));
    }
    (plane(parts.uri.path()).is_none() && body.is_end_stream())
        .then(|| function_response(emulator, parts))
}

/// Which management plane a path is for: `Some(true)` for the admin API (`/_slotdrill/`),
/// `Some(false)` for ARM (`/subscriptions/`), `None` for a function host.
fn plane(path: &str) -> Option<bool> {
    if starts_with_ignore_case(path, "/_slotdrill/") {
        Some(true)
    } else if starts_with_ignore_case(path, "/subscriptions/") {
        Some(false)
    } else {
        None
    }
}

/// The `Host` the client sent (the URI's host for an absolute-form request).
fn host_of(parts: &Parts) -> &str {
    parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())
        .unwrap_or_default()
}

/// A function host's answer. It depends on neither the method nor the body: the request is read
/// in place, not copied, and the answer is written as JSON text from where the estate holds it.
fn function_response(emulator: &Emulator, parts: &Parts) -> Response<Body> {
    let request = Incoming::http(
        host_of(parts),
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
    );
    emulator
        .respond(&request, |answer| Wire::from(answer))
        .response()
}

/// A function host's answer made ready for the wire under the emulator's lock (its body written
/// as JSON text, who answered as header text), so that the response is built after the lock is
/// released.
struct Wire {
    status: u16,
    body: Vec<u8>,
    served_by: Option<String>,
    latency_ms: u64,
    headers: Vec<(String, String)>,
}

impl From<Answered<'_>> for Wire {
    fn from(answer: Answered<'_>) -> Self {
        Wire {
            status: answer.status,
            body: answer.body.to_json_bytes(),
            served_by: answer.served_by.map(|s| s.header_text()),
            latency_ms: answer.latency_ms,
            headers: answer.headers,
        }
    }
}

impl Wire {
    /// The answer as the listener sends it: the body, who answered in `x-slotdrill-served-by`,
    /// the virtual latency in `x-slotdrill-latency-ms` (only when there is one), and any cookies.
    fn response(self) -> Response<Body> {
        let mut response = json_response(self.status, self.body);
        let headers = response.headers_mut();
        if let Some(served) = self.served_by
            && let Ok(value) = HeaderValue::try_from(served)
        {
            headers.insert(SERVED_BY, value);
        }
        // Most functions answer at once: no header means no virtual latency, which keeps a
        // header the client would parse off most answers.
        if self.latency_ms > 0 {
            headers.insert(LATENCY_MS, HeaderValue::from(self.latency_ms));
        }
        append(headers, &self.headers);
        response
    }
}

/// A request body as JSON, or as a JSON string when it is not JSON; `None` when empty.
fn json_body(bytes: &[u8]) -> Option<serde_json::Value> {
    (!bytes.is_empty()).then(|| {
        serde_json::from_slice(bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        })
    })
}

/// A management-plane or admin request, answered and logged.
async fn management(
    emulator: &Emulator,
    request: &ArmRequest,
    admin_path: bool,
    log: Option<&RequestLog>,
) -> Response<Body> {
    let answer = if admin_path {
        admin(emulator, request)
    } else {
        emulator.manage(request)
    };
    if let Some(log) = log {
        log(&format!(
            "{} {} -> {}",
            request.method,
            request.path,
            if answer.reset {
                "reset".to_owned()
            } else {
                answer.status.to_string()
            }
        ));
    }
    management_response(answer).await
}

/// Which slot and release answered a function call (`app/slot@release`).
const SERVED_BY: HeaderName = HeaderName::from_static("x-slotdrill-served-by");
/// The virtual milliseconds a function call took, when it took any (absent: none).
const LATENCY_MS: HeaderName = HeaderName::from_static("x-slotdrill-latency-ms");

/// Whether `text` starts with `prefix`, ignoring ASCII case.
fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `SCHEME://HOST` as the client reached us: the listener's scheme and the `Host` header, unless
/// a TLS-terminating proxy says otherwise in `X-Forwarded-Proto` (only `http` or `https`) and
/// `X-Forwarded-Host` (first values of comma-separated lists, as proxies append).
fn base_url(parts: &Parts, scheme: &str, host: &str) -> String {
    let first = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match first("x-forwarded-proto") {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        Some(proto) if proto.eq_ignore_ascii_case("http") => "http",
        _ => scheme,
    };
    // A host with anything but a name, an address and a port would make links that are not
    // URLs: such a header is not honoured.
    let forwarded_host = first("x-forwarded-host").filter(|h| {
        h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
    });
    format!("{scheme}://{}", forwarded_host.unwrap_or(host))
}

fn append(headers: &mut axum::http::HeaderMap, extra: &[(String, String)]) {
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
}

async fn management_response(answer: ArmResponse) -> Response<Body> {
    if answer.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(answer.delay_ms)).await;
    }
    if answer.reset {
        // A body that fails before its first byte makes the server drop the connection without
        // an answer: the client sees a reset.
        let failing = futures_lite_stream();
        let mut response = Response::new(Body::from_stream(failing));
        *response.status_mut() = StatusCode::OK;
        return response;
    }
    let mut response = match &answer.body {
        Some(body) => json_response(answer.status, json_bytes(body)),
        None => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r
        }
    };
    append(response.headers_mut(), &answer.headers);
    response
}

fn futures_lite_stream()
-> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send {
    struct Failing(bool);
    impl futures_core::Stream for Failing {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.0 {
                std::task::Poll::Ready(None)
            } else {
                self.0 = true;
                std::task::Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected connection reset",
                ))))
            }
        }
    }
    Failing(false)
}

fn json_response(status: u16, body: impl Into<Body>) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
