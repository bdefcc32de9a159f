//! Scenario files: TOML (or the same schema in JSON) that describe an estate — function apps,
//! slots, settings, releases, Logic Apps — and the steps of a drill.
//!
//! This crate reads the estate part (everything but `step`) into a running
//! [`slotdrill_emulator::Emulator`], checking every reference first. Unknown keys are errors;
//! errors name the file, the line and column where there is one, and what was expected.

mod check;
mod drill_cloud;
mod error;
mod estate;
pub mod explore;
mod fail_kind;
pub mod history;
pub mod html;
mod report;
mod runner;
mod schema;
mod standard;
pub mod steps;

pub use check::check_steps;
pub use error::ScenarioError;
pub use estate::{LoadedEstate, load_estate, load_estate_seeded, load_estate_str};
pub use fail_kind::FailKind;
pub use report::{
    AppMap, DrillReport, ExpectationReport, FailureGroup, InvalidDrill, RunPoint, RunReport,
    SlotMap, StepReport, Summary, WallMs, failure_groups,
};
pub use runner::{Drill, run_drill};
pub use schema::{AppDef, FunctionDef, HttpStubDef, LogicAppDef, ReleaseDef, ScenarioFile};
pub use slotdrill_emulator::EmulatorConfig;
