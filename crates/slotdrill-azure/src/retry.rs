//! When a failed ARM request is sent again: throttling, App Service's "another operation is in
//! progress" 409 and requests never sent for any method, server errors and lost answers only for
//! methods that are safe to repeat, with jittered exponential backoff bounded in attempts, in
//! each wait and in total.

use std::time::Duration;

use reqwest::Method;

use crate::client::{Answer, ArmError};
use crate::error_body::{ErrorBody, another_operation_in_progress};

/// How hard to try again. The defaults suit Azure; tests shorten the waits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait when ARM gives no `Retry-After`; it doubles with each retry.
    pub base_delay: Duration,
    /// The longest single wait, whatever `Retry-After` says.
    pub max_delay: Duration,
    /// The longest a request may spend waiting to be retried, in all.
    pub max_waiting: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_waiting: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before trying again, or `None` to stop. Throttling (429), App Service's
    /// 409 "another operation is in progress" and a connection never made are retried for any
    /// method, `slotsswap` included: the request did nothing. Any other 409 is not retried: it
    /// is a state that waiting does not end (a swap with preview pending until someone completes
    /// or cancels it). A server error or a lost answer is retried only for methods that are safe
    /// to repeat (GET, PUT, DELETE), never for a POST such as `slotsswap`, which may have acted.
    /// The wait is `Retry-After` when ARM gives one, else `base_delay × 2ⁿ` times `spread` (the
    /// jitter, 0.5–1.5, so that clients throttled together do not come back together).
    pub(crate) fn delay(
        &self,
        method: &Method,
        result: &Result<Answer, ArmError>,
        attempt: u32,
        spread: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let idempotent = matches!(*method, Method::GET | Method::PUT | Method::DELETE);
        let asked = match result {
            Ok(answer) if answer.status == 429 => retry_after(&answer.headers),
            Ok(answer)
                if answer.status == 409
                    && another_operation_in_progress(&ErrorBody::read(&answer.body)) =>
            {
                retry_after(&answer.headers)
            }
            Ok(answer) if idempotent && matches!(answer.status, 500 | 502 | 503 | 504) => {
                retry_after(&answer.headers)
            }
            Err(ArmError::Transport { sent: false, .. }) => None,
            Err(ArmError::Transport { .. }) if idempotent => None,
            _ => return None,
        };
        Some(
            asked
                .unwrap_or_else(|| {
                    self.base_delay
                        .saturating_mul(1 << attempt.min(16))
                        .mul_f64(spread)
                })
                .min(self.max_delay),
        )
    }
}

/// `Retry-After` in its delay-seconds form (the form ARM documents for 429 and for polling).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// A jitter factor in 0.5–1.5 (real time is involved anyway: these are real network waits).
pub(crate) fn spread() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    0.5 + f64::from(nanos % 1_000) / 1_000.0
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn answer(status: u16) -> Result<Answer, ArmError> {
        Ok(Answer {
            status,
            body: Value::Null,
            headers: Default::default(),
        })
    }

    fn secs(d: Option<Duration>) -> Option<u64> {
        d.map(|d| d.as_secs())
    }

    #[test]
    fn only_throttling_and_safe_retries_wait() {
        let policy = RetryPolicy::default();
        let delay = |method: &Method, result: &Result<Answer, ArmError>, attempt: u32| {
            policy.delay(method, result, attempt, 1.0)
        };
        assert_eq!(secs(delay(&Method::POST, &answer(429), 0)), Some(1));
        assert_eq!(secs(delay(&Method::GET, &answer(503), 3)), Some(8));
        assert_eq!(secs(delay(&Method::GET, &answer(503), 4)), None);
        assert_eq!(secs(delay(&Method::POST, &answer(503), 0)), None);
        assert_eq!(secs(delay(&Method::GET, &answer(404), 0)), None);
        assert_eq!(secs(delay(&Method::GET, &answer(200), 0)), None);
        let lost = Err(ArmError::Transport {
            request: "PUT /p".to_owned(),
            message: "reset".to_owned(),
            sent: true,
        });
        assert_eq!(secs(delay(&Method::PUT, &lost, 1)), Some(2));
        assert_eq!(secs(delay(&Method::POST, &lost, 1)), None, "may have acted");
        let refused = Err(ArmError::Transport {
            request: "POST /p".to_owned(),
            message: "refused".to_owned(),
            sent: false,
        });
        assert_eq!(
            secs(delay(&Method::POST, &refused, 1)),
            Some(2),
            "never sent"
        );
        let busy = |message: &str| {
            Ok(Answer {
                status: 409,
                body: serde_json::json!({ "Code": "Conflict", "Message": message }),
                headers: Default::default(),
            })
        };
        assert_eq!(
            secs(delay(
                &Method::POST,
                &busy("Cannot modify this site because another operation is in progress."),
                0
            )),
            Some(1)
        );
        assert_eq!(
            secs(delay(
                &Method::POST,
                &busy(
                    "The slot cannot be changed because its configuration settings have been prepared for swap."
                ),
                0
            )),
            None,
            "waiting does not end a pending swap with preview"
        );
    }

    #[test]
    fn waits_are_jittered_and_capped() {
        let policy = RetryPolicy::default();
        let lost = Err(ArmError::Transport {
            request: "GET /p".to_owned(),
            message: "reset".to_owned(),
            sent: true,
        });
        let jittered = policy.delay(&Method::GET, &lost, 3, 0.5).expect("retried");
        assert_eq!(jittered, Duration::from_secs(4), "8 s spread by half");
        for _ in 0..100 {
            assert!((0.5..1.5).contains(&spread()));
        }
        let mut throttled = Answer {
            status: 429,
            body: Value::Null,
            headers: Default::default(),
        };
        throttled
            .headers
            .insert("retry-after", "600".parse().expect("header"));
        assert_eq!(
            secs(policy.delay(&Method::GET, &Ok(throttled), 0, 1.0)),
            Some(60),
            "capped"
        );
        let short = RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..policy
        };
        assert_eq!(
            short.delay(&Method::GET, &answer(500), 2, 1.0),
            Some(Duration::from_millis(40))
        );
    }
}
