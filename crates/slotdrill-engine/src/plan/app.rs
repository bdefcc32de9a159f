//! One app's part of a plan, in three stages: gather the facts, choose a mode (or refuse), build
//! the steps. Each stage is a plain function of what the one before produced.

use std::collections::BTreeMap;

use slotdrill_model::{AzureName, PRODUCTION};

use super::refusal::{Refusal, SlotMoved};
use super::{Mode, Policy, RepointAction, Step, StepAction};
use crate::cloud::{AppSnapshot, ReleaseSource, SlotSnapshot};
use crate::diagnose::Verdict;
use crate::names::AppFunction;
use crate::observe::{CallerObservation, Observation};

/// What the engine knows about one app with faulty functions.
pub(super) struct AppFacts<'a> {
    pub(super) app: &'a AppSnapshot,
    pub(super) production: &'a SlotSnapshot,
    pub(super) deploy: &'a SlotSnapshot,
    /// The faulty functions of this app.
    pub(super) faulty: Vec<String>,
    /// Callers of a faulty function on production.
    callers: Vec<&'a CallerObservation>,
    /// Callers of a faulty (or unknown) function that cannot be resolved, with why.
    unresolved: Vec<String>,
    /// Sticky settings whose values differ between production and the deploy slot.
    sticky_diffs: Vec<String>,
    /// `workflow/action` of callers pinned to the deploy slot.
    pinned: Vec<String>,
    /// The version of each workflow when it was observed.
    workflow_versions: &'a BTreeMap<String, String>,
}

/// The mode chosen for one app, with why and what the operator should know.
pub(super) struct Choice {
    pub(super) mode: Mode,
    pub(super) reason: String,
    pub(super) warnings: Vec<String>,
}

/// How a slot's release is named for people: its label, a short deployment id, its package,
/// or `?` when nothing identifies it.
pub(super) fn release_name(slot: &SlotSnapshot) -> String {
    match (&slot.release, slot.release_source) {
        (Some(id), ReleaseSource::Deployment) => {
            format!("deployment {}", id.get(..8).unwrap_or(id))
        }
        (Some(url), ReleaseSource::Package) => format!("package {url}"),
        (Some(label), _) => label.clone(),
        (None, _) => "?".to_owned(),
    }
}

/// Refuses unless the deploy slot still holds the release production ran before the last swap,
/// a different release from production's, whose copies of the faulty functions are healthy.
fn deploy_slot_holds_a_good_release(
    app: &AppSnapshot,
    (production, deploy): (&SlotSnapshot, &SlotSnapshot),
    unhealthy_copies: &[&Verdict],
    faulty: &[String],
) -> Result<(), Refusal> {
    let name = &app.name;
    let swapped_from_deploy = deploy
        .last_swap
        .as_ref()
        .is_some_and(|s| s.moved(&deploy.name, PRODUCTION));
    if !swapped_from_deploy || deploy.deployed_since_swap {
        return Err(Refusal::DeploySlotMoved {
            app: name.clone(),
            slot: deploy.name.clone(),
            why: if swapped_from_deploy {
                SlotMoved::DeployedSinceSwap
            } else {
                SlotMoved::NoSwapRecorded
            },
        });
    }
    // Its copies may probe healthy only thanks to its own sticky settings; rolling back to the
    // same code fixes nothing in production.
    if production.release.is_some() && production.release == deploy.release {
        return Err(Refusal::SameRelease {
            app: name.clone(),
            slot: deploy.name.clone(),
            release: release_name(deploy),
        });
    }
    let unhealthy: Vec<AppFunction> = faulty
        .iter()
        .filter(|f| {
            unhealthy_copies
                .iter()
                .any(|v| v.app == *name && v.function == **f)
        })
        .map(|f| AppFunction::new(name.clone(), f.clone()))
        .collect();
    if !unhealthy.is_empty() {
        return Err(Refusal::NoGoodRelease {
            app: name.clone(),
            slot: deploy.name.clone(),
            functions: unhealthy,
            release: release_name(deploy),
        });
    }
    Ok(())
}

