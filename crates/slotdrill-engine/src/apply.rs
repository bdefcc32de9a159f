//! Apply a plan step by step through the journal, resume an interrupted apply, and restore the
//! repointed callers later. Each step re-checks its precondition right before it writes; each
//! is idempotent, so resuming never applies a step twice.

use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};
use slotdrill_model::PRODUCTION;
use slotdrill_wdl::{RepointRequest, find_calls, get_path, repoint};

use crate::cloud::Cloud;
use crate::error::EngineError;
use crate::journal::{Journal, Record};
use crate::plan::{Plan, RepointAction, Step, StepAction};

/// Decides after each journal record whether to go on: a manual abort, or a test's crash.
pub type Interrupt<'a> = &'a mut dyn FnMut(&Record) -> bool;

/// What an apply or a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Steps performed by this call.
    pub performed: Vec<usize>,
    /// Steps found already done in the journal.
    pub already_done: Vec<usize>,
}

fn append(
    journal: &mut Journal,
    record: Record,
    interrupt: &mut Option<Interrupt<'_>>,
) -> Result<(), EngineError> {
    journal.append(record)?;
    if let Some(go_on) = interrupt.as_mut()
        && !go_on(journal.records().last().expect("just appended"))
    {
        return Err(EngineError::Interrupted {
            record: journal.records().len(),
        });
    }
    Ok(())
}

/// Applies `plan`, journaling to `journal_path`. If the journal already holds a plan (an
/// interrupted run), that plan is resumed and `plan` must be `None`-equivalent or equal to it.
pub fn apply(
    cloud: &dyn Cloud,
    plan: Option<&Plan>,
    journal_path: &Path,
    mut interrupt: Option<Interrupt<'_>>,
) -> Result<ApplyReport, EngineError> {
    let mut journal = Journal::open(journal_path)?;
    let plan = match (journal.plan().cloned(), plan) {
        (Some(journaled), _) => journaled,
        (None, Some(plan)) => {
            if let Some(refused) = &plan.refused {
                return Err(EngineError::Refused(refused.clone()));
            }
            append(
                &mut journal,
                Record::Plan { plan: plan.clone() },
                &mut interrupt,
            )?;
            plan.clone()
        }
        (None, None) => {
            return Err(EngineError::Journal {
                path: journal_path.display().to_string(),
                message: "holds no plan to resume".to_owned(),
            });
        }
    };
    let mut report = ApplyReport::default();
    for (index, step) in plan.steps.iter().enumerate() {
        if journal.done(index).is_some() {
            report.already_done.push(index);
            continue;
        }
        match &step.action {
            StepAction::Swap {
                app,
                source,
                target,
                source_release,
                ..
            } => swap_step(
                cloud,
                &mut journal,
                index,
                step,
                (app, source, target, source_release),
                &mut interrupt,
            )?,
            StepAction::Repoint {
                workflow,
                version,
                actions,
            } => repoint_step(
                cloud,
                &mut journal,
                index,
                (workflow, version, actions),
                &mut interrupt,
            )?,
        }
        report.performed.push(index);
    }
    if !journal
        .records()
        .iter()
        .any(|r| matches!(r, Record::Finished))
    {
        append(&mut journal, Record::Finished, &mut interrupt)?;
    }
    Ok(report)
}

fn release_of(cloud: &dyn Cloud, app: &str, slot: &str) -> Result<Option<String>, EngineError> {
    let apps = cloud.apps()?;
    Ok(apps
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(app))
        .and_then(|a| a.slot(slot))
        .and_then(|s| s.release.clone()))
}

fn swap_step(
    cloud: &dyn Cloud,
    journal: &mut Journal,
    index: usize,
    step: &Step,
    (app, source, target, source_release): (&str, &str, &str, &Option<String>),
    interrupt: &mut Option<Interrupt<'_>>,
) -> Result<(), EngineError> {
    let production = release_of(cloud, app, target)?;
    let begun = journal.begun(index).is_some();
    // Resuming after the swap happened but before `done` was written: it is done.
    let already = begun && production == *source_release;
    if !already {
        let StepAction::Swap {
            production_release, ..
        } = &step.action
        else {
            unreachable!("a swap step")
        };
        if production != *production_release || release_of(cloud, app, source)? != *source_release {
            return Err(EngineError::PreconditionFailed {
                step: index,
                reason: format!(
                    "expected {}; production now holds {}",
                    step.precondition,
                    production.as_deref().unwrap_or("?")
                ),
            });
        }
        if !begun {
            append(
                journal,
                Record::Begin {
                    step: index,
                    before: json!({ "production": production, source: source_release }),
                    records: Vec::new(),
                },
                interrupt,
            )?;
        }
        cloud.swap(app, source, target)?;
    }
    let after = release_of(cloud, app, target)?;
    append(
        journal,
        Record::Done {
            step: index,
            after: json!({ "production": after }),
        },
        interrupt,
    )
}

