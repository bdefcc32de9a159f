//! What a call points at: an ARM function id (`/subscriptions/…/sites/APP[/slots/SLOT]/functions/FN`,
//! parsed case-insensitively) or a function URL (`https://HOST/api/FN?code=…`), with the host
//! resolved to an app and slot.
//!
//! Host names should be read from ARM, never derived; when the caller knows them ([`Hints::hosts`])
//! they win. Offline, a classic or unique default host name is split using the app names the
//! caller or the document knows; a name with no known app is taken as production of that app.

use std::collections::BTreeMap;

use serde_json::Value;
use slotdrill_model::{AzureName, PRODUCTION};

use crate::eval::{first_unknown, has_unknown};
use crate::host_table::HostTable;

/// What the caller knows about the estate, to resolve calls exactly.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// Host name (any case: DNS names are case-insensitive) → (app, slot), as ARM's
    /// `defaultHostName`s say.
    pub hosts: BTreeMap<AzureName, (String, String)>,
    /// App names known to exist, in any case; they split a host such as `orders-deploy` into
    /// app `orders` and slot `deploy` (the longest matching name wins).
    pub apps: Vec<String>,
    /// Setting name → value for `appsetting('NAME')`; a name not here stays unknown.
    pub app_settings: BTreeMap<String, String>,
}

impl Hints {
    /// These hints made ready to resolve the calls of many documents (an estate's workflows):
    /// [`crate::find_calls_prepared`] gives what [`crate::find_calls`] gives, but looks each
    /// host name up in a hash table by its lower-case form instead of comparing it, folded byte
    /// by byte, with the ordered map's keys.
    pub fn prepare(&self) -> PreparedHints<'_> {
        let hosts = HostTable::new(
            self.hosts
                .iter()
                .map(|(host, (app, slot))| (host.as_str(), app.as_str(), slot.as_str())),
        );
        PreparedHints { hints: self, hosts }
    }
}

/// [`Hints`] made ready by [`Hints::prepare`].
#[derive(Debug, Clone)]
pub struct PreparedHints<'a> {
    pub(crate) hints: &'a Hints,
    /// [`Hints::hosts`] by lower-case host name: `AzureName` keys are equal exactly when their
    /// lower-case forms are, so both answer alike. `None` when the names outgrow the table
    /// ([`HostTable::new`]): then [`Hints::hosts`] itself answers.
    hosts: Option<HostTable>,
}

impl<'a> PreparedHints<'a> {
    /// The hints they were made from.
    pub fn hints(&self) -> &'a Hints {
        self.hints
    }

    pub(crate) fn lookup(&self) -> Lookup<'_> {
        Lookup {
            hints: self.hints,
            hosts: self.hosts.as_ref(),
        }
    }
}

/// How host names are looked up: in [`Hints::hosts`] itself, or in a [`PreparedHints`] index.
#[derive(Clone, Copy)]
pub(crate) struct Lookup<'a> {
    pub(crate) hints: &'a Hints,
    hosts: Option<&'a HostTable>,
}

impl<'a> Lookup<'a> {
    pub(crate) fn of(hints: &'a Hints) -> Lookup<'a> {
        Lookup { hints, hosts: None }
    }

    /// The (app, slot) a host name is, as the hints say.
    fn host(&self, host: &str) -> Option<(&'a str, &'a str)> {
        match self.hosts {
            Some(hosts) => hosts.get(host),
            None => self
                .hints
                .hosts
                .get(&AzureName::from(host))
                .map(|(app, slot)| (app.as_str(), slot.as_str())),
        }
    }
}

/// A resolved or partly resolved call target. `None` parts could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// The function app as a hint or the id spells it (lower case when only a host name gave
    /// it); `None` when unresolved.
    pub app: Option<String>,
    /// The slot (`production` unless the call names another); `None` when unresolved.
    pub slot: Option<String>,
    /// The function as the id or the URL's `/api/` segment spells it; `None` when unresolved.
    pub function: Option<String>,
    /// Why something is missing: the expression that stayed unknown, or what was not understood.
    pub reason: Option<String>,
}

fn known(part: &str) -> Option<String> {
    (!part.is_empty() && !has_unknown(part)).then(|| part.to_owned())
}

fn reason_for(text: &str) -> Option<String> {
    first_unknown(text).map(|raw| format!("`{raw}` cannot be resolved offline"))
}

/// An id whose site part stayed unknown (`@{parameters('siteId')}/functions/FN`): the function
/// is still known.
fn function_of_unknown_id(id: &str) -> Option<Target> {
    if !has_unknown(id) {
        return None;
    }
    let (before, function) = id.rsplit_once('/')?;
    before
        .to_ascii_lowercase()
        .ends_with("/functions")
        .then(|| Target {
            function: known(function),
            reason: reason_for(id),
            ..Target::default()
        })
}