/// The facts of `app`, or a refusal when they already rule a rollback out.
pub(super) fn gather<'a>(
    observation: &'a Observation,
    unhealthy_copies: &[&Verdict],
    policy: &Policy,
    app: &'a AppSnapshot,
    faulty: Vec<String>,
) -> Result<AppFacts<'a>, Refusal> {
    let name = &app.name;
    let deploy_name = &policy.deploy_slot;
    let (Some(production), Some(deploy)) = (app.slot(PRODUCTION), app.slot(deploy_name)) else {
        return Err(Refusal::NoDeploySlot {
            app: name.clone(),
            slot: deploy_name.clone(),
        });
    };
    deploy_slot_holds_a_good_release(app, (production, deploy), unhealthy_copies, &faulty)?;
    let is_faulty = |f: &str| faulty.iter().any(|x| AzureName::same(x, f));
    let callers = observation
        .callers_of(name)
        .filter(|c| faulty.iter().any(|f| c.calls(name, PRODUCTION, f)))
        .collect();
    let unresolved = observation
        .unresolved_callers()
        .filter(|c| c.function.as_deref().is_none_or(is_faulty))
        .map(|c| format!("{} ({})", c.id(), c.reason.clone().unwrap_or_default()))
        .collect();
    let sticky_diffs = app
        .sticky
        .iter()
        .filter(|s| production.settings.get(*s) != deploy.settings.get(*s))
        // Names and presence only: a sticky setting is often a connection string with a password.
        .map(
            |s| match (production.settings.get(s), deploy.settings.get(s)) {
                (Some(_), Some(_)) => {
                    format!("{s}: different values in production and {deploy_name}")
                }
                (None, _) => format!("{s}: unset in production, set in {deploy_name}"),
                (_, None) => format!("{s}: set in production, unset in {deploy_name}"),
            },
        )
        .collect();
    let pinned = observation
        .callers_of(name)
        .filter(|c| {
            c.app.as_deref().is_some_and(|a| AzureName::same(a, name))
                && c.slot
                    .as_deref()
                    .is_some_and(|s| AzureName::same(s, deploy_name))
        })
        .map(CallerObservation::id)
        .collect();
    Ok(AppFacts {
        app,
        production,
        deploy,
        faulty,
        callers,
        unresolved,
        sticky_diffs,
        pinned,
        workflow_versions: &observation.workflow_versions,
    })
}

/// What stands in the way of a partial rollback, and what the operator accepted anyway.
fn partial_blockers(facts: &AppFacts<'_>, policy: &Policy) -> (Vec<String>, Vec<String>) {
    let deploy_name = &policy.deploy_slot;
    let (mut blockers, mut warnings) = (Vec::new(), Vec::new());
    if !facts.unresolved.is_empty() {
        blockers.push(format!(
            "caller(s) that cannot be rewritten: {}",
            facts.unresolved.join("; ")
        ));
    }
    if !facts.sticky_diffs.is_empty() {
        if policy.accept_sticky_diff {
            warnings.push(format!(
                "repointed calls will run with `{deploy_name}`'s sticky settings: {}",
                facts.sticky_diffs.join("; ")
            ));
        } else {
            blockers.push(format!("sticky settings differ, so repointed calls would use the `{deploy_name}` slot's resources ({}); pass --accept-sticky-diff to go on", facts.sticky_diffs.join("; ")));
        }
    }
    (blockers, warnings)
}

