//! Plan: turn a diagnosis into steps — swap back (full) or repoint the callers of the faulty
//! functions at the deploy slot (partial) — or refuse, with every reason written in the plan.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use slotdrill_model::PRODUCTION;

use crate::cloud::AppSnapshot;
use crate::diagnose::Diagnosis;
use crate::observe::Observation;

/// Which rollback to plan.
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
    /// The slot that holds the previous release.
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

/// One action to repoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepointAction {
    /// The action.
    pub action: String,
    /// The app it calls.
    pub app: String,
    /// The function it calls.
    pub function: String,
    /// The slot it will call.
    pub slot: String,
    /// That slot's host name.
    pub host: String,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepAction {
    /// Swap the deploy slot back into production.
    Swap {
        /// The app.
        app: String,
        /// The slot promoted (the deploy slot).
        source: String,
        /// Production.
        target: String,
        /// The release production must hold before.
        production_release: Option<String>,
        /// The release the deploy slot must hold before.
        source_release: Option<String>,
    },
    /// Repoint actions of one workflow (one read, one write).
    Repoint {
        /// The Logic App.
        workflow: String,
        /// The version it must still be at.
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
    /// Checked right before it writes.
    pub precondition: String,
    /// What it should achieve.
    pub expected: String,
}

/// A rollback plan, or a refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The mode asked for.
    pub requested: Mode,
    /// The mode chosen; `None` when refused or when there is nothing to do.
    pub chosen: Option<Mode>,
    /// The faulty functions, as `app/function`.
    pub faulty: Vec<String>,
    /// Why this mode (or why not).
    pub reasons: Vec<String>,
    /// Things the operator should know.
    pub warnings: Vec<String>,
    /// Why the engine refuses, if it does.
    pub refused: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

struct AppCase<'a> {
    app: &'a AppSnapshot,
    faulty: Vec<String>,
}

/// Plans a rollback of the faulty functions of `diagnosis`.
pub fn plan(observation: &Observation, diagnosis: &Diagnosis, policy: &Policy) -> Plan {
    let mut plan = Plan {
        requested: policy.mode,
        chosen: None,
        faulty: Vec::new(),
        reasons: Vec::new(),
        warnings: Vec::new(),
        refused: None,
        steps: Vec::new(),
    };
    let mut by_app: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (app, function) in diagnosis.faulty() {
        plan.faulty.push(format!("{app}/{function}"));
        by_app.entry(app).or_default().push(function);
    }
    if by_app.is_empty() {
        plan.reasons
            .push("no function is faulty: nothing to roll back".to_owned());
        return plan;
    }
    let mut modes = Vec::new();
    for (app_name, faulty) in by_app {
        let Some(app) = observation.app(&app_name) else {
            continue;
        };
        match plan_app(
            observation,
            diagnosis,
            policy,
            &AppCase { app, faulty },
            &mut plan,
        ) {
            Some(mode) => modes.push(mode),
            None => {
                plan.steps.clear();
                plan.chosen = None;
                return plan;
            }
        }
    }
    // The rollback is one unit: partial only if every app's part is partial.
    plan.chosen = Some(if modes.iter().all(|m| *m == Mode::Partial) {
        Mode::Partial
    } else if modes.iter().all(|m| *m == Mode::Full) {
        Mode::Full
    } else {
        Mode::Auto
    });
    plan
}

fn refuse(plan: &mut Plan, reason: String) -> Option<Mode> {
    plan.refused = Some(match plan.refused.take() {
        Some(earlier) => format!("{earlier}; {reason}"),
        None => reason,
    });
    None
}

