//! `app/function`, the one way the engine, the CLI and drills name a function of an app, parsed
//! once. Azure compares app and function names without regard to case, and so does this type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use slotdrill_model::AzureName;

/// A function of a function app, written `app/function`. Equality, hashing and order ignore
/// case, as `AzureName`'s do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppFunction {
    /// The function app, as written (Azure resolves it without regard to case).
    pub app: AzureName,
    /// The function within it, as written.
    pub function: AzureName,
}

/// Why a string is not `app/function`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected APP/FUNCTION (for example `orders/SendInvoice`), got `{0}`")]
pub struct AppFunctionError(pub String);

impl AppFunction {
    /// `function` of `app`.
    pub fn new(app: impl Into<AzureName>, function: impl Into<AzureName>) -> AppFunction {
        AppFunction {
            app: app.into(),
            function: function.into(),
        }
    }

    /// True when this names `function` of `app` (names compared without regard to case).
    pub fn is(&self, app: &str, function: &str) -> bool {
        self.app.matches(app) && self.function.matches(function)
    }
}

impl FromStr for AppFunction {
    type Err = AppFunctionError;

    fn from_str(text: &str) -> Result<AppFunction, AppFunctionError> {
        match text.split_once('/') {
            Some((app, function))
                if !app.trim().is_empty()
                    && !function.trim().is_empty()
                    && !function.contains('/') =>
            {
                Ok(AppFunction::new(app.trim(), function.trim()))
            }
            _ => Err(AppFunctionError(text.to_owned())),
        }
    }
}

impl fmt::Display for AppFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.app, self.function)
    }
}

impl Serialize for AppFunction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AppFunction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AppFunction, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
