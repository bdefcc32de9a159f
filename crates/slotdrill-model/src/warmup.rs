//! The warm-up step of a swap: ping `WEBSITE_SWAP_WARMUP_PING_PATH` (default `/`) on the source
//! after its restart. Any answer counts as warm unless `WEBSITE_SWAP_WARMUP_PING_STATUSES`
//! restricts the codes; a code outside that list stops the swap at once. A ping that gets no
//! answer waits 90 s and is tried again, five attempts in all; all of them timing out stops it.
//!
//! The ping is an HTTP request like any other and carries no function key: the host checks keys
//! before it runs a function, so a path to a function that needs a key (function or admin
//! level) answers 401 without running it (Azure/azure-functions-host#6942), and only anonymous
//! functions (or `/`) can report their own health to the warm-up.

use std::fmt;

use crate::rng::SplitMix64;
use crate::settings::well_known;
use crate::slot::Slot;

/// Attempts before the warm-up gives up on timeouts.
pub const WARMUP_ATTEMPTS: usize = 5;
/// How long one ping waits for an answer, in milliseconds.
pub const WARMUP_PING_TIMEOUT_MS: u64 = 90_000;

/// What the warm-up did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmupReport {
    /// The path pinged: `WEBSITE_SWAP_WARMUP_PING_PATH`, else `/`.
    pub path: String,
    /// One entry per attempt: the status, or `None` for a timeout.
    pub attempts: Vec<Option<u16>>,
    /// Virtual time the warm-up took.
    pub duration_ms: u64,
}

/// Why a warm-up stopped a swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarmupFailure {
    /// A fault was injected for this warm-up.
    Injected,
    /// The ping answered a code outside `WEBSITE_SWAP_WARMUP_PING_STATUSES`.
    StatusNotAllowed {
        /// The path pinged (`WEBSITE_SWAP_WARMUP_PING_PATH`, else `/`).
        path: String,
        /// The code it answered.
        status: u16,
        /// The codes `WEBSITE_SWAP_WARMUP_PING_STATUSES` lists.
        allowed: Vec<u16>,
    },
    /// Every attempt timed out.
    TimedOut {
        /// The path pinged (`WEBSITE_SWAP_WARMUP_PING_PATH`, else `/`).
        path: String,
        /// How many attempts were made.
        attempts: usize,
    },
}

impl fmt::Display for WarmupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarmupFailure::Injected => f.write_str("the warm-up ping failed (injected fault)"),
            WarmupFailure::StatusNotAllowed {
                path,
                status,
                allowed,
            } => {
                let allowed: Vec<String> = allowed.iter().map(u16::to_string).collect();
                write!(
                    f,
                    "ping to `{path}` answered {status}, not one of {} ({})",
                    allowed.join(","),
                    well_known::WARMUP_PING_STATUSES
                )
            }
            WarmupFailure::TimedOut { path, attempts } => write!(
                f,
                "ping to `{path}` timed out {attempts} times ({} s each)",
                WARMUP_PING_TIMEOUT_MS / 1000
            ),
        }
    }
}

/// Parses `WEBSITE_SWAP_WARMUP_PING_STATUSES` (`200,202`). Entries that are not status codes are
/// ignored, as the platform ignores them; an empty list means any code.
fn allowed_statuses(value: Option<&str>) -> Option<Vec<u16>> {
    let codes: Vec<u16> = value?
        .split(',')
        .filter_map(|code| code.trim().parse().ok())
        .collect();
    (!codes.is_empty()).then_some(codes)
}

/// Runs the warm-up against `slot` (already restarted with the target's sticky settings).
pub(crate) fn warm_up(
    slot: &mut Slot,
    rng: &mut SplitMix64,
) -> Result<WarmupReport, (WarmupFailure, WarmupReport)> {
    let path = slot
        .config
        .setting(well_known::WARMUP_PING_PATH)
        .filter(|p| !p.is_empty())
        .unwrap_or("/")
        .to_owned();
    let allowed = allowed_statuses(slot.config.setting(well_known::WARMUP_PING_STATUSES));
    let mut report = WarmupReport {
        path: path.clone(),
        attempts: Vec::new(),
        duration_ms: 0,
    };
    for _ in 0..WARMUP_ATTEMPTS {
        match ping(slot, &path, rng) {
            None => {
                report.attempts.push(None);
                report.duration_ms += WARMUP_PING_TIMEOUT_MS;
            }
            Some((status, latency_ms)) => {
                report.attempts.push(Some(status));
                report.duration_ms += latency_ms;
                return match &allowed {
                    Some(codes) if !codes.contains(&status) => Err((
                        WarmupFailure::StatusNotAllowed {
                            path,
                            status,
                            allowed: codes.clone(),
                        },
                        report,
                    )),
                    _ => Ok(report),
                };
            }
        }
    }
    let attempts = report.attempts.len();
    Err((WarmupFailure::TimedOut { path, attempts }, report))
}

/// One ping: `Some((status, latency))`, or `None` when it times out. `/` is the host's own page,
/// which answers 200 whatever the content; `/api/FN` runs the function if it is anonymous, and
/// answers 401 at once otherwise (the ping has no key). A query in the path is not sent.
fn ping(slot: &mut Slot, path: &str, rng: &mut SplitMix64) -> Option<(u16, u64)> {
    let path = path.split('?').next().unwrap_or(path);
    if path.trim_end_matches('/').is_empty() {
        return Some((200, 0));
    }
    let Some(function) = path.strip_prefix("/api/") else {
        return Some((404, 0));
    };
    let function = function.trim_end_matches('/');
    let Some(release) = slot.release.clone() else {
        return Some((404, 0));
    };
    let Some((name, behaviour)) = release.function_entry(function) else {
        return Some((404, 0));
    };
    if behaviour.auth != crate::AuthLevel::Anonymous {
        return Some((401, 0));
    }
    let calls = slot.warmth.entry(name.to_owned()).or_insert(0);
    let call_index = *calls;
    *calls += 1;
    let answer = behaviour.invoke(&release.id, name, call_index, rng.next_f64(), &slot.config);
    match answer {
        crate::Invocation::Timeout => None,
        crate::Invocation::Response {
            status, latency_ms, ..
        } => Some((status, latency_ms)),
    }
}
