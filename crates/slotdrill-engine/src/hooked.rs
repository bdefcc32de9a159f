//! [`Hooked`]: a back end with something done around each call — a drill's injected throttling,
//! a test's request counts or a lost answer — without re-implementing the [`Cloud`] port.

use slotdrill_model::Secret;
use slotdrill_wdl::Document;

use crate::cloud::{ActionOutcome, AppSnapshot, Cloud, CloudError, WorkflowRead};

/// A [`Cloud`] call, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CloudCall {
    /// [`Cloud::apps`].
    Apps,
    /// [`Cloud::workflows`].
    Workflows,
    /// [`Cloud::read_workflow`] (once per workflow of [`Cloud::read_workflows`]).
    ReadWorkflow,
    /// [`Cloud::write_workflow`].
    WriteWorkflow,
    /// [`Cloud::function_key`].
    FunctionKey,
    /// [`Cloud::probe`].
    Probe,
    /// [`Cloud::run_history`].
    RunHistory,
    /// [`Cloud::swap`].
    Swap,
    /// [`Cloud::set_logic_app_setting`].
    SetLogicAppSetting,
    /// [`Cloud::remove_logic_app_setting`].
    RemoveLogicAppSetting,
    /// [`Cloud::deploy_workflow_artifacts`].
    DeployWorkflowArtifacts,
    /// [`Cloud::trigger`].
    Trigger,
}

impl CloudCall {
    /// True for the calls that change the estate.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            CloudCall::WriteWorkflow
                | CloudCall::Swap
                | CloudCall::SetLogicAppSetting
                | CloudCall::RemoveLogicAppSetting
                | CloudCall::DeployWorkflowArtifacts
        )
    }
}

/// What happens around each call of a [`Hooked`] back end.
pub trait CloudHooks {
    /// Before the call; an error stops it, so it never reaches the back end.
    fn before(&self, call: CloudCall) -> Result<(), CloudError> {
        let _ = call;
        Ok(())
    }

    /// After the call succeeded; an error reports it as failed although it acted (a lost answer).
    fn after(&self, call: CloudCall) -> Result<(), CloudError> {
        let _ = call;
        Ok(())
    }
}

/// `inner` with `hooks` around every call.
pub struct Hooked<'a, H> {
    /// The back end that does the work.
    pub inner: &'a dyn Cloud,
    /// What happens around it.
    pub hooks: H,
}

impl<H: CloudHooks> Hooked<'_, H> {
    fn around<T>(
        &self,
        call: CloudCall,
        work: impl FnOnce() -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        self.hooks.before(call)?;
        let answer = work()?;
        self.hooks.after(call)?;
        Ok(answer)
    }
}

impl<H: CloudHooks> Cloud for Hooked<'_, H> {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        self.around(CloudCall::Apps, || self.inner.apps())
    }

    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        self.around(CloudCall::Workflows, || self.inner.workflows())
    }

    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        self.around(CloudCall::ReadWorkflow, || self.inner.read_workflow(name))
    }

    fn read_workflows(&self, names: &[String]) -> Result<Vec<WorkflowRead>, CloudError> {
        // Hooked one by one, but read together: the inner back end may read them at once.
        for _ in names {
            self.hooks.before(CloudCall::ReadWorkflow)?;
        }
        let reads = self.inner.read_workflows(names)?;
        for _ in names {
            self.hooks.after(CloudCall::ReadWorkflow)?;
        }
        Ok(reads)
    }

    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError> {
        self.around(CloudCall::WriteWorkflow, || {
            self.inner.write_workflow(name, document, expected_version)
        })
    }

    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError> {
        self.around(CloudCall::FunctionKey, || {
            self.inner.function_key(app, slot, function)
        })
    }

    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError> {
        self.around(CloudCall::Probe, || {
            self.inner.probe(app, slot, function, samples)
        })
    }

    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        self.around(CloudCall::RunHistory, || {
            self.inner.run_history(workflow, runs)
        })
    }

    fn now(&self) -> Result<Option<crate::cloud::HistoryMark>, CloudError> {
        self.inner.now()
    }

    fn set_logic_app_setting(
        &self,
        logic_app: &str,
        name: &str,
        value: &Secret,
    ) -> Result<(), CloudError> {
        self.around(CloudCall::SetLogicAppSetting, || {
            self.inner.set_logic_app_setting(logic_app, name, value)
        })
    }

    fn deploy_workflow_artifacts(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
        settings: &[(String, Secret)],
    ) -> Result<String, CloudError> {
        self.around(CloudCall::DeployWorkflowArtifacts, || {
            self.inner
                .deploy_workflow_artifacts(name, document, expected_version, settings)
        })
    }

    fn remove_logic_app_setting(&self, logic_app: &str, name: &str) -> Result<(), CloudError> {
        self.around(CloudCall::RemoveLogicAppSetting, || {
            self.inner.remove_logic_app_setting(logic_app, name)
        })
    }

    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        self.around(CloudCall::Swap, || self.inner.swap(app, source, target))
    }

    fn trigger(&self, workflow: &str) -> Result<bool, CloudError> {
        self.around(CloudCall::Trigger, || self.inner.trigger(workflow))
    }
}
