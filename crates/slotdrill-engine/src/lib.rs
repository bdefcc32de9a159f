//! The rollback engine: observe → diagnose → plan → apply (journal) → verify → restore.
//!
//! Everything goes through the [`Cloud`] port, so the same engine runs against the in-process
//! emulator, the emulator's ARM API and Azure. A [`Plan`] is data: serializable, deterministic,
//! readable, each step with its precondition and expected result. [`apply`] writes every step to
//! a JSON-lines journal (synced) before and after it runs, never a key; an interrupted apply
//! resumes from the journal without applying any step twice. [`restore`] returns every
//! repointed caller to its exact original definition.

mod apply;
mod cloud;
mod diagnose;
mod error;
mod guard;
mod hooked;
mod journal;
mod observe;
mod plan;
mod verify;

pub use apply::{ApplyReport, Interrupt, apply, restore};
pub use cloud::{
    ActionOutcome, AppSnapshot, Cloud, CloudError, HistoryMark, LastSwap, ReleaseSource,
    SlotSnapshot, WorkflowRead,
};
pub use diagnose::{DiagnoseConfig, Diagnosis, Health, Verdict, diagnose, named_faulty};
pub use error::EngineError;
pub use guard::{check_deploy, check_swap, pinned_callers};
pub use hooked::{CloudCall, CloudHooks, Hooked};
pub use journal::{Journal, Record};
pub use observe::{CallerObservation, Observation, hints_for, observe};
pub use plan::{Mode, Plan, Policy, RepointAction, Step, StepAction, plan};
pub use verify::{Check, VerifyReport, verify};
