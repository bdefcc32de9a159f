//! The client the tests use to send ARM (and admin) requests to an emulator or `slotdrill
//! serve`: one request with an optional bearer token and JSON body, answered with its status,
//! headers and JSON body (null when the body is empty or not JSON).

use std::fmt;
use std::ops::Deref;
use std::sync::LazyLock;

use reqwest::header::HeaderMap;
use serde_json::Value;
use slotdrill_model::DEFAULT_SUBSCRIPTION;

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
        .block_on(send(&crate::client(), method, url, body, token))
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

/// `/subscriptions/{the emulator's subscription}/resourceGroups/{group}/providers/{provider_path}`.
pub fn resource_path(group: &str, provider_path: &str) -> String {
    format!(
        "/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_path}"
    )
}

/// An ARM path built on first use (the subscription id lives in the model, so a path holding it
/// cannot be a `const`). It prints and derefs as `str`: `format!("{SITE}/slots")`, `&SITE`.
pub struct ArmPath(LazyLock<String>);

impl ArmPath {
    /// The path `build` returns, built on first use.
    pub const fn new(build: fn() -> String) -> Self {
        ArmPath(LazyLock::new(build))
    }
}

impl Deref for ArmPath {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArmPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SITES: ArmPath = ArmPath::new(|| resource_path("rg", "Microsoft.Web/sites"));

    #[test]
    fn paths_hold_the_models_subscription_and_print_as_text() {
        assert_eq!(
            format!("{SITES}/orders"),
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/sites/orders"
        );
        assert_eq!(&SITES[..15], "/subscriptions/");
    }
}
