//! The ARM-compatible management plane: the paths, api-versions, bodies, long-running
//! operations, errors and throttling of Azure Resource Manager for `Microsoft.Web/sites` and
//! `Microsoft.Logic/workflows` (azure-facts §5), so that the slotdrill ARM client, the Azure SDKs
//! and curl manage the emulator as they manage Azure. A request whose path starts with
//! `/subscriptions/` lands here; `/_slotdrill/` is the admin API (`admin.rs`).

mod admin;
mod logic;
mod render;
mod web;

use serde_json::{Value, json};
use slotdrill_model::{ErrorKind, ModelError};

use crate::emulator::{Emulator, State};
use crate::faults::{ArmFault, Bucket, Throttling};

pub use admin::admin;

/// api-versions accepted for `Microsoft.Web`.
pub const WEB_API_VERSIONS: [&str; 6] = [
    "2022-03-01",
    "2022-09-01",
    "2023-01-01",
    "2023-12-01",
    "2024-04-01",
    "2024-11-01",
];
/// api-versions accepted for `Microsoft.Logic`.
pub const LOGIC_API_VERSIONS: [&str; 2] = ["2016-06-01", "2019-05-01"];

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
    /// `http://HOST:PORT`, for `Location` headers.
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

/// The segments of a path, and the part after the resource group.
pub(crate) struct ResourcePath<'a> {
    pub(crate) subscription: &'a str,
    pub(crate) resource_group: Option<&'a str>,
    /// Segments after `providers/NAMESPACE/`.
    pub(crate) provider: Option<&'a str>,
    pub(crate) rest: Vec<&'a str>,
}

fn parse_path(path: &str) -> Option<ResourcePath<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if !segments.first()?.eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let subscription = *segments.get(1)?;
    let mut i = 2;
    let resource_group = match segments.get(i) {
        Some(s) if s.eq_ignore_ascii_case("resourceGroups") => {
            i += 2;
            Some(*segments.get(i - 1)?)
        }
        _ => None,
    };
    let provider = match segments.get(i) {
        Some(s) if s.eq_ignore_ascii_case("providers") => {
            i += 2;
            Some(*segments.get(i - 1)?)
        }
        _ => None,
    };
    Some(ResourcePath {
        subscription,
        resource_group,
        provider,
        rest: segments[i.min(segments.len())..].to_vec(),
    })
}

fn is_write(method: &str) -> bool {
    !method.eq_ignore_ascii_case("GET") && !method.eq_ignore_ascii_case("HEAD")
}

impl Emulator {
    /// Answers one management request.
    pub fn manage(&self, request: &ArmRequest) -> ArmResponse {
        let mut state = self.lock();
        let mut delay_ms = 0;
        let mut throttle_headers = Vec::new();
        match pre_checks(
            &mut state,
            request,
            self.config().require_token.as_deref(),
            &mut delay_ms,
            &mut throttle_headers,
        ) {
            Err(mut refusal) => {
                refusal.delay_ms = delay_ms;
                refusal
            }
            Ok(()) => {
                state.settle();
                let mut response = route(&mut state, request);
                response.delay_ms = delay_ms;
                response.headers.extend(throttle_headers);
                response
            }
        }
    }
}

