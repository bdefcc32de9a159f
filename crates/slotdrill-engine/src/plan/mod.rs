//! Plan: turn a diagnosis into steps — swap back (full) or repoint the callers of the faulty
//! functions at the deploy slot (partial) — or refuse, with every reason written in the plan.
//!
//! [`plan`] is a pure function of the observation, the diagnosis and the policy. Each app goes
//! through `app.rs`: gather its facts, choose a mode or a [`Refusal`], build its steps. The
//! rollback is one unit: one refusal refuses it all.

mod app;
mod refusal;
mod wire;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use refusal::{Refusal, SlotMoved};

use crate::diagnose::{Diagnosis, Verdict};
use crate::names::AppFunction;
use crate::observe::Observation;

/// Which rollback the operator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Partial when a few functions are broken, full when most are.
    Auto,
    /// Repoint the callers of the faulty functions.
    Partial,
    /// Swap back.
    Full,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::Partial => "partial",
            Mode::Full => "full",
        })
    }
}

/// What the operator allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The mode asked for.
    pub mode: Mode,
    /// Go on although sticky settings differ between production and the deploy slot.
    pub accept_sticky_diff: bool,
    /// Go on although callers are pinned to the deploy slot.
    pub force: bool,
    /// The slot that holds the previous release (usually `deploy`).
    pub deploy_slot: String,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: Mode::Auto,
            accept_sticky_diff: false,
            force: false,
            deploy_slot: "deploy".to_owned(),
        }
    }
}

/// What the engine decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No function is faulty.
    Nothing,
    /// Every app's part repoints callers.
    Partial,
    /// Every app's part swaps back.
    Full,
    /// Some apps swap back, others repoint.
    Mixed,
    /// The engine will not roll back, for these reasons (one per app that refused).
    Refused(Vec<Refusal>),
}

impl Decision {
    /// The decision in one word, as drills and reports write it: `partial`, `full`, `mixed`,
    /// `refused` or `none`.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Nothing => "none",
            Decision::Partial => "partial",
            Decision::Full => "full",
            Decision::Mixed => "mixed",
            Decision::Refused(_) => "refused",
        }
    }

    /// The refusals, joined for people; `None` unless refused.
    pub fn refusal(&self) -> Option<String> {
        match self {
            Decision::Refused(reasons) => Some(
                reasons
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        }
    }
}

/// One action to repoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepointAction {
    /// The action's name in its workflow.
    pub action: String,
    /// The function app it calls.
    pub app: String,
    /// The function it calls.
    pub function: String,
    /// The slot it will call (the deploy slot).
    pub slot: String,
    /// That slot's `defaultHostName`.
    pub host: String,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepAction {
    /// Swap the deploy slot back into production.
    Swap {
        /// The function app.
        app: String,
        /// The slot promoted (the deploy slot).
        source: String,
        /// Production.
        target: String,
        /// The release identity production must hold before (`None`: nothing identifies it).
        production_release: Option<String>,
        /// The release identity the deploy slot must hold before (`None`: unidentified).
        source_release: Option<String>,
    },
    /// Repoint actions of one workflow (one read, one write).
    Repoint {
        /// The Logic App.
        workflow: String,
        /// The `properties.version` it must still be at.
        version: String,
        /// The actions.
        actions: Vec<RepointAction>,
    },
}

/// One step, with what must hold before and what should hold after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What it does.
    pub action: StepAction,
    /// Checked right before it writes, in words.
    pub precondition: String,
    /// What it should achieve, in words.
    pub expected: String,
}

/// A rollback plan, or a refusal. Its JSON keeps the shape reports have always had
/// (`chosen`, `refused`), see `wire.rs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "wire::PlanWire", try_from = "wire::PlanWire")]
pub struct Plan {
    /// The mode asked for.
    pub requested: Mode,
    /// What the engine decided.
    pub decision: Decision,
    /// The faulty functions.
    pub faulty: Vec<AppFunction>,
    /// Why this mode (or why not), one line per app.
    pub reasons: Vec<String>,
    /// Things the operator should know.
    pub warnings: Vec<String>,
    /// The steps, in order; empty unless the decision is to roll back.
    pub steps: Vec<Step>,
}

