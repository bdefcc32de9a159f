//! A thin ARM client: paths under the configured subscription and resource group, `api-version`,
//! the bearer token, error bodies in ARM's and App Service's shapes turned into typed errors,
//! retries after throttling, busy resources and server errors, and long-running operations
//! polled to their end.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use slotdrill_model::Secret;

use crate::credential::Credential;
use crate::error_body::{ErrorBody, another_operation_in_progress, prepared_for_swap};
use crate::retry::{RetryPolicy, retry_after, spread};

/// Where and how to reach ARM.
#[derive(Debug, Clone)]
pub struct ArmConfig {
    /// `https://management.azure.com`, or the emulator's `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The subscription id.
    pub subscription: String,
    /// The resource group everything lives in.
    pub resource_group: String,
    /// Where the bearer token comes from.
    pub credential: Credential,
    /// api-version for `Microsoft.Web`.
    pub web_api_version: String,
    /// api-version for `Microsoft.Logic`.
    pub logic_api_version: String,
    /// The app setting that names the release a slot holds (it travels with the code).
    pub release_setting: String,
    /// When failed requests are sent again.
    pub retry: RetryPolicy,
    /// Reads in flight at once when observing an estate.
    pub read_concurrency: usize,
    /// How old a workflow read may be to stand as the version check before a write.
    pub fresh_read: Duration,
    /// Wait in real time between polls of a long-running operation or a run (`Retry-After`,
    /// else 10 s; runs 5 s). Off against the emulator, whose clock moves with each poll.
    pub poll_in_real_time: bool,
    /// Values of `securestring` workflow parameters, by `workflow/parameter`: ARM never returns
    /// them, and a workflow is not written back without them.
    pub secure_parameters: BTreeMap<String, Secret>,
    /// Function calls (probes) go to the endpoint itself with the slot's host name in `Host`,
    /// as the emulator serves them, rather than to `https://{host}`. On by default for a
    /// loopback endpoint; off whenever the endpoint stands for Azure (`--live`), a local ARM
    /// stand-in or proxy included.
    pub functions_on_endpoint: bool,
    /// Certificates (PEM, one or more) trusted besides the platform's store: `slotdrill serve
    /// --tls`'s generated certificate, or a local stand-in's own CA.
    pub extra_roots_pem: Option<Vec<u8>>,
}

/// api-version used for `Microsoft.Web` unless configured.
pub const WEB_API_VERSION: &str = "2024-11-01";
/// api-version used for `Microsoft.Logic` unless configured.
pub const LOGIC_API_VERSION: &str = "2019-05-01";

impl ArmConfig {
    /// A configuration with the default api-versions, release setting (`SLOTDRILL_RELEASE`),
    /// retries, eight reads in flight and workflow reads fresh for ten seconds.
    pub fn new(
        endpoint: impl Into<String>,
        subscription: impl Into<String>,
        resource_group: impl Into<String>,
        credential: Credential,
    ) -> ArmConfig {
        let endpoint = endpoint.into();
        ArmConfig {
            functions_on_endpoint: is_loopback(&endpoint),
            endpoint,
            subscription: subscription.into(),
            resource_group: resource_group.into(),
            credential,
            web_api_version: WEB_API_VERSION.to_owned(),
            logic_api_version: LOGIC_API_VERSION.to_owned(),
            release_setting: slotdrill_model::RELEASE_SETTING.to_owned(),
            retry: RetryPolicy::default(),
            read_concurrency: 8,
            fresh_read: Duration::from_secs(10),
            poll_in_real_time: true,
            secure_parameters: BTreeMap::new(),
            extra_roots_pem: None,
        }
    }

    /// The supplied value of `workflow`'s securestring `parameter` (names case-insensitive).
    pub fn secure_parameter(&self, workflow: &str, parameter: &str) -> Option<&Secret> {
        self.secure_parameters.iter().find_map(|(key, value)| {
            let (w, p) = key.split_once('/')?;
            (w.eq_ignore_ascii_case(workflow) && p.eq_ignore_ascii_case(parameter)).then_some(value)
        })
    }

    /// True when `url` is on the configured endpoint (scheme, host and port).
    pub(crate) fn owns(&self, url: &str) -> bool {
        let endpoint = self.endpoint.trim_end_matches('/');
        url.strip_prefix(endpoint)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    /// True when the endpoint is on this machine (the emulator).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.endpoint)
    }
}

