//! The management plane's own state: the faults armed against it, ARM's throttling buckets, the
//! long-running operations it has accepted and the swaps the platform will revert. It knows
//! nothing of the estate: the ARM handlers ask it questions and hand it virtual times.

use std::collections::{BTreeMap, BTreeSet};

use slotdrill_model::{AzureName, Timestamp};

use crate::faults::{ArmFault, Bucket, MAX_LATENCY_MS, SERVER_ERROR_STATUSES, Throttling};
use crate::retention::Window;
use crate::wire::ArmResponse;

/// A swap the management plane accepted: the model performs it when its operation completes.
#[derive(Debug, Clone)]
pub(crate) struct PendingSwap {
    pub(crate) app: String,
    pub(crate) source: String,
    pub(crate) target: String,
    /// When it was requested (for App Service's "CreatedTime").
    pub(crate) requested_at: Timestamp,
}

/// A long-running operation: a swap, done at `completes_at`.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) completes_at: Timestamp,
    pub(crate) swap: PendingSwap,
    /// `None` while it runs; its outcome once the swap was performed.
    pub(crate) result: Option<Result<(), ArmResponse>>,
}

/// A swap the platform will undo (an injected fault).
#[derive(Debug, Clone)]
pub(crate) struct Revert {
    pub(crate) app: String,
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) at: Timestamp,
}

/// Faults, throttling, operations and reverts.
#[derive(Debug, Clone, Default)]
pub(crate) struct ManagementPlane {
    faults: Vec<ArmFault>,
    throttling: Option<Throttling>,
    /// Every running operation and the most recent finished ones (at most `window`).
    operations: BTreeMap<String, Operation>,
    /// The ids of the running ones: every management request settles due swaps and checks
    /// the app it writes to, which must not mean a walk over a window of finished ones.
    running: BTreeSet<String>,
    next_operation: u64,
    reverts: Vec<Revert>,
    window: Window,
}

/// The header that tells a client how many requests of its kind it has left.
fn remaining_header(write: bool) -> &'static str {
    if write {
        "x-ms-ratelimit-remaining-subscription-writes"
    } else {
        "x-ms-ratelimit-remaining-subscription-reads"
    }
}

impl ManagementPlane {
    /// The faults armed here (model faults live in the estate).
    pub(crate) fn faults(&self) -> &[ArmFault] {
        &self.faults
    }

    /// Arms a management fault (a throttle turns the buckets on too).
    pub(crate) fn arm(&mut self, fault: ArmFault) {
        if let ArmFault::Throttle { reads, writes } = fault {
            self.throttling = Some(Throttling {
                reads: Bucket::new(reads, 25.0),
                writes: Bucket::new(writes, 10.0),
            });
        }
        self.faults.push(fault);
    }

