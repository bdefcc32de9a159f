//! The emulator behind the engine's `Cloud` port, in process: what the engine reads and writes
//! here is what it would read and write through ARM, without the network.

use slotdrill_engine::{
    ActionOutcome, AppSnapshot, Cloud, CloudError, HistoryMark, LastSwap, ReleaseIdentity,
    SlotSnapshot, WorkflowRead, without_package_secrets,
};
use slotdrill_model::{AzureName, ModelError, Secret, SlotState};
use slotdrill_wdl::Document;

use crate::clock::rfc3339;
use crate::emulator::Emulator;
use crate::faults::ArmFault;
use crate::host::HostRequest;

/// The app setting that names the release a slot holds (it travels with the code): the model's,
/// re-exported so the emulator's users need not name the model for it.
pub use slotdrill_model::RELEASE_SETTING;

fn failed(e: ModelError) -> CloudError {
    match e.kind() {
        slotdrill_model::ErrorKind::NotFound => CloudError::NotFound(e.to_string()),
        _ => CloudError::failed(e.to_string()),
    }
}

/// The release a slot holds as Azure would show it, never the emulator's own knowledge: the
/// release label setting; else the active deployment record; else a run-from-package URL without
/// its query; else nothing (the engine's [`ReleaseIdentity`], as ArmCloud builds it).
fn release_identity(slot: &slotdrill_model::Slot, label_setting: &str) -> ReleaseIdentity {
    if let Some(label) = slot.config().setting(label_setting) {
        return ReleaseIdentity::label(label);
    }
    if let Some(record) = slot.active_deployment() {
        return ReleaseIdentity::deployment(
            &record.id,
            Some(&record.message),
            Some(&rfc3339(record.end_time)),
        );
    }
    ReleaseIdentity::from_settings(&slot.config().app_settings, label_setting)
}

