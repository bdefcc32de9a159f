//! The engine's back end inside a drill: the in-process emulator, plus the control-plane faults
//! a drill injects (throttled or failing writes), applied deterministically so that the same
//! drill always fails at the same step.

use std::cell::RefCell;

use slotdrill_emulator::Emulator;
use slotdrill_engine::{CloudCall, CloudError, CloudHooks, Hooked};

/// Control-plane faults of a drill.
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlPlane {
    /// Writes (workflow PUTs, swaps) allowed before ARM throttles (`None`: no throttling).
    pub(crate) writes_left: Option<u32>,
    /// Writes fail with this status with this probability (seeded).
    pub(crate) server_error: Option<(f64, u16)>,
}

/// The faults armed now.
pub(crate) struct DrillFaults<'a> {
    /// Rolls the dice for server errors (the emulator's seeded generator).
    pub(crate) emulator: &'a Emulator,
    pub(crate) faults: RefCell<ControlPlane>,
}

/// The emulator with the drill's faults before every write.
pub(crate) type DrillCloud<'a> = Hooked<'a, DrillFaults<'a>>;

/// A drill's back end over `emulator`, no faults armed.
pub(crate) fn drill_cloud(emulator: &Emulator) -> DrillCloud<'_> {
    Hooked {
        inner: emulator,
        hooks: DrillFaults {
            emulator,
            faults: RefCell::new(ControlPlane::default()),
        },
    }
}

impl CloudHooks for DrillFaults<'_> {
    fn before(&self, call: CloudCall) -> Result<(), CloudError> {
        if !call.is_write() {
            return Ok(());
        }
        let mut faults = self.faults.borrow_mut();
        if let Some(left) = faults.writes_left.as_mut() {
            if *left == 0 {
                return Err(CloudError::Throttled {
                    message:
                        "429 TooManyRequests: the request is being throttled; retry after 10 s"
                            .to_owned(),
                    retry_after_ms: Some(10_000),
                });
            }
            *left -= 1;
        }
        if let Some((probability, status)) = faults.server_error {
            let roll = self.emulator.roll();
            if roll < probability {
                return Err(CloudError::failed(format!(
                    "{status}: an injected server error"
                )));
            }
        }
        Ok(())
    }
}
