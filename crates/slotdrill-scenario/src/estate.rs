//! From a scenario file to a running emulator: parse (TOML, or JSON for `.json` files), then
//! build the estate and check every reference — plans, slots, releases, settings, workflow files,
//! and every function a Logic App calls — before anything runs.

use std::path::{Path, PathBuf};

use slotdrill_emulator::{Emulator, EmulatorConfig};
use slotdrill_model::{
    AppSpec, AuthLevel, Estate, FunctionBehaviour, HostNameStyle, OperatingSystem, RampUpRule,
    Release, SlotConfigNames,
};
use slotdrill_wdl::Document;

use crate::error::{ScenarioError, line_column, locate};
use crate::schema::{AppDef, FunctionDef, ScenarioFile};

/// A scenario's estate, running.
pub struct LoadedEstate {
    /// The parsed file.
    pub scenario: ScenarioFile,
    /// The emulator holding its estate and Logic Apps.
    pub emulator: Emulator,
}

/// Reads `path` and builds its estate.
pub fn load_estate(path: &Path, config: EmulatorConfig) -> Result<LoadedEstate, ScenarioError> {
    load_estate_seeded(path, config, None)
}

/// Reads `path` and builds its estate, with `seed` in place of the file's when given.
pub fn load_estate_seeded(
    path: &Path,
    config: EmulatorConfig,
    seed: Option<u64>,
) -> Result<LoadedEstate, ScenarioError> {
    let source = read_scenario(path)?;
    load_estate_text(&source.file, &source.text, &source.dir, config, seed)
}

/// A scenario file as read: its name for messages, its text, and the folder its workflow
/// paths are relative to.
pub(crate) struct ScenarioText {
    pub(crate) file: String,
    pub(crate) text: String,
    pub(crate) dir: PathBuf,
}

/// Reads a scenario file once, for building its estate and for locating errors in it.
pub(crate) fn read_scenario(path: &Path) -> Result<ScenarioText, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        position: None,
        message: format!("cannot read the file: {e}"),
    })?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(ScenarioText { file, text, dir })
}

/// Builds the estate of a scenario given as text; workflow paths are relative to `dir`.
pub fn load_estate_str(
    file: &str,
    text: &str,
    dir: &Path,
    config: EmulatorConfig,
) -> Result<LoadedEstate, ScenarioError> {
    load_estate_text(file, text, dir, config, None)
}

pub(crate) fn load_estate_text(
    file: &str,
    text: &str,
    dir: &Path,
    config: EmulatorConfig,
    seed: Option<u64>,
) -> Result<LoadedEstate, ScenarioError> {
    let source = Source {
        file,
        text,
        toml: !file.to_ascii_lowercase().ends_with(".json"),
    };
    let mut scenario = source.parse()?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let emulator = build(&source, &scenario, dir, config)?;
    Ok(LoadedEstate { scenario, emulator })
}

pub(crate) struct Source<'a> {
    file: &'a str,
    text: &'a str,
    toml: bool,
}

impl Source<'_> {
    fn parse(&self) -> Result<ScenarioFile, ScenarioError> {
        if self.toml {
            toml::from_str(self.text).map_err(|e| ScenarioError {
                file: self.file.to_owned(),
                position: e.span().map(|span| line_column(self.text, span.start)),
                message: crate::error::in_words(e.message().trim()),
            })
        } else {
            serde_json::from_str(self.text).map_err(|e| {
                let message = e.to_string();
                ScenarioError {
                    file: self.file.to_owned(),
                    position: Some((e.line(), e.column().max(1))),
                    message: crate::error::in_words(
                        message
                            .rsplit_once(" at line ")
                            .map_or(message.as_str(), |(m, _)| m),
                    ),
                }
            })
        }
    }

    /// An error about key `key` of the `index`-th `[[table]]`.
    pub(crate) fn error(
        &self,
        table: &str,
        index: usize,
        key: Option<&str>,
        message: String,
    ) -> ScenarioError {
        let position = if self.toml {
            locate(self.text, table, index, key)
        } else {
            None
        };
        let path = match key {
            Some(key) => format!("{table}[{index}].{key}"),
            None => format!("{table}[{index}]"),
        };
        ScenarioError {
            file: self.file.to_owned(),
            position,
            message: format!("{path}: {message}"),
        }
    }
}

