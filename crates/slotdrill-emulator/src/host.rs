//! The data plane: function hosts per slot. A request is routed by its `Host` header to the slot
//! whose host name it is, then by path (`/api/FUNCTION`); production's traffic routing rules may
//! send it to another slot (pinned by the `x-ms-routing-name` cookie for an hour of virtual
//! time). Function-level keys are enforced. The answer comes from the behaviour of the release the
//! slot holds. Both transports — axum over HTTP and the in-process call path — go through
//! [`DataPlane::invoke`], so they cannot diverge. The data plane owns the host index and the
//! invocation timeline; the estate it answers from is handed to it.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};
use slotdrill_model::{
    AuthLevel, AzureName, Estate, Event, Invocation, Slot, SlotState, is_production,
};

pub(crate) use crate::incoming::Incoming;
use crate::retention::Window;
use crate::timeline::{Call, InvocationRecord, ServedBy, Timeline};

/// How long an HTTP-triggered function may run before the front end gives up (Azure's 230 s).
pub const HTTP_TRIGGER_TIMEOUT_MS: u64 = 230_000;
/// How long a routing cookie pins a client to a slot, in virtual milliseconds.
pub const ROUTING_PIN_MS: u64 = 3_600_000;
const ROUTING_COOKIE: &str = "x-ms-routing-name";
/// Carries the virtual time the routing cookie was issued (Azure's affinity cookie name).
const PIN_COOKIE: &str = "TiPMix";

/// A request to a function host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The `Host` header (a port is ignored).
    pub host: String,
    /// The path, starting with `/`.
    pub path: String,
    /// Query parameters, in order, as they arrived (still percent-encoded; they are decoded
    /// when read).
    pub query: Vec<(String, String)>,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// A JSON body, if any.
    pub body: Option<Value>,
}

impl HostRequest {
    /// The host name the request is for: the `Host` header without its port, in lower case.
    pub fn host_name(&self) -> String {
        self.host
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// A request for `url` (`https://HOST/path?query`).
    pub fn new(method: &str, url: &str) -> Self {
        let parsed = slotdrill_wdl::split_url(url);
        let (host, path, query) = match parsed {
            Some(u) => (u.host, u.path, u.query),
            None => (String::new(), url.to_owned(), Vec::new()),
        };
        HostRequest {
            method: method.to_ascii_uppercase(),
            host,
            path,
            query,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Sets the JSON body (builder style).
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as the data plane reads it.
    pub(crate) fn incoming(&self) -> Incoming<'_> {
        Incoming::pairs(&self.host, &self.path, &self.query, &self.headers)
    }
}

/// The answer of a function host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
    /// Headers to send (`set-cookie`).
    pub headers: Vec<(String, String)>,
    /// The slot and release that answered, when a slot did.
    pub served_by: Option<ServedBy>,
    /// Virtual time the call took.
    pub latency_ms: u64,
    /// True when the function never answered and the front end gave up.
    pub timed_out: bool,
}

impl HostResponse {
    fn error(status: u16, message: String) -> Self {
        HostResponse {
            status,
            body: json!({ "error": message }),
            headers: Vec::new(),
            served_by: None,
            latency_ms: 0,
            timed_out: false,
        }
    }
}

/// The function hosts: which slot answers a host name, what was called (the most recent calls,
/// and how many in all), and how many swaps each app has had (to tell whether one happened
/// while a call was running).
#[derive(Debug, Clone, Default)]
pub(crate) struct DataPlane {
    /// Host name in lower case → (app, slot). Host names are DNS names, compared without regard
    /// to case; keyed by the lower-case text so that a request's host, usually lower case
    /// already, is looked up without building a key.
    hosts: HashMap<Box<str>, (String, String)>,
    timeline: Timeline,
    /// Swaps per app.
    swaps: HashMap<AzureName, u64>,
}

impl DataPlane {
    /// Rebuilds the host index from the estate (after any change that may move a host name).
    pub(crate) fn reindex(&mut self, estate: &Estate) {
        self.hosts.clear();
        for app in estate.apps() {
            for slot in app.slots() {
                self.hosts.insert(
                    slot.host_name().to_ascii_lowercase().into(),
                    (app.name().to_owned(), slot.name().to_owned()),
                );
            }
        }
    }

    /// Counts the swaps among a change's events.
    pub(crate) fn note(&mut self, events: &[Event]) {
        for event in events {
            if let Event::Swapped { app, .. } = event {
                *self.swaps.entry(AzureName::from(app)).or_insert(0) += 1;
            }
        }
    }

    /// How many swaps `app` has had.
    pub(crate) fn swaps_of(&self, app: &str) -> u64 {
        self.swaps.get(&AzureName::from(app)).copied().unwrap_or(0)
    }

