//! Observe: apps, slots, host names, the release each slot holds, and every Logic App caller,
//! resolved through the workflow crate with the host names the back end reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use slotdrill_model::AzureName;
use slotdrill_wdl::{Hints, find_calls};

use crate::cloud::{AppSnapshot, Cloud};
use crate::error::EngineError;

/// One Logic App action that calls a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerObservation {
    /// The Logic App.
    pub workflow: String,
    /// The action.
    pub action: String,
    /// Enclosing actions joined by `/`.
    pub container: String,
    /// The app called, if resolved.
    pub app: Option<String>,
    /// The slot called, if resolved.
    pub slot: Option<String>,
    /// The function called, if resolved.
    pub function: Option<String>,
    /// Why it is not resolved.
    pub reason: Option<String>,
}

impl CallerObservation {
    /// `workflow/action`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.workflow, self.action)
    }

    /// True when it calls `function` of `app` on `slot` (names case-insensitive).
    pub fn calls(&self, app: &str, slot: &str, function: &str) -> bool {
        let same =
            |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| AzureName::same(a, b));
        same(&self.app, app) && same(&self.slot, slot) && same(&self.function, function)
    }
}

/// What the engine saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Every app.
    pub apps: Vec<AppSnapshot>,
    /// Every caller of a function.
    pub callers: Vec<CallerObservation>,
    /// The version of each workflow when it was read.
    pub workflow_versions: BTreeMap<String, String>,
}

impl Observation {
    /// An app by name.
    pub fn app(&self, name: &str) -> Option<&AppSnapshot> {
        self.apps.iter().find(|a| AzureName::same(&a.name, name))
    }

    /// The names of the apps that exist and their host names, to resolve calls exactly.
    pub fn hints(&self) -> Hints {
        hints_for(&self.apps)
    }
}

/// The names of `apps` and their slots' host names: what resolves a call exactly.
pub fn hints_for(apps: &[AppSnapshot]) -> Hints {
    Hints {
        hosts: apps
            .iter()
            .flat_map(|a| {
                a.slots.iter().map(|s| {
                    (
                        AzureName::from(&s.host_name),
                        (a.name.clone(), s.name.clone()),
                    )
                })
            })
            .collect(),
        apps: apps.iter().map(|a| a.name.clone()).collect(),
        ..Hints::default()
    }
}

/// Observes the estate: one read of the apps, one read per workflow.
pub fn observe(cloud: &dyn Cloud) -> Result<Observation, EngineError> {
    let apps = cloud.apps()?;
    let mut observation = Observation {
        apps,
        callers: Vec::new(),
        workflow_versions: BTreeMap::new(),
    };
    let hints = observation.hints();
    let workflows = cloud.workflows()?;
    for (workflow, read) in workflows.iter().zip(cloud.read_workflows(&workflows)?) {
        for call in find_calls(&read.document, &hints) {
            observation.callers.push(CallerObservation {
                workflow: workflow.clone(),
                action: call.action,
                container: call.container,
                app: call.app,
                slot: call.slot,
                function: call.function,
                reason: call.reason,
            });
        }
        observation
            .workflow_versions
            .insert(workflow.clone(), read.version);
    }
    Ok(observation)
}
