//! How much history the emulator keeps. A long-running `serve` must not grow without bound, so
//! detail (function calls, finished swap operations, Logic App runs, earlier workflow versions)
//! is kept for the most recent [`EmulatorConfig::history`](crate::EmulatorConfig) entries of
//! each kind, oldest dropped first, while counters keep the totals. A drill keeps everything:
//! its report lists every call, and a drill is finite.

use serde::Serialize;

/// How many recent entries of each kind are kept by default.
pub const DEFAULT_HISTORY: usize = 10_000;

/// How many recent entries of each kind are kept (at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window(usize);

impl Default for Window {
    fn default() -> Self {
        Window(DEFAULT_HISTORY)
    }
}

impl Window {
    pub(crate) fn new(entries: usize) -> Self {
        Window(entries.max(1))
    }

    pub(crate) fn entries(self) -> usize {
        self.0
    }

    /// Drops the oldest entries of `items` beyond the window.
    pub(crate) fn trim<T>(self, items: &mut Vec<T>) {
        if items.len() > self.0 {
            let excess = items.len() - self.0;
            items.drain(..excess);
        }
    }
}

/// What the emulator holds of its history now, for tests and operators: totals are counters,
/// the rest is the bounded window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HistoryStats {
    /// Function calls answered since the start or the last reset (a counter).
    pub calls: u64,
    /// Function call records kept (the window).
    pub retained_calls: usize,
    /// Bytes those records hold, approximately (the records and their strings).
    pub retained_call_bytes: usize,
    /// Swap operations kept (running ones are never dropped).
    pub retained_operations: usize,
    /// Logic App runs kept, over every Logic App.
    pub retained_runs: usize,
}
