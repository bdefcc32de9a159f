//! The data plane: function hosts per slot. A request is routed by its `Host` header to the slot
//! whose host name it is, then by path (`/api/FUNCTION`); production's traffic routing rules may
//! send it to another slot (pinned by the `x-ms-routing-name` cookie for an hour of virtual
//! time). Function-level keys are enforced. The answer comes from the behaviour of the release the
//! slot holds. Both transports — axum over HTTP and the in-process call path — go through
//! [`DataPlane::respond`], so they cannot diverge: the listener writes its borrowed answer to the
//! wire, [`DataPlane::invoke`] makes a [`HostResponse`] of it. The data plane owns the host index and the
//! invocation timeline; the estate it answers from is handed to it.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};
use slotdrill_model::{
    Admission, Answer, AuthLevel, AzureName, Estate, Event, Slot, SlotState, is_production,
};

use crate::answer::{Answered, Reply};
pub(crate) use crate::incoming::Incoming;
use crate::incoming::without_port;
use crate::retention::Window;
use crate::timeline::{Call, InvocationRecord, ServedBy, ServedByRef, Timeline};

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
        without_port(&self.host).to_ascii_lowercase()
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

/// Host name in lower case → (app, slot). Hashed with foldhash, not SipHash: looked up on every
/// call, and its keys come from the estate (a client's `Host` only looks up), so no client can
/// fill it with colliding names.
type HostIndex = HashMap<Box<str>, (String, String), foldhash::fast::RandomState>;

impl From<Answered<'_>> for HostResponse {
    fn from(answer: Answered<'_>) -> Self {
        HostResponse {
            status: answer.status,
            body: match answer.body {
                Reply::Function(body) => body.to_value(),
                Reply::Json(body) => body,
            },
            headers: answer.headers,
            served_by: answer.served_by.map(ServedByRef::to_owned),
            latency_ms: answer.latency_ms,
            timed_out: answer.timed_out,
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
    hosts: HostIndex,
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
        slot_of(&self.hosts, host).is_some()
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
        self.respond(estate, request, caller, |answer| HostResponse::from(answer))
    }

    /// [`DataPlane::invoke`], with the answer handed to `render` as the data plane decided it,
    /// borrowed from the estate (the listener writes it to the wire from there).
    pub(crate) fn respond<R>(
        &mut self,
        estate: &mut Estate,
        request: &Incoming,
        caller: Option<&str>,
        render: impl FnOnce(Answered<'_>) -> R,
    ) -> R {
        // Answering draws from the estate's seed but does not move its clock.
        let at = estate.now();
        let answered = answer(&self.hosts, estate, request);
        self.timeline.record(Call {
            at,
            caller,
            host: request.host,
            function: request
                .path
                .strip_prefix("/api/")
                .map(|f| f.trim_end_matches('/')),
            status: answered.status,
            served_by: answered.served_by,
        });
        render(answered)
    }
}

/// The (app, slot) whose host name `host` is (any case, without a port).
fn slot_of<'h>(hosts: &'h HostIndex, host: &str) -> Option<&'h (String, String)> {
    hosts.get(&*AzureName::lower(host))
}

/// The answer to `request`: the slot its host names, or the slot production's routing sends it
/// to (with the cookies that pin it there).
fn answer<'a>(hosts: &'a HostIndex, estate: &'a mut Estate, request: &Incoming) -> Answered<'a> {
    let Some((app, slot)) = slot_of(hosts, without_port(request.host)) else {
        return Answered::error(
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
    let mut answered = run_function(estate, app, &slot, request);
    answered.headers.extend(cookies);
    answered
}

/// The answer of the function a request names on a slot: admitted or refused there
/// ([`callable`]), then counted on the slot's instances (cold starts) with a draw for its failure
/// rate, in that order (the draws are part of a drill's seed sequence), all on one lookup of the
/// slot ([`Estate::admit_call`]).
fn run_function<'a>(
    estate: &'a mut Estate,
    app: &'a str,
    slot_name: &str,
    request: &Incoming,
) -> Answered<'a> {
    // The function's name as the release spells it, copied (inline: names are short) so that the
    // estate is free to count the call.
    let admitted = estate.admit_call(app, slot_name, |slot| {
        callable(slot, request).map(AzureName::from)
    });
    let (name, call_index, roll, slot) = match admitted {
        Ok(Admission::Admitted {
            function,
            index,
            roll,
            slot,
        }) => (function, index, roll, slot),
        Ok(Admission::Refused { refusal, slot }) => {
            return Answered {
                served_by: Some(served(app, slot)),
                ..*refusal
            };
        }
        Err(_) => {
            return Answered::error(404, format!("slot `{slot_name}` of `{app}` does not exist"));
        }
    };
    let served_by = served(app, slot);
    let Some((release, (function, behaviour))) = slot
        .release()
        .and_then(|release| Some((release, release.function_entry(name.as_str())?)))
    else {
        // `callable` found it, and counting a call changes neither the slot's release nor its
        // functions.
        return Answered::error(404, format!("function `{name}` not found")).served(served_by);
    };
    let answered = match behaviour.answer(&release.id, function, call_index, roll, slot.config()) {
        Answer::Timeout => Answered {
            latency_ms: HTTP_TRIGGER_TIMEOUT_MS,
            timed_out: true,
            ..Answered::error(
                504,
                format!(
                    "function `{function}` did not answer within {} s",
                    HTTP_TRIGGER_TIMEOUT_MS / 1000
                ),
            )
        },
        Answer::Response {
            status,
            body,
            latency_ms,
        } => Answered {
            latency_ms,
            body: Reply::Function(body),
            ..Answered::json(status, Value::Null)
        },
    };
    answered.served(served_by)
}

/// Who answers on `slot` of `app`: the slot and the release it holds.
fn served<'a>(app: &'a str, slot: &'a Slot) -> ServedByRef<'a> {
    ServedByRef {
        app,
        slot: slot.name(),
        release: slot.release_id(),
    }
}

/// The function the request may call on `slot`, as the release spells it, or the answer that
/// refuses it: a stopped slot, the root path, no `/api/` route, no release or no such function,
/// or a missing or wrong key.
fn callable<'s>(slot: &'s Slot, request: &Incoming) -> Result<&'s str, Box<Answered<'static>>> {
    if slot.state() == SlotState::Stopped {
        return Err(Box::new(Answered::error(
            403,
            "this function app is stopped".to_owned(),
        )));
    }
    let path = request.path.trim_end_matches('/');
    if path.is_empty() {
        return Err(Box::new(Answered::json(
            200,
            json!({ "status": "Your Functions app is up and running" }),
        )));
    }
    let Some(function) = path.strip_prefix("/api/") else {
        return Err(Box::new(Answered::error(
            404,
            format!("no route for `{}`", request.path),
        )));
    };
    let Some(release) = slot.release() else {
        return Err(Box::new(Answered::error(
            404,
            format!("function `{function}` not found: the slot holds no release"),
        )));
    };
    let Some((name, behaviour)) = release.function_entry(function) else {
        return Err(Box::new(Answered::error(
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
        return Err(Box::new(Answered::error(
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
