//! Verify: re-probe what the rollback should have fixed and, when asked, trigger the affected
//! Logic Apps. The result goes into the report.

use serde::Serialize;
use slotdrill_model::PRODUCTION;

use crate::cloud::Cloud;
use crate::error::EngineError;
use crate::plan::{Plan, StepAction};

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// The evidence.
    pub detail: String,
}

/// Every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// True when every check held.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// Probes each function the plan moved (on its new slot) or swapped back (on production), and
/// triggers each workflow it touched when `trigger` is set. With `samples` 0 (live probes off)
/// there are no probe checks.
pub fn verify(
    cloud: &dyn Cloud,
    plan: &Plan,
    samples: u32,
    trigger: bool,
) -> Result<VerifyReport, EngineError> {
    let mut checks = Vec::new();
    let probe = |app: &str,
                 slot: &str,
                 function: &str,
                 checks: &mut Vec<Check>|
     -> Result<(), EngineError> {
        let statuses = cloud.probe(app, slot, function, samples)?;
        // Nothing sampled is nothing verified: no check rather than a check that passes.
        if statuses.is_empty() {
            return Ok(());
        }
        let failures = statuses.iter().filter(|s| **s == 0 || **s >= 500).count();
        checks.push(Check {
            what: format!("{app}/{slot}/{function} answers"),
            ok: failures == 0,
            detail: format!("{failures} of {} probes failed", statuses.len()),
        });
        Ok(())
    };
    let mut workflows = Vec::new();
    for step in &plan.steps {
        match &step.action {
            StepAction::Repoint {
                workflow, actions, ..
            } => {
                for action in actions {
                    probe(&action.app, &action.slot, &action.function, &mut checks)?;
                }
                workflows.push(workflow.clone());
            }
            StepAction::Swap { app, .. } => {
                for faulty in plan.faulty.iter().filter(|f| f.app.matches(app)) {
                    probe(app, PRODUCTION, faulty.function.as_str(), &mut checks)?;
                }
            }
        }
    }
    if trigger {
        for workflow in workflows {
            let ok = cloud.trigger(&workflow)?;
            checks.push(Check {
                what: format!("a run of `{workflow}` succeeds"),
                ok,
                detail: if ok {
                    "Succeeded".to_owned()
                } else {
                    "Failed".to_owned()
                },
            });
        }
    }
    Ok(VerifyReport { checks })
}