impl Plan {
    /// True when the engine refused.
    pub fn is_refused(&self) -> bool {
        matches!(self.decision, Decision::Refused(_))
    }
}

/// Plans a rollback of the faulty functions of `diagnosis`.
pub fn plan(observation: &Observation, diagnosis: &Diagnosis, policy: &Policy) -> Plan {
    let mut plan = Plan {
        requested: policy.mode,
        decision: Decision::Nothing,
        faulty: Vec::new(),
        reasons: Vec::new(),
        warnings: Vec::new(),
        steps: Vec::new(),
    };
    let mut by_app: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (app, function) in diagnosis.faulty() {
        plan.faulty
            .push(AppFunction::new(app.clone(), function.clone()));
        by_app.entry(app).or_default().push(function);
    }
    if by_app.is_empty() {
        plan.reasons
            .push("no function is faulty: nothing to roll back".to_owned());
        return plan;
    }
    // Verdicts whose deploy-slot copy probed unhealthy, found in one pass over the diagnosis
    // (one verdict per function of the estate) rather than once per faulty function.
    let unhealthy_copies: Vec<&Verdict> = diagnosis
        .verdicts
        .iter()
        .filter(|v| v.deploy_healthy == Some(false))
        .collect();
    let mut modes = Vec::new();
    for (name, faulty) in by_app {
        let Some(snapshot) = observation.app(&name) else {
            continue;
        };
        let decided = app::gather(observation, &unhealthy_copies, policy, snapshot, faulty)
            .and_then(|facts| app::choose(&facts, policy).map(|choice| (facts, choice)));
        let (facts, choice) = match decided {
            Ok(decided) => decided,
            Err(refusal) => {
                // The first refusal stops the plan: later apps were not looked at.
                plan.steps.clear();
                plan.decision = Decision::Refused(vec![refusal]);
                return plan;
            }
        };
        plan.reasons.push(choice.reason);
        plan.warnings.extend(choice.warnings);
        let (steps, warning) = app::steps(&facts, choice.mode, policy);
        plan.steps.extend(steps);
        plan.warnings.extend(warning);
        modes.push(choice.mode);
    }
    plan.decision = if modes.iter().all(|m| *m == Mode::Partial) {
        Decision::Partial
    } else if modes.iter().all(|m| *m == Mode::Full) {
        Decision::Full
    } else {
        Decision::Mixed
    };
    plan
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decided = match &self.decision {
            Decision::Nothing => "nothing to do",
            other => other.label(),
        };
        writeln!(
            f,
            "rollback plan: {decided} (requested: {})",
            self.requested
        )?;
        if !self.faulty.is_empty() {
            let faulty: Vec<String> = self.faulty.iter().map(ToString::to_string).collect();
            writeln!(f, "faulty: {}", faulty.join(", "))?;
        }
        for reason in &self.reasons {
            writeln!(f, "because {reason}")?;
        }
        if let Some(refused) = self.decision.refusal() {
            writeln!(f, "refused: {refused}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for (i, step) in self.steps.iter().enumerate() {
            match &step.action {
                StepAction::Swap {
                    app,
                    source,
                    target,
                    ..
                } => writeln!(f, "{}. swap `{app}/{source}` into `{target}`", i + 1)?,
                StepAction::Repoint {
                    workflow, actions, ..
                } => {
                    writeln!(f, "{}. repoint in `{workflow}`:", i + 1)?;
                    for a in actions {
                        writeln!(
                            f,
                            "   - {} → {}/{}/{} ({})",
                            a.action, a.app, a.slot, a.function, a.host
                        )?;
                    }
                }
            }
            writeln!(f, "   before: {}", step.precondition)?;
            writeln!(f, "   after:  {}", step.expected)?;
        }
        Ok(())
    }
}
