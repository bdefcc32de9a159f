//! Azure names: function apps, slots, Logic Apps, functions and host names. Azure compares them
//! without regard to ASCII case ("Always perform a case-insensitive comparison of names", Learn,
//! "Naming rules and restrictions for Azure resources"), so [`AzureName`] keeps the spelling it
//! was given for display and JSON and compares, hashes and orders by its lower-case form.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ModelError;

/// A name Azure compares case-insensitively: an app, slot, workflow, function or host name.
///
/// The spelling is kept as written ([`as_str`](Self::as_str), `Display`, `Debug`, serde as a plain
/// string); `Eq`, `Hash` and `Ord` see only the ASCII-lower-case form, so `Orders` and `orders`
/// are one key in a map and sort where `orders` sorts. There is deliberately no `Borrow<str>`:
/// a `&str` hashes by its spelling, which would break the `Hash`/`Eq` contract; look up with
/// `AzureName::from(text)` or compare with [`matches`](Self::matches).
///
/// A name of up to 24 bytes is held inline, not on the heap: most are that short, so the
/// `AzureName::from(text)` of a lookup costs no allocation, and neither do the names of a large
/// estate's index.
#[derive(Clone, Default)]
pub struct AzureName(CompactString);

impl AzureName {
    /// The name as it was written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case form it is compared by.
    pub fn key(&self) -> String {
        self.0.as_str().to_ascii_lowercase()
    }

    /// Whether `other` names the same thing (any ASCII case).
    pub fn matches(&self, other: &str) -> bool {
        Self::same(&self.0, other)
    }

    /// Whether two names written as text name the same thing: the comparison [`AzureName`]'s
    /// `Eq` makes, for callers that hold both as `&str` and need no map.
    pub fn same(a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
    }

    /// The lower-case form a name written as text is compared by ([`AzureName::key`] of it),
    /// borrowed when it has no upper-case letter, as most names ARM reports have none.
    // Inlined across crates: looked up per call at estate scale (no LTO in release).
    #[inline]
    pub fn lower(name: &str) -> Cow<'_, str> {
        // Without an early exit, and with a byte rather than a `bool` accumulating, the compiler
        // checks 16 bytes at a time: the emulator reads every call's `Host` through here twice.
        let upper = name
            .bytes()
            .fold(0u8, |found, b| found | u8::from(b.is_ascii_uppercase()));
        if upper != 0 {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for AzureName {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for AzureName {}

impl Hash for AzureName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes: the bytes, then a terminator, so ("ab", "c") and ("a", "bc") differ.
        for byte in self.folded() {
            state.write_u8(byte);
        }
        state.write_u8(0xff);
    }
}

impl PartialOrd for AzureName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AzureName {
    fn cmp(&self, other: &Self) -> Ordering {
        // A lookup mostly ends on its own entry, spelled as it is looked up: identical bytes are
        // settled by one slice comparison, many bytes at a time.
        if self.0.as_bytes() == other.0.as_bytes() {
            return Ordering::Equal;
        }
        self.folded().cmp(other.folded())
    }
}

impl fmt::Display for AzureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AzureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As a `String` prints, so that `{:?}` output reads the same as before the type existed.
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for AzureName {
    fn from(name: &str) -> Self {
        AzureName(CompactString::from(name))
    }
}

impl From<String> for AzureName {
    fn from(name: String) -> Self {
        AzureName(CompactString::from(name))
    }
}

impl From<&String> for AzureName {
    fn from(name: &String) -> Self {
        AzureName(CompactString::from(name.as_str()))
    }
}

impl From<AzureName> for String {
    fn from(name: AzureName) -> Self {
        name.0.into_string()
    }
}

impl AsRef<str> for AzureName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for AzureName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AzureName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CompactString::deserialize(deserializer).map(AzureName)
    }
}

/// The name of the production slot. Azure's `WEBSITE_SLOT_NAME` reads `Production` there.
pub const PRODUCTION: &str = "production";

/// True when `slot` names the production slot (any spelling).
pub fn is_production(slot: &str) -> bool {
    AzureName::same(slot, PRODUCTION)
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
