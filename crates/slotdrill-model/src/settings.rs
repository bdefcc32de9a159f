//! App settings, connection strings, storage mounts and which of them are sticky.
//!
//! Stickiness is stored once per app (`config/slotConfigNames`); any slot's setting whose name is
//! listed stays with its slot during a swap. Settings whose name ends in `_EXTENSION_VERSION` are
//! sticky too, unless every slot sets `WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS=0`.

use std::collections::{BTreeMap, BTreeSet};

/// Names of app settings with a meaning to the platform.
pub mod well_known {
    /// Read by the swap's warm-up: the path it pings (default `/`).
    pub const WARMUP_PING_PATH: &str = "WEBSITE_SWAP_WARMUP_PING_PATH";
    /// Read by the swap's warm-up: the status codes that count as warm (default: any).
    pub const WARMUP_PING_STATUSES: &str = "WEBSITE_SWAP_WARMUP_PING_STATUSES";
    /// Set to `0` on every slot to let `_EXTENSION_VERSION` settings swap.
    pub const OVERRIDE_STICKY_EXTENSION_VERSIONS: &str =
        "WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS";
    /// `files` stores keys with the content, and a swap resets them.
    pub const SECRET_STORAGE_TYPE: &str = "AzureWebJobsSecretStorageType";
    /// Never swapped: its name ends in `_EXTENSION_VERSION`.
    pub const FUNCTIONS_EXTENSION_VERSION: &str = "FUNCTIONS_EXTENSION_VERSION";
    /// The suffix that makes a setting sticky by default.
    pub const EXTENSION_VERSION_SUFFIX: &str = "_EXTENSION_VERSION";
}

/// `config/slotConfigNames`: the names that stay with their slot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotConfigNames {
    /// `appSettingNames`.
    pub app_setting_names: BTreeSet<String>,
    /// `connectionStringNames`.
    pub connection_string_names: BTreeSet<String>,
    /// `azureStorageConfigNames`.
    pub azure_storage_config_names: BTreeSet<String>,
}

impl SlotConfigNames {
    /// Sticky names for app settings only, the common case.
    pub fn app_settings<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SlotConfigNames {
            app_setting_names: names.into_iter().map(Into::into).collect(),
            ..SlotConfigNames::default()
        }
    }
}

/// A connection string: its value and its type (`SQLAzure`, `Custom`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionString {
    /// The connection string itself.
    pub value: String,
    /// Azure's `type` field.
    pub kind: String,
}

/// Everything a slot is configured with that can be sticky or swap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotConfig {
    /// App settings by name (names are case-sensitive in the model, as environment variables).
    pub app_settings: BTreeMap<String, String>,
    /// Connection strings by name.
    pub connection_strings: BTreeMap<String, ConnectionString>,
    /// Azure Storage mounts by name (name → share).
    pub storage_mounts: BTreeMap<String, String>,
}

/// Which parts of a [`SlotConfig`] stay during a swap.
pub(crate) struct Stickiness<'a> {
    pub(crate) names: &'a SlotConfigNames,
    /// True when every slot of the app sets `WEBSITE_OVERRIDE_STICKY_EXTENSION_VERSIONS=0`.
    pub(crate) extension_versions_swap: bool,
}

impl Stickiness<'_> {
    pub(crate) fn app_setting(&self, name: &str) -> bool {
        self.names.app_setting_names.contains(name)
            || (!self.extension_versions_swap
                && name
                    .to_ascii_uppercase()
                    .ends_with(well_known::EXTENSION_VERSION_SUFFIX))
    }

    /// Splits `config` into (sticky, swappable) halves.
    pub(crate) fn split(&self, config: SlotConfig) -> (SlotConfig, SlotConfig) {
        let (sticky_settings, swap_settings) = config
            .app_settings
            .into_iter()
            .partition(|(name, _)| self.app_setting(name));
        let (sticky_cs, swap_cs) = config
            .connection_strings
            .into_iter()
            .partition(|(name, _)| self.names.connection_string_names.contains(name));
        let (sticky_mounts, swap_mounts) = config
            .storage_mounts
            .into_iter()
            .partition(|(name, _)| self.names.azure_storage_config_names.contains(name));
        (
            SlotConfig {
                app_settings: sticky_settings,
                connection_strings: sticky_cs,
                storage_mounts: sticky_mounts,
            },
            SlotConfig {
                app_settings: swap_settings,
                connection_strings: swap_cs,
                storage_mounts: swap_mounts,
            },
        )
    }
}

impl SlotConfig {
    /// `a` with `b`'s entries added (the halves of a split never overlap).
    pub(crate) fn merge(mut self, other: SlotConfig) -> SlotConfig {
        self.app_settings.extend(other.app_settings);
        self.connection_strings.extend(other.connection_strings);
        self.storage_mounts.extend(other.storage_mounts);
        self
    }

    /// The value of app setting `name`, if set.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.app_settings.get(name).map(String::as_str)
    }
}
