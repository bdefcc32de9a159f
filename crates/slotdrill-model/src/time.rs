//! Virtual time: milliseconds since the start of a rehearsal. The model never reads a real clock.

use std::fmt;

/// A point in virtual time, in milliseconds since the estate was created. Serializes as the
/// number of milliseconds.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Milliseconds since the start of the rehearsal.
    pub fn millis(self) -> u64 {
        self.0
    }

    /// This point plus `millis` milliseconds (saturating).
    pub fn plus_millis(self, millis: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T+{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}