/// Parses an ARM function id; `None` when `id` does not have the shape of one.
pub fn from_function_id(id: &str) -> Option<Target> {
    let mut segments = segments(id.trim_matches('/'));
    // The first `sites` segment decides, as a provider path has it once.
    let mut previous: Option<&str> = None;
    let provider_ok = loop {
        match segments.next() {
            None => return function_of_unknown_id(id),
            Some(s) if s.eq_ignore_ascii_case("sites") => {
                break previous.is_some_and(|p| p.eq_ignore_ascii_case("Microsoft.Web"));
            }
            Some(s) => previous = Some(s),
        }
    };
    if !provider_ok {
        return function_of_unknown_id(id);
    }
    // Up to the five segments an id with a slot has after `sites`; more is not a function id.
    let mut rest = [""; 5];
    let mut count = 0;
    for segment in segments {
        let Some(place) = rest.get_mut(count) else {
            return function_of_unknown_id(id);
        };
        *place = segment;
        count += 1;
    }
    let (app, slot, function) = match &rest[..count] {
        [app, functions, function] if functions.eq_ignore_ascii_case("functions") => {
            (*app, PRODUCTION, *function)
        }
        [app, slots, slot, functions, function]
            if slots.eq_ignore_ascii_case("slots")
                && functions.eq_ignore_ascii_case("functions") =>
        {
            (*app, *slot, *function)
        }
        _ => return function_of_unknown_id(id),
    };
    if !has_unknown(id) {
        // No part can hold an unknown, and there is nothing to explain.
        let part = |p: &str| (!p.is_empty()).then(|| p.to_owned());
        return Some(Target {
            app: part(app),
            slot: part(slot),
            function: part(function),
            reason: None,
        });
    }
    Some(Target {
        app: known(app),
        slot: known(slot),
        function: known(function),
        reason: reason_for(id),
    })
}

/// `text` split at each `/` ([`split_at_byte`]).
fn segments(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let (segment, after) = match split_at_byte(current, b'/') {
            Some((segment, after)) => (segment, Some(after)),
            None => (current, None),
        };
        rest = after;
        Some(segment)
    })
}

/// `text` before and after its first `byte`, found by looking at one byte at a time. Ids and URLs
/// are short: a `str` split by a `char` decodes every character, and one by a `char` pattern
/// sets up a `memchr` search each time; both cost more than the scan (callgrind, issue 19).
/// `byte` is ASCII, so both sides are whole characters.
fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let at = text.bytes().position(|b| b == byte)?;
    Some((&text[..at], &text[at + 1..]))
}

/// The parts of a function URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `https` or `http`.
    pub scheme: String,
    /// The host, without a port, in the case the URL wrote it (host names compare ignoring case).
    pub host: String,
    /// The path, starting with `/`.
    pub path: String,
    /// Query parameters in order (not decoded).
    pub query: Vec<(String, String)>,
}

/// Splits `scheme://host[:port]/path?query`; `None` if `uri` is not such a URL.
pub fn split_url(uri: &str) -> Option<Url> {
    let parts = url_parts(uri)?;
    let query = parts
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Some(Url {
        scheme: parts.scheme.to_ascii_lowercase(),
        host: parts.host.to_owned(),
        path: parts.path.to_owned(),
        query,
    })
}

/// A URL's parts as slices of it: what [`split_url`] copies out.
struct UrlParts<'a> {
    scheme: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

fn url_parts(uri: &str) -> Option<UrlParts<'_>> {
    // Byte scans: `split_once("://")` sets up a substring searcher for every URL, and the `char`
    // searches after it a `memchr` each (callgrind, issue 19). Every byte looked for is ASCII, so
    // each cut falls between whole characters.
    let bytes = uri.as_bytes();
    let colon = bytes.windows(3).position(|w| w == b"://")?;
    let (scheme, rest) = (&uri[..colon], &uri[colon + 3..]);
    let (mut port, mut path) = (None, None);
    for (at, byte) in rest.bytes().enumerate() {
        match byte {
            b':' if port.is_none() => port = Some(at),
            b'/' => {
                path = Some(at);
                break;
            }
            _ => {}
        }
    }
    let (authority, path_query) = match path {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    // A `:` counts only before the path, so it is the authority's.
    let host = port.map_or(authority, |at| &rest[..at]);
    let (path, query) = split_at_byte(path_query, b'?').unwrap_or((path_query, ""));
    Some(UrlParts {
        scheme,
        host,
        path,
        query,
    })
}

/// What a host name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A known slot of a known app.
    Slot {
        /// The app, spelled as the hint names it, else as the host does (lower case).
        app: String,
        /// The slot: `production` for the app's own host, else the part after `APP-`.
        slot: String,
    },
    /// Could not be resolved offline; the unknown expression.
    Unknown(String),
    /// Not a function host.
    Other,
}

