//! The steps that act as a person or the engine would: a direct function call, a hand-made
//! repoint, a rollback through the engine, and an injected fault.

use std::collections::BTreeMap;

use slotdrill_emulator::{ArmFault, HostRequest};
use slotdrill_engine::{
    AppFunction, ApplyOptions, DiagnoseConfig, Mode, Policy, RollbackRequest, VerifyOptions,
    rollback,
};
use slotdrill_model::ModelError;
use slotdrill_wdl::{Hints, RepointRequest, find_calls, repoint};

use super::{Runner, StepError};
use crate::drill_cloud::ControlPlane;
use crate::fail_kind::FailKind;

/// Probes per moved function when a drill's rollback is verified (the CLI's figure).
const VERIFY_SAMPLES: u32 = 5;

impl Runner<'_> {
    pub(super) fn call(&mut self, c: &crate::steps::Call) -> Result<String, StepError> {
        let (host, key) = self.emulator().read(|e| {
            let slot = e.slot(&c.app, &c.slot)?;
            let key = match c.key.as_deref().unwrap_or("own") {
                "production" => Some(
                    e.slot(&c.app, "production")?
                        .keys()
                        .function_default(&c.function),
                ),
                "none" => None,
                _ => Some(slot.keys().function_default(&c.function)),
            };
            Ok::<_, ModelError>((slot.host_name().to_owned(), key))
        })?;
        let mut request = HostRequest::new("POST", &format!("https://{host}/api/{}", c.function));
        if let Some(key) = key {
            request = request.with_header("x-functions-key", key.expose());
        }
        self.last_calls = (0..c.times)
            .map(|_| self.emulator().invoke(&request).status)
            .collect();
        let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
        for status in &self.last_calls {
            *counts.entry(*status).or_insert(0) += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        Ok(format!(
            "called {}/{}/{} {} time(s): {}",
            c.app,
            c.slot,
            c.function,
            c.times,
            counts.join(", ")
        ))
    }

    /// A repoint made by hand, as a script would — possibly with the wrong key.
    pub(super) fn hand_repoint(&mut self, r: &crate::steps::Repoint) -> Result<String, StepError> {
        let logic_app = self.emulator().logic_app(&r.logic_app).ok_or_else(|| {
            StepError::new(FailKind::NotFound, format!("Logic App `{}`", r.logic_app))
        })?;
        let call = find_calls(&logic_app.document, &Hints::default())
            .into_iter()
            .find(|c| c.action == r.action);
        let (Some(app), Some(function)) = (
            call.as_ref().and_then(|c| c.app.clone()),
            call.and_then(|c| c.function),
        ) else {
            return Err(StepError::new(
                FailKind::WorkflowError,
                format!(
                    "`{}/{}` does not call a known function",
                    r.logic_app, r.action
                ),
            ));
        };
        let key_slot = if r.key == "production" {
            "production"
        } else {
            r.slot.as_str()
        };
        let (host, key) = self.emulator().read(|e| {
            Ok::<_, ModelError>((
                e.slot(&app, &r.slot)?.host_name().to_owned(),
                e.slot(&app, key_slot)?.keys().function_default(&function),
            ))
        })?;
        let request = RepointRequest {
            workflow: None,
            action: &r.action,
            slot: &r.slot,
            host: &host,
            key: Some(&key),
        };
        let (document, record) = repoint(&logic_app.document, &request, &Hints::default())
            .map_err(|e| StepError::new(FailKind::WorkflowError, e.to_string()))?;
        self.emulator()
            .save_logic_app(&r.logic_app, document, None)?;
        // A Standard workflow's rewritten call reads its key from an app setting: a hand
        // repoint rewrites the file only, as a script editing workflow.json would.
        if let slotdrill_wdl::KeyCarrier::AppSetting { name } = &record.key {
            return Ok(format!(
                "repointed {}/{} at {app}/{} by hand; its key is to come from app setting {name}, which was not written",
                r.logic_app, r.action, r.slot
            ));
        }
        Ok(format!(
            "repointed {}/{} at {app}/{} by hand, with the {} key",
            r.logic_app, r.action, r.slot, r.key
        ))
    }

    /// A fresh journal path in the drill's journal directory.
    fn new_journal_path(&mut self) -> Result<std::path::PathBuf, StepError> {
        let path = self.journal_dir.new_path().map_err(|e| {
            StepError::new(
                FailKind::JournalError,
                format!("cannot make a directory for the rollback journal: {e}"),
            )
        })?;
        self.journals_written.0.push(path.clone());
        Ok(path)
    }

    /// A rollback through [`slotdrill_engine::rollback`], as the CLI runs it: a new journal
    /// per rollback, the last one resumed by `resume = true`, and verified as the CLI verifies
    /// against the emulator (probes of what moved): a rollback that changed nothing for the
    /// callers fails the step rather than passing as done.
    pub(super) fn rollback(&mut self, r: &crate::steps::Rollback) -> Result<String, StepError> {
        let journal = if r.resume {
            self.journal
                .clone()
                .filter(|path| path.exists())
                .ok_or_else(|| {
                    StepError::new(FailKind::JournalError, "no interrupted rollback to resume")
                })?
        } else {
            self.new_journal_path()?
        };
        let faulty = r
            .faulty
            .iter()
            .map(|f| f.parse::<AppFunction>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StepError::new(FailKind::BadInput, e.to_string()))?;
        let mode = match r.mode.as_deref() {
            Some("partial") => Some(Mode::Partial),
            Some("full") => Some(Mode::Full),
            Some(_) => Some(Mode::Auto),
            None if r.resume => None,
            None => Some(Mode::Auto),
        };
        let mut written = 0usize;
        let mut crash = |_: &slotdrill_engine::Record| {
            written += 1;
            r.crash_after.is_none_or(|limit| written < limit)
        };
        let request = RollbackRequest {
            mode,
            policy: Policy {
                accept_sticky_diff: r.accept_sticky_diff,
                force: r.force,
                ..Policy::default()
            },
            diagnose: DiagnoseConfig::default(),
            faulty,
            planner: self.planner,
            apply: Some(ApplyOptions {
                journal: &journal,
                interrupt: if r.crash_after.is_some() {
                    Some(&mut crash)
                } else {
                    None
                },
            }),
            verify: VerifyOptions {
                samples: VERIFY_SAMPLES,
                trigger: false,
            },
        };
        let (mut plans, mut diagnoses) = (Vec::new(), Vec::new());
        let outcome = rollback(&self.cloud, request, &mut |plan, diagnosis| {
            plans.push(plan.clone());
            diagnoses.extend(diagnosis.cloned());
        });
        if journal.exists() {
            // A refused plan writes no journal: `restore` and `resume` keep the last one.
            self.journal = Some(journal.clone());
        }
        if !r.resume {
            self.diagnoses.extend(diagnoses);
            for plan in plans {
                self.warnings.extend(plan.warnings.iter().cloned());
                self.plans.push(plan);
            }
        }
        let outcome = outcome?;
        if let Some(verified) = outcome.verified.as_ref().filter(|v| !v.ok()) {
            let failed: Vec<String> = verified
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.what, c.detail))
                .collect();
            return Err(StepError::new(
                FailKind::VerifyFailed,
                format!(
                    "the {} rollback was applied, but verifying it failed: {}",
                    outcome.plan.decision.label(),
                    failed.join("; ")
                ),
            ));
        }
        let plan = &outcome.plan;
        let Some(applied) = outcome.applied.filter(|_| !plan.steps.is_empty()) else {
            return Ok(format!(
                "plan: {}",
                plan.decision
                    .refusal()
                    .unwrap_or_else(|| plan.reasons.join("; "))
            ));
        };
        if outcome.resumed {
            return Ok(format!(
                "resumed from the journal: {} step(s) performed, {} already done",
                applied.performed.len(),
                applied.already_done.len()
            ));
        }
        Ok(format!(
            "{} rollback: {} step(s) applied",
            plan.decision.label(),
            applied.performed.len()
        ))
    }

    pub(super) fn fault(&mut self, f: &crate::steps::FaultStep) -> String {
        if f.clear {
            *self.cloud.hooks.faults.borrow_mut() = ControlPlane::default();
            self.emulator().clear_faults();
            return "cleared every fault".to_owned();
        }
        let Some(fault) = &f.inject else {
            return "no fault".to_owned();
        };
        match fault {
            ArmFault::Throttle { writes, .. } => {
                self.cloud.hooks.faults.borrow_mut().writes_left = Some(*writes)
            }
            ArmFault::ServerError {
                probability,
                status,
            } => self.cloud.hooks.faults.borrow_mut().server_error = Some((*probability, *status)),
            other => self.emulator().inject(other.clone()),
        }
        format!(
            "injected {}",
            serde_json::to_string(fault).unwrap_or_default()
        )
    }
}