/// True when `endpoint`'s host is on this machine.
fn is_loopback(endpoint: &str) -> bool {
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    host == "localhost" || host == "[::1]" || host.starts_with("127.")
}

/// Why an ARM call failed. Messages never hold a token or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmError {
    /// ARM answered with an error status; the body in either shape (ARM's `{"error":{…}}` or
    /// App Service's `{"Code","Message","Details":[…]}`).
    #[error("{request}: {status} {}: {message} ({})", coded(.code, .extended_code.as_deref()), hint(*.status, .code, .message))]
    Status {
        /// The method and the path, without its query (`GET /subscriptions/…`).
        request: String,
        /// The HTTP status.
        status: u16,
        /// ARM's error code.
        code: String,
        /// ARM's message.
        message: String,
        /// App Service's `ErrorEntity.ExtendedCode` (`"59203"`), when the body has one.
        extended_code: Option<String>,
        /// `Retry-After`, in milliseconds, when the answer had one.
        retry_after_ms: Option<u64>,
    },
    /// The request did not get an answer.
    #[error("{request}: {}{message}", if *.sent { "" } else { "not sent, so nothing was changed: " })]
    Transport {
        /// The method and the path, without its query (`GET /subscriptions/…`).
        request: String,
        /// What happened.
        message: String,
        /// False when the connection was never made (refused, no such host, TLS handshake
        /// failed): the request never left, so it certainly did nothing. True when it may have
        /// reached ARM and acted.
        sent: bool,
    },
    /// A long-running operation ended `Failed` or `Canceled`.
    #[error("{operation}: the operation ended {status}: {code}: {message} ({})", hint(0, .code, .message))]
    Operation {
        /// What was running (`POST …/slotsswap`).
        operation: String,
        /// `Failed` or `Canceled`.
        status: String,
        /// ARM's error code.
        code: String,
        /// ARM's message.
        message: String,
    },
    /// The client could not start.
    #[error("{0}")]
    Setup(String),
}

/// `Conflict (59203)`: the code, with App Service's extended code when there is one.
fn coded(code: &str, extended: Option<&str>) -> String {
    match extended {
        Some(extended) => format!("{code} ({extended})"),
        None => code.to_owned(),
    }
}

/// What to do about an ARM error, from its status, code and message.
fn hint(status: u16, code: &str, message: &str) -> &'static str {
    let body = ErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        extended_code: None,
    };
    if prepared_for_swap(&body) {
        return "a swap with preview is pending on this app: complete it or cancel it (az webapp deployment slot swap --action swap|reset) before changing either slot";
    }
    if status == 409 && another_operation_in_progress(&body) {
        return "another operation was still running after the retries; retry when it has finished";
    }
    match (status, code) {
        (_, "ExpiredAuthenticationToken" | "InvalidAuthenticationToken") => {
            "sign in again: az login, or a fresh SLOTDRILL_ARM_TOKEN"
        }
        (401, _) => {
            "check the credentials (AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET, SLOTDRILL_ARM_TOKEN or az login)"
        }
        (403, _) | (_, "AuthorizationFailed") => {
            "the principal needs Website Contributor and Logic App Contributor on the resource group"
        }
        (404, _) => "check --subscription, --resource-group and the resource's name",
        (409, _) | (_, "Conflict") => {
            "the resource's current state refuses the change; see the message, nothing was retried"
        }
        (429, _) => "ARM throttled the requests and the retries ran out; wait a minute and retry",
        (500..=599, _) => "Azure had a server error and the retries ran out; retry later",
        (_, "SwapFailed" | "WarmupFailed") => {
            "the target slot did not warm up; check its health and app settings, then retry"
        }
        _ => "see the message; nothing was retried",
    }
}

/// True for ARM's answer to a token that expired while it was cached.
fn expired_token(result: &Result<Answer, ArmError>) -> bool {
    matches!(result, Ok(answer) if answer.status == 401
        && ErrorBody::read(&answer.body).code == "ExpiredAuthenticationToken")
}

/// An error and its causes (`error sending request: … Connection refused`). URLs are already
/// stripped, so no query value (such as a `code=` key) reaches the message.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// An answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) headers: reqwest::header::HeaderMap,
}

pub(crate) struct Client {
    pub(crate) config: ArmConfig,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// The token and when it expires.
    token: std::sync::Mutex<Option<(Secret, Option<std::time::Instant>)>>,
}

