//! Why the engine refuses to roll an app back: one variant per reason, rendered for people.
//! A refusal is a decision, not an error: the plan that carries it is printed and reported.

use std::fmt;

use crate::names::AppFunction;

/// Why a deploy slot no longer holds the release production ran before the last swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotMoved {
    /// No swap from the deploy slot into production is recorded (`slotSwapStatus`).
    NoSwapRecorded,
    /// Something was deployed to the deploy slot after that swap.
    DeployedSinceSwap,
}

/// One reason the engine will not roll back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The app has no slot of the deploy slot's name.
    NoDeploySlot {
        /// The function app.
        app: String,
        /// The slot the policy names as holding the previous release.
        slot: String,
    },
    /// The deploy slot no longer holds the release production ran before the last swap.
    DeploySlotMoved {
        /// The function app.
        app: String,
        /// The deploy slot.
        slot: String,
        /// How the engine knows.
        why: SlotMoved,
    },
    /// The deploy slot holds the very release production runs.
    SameRelease {
        /// The function app.
        app: String,
        /// The deploy slot.
        slot: String,
        /// How that release is named for people.
        release: String,
    },
    /// The deploy slot's copy of a faulty function is unhealthy too.
    NoGoodRelease {
        /// The function app.
        app: String,
        /// The deploy slot.
        slot: String,
        /// The faulty functions whose deploy-slot copy is unhealthy.
        functions: Vec<AppFunction>,
        /// The deploy slot's release, for people.
        release: String,
    },
    /// A partial rollback was asked for and cannot be done.
    PartialNotPossible {
        /// The function app.
        app: String,
        /// Each obstacle, in words.
        blockers: Vec<String>,
    },
    /// Swapping back would change the code that callers pinned to the deploy slot run.
    PinnedCallers {
        /// The function app.
        app: String,
        /// The deploy slot.
        slot: String,
        /// The release they would run after the swap, for people.
        release: String,
        /// `workflow/action` of each pinned caller.
        callers: Vec<String>,
    },
    /// A refusal read back from a plan's JSON, where only its words are kept.
    Recorded(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoDeploySlot { app, slot } => {
                write!(f, "`{app}` has no `{slot}` slot to roll back to")
            }
            Refusal::DeploySlotMoved { app, slot, why } => write!(
                f,
                "`{app}/{slot}` no longer holds the release production ran before the last swap ({})",
                match why {
                    SlotMoved::NoSwapRecorded => "no swap from it into production is recorded",
                    SlotMoved::DeployedSinceSwap => "it was deployed to after the last swap",
                }
            ),
            Refusal::SameRelease { app, slot, release } => write!(
                f,
                "`{app}/{slot}` holds release {release}, the release production runs: no earlier release is left to roll back to"
            ),
            Refusal::NoGoodRelease {
                slot,
                functions,
                release,
                ..
            } => {
                let list: Vec<String> = functions.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "the `{slot}` slot's copy of {} is unhealthy too (release {release}): no good release is left to roll back to",
                    list.join(", ")
                )
            }
            Refusal::PartialNotPossible { app, blockers } => write!(
                f,
                "partial rollback of `{app}` is not possible: {}",
                blockers.join("; ")
            ),
            Refusal::PinnedCallers {
                app,
                slot,
                release,
                callers,
            } => write!(
                f,
                "caller(s) pinned to `{app}/{slot}` would run release {release} after swapping back: {}; restore them first or force",
                callers.join(", ")
            ),
            Refusal::Recorded(text) => f.write_str(text),
        }
    }
}
