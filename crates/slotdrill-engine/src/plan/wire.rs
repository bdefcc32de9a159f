//! A plan's JSON, as journals and `slotdrill.report/1` have always written it: the decision as
//! `chosen` (a mode, or null when refused or when there is nothing to do) and `refused` (the
//! refusal in words). Journals written before keep resuming; reports keep their schema.

use serde::{Deserialize, Serialize};

use super::{Decision, Mode, Plan, Refusal, Step};
use crate::names::AppFunction;

/// `chosen` as written: a mixed plan has always been written `auto`.
#[derive(Serialize, Deserialize)]
pub(super) struct PlanWire {
    requested: Mode,
    chosen: Option<Mode>,
    faulty: Vec<AppFunction>,
    reasons: Vec<String>,
    warnings: Vec<String>,
    refused: Option<String>,
    steps: Vec<Step>,
}

impl From<Plan> for PlanWire {
    fn from(plan: Plan) -> PlanWire {
        let chosen = match plan.decision {
            Decision::Nothing | Decision::Refused(_) => None,
            Decision::Partial => Some(Mode::Partial),
            Decision::Full => Some(Mode::Full),
            Decision::Mixed => Some(Mode::Auto),
        };
        PlanWire {
            requested: plan.requested,
            chosen,
            refused: plan.decision.refusal(),
            faulty: plan.faulty,
            reasons: plan.reasons,
            warnings: plan.warnings,
            steps: plan.steps,
        }
    }
}

/// Why a plan's JSON cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("a plan cannot both choose `{0}` and be refused")]
pub(super) struct PlanWireError(Mode);

impl TryFrom<PlanWire> for Plan {
    type Error = PlanWireError;

    fn try_from(wire: PlanWire) -> Result<Plan, PlanWireError> {
        let decision = match (wire.chosen, wire.refused) {
            (Some(mode), Some(_)) => return Err(PlanWireError(mode)),
            (None, Some(text)) => Decision::Refused(vec![Refusal::Recorded(text)]),
            (None, None) => Decision::Nothing,
            (Some(Mode::Partial), None) => Decision::Partial,
            (Some(Mode::Full), None) => Decision::Full,
            (Some(Mode::Auto), None) => Decision::Mixed,
        };
        Ok(Plan {
            requested: wire.requested,
            decision,
            faulty: wire.faulty,
            reasons: wire.reasons,
            warnings: wire.warnings,
            steps: wire.steps,
        })
    }
}
