//! The engine's back end inside a drill: the in-process emulator, plus the control-plane faults
//! a drill injects (throttled or failing writes), applied deterministically so that the same
//! drill always fails at the same step.

use std::cell::{Cell, RefCell};

use slotdrill_emulator::Emulator;
use slotdrill_engine::{ActionOutcome, AppSnapshot, Cloud, CloudError, WorkflowRead};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;

/// Control-plane faults of a drill.
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlPlane {
    /// Writes (workflow PUTs, swaps) allowed before ARM throttles (`None`: no throttling).
    pub(crate) writes_left: Option<u32>,
    /// Writes fail with this status with this probability (seeded).
    pub(crate) server_error: Option<(f64, u16)>,
}

pub(crate) struct DrillCloud<'a> {
    pub(crate) emulator: &'a Emulator,
    pub(crate) faults: RefCell<ControlPlane>,
    pub(crate) writes: Cell<u32>,
}

impl DrillCloud<'_> {
    fn write(&self) -> Result<(), CloudError> {
        let mut faults = self.faults.borrow_mut();
        if let Some(left) = faults.writes_left.as_mut() {
            if *left == 0 {
                return Err(CloudError::Failed(
                    "429 TooManyRequests: the request is being throttled; retry after 10 s"
                        .to_owned(),
                ));
            }
            *left -= 1;
        }
        if let Some((probability, status)) = faults.server_error {
            let roll = self.emulator.roll();
            if roll < probability {
                return Err(CloudError::Failed(format!(
                    "{status}: an injected server error"
                )));
            }
        }
        self.writes.set(self.writes.get() + 1);
        Ok(())
    }
}

impl Cloud for DrillCloud<'_> {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        self.emulator.apps()
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        self.emulator.workflows()
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        self.emulator.read_workflow(name)
    }
    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        version: &str,
    ) -> Result<String, CloudError> {
        self.write()?;
        self.emulator.write_workflow(name, document, version)
    }
    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError> {
        self.emulator.function_key(app, slot, function)
    }
    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError> {
        self.emulator.probe(app, slot, function, samples)
    }
    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        self.emulator.run_history(workflow, runs)
    }
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        self.write()?;
        self.emulator.swap(app, source, target)
    }
    fn trigger(&self, workflow: &str) -> Result<bool, CloudError> {
        self.emulator.trigger(workflow)
    }
}
