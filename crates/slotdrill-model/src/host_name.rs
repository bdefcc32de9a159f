//! Default host names of slots, in Azure's two forms.
//!
//! Classic: `APP.azurewebsites.net` for production and `APP-SLOT.azurewebsites.net` for a slot,
//! with the app part cut to 40 characters and the slot part to 19, and 4 extra characters when
//! that name is already taken (Learn, "Set up staging environments", Add a slot; the estate
//! adds them, `with_extra_characters`). Unique default host names:
//! `APP-HASH.REGION-01.azurewebsites.net` and `APP-SLOT-HASH.REGION-01.azurewebsites.net`, with a
//! 16-character hash; in a slot's, the app part is cut to 23 characters (19 are kept for the slot
//! whatever its length: Azure/azure-sdk-for-net#53577). Callers of the model must read host
//! names from the slot, never derive them: these functions exist so the model can hand out both
//! forms, as Azure does.

use crate::name::is_production;
use crate::rng::fnv1a;

/// Which form of default host name an app gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HostNameStyle {
    /// `APP.azurewebsites.net`, `APP-SLOT.azurewebsites.net`.
    #[default]
    Classic,
    /// `APP-HASH.REGION-01.azurewebsites.net`, `APP-SLOT-HASH.REGION-01.azurewebsites.net`.
    Unique,
}

const DOMAIN: &str = "azurewebsites.net";
const CLASSIC_APP_PART: usize = 40;
const CLASSIC_SLOT_PART: usize = 19;
/// The app part of a slot's unique host name: 63 − 17 (`-HASH`) − 1 (`-`) − 19 (the slot part,
/// reserved whatever the slot's length) − 3, as observed: 23.
const UNIQUE_SLOT_APP_PART: usize = 23;
/// The longest DNS label (RFC 1035 §2.3.4).
const DNS_LABEL: usize = 63;
/// How many characters are added to a host name that is already taken.
pub(crate) const EXTRA_CHARACTERS: usize = 4;
/// A DNS label is at most 63 characters; the unique form spends 17 of them on `-HASH`. How Azure
/// shortens long names in the unique form is unconfirmed: we cut the name part to fit the label.
const UNIQUE_NAME_PART: usize = 63 - 17;

fn truncate(s: &str, max: usize) -> &str {
    // Names are ASCII (validated), so byte slicing is character slicing.
    &s[..s.len().min(max)]
}

/// The classic default host name of `slot` of `app`.
pub fn classic_host_name(app: &str, slot: &str) -> String {
    let app = app.to_ascii_lowercase();
    if is_production(slot) {
        format!("{app}.{DOMAIN}")
    } else {
        let slot = slot.to_ascii_lowercase();
        format!(
            "{}-{}.{DOMAIN}",
            truncate(&app, CLASSIC_APP_PART),
            truncate(&slot, CLASSIC_SLOT_PART)
        )
    }
}

/// Whether `host` (any ASCII case) is [`classic_host_name`]`(app, slot)`, found without building
/// that name: for checking a host against the app and slot it would answer with, at estate scale.
// Inlined across crates: the host table calls it once per URL call (no LTO in release).
#[inline]
pub fn is_classic_host_name(host: &str, app: &str, slot: &str) -> bool {
    let production = is_production(slot);
    let (host, app, slot) = (host.as_bytes(), app.as_bytes(), slot.as_bytes());
    let Some(label) = host
        .len()
        .checked_sub(DOMAIN.len() + 1)
        .filter(|&end| host[end] == b'.' && host[end + 1..].eq_ignore_ascii_case(DOMAIN.as_bytes()))
        .map(|end| &host[..end])
    else {
        return false;
    };
    if production {
        return label.eq_ignore_ascii_case(app);
    }
    // Cut as `truncate` cuts, on bytes: a host that matches was cut at a character's edge.
    let app = &app[..app.len().min(CLASSIC_APP_PART)];
    let slot = &slot[..slot.len().min(CLASSIC_SLOT_PART)];
    label.len() == app.len() + 1 + slot.len()
        && label[..app.len()].eq_ignore_ascii_case(app)
        && label[app.len()] == b'-'
        && label[app.len() + 1..].eq_ignore_ascii_case(slot)
}

/// The unique default host name of `slot` of `app`. The hash is stable for the same subscription,
/// resource group, app and slot, as Azure's is for the same resource.
pub fn unique_host_name(
    subscription: &str,
    resource_group: &str,
    app: &str,
    slot: &str,
    location: &str,
) -> String {
    let hash = fnv1a(&[subscription, resource_group, app, slot]);
    let hash2 = fnv1a(&[slot, app, resource_group, subscription]);
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = (u128::from(hash) << 64) | u128::from(hash2);
    let mut suffix = String::with_capacity(16);
    for _ in 0..16 {
        suffix.push(char::from(alphabet[(bits % 36) as usize]));
        bits /= 36;
    }
    let region: String = location
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let name = if is_production(slot) {
        app.to_ascii_lowercase()
    } else {
        format!(
            "{}-{}",
            truncate(&app.to_ascii_lowercase(), UNIQUE_SLOT_APP_PART),
            truncate(&slot.to_ascii_lowercase(), CLASSIC_SLOT_PART)
        )
    };
    format!(
        "{}-{suffix}.{region}-01.{DOMAIN}",
        truncate(&name, UNIQUE_NAME_PART)
    )
}

/// `host` with `extra` appended to its first label (`orders-deploy.azurewebsites.net` →
/// `orders-deployk3x9.azurewebsites.net`): how a taken host name is made unique. Learn says the
/// characters are "appended"; whether with a separator is not documented (none here).
/// The label is first cut so that it stays within DNS's 63 characters (a cut name can be 60
/// long: 40, `-`, 19); how Azure keeps within the limit then is not documented.
pub fn with_extra_characters(host: &str, extra: &str) -> String {
    let (label, domain) = host.split_once('.').unwrap_or((host, ""));
    let label = truncate(label, DNS_LABEL - extra.len());
    if domain.is_empty() {
        format!("{label}{extra}")
    } else {
        format!("{label}{extra}.{domain}")
    }
}

/// [`EXTRA_CHARACTERS`] lower-case letters and digits from the estate's seeded generator.
pub(crate) fn extra_characters(rng: &mut crate::rng::SplitMix64) -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = rng.next_u64();
    (0..EXTRA_CHARACTERS)
        .map(|_| {
            let c = char::from(alphabet[(bits % 36) as usize]);
            bits /= 36;
            c
        })
        .collect()
}