    /// Disarms every fault and turns throttling off.
    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
        self.throttling = None;
    }

    /// Forgets faults, operations and reverts (`/_slotdrill/reset`).
    pub(crate) fn reset(&mut self) {
        self.clear_faults();
        self.operations.clear();
        self.running.clear();
        self.reverts.clear();
    }

    /// How many finished operations are kept.
    pub(crate) fn set_window(&mut self, window: Window) {
        self.window = window;
        self.forget_old_operations();
    }

    /// Operations kept, running or finished.
    pub(crate) fn retained_operations(&self) -> usize {
        self.operations.len()
    }

    /// Drops the oldest finished operations beyond the window (a client polls an operation
    /// until it ends; one that ended long ago is not polled). Ids sort in creation order, so
    /// the oldest finished ones come first.
    fn forget_old_operations(&mut self) {
        let finished = self.operations.len() - self.running.len();
        let excess = finished.saturating_sub(self.window.entries());
        if excess == 0 {
            return;
        }
        let oldest: Vec<String> = self
            .operations
            .keys()
            .filter(|id| !self.running.contains(*id))
            .take(excess)
            .cloned()
            .collect();
        for id in &oldest {
            self.operations.remove(id);
        }
    }

    /// The real delay every answer gets from `latency` faults: their sum, never more than
    /// [`MAX_LATENCY_MS`] (faults armed in process are not checked when armed; a plain sum of
    /// two large ones overflowed).
    pub(crate) fn latency_ms(&self) -> u64 {
        self.faults
            .iter()
            .map(|f| match f {
                ArmFault::Latency { ms } => *ms,
                _ => 0,
            })
            .fold(0u64, u64::saturating_add)
            .min(MAX_LATENCY_MS)
    }

    /// Fires one fault matching `is`: a counted one is decremented (removed at zero), any other
    /// removed.
    pub(crate) fn take(&mut self, is: impl Fn(&ArmFault) -> bool) -> Option<ArmFault> {
        let i = self.faults.iter().position(is)?;
        match &mut self.faults[i] {
            ArmFault::ExpiredToken { count } | ArmFault::ConnectionReset { count }
                if *count > 1 =>
            {
                *count -= 1;
                Some(self.faults[i].clone())
            }
            _ => Some(self.faults.remove(i)),
        }
    }

    /// The probability and status of the armed server-error fault, if any. A status that is not
    /// a server error (armed in process) answers 500.
    pub(crate) fn server_error(&self) -> Option<(f64, u16)> {
        self.faults.iter().find_map(|f| match f {
            ArmFault::ServerError {
                probability,
                status,
            } => Some((
                *probability,
                if SERVER_ERROR_STATUSES.contains(status) {
                    *status
                } else {
                    500
                },
            )),
            _ => None,
        })
    }

    /// Takes a token for a read or a write. `Ok` holds the header to send (none when throttling
    /// is off); `Err` the 429.
    pub(crate) fn throttle(
        &mut self,
        write: bool,
    ) -> Result<Option<(String, String)>, ArmResponse> {
        let Some(throttling) = self.throttling.as_mut() else {
            return Ok(None);
        };
        let bucket = if write {
            &mut throttling.writes
        } else {
            &mut throttling.reads
        };
        let header = remaining_header(write);
        match bucket.take() {
            Ok(remaining) => Ok(Some((header.to_owned(), remaining.to_string()))),
            Err(retry_after) => {
                Err(
                    ArmResponse::error(429, "TooManyRequests", "The request is being throttled.")
                        .header("retry-after", retry_after.to_string())
                        .header(header, "0"),
                )
            }
        }
    }

    /// Accepts a swap that completes at `completes_at`; returns its operation id.
    pub(crate) fn start_operation(&mut self, completes_at: Timestamp, swap: PendingSwap) -> String {
        self.next_operation += 1;
        let id = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.next_operation, self.next_operation
        );
        self.operations.insert(
            id.clone(),
            Operation {
                completes_at,
                swap,
                result: None,
            },
        );
        self.running.insert(id.clone());
        id
    }

    /// The running operations, oldest first.
    fn running(&self) -> impl Iterator<Item = (&String, &Operation)> {
        self.running
            .iter()
            .filter_map(|id| self.operations.get_key_value(id))
    }

    /// The operation still running on `app`, if any, with its id.
    pub(crate) fn running_on(&self, app: &str) -> Option<(&str, &Operation)> {
        self.running()
            .find(|(_, o)| AzureName::same(&o.swap.app, app))
            .map(|(id, o)| (id.as_str(), o))
    }

    /// The swaps whose operations are due at `now` and not yet performed, oldest first.
    pub(crate) fn due_swaps(&self, now: Timestamp) -> Vec<(String, PendingSwap)> {
        let mut due: Vec<_> = self
            .running()
            .filter(|(_, o)| o.completes_at <= now)
            .map(|(id, o)| (o.completes_at, id.clone(), o.swap.clone()))
            .collect();
        due.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        due.into_iter().map(|(_, id, swap)| (id, swap)).collect()
    }

    /// Records the outcome of a performed swap.
    pub(crate) fn finish(&mut self, id: &str, result: Result<(), ArmResponse>) {
        if let Some(operation) = self.operations.get_mut(id) {
            operation.result = Some(result);
        }
        self.running.remove(id);
        self.forget_old_operations();
    }

    /// An operation by id.
    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(id)
    }

    /// Schedules the platform's revert of a swap.
    pub(crate) fn schedule_revert(&mut self, revert: Revert) {
        self.reverts.push(revert);
    }

    /// Takes the reverts that are due at `now`.
    pub(crate) fn due_reverts(&mut self, now: Timestamp) -> Vec<Revert> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reverts)
            .into_iter()
            .partition(|r| r.at <= now);
        self.reverts = later;
        due
    }
}