const DOMAIN: &str = ".azurewebsites.net";

/// Resolves a host name with `hints` (and `doc_apps`, app names found elsewhere in the document).
pub fn resolve_host(host: &str, hints: &Hints, doc_apps: &[String]) -> Host {
    resolve_host_with(host, Lookup::of(hints), doc_apps).0
}

/// [`resolve_host`], and whether the answer came from splitting the host by app names (so that
/// other `doc_apps` could change it).
fn resolve_host_with(host: &str, lookup: Lookup<'_>, doc_apps: &[String]) -> (Host, bool) {
    if let Some(raw) = first_unknown(host) {
        return (Host::Unknown(raw.to_owned()), false);
    }
    if let Some((app, slot)) = lookup.host(host) {
        let host = Host::Slot {
            app: app.to_owned(),
            slot: slot.to_owned(),
        };
        return (host, false);
    }
    let hints = lookup.hints;
    // The suffix and the unique form's region are matched on the lower-case text.
    let lower = host.to_ascii_lowercase();
    let Some(prefix) = lower.strip_suffix(DOMAIN) else {
        return (Host::Other, false);
    };
    let name = match prefix.split_once('.') {
        // Unique default host name: NAME-HASH.REGION-01.
        Some((label, region)) if region.ends_with("-01") && !region.contains('.') => {
            match label.rsplit_once('-') {
                Some((name, hash))
                    if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    name
                }
                _ => return (Host::Other, false),
            }
        }
        Some(_) => return (Host::Other, false),
        None => prefix,
    };
    let known_apps = hints.apps.iter().chain(doc_apps);
    let mut best: Option<(String, String)> = None;
    for app in known_apps {
        let candidate = if AzureName::same(name, app) {
            Some((app.clone(), PRODUCTION.to_owned()))
        } else {
            slot_of(name, app).map(|slot| (app.clone(), slot.to_owned()))
        };
        if let Some(candidate) = candidate
            && best
                .as_ref()
                .is_none_or(|(b, _)| candidate.0.len() > b.len())
        {
            best = Some(candidate);
        }
    }
    let (app, slot) = best.unwrap_or_else(|| (name.to_owned(), PRODUCTION.to_owned()));
    (Host::Slot { app, slot }, true)
}

/// `deploy` when `name` is `APP-deploy` (case-insensitive on the app part).
fn slot_of<'a>(name: &'a str, app: &str) -> Option<&'a str> {
    let head = name.get(..app.len())?;
    let rest = name.get(app.len()..)?;
    (AzureName::same(head, app) && rest.len() > 1)
        .then(|| rest.strip_prefix('-'))
        .flatten()
}

/// Resolves a function URL: `None` when it does not reach a function host.
pub fn from_url(uri: &str, hints: &Hints, doc_apps: &[String]) -> Option<Target> {
    from_url_with(uri, Lookup::of(hints), doc_apps).0
}

/// [`from_url`], and whether the answer came from splitting the host by app names (so that
/// other `doc_apps` could change it).
pub(crate) fn from_url_with(
    uri: &str,
    lookup: Lookup<'_>,
    doc_apps: &[String],
) -> (Option<Target>, bool) {
    let Some(url) = url_parts(uri) else {
        // A URI whose base is an unknown expression may still show the function it calls.
        let target = has_unknown(uri).then(|| {
            let function = uri
                .rfind("/api/")
                .map(|i| &uri[i + "/api/".len()..])
                .map(|rest| rest.split('?').next().unwrap_or(rest).trim_end_matches('/'));
            Target {
                function: function.and_then(known),
                reason: reason_for(uri),
                ..Target::default()
            }
        });
        return (target, false);
    };
    let (host, by_names) = resolve_host_with(url.host, lookup, doc_apps);
    if host == Host::Other {
        return (None, by_names);
    }
    // With no unknown anywhere in the URI, no part holds one and there is nothing to explain.
    let plain = !has_unknown(uri);
    let function = url
        .path
        .strip_prefix("/api/")
        .map(|f| f.trim_end_matches('/'));
    if function.is_none() && (plain || !has_unknown(url.path)) {
        return (None, by_names);
    }
    let (app, slot) = match host {
        Host::Slot { app, slot } => (Some(app), Some(slot)),
        _ => (None, None),
    };
    let target = Target {
        app,
        slot,
        function: match function {
            Some(f) if plain => (!f.is_empty()).then(|| f.to_owned()),
            _ => function.and_then(known),
        },
        reason: if plain { None } else { reason_for(uri) },
    };
    (Some(target), by_names)
}

/// The literal text of a string value, if it is one.
pub(crate) fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}
