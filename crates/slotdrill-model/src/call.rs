//! A function call as the emulator's data plane makes it on the estate: the slot looked up once,
//! the call admitted or refused there, and an admitted call counted on the slot's instances
//! (cold starts) before a draw from the estate's generator (failure rates), in that order, so
//! that a drill's seed sequence does not depend on how the caller looks things up.

use crate::{AzureName, Estate, ModelError, Slot};

/// What [`Estate::admit_call`] made of a call, with the slot it was made on.
#[derive(Debug)]
pub enum Admission<'e, R> {
    /// The call runs.
    Admitted {
        /// The function, as `admit` named it.
        function: AzureName,
        /// The call's index since the slot's instances last restarted (0 for the first).
        index: u64,
        /// The call's draw from the estate's generator, in `[0, 1)`.
        roll: f64,
        /// The slot that answers.
        slot: &'e Slot,
    },
    /// `admit` refused the call: nothing was counted and nothing drawn.
    Refused {
        /// What `admit` refused it with.
        refusal: R,
        /// The slot that refused it.
        slot: &'e Slot,
    },
}

impl Estate {
    /// One call to `slot` of `app`: `admit` sees the slot and names the function the call may
    /// run, or refuses it. An admitted call is counted on the slot's instances
    /// ([`Estate::record_call`]), then draws from the generator ([`Estate::roll`]). The slot is
    /// looked up once for all of this: the data plane makes one such call per request.
    pub fn admit_call<R>(
        &mut self,
        app: &str,
        slot: &str,
        admit: impl FnOnce(&Slot) -> Result<AzureName, R>,
    ) -> Result<Admission<'_, R>, ModelError> {
        let target = crate::estate::slot_in(&mut self.apps, app, slot)?;
        let function = match admit(target) {
            Ok(function) => function,
            Err(refusal) => {
                return Ok(Admission::Refused {
                    refusal,
                    slot: target,
                });
            }
        };
        let index = target.count_call(function.as_str());
        Ok(Admission::Admitted {
            function,
            index,
            roll: self.rng.next_f64(),
            slot: target,
        })
    }

    /// Counts one call of `function` on the slot's instances and returns its index since the last
    /// restart (0 for the first), without a check or a draw: [`Estate::admit_call`] is the data
    /// plane's whole call, this the count alone (for tests and tools that play calls by hand).
    pub fn record_call(
        &mut self,
        app: &str,
        slot: &str,
        function: &str,
    ) -> Result<u64, ModelError> {
        Ok(self.slot_mut(app, slot)?.count_call(function))
    }
}
