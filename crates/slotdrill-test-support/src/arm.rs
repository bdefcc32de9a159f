//! The client the tests use to send ARM (and admin) requests to an emulator or `slotdrill
//! serve`: one request with an optional bearer token and JSON body, answered with its status,
//! headers and JSON body (null when the body is empty or not JSON).

use reqwest::header::HeaderMap;
use serde_json::Value;

/// The `Microsoft.Web` api-version the tests send.
pub const WEB_API_VERSION: &str = "2024-11-01";

/// One answer.
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body parsed as JSON; `Value::Null` when it is empty or not JSON.
    pub body: Value,
}

/// Sends `method url` with `client`, `token` as a bearer token and `body` as JSON.
pub async fn send(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Result<Answer, reqwest::Error> {
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .unwrap_or_else(|_| panic!("{method:?} is not an HTTP method"));
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

/// [`send`] from synchronous code, on a runtime of its own; panics when nothing answers.
pub fn send_blocking(method: &str, url: &str, body: Option<Value>, token: Option<&str>) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(send(&reqwest::Client::new(), method, url, body, token))
        .unwrap_or_else(|e| panic!("{url} did not answer: {e}"))
}

/// The value of header `name` in `answer` (empty when absent).
pub fn header(answer: &Answer, name: &str) -> String {
    answer
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
