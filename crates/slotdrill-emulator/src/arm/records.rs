//! How run history names its records. `Microsoft.Logic/workflows` gives them ARM resource ids
//! and types (`/subscriptions/…/workflows/{name}/runs/{run}`, `Microsoft.Logic/workflows/runs`).
//! A Logic Apps Standard site's host runtime
//! (`…/sites/{site}/hostruntime/runtime/webhooks/workflow/api/management/workflows/{name}/…`)
//! gives ids relative to the runtime, with the types of Microsoft.Web's examples
//! (Azure/azure-rest-api-specs, `specification/web/resource-manager/Microsoft.Web/stable/
//! 2024-11-01/examples/`): `WorkflowRuns_Get.json` (`/workflows/{name}/runs/{run}`, type
//! `workflows/runs`, its version `workflows/versions`), `WorkflowRunActions_Get.json` (type
//! `/workflows/runs/actions`), `WorkflowRunActionRepetitions_Get.json`
//! (`/workflows/runs/actions/repetitions`) and `WorkflowTriggers_Get.json` (`/workflows/triggers`,
//! its version `/workflows/versions`). The leading slashes differ between the examples; each
//! record follows its own example (docs/fidelity.md).

use serde_json::{Value, json};

use super::ArmResponse;
use super::logic::{version, workflow_id};
use crate::clock::rfc3339;
use crate::logic_app::LogicApp;

/// The ids and types of one workflow's run-history records.
pub(super) struct Records {
    /// The workflow's id, which every record's id starts with.
    pub(super) base: String,
    pub(super) run: &'static str,
    pub(super) run_version: &'static str,
    pub(super) action: &'static str,
    pub(super) repetition: &'static str,
    pub(super) trigger: &'static str,
    pub(super) trigger_version: &'static str,
}

impl Records {
    /// A Standard site's records (`standard`) or Microsoft.Logic's.
    pub(super) fn of(standard: bool, subscription: &str, logic_app: &LogicApp) -> Records {
        if standard {
            Records::standard(logic_app)
        } else {
            Records::consumption(subscription, logic_app)
        }
    }

    /// `Microsoft.Logic/workflows/{name}`: ARM resource ids.
    fn consumption(subscription: &str, logic_app: &LogicApp) -> Records {
        Records {
            base: workflow_id(subscription, logic_app),
            run: "Microsoft.Logic/workflows/runs",
            run_version: "Microsoft.Logic/workflows/versions",
            action: "Microsoft.Logic/workflows/runs/actions",
            repetition: "Microsoft.Logic/workflows/runs/actions/repetitions",
            trigger: "Microsoft.Logic/workflows/triggers",
            trigger_version: "Microsoft.Logic/workflows/versions",
        }
    }

    /// A Standard site's workflow under its host runtime: the examples' relative ids.
    fn standard(logic_app: &LogicApp) -> Records {
        Records {
            base: format!("/workflows/{}", logic_app.name),
            run: "workflows/runs",
            run_version: "workflows/versions",
            action: "/workflows/runs/actions",
            repetition: "/workflows/runs/actions/repetitions",
            trigger: "/workflows/triggers",
            trigger_version: "/workflows/versions",
        }
    }

    /// The reference to the workflow version a run or trigger belongs to.
    pub(super) fn version_ref(&self, logic_app: &LogicApp, kind: &'static str) -> Value {
        let name = version(logic_app);
        json!({ "id": format!("{}/versions/{name}", self.base), "name": name, "type": kind })
    }

    /// `GET …/triggers` (`wanted` `None`) or `…/triggers/{wanted}` (in any case).
    pub(super) fn triggers(&self, logic_app: &LogicApp, wanted: Option<&str>) -> ArmResponse {
        let names = trigger_names(logic_app);
        let Some(wanted) = wanted else {
            let value: Vec<Value> = names.iter().map(|t| self.trigger(logic_app, t)).collect();
            return ArmResponse::ok(json!({ "value": value, "nextLink": null }));
        };
        match names.iter().find(|t| t.eq_ignore_ascii_case(wanted)) {
            Some(t) => ArmResponse::ok(self.trigger(logic_app, t)),
            None => ArmResponse::not_found(format!(
                "The workflow '{}' has no trigger '{wanted}'.",
                logic_app.name
            )),
        }
    }

    /// A trigger of the workflow (`WorkflowTriggers_Get.json`'s fields).
    pub(super) fn trigger(&self, logic_app: &LogicApp, name: &str) -> Value {
        json!({
            "properties": {
                "provisioningState": "Succeeded",
                "createdTime": rfc3339(logic_app.created_at),
                "changedTime": rfc3339(logic_app.changed_at),
                "state": if logic_app.enabled { "Enabled" } else { "Disabled" },
                "workflow": self.version_ref(logic_app, self.trigger_version),
            },
            "id": format!("{}/triggers/{name}", self.base),
            "name": name,
            "type": self.trigger,
        })
    }
}

/// The names of the workflow's triggers, as its definition spells them.
fn trigger_names(logic_app: &LogicApp) -> Vec<String> {
    let document = &logic_app.document;
    document
        .workflow(Some(&logic_app.workflow))
        .ok()
        .and_then(|w| document.definition(w).get("triggers"))
        .and_then(Value::as_object)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}
