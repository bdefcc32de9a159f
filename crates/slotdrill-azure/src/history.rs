//! Run history as ARM lists it (Azure/azure-rest-api-specs `Microsoft.Logic/stable/2019-05-01`):
//! `…/runs` newest first, each run's `…/actions` (one record per action), and, for an action
//! inside `Foreach` or `Until`, one record per iteration under `…/actions/{action}/repetitions`
//! (WorkflowRunActionRepetitions_List). The engine counts a looped action per repetition. A
//! Standard workflow's are the same operations under its site's host runtime
//! (`Microsoft.Web/stable/2024-11-01` examples `WorkflowRuns_List.json`,
//! `WorkflowRunActions_List.json`, `WorkflowRunActionRepetitions_List.json`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use slotdrill_engine::{ActionOutcome, CloudError};

use crate::cloud::{ArmCloud, locked};
use crate::timestamp::epoch_millis;

/// The actions of `definition` that run inside a `Foreach` or an `Until` (at any depth).
pub(crate) fn looped_actions(definition: &Value) -> BTreeSet<String> {
    let actions = slotdrill_wdl::actions(definition, &[]);
    let kinds: BTreeMap<&str, String> = actions
        .iter()
        .map(|a| {
            let kind = a.action.get("type").and_then(Value::as_str).unwrap_or("");
            (a.name, kind.to_ascii_lowercase())
        })
        .collect();
    actions
        .iter()
        .filter(|a| {
            a.container
                .iter()
                .any(|c| kinds.get(c).is_some_and(|k| k == "foreach" || k == "until"))
        })
        .map(|a| a.name.to_owned())
        .collect()
}

/// One record of a run action or a repetition as an outcome.
fn outcome(run: &str, action: &str, record: &Value, started: Option<u64>) -> ActionOutcome {
    ActionOutcome {
        run: run.to_owned(),
        action: action.to_owned(),
        status: record["properties"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        started,
        repetition: None,
    }
}

impl ArmCloud {
    /// The looped actions of `workflow`: known from this client's last read of it, else read.
    fn looped(&self, workflow: &str) -> Result<BTreeSet<String>, CloudError> {
        if let Some(known) = locked(&self.loops).get(workflow) {
            return Ok(known.clone());
        }
        let looped = looped_actions(&self.definition_of(workflow)?);
        locked(&self.loops).insert(workflow.to_owned(), looped.clone());
        Ok(looped)
    }

    /// The last `runs` runs of `workflow`: every action's own record, and each repetition of a
    /// looped action.
    pub(crate) fn read_run_history(
        &self,
        workflow: &str,
        runs: usize,
    ) -> Result<Vec<ActionOutcome>, CloudError> {
        let looped = self.looped(workflow)?;
        // Microsoft.Logic's runs, or a Standard site's host runtime: the same shapes.
        let base = self.runtime_path(workflow);
        let list = self.list(&format!("{base}/runs"), runs)?;
        let per_run = self.parallel(&list, |run| {
            let run_name = run["name"].as_str().unwrap_or_default();
            let started = run["properties"]["startTime"]
                .as_str()
                .and_then(epoch_millis);
            let actions = self.list(&format!("{base}/runs/{run_name}/actions"), usize::MAX)?;
            let mut outcomes = Vec::new();
            for action in &actions {
                let name = action["name"].as_str().unwrap_or_default();
                outcomes.push(outcome(run_name, name, action, started));
                if !looped.contains(name) {
                    continue;
                }
                let repetitions = self.list(
                    &format!("{base}/runs/{run_name}/actions/{name}/repetitions"),
                    usize::MAX,
                )?;
                outcomes.extend(repetitions.iter().map(|r| ActionOutcome {
                    repetition: Some(r["name"].as_str().unwrap_or_default().to_owned()),
                    ..outcome(run_name, name, r, started)
                }));
            }
            Ok(outcomes)
        });
        let mut outcomes = Vec::new();
        for run in per_run {
            outcomes.extend(run?);
        }
        Ok(outcomes)
    }
}
