//! The observable state of an estate, for comparisons: property tests (a failed swap changes
//! nothing), and later the differential test between back ends. It leaves out what is runtime,
//! not configuration: the instances' warmth and restart counters.

use std::collections::BTreeMap;

use crate::caller::{CallerId, FunctionRef};
use crate::estate::Estate;
use crate::keys::SlotKeys;
use crate::name::AzureName;
use crate::settings::SlotConfig;
use crate::slot::{SlotState, SlotSwapStatus};

/// Everything observable about one slot.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotView {
    /// The slot's name as it was created; `production` for production.
    pub name: String,
    /// `defaultHostName`.
    pub host_name: String,
    /// The slot's host and function keys, which stay with the slot in a swap.
    pub keys: SlotKeys,
    /// Running or stopped.
    pub state: SlotState,
    /// Authentication on.
    pub auth_enabled: bool,
    /// `autoSwapSlotName`.
    pub auto_swap_slot_name: Option<String>,
    /// `slotSwapStatus`.
    pub swap_status: Option<SlotSwapStatus>,
    /// `targetSwapSlot`.
    pub target_swap_slot: Option<String>,
    /// Every setting.
    pub config: SlotConfig,
    /// The release id it holds.
    pub release: Option<String>,
}

/// The observable state of every slot, keyed by (app, slot) in lower case, plus every caller's
/// target.
#[derive(Debug, Clone, PartialEq)]
pub struct EstateView {
    /// Slots by (app, slot), names compared as Azure compares them.
    pub slots: BTreeMap<(AzureName, AzureName), SlotView>,
    /// Callers and what they call.
    pub callers: BTreeMap<CallerId, FunctionRef>,
    /// Pending swaps with preview by app: (source, target).
    pub previews: BTreeMap<AzureName, (AzureName, AzureName)>,
}

/// Takes the observable state of `estate`.
pub fn estate_view(estate: &Estate) -> EstateView {
    let mut slots = BTreeMap::new();
    let mut previews = BTreeMap::new();
    for (app_key, app) in &estate.apps {
        for (slot_key, slot) in &app.slots {
            slots.insert(
                (app_key.clone(), slot_key.clone()),
                SlotView {
                    name: slot.name.clone(),
                    host_name: slot.host_name.clone(),
                    keys: slot.keys.clone(),
                    state: slot.state,
                    auth_enabled: slot.auth_enabled,
                    auto_swap_slot_name: slot.auto_swap_slot_name.clone(),
                    swap_status: slot.swap_status.clone(),
                    target_swap_slot: slot.target_swap_slot.clone(),
                    config: slot.config.clone(),
                    release: slot.release_id().map(str::to_owned),
                },
            );
        }
        if let Some(preview) = &app.preview {
            previews.insert(
                app_key.clone(),
                (preview.source.clone(), preview.target.clone()),
            );
        }
    }
    let callers = estate
        .callers()
        .map(|caller| (caller.id.clone(), caller.target.clone()))
        .collect();
    EstateView {
        slots,
        callers,
        previews,
    }
}
