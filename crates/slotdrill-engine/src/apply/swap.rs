//! The swap step of a full rollback. Before it swaps it records the back end's moment; after,
//! and on a resume whose journal does not say how the swap ended, it judges by what the estate
//! shows: `slotSwapStatus` newer than that moment, or release identities exchanged. When the
//! estate cannot tell, the engine stops and says what it saw; it never guesses "done".

use serde_json::{Value, json};
use slotdrill_model::AzureName;

use super::Writer;
use crate::cloud::{Cloud, CloudError, HistoryMark, LastSwap};
use crate::error::EngineError;
use crate::journal::{Record, StepState};

/// A swap step's fields.
pub(crate) struct SwapStep<'a> {
    pub(crate) app: &'a str,
    pub(crate) source: &'a str,
    pub(crate) target: &'a str,
    /// The release identity production held when planned (`None`: unidentified).
    pub(crate) production_release: &'a Option<String>,
    /// The release identity the source slot held when planned.
    pub(crate) source_release: &'a Option<String>,
    /// The precondition in words, for errors.
    pub(crate) precondition: &'a str,
}

/// What the estate shows of the two slots.
struct Seen {
    target_release: Option<String>,
    source_release: Option<String>,
    last_swaps: Vec<LastSwap>,
}

/// What the estate says about a swap.
enum Judgement {
    /// It happened; the evidence in words.
    Done(String),
    /// It did not happen: releases are known and unchanged, and no newer swap is recorded.
    NotDone,
    /// The estate cannot tell; what it shows, in words.
    CannotTell(String),
}

fn show(release: &Option<String>) -> &str {
    release.as_deref().unwrap_or("an unidentified release")
}

impl Seen {
    fn read(cloud: &dyn Cloud, swap: &SwapStep<'_>) -> Result<Seen, EngineError> {
        let apps = cloud.apps()?;
        let app = apps
            .iter()
            .find(|a| AzureName::same(&a.name, swap.app))
            .ok_or_else(|| CloudError::NotFound(format!("function app `{}`", swap.app)))?;
        let slot = |name: &str| {
            app.slot(name)
                .ok_or_else(|| CloudError::NotFound(format!("slot `{}/{name}`", swap.app)))
        };
        let (target, source) = (slot(swap.target)?, slot(swap.source)?);
        Ok(Seen {
            target_release: target.release.clone(),
            source_release: source.release.clone(),
            last_swaps: [target, source]
                .iter()
                .filter_map(|s| s.last_swap.clone())
                .collect(),
        })
    }

    fn describe(&self, swap: &SwapStep<'_>) -> String {
        let status = self.last_swaps.first().map_or_else(
            || "no slotSwapStatus".to_owned(),
            |s| {
                format!(
                    "slotSwapStatus {} → {} at {}",
                    s.source,
                    s.destination,
                    s.at.map_or_else(|| "an unknown time".to_owned(), |t| t.to_string())
                )
            },
        );
        format!(
            "{} holds {}, {} holds {}, {status}",
            swap.target,
            show(&self.target_release),
            swap.source,
            show(&self.source_release)
        )
    }

    fn after(&self, swap: &SwapStep<'_>, evidence: &str) -> Value {
        json!({ swap.target: self.target_release, "evidence": evidence })
    }
}

fn judge(swap: &SwapStep<'_>, seen: &Seen, begun_at: Option<HistoryMark>) -> Judgement {
    if let Some(begun) = begun_at
        && let Some(status) = seen
            .last_swaps
            .iter()
            .find(|s| s.moved(swap.source, swap.target) && s.at.is_some_and(|at| at > begun))
    {
        return Judgement::Done(format!(
            "slotSwapStatus shows {} → {} at {}, after the swap was asked for at {begun}",
            status.source,
            status.destination,
            status.at.unwrap_or_default()
        ));
    }
    let known = swap.production_release.is_some()
        && swap.source_release.is_some()
        && seen.target_release.is_some()
        && seen.source_release.is_some();
    if known
        && seen.target_release == *swap.source_release
        && seen.source_release == *swap.production_release
    {
        return Judgement::Done(format!(
            "{} now holds {} and {} holds {}: the releases were exchanged",
            swap.target,
            show(&seen.target_release),
            swap.source,
            show(&seen.source_release)
        ));
    }
    if known
        && seen.target_release == *swap.production_release
        && seen.source_release == *swap.source_release
    {
        return Judgement::NotDone;
    }
    Judgement::CannotTell(seen.describe(swap))
}

/// Runs (or, on a resume, finishes judging) a swap step; true when this call swapped.
pub(crate) fn run(
    cloud: &dyn Cloud,
    writer: &mut Writer<'_, '_>,
    index: usize,
    swap: &SwapStep<'_>,
    state: StepState,
) -> Result<bool, EngineError> {
    if let StepState::Unknown(begun_at) = state {
        let seen = Seen::read(cloud, swap)?;
        match judge(swap, &seen, begun_at) {
            Judgement::Done(evidence) => {
                writer.append(Record::Done {
                    step: index,
                    after: seen.after(swap, &evidence),
                })?;
                return Ok(false);
            }
            Judgement::NotDone => {}
            Judgement::CannotTell(saw) => {
                return Err(EngineError::CannotTell {
                    step: index,
                    saw,
                    check: format!(
                        "the swap of `{}/{}` into `{}` was asked for and no answer was recorded; check the app's deployment slots and activity log for that swap. If production still runs the faulty release, start a new rollback with a new --journal",
                        swap.app, swap.source, swap.target
                    ),
                });
            }
        }
    }
    let seen = Seen::read(cloud, swap)?;
    let moved = |planned: &Option<String>, now: &Option<String>| {
        planned.is_some() && now.is_some() && planned != now
    };
    if moved(swap.production_release, &seen.target_release)
        || moved(swap.source_release, &seen.source_release)
    {
        return Err(EngineError::PreconditionFailed {
            step: index,
            reason: format!(
                "expected {}; now {}",
                swap.precondition,
                seen.describe(swap)
            ),
        });
    }
    let at = cloud.now()?;
    writer.append(Record::Begin {
        step: index,
        before: json!({ swap.target: seen.target_release, swap.source: seen.source_release }),
        records: Vec::new(),
        at,
    })?;
    if let Err(error) = cloud.swap(swap.app, swap.source, swap.target) {
        return writer.refused(index, error);
    }
    let after = Seen::read(cloud, swap)?;
    let evidence = match judge(swap, &after, at) {
        Judgement::Done(evidence) => evidence,
        // What production should hold and what it holds are both known, and differ.
        _ if swap.source_release.is_some() && after.target_release.is_some() => {
            return Err(EngineError::PostconditionFailed {
                step: index,
                reason: format!(
                    "the back end reported the swap done, yet {}",
                    after.describe(swap)
                ),
            });
        }
        // Nothing identifies the releases and no status says otherwise: the back end's own
        // answer (the operation Succeeded) is the evidence.
        _ => "the back end reported the swap Succeeded".to_owned(),
    };
    writer.append(Record::Done {
        step: index,
        after: after.after(swap, &evidence),
    })?;
    Ok(true)
}