/// How long before its expiry a token is fetched again.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

impl Client {
    pub(crate) fn new(config: ArmConfig) -> Result<Client, ArmError> {
        // Multi-threaded so that several reads can block on it at once (`ArmCloud::parallel`).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| ArmError::Setup(e.to_string()))?;
        let mut builder = crate::tls::client_builder().timeout(Duration::from_secs(100));
        if let Some(pem) = &config.extra_roots_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|roots| !roots.is_empty())
                .ok_or_else(|| {
                    ArmError::Setup(
                        "the CA certificate to trust holds no PEM certificate".to_owned(),
                    )
                })?;
            // Added to the platform's roots (rustls-platform-verifier), not instead of them.
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder.build().map_err(|e| ArmError::Setup(chain(&e)))?;
        Ok(Client {
            config,
            http,
            runtime,
            token: std::sync::Mutex::new(None),
        })
    }

    /// The bearer token, fetched when there is none or it expires within five minutes.
    pub(crate) fn bearer(&self) -> Result<Secret, ArmError> {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, expires)) = cached.as_ref()
            && expires.is_none_or(|at| at > std::time::Instant::now() + REFRESH_MARGIN)
        {
            return Ok(token.clone());
        }
        let fetched = self
            .config
            .credential
            .fetch(&|url, form| self.post_form(url, form))?;
        let token = fetched.0.clone();
        *cached = Some(fetched);
        Ok(token)
    }

    /// POSTs a form to the token endpoint; its JSON answer.
    fn post_form(&self, url: &str, form: String) -> Result<Value, ArmError> {
        let request = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        let (status, body) = self
            .runtime
            .block_on(async {
                let response = request.send().await?;
                let status = response.status().as_u16();
                Ok::<_, reqwest::Error>((status, response.text().await?))
            })
            .map_err(|e| ArmError::Setup(format!("credentials: {}", chain(&e.without_url()))))?;
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            // `error` is a code such as `invalid_client`; the description may echo input.
            return Err(ArmError::Setup(format!(
                "credentials: the token endpoint answered {status} {}",
                body["error"].as_str().unwrap_or_default()
            )));
        }
        Ok(body)
    }

    /// `/subscriptions/S/resourceGroups/RG/providers/PROVIDER/REST`.
    pub(crate) fn path(&self, provider: &str, rest: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{provider}/{rest}",
            self.config.subscription, self.config.resource_group
        )
    }

    fn api_version(&self, path: &str) -> &str {
        if path.to_ascii_lowercase().contains("/microsoft.logic/") {
            &self.config.logic_api_version
        } else {
            &self.config.web_api_version
        }
    }

    /// Sends a management request; non-2xx answers become [`ArmError::Status`].
    pub(crate) fn send(
        &self,
        method: Method,
        path_or_url: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ArmError> {
        let (url, path) = if path_or_url.starts_with("http") {
            // Operation and page links carry the token: follow them only on the endpoint.
            if !self.config.owns(path_or_url) {
                return Err(ArmError::Setup(format!(
                    "{method}: a link ARM returned leaves {}; not followed, so the token stays there",
                    self.config.endpoint
                )));
            }
            let path = path_or_url
                .split_once("://")
                .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_owned()))
                .unwrap_or_default();
            (path_or_url.to_owned(), path)
        } else {
            let separator = if path_or_url.contains('?') { '&' } else { '?' };
            (
                format!(
                    "{}{path_or_url}{separator}api-version={}",
                    self.config.endpoint.trim_end_matches('/'),
                    self.api_version(path_or_url)
                ),
                path_or_url.to_owned(),
            )
        };
        let path = path.split('?').next().unwrap_or_default().to_owned();
        let (mut attempt, mut waited, mut refreshed) = (0, Duration::ZERO, false);
        let answer = loop {
            let result = self.attempt(&method, &url, &path, body);
            if expired_token(&result) && !refreshed {
                refreshed = true;
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
                continue;
            }
            match self.config.retry.delay(&method, &result, attempt, spread()) {
                Some(delay) if waited + delay <= self.config.retry.max_waiting => {
                    attempt += 1;
                    waited += delay;
                    std::thread::sleep(delay);
                }
                _ => break result?,
            }
        };
        if !(200..300).contains(&answer.status) {
            let error = ErrorBody::read(&answer.body);
            return Err(ArmError::Status {
                request: format!("{method} {path}"),
                status: answer.status,
                code: error.code,
                message: error.message,
                extended_code: error.extended_code,
                retry_after_ms: retry_after(&answer.headers)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            });
        }
        Ok(answer)
    }

    /// One request and its answer, whatever the status.
    fn attempt(
        &self,
        method: &Method,
        url: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ArmError> {
        let token = self.bearer()?;
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token.expose());
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let transport = |e: reqwest::Error| ArmError::Transport {
            request: format!("{method} {path}"),
            // reqwest says `is_connect` only for failures while connecting (refused, DNS, TLS
            // handshake), before any byte of the request is written.
            sent: !e.is_connect(),
            message: chain(&e.without_url()),
        };
        self.runtime.block_on(async {
            let response = request.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = response.text().await.map_err(transport)?;
            Ok::<_, ArmError>(Answer {
                status,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
                headers,
            })
        })
    }

    /// Polls a long-running operation (`Azure-AsyncOperation`, else `Location`) to its end,
    /// waiting `Retry-After` (10 s without one) between polls. `operation` names it in errors.
    pub(crate) fn wait(&self, operation: &str, started: &Answer) -> Result<(), ArmError> {
        let header = |name: &str| {
            started
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (url, async_form) = match (header("azure-asyncoperation"), header("location")) {
            (Some(url), _) => (url, true),
            (None, Some(url)) => (url, false),
            (None, None) => return Ok(()),
        };
        for _ in 0..360 {
            let answer = self.send(Method::GET, &url, None)?;
            let status = answer.body["status"].as_str();
            let running = if async_form {
                !matches!(status, Some("Succeeded" | "Failed" | "Canceled"))
            } else {
                answer.status == 202
            };
            if !running {
                return match status {
                    Some(end @ ("Failed" | "Canceled")) => {
                        let error = ErrorBody::read(&answer.body);
                        Err(ArmError::Operation {
                            operation: operation.to_owned(),
                            status: end.to_owned(),
                            code: if error.code.is_empty() {
                                end.to_owned()
                            } else {
                                error.code
                            },
                            message: error.message,
                        })
                    }
                    _ => Ok(()),
                };
            }
            self.pause(retry_after(&answer.headers).unwrap_or(Duration::from_secs(10)));
        }
        Err(ArmError::Transport {
            request: operation.to_owned(),
            message: "the operation did not finish after 360 polls".into(),
            sent: true,
        })
    }

    /// Waits between polls of something still running, in real time unless `poll_in_real_time`
    /// is off (the emulator moves its virtual clock by each `Retry-After` it answers).
    pub(crate) fn pause(&self, wait: Duration) {
        if self.config.poll_in_real_time {
            std::thread::sleep(wait.min(self.config.retry.max_delay));
        }
    }

    /// A function call on the data plane: to the slot's host, or — against the emulator — to the
    /// same listener with the host name in `Host`. Returns the status (0 for no answer).
    pub(crate) fn call_function(&self, host: &str, function: &str, key: &Secret) -> u16 {
        let (url, host_header) = if self.config.functions_on_endpoint {
            (
                format!(
                    "{}/api/{function}",
                    self.config.endpoint.trim_end_matches('/')
                ),
                Some(host.to_owned()),
            )
        } else {
            (format!("https://{host}/api/{function}"), None)
        };
        let mut request = self.http.post(url).header("x-functions-key", key.expose());
        if let Some(host) = host_header {
            request = request.header("host", host);
        }
        self.runtime.block_on(async {
            request
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("error sending request")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn only_links_on_the_endpoint_are_its_own() {
        let config = ArmConfig::new(
            "https://management.azure.com/",
            "s",
            "rg",
            Credential::Token(Secret::new("t".to_owned())),
        );
        assert!(config.owns("https://management.azure.com/subscriptions/s?x=1"));
        assert!(config.owns("https://management.azure.com"));
        assert!(!config.owns("https://management.azure.com.evil.example/steal"));
        assert!(!config.owns("http://management.azure.com/subscriptions"));
        let local = ArmConfig {
            endpoint: "http://127.0.0.1:1234".to_owned(),
            ..config
        };
        assert!(!local.owns("http://127.0.0.1:12345/op"));
        assert!(local.owns("http://127.0.0.1:1234/op"));
    }

    #[test]
    fn transport_messages_carry_their_causes() {
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ));
        assert_eq!(chain(&error), "error sending request: Connection refused");
    }
}