impl Cloud for Emulator {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        let setting = self
            .config()
            .release_setting
            .clone()
            .unwrap_or_else(|| RELEASE_SETTING.to_owned());
        Ok(self.read(|estate| {
            estate
                .apps()
                .map(|app| {
                    let mut slots: Vec<SlotSnapshot> = app
                        .slots()
                        .map(|slot| {
                            let identity = release_identity(slot, &setting);
                            let mut settings = slot.config().app_settings.clone();
                            without_package_secrets(&mut settings);
                            SlotSnapshot {
                                name: slot.name().to_owned(),
                                host_name: slot.host_name().to_owned(),
                                release: identity.release,
                                release_source: identity.source,
                                release_note: identity.note,
                                running: slot.state() == SlotState::Running,
                                functions: slot
                                    .release()
                                    .map(|r| r.functions.keys().cloned().collect())
                                    .unwrap_or_default(),
                                settings,
                                deployed_since_swap: slot.deployed_since_swap(),
                                last_swap: slot.swap_status().map(|s| LastSwap {
                                    source: s.source_slot_name.clone(),
                                    destination: s.destination_slot_name.clone(),
                                    at: Some(s.sequence),
                                }),
                                live_since: Some(slot.live_since()),
                            }
                        })
                        .collect();
                    slots.sort_by_key(|s| !slotdrill_model::is_production(&s.name));
                    AppSnapshot {
                        name: app.name().to_owned(),
                        sticky: app
                            .sticky_names()
                            .app_setting_names
                            .iter()
                            .cloned()
                            .collect(),
                        slots,
                    }
                })
                .collect()
        }))
    }

    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        Ok(self.logic_app_names())
    }

    /// Reads take the estate's lock and change nothing, so they may come from several threads.
    fn shared(&self) -> Option<&(dyn Cloud + Sync)> {
        Some(self)
    }

    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        // The document and its version only: not the Logic App's runs and earlier versions.
        let state = self.lock();
        let logic_app = state
            .workflows()
            .get(name)
            .ok_or_else(|| CloudError::NotFound(format!("Logic App `{name}`")))?;
        Ok(WorkflowRead {
            document: logic_app.document.clone(),
            version: logic_app.version.to_string(),
        })
    }

    fn write_workflow(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
    ) -> Result<String, CloudError> {
        let mut state = self.lock();
        let version = save_at_version(&mut state, name, document, expected_version)?;
        Ok(version.to_string())
    }

    /// One step under the lock, as `deployWorkflowArtifacts` is one request: the workflow is
    /// saved (or refused, changing nothing), then the settings are set on every workflow of its
    /// site.
    fn deploy_workflow_artifacts(
        &self,
        name: &str,
        document: &Document,
        expected_version: &str,
        settings: &[(String, Secret)],
    ) -> Result<String, CloudError> {
        let mut state = self.lock();
        let version = save_at_version(&mut state, name, document, expected_version)?;
        for logic_app in state.workflows_mut().sharing_settings_mut(name) {
            for (setting, value) in settings {
                logic_app
                    .app_settings
                    .insert(setting.clone(), value.expose().to_owned());
            }
        }
        Ok(version.to_string())
    }

    fn function_key(&self, app: &str, slot: &str, function: &str) -> Result<Secret, CloudError> {
        self.read(|e| {
            let slot = e.slot(app, slot).map_err(failed)?;
            let (name, _) = slot
                .release()
                .and_then(|r| r.function_entry(function))
                .ok_or_else(|| {
                    CloudError::NotFound(format!(
                        "function `{function}` on `{app}/{}`",
                        slot.name()
                    ))
                })?;
            Ok(slot.keys().function_default(name))
        })
    }

    fn probe(
        &self,
        app: &str,
        slot: &str,
        function: &str,
        samples: u32,
    ) -> Result<Vec<u16>, CloudError> {
        let (host, key) = self.read(|e| {
            let s = e.slot(app, slot).map_err(failed)?;
            Ok::<_, CloudError>((
                s.host_name().to_owned(),
                s.keys().function_default(function),
            ))
        })?;
        let request = HostRequest::new("POST", &format!("https://{host}/api/{function}"))
            .with_header("x-functions-key", key.expose());
        let mut state = self.lock();
        Ok((0..samples)
            .map(|_| {
                let answer = state.invoke(&request, Some("slotdrill/probe"));
                if answer.timed_out { 0 } else { answer.status }
            })
            .collect())
    }

    fn run_history(&self, workflow: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        let logic_app = self
            .logic_app(workflow)
            .ok_or_else(|| CloudError::NotFound(format!("Logic App `{workflow}`")))?;
        Ok(logic_app
            .runs
            .iter()
            .rev()
            .take(runs)
            .flat_map(|run| {
                run.actions.iter().map(move |a| ActionOutcome {
                    run: run.name.clone(),
                    action: a.name.clone(),
                    status: format!("{:?}", a.status),
                    started: Some(run.change_sequence),
                    repetition: crate::run::repetition_name(a),
                })
            })
            .collect())
    }

    fn now(&self) -> Result<Option<HistoryMark>, CloudError> {
        Ok(Some(self.read(|estate| estate.change_sequence())))
    }

    /// The swap faults armed for the management API act here too, so a drill's injected 409 or
    /// lost answer reaches the engine in process as it would through ARM.
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        let armed = |kind: fn(&ArmFault) -> Option<&str>| {
            move |f: &ArmFault| kind(f).is_some_and(|a| AzureName::same(a, app))
        };
        fn conflict(f: &ArmFault) -> Option<&str> {
            match f {
                ArmFault::SwapConflict { app } => Some(app),
                _ => None,
            }
        }
        fn answer_lost(f: &ArmFault) -> Option<&str> {
            match f {
                ArmFault::SwapAnswerLost { app } => Some(app),
                _ => None,
            }
        }
        if self.lock().management_mut().take(armed(conflict)).is_some() {
            return Err(CloudError::Conflict {
                message: format!(
                    "409 Conflict: Cannot modify this site because another operation is in progress (site `{app}`)"
                ),
                retry_after_ms: None,
            });
        }
        self.change(|e| e.swap(app, source, target))
            .map_err(failed)?;
        // Only a swap that ran can lose its answer; a refused one keeps the fault armed.
        if self
            .lock()
            .management_mut()
            .take(armed(answer_lost))
            .is_some()
        {
            return Err(CloudError::NoAnswer(
                "the connection was closed before the swap's answer arrived".to_owned(),
            ));
        }
        Ok(())
    }

    /// The Logic App's own settings, the ones the runner's `appsetting()` reads.
    fn set_logic_app_setting(
        &self,
        logic_app: &str,
        name: &str,
        value: &Secret,
    ) -> Result<(), CloudError> {
        let mut state = self.lock();
        let sharing = state.workflows_mut().sharing_settings_mut(logic_app);
        if sharing.is_empty() {
            return Err(CloudError::NotFound(format!("Logic App `{logic_app}`")));
        }
        // A Standard site's workflows share its settings.
        for found in sharing {
            found
                .app_settings
                .insert(name.to_owned(), value.expose().to_owned());
        }
        Ok(())
    }

    fn remove_logic_app_setting(&self, logic_app: &str, name: &str) -> Result<(), CloudError> {
        let mut state = self.lock();
        let sharing = state.workflows_mut().sharing_settings_mut(logic_app);
        if sharing.is_empty() {
            return Err(CloudError::NotFound(format!("Logic App `{logic_app}`")));
        }
        for found in sharing {
            found.app_settings.remove(name);
        }
        Ok(())
    }

    fn trigger(&self, workflow: &str) -> Result<bool, CloudError> {
        let run = self
            .run(workflow, serde_json::json!({}))
            .map_err(|e| CloudError::failed(e.to_string()))?;
        Ok(run.status == crate::run::Status::Succeeded)
    }
}

/// Saves Logic App `name`'s document if it is still at `expected_version` (ARM's version check
/// before a workflow write); its new version.
fn save_at_version(
    state: &mut crate::state::State,
    name: &str,
    document: &Document,
    expected_version: &str,
) -> Result<u64, CloudError> {
    let current = state
        .workflows()
        .get(name)
        .ok_or_else(|| CloudError::NotFound(format!("Logic App `{name}`")))?;
    let found = current.version.to_string();
    if found != expected_version {
        return Err(CloudError::VersionChanged {
            workflow: name.to_owned(),
            expected: expected_version.to_owned(),
            found,
        });
    }
    let workflow = current.workflow.clone();
    state
        .save_logic_app(name, document.clone(), Some(&workflow))
        .map_err(|e| CloudError::failed(e.to_string()))
}
