//! The repoint step of a partial rollback: one workflow read, its calls of the faulty functions
//! rewritten to the deploy slot with that slot's own key, one write at the version read. On a
//! resume the workflow itself shows whether the write happened.
//!
//! A Logic Apps Standard workflow reads the key from the Logic App's app setting
//! (`SLOTDRILL_KEY_ACTION`): after its `begin` record the step writes the rewritten workflow and
//! that setting in one `Cloud::deploy_workflow_artifacts` (Azure's `deployWorkflowArtifacts`),
//! so the rewritten call never reads a setting that is not there. On a back end that can only
//! set the setting first, setting it again is harmless, so a resume whose workflow does not yet
//! hold the rewrite runs the whole step again; one whose workflow does found the setting set.
//! The journal names the setting, never its value.

use serde_json::{Value, json};
use slotdrill_model::{AzureName, PRODUCTION, Secret};
use slotdrill_wdl::{Hints, KeyCarrier, RepointRequest, find_calls, get_path, repoint};

use super::Writer;
use crate::cloud::Cloud;
use crate::error::EngineError;
use crate::journal::{Record, StepState};
use crate::plan::RepointAction;

/// Runs (or, on a resume, finds done) a repoint step; true when this call wrote.
pub(crate) fn run(
    cloud: &dyn Cloud,
    writer: &mut Writer<'_, '_>,
    index: usize,
    (workflow, version, actions): (&str, &str, &[RepointAction]),
    state: StepState,
) -> Result<bool, EngineError> {
    let read = cloud.read_workflow(workflow)?;
    if matches!(state, StepState::Unknown(_))
        && let Some(records) = writer.journal.begun(index)
        && records
            .iter()
            .all(|r| get_path(&read.document.root, &r.path) == Some(&r.rewritten))
    {
        // The write happened before the crash or the lost answer; only `done` is missing.
        writer.append(Record::Done {
            step: index,
            after: json!({ "version": read.version }),
        })?;
        return Ok(false);
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
    let calls = find_calls(&read.document, &Hints::default());
    let mut document = read.document.clone();
    let mut records = Vec::new();
    // Standard: the app settings to set before the write, and the key each carries.
    let mut settings: Vec<(String, Secret)> = Vec::new();
    for action in actions {
        let still_production = calls.iter().any(|c| {
            c.action == action.action
                && c.slot
                    .as_deref()
                    .is_none_or(|s| AzureName::same(s, PRODUCTION))
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
        let (rewritten, record) = repoint(&document, &request, &Hints::default())?;
        document = rewritten;
        if let KeyCarrier::AppSetting { name } = &record.key {
            settings.push((name.clone(), key));
        }
        records.push(record);
    }
    let before: Vec<Value> = records
        .iter()
        .map(|r| json!({ "action": r.action, "definition": r.original }))
        .collect();
    writer.append(Record::Begin {
        step: index,
        before: Value::Array(before),
        records,
        at: None,
    })?;
    // Standard: the rewritten workflow.json and its key settings in one deployWorkflowArtifacts.
    let written = if settings.is_empty() {
        cloud.write_workflow(workflow, &document, &read.version)
    } else {
        cloud.deploy_workflow_artifacts(workflow, &document, &read.version, &settings)
    };
    let new_version = match written {
        Ok(version) => version,
        Err(error) => return writer.refused(index, error),
    };
    writer.append(Record::Done {
        step: index,
        after: json!({ "version": new_version }),
    })?;
    Ok(true)
}
