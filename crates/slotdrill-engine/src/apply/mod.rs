//! Apply a plan step by step through the journal ([`apply`]), resume an interrupted apply
//! ([`resume`]), and restore the repointed callers later ([`restore`]). Each step re-checks its
//! precondition right before it writes, and a resume judges a step whose outcome the journal
//! does not know by what the estate shows, never by the absence of facts.

mod repoint;
mod restore;
mod swap;

use std::path::Path;

use serde::Serialize;

pub use restore::restore;

use crate::cloud::{Cloud, CloudError};
use crate::error::EngineError;
use crate::journal::{Journal, Record, StepState};
use crate::plan::{Plan, StepAction};

/// Decides after each journal record whether to go on: a manual abort, or a test's crash.
pub type Interrupt<'a> = &'a mut dyn FnMut(&Record) -> bool;

/// What an apply, a resume or a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Steps performed by this call.
    pub performed: Vec<usize>,
    /// Steps found already done: in the journal, or (after a lost answer) in the estate.
    pub already_done: Vec<usize>,
    /// What the journal tolerated (a torn last record), for the operator.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A journal and the interrupt consulted after each of its records.
pub(crate) struct Writer<'j, 'i> {
    pub(crate) journal: &'j mut Journal,
    pub(crate) interrupt: Option<Interrupt<'i>>,
}

impl Writer<'_, '_> {
    /// Appends `record`, then asks the interrupt whether to go on.
    pub(crate) fn append(&mut self, record: Record) -> Result<(), EngineError> {
        self.journal.append(record)?;
        if let Some(go_on) = self.interrupt.as_mut()
            && let Some(last) = self.journal.records().last()
            && !go_on(last)
        {
            return Err(EngineError::Interrupted {
                record: self.journal.records().len(),
            });
        }
        Ok(())
    }

    /// Records that the back end refused `step`'s write (it changed nothing), then fails with it.
    pub(crate) fn refused<T>(&mut self, step: usize, error: CloudError) -> Result<T, EngineError> {
        if error.did_nothing() {
            self.append(Record::Refused {
                step,
                error: error.to_string(),
            })?;
        }
        Err(error.into())
    }
}

/// Applies `plan` with a new journal at `journal_path`, which must not exist: a journal belongs
/// to one rollback ([`resume`] continues one).
pub fn apply(
    cloud: &dyn Cloud,
    plan: &Plan,
    journal_path: &Path,
    interrupt: Option<Interrupt<'_>>,
) -> Result<ApplyReport, EngineError> {
    if let Some(refused) = plan.decision.refusal() {
        return Err(EngineError::Refused(refused));
    }
    let mut journal = Journal::create(journal_path)?;
    let mut writer = Writer {
        journal: &mut journal,
        interrupt,
    };
    writer.append(Record::Plan { plan: plan.clone() })?;
    run_steps(cloud, plan, &mut writer)
}

/// Resumes the interrupted rollback journaled at `journal_path`; returns its plan and what this
/// call did. A journal that records a finished rollback is refused.
pub fn resume(
    cloud: &dyn Cloud,
    journal_path: &Path,
    interrupt: Option<Interrupt<'_>>,
) -> Result<(Plan, ApplyReport), EngineError> {
    let mut journal = Journal::open(journal_path)?;
    let plan = journal
        .plan()
        .cloned()
        .ok_or_else(|| EngineError::Journal {
            path: journal_path.display().to_string(),
            message: "holds no plan to resume".to_owned(),
        })?;
    if journal.is_finished() {
        return Err(EngineError::JournalFinished {
            path: journal_path.display().to_string(),
            steps: plan.steps.len(),
            decision: plan.decision.label().to_owned(),
        });
    }
    let warnings = journal.warnings().to_vec();
    let mut writer = Writer {
        journal: &mut journal,
        interrupt,
    };
    let mut report = run_steps(cloud, &plan, &mut writer)?;
    report.warnings = warnings;
    Ok((plan, report))
}

fn run_steps(
    cloud: &dyn Cloud,
    plan: &Plan,
    writer: &mut Writer<'_, '_>,
) -> Result<ApplyReport, EngineError> {
    let mut report = ApplyReport::default();
    for (index, step) in plan.steps.iter().enumerate() {
        let state = writer.journal.state(index);
        if state == StepState::Done {
            report.already_done.push(index);
            continue;
        }
        let performed = match &step.action {
            StepAction::Swap {
                app,
                source,
                target,
                production_release,
                source_release,
            } => {
                let swap = swap::SwapStep {
                    app,
                    source,
                    target,
                    production_release,
                    source_release,
                    precondition: &step.precondition,
                };
                swap::run(cloud, writer, index, &swap, state)?
            }
            StepAction::Repoint {
                workflow,
                version,
                actions,
            } => repoint::run(cloud, writer, index, (workflow, version, actions), state)?,
        };
        if performed {
            report.performed.push(index);
        } else {
            report.already_done.push(index);
        }
    }
    writer.append(Record::Finished)?;
    Ok(report)
}
