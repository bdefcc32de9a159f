//! Azure Functions slots as a pure state machine.
//!
//! `slotdrill-model` is the one model of function apps, deployment slots, releases, settings, keys,
//! host names and Logic App callers that every other slotdrill crate stands on. It does no I/O and
//! knows no clock but the [`Timestamp`]s it is handed; randomness (keys, failure rates during
//! warm-up) comes from a seeded generator inside the [`Estate`], so the same operations on the same
//! seed always give the same result.
//!
//! The operations on [`Estate`] follow Azure's documented behaviour (see `azure-facts.md` in the
//! design notes): a [swap](Estate::swap) runs the five steps of a real swap and reverts completely
//! when a restart or the warm-up fails; sticky settings, keys, host names and `_EXTENSION_VERSION`
//! settings stay with their slot; swap with preview, auto swap and traffic routing rules behave as
//! on Azure. Every operation returns typed [`Event`]s or a typed [`ModelError`] and never leaves a
//! half-applied change behind.
//!
//! ```
//! use slotdrill_model::{AppSpec, Estate, FunctionBehaviour, Release};
//!
//! let mut estate = Estate::new(7);
//! estate.add_app(AppSpec::new("orders", "premium".parse()?))?;
//! estate.add_release("orders", Release::new("v1").with_function("SendInvoice", FunctionBehaviour::ok()))?;
//! estate.add_release("orders", Release::new("v2").with_function("SendInvoice", FunctionBehaviour::status(500)))?;
//! estate.create_slot("orders", "deploy", None)?;
//! estate.deploy("orders", "production", "v1")?;
//! estate.deploy("orders", "deploy", "v2")?;
//! estate.swap("orders", "deploy", "production")?;
//! assert_eq!(estate.slot("orders", "production")?.release_id(), Some("v2"));
//! assert_eq!(estate.slot("orders", "deploy")?.release_id(), Some("v1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod app;
mod call;
mod caller;
mod configure;
mod deployment;
mod error;
mod estate;
mod event;
mod host_name;
mod keys;
mod name;
mod plan;
mod release;
mod rng;
mod routing;
mod settings;
mod slot;
mod swap;
mod time;
mod view;
mod warmup;

pub use app::{AppSpec, FunctionApp, PendingPreview};
pub use call::Admission;
pub use caller::{BreakReason, Caller, CallerBreak, CallerId, FunctionRef};
pub use deployment::{DEPLOYMENT_SUCCESS, DeploymentRecord};
pub use error::{ErrorKind, ModelError};
pub use estate::{DEFAULT_SUBSCRIPTION, Estate, Fault};
pub use event::Event;
pub use host_name::{
    HostNameStyle, classic_host_name, is_classic_host_name, unique_host_name, with_extra_characters,
};
pub use keys::{Secret, SlotKeys};
pub use name::{AzureName, PRODUCTION, is_production, validate_slot_name};
pub use plan::{HostingPlan, OperatingSystem, UnknownHostingPlan};
pub use release::{
    Answer, AnswerBody, AuthLevel, FunctionBehaviour, Invocation, RELEASE_SETTING, Release,
};
pub use routing::RampUpRule;
pub use settings::{ConnectionString, SlotConfig, SlotConfigNames, well_known};
pub use slot::{Slot, SlotState, SlotSwapStatus};
pub use time::Timestamp;
pub use view::{EstateView, SlotView, estate_view};
pub use warmup::{WARMUP_ATTEMPTS, WARMUP_PING_TIMEOUT_MS, WarmupFailure, WarmupReport};