fn build(
    source: &Source<'_>,
    scenario: &ScenarioFile,
    dir: &Path,
    config: EmulatorConfig,
) -> Result<Emulator, ScenarioError> {
    let mut estate = Estate::new(scenario.seed);
    if let Some(subscription) = &scenario.subscription {
        estate = estate.with_subscription(subscription);
    }
    let group = scenario
        .resource_group
        .clone()
        .unwrap_or_else(|| "slotdrill".to_owned());
    let location = scenario
        .location
        .clone()
        .unwrap_or_else(|| "westeurope".to_owned());
    for (i, app) in scenario.app.iter().enumerate() {
        add_app(source, &mut estate, i, app, &group, &location)?;
    }
    let emulator = Emulator::with_config(estate, config);
    let mut stubs = slotdrill_emulator::Stubs::default();
    for (i, logic_app) in scenario.logic_app.iter().enumerate() {
        for (action, answer) in &logic_app.connections {
            stubs.api_connections.insert(action.clone(), answer.stub());
        }
        let path = dir.join(&logic_app.definition);
        let document = Document::load(&path)
            .and_then(|d| d.with_template_parameters(&logic_app.template_parameters))
            .map_err(|e| source.error("logic_app", i, Some("definition"), e.to_string()))?;
        let workflow = document
            .workflow(logic_app.workflow.as_deref())
            .map_err(|e| source.error("logic_app", i, Some("workflow"), e.to_string()))?
            .name
            .clone();
        let document = document
            .deployed(&workflow, &serde_json::Map::new(), &logic_app.parameters)
            .map_err(|e| source.error("logic_app", i, Some("definition"), e.to_string()))?;
        let document = with_keys(&emulator, document, &logic_app.keys)
            .map_err(|e| source.error("logic_app", i, Some("keys"), e.to_string()))?;
        calls_apps_in_the_estate(&emulator, &document, &workflow)
            .map_err(|e| source.error("logic_app", i, Some("definition"), e))?;
        // Saving registers the workflow's callers and refuses calls to functions that do not exist.
        emulator
            .save_logic_app(&logic_app.name, document, Some(&workflow))
            .map_err(|e| source.error("logic_app", i, Some("definition"), e.to_string()))?;
        let group = logic_app.resource_group.as_deref().unwrap_or(&group);
        emulator
            .place_logic_app(&logic_app.name, group, &location)
            .map_err(|e| source.error("logic_app", i, None, e.to_string()))?;
        if !logic_app.settings.is_empty() {
            emulator
                .set_logic_app_settings(&logic_app.name, logic_app.settings.clone())
                .map_err(|e| source.error("logic_app", i, None, e.to_string()))?;
        }
    }
    for stub in &scenario.http_stub {
        stubs.http.push(slotdrill_emulator::HttpStub {
            url_prefix: stub.url_prefix.clone(),
            status: stub.status,
            body: stub.body.clone(),
        });
    }
    for (i, site) in scenario.standard_logic_app.iter().enumerate() {
        let place = crate::standard::Placement {
            index: i,
            group: site.resource_group.as_deref().unwrap_or(&group),
            location: &location,
            dir,
        };
        crate::standard::add(source, &emulator, &mut stubs, site, &place)?;
    }
    if !stubs.api_connections.is_empty() || !stubs.http.is_empty() {
        emulator.set_stubs(stubs);
    }
    for fault in &scenario.fault {
        emulator.inject(fault.clone());
    }
    emulator.mark_initial();
    Ok(emulator)
}

/// A drill's workflows call only apps its estate has: a call to any other app would fail at run
/// time, so `check` says so first. (`serve` accepts such workflows: a real Logic App may call
/// apps outside the resource group.)
fn calls_apps_in_the_estate(
    emulator: &Emulator,
    document: &Document,
    workflow: &str,
) -> Result<(), String> {
    let apps: Vec<String> = emulator.read(|e| e.apps().map(|a| a.name().to_owned()).collect());
    let hints = slotdrill_wdl::Hints {
        apps: apps.clone(),
        ..slotdrill_wdl::Hints::default()
    };
    let missing = slotdrill_wdl::find_calls(document, &hints)
        .into_iter()
        .filter(|call| call.workflow == workflow)
        .find_map(|call| {
            let app = call.app?;
            (!apps
                .iter()
                .any(|a| slotdrill_model::AzureName::same(a, &app)))
            .then_some((call.action, app))
        });
    match missing {
        None => Ok(()),
        Some((action, app)) => Err(format!(
            "action `{action}` calls function app `{app}`, which the estate does not have; the apps are: {}",
            if apps.is_empty() {
                "(none)".to_owned()
            } else {
                apps.join(", ")
            }
        )),
    }
}

