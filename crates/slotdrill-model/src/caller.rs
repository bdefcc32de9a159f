//! Logic App callers: one action of one workflow that calls one function on one slot. The model
//! keeps only the reference; reading and rewriting workflow JSON is `slotdrill-wdl`'s job.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::error::ModelError;
use crate::event::Event;
use crate::name::AzureName;

/// A caller's identity: the workflow and the action name (unique within a workflow).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallerId {
    /// The Logic App (workflow) name.
    pub workflow: String,
    /// The action's name as written in the workflow definition; unique within the workflow.
    pub action: String,
}

impl CallerId {
    /// `workflow/action`.
    pub fn new(workflow: impl Into<String>, action: impl Into<String>) -> Self {
        CallerId {
            workflow: workflow.into(),
            action: action.into(),
        }
    }
}

impl fmt::Display for CallerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.workflow, self.action)
    }
}

/// A function on a slot of an app.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionRef {
    /// The function app's name (Azure compares app names case-insensitively).
    pub app: String,
    /// The slot (`production` for production).
    pub slot: String,
    /// The function's name within the app, as in `/api/NAME`.
    pub function: String,
}

impl FunctionRef {
    /// `app/slot/function`.
    pub fn new(
        app: impl Into<String>,
        slot: impl Into<String>,
        function: impl Into<String>,
    ) -> Self {
        FunctionRef {
            app: app.into(),
            slot: slot.into(),
            function: function.into(),
        }
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.app, self.slot, self.function)
    }
}

/// A Logic App action that calls a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Which action of which workflow.
    pub id: CallerId,
    /// The function it calls.
    pub target: FunctionRef,
}

/// Why a caller would stop resolving if an operation went ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerBreak {
    /// The Logic App action that would be left calling nothing.
    pub caller: CallerId,
    /// What it calls.
    pub target: FunctionRef,
    /// What would be wrong.
    pub reason: BreakReason,
}

/// Why a caller's target does not (or would no longer) resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakReason {
    /// The app the caller names does not exist.
    #[error("function app `{app}` does not exist")]
    NoApp {
        /// The app, as the caller names it.
        app: String,
    },
    /// The app has no such slot.
    #[error("slot `{slot}` does not exist in function app `{app}`")]
    NoSlot {
        /// The app the caller names.
        app: String,
        /// The slot, as the caller names it.
        slot: String,
    },
    /// The slot exists but nothing was deployed to it.
    #[error("slot `{slot}` of `{app}` holds no release")]
    NoRelease {
        /// The app the caller names.
        app: String,
        /// The slot, which exists but has had nothing deployed.
        slot: String,
    },
    /// The release the slot holds lacks the function.
    #[error("release `{release}` on `{app}/{slot}` has no function `{function}`")]
    NoFunction {
        /// The app the caller names.
        app: String,
        /// The slot the caller names.
        slot: String,
        /// The release id the slot holds.
        release: String,
        /// The function the caller calls.
        function: String,
    },
    /// The operation would delete the slot.
    #[error("slot `{slot}` would be deleted")]
    SlotDeleted {
        /// The slot, as the operation names it.
        slot: String,
    },
    /// The operation would leave the slot without a release.
    #[error("slot `{slot}` would hold no release")]
    SlotEmptied {
        /// The slot, as the operation names it.
        slot: String,
    },
    /// The release the operation would put in the slot lacks the function.
    #[error("release `{release}` has no function `{function}`")]
    ReleaseLacks {
        /// The incoming release id.
        release: String,
        /// The function the caller calls.
        function: String,
    },
}

impl fmt::Display for CallerBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {}: {}", self.caller, self.target, self.reason)
    }
}

/// How a slot's content would change, for checking callers before an operation goes ahead.
pub(crate) enum SlotChange<'a> {
    Release(Option<&'a crate::Release>),
    Deleted,
}

/// Every caller, by id and by the app it calls (so that an operation on one app checks only that
/// app's callers, whatever the size of the estate).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallerIndex {
    by_id: BTreeMap<CallerId, Caller>,
    by_app: BTreeMap<AzureName, BTreeSet<CallerId>>,
}

impl CallerIndex {
    fn insert(&mut self, caller: Caller) {
        self.by_app
            .entry(AzureName::from(&caller.target.app))
            .or_default()
            .insert(caller.id.clone());
        self.by_id.insert(caller.id.clone(), caller);
    }

    fn remove(&mut self, id: &CallerId) -> Option<Caller> {
        let caller = self.by_id.remove(id)?;
        if let Some(ids) = self.by_app.get_mut(&AzureName::from(&caller.target.app)) {
            ids.remove(id);
        }
        Some(caller)
    }

