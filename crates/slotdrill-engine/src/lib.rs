//! The rollback engine: observe → diagnose → plan → apply (journal) → verify → restore.
//!
//! Everything goes through the [`Cloud`] port, so the same engine runs against the in-process
//! emulator, the emulator's ARM API and Azure. A [`Plan`] is data: serializable, deterministic,
//! readable, each step with its precondition and expected result. [`apply`] writes every step to
//! a JSON-lines journal (synced) before and after it runs, never a key; [`resume`] continues an
//! interrupted apply without applying any step twice, judging steps whose outcome was lost by
//! what the estate shows. [`rollback`] is the whole sequence every front end runs. [`restore`] returns every
//! repointed caller to its exact original definition.

mod apply;
mod cloud;
mod diagnose;
mod error;
#[cfg(test)]
mod fixtures;
mod guard;
mod hooked;
mod journal;
mod names;
mod observe;
mod plan;
mod release;
mod rollback;
mod verify;

pub use apply::{ApplyReport, Interrupt, apply, restore, resume};
pub use cloud::{
    ActionOutcome, AppSnapshot, Cloud, CloudError, HistoryMark, LastSwap, ReleaseSource,
    SlotSnapshot, WorkflowRead, deploy_in_two_calls,
};
pub use diagnose::{DiagnoseConfig, Diagnosis, Health, Verdict, diagnose, named_faulty};
pub use error::EngineError;
pub use guard::{check_deploy, check_swap, pinned_callers};
pub use hooked::{CloudCall, CloudHooks, Hooked};
pub use journal::{Journal, Record};
pub use names::{AppFunction, AppFunctionError};
pub use observe::{CallerObservation, Observation, hints_for, observe};
pub use plan::{
    Decision, Mode, Plan, Policy, Refusal, RepointAction, SlotMoved, Step, StepAction, plan,
};
pub use release::{RUN_FROM_PACKAGE, ReleaseIdentity, package_url, without_package_secrets};
pub use rollback::{ApplyOptions, Planner, Rollback, RollbackRequest, VerifyOptions, rollback};
pub use verify::{Check, VerifyReport, verify};
