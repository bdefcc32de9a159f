//! `[[standard_logic_app]]`: a Logic Apps Standard app (a `Microsoft.Web/sites` resource of kind
//! `functionapp,workflowapp`) loaded from its project folder. Each `{name}/workflow.json` becomes
//! one of the emulator's workflows, placed in the site so that they share its app settings, as
//! workflows of one Standard app do
//! (<https://learn.microsoft.com/azure/logic-apps/edit-app-settings-host-settings>).

use std::path::Path;

use slotdrill_emulator::{Emulator, SiteSlot, Stubs};
use slotdrill_wdl::{Document, Format};

use crate::error::ScenarioError;
use crate::estate::{Source, function_key};
use crate::schema::{StandardLogicAppDef, StandardSlotDef};

const TABLE: &str = "standard_logic_app";

/// Where a site goes: its index in the file, resource group, region, and the folder its project
/// path is relative to.
pub(crate) struct Placement<'a> {
    pub(crate) index: usize,
    pub(crate) group: &'a str,
    pub(crate) location: &'a str,
    pub(crate) dir: &'a Path,
}

/// Loads every workflow of `site`'s project into `emulator`, with the site's settings (keys
/// bound by reference) and its connection stubs.
pub(crate) fn add(
    source: &Source<'_>,
    emulator: &Emulator,
    stubs: &mut Stubs,
    site: &StandardLogicAppDef,
    place: &Placement<'_>,
) -> Result<(), ScenarioError> {
    let err = |key: Option<&str>, message: String| source.error(TABLE, place.index, key, message);
    if emulator.read(|e| e.app(&site.name).is_ok()) {
        return Err(err(
            Some("name"),
            format!(
                "`{}` is already a function app: a Standard Logic App is a site too, and site names are unique",
                site.name
            ),
        ));
    }
    let project = place.dir.join(&site.project);
    let folders = workflow_folders(&project).map_err(|m| err(Some("project"), m))?;
    let chosen = choose(&folders, &site.workflows).map_err(|m| err(Some("workflows"), m))?;
    for (action, answer) in &site.connections {
        stubs.api_connections.insert(action.clone(), answer.stub());
    }
    let mut settings = site.settings.clone();
    for (name, reference) in &site.keys {
        let key = function_key(emulator, name, reference)
            .map_err(|e| err(Some("keys"), e.to_string()))?;
        settings.insert(name.clone(), key.expose().to_owned());
    }
    for folder in &chosen {
        let document = load_workflow(&project, folder).map_err(|m| err(Some("project"), m))?;
        if emulator.logic_app(folder).is_some() {
            return Err(err(
                Some("workflows"),
                format!(
                    "a Logic App or workflow named `{folder}` is already in the estate; `run` steps name a workflow by its folder, so names must be unique"
                ),
            ));
        }
        // Saving registers the workflow's callers and refuses calls to functions that do not exist.
        emulator
            .save_logic_app(folder, document, None)
            .map_err(|e| err(Some("project"), format!("workflow `{folder}`: {e}")))?;
        emulator
            .place_logic_app(folder, place.group, place.location)
            .and_then(|()| emulator.place_in_site(folder, &site.name))
            .map_err(|e| err(None, e.to_string()))?;
    }
    if let Some(first) = chosen.first() {
        emulator
            .set_logic_app_settings(first, settings)
            .map_err(|e| err(Some("settings"), e.to_string()))?;
    }
    for (name, slot) in &site.slots {
        let loaded = site_slot(name, slot, place.dir).map_err(|m| err(Some("slots"), m))?;
        emulator
            .put_site_slot(&site.name, loaded)
            .map_err(|e| err(Some("slots"), e.to_string()))?;
    }
    Ok(())
}

/// A nonproduction slot from its definition: its project's Standard workflows (files only:
/// a slot's workflows never run, so their calls are not checked against the estate).
fn site_slot(name: &str, slot: &StandardSlotDef, dir: &Path) -> Result<SiteSlot, String> {
    if slotdrill_model::is_production(name) {
        return Err(format!(
            "`{name}` is the site itself: slots are its nonproduction slots"
        ));
    }
    let mut loaded = SiteSlot {
        name: name.to_owned(),
        app_settings: slot.settings.clone(),
        ..SiteSlot::default()
    };
    let Some(project) = &slot.project else {
        if !slot.workflows.is_empty() {
            return Err(format!(
                "slot `{name}` names workflows but has no `project`"
            ));
        }
        return Ok(loaded);
    };
    let project = dir.join(project);
    let folders = workflow_folders(&project).map_err(|m| format!("slot `{name}`: {m}"))?;
    for folder in choose(&folders, &slot.workflows).map_err(|m| format!("slot `{name}`: {m}"))? {
        let document =
            load_workflow(&project, &folder).map_err(|m| format!("slot `{name}`: {m}"))?;
        if loaded.connections.is_none() {
            loaded.connections = document.connections.clone();
        }
        loaded.workflows.insert(folder, document.root);
    }
    Ok(loaded)
}

/// The folders of `project` that hold a `workflow.json`, in name order.
/// `{project}/{folder}/workflow.json`, which must read as a Logic Apps Standard workflow.
fn load_workflow(project: &Path, folder: &str) -> Result<Document, String> {
    let path = project.join(folder).join("workflow.json");
    let document = Document::load(&path).map_err(|e| e.to_string())?;
    if document.format != Format::Standard {
        return Err(format!(
            "`{}` is not a Logic Apps Standard workflow: {}",
            path.display(),
            document.detected()
        ));
    }
    Ok(document)
}

fn workflow_folders(project: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(project).map_err(|e| {
        format!(
            "cannot read the project folder `{}`: {e}",
            project.display()
        )
    })?;
    let mut folders: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("workflow.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(format!(
            "the project folder `{}` holds no workflow (a folder with a `workflow.json`)",
            project.display()
        ));
    }
    Ok(folders)
}

/// The folders `wanted` names (ignoring case), or all of them when it is empty.
fn choose(folders: &[String], wanted: &[String]) -> Result<Vec<String>, String> {
    if wanted.is_empty() {
        return Ok(folders.to_vec());
    }
    wanted
        .iter()
        .map(|name| {
            folders
                .iter()
                .find(|f| f.eq_ignore_ascii_case(name))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "no workflow `{name}` in the project; it holds {}",
                        folders.join(", ")
                    )
                })
        })
        .collect()
}
