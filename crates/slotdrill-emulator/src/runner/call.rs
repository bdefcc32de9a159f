//! `Function` and `Http` calls, with Logic Apps' retry policies and timeouts: an outbound request
//! waits 120 s on Consumption and 235 s on Standard ("Limits and configuration reference",
//! `articles/logic-apps/logic-apps-limits-and-config.md`, "Outbound request … Multitenant 120
//! sec, Single-tenant 235 sec") unless the action's `limit.timeout` says otherwise. `queries`
//! are appended to the URL; `authentication` is passed through and shown redacted in the
//! inputs. A failed call's code is the status's name and its message "401 from host/path".

use serde_json::{Map, Value, json};

use super::errors::{ActionError, invalid_action};
use super::{Outcome, Runner, Status};
use crate::clock::parse_duration;
use crate::host::{HostRequest, HostResponse};

/// Logic Apps' default timeout for an outbound HTTP request, Consumption (multitenant).
const CONSUMPTION_TIMEOUT_MS: u64 = 120_000;
/// The same on Standard (single-tenant).
const STANDARD_TIMEOUT_MS: u64 = 235_000;
const REDACTED: &str = "[redacted]";

/// When and how often a failed call is tried again.
struct RetryPolicy {
    retries: u32,
    /// Wait before retry `n` (1-based).
    interval: Box<dyn Fn(u32) -> u64>,
}

impl RetryPolicy {
    /// The policy an action's evaluated `inputs` name in `inputs.retryPolicy`, where Logic Apps
    /// reads it ("Handle errors and exceptions in Azure Logic Apps": "add the `retryPolicy` JSON
    /// object to that trigger or action's `inputs` object. Otherwise, if no `retryPolicy` object
    /// exists, the trigger or action uses the `default` retry policy"). A `retryPolicy` beside
    /// `inputs` is not read. Without one, Logic Apps' default: up to four retries at intervals
    /// that scale by 7.5 s, kept between 5 and 45 s (no jitter: runs stay deterministic).
    fn of(inputs: &Value) -> RetryPolicy {
        let policy = inputs.get("retryPolicy");
        let kind = policy
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_ascii_lowercase();
        let count = policy
            .and_then(|p| p.get("count"))
            .and_then(Value::as_u64)
            .map(|c| c as u32);
        let duration = |field: &str, default: u64| {
            policy
                .and_then(|p| p.get(field))
                .and_then(Value::as_str)
                .and_then(parse_duration)
                .unwrap_or(default)
        };
        match kind.as_str() {
            "none" => RetryPolicy {
                retries: 0,
                interval: Box::new(|_| 0),
            },
            "fixed" => {
                let interval = duration("interval", 20_000);
                RetryPolicy {
                    retries: count.unwrap_or(4),
                    interval: Box::new(move |_| interval),
                }
            }
            _ => {
                let (base, min, max) = (
                    duration("interval", 7_500),
                    duration("minimumInterval", 5_000),
                    duration("maximumInterval", 45_000),
                );
                RetryPolicy {
                    retries: count.unwrap_or(4),
                    interval: Box::new(move |n| (base << (n - 1).min(20)).clamp(min, max.max(min))),
                }
            }
        }
    }
}

/// A call to a host the emulator does not serve and no stub answers (a scenario's gap, not an
/// Azure behaviour): the action fails with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host `{}` is not emulated and no stub answers it", shown(.host))]
pub(crate) struct Unanswered {
    /// The request's host, as the action wrote it; empty when the URL has none.
    host: String,
}

/// `(none)` for a URL without a host, so the message never ends in empty back quotes.
fn shown(host: &str) -> &str {
    if host.is_empty() { "(none)" } else { host }
}

/// The host of a URL (`shop-api.azurewebsites.net`).
fn request_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or_default()
}

/// The path of a URL without its query (`/api/Ship`): keys in queries never reach a message.
fn request_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    path.split('?').next().unwrap_or_default()
}

fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// ARM's `code` for an HTTP status.
pub(crate) fn code_of(status: u16) -> String {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        408 => "RequestTimeout",
        409 => "Conflict",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        other => return other.to_string(),
    }
    .to_owned()
}

/// A request ready to send.
struct CallSpec {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    authentication: Option<Value>,
    retry: RetryPolicy,
}

impl CallSpec {
    /// The inputs as run history shows them: keys redacted.
    fn redacted_inputs(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let value = if k.eq_ignore_ascii_case("x-functions-key") {
                    REDACTED
                } else {
                    v
                };
                (k.clone(), Value::String(value.to_owned()))
            })
            .collect();
        let mut inputs = json!({ "method": self.method, "uri": redact_url(&self.url) });
        if !headers.is_empty() {
            inputs["headers"] = Value::Object(headers);
        }
        if let Some(body) = &self.body {
            inputs["body"] = body.clone();
        }
        if let Some(authentication) = &self.authentication {
            inputs["authentication"] = redact_authentication(authentication);
        }
        inputs
    }
}

/// The `authentication` object with its secrets (`password`, `pfx`, `secret`, `value`) replaced,
/// as run history shows it: type, audience, client and tenant ids stay readable.
fn redact_authentication(authentication: &Value) -> Value {
    match authentication {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = ["password", "pfx", "secret", "value"]
                        .iter()
                        .any(|s| k.eq_ignore_ascii_case(s));
                    let shown = if secret {
                        Value::String(REDACTED.to_owned())
                    } else {
                        v.clone()
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every string inside `value` with its `sig=` query values redacted: run history shows a
/// callback URL (`listCallbackUrl()`) without its signature.
pub(crate) fn redact_signatures(value: &Value) -> Value {
    match value {
        Value::String(text) if text.contains("sig=") => Value::String(
            text.split('&')
                .map(|part| match part.split_once("sig=") {
                    Some((before, _)) if before.is_empty() || before.ends_with('?') => {
                        format!("{before}sig={REDACTED}")
                    }
                    _ => part.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&"),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_signatures).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_signatures(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `…?code=SECRET&x=1` → `…?code=[redacted]&x=1`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("code") => format!("{k}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn with_queries(url: &str, queries: Option<&Value>) -> String {
    let pairs: Vec<String> = queries
        .and_then(Value::as_object)
        .map(|q| {
            q.iter()
                .map(|(k, v)| format!("{k}={}", slotdrill_wdl::eval::to_text(v)))
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", pairs.join("&"))
}

fn headers_of(inputs: &Value) -> Vec<(String, String)> {
    inputs
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        slotdrill_wdl::eval::to_text(v).into_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Runner<'_> {
    pub(crate) fn http_action(&mut self, name: &str, action: &Value, inputs: &Value) -> Outcome {
        let (Some(method), Some(uri)) = (
            inputs.get("method").and_then(Value::as_str),
            inputs.get("uri").and_then(Value::as_str),
        ) else {
            return Outcome::failed(invalid_action(
                name,
                "an Http action needs 'inputs.method' and 'inputs.uri'.",
            ))
            .with_inputs(inputs.clone());
        };
        let spec = CallSpec {
            method: method.to_owned(),
            url: with_queries(uri, inputs.get("queries")),
            headers: headers_of(inputs),
            body: inputs.get("body").cloned(),
            authentication: inputs.get("authentication").cloned(),
            retry: RetryPolicy::of(inputs),
        };
        self.call(name, action, spec)
    }

    pub(crate) fn function_action(
        &mut self,
        name: &str,
        action: &Value,
        inputs: &Value,
    ) -> Outcome {
        let Some(target) = self.logic_app.saved_targets.get(name).cloned() else {
            return Outcome::failed(ActionError::new(
                "NotFound",
                format!(
                    "The function of action '{name}' could not be resolved when the workflow was saved."
                ),
            ));
        };
        let url = format!(
            "https://{}/api/{}?code={}",
            target.host,
            target.function,
            target.key.expose()
        );
        let spec = CallSpec {
            method: inputs
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("POST")
                .to_owned(),
            url: with_queries(&url, inputs.get("queries")),
            headers: headers_of(inputs),
            body: inputs.get("body").cloned(),
            authentication: None,
            retry: RetryPolicy::of(inputs),
        };
        self.call(name, action, spec)
    }

    /// The outbound request timeout when the action sets none: Standard or Consumption.
    fn default_timeout(&self) -> u64 {
        if self.logic_app.document.format == slotdrill_wdl::Format::Standard {
            STANDARD_TIMEOUT_MS
        } else {
            CONSUMPTION_TIMEOUT_MS
        }
    }

    /// Sends `spec`, retrying per the action's policy, within its timeout.
    fn call(&mut self, name: &str, action: &Value, spec: CallSpec) -> Outcome {
        let timeout = action
            .pointer("/limit/timeout")
            .and_then(Value::as_str)
            .and_then(parse_duration)
            .unwrap_or_else(|| self.default_timeout());
        let policy = &spec.retry;
        let caller = format!("{}/{name}", self.logic_app.name);
        let inputs = spec.redacted_inputs();
        let mut elapsed = 0u64;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            // Each attempt happens at its own virtual time.
            let at = self.cursor.plus_millis(elapsed);
            self.state.move_clock(at);
            let mut request = HostRequest::new(&spec.method, &spec.url);
            request.headers = spec.headers.clone();
            request.body = spec.body.clone();
            let answer = self.send(&request, &caller);
            let HostResponse {
                status,
                body,
                served_by,
                latency_ms: latency,
                timed_out,
                ..
            } = match answer {
                Ok(answer) => answer,
                Err(error) => {
                    return Outcome {
                        inputs,
                        attempts,
                        latency_ms: elapsed,
                        ..Outcome::failed(ActionError::new("ServiceUnavailable", error.to_string()))
                    };
                }
            };
            if timed_out || elapsed + latency > timeout {
                return Outcome {
                    status: Status::TimedOut,
                    code: Some("ActionTimedOut".to_owned()),
                    served_by,
                    inputs,
                    error: Some(format!(
                        "The action '{name}' timed out after {} seconds waiting for {}{}.",
                        timeout / 1000,
                        request_host(&spec.url),
                        request_path(&spec.url)
                    )),
                    latency_ms: timeout,
                    attempts,
                    ..Outcome::succeeded(Value::Null)
                };
            }
            elapsed += latency;
            if retryable(status) && attempts <= policy.retries {
                elapsed += (policy.interval)(attempts);
                continue;
            }
            let outputs = json!({ "statusCode": status, "headers": {}, "body": body });
            let ok = (200..300).contains(&status);
            return Outcome {
                status: if ok {
                    Status::Succeeded
                } else {
                    Status::Failed
                },
                code: Some(code_of(status)),
                outputs,
                body,
                served_by,
                inputs,
                error: (!ok).then(|| {
                    format!(
                        "{status} from {}{}",
                        request_host(&spec.url),
                        request_path(&spec.url)
                    )
                }),
                latency_ms: elapsed,
                attempts,
            };
        }
    }

    /// One attempt: an emulated host answers in process; anything else needs a stub.
    fn send(&mut self, request: &HostRequest, caller: &str) -> Result<HostResponse, Unanswered> {
        let host = request.host_name();
        if self.state.data().serves(&host) {
            return Ok(self.state.invoke(request, Some(caller)));
        }
        let url = format!("https://{}{}", request.host, request.path);
        match self
            .state
            .workflows()
            .stubs()
            .http
            .iter()
            .find(|s| url.starts_with(&s.url_prefix))
        {
            Some(stub) => Ok(HostResponse {
                status: stub.status,
                body: stub.body.clone(),
                headers: Vec::new(),
                served_by: None,
                latency_ms: 0,
                timed_out: false,
            }),
            None => Err(Unanswered {
                host: request.host.clone(),
            }),
        }
    }
}