/// Chooses full or partial for one app from its facts, or refuses.
pub(super) fn choose(facts: &AppFacts<'_>, policy: &Policy) -> Result<Choice, Refusal> {
    let name = &facts.app.name;
    let (blockers, mut warnings) = partial_blockers(facts, policy);
    let faulty = facts.faulty.len();
    let total = facts.production.functions.len();
    let (mode, reason) = match policy.mode {
        Mode::Full => (Mode::Full, format!("`{name}`: full rollback requested")),
        Mode::Partial if !blockers.is_empty() => {
            return Err(Refusal::PartialNotPossible {
                app: name.clone(),
                blockers,
            });
        }
        Mode::Partial => (
            Mode::Partial,
            format!("`{name}`: partial rollback requested"),
        ),
        Mode::Auto if faulty * 2 > total.max(1) => (
            Mode::Full,
            format!(
                "`{name}`: {faulty} of {total} functions are faulty, most of the release: full rollback"
            ),
        ),
        Mode::Auto if !blockers.is_empty() => (
            Mode::Full,
            format!(
                "`{name}`: fell back to a full rollback: {}",
                blockers.join("; ")
            ),
        ),
        Mode::Auto => (
            Mode::Partial,
            format!(
                "`{name}`: {faulty} of {total} functions are faulty: partial rollback keeps the rest of release {}",
                release_name(facts.production)
            ),
        ),
    };
    if mode == Mode::Full && !facts.pinned.is_empty() {
        let release = release_name(facts.production);
        if !policy.force {
            return Err(Refusal::PinnedCallers {
                app: name.clone(),
                slot: policy.deploy_slot.clone(),
                release,
                callers: facts.pinned.clone(),
            });
        }
        warnings.push(format!(
            "forced: pinned caller(s) will run release {release}: {}",
            facts.pinned.join(", ")
        ));
    }
    if facts.production.release.is_none() || facts.deploy.release.is_none() {
        warnings.push(format!(
            "nothing identifies the releases `{name}` runs (no release label setting, no active deployment record, no package URL): a swap is judged done only by `slotSwapStatus`"
        ));
    }
    Ok(Choice {
        mode,
        reason,
        warnings,
    })
}

/// The steps of one app's rollback in `mode`: one swap, or one repoint per workflow that calls
/// a faulty function on production. Also returns a warning when nothing calls them.
pub(super) fn steps(
    facts: &AppFacts<'_>,
    mode: Mode,
    policy: &Policy,
) -> (Vec<Step>, Option<String>) {
    let name = &facts.app.name;
    let deploy_name = &policy.deploy_slot;
    let (production, deploy) = (facts.production, facts.deploy);
    if mode == Mode::Full {
        let step = Step {
            action: StepAction::Swap {
                app: name.clone(),
                source: deploy.name.clone(),
                target: PRODUCTION.to_owned(),
                production_release: production.release.clone(),
                source_release: deploy.release.clone(),
            },
            precondition: format!(
                "production holds {}, {deploy_name} holds {}",
                release_name(production),
                release_name(deploy)
            ),
            expected: format!("production holds {} again", release_name(deploy)),
        };
        return (vec![step], None);
    }
    let mut by_workflow: BTreeMap<&str, Vec<RepointAction>> = BTreeMap::new();
    for caller in &facts.callers {
        by_workflow
            .entry(&caller.workflow)
            .or_default()
            .push(RepointAction {
                action: caller.action.to_string(),
                app: name.clone(),
                function: caller.function.as_deref().unwrap_or_default().to_owned(),
                slot: deploy.name.clone(),
                host: deploy.host_name.clone(),
            });
    }
    let warning = by_workflow.is_empty().then(|| {
        format!("no Logic App calls the faulty function(s) of `{name}`: nothing to repoint")
    });
    let steps = by_workflow
        .into_iter()
        .map(|(workflow, actions)| {
            let version = facts
                .workflow_versions
                .get(workflow)
                .cloned()
                .unwrap_or_default();
            let list: Vec<String> = actions
                .iter()
                .map(|a| format!("{} → {}/{}", a.action, a.app, a.function))
                .collect();
            Step {
                precondition: format!(
                    "`{workflow}` is still at version {version} and {} call(s) production",
                    list.join(", ")
                ),
                expected: format!(
                    "they call `{name}/{deploy_name}` ({}), release {}, with that slot's key",
                    deploy.host_name,
                    release_name(deploy)
                ),
                action: StepAction::Repoint {
                    workflow: workflow.to_owned(),
                    version,
                    actions,
                },
            }
        })
        .collect();
    (steps, warning)
}
