//! One rollback, start to end, for every front end: observe → diagnose (or take the functions
//! the operator names) → plan → apply with a journal → verify; or resume the interrupted
//! rollback a journal holds, and verify it the same way. The CLI and the drill runner both call
//! [`rollback`], so a rehearsal runs the very sequence an operator runs.

use std::path::Path;

use crate::apply::{ApplyReport, Interrupt, apply, resume};
use crate::cloud::Cloud;
use crate::diagnose::{DiagnoseConfig, Diagnosis, diagnose, named_faulty};
use crate::error::EngineError;
use crate::journal::{Journal, Record};
use crate::names::AppFunction;
use crate::observe::{Observation, observe};
use crate::plan::{Mode, Plan, Policy};
use crate::verify::{VerifyReport, verify};

/// Turns an observation and a diagnosis into a plan: [`crate::plan`], or in tests a planner
/// that is wrong on purpose, to show that the checks around the engine catch it.
pub type Planner = fn(&Observation, &Diagnosis, &Policy) -> Plan;

/// How to verify a rollback once applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Probes per moved function (0: call nothing, as against Azure unless asked).
    pub samples: u32,
    /// Also trigger each workflow the plan touched.
    pub trigger: bool,
}

/// Where and whether to apply.
pub struct ApplyOptions<'a> {
    /// The journal: a new path for a new rollback, or an interrupted rollback's to resume it.
    pub journal: &'a Path,
    /// Consulted after each journal record (a manual abort, a test's crash).
    pub interrupt: Option<Interrupt<'a>>,
}

/// What to roll back and how.
pub struct RollbackRequest<'a> {
    /// The mode asked for; `None` leaves it to the engine (auto), or to the journal's plan.
    pub mode: Option<Mode>,
    /// Everything else the operator allows (its `mode` is ignored in favour of the above).
    pub policy: Policy,
    /// Thresholds and sample sizes of diagnosis.
    pub diagnose: DiagnoseConfig,
    /// Functions the operator names as faulty (skips diagnosis); empty: diagnose.
    pub faulty: Vec<AppFunction>,
    /// The planner ([`crate::plan`]).
    pub planner: Planner,
    /// `None`: a dry run, plan only.
    pub apply: Option<ApplyOptions<'a>>,
    /// How to verify after applying.
    pub verify: VerifyOptions,
}

/// What a rollback found and did.
#[derive(Debug, Clone)]
pub struct Rollback {
    /// The diagnosis; `None` on a resume (the journal's plan stands).
    pub diagnosis: Option<Diagnosis>,
    /// The plan made, or the journal's.
    pub plan: Plan,
    /// True when an interrupted rollback was resumed from its journal.
    pub resumed: bool,
    /// What applying did; `None` on a dry run or a refused plan.
    pub applied: Option<ApplyReport>,
    /// The verification; `None` unless something was applied.
    pub verified: Option<VerifyReport>,
}

/// Runs `request` against `cloud`. `on_plan` sees the plan (and the diagnosis, when one was
/// made) before anything is written, so a front end can show it even if applying fails.
pub fn rollback(
    cloud: &dyn Cloud,
    request: RollbackRequest<'_>,
    on_plan: &mut dyn FnMut(&Plan, Option<&Diagnosis>),
) -> Result<Rollback, EngineError> {
    let RollbackRequest {
        mode,
        policy,
        diagnose: config,
        faulty,
        planner,
        apply: applying,
        verify: options,
    } = request;
    let applying = match applying {
        Some(ApplyOptions { journal, interrupt }) if journal.exists() => {
            return resume_and_verify(cloud, journal, mode, interrupt, options, on_plan);
        }
        other => other,
    };
    let observation = observe(cloud)?;
    let diagnosis = if faulty.is_empty() {
        diagnose(cloud, &observation, &config)?
    } else {
        named_faulty(&observation, &faulty, &config)?
    };
    let policy = Policy {
        mode: mode.unwrap_or(Mode::Auto),
        ..policy
    };
    let plan = planner(&observation, &diagnosis, &policy);
    on_plan(&plan, Some(&diagnosis));
    let mut rolled = Rollback {
        diagnosis: Some(diagnosis),
        plan,
        resumed: false,
        applied: None,
        verified: None,
    };
    let Some(ApplyOptions { journal, interrupt }) = applying else {
        return Ok(rolled);
    };
    if rolled.plan.is_refused() || rolled.plan.steps.is_empty() {
        return Ok(rolled);
    }
    rolled.applied = Some(apply(cloud, &rolled.plan, journal, interrupt)?);
    rolled.verified = Some(verify(
        cloud,
        &rolled.plan,
        options.samples,
        options.trigger,
    )?);
    Ok(rolled)
}

/// Resumes the rollback journaled at `journal` and verifies it as a fresh one would be. A mode
/// other than the journal plan's is refused before anything is written.
fn resume_and_verify(
    cloud: &dyn Cloud,
    journal: &Path,
    mode: Option<Mode>,
    interrupt: Option<Interrupt<'_>>,
    options: VerifyOptions,
    on_plan: &mut dyn FnMut(&Plan, Option<&Diagnosis>),
) -> Result<Rollback, EngineError> {
    if let Some(mode) = mode
        && let Some(planned) = Record::plan_in(&Journal::read(journal)?).cloned()
        && mode != planned.requested
    {
        return Err(EngineError::ResumeModeMismatch {
            path: journal.display().to_string(),
            planned: format!(
                "{} (requested {})",
                planned.decision.label(),
                planned.requested
            ),
            asked: mode,
        });
    }
    let (plan, applied) = resume(cloud, journal, interrupt)?;
    on_plan(&plan, None);
    let verified = verify(cloud, &plan, options.samples, options.trigger)?;
    Ok(Rollback {
        diagnosis: None,
        plan,
        resumed: true,
        applied: Some(applied),
        verified: Some(verified),
    })
}
