//! Function keys. Keys belong to a slot (Azure stores them per host id, which derives from the
//! slot's host name), so they never move in a swap. A key is a [`Secret`]: its `Debug` form is
//! redacted so that it cannot leak into logs, reports or error messages by accident.

use std::collections::BTreeMap;
use std::fmt;

use crate::name::AzureName;
use crate::rng::SplitMix64;

/// A secret value (a function key, a master key). `Debug` prints `Secret(***)`; read the value
/// only where it must go on the wire, with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value that must never be logged.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that has to send it (a request, `listkeys`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A new random key in the shape of Azure's (56 characters, base64 with `==`).
    pub(crate) fn generate(rng: &mut SplitMix64) -> Self {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut value = String::with_capacity(56);
        while value.len() < 54 {
            let mut bits = rng.next_u64();
            for _ in 0..10 {
                if value.len() == 54 {
                    break;
                }
                value.push(char::from(ALPHABET[(bits % 62) as usize]));
                bits /= 62;
            }
        }
        value.push_str("==");
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The keys of one slot: the master key, host-level function keys (valid for every function),
/// system keys, and per-function keys. Every function's `default` key is derived from a per-slot
/// seed, so a slot has one for each function it will ever hold without storing them (a deploy or
/// swap costs the same whatever the size of the release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotKeys {
    /// The `_master` key: admin level, valid for every function.
    pub master: Secret,
    /// Host-level function keys by name (`default` always exists).
    pub function_keys: BTreeMap<String, Secret>,
    /// System keys by name (extensions' webhooks).
    pub system_keys: BTreeMap<String, Secret>,
    /// Keys added to single functions: function name (any spelling: the host matches function
    /// names case-insensitively) → key name → key. A `default` entry here replaces the derived one.
    pub per_function: BTreeMap<AzureName, BTreeMap<String, Secret>>,
    function_seed: u64,
}

impl SlotKeys {
    pub(crate) fn generate(rng: &mut SplitMix64) -> Self {
        let master = Secret::generate(rng);
        let mut function_keys = BTreeMap::new();
        function_keys.insert("default".to_owned(), Secret::generate(rng));
        SlotKeys {
            master,
            function_keys,
            system_keys: BTreeMap::new(),
            per_function: BTreeMap::new(),
            function_seed: rng.next_u64(),
        }
    }

    /// The `default` key of `function` (any spelling), the one `listsecrets` returns.
    pub fn function_default(&self, function: &str) -> Secret {
        if let Some(key) = self
            .per_function
            .get(&AzureName::from(function))
            .and_then(|keys| keys.get("default"))
        {
            return key.clone();
        }
        let mut rng = SplitMix64::new(self.function_seed ^ crate::rng::fnv1a(&[function]));
        Secret::generate(&mut rng)
    }

    /// Every key of `function` by name: `default` and any added ones.
    pub fn function_keys_of(&self, function: &str) -> BTreeMap<String, Secret> {
        let mut keys = self
            .per_function
            .get(&AzureName::from(function))
            .cloned()
            .unwrap_or_default();
        keys.entry("default".to_owned())
            .or_insert_with(|| self.function_default(function));
        keys
    }

    /// Adds or replaces a named key of `function`.
    pub fn set_function_key(&mut self, function: &str, name: &str, key: Secret) {
        self.per_function
            .entry(AzureName::from(function))
            .or_default()
            .insert(name.to_owned(), key);
    }

    /// Whether `key` authorises a call to `function` on this slot at function level: one of the
    /// function's own keys, a host function key, or the master key.
    pub fn accepts(&self, function: &str, key: &str) -> bool {
        if self.master.expose() == key || self.function_keys.values().any(|k| k.expose() == key) {
            return true;
        }
        // The function's own keys, as `function_keys_of` lists them, without copying them.
        let own = self.per_function.get(&AzureName::from(function));
        if own.is_some_and(|keys| keys.values().any(|k| k.expose() == key)) {
            return true;
        }
        !own.is_some_and(|keys| keys.contains_key("default"))
            && self.function_default(function).expose() == key
    }
}
