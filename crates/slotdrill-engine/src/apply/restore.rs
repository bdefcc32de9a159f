//! Restore: return every caller a journal repointed to its exact original definition (roll
//! forward once production is healthy). Keys for literal-key originals are fetched from
//! production again, never stored. A Standard workflow's key setting (`SLOTDRILL_KEY_ACTION`) is
//! removed after the workflow no longer reads it; a restore interrupted between the two finds
//! the workflow already restored and only removes the settings.

use std::path::Path;

use slotdrill_model::PRODUCTION;
use slotdrill_wdl::KeyCarrier;

use super::{ApplyReport, Interrupt, Writer};
use crate::cloud::Cloud;
use crate::error::EngineError;
use crate::journal::{Journal, Record, StepState};
use crate::plan::StepAction;

/// Returns every caller a journal repointed to its exact original definition (roll forward once
/// production is healthy). Steps already restored are skipped; a workflow edited since the
/// rollback is refused, not overwritten.
pub fn restore(
    cloud: &dyn Cloud,
    journal_path: &Path,
    interrupt: Option<Interrupt<'_>>,
) -> Result<ApplyReport, EngineError> {
    let mut journal = Journal::open(journal_path)?;
    let warnings = journal.warnings().to_vec();
    let plan = journal
        .plan()
        .cloned()
        .ok_or_else(|| EngineError::Journal {
            path: journal_path.display().to_string(),
            message: "holds no plan".to_owned(),
        })?;
    let mut report = ApplyReport {
        warnings,
        ..ApplyReport::default()
    };
    let mut writer = Writer {
        journal: &mut journal,
        interrupt,
    };
    for (index, step) in plan.steps.iter().enumerate().rev() {
        let StepAction::Repoint {
            workflow, actions, ..
        } = &step.action
        else {
            continue;
        };
        if writer.journal.state(index) != StepState::Done {
            continue;
        }
        if writer.journal.restored(index) {
            report.already_done.push(index);
            continue;
        }
        let records = writer
            .journal
            .begun(index)
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        let read = cloud.read_workflow(workflow)?;
        // Written before an interruption (the `restored` record is missing): only the settings
        // may be left to remove.
        let written = !records.is_empty()
            && records
                .iter()
                .all(|r| slotdrill_wdl::is_restored(&read.document, r));
        if !written {
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
        }
        for record in &records {
            if let KeyCarrier::AppSetting { name } = &record.key {
                cloud.remove_logic_app_setting(workflow, name)?;
            }
        }
        writer.append(Record::Restored { step: index })?;
        report.performed.push(index);
    }
    Ok(report)
}
