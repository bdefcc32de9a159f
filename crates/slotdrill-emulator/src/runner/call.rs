//! Actions that do something other than contain: `Function` and `Http` calls (with Logic Apps'
//! retry policies and timeouts), `Compose`, `Response`, variables, and stubbed `ApiConnection`s.

use serde_json::{Map, Value, json};

use super::{Outcome, Runner, Status};
use crate::clock::parse_duration;
use crate::host::{HostRequest, HostResponse};

/// Logic Apps' default timeout for an outbound HTTP request.
const DEFAULT_TIMEOUT_MS: u64 = 120_000;
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

fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// ARM's `code` for an HTTP status.
fn code_of(status: u16) -> String {
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
        inputs
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
    pub(crate) fn simple_action(&mut self, name: &str, kind: &str, action: &Value) -> Outcome {
        let raw_inputs = action.get("inputs").unwrap_or(&Value::Null);
        if kind == "apiconnection" {
            // Its outputs are stubbed; its inputs name connections the emulator does not model.
            return self.api_connection(name, raw_inputs);
        }
        let inputs = match self.evaluate(raw_inputs, name) {
            Ok(inputs) => inputs,
            Err(e) => return Outcome::failed(e.to_string()),
        };
        match kind {
            "http" => self.http_action(name, action, &inputs),
            "function" => self.function_action(name, action, &inputs),
            "compose" => Outcome {
                inputs: inputs.clone(),
                ..Outcome::succeeded(inputs)
            },
            "response" => {
                self.response = Some(inputs.clone());
                Outcome {
                    inputs: inputs.clone(),
                    ..Outcome::succeeded(inputs)
                }
            }
            "initializevariable" => {
                for variable in inputs
                    .get("variables")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(variable_name) = variable.get("name").and_then(Value::as_str) else {
                        return Outcome::failed(format!(
                            "action `{name}`: a variable needs a `name`"
                        ));
                    };
                    self.variables.insert(
                        variable_name.to_owned(),
                        variable.get("value").cloned().unwrap_or(Value::Null),
                    );
                }
                Outcome::succeeded(Value::Null)
            }
            "setvariable" | "appendtoarrayvariable" | "incrementvariable" => {
                self.change_variable(name, kind, &inputs)
            }
            other => Outcome::failed(format!(
                "action `{name}`: unsupported action type `{other}`"
            )),
        }
    }

    fn api_connection(&mut self, name: &str, inputs: &Value) -> Outcome {
        let outputs = self
            .state
            .workflows()
            .stubs()
            .api_connections
            .get(name)
            .cloned()
            .unwrap_or_else(|| json!({ "statusCode": 200, "body": {} }));
        let status = outputs
            .get("statusCode")
            .and_then(Value::as_u64)
            .unwrap_or(200) as u16;
        let body = outputs.get("body").cloned().unwrap_or(Value::Null);
        Outcome {
            status: if status < 400 {
                Status::Succeeded
            } else {
                Status::Failed
            },
            code: Some(code_of(status)),
            body,
            inputs: inputs.clone(),
            ..Outcome::succeeded(outputs)
        }
    }

    fn change_variable(&mut self, name: &str, kind: &str, inputs: &Value) -> Outcome {
        let Some(variable) = inputs.get("name").and_then(Value::as_str) else {
            return Outcome::failed(format!("action `{name}`: expected `inputs.name`"));
        };
        let Some(current) = self.variables.get_mut(variable) else {
            return Outcome::failed(format!(
                "action `{name}`: variable `{variable}` is not initialized"
            ));
        };
        let value = inputs.get("value").cloned().unwrap_or(Value::Null);
        match kind {
            "setvariable" => *current = value,
            "appendtoarrayvariable" => match current {
                Value::Array(items) => items.push(value),
                _ => {
                    return Outcome::failed(format!(
                        "action `{name}`: variable `{variable}` is not an array"
                    ));
                }
            },
            _ => {
                let by = value.as_f64().unwrap_or(1.0);
                let now = current.as_f64().unwrap_or(0.0) + by;
                *current = serde_json::Number::from_f64(now).map_or(Value::Null, |n| {
                    if now.fract() == 0.0 {
                        Value::from(now as i64)
                    } else {
                        Value::Number(n)
                    }
                });
            }
        }
        Outcome::succeeded(Value::Null)
    }

    fn http_action(&mut self, name: &str, action: &Value, inputs: &Value) -> Outcome {
        let (Some(method), Some(uri)) = (
            inputs.get("method").and_then(Value::as_str),
            inputs.get("uri").and_then(Value::as_str),
        ) else {
            return Outcome::failed(format!(
                "action `{name}`: an Http action needs `inputs.method` and `inputs.uri`"
            ));
        };
        let spec = CallSpec {
            method: method.to_owned(),
            url: with_queries(uri, inputs.get("queries")),
            headers: headers_of(inputs),
            body: inputs.get("body").cloned(),
            retry: RetryPolicy::of(inputs),
        };
        self.call(name, action, spec)
    }

    fn function_action(&mut self, name: &str, action: &Value, inputs: &Value) -> Outcome {
        let Some(target) = self.logic_app.saved_targets.get(name).cloned() else {
            return Outcome {
                code: Some("NotFound".to_owned()),
                ..Outcome::failed(format!(
                    "action `{name}`: its function could not be resolved when the workflow was saved"
                ))
            };
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
            retry: RetryPolicy::of(inputs),
        };
        self.call(name, action, spec)
    }

    /// Sends `spec`, retrying per the action's policy, within its timeout.
    fn call(&mut self, name: &str, action: &Value, spec: CallSpec) -> Outcome {
        let timeout = action
            .pointer("/limit/timeout")
            .and_then(Value::as_str)
            .and_then(parse_duration)
            .unwrap_or(DEFAULT_TIMEOUT_MS);
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
                        ..Outcome::failed(format!("action `{name}`: {error}"))
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
                        "action `{name}` timed out after {} s",
                        timeout / 1000
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
                error: (!ok).then(|| format!("action `{name}`: the call answered {status}")),
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