/// Why a Logic App's `keys` could not be bound.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum KeyBindingError {
    #[error("`{parameter}`: expected `app/slot/function`, got `{reference}`")]
    Reference {
        parameter: String,
        reference: String,
    },
    #[error("`{parameter}`: {source}")]
    Slot {
        parameter: String,
        source: Box<slotdrill_model::ModelError>,
    },
    #[error("`{parameter}`: function `{function}` is not in the release slot `{app}/{slot}` holds")]
    UnknownFunction {
        parameter: String,
        app: String,
        slot: String,
        function: String,
    },
    #[error(
        "keys can be bound only for Consumption workflows (a definition, a workflow resource or a code view); `{file}` was {detected}"
    )]
    NotConsumption { file: String, detected: String },
    #[error(transparent)]
    Workflow(#[from] slotdrill_wdl::WdlError),
}

/// Why a function's behaviour in a release is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum BehaviourError {
    #[error("unknown auth level `{0}`; expected `function`, `anonymous` or `admin`")]
    AuthLevel(String),
    #[error("fail_rate {0} is outside 0–1")]
    FailRate(f64),
}

/// Sets each key parameter to the key it names, in the resource-level parameter values.
fn with_keys(
    emulator: &Emulator,
    document: Document,
    keys: &std::collections::BTreeMap<String, String>,
) -> Result<Document, KeyBindingError> {
    if keys.is_empty() {
        return Ok(document);
    }
    let mut values = serde_json::Map::new();
    for (parameter, reference) in keys {
        let key = function_key(emulator, parameter, reference)?;
        values.insert(
            parameter.clone(),
            serde_json::json!({ "value": key.expose() }),
        );
    }
    let root = match document.format {
        slotdrill_wdl::Format::Definition => {
            serde_json::json!({ "name": document.workflows[0].name, "properties": { "definition": document.root, "parameters": values } })
        }
        slotdrill_wdl::Format::CodeView => {
            let mut parameters = document.root["parameters"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            parameters.extend(values);
            serde_json::json!({ "name": document.workflows[0].name, "properties": { "definition": document.root["definition"], "parameters": parameters } })
        }
        slotdrill_wdl::Format::Resource => {
            let mut root = document.root.clone();
            let existing = root["properties"]["parameters"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let mut merged = existing;
            merged.extend(values);
            root["properties"]["parameters"] = serde_json::Value::Object(merged);
            root
        }
        _ => {
            return Err(KeyBindingError::NotConsumption {
                file: document.file.clone(),
                detected: document.detected(),
            });
        }
    };
    let name = document.workflows[0].name.clone();
    Ok(Document::from_value(
        &document.file,
        &name,
        root,
        document.connections,
    )?)
}

/// The `default` key of the function `reference` (`app/slot/function`) names, for `parameter`.
pub(crate) fn function_key(
    emulator: &Emulator,
    parameter: &str,
    reference: &str,
) -> Result<slotdrill_model::Secret, KeyBindingError> {
    let mut parts = reference.splitn(3, '/');
    let (Some(app), Some(slot), Some(function)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyBindingError::Reference {
            parameter: parameter.to_owned(),
            reference: reference.to_owned(),
        });
    };
    let (key, deployed) = emulator
        .read(|e| {
            e.slot(app, slot).map(|s| {
                let deployed = s.release().is_some_and(|r| r.function(function).is_some());
                (s.keys().function_default(function), deployed)
            })
        })
        .map_err(|source| KeyBindingError::Slot {
            parameter: parameter.to_owned(),
            source: Box::new(source),
        })?;
    if !deployed {
        return Err(KeyBindingError::UnknownFunction {
            parameter: parameter.to_owned(),
            app: app.to_owned(),
            slot: slot.to_owned(),
            function: function.to_owned(),
        });
    }
    Ok(key)
}

fn add_app(
    source: &Source<'_>,
    estate: &mut Estate,
    i: usize,
    app: &AppDef,
    group: &str,
    location: &str,
) -> Result<(), ScenarioError> {
    let err = |key: &str, message: String| source.error("app", i, Some(key), message);
    let plan = app
        .plan
        .parse()
        .map_err(|e: slotdrill_model::UnknownHostingPlan| err("plan", e.to_string()))?;
    let os = match app.os.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("windows") => OperatingSystem::Windows,
        Some("linux") => OperatingSystem::Linux,
        Some(other) => {
            return Err(err(
                "os",
                format!("unknown os `{other}`; expected `windows` or `linux`"),
            ));
        }
    };
    let host_names = match app.host_names.as_deref() {
        None | Some("classic") => HostNameStyle::Classic,
        Some("unique") => HostNameStyle::Unique,
        Some(other) => {
            return Err(err(
                "host_names",
                format!("unknown host name style `{other}`; expected `classic` or `unique`"),
            ));
        }
    };
    let spec = AppSpec {
        name: app.name.clone(),
        resource_group: app
            .resource_group
            .clone()
            .unwrap_or_else(|| group.to_owned()),
        location: app.location.clone().unwrap_or_else(|| location.to_owned()),
        plan,
        os,
        host_names,
    };
    estate
        .add_app(spec)
        .map_err(|e| err("name", e.to_string()))?;
    for slot in &app.slots {
        estate
            .create_slot(&app.name, slot, None)
            .map_err(|e| err("slots", e.to_string()))?;
    }
    estate
        .set_sticky_names(
            &app.name,
            SlotConfigNames::app_settings(app.sticky.iter().cloned()),
        )
        .map_err(|e| err("sticky", e.to_string()))?;
    for (id, release) in &app.release {
        let mut built = Release::new(id);
        for (name, function) in &release.functions {
            let behaviour = behaviour(function)
                .map_err(|m| err("release", format!("release `{id}` function `{name}`: {m}")))?;
            built = built.with_function(name, behaviour);
        }
        estate
            .add_release(&app.name, built)
            .map_err(|e| err("release", e.to_string()))?;
    }
    for (slot, settings) in &app.settings {
        estate
            .set_app_settings(&app.name, slot, settings.clone())
            .map_err(|e| err("settings", e.to_string()))?;
    }
    if app.deployment_records == Some(false) {
        estate
            .set_deployment_records(&app.name, false)
            .map_err(|e| err("deployment_records", e.to_string()))?;
    }
    for (slot, release) in &app.deployed {
        estate
            .deploy(&app.name, slot, release)
            .map_err(|e| err("deployed", e.to_string()))?;
    }
    for (slot, target) in &app.auto_swap {
        estate
            .set_auto_swap(&app.name, slot, Some(target))
            .map_err(|e| err("auto_swap", e.to_string()))?;
    }
    if !app.routing.is_empty() {
        let mut rules = Vec::new();
        for (slot, percentage) in &app.routing {
            let host = estate
                .slot(&app.name, slot)
                .map(|s| s.host_name().to_owned())
                .map_err(|e| err("routing", e.to_string()))?;
            rules.push(RampUpRule::fixed(slot, host, *percentage));
        }
        estate
            .set_routing(&app.name, rules)
            .map_err(|e| err("routing", e.to_string()))?;
    }
    Ok(())
}

fn behaviour(def: &FunctionDef) -> Result<FunctionBehaviour, BehaviourError> {
    let auth = match def.auth.as_deref() {
        None | Some("function") => AuthLevel::Function,
        Some("anonymous") => AuthLevel::Anonymous,
        Some("admin") => AuthLevel::Admin,
        Some(other) => return Err(BehaviourError::AuthLevel(other.to_owned())),
    };
    let fail_rate = def.fail_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&fail_rate) {
        return Err(BehaviourError::FailRate(fail_rate));
    }
    Ok(FunctionBehaviour {
        status: def.status.unwrap_or(200),
        body: def.body.clone(),
        latency_ms: def.latency_ms.unwrap_or(0),
        fail_rate,
        fail_first: def.fail_first.unwrap_or(0),
        requires_setting: def.requires_setting.clone(),
        timeout: def.timeout.unwrap_or(false),
        auth,
    })
}
