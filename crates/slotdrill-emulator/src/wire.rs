//! What a management request and its answer are on the wire, and the error bodies ARM and
//! App Service send. Every plane of the emulator speaks these, so they sit below all of them.

use serde_json::{Value, json};
use slotdrill_model::{ErrorKind, ModelError};

/// A management request.
#[derive(Debug, Clone, Default)]
pub struct ArmRequest {
    /// `GET`, `PUT`, `POST`, `DELETE`, `PATCH`.
    pub method: String,
    /// The path.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// `SCHEME://HOST[:PORT]` as the client reached the emulator (`https` on a `--tls`
    /// listener; a TLS-terminating proxy's `X-Forwarded-Proto`/`X-Forwarded-Host` win): every
    /// absolute URL an answer holds starts with it or, for a function host, with its scheme and
    /// port ([`ArmRequest::site_url`]).
    pub base_url: String,
}

impl ArmRequest {
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer …` header, the scheme in any case (RFC 9110
    /// §11.1), trimmed.
    pub(crate) fn bearer_token(&self) -> Option<&str> {
        self.header("authorization")
            .and_then(|h| h.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
    }

    /// `SCHEME://HOST_NAME[:PORT]`: a function host's URL as this client can call it, with the
    /// scheme and port it used (the port left out when it is the scheme's default) and the slot's
    /// host name, which is what routes a call to its slot (`Host` on a shared listener; the port
    /// is ignored). Without a base URL (in process) Azure's own `https://HOST_NAME`.
    pub(crate) fn site_url(&self, host_name: &str) -> String {
        let Some((scheme, authority)) = self.base_url.split_once("://") else {
            return format!("https://{host_name}");
        };
        let authority = authority.split('/').next().unwrap_or_default();
        let port = authority
            .rsplit_once(':')
            .map(|(_, port)| port)
            .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
            .filter(|port| {
                !matches!(
                    (scheme.to_ascii_lowercase().as_str(), *port),
                    ("https", "443") | ("http", "80")
                )
            });
        match port {
            Some(port) => format!("{scheme}://{host_name}:{port}"),
            None => format!("{scheme}://{host_name}"),
        }
    }

    pub(crate) fn path_and_query(&self) -> String {
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, query.join("&"))
        }
    }

    pub(crate) fn body_field(&self, pointer: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.pointer(pointer))
    }
}

/// A management answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`None` for an empty body).
    pub body: Option<Value>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Reset the connection instead of answering (an injected fault).
    pub reset: bool,
    /// Real milliseconds to wait before answering (an injected fault).
    pub delay_ms: u64,
}

impl ArmResponse {
    pub(crate) fn ok(body: Value) -> Self {
        ArmResponse {
            status: 200,
            body: Some(body),
            headers: Vec::new(),
            reset: false,
            delay_ms: 0,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        ArmResponse {
            status,
            body: None,
            ..ArmResponse::ok(Value::Null)
        }
    }

    /// ARM's error body: `{"error": {"code", "message"}}`.
    pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        ArmResponse {
            status,
            body: Some(json!({ "error": { "code": code, "message": message.into() } })),
            ..ArmResponse::empty(status)
        }
    }

    /// App Service's own error body, as it is on the wire (azure-swap-facts §1a): PascalCase,
    /// not wrapped in `error`, and `Details` always `{Message}`, `{Code}`, `{ErrorEntity}`.
    /// `ExtendedCode` is a string of digits.
    pub(crate) fn app_service(
        status: u16,
        code: &str,
        extended_code: &str,
        template: &str,
        parameters: &[String],
    ) -> Self {
        let mut message = template.to_owned();
        for (i, parameter) in parameters.iter().enumerate() {
            message = message.replace(&format!("{{{i}}}"), parameter);
        }
        ArmResponse {
            status,
            body: Some(json!({
                "Code": code,
                "Message": message,
                "Target": null,
                "Details": [
                    { "Message": message },
                    { "Code": code },
                    { "ErrorEntity": {
                        "ExtendedCode": extended_code,
                        "MessageTemplate": template,
                        "Parameters": parameters,
                        "Code": code,
                        "Message": message,
                    } },
                ],
                "Innererror": null,
            })),
            ..ArmResponse::empty(status)
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        ArmResponse::error(404, "ResourceNotFound", what)
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The ARM status and code for a model error.
pub(crate) fn from_model(error: &ModelError) -> ArmResponse {
    let (status, code) = match error.kind() {
        ErrorKind::NotFound => (404, "ResourceNotFound"),
        ErrorKind::AlreadyExists | ErrorKind::SlotStopped | ErrorKind::PreviewPending => {
            (409, "Conflict")
        }
        ErrorKind::SlotLimit => (409, "SlotLimitExceeded"),
        ErrorKind::CallersWouldBreak => (409, "CallersWouldBreak"),
        ErrorKind::RestartFailed => (500, "SwapRestartFailed"),
        ErrorKind::WarmupFailed => (417, "SwapWarmupFailed"),
        _ => (400, "BadRequest"),
    };
    ArmResponse::error(status, code, error.to_string())
}