    /// Whether a host name (any case) is one of the estate's.
    pub(crate) fn serves(&self, host: &str) -> bool {
        self.slot_of(host).is_some()
    }

    /// The (app, slot) whose host name `host` is (any case, without a port).
    fn slot_of(&self, host: &str) -> Option<&(String, String)> {
        self.hosts.get(&*AzureName::lower(host))
    }

    /// Host name in lower case → (app, slot), for resolving workflow calls.
    pub(crate) fn hosts(&self) -> impl Iterator<Item = (&str, &(String, String))> {
        self.hosts.iter().map(|(host, slot)| (&**host, slot))
    }

    /// The most recent calls, oldest first.
    pub(crate) fn invocations(&self) -> impl Iterator<Item = InvocationRecord> + '_ {
        self.timeline.records()
    }

    /// How many recent calls are kept.
    pub(crate) fn kept_calls(&self) -> usize {
        self.timeline.len()
    }

    /// Takes the recent calls, leaving none (the total stays counted).
    pub(crate) fn take_invocations(&mut self) -> Vec<InvocationRecord> {
        self.timeline.take()
    }

    /// How many recent calls are kept.
    pub(crate) fn set_window(&mut self, window: Window) {
        self.timeline.set_window(window);
    }

    /// Forgets every call and the count (`/_slotdrill/reset`), giving the memory back.
    pub(crate) fn forget_calls(&mut self) {
        self.timeline.forget();
    }

    /// Calls answered since the start or the last reset.
    pub(crate) fn calls(&self) -> u64 {
        self.timeline.calls()
    }

    /// Bytes the kept call records hold, approximately.
    pub(crate) fn retained_bytes(&self) -> usize {
        self.timeline.retained_bytes()
    }

    /// Handles one request to a function host and records it on the timeline.
    pub(crate) fn invoke(
        &mut self,
        estate: &mut Estate,
        request: &Incoming,
        caller: Option<&str>,
    ) -> HostResponse {
        let response = self.answer(estate, request);
        self.timeline.record(Call {
            at: estate.now(),
            caller,
            host: request.host,
            function: request
                .path
                .strip_prefix("/api/")
                .map(|f| f.trim_end_matches('/')),
            status: response.status,
            served_by: response.served_by.as_ref(),
        });
        response
    }

    fn answer(&self, estate: &mut Estate, request: &Incoming) -> HostResponse {
        let host = request.host.split(':').next().unwrap_or_default();
        let Some((app, slot)) = self.slot_of(host) else {
            return HostResponse::error(
                404,
                format!("no emulated function host `{}`", request.host_name()),
            );
        };
        let routed = if is_production(slot) {
            route(estate, app, request)
        } else {
            None
        };
        let Some((slot, cookies)) = routed else {
            return run_function(estate, app, slot, request);
        };
        let mut response = run_function(estate, app, &slot, request);
        response.headers.extend(cookies);
        response
    }
}

/// The answer of `function` on a slot that answers: which function it is and what it does, the
/// call counted on the slot's instances (cold starts) and a draw for its failure rate, in that
/// order (the draws are part of a drill's seed sequence). The slot is looked up again by the count
/// rather than cloning its configuration and the behaviour out of the estate on every call.
fn run_function(
    estate: &mut Estate,
    app: &str,
    slot_name: &str,
    request: &Incoming,
) -> HostResponse {
    let Ok(slot) = estate.slot(app, slot_name) else {
        return HostResponse::error(404, format!("slot `{slot_name}` of `{app}` does not exist"));
    };
    let served_by = ServedBy {
        app: app.to_owned(),
        slot: slot.name().to_owned(),
        release: slot.release_id().map(str::to_owned),
    };
    let with_slot = |mut r: HostResponse| {
        r.served_by = Some(served_by);
        r
    };
    let name = match callable(slot, request) {
        Ok(name) => name.to_owned(),
        Err(refusal) => return with_slot(*refusal),
    };
    let Some((call_index, roll, slot, release, behaviour)) = estate
        .start_call(app, slot_name, &name)
        .ok()
        .and_then(|(call_index, roll, slot)| {
            let release = slot.release()?;
            Some((call_index, roll, slot, release, release.function(&name)?))
        })
    else {
        // Counting a call changes neither the slot's release nor its functions.
        return with_slot(HostResponse::error(
            404,
            format!("function `{name}` not found"),
        ));
    };
    let response = match behaviour.invoke(&release.id, &name, call_index, roll, slot.config()) {
        Invocation::Timeout => HostResponse {
            status: 504,
            body: json!({ "error": format!("function `{name}` did not answer within {} s", HTTP_TRIGGER_TIMEOUT_MS / 1000) }),
            headers: Vec::new(),
            served_by: None,
            latency_ms: HTTP_TRIGGER_TIMEOUT_MS,
            timed_out: true,
        },
        Invocation::Response {
            status,
            body,
            latency_ms,
        } => HostResponse {
            status,
            body,
            headers: Vec::new(),
            served_by: None,
            latency_ms,
            timed_out: false,
        },
    };
    with_slot(response)
}