/// Token, api-version, and the faults that answer before anything is looked at.
fn pre_checks(
    state: &mut State,
    request: &ArmRequest,
    required_token: Option<&str>,
    delay_ms: &mut u64,
    throttle_headers: &mut Vec<(String, String)>,
) -> Result<(), ArmResponse> {
    for fault in &state.arm_faults {
        if let ArmFault::Latency { ms } = fault {
            *delay_ms += ms;
        }
    }
    if take_counted(&mut state.arm_faults, |f| {
        matches!(f, ArmFault::ConnectionReset { .. })
    }) {
        return Err(ArmResponse {
            reset: true,
            ..ArmResponse::empty(500)
        });
    }
    let token = request.header("authorization").and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
    });
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return Err(ArmResponse::error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    if take_counted(&mut state.arm_faults, |f| {
        matches!(f, ArmFault::ExpiredToken { .. })
    }) {
        return Err(ArmResponse::error(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        ));
    }
    if required_token.is_some_and(|required| required != token) {
        return Err(ArmResponse::error(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        ));
    }
    let versions: &[&str] = if request
        .path
        .to_ascii_lowercase()
        .contains("/providers/microsoft.logic/")
    {
        &LOGIC_API_VERSIONS
    } else {
        &WEB_API_VERSIONS
    };
    match request.query("api-version") {
        None => {
            return Err(ArmResponse::error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ));
        }
        Some(version) if !versions.contains(&version) => {
            return Err(ArmResponse::error(
                400,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{version}' is invalid. The supported versions are '{}'.",
                    versions.join(",")
                ),
            ));
        }
        Some(_) => {}
    }
    if let Some(throttling) = state.throttling.as_mut() {
        let write = is_write(&request.method);
        let bucket = if write {
            &mut throttling.writes
        } else {
            &mut throttling.reads
        };
        let header = if write {
            "x-ms-ratelimit-remaining-subscription-writes"
        } else {
            "x-ms-ratelimit-remaining-subscription-reads"
        };
        match bucket.take() {
            Ok(remaining) => throttle_headers.push((header.to_owned(), remaining.to_string())),
            Err(retry_after) => {
                return Err(ArmResponse::error(
                    429,
                    "TooManyRequests",
                    "The request is being throttled.",
                )
                .header("retry-after", retry_after.to_string())
                .header(header, "0"));
            }
        }
    }
    let server_error = state.arm_faults.iter().find_map(|f| match f {
        ArmFault::ServerError {
            probability,
            status,
        } => Some((*probability, *status)),
        _ => None,
    });
    if let Some((probability, status)) = server_error
        && state.estate.roll() < probability
    {
        return Err(ArmResponse::error(
            status,
            "InternalServerError",
            "An injected server error.",
        ));
    }
    Ok(())
}

/// Fires one counted fault matching `is`: decrements it, removing it at zero.
pub(crate) fn take_counted(faults: &mut Vec<ArmFault>, is: impl Fn(&ArmFault) -> bool) -> bool {
    let Some(i) = faults.iter().position(is) else {
        return false;
    };
    match &mut faults[i] {
        ArmFault::ExpiredToken { count } | ArmFault::ConnectionReset { count } if *count > 1 => {
            *count -= 1
        }
        _ => {
            faults.remove(i);
        }
    }
    true
}

fn route(state: &mut State, request: &ArmRequest) -> ArmResponse {
    let Some(path) = parse_path(&request.path) else {
        return ArmResponse::not_found(format!("no management resource at `{}`", request.path));
    };
    if !path
        .subscription
        .eq_ignore_ascii_case(state.estate.subscription())
    {
        return ArmResponse::error(
            404,
            "SubscriptionNotFound",
            format!(
                "The subscription '{}' could not be found.",
                path.subscription
            ),
        );
    }
    match path.provider.map(str::to_ascii_lowercase).as_deref() {
        Some("microsoft.web") => web::handle(state, request, &path),
        Some("microsoft.logic") => logic::handle(state, request, &path),
        _ => ArmResponse::not_found(format!("no management resource at `{}`", request.path)),
    }
}

impl State {
    /// Turns a throttle fault on.
    pub(crate) fn apply_throttle(&mut self, reads: u32, writes: u32) {
        self.throttling = Some(Throttling {
            reads: Bucket::new(reads, 25.0),
            writes: Bucket::new(writes, 10.0),
        });
    }

    /// Arms a fault: model faults go to the estate, the others stay here.
    pub(crate) fn add_fault(&mut self, fault: ArmFault) {
        match fault {
            ArmFault::WarmupFailure { app, slot } => {
                self.estate
                    .inject(slotdrill_model::Fault::WarmupFailure { app, slot });
            }
            ArmFault::RestartFailure { app, slot } => {
                self.estate
                    .inject(slotdrill_model::Fault::RestartFailure { app, slot });
            }
            ArmFault::Throttle { reads, writes } => {
                self.apply_throttle(reads, writes);
                self.arm_faults.push(ArmFault::Throttle { reads, writes });
            }
            other => self.arm_faults.push(other),
        }
    }

    /// Applies what virtual time has made due: platform reverts of swaps.
    pub(crate) fn settle(&mut self) {
        let now = self.estate.now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reverts)
            .into_iter()
            .partition(|r| r.at <= now);
        self.reverts = later;
        for revert in due {
            let _ = self
                .estate
                .swap(&revert.app, &revert.source, &revert.target);
            self.reindex();
        }
    }
}