    /// Which callers would stop resolving if `changes` were made to slots of `app`.
    pub(crate) fn broken_by(
        &self,
        app: &str,
        changes: &[(&str, SlotChange<'_>)],
    ) -> Vec<CallerBreak> {
        let Some(ids) = self.by_app.get(&AzureName::from(app)) else {
            return Vec::new();
        };
        let mut breaks = Vec::new();
        for caller in ids.iter().filter_map(|id| self.by_id.get(id)) {
            let Some((slot, change)) = changes
                .iter()
                .find(|(slot, _)| AzureName::same(slot, &caller.target.slot))
            else {
                continue;
            };
            let reason = match change {
                SlotChange::Deleted => Some(BreakReason::SlotDeleted {
                    slot: (*slot).to_owned(),
                }),
                SlotChange::Release(None) => Some(BreakReason::SlotEmptied {
                    slot: (*slot).to_owned(),
                }),
                SlotChange::Release(Some(release)) => release
                    .function(&caller.target.function)
                    .is_none()
                    .then(|| BreakReason::ReleaseLacks {
                        release: release.id.clone(),
                        function: caller.target.function.clone(),
                    }),
            };
            if let Some(reason) = reason {
                breaks.push(CallerBreak {
                    caller: caller.id.clone(),
                    target: caller.target.clone(),
                    reason,
                });
            }
        }
        breaks
    }

    /// Refuses `changes` if they would strand a caller (invariant 5 in ARCHITECTURE.md).
    pub(crate) fn refuse(
        &self,
        app: &str,
        changes: &[(&str, SlotChange<'_>)],
    ) -> Result<(), ModelError> {
        let breaks = self.broken_by(app, changes);
        if breaks.is_empty() {
            Ok(())
        } else {
            Err(ModelError::CallersWouldBreak { breaks })
        }
    }
}

impl crate::Estate {
    /// Every caller, ordered by workflow and action.
    pub fn callers(&self) -> impl Iterator<Item = &Caller> {
        self.callers.by_id.values()
    }

    /// A caller by id.
    pub fn caller(&self, id: &CallerId) -> Option<&Caller> {
        self.callers.by_id.get(id)
    }

    /// Checks that `target` resolves: the app, the slot, and the function in the release the slot
    /// holds. The error says which part is missing.
    pub fn resolve(&self, target: &FunctionRef) -> Result<(), BreakReason> {
        let app = self.app(&target.app).map_err(|_| BreakReason::NoApp {
            app: target.app.clone(),
        })?;
        let slot = app.slot(&target.slot).ok_or_else(|| BreakReason::NoSlot {
            app: target.app.clone(),
            slot: target.slot.clone(),
        })?;
        let release = slot.release().ok_or_else(|| BreakReason::NoRelease {
            app: target.app.clone(),
            slot: target.slot.clone(),
        })?;
        release
            .function(&target.function)
            .map(|_| ())
            .ok_or_else(|| BreakReason::NoFunction {
                app: target.app.clone(),
                slot: target.slot.clone(),
                release: release.id.clone(),
                function: target.function.clone(),
            })
    }

    /// Records a caller; its target must resolve.
    pub fn add_caller(&mut self, caller: Caller) -> Result<Vec<Event>, ModelError> {
        if self.callers.by_id.contains_key(&caller.id) {
            return Err(ModelError::CallerExists {
                caller: caller.id.to_string(),
            });
        }
        self.check_target(&caller.id, &caller.target)?;
        let event = Event::CallerAdded {
            caller: caller.id.clone(),
            target: caller.target.clone(),
        };
        self.callers.insert(caller);
        Ok(vec![event])
    }

    /// Points a caller at another function ref (usually the same function on another slot).
    pub fn repoint_caller(
        &mut self,
        id: &CallerId,
        to: FunctionRef,
    ) -> Result<Vec<Event>, ModelError> {
        let not_found = || ModelError::CallerNotFound {
            caller: id.to_string(),
        };
        let from = self
            .callers
            .by_id
            .get(id)
            .ok_or_else(not_found)?
            .target
            .clone();
        self.check_target(id, &to)?;
        let mut caller = self.callers.remove(id).ok_or_else(not_found)?;
        caller.target = to.clone();
        self.callers.insert(caller);
        Ok(vec![Event::CallerRepointed {
            caller: id.clone(),
            from,
            to,
        }])
    }

    /// Forgets a caller.
    pub fn remove_caller(&mut self, id: &CallerId) -> Result<Vec<Event>, ModelError> {
        self.callers
            .remove(id)
            .ok_or_else(|| ModelError::CallerNotFound {
                caller: id.to_string(),
            })?;
        Ok(vec![Event::CallerRemoved { caller: id.clone() }])
    }

    fn check_target(&self, id: &CallerId, target: &FunctionRef) -> Result<(), ModelError> {
        self.resolve(target)
            .map_err(|reason| ModelError::CallersWouldBreak {
                breaks: vec![CallerBreak {
                    caller: id.clone(),
                    target: target.clone(),
                    reason,
                }],
            })
    }
}