/// The function the request may call on `slot`, as the release spells it, or the answer that
/// refuses it: a stopped slot, the root path, no `/api/` route, no release or no such function,
/// or a missing or wrong key.
fn callable<'s>(slot: &'s Slot, request: &Incoming) -> Result<&'s str, Box<HostResponse>> {
    if slot.state() == SlotState::Stopped {
        return Err(Box::new(HostResponse::error(
            403,
            "this function app is stopped".to_owned(),
        )));
    }
    let path = request.path.trim_end_matches('/');
    if path.is_empty() {
        return Err(Box::new(HostResponse {
            status: 200,
            body: json!({ "status": "Your Functions app is up and running" }),
            ..HostResponse::error(200, String::new())
        }));
    }
    let Some(function) = path.strip_prefix("/api/") else {
        return Err(Box::new(HostResponse::error(
            404,
            format!("no route for `{}`", request.path),
        )));
    };
    let Some(release) = slot.release() else {
        return Err(Box::new(HostResponse::error(
            404,
            format!("function `{function}` not found: the slot holds no release"),
        )));
    };
    let Some((name, behaviour)) = release.function_entry(function) else {
        return Err(Box::new(HostResponse::error(
            404,
            format!("function `{function}` not found"),
        )));
    };
    let authorized = match behaviour.auth {
        AuthLevel::Anonymous => true,
        AuthLevel::Function => request
            .key()
            .is_some_and(|key| slot.keys().accepts(name, &key)),
        AuthLevel::Admin => request
            .key()
            .is_some_and(|key| slot.keys().master.expose() == &*key),
    };
    if !authorized {
        return Err(Box::new(HostResponse::error(
            401,
            "Unauthorized: a valid function key is required".to_owned(),
        )));
    }
    Ok(name)
}

/// Traffic routing on production: the `x-ms-routing-name` query parameter, then a pinned
/// cookie, then a seeded draw over the ramp-up rules. Returns the slot and cookies to set;
/// `None` when the app routes nothing (production answers, as it does for most calls).
fn route(
    estate: &mut Estate,
    app: &str,
    request: &Incoming,
) -> Option<(String, Vec<(String, String)>)> {
    let function_app = estate.app(app).ok()?;
    if function_app.routing().is_empty() {
        return None;
    }
    let production = slotdrill_model::PRODUCTION.to_owned();
    // Slot names that rules route to, with their percentages.
    let targets: Vec<(String, f64)> = function_app
        .routing()
        .iter()
        .filter_map(|rule| {
            function_app
                .slots()
                .find(|s| AzureName::same(s.host_name(), &rule.action_host_name))
                .map(|s| (s.name().to_owned(), rule.reroute_percentage))
        })
        .collect();
    let now = estate.now().millis();
    let named = |name: &str| -> Option<String> {
        if name.eq_ignore_ascii_case("self") {
            return Some(production.clone());
        }
        targets
            .iter()
            .find(|(slot, _)| AzureName::same(slot, name))
            .map(|(slot, _)| slot.clone())
    };
    if let Some(slot) = request
        .query_value(ROUTING_COOKIE)
        .and_then(|name| named(&name))
    {
        return Some((slot.clone(), pin(&slot, now)));
    }
    let pinned_at = request
        .cookie(PIN_COOKIE)
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(slot) = request.cookie(ROUTING_COOKIE).and_then(named)
        && pinned_at.is_some_and(|at| now.saturating_sub(at) < ROUTING_PIN_MS)
    {
        return Some((slot, Vec::new()));
    }
    let draw = estate.roll() * 100.0;
    let mut cumulative = 0.0;
    let mut chosen = production.clone();
    for (slot, percentage) in &targets {
        cumulative += percentage;
        if draw < cumulative {
            chosen = slot.clone();
            break;
        }
    }
    let cookie_name = if chosen == production {
        "self".to_owned()
    } else {
        chosen.clone()
    };
    Some((chosen, pin(&cookie_name, now)))
}

fn pin(slot: &str, now: u64) -> Vec<(String, String)> {
    let name = if is_production(slot) { "self" } else { slot };
    vec![
        (
            "set-cookie".to_owned(),
            format!("{ROUTING_COOKIE}={name}; Path=/; Max-Age=3600"),
        ),
        (
            "set-cookie".to_owned(),
            format!("{PIN_COOKIE}={now}; Path=/; Max-Age=3600"),
        ),
    ]
}
