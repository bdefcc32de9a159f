//! Slot and app names: Azure compares them case-insensitively, so the model stores them under a
//! lower-case key and keeps the spelling the user gave for display.

use crate::error::ModelError;

/// The name of the production slot. Azure's `WEBSITE_SLOT_NAME` reads `Production` there.
pub const PRODUCTION: &str = "production";

/// The key a name is stored under: names are case-insensitive in Azure.
pub(crate) fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// True when `slot` names the production slot (any spelling).
pub fn is_production(slot: &str) -> bool {
    slot.eq_ignore_ascii_case(PRODUCTION)
}

/// Checks a new slot name the way the portal does: 1–59 letters, digits and hyphens, not starting
/// or ending with a hyphen, and not `production`.
pub fn validate_slot_name(app: &str, slot: &str) -> Result<(), ModelError> {
    let invalid = |reason: &str| ModelError::InvalidSlotName {
        app: app.to_owned(),
        slot: slot.to_owned(),
        reason: reason.to_owned(),
    };
    if slot.is_empty() || slot.len() > 59 {
        return Err(invalid("a slot name has 1 to 59 characters"));
    }
    if !slot.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(invalid("only letters, digits and hyphens are allowed"));
    }
    if slot.starts_with('-') || slot.ends_with('-') {
        return Err(invalid("a slot name cannot start or end with a hyphen"));
    }
    if is_production(slot) {
        return Err(invalid("`production` always exists and cannot be created"));
    }
    Ok(())
}
