//! The slot model served the way Azure serves it.
//!
//! [`Emulator`] holds an [`slotdrill_model::Estate`] and the Logic Apps that call it. Its data
//! plane ([`HostRequest`] → [`HostResponse`]) routes by host name to a slot, applies production's
//! traffic routing rules and pinning cookie, enforces function keys and plays back the behaviour
//! of the release the slot holds; the same code answers in process and over real HTTP
//! ([`http::router`]). The Logic App runner ([`Emulator::run`]) executes real Workflow Definition
//! Language on a virtual clock. Everything is seeded: the same estate and operations give the
//! same answers.

mod answer;
pub mod arm;
pub mod clock;
mod cloud;
mod connection;
mod emulator;
mod faults;
mod host;
pub mod http;
mod incoming;
mod limits;
mod logic_app;
mod management;
mod retention;
mod run;
mod runner;
mod state;
mod timeline;
pub mod tls;
mod wire;
mod workflows;

pub use cloud::RELEASE_SETTING;
pub use emulator::{Emulator, EmulatorConfig, EmulatorError, InFlight};
pub use faults::{ArmFault, MAX_LATENCY_MS, SERVER_ERROR_STATUSES};
pub use host::{HTTP_TRIGGER_TIMEOUT_MS, HostRequest, HostResponse, ROUTING_PIN_MS};
pub use logic_app::{HttpStub, LogicApp, SiteSlot, Stubs};
pub use retention::{DEFAULT_HISTORY, HistoryStats};
pub use runner::{Run, RunAction, Status};
pub use timeline::{InvocationRecord, ServedBy};
