//! The emulator over real HTTP: one axum listener serves every function host, routed by the
//! `Host` header. Paths under `/subscriptions/` belong to the management plane.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};

use crate::emulator::Emulator;
use crate::host::HostRequest;

/// Requests larger than this are refused rather than buffered.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The router: every request goes to the data plane (the management plane joins later).
pub fn router(emulator: Arc<Emulator>) -> Router {
    Router::new().fallback(move |request: Request<Body>| {
        let emulator = Arc::clone(&emulator);
        async move { data_plane(&emulator, request).await }
    })
}

/// Serves `router` on `listener` until the future is dropped.
pub async fn serve(
    emulator: Arc<Emulator>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(emulator)).await
}

async fn data_plane(emulator: &Emulator, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())
        .unwrap_or_default()
        .to_owned();
    let query = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    };
    let body = (!bytes.is_empty()).then(|| {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        })
    });
    let request = HostRequest {
        method: parts.method.as_str().to_owned(),
        host,
        path: parts.uri.path().to_owned(),
        query,
        headers,
        body,
    };
    let answer = emulator.invoke(&request);
    let mut response = Response::new(Body::from(answer.body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(served) = &answer.served_by
        && let Ok(value) = HeaderValue::from_str(&served.to_string())
    {
        headers.insert("x-slotdrill-served-by", value);
    }
    if let Ok(value) = HeaderValue::from_str(&answer.latency_ms.to_string()) {
        headers.insert("x-slotdrill-latency-ms", value);
    }
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

fn plain(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(
        serde_json::json!({ "error": message }).to_string(),
    ));
    *response.status_mut() = status;
    response
}
