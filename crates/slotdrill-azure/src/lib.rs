//! The engine's [`Cloud`](slotdrill_engine::Cloud) port over Azure Resource Manager.
//!
//! [`ArmCloud`] speaks the ARM REST API of azure-facts §5 — sites, slots, app settings, sticky
//! names, functions and keys, long-running swaps, workflows, runs — so that the same engine runs
//! against the emulator's management API (`slotdrill serve`) and against Azure (HTTPS through
//! rustls, a token from [`Credential`], retries after throttling, `nextLink` pages). Against the emulator (a loopback endpoint
//! unless `functions_on_endpoint` is turned off) function calls for probes go to the same
//! listener with the slot's host name in `Host`.
//!
//! The engine is synchronous; this crate owns a small tokio runtime and blocks on each call.

mod client;
mod cloud;
mod cloud_error;
mod credential;
mod error_body;
mod history;
mod import;
mod import_standard;
mod release;
mod retry;
mod snapshot;
mod standard;
mod timestamp;
mod tls;

pub use client::{ArmConfig, ArmError, LOGIC_API_VERSION, WEB_API_VERSION};
pub use cloud::ArmCloud;
pub use credential::{AzureCloud, Credential};
pub use import::{
    AppRead, Imported, OMITTED, ResourceGroupRead, StandardRead, render as render_import,
};
pub use retry::RetryPolicy;
pub use tls::client_builder;
