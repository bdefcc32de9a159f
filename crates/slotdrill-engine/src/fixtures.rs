//! Apps made by hand for the engine's unit tests: running slots with classic host names.

use slotdrill_model::PRODUCTION;

use crate::cloud::{AppSnapshot, ReleaseSource, SlotSnapshot};

/// App `name` with a production and a deploy slot, each running `functions`.
pub(crate) fn app(name: &str, functions: &[&str]) -> AppSnapshot {
    AppSnapshot {
        name: name.to_owned(),
        slots: vec![
            slot(name, PRODUCTION, functions),
            slot(name, "deploy", functions),
        ],
        sticky: Vec::new(),
    }
}

/// Slot `name` of `app`, running `functions`, with no release, settings or swap recorded.
pub(crate) fn slot(app: &str, name: &str, functions: &[&str]) -> SlotSnapshot {
    SlotSnapshot {
        name: name.to_owned(),
        host_name: slotdrill_model::classic_host_name(app, name),
        release: None,
        release_source: ReleaseSource::default(),
        release_note: None,
        running: true,
        functions: functions.iter().map(|&f| f.to_owned()).collect(),
        settings: Default::default(),
        deployed_since_swap: false,
        last_swap: None,
        live_since: None,
    }
}