/// Plans one app; `None` when refused.
fn plan_app(
    observation: &Observation,
    diagnosis: &Diagnosis,
    policy: &Policy,
    case: &AppCase<'_>,
    plan: &mut Plan,
) -> Option<Mode> {
    let app = case.app;
    let name = &app.name;
    let deploy_name = &policy.deploy_slot;
    let (Some(production), Some(deploy)) = (app.slot(PRODUCTION), app.slot(deploy_name)) else {
        return refuse(
            plan,
            format!("`{name}` has no `{deploy_name}` slot to roll back to"),
        );
    };
    let swapped_from_deploy = deploy
        .last_swap
        .as_ref()
        .is_some_and(|s| s.moved(deploy_name, PRODUCTION));
    if !swapped_from_deploy || deploy.deployed_since_swap {
        let why = if !swapped_from_deploy {
            "no swap from it into production is recorded"
        } else {
            "it was deployed to after the last swap"
        };
        return refuse(
            plan,
            format!(
                "`{name}/{deploy_name}` no longer holds the release production ran before the last swap ({why})"
            ),
        );
    }
    let release =
        |s: &crate::cloud::SlotSnapshot| s.release.clone().unwrap_or_else(|| "?".to_owned());
    // Its copies may probe healthy only thanks to its own sticky settings; rolling back to the
    // same code fixes nothing in production.
    if production.release.is_some() && production.release == deploy.release {
        return refuse(
            plan,
            format!(
                "`{name}/{deploy_name}` holds release {}, the release production runs: no earlier release is left to roll back to",
                release(deploy)
            ),
        );
    }
    let unhealthy: Vec<&String> = case
        .faulty
        .iter()
        .filter(|f| {
            diagnosis
                .verdicts
                .iter()
                .any(|v| v.app == *name && v.function == **f && v.deploy_healthy == Some(false))
        })
        .collect();
    if !unhealthy.is_empty() {
        let list: Vec<String> = unhealthy.iter().map(|f| format!("{name}/{f}")).collect();
        return refuse(
            plan,
            format!(
                "the `{deploy_name}` slot's copy of {} is unhealthy too (release {}): no good release is left to roll back to",
                list.join(", "),
                release(deploy)
            ),
        );
    }
    let total = production.functions.len().max(1);
    let mostly_broken = case.faulty.len() * 2 > total;
    let callers: Vec<_> = observation
        .callers
        .iter()
        .filter(|c| case.faulty.iter().any(|f| c.calls(name, PRODUCTION, f)))
        .collect();
    let unresolved: Vec<String> = observation
        .callers
        .iter()
        .filter(|c| c.app.is_none() || c.slot.is_none())
        .filter(|c| {
            c.function
                .as_ref()
                .is_none_or(|f| case.faulty.iter().any(|x| x.eq_ignore_ascii_case(f)))
        })
        .map(|c| format!("{} ({})", c.id(), c.reason.clone().unwrap_or_default()))
        .collect();
    let sticky_diffs: Vec<String> = app
        .sticky
        .iter()
        .filter(|s| production.settings.get(*s) != deploy.settings.get(*s))
        .map(|s| {
            format!(
                "{s}: production `{}`, {deploy_name} `{}`",
                production.settings.get(s).map_or("-", String::as_str),
                deploy.settings.get(s).map_or("-", String::as_str)
            )
        })
        .collect();
    let pinned: Vec<String> = observation
        .callers
        .iter()
        .filter(|c| {
            c.app
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
                && c.slot
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(deploy_name))
        })
        .map(|c| c.id())
        .collect();

    let mut partial_blockers = Vec::new();
    if !unresolved.is_empty() {
        partial_blockers.push(format!(
            "caller(s) that cannot be rewritten: {}",
            unresolved.join("; ")
        ));
    }
    if !sticky_diffs.is_empty() && !policy.accept_sticky_diff {
        partial_blockers.push(format!("sticky settings differ, so repointed calls would use the `{deploy_name}` slot's resources ({}); pass --accept-sticky-diff to go on", sticky_diffs.join("; ")));
    }
    if !sticky_diffs.is_empty() && policy.accept_sticky_diff {
        plan.warnings.push(format!(
            "repointed calls will run with `{deploy_name}`'s sticky settings: {}",
            sticky_diffs.join("; ")
        ));
    }
    let mode = match policy.mode {
        Mode::Full => {
            plan.reasons
                .push(format!("`{name}`: full rollback requested"));
            Mode::Full
        }
        Mode::Partial if !partial_blockers.is_empty() => {
            return refuse(
                plan,
                format!(
                    "partial rollback of `{name}` is not possible: {}",
                    partial_blockers.join("; ")
                ),
            );
        }
        Mode::Partial => {
            plan.reasons
                .push(format!("`{name}`: partial rollback requested"));
            Mode::Partial
        }
        Mode::Auto if mostly_broken => {
            plan.reasons.push(format!(
                "`{name}`: {} of {} functions are faulty, most of the release: full rollback",
                case.faulty.len(),
                production.functions.len()
            ));
            Mode::Full
        }
        Mode::Auto if !partial_blockers.is_empty() => {
            plan.reasons.push(format!(
                "`{name}`: fell back to a full rollback: {}",
                partial_blockers.join("; ")
            ));
            Mode::Full
        }
        Mode::Auto => {
            plan.reasons.push(format!("`{name}`: {} of {} functions are faulty: partial rollback keeps the rest of release {}", case.faulty.len(), production.functions.len(), release(production)));
            Mode::Partial
        }
    };
    if mode == Mode::Full && !pinned.is_empty() {
        if !policy.force {
            return refuse(
                plan,
                format!(
                    "caller(s) pinned to `{name}/{deploy_name}` would run release {} after swapping back: {}; restore them first or force",
                    release(production),
                    pinned.join(", ")
                ),
            );
        }
        plan.warnings.push(format!(
            "forced: pinned caller(s) will run release {}: {}",
            release(production),
            pinned.join(", ")
        ));
    }
    if mode == Mode::Full {
        plan.steps.push(Step {
            action: StepAction::Swap {
                app: name.clone(),
                source: deploy.name.clone(),
                target: PRODUCTION.to_owned(),
                production_release: production.release.clone(),
                source_release: deploy.release.clone(),
            },
            precondition: format!(
                "production holds {}, {deploy_name} holds {}",
                release(production),
                release(deploy)
            ),
            expected: format!("production holds {} again", release(deploy)),
        });
        return Some(mode);
    }
    let target = if planted_bug() { production } else { deploy };
    let mut by_workflow: BTreeMap<&str, Vec<RepointAction>> = BTreeMap::new();
    for caller in callers {
        by_workflow
            .entry(&caller.workflow)
            .or_default()
            .push(RepointAction {
                action: caller.action.clone(),
                app: name.clone(),
                function: caller.function.clone().unwrap_or_default(),
                slot: target.name.clone(),
                host: target.host_name.clone(),
            });
    }
    if by_workflow.is_empty() {
        plan.warnings.push(format!(
            "no Logic App calls the faulty function(s) of `{name}`: nothing to repoint"
        ));
    }
    for (workflow, actions) in by_workflow {
        let version = observation
            .workflow_versions
            .get(workflow)
            .cloned()
            .unwrap_or_default();
        let list: Vec<String> = actions
            .iter()
            .map(|a| format!("{} → {}/{}", a.action, a.app, a.function))
            .collect();
        plan.steps.push(Step {
            precondition: format!(
                "`{workflow}` is still at version {version} and {} call(s) production",
                list.join(", ")
            ),
            expected: format!(
                "they call `{}/{deploy_name}` ({}), release {}, with that slot's key",
                name,
                deploy.host_name,
                release(deploy)
            ),
            action: StepAction::Repoint {
                workflow: workflow.to_owned(),
                version,
                actions,
            },
        });
    }
    Some(mode)
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chosen = self.chosen.map_or_else(
            || {
                if self.refused.is_some() {
                    "refused".to_owned()
                } else {
                    "nothing to do".to_owned()
                }
            },
            |m| m.to_string(),
        );
        writeln!(f, "rollback plan: {chosen} (requested: {})", self.requested)?;
        if !self.faulty.is_empty() {
            writeln!(f, "faulty: {}", self.faulty.join(", "))?;
        }
        for reason in &self.reasons {
            writeln!(f, "because {reason}")?;
        }
        if let Some(refused) = &self.refused {
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

/// A deliberately wrong plan step, to prove that `slotdrill explore` finds engine bugs: with
/// `SLOTDRILL_PLANTED_BUG=partial-to-production` in a debug build, a partial rollback repoints
/// callers at production instead of the deploy slot. Release builds compile the switch out.
#[cfg(debug_assertions)]
fn planted_bug() -> bool {
    std::env::var_os("SLOTDRILL_PLANTED_BUG").is_some_and(|v| v == "partial-to-production")
}

#[cfg(not(debug_assertions))]
fn planted_bug() -> bool {
    false
}
