//! The pinned-caller guard: callers pinned to a non-production slot run whatever that slot
//! holds, so a deploy or swap that changes it is refused unless forced, with the callers named.

use slotdrill_model::{AzureName, is_production};

use crate::error::EngineError;
use crate::observe::{CallerObservation, Observation};

/// Callers that call a non-production slot.
pub fn pinned_callers(observation: &Observation) -> Vec<&CallerObservation> {
    observation
        .callers()
        .iter()
        .filter(|c| c.slot.as_deref().is_some_and(|s| !is_production(s)))
        .collect()
}

fn pinned_to<'a>(
    observation: &'a Observation,
    app: &str,
    slot: &str,
) -> Vec<&'a CallerObservation> {
    observation
        .callers_of(app)
        .filter(|c| c.slot.as_deref().is_some_and(|s| !is_production(s)))
        .filter(|c| {
            c.app.as_deref().is_some_and(|a| AzureName::same(a, app))
                && c.slot.as_deref().is_some_and(|s| AzureName::same(s, slot))
        })
        .collect()
}

fn refuse(
    app: &str,
    slot: &str,
    callers: Vec<&CallerObservation>,
    force: bool,
) -> Result<(), EngineError> {
    if callers.is_empty() || force {
        return Ok(());
    }
    Err(EngineError::PinnedCallers {
        app: app.to_owned(),
        slot: slot.to_owned(),
        callers: callers.iter().map(|c| c.id()).collect(),
    })
}

/// Refuses a deploy to `slot` that pinned callers would then run.
pub fn check_deploy(
    observation: &Observation,
    app: &str,
    slot: &str,
    force: bool,
) -> Result<(), EngineError> {
    refuse(app, slot, pinned_to(observation, app, slot), force)
}

/// Refuses a swap that changes the code of a slot callers are pinned to.
pub fn check_swap(
    observation: &Observation,
    app: &str,
    source: &str,
    target: &str,
    force: bool,
) -> Result<(), EngineError> {
    for slot in [source, target].into_iter().filter(|s| !is_production(s)) {
        refuse(app, slot, pinned_to(observation, app, slot), force)?;
    }
    Ok(())
}