fn repoint_step(
    cloud: &dyn Cloud,
    journal: &mut Journal,
    index: usize,
    (workflow, version, actions): (&str, &str, &[RepointAction]),
    interrupt: &mut Option<Interrupt<'_>>,
) -> Result<(), EngineError> {
    let read = cloud.read_workflow(workflow)?;
    if let Some(records) = journal.begun(index) {
        let written = records
            .iter()
            .all(|r| get_path(&read.document.root, &r.path) == Some(&r.rewritten));
        if written {
            // The write happened before the crash; only `done` is missing.
            return append(
                journal,
                Record::Done {
                    step: index,
                    after: json!({ "version": read.version }),
                },
                interrupt,
            );
        }
    }
    if read.version != version {
        return Err(EngineError::PreconditionFailed {
            step: index,
            reason: format!(
                "`{workflow}` changed since the plan was made (version {version} expected, {} found)",
                read.version
            ),
        });
    }
    let calls = find_calls(&read.document, &slotdrill_wdl::Hints::default());
    let mut document = read.document.clone();
    let mut records = Vec::new();
    for action in actions {
        let still_production = calls.iter().any(|c| {
            c.action == action.action
                && c.slot
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case(PRODUCTION))
        });
        if !still_production {
            return Err(EngineError::PreconditionFailed {
                step: index,
                reason: format!("`{workflow}/{}` no longer calls production", action.action),
            });
        }
        // The key comes from the slot itself, never from production.
        let key = cloud.function_key(&action.app, &action.slot, &action.function)?;
        let request = RepointRequest {
            workflow: None,
            action: &action.action,
            slot: &action.slot,
            host: &action.host,
            key: Some(&key),
        };
        let (rewritten, record) = repoint(&document, &request, &slotdrill_wdl::Hints::default())?;
        document = rewritten;
        records.push(record);
    }
    let before: Vec<Value> = records
        .iter()
        .map(|r| json!({ "action": r.action, "definition": r.original }))
        .collect();
    append(
        journal,
        Record::Begin {
            step: index,
            before: Value::Array(before),
            records,
        },
        interrupt,
    )?;
    let new_version = cloud.write_workflow(workflow, &document, &read.version)?;
    append(
        journal,
        Record::Done {
            step: index,
            after: json!({ "version": new_version }),
        },
        interrupt,
    )
}

/// Returns every caller a journal repointed to its exact original definition (roll forward once
/// production is healthy). Steps already restored are skipped; a workflow edited since the
/// rollback is refused, not overwritten.
pub fn restore(
    cloud: &dyn Cloud,
    journal_path: &Path,
    mut interrupt: Option<Interrupt<'_>>,
) -> Result<ApplyReport, EngineError> {
    let mut journal = Journal::open(journal_path)?;
    let plan = journal
        .plan()
        .cloned()
        .ok_or_else(|| EngineError::Journal {
            path: journal_path.display().to_string(),
            message: "holds no plan".to_owned(),
        })?;
    let mut report = ApplyReport::default();
    for (index, step) in plan.steps.iter().enumerate().rev() {
        let StepAction::Repoint {
            workflow, actions, ..
        } = &step.action
        else {
            continue;
        };
        if journal.done(index).is_none() {
            continue;
        }
        if journal.restored(index) {
            report.already_done.push(index);
            continue;
        }
        let records = journal.begun(index).map(<[_]>::to_vec).unwrap_or_default();
        let read = cloud.read_workflow(workflow)?;
        let mut document = read.document.clone();
        for record in records.iter().rev() {
            // A literal key the original held was production's key for that function.
            let action = actions.iter().find(|a| a.action == record.action);
            let key = match (record.redacted_key, action) {
                (true, Some(a)) => Some(cloud.function_key(&a.app, PRODUCTION, &a.function)?),
                _ => None,
            };
            document = slotdrill_wdl::restore(&document, record, key.as_ref())?;
        }
        cloud.write_workflow(workflow, &document, &read.version)?;
        append(
            &mut journal,
            Record::Restored { step: index },
            &mut interrupt,
        )?;
        report.performed.push(index);
    }
    Ok(report)
}
