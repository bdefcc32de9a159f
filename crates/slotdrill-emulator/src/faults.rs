//! Faults a rehearsal can inject into the management plane, declared in the estate file or set
//! at run time through the admin API (`/_slotdrill/faults`). Swap faults go through the model
//! (a failed restart or warm-up reverts the swap, as on Azure); the others shape ARM's answers.
//!
//! Numbers are bounded where they are read (the estate file, a drill step, the admin API), so a
//! fault out of range is refused with its position rather than armed: a `latency` at most
//! [`MAX_LATENCY_MS`], a `server_error` status a server error (500–599), a probability within
//! 0–1. Faults armed in process are held to the same bounds when they act (`management.rs`).

use std::time::Instant;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

/// The longest real delay a `latency` fault (or several together) gives an answer: 300 s, the
/// read timeout Azure SDK clients give up after by default (azure-core's `read_timeout`); a
/// longer delay rehearses nothing a client would see but a timeout, and holds a connection.
pub const MAX_LATENCY_MS: u64 = 300_000;

/// The statuses a `server_error` fault may answer with: server errors (RFC 9110 §15.6, 5xx).
pub const SERVER_ERROR_STATUSES: std::ops::RangeInclusive<u16> = 500..=599;

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArmFault {
    /// The next swap of `app` is refused with 409 Conflict.
    SwapConflict {
        /// The app.
        app: String,
    },
    /// The next warm-up of `slot` fails: the swap ends Failed (HTTP 417 from the ping).
    WarmupFailure {
        /// The app.
        app: String,
        /// The slot being warmed up (the swap's source).
        slot: String,
    },
    /// The next restart of `slot` during a swap fails: the swap ends Failed and is reverted.
    RestartFailure {
        /// The app.
        app: String,
        /// The slot (the swap's source).
        slot: String,
    },
    /// ARM's token buckets: reads 250 (refilled 25/s), writes 200 (10/s), unless smaller sizes
    /// are given. Over the limit: 429 with `Retry-After`.
    Throttle {
        /// Read bucket size.
        #[serde(default = "default_reads")]
        reads: u32,
        /// Write bucket size.
        #[serde(default = "default_writes")]
        writes: u32,
    },
    /// Management requests fail with `status` with this probability (seeded).
    ServerError {
        /// 0–1.
        #[serde(deserialize_with = "probability")]
        probability: f64,
        /// The status, 500 by default; 500–599.
        #[serde(
            default = "default_server_error",
            deserialize_with = "server_error_status"
        )]
        status: u16,
    },
    /// Every management answer is delayed by `ms` real milliseconds (at most
    /// [`MAX_LATENCY_MS`], for one fault and for all of them together).
    Latency {
        /// The delay.
        #[serde(deserialize_with = "latency_ms")]
        ms: u64,
    },
    /// The next `count` management requests get 401 `ExpiredAuthenticationToken`.
    ExpiredToken {
        /// How many.
        #[serde(default = "one")]
        count: u32,
    },
    /// The next `count` management requests have their connection reset.
    ConnectionReset {
        /// How many.
        #[serde(default = "one")]
        count: u32,
    },
    /// The next swap of `app` is accepted and runs, but its answer is lost: the connection is
    /// closed before the client sees the 202 (so it cannot know the swap happened).
    SwapAnswerLost {
        /// The app.
        app: String,
    },
    /// After the next successful swap of `app`, the platform swaps it back `after_ms` of virtual
    /// time later (a reported real failure).
    SwapRevert {
        /// The app.
        app: String,
        /// Virtual delay before the revert.
        after_ms: u64,
    },
}

fn default_reads() -> u32 {
    250
}
fn default_writes() -> u32 {
    200
}
fn default_server_error() -> u16 {
    500
}
fn one() -> u32 {
    1
}

fn latency_ms<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let ms = u64::deserialize(deserializer)?;
    if ms > MAX_LATENCY_MS {
        return Err(D::Error::custom(format!(
            "latency of {ms} ms is over the maximum of {MAX_LATENCY_MS} ms (300 s, the read timeout of Azure SDK clients)"
        )));
    }
    Ok(ms)
}

fn server_error_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let status = u16::deserialize(deserializer)?;
    if !SERVER_ERROR_STATUSES.contains(&status) {
        return Err(D::Error::custom(format!(
            "status {status} is not a server error: expected 500 to 599"
        )));
    }
    Ok(status)
}

fn probability<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let probability = f64::deserialize(deserializer)?;
    if !(0.0..=1.0).contains(&probability) {
        return Err(D::Error::custom(format!(
            "probability {probability} is outside 0 to 1"
        )));
    }
    Ok(probability)
}

/// A token bucket on real time: throttling is about the real request rate of a client.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    capacity: f64,
    tokens: f64,
    refill_per_second: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn new(capacity: u32, refill_per_second: f64) -> Self {
        Bucket {
            capacity: f64::from(capacity),
            tokens: f64::from(capacity),
            refill_per_second,
            last: Instant::now(),
        }
    }

    /// Takes one token; on failure, the seconds until one is back.
    pub(crate) fn take(&mut self) -> Result<u32, u64> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.refill_per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens as u32)
        } else {
            Err(((1.0 - self.tokens) / self.refill_per_second)
                .ceil()
                .max(1.0) as u64)
        }
    }
}

/// Both buckets, when throttling is on.
#[derive(Debug, Clone)]
pub(crate) struct Throttling {
    pub(crate) reads: Bucket,
    pub(crate) writes: Bucket,
}
