//! Reading workflow files in the five shapes teams have: a bare workflow definition, a workflow
//! resource (`{properties: {definition, parameters}}`), the Consumption code view
//! (`{definition, parameters: {NAME: {value}}}`, what the portal's code view shows and what
//! people paste), an ARM template holding one or more `Microsoft.Logic/workflows` resources (also
//! inside nested `Microsoft.Resources/deployments`), and a Logic Apps Standard `workflow.json`
//! with the project's `connections.json` and `parameters.json`.
//!
//! The code view and a Standard `workflow.json` look alike (a top-level `definition`). A file is
//! Standard only when it says so (`kind: Stateful`/`Stateless`) or sits in a Standard project
//! folder (`host.json` or `connections.json` beside the workflow folders); anything else is a
//! Consumption workflow, which cannot read app settings. Every document keeps why it was read as
//! what it is, so errors can say it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::ArmContext;
use crate::error::WdlError;
use crate::eval::{EvalError, Scope, eval_wdl_string, get_ci, is_builtin, unknown};
use crate::expr::Expr;

/// Which shape the file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `{$schema, triggers, actions, …}`.
    Definition,
    /// `{properties: {definition, parameters}}`, as ARM's GET returns it.
    Resource,
    /// An ARM deployment template.
    ArmTemplate,
    /// Logic Apps Standard `workflow.json` (`{definition, kind}`).
    Standard,
    /// The Consumption code view: `{definition, parameters: {NAME: {value}}}`.
    CodeView,
}

impl Format {
    /// The format in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Definition => "a workflow definition",
            Format::Resource => "a workflow resource",
            Format::ArmTemplate => "an ARM template",
            Format::Standard => "Logic Apps Standard",
            Format::CodeView => "a Consumption code view",
        }
    }
}

/// What surrounds a Logic Apps Standard `workflow.json`: the file that marks its project folder
/// and the project-level files a workflow reads. Empty for a file read on its own.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The file beside the workflow folders that marks a Standard project (`host.json` or
    /// `connections.json`), by name.
    pub marker: Option<String>,
    /// `connections.json`.
    pub connections: Option<Value>,
    /// `parameters.json`: `{NAME: {type, value}}`, values possibly `@appsetting('X')`.
    pub parameters: Option<Value>,
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Seg {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into a JSON document.
pub type JsonPath = Vec<Seg>;

/// Follows `path` in `value`.
pub fn get_path<'a>(value: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get(k),
        Seg::Index(i) => v.get(i),
    })
}

/// Follows `path` in `value`, mutably.
pub fn get_path_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k),
        Seg::Index(i) => v.get_mut(i),
    })
}

/// `value[key]` of an object. A workflow's objects are mostly small: their keys are compared in
/// order rather than the key hashed (SipHash) for the map's table; the answer is the same.
pub(crate) fn member<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if object.len() <= 8 {
        object
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    } else {
        object.get(key)
    }
}

pub(crate) fn key(k: &str) -> Seg {
    Seg::Key(k.to_owned())
}

/// One workflow inside a document.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// Its name (the resource name, the Standard folder name, or the file stem).
    pub name: String,
    /// Where its definition is.
    pub definition: JsonPath,
    /// Where the resource-level parameter values are (`properties.parameters`), if any.
    pub parameter_values: Option<JsonPath>,
    /// The ARM context its template expressions see, for templates.
    pub arm: Option<ArmContext>,
}

/// A workflow file, parsed.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file name used in messages.
    pub file: String,
    /// Its shape.
    pub format: Format,
    /// The whole JSON document (key order preserved).
    pub root: Value,
    /// Standard only: the `connections.json` beside it, if there is one.
    pub connections: Option<Value>,
    /// Standard only: the project's `parameters.json`, if there is one.
    pub project_parameters: Option<Value>,
    /// Why it was read as its format, for messages (`it has \`kind: Stateful\``).
    pub format_reason: String,
    /// The workflows it holds.
    pub workflows: Vec<Workflow>,
}

/// Parses JSON, turning errors into `file:line:col: what was expected`.
pub fn parse_json(file: &str, text: &str) -> Result<Value, WdlError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        WdlError::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column().max(1),
            message,
        }
    })
}

impl Document {
    /// Reads a workflow file; for a Standard `workflow.json`, also the project's
    /// `connections.json` (in the folder above it, or beside it) and `parameters.json` (in the
    /// folder above it).
    pub fn load(path: &Path) -> Result<Document, WdlError> {
        let file = path.display().to_string();
        let text = read(path)?;
        let root = parse_json(&file, &text)?;
        let mut project = Project {
            marker: project_marker(path),
            ..Project::default()
        };
        if standard_reason(&root, project.marker.as_deref()).is_some() {
            let project_dir = path.parent().and_then(Path::parent);
            let connections = [
                project_dir.map(|p| p.join("connections.json")),
                path.parent().map(|p| p.join("connections.json")),
            ];
            project.connections = read_json(connections.into_iter().flatten())?;
            project.parameters = read_json(project_dir.map(|p| p.join("parameters.json")))?;
        }
        let stem = standard_name(path).unwrap_or_else(|| file_stem(path));
        Document::from_project(&file, &stem, root, project)
    }

    /// Builds a document from parsed JSON. `name` names a workflow that does not name itself.
    pub fn from_value(
        file: &str,
        name: &str,
        root: Value,
        connections: Option<Value>,
    ) -> Result<Document, WdlError> {
        let project = Project {
            connections,
            ..Project::default()
        };
        Document::from_project(file, name, root, project)
    }

    /// Builds a document from parsed JSON and what surrounds the file (a Standard project).
    pub fn from_project(
        file: &str,
        name: &str,
        root: Value,
        project: Project,
    ) -> Result<Document, WdlError> {
        let not_a_workflow = || WdlError::NotAWorkflow {
            file: file.to_owned(),
        };
        let object = root.as_object().ok_or_else(not_a_workflow)?;
        let single = |definition: JsonPath, values: Option<JsonPath>| Workflow {
            name: name.to_owned(),
            definition,
            parameter_values: values,
            arm: None,
        };
        let (format, reason, workflows) = if object.get("resources").is_some_and(Value::is_array) {
            let context = ArmContext::root(&root);
            let mut workflows = Vec::new();
            template_workflows(&root, &[], &context, &mut workflows);
            if workflows.is_empty() {
                return Err(not_a_workflow());
            }
            let reason = "it has `resources` with `Microsoft.Logic/workflows`".to_owned();
            (Format::ArmTemplate, reason, workflows)
        } else if object
            .get("properties")
            .and_then(|p| p.get("definition"))
            .is_some_and(Value::is_object)
        {
            let name = object.get("name").and_then(Value::as_str).unwrap_or(name);
            let workflow = Workflow {
                name: name.to_owned(),
                definition: vec![key("properties"), key("definition")],
                parameter_values: Some(vec![key("properties"), key("parameters")]),
                arm: None,
            };
            let reason = "it has `properties.definition`".to_owned();
            (Format::Resource, reason, vec![workflow])
        } else if object.get("definition").is_some_and(Value::is_object) {
            match standard_reason(&root, project.marker.as_deref()) {
                Some(reason) => {
                    let workflow = single(vec![key("definition")], None);
                    (Format::Standard, reason, vec![workflow])
                }
                None => {
                    let reason = code_view_reason(&root).map_err(|message| WdlError::Invalid {
                        file: file.to_owned(),
                        message,
                    })?;
                    let workflow = single(vec![key("definition")], Some(vec![key("parameters")]));
                    (Format::CodeView, reason, vec![workflow])
                }
            }
        } else if object.contains_key("actions") || object.contains_key("triggers") {
            let reason = "it has `triggers` or `actions` at the top level".to_owned();
            (Format::Definition, reason, vec![single(Vec::new(), None)])
        } else {
            return Err(not_a_workflow());
        };
        for workflow in &workflows {
            let definition = get_path(&root, &workflow.definition);
            if let Some(actions) = definition.and_then(|d| d.get("actions"))
                && !actions.is_object()
            {
                return Err(WdlError::Invalid {
                    file: file.to_owned(),
                    message: format!(
                        "`actions` of workflow `{}` must be an object keyed by action name",
                        workflow.name
                    ),
                });
            }
        }
        Ok(Document {
            file: file.to_owned(),
            format,
            root,
            connections: project.connections,
            project_parameters: project.parameters,
            format_reason: reason,
            workflows,
        })
    }

    /// Which format the document was read as and why, for messages: "read as Logic Apps
    /// Standard because it has `kind: Stateful`".
    pub fn detected(&self) -> String {
        format!(
            "read as {} because {}",
            self.format.describe(),
            self.format_reason
        )
    }

    /// A workflow by name, or the only one.
    pub fn workflow(&self, name: Option<&str>) -> Result<&Workflow, WdlError> {
        match name {
            Some(name) => self
                .workflows
                .iter()
                .find(|w| slotdrill_model::AzureName::same(&w.name, name))
                .ok_or_else(|| WdlError::UnknownWorkflow {
                    file: self.file.clone(),
                    workflow: name.to_owned(),
                    known: self.workflows.iter().map(|w| w.name.clone()).collect(),
                }),
            None => Ok(&self.workflows[0]),
        }
    }

    /// The value of workflow parameter `name` as the running workflow sees it: the resource-level
    /// value (`properties.parameters.NAME.value`, or `parameters.NAME.value` in a code view) or,
    /// for Standard, the project's `parameters.json` value, if given; else the definition's
    /// `defaultValue`, after ARM evaluation for templates. A Standard value may be an
    /// `@appsetting('X')` reference, which the caller evaluates with the app settings it knows.
    pub fn parameter(&self, workflow: &Workflow, name: &str) -> Option<Value> {
        let values = match self.format {
            Format::Standard => self.project_parameters.as_ref(),
            _ => workflow
                .parameter_values
                .as_ref()
                .and_then(|path| get_path(&self.root, path)),
        };
        let given = values
            .and_then(Value::as_object)
            .and_then(|values| get_ci(values, name))
            .and_then(|entry| entry.get("value"));
        let value = given.or_else(|| {
            self.definition(workflow)
                .get("parameters")
                .and_then(Value::as_object)
                .and_then(|p| get_ci(p, name))
                .and_then(|p| p.get("defaultValue"))
        })?;
        Some(match &workflow.arm {
            Some(arm) => arm.resolve(value),
            None => value.clone(),
        })
    }

    /// [`Document::parameter`] with a Standard `parameters.json` value's `@appsetting('X')`
    /// references (the only expression that file allows) resolved through `app_setting`; a
    /// setting it does not know stays an unknown naming it. For the runner and for offline
    /// resolution alike.
    pub fn parameter_resolved(
        &self,
        workflow: &Workflow,
        name: &str,
        app_setting: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Value> {
        let value = self.parameter(workflow, name)?;
        Some(match (&value, self.format) {
            (Value::String(text), Format::Standard) if text.starts_with('@') => {
                let mut scope = SettingsOnly(app_setting);
                eval_wdl_string(text, &mut scope)
                    .unwrap_or_else(|e| unknown(&format!("{text} ({e})")))
            }
            _ => value,
        })
    }

    /// The definition object of a workflow.
    pub fn definition(&self, workflow: &Workflow) -> &Value {
        get_path(&self.root, &workflow.definition).unwrap_or(&Value::Null)
    }
}

/// Evaluates `appsetting('X')` through a lookup; any other workflow function stays unknown (a
/// `parameters.json` value cannot reference a parameter, so nothing recurses).
struct SettingsOnly<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Scope for SettingsOnly<'_> {
    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        call: &Expr,
    ) -> Option<Result<Value, EvalError>> {
        let setting = name.eq_ignore_ascii_case("appsetting");
        if is_builtin(name) && !setting {
            return None;
        }
        let first = args.first().and_then(Value::as_str).unwrap_or_default();
        let value = setting
            .then(|| (self.0)(first))
            .flatten()
            .map(Value::String);
        Some(Ok(value.unwrap_or_else(|| unknown(&call.to_string()))))
    }
}

/// The Logic Apps Standard workflow kinds (`workflow.json`'s `kind`).
const STANDARD_KINDS: [&str; 2] = ["Stateful", "Stateless"];

/// Why a `{definition, …}` file is Standard, or `None` when nothing says it is.
fn standard_reason(root: &Value, marker: Option<&str>) -> Option<String> {
    if !root.get("definition").is_some_and(Value::is_object) || root.get("properties").is_some() {
        return None;
    }
    if let Some(kind) = root.get("kind").and_then(Value::as_str)
        && STANDARD_KINDS.iter().any(|k| k.eq_ignore_ascii_case(kind))
    {
        return Some(format!("it has `kind: {kind}`"));
    }
    marker.map(|marker| {
        format!("it is a `workflow.json` in a Logic Apps Standard project folder (`{marker}` beside the workflow folders)")
    })
}

/// Why a `{definition, …}` file that is not Standard is a code view; an error when its `kind`
/// names something else, which is neither.
fn code_view_reason(root: &Value) -> Result<String, String> {
    match root.get("kind") {
        None => Ok("it has a top-level `definition`, no `kind` (`Stateful`/`Stateless`) and no Standard project folder around it (`host.json` or `connections.json` beside the workflow folders)".to_owned()),
        Some(kind) => Err(format!(
            "`kind: {kind}` is not a Logic Apps Standard workflow kind ({}), and a Consumption code view has no `kind`",
            STANDARD_KINDS.join(", ")
        )),
    }
}

/// The file that marks the Standard project a `…/FOLDER/workflow.json` is in: `host.json` or
/// `connections.json` in the folder above the workflow's folder.
fn project_marker(path: &Path) -> Option<String> {
    if path.file_name()? != "workflow.json" {
        return None;
    }
    let project = path.parent()?.parent()?;
    ["host.json", "connections.json"]
        .into_iter()
        .find(|marker| project.join(marker).is_file())
        .map(str::to_owned)
}

fn read(path: &Path) -> Result<String, WdlError> {
    std::fs::read_to_string(path).map_err(|e| WdlError::Io {
        file: path.display().to_string(),
        message: e.to_string(),
    })
}

/// The first of `candidates` that exists, parsed; `None` when none does.
fn read_json(
    candidates: impl IntoIterator<Item = std::path::PathBuf>,
) -> Result<Option<Value>, WdlError> {
    match candidates.into_iter().find(|p| p.is_file()) {
        Some(found) => {
            let text = read(&found)?;
            Ok(Some(parse_json(&found.display().to_string(), &text)?))
        }
        None => Ok(None),
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workflow".to_owned())
}

/// Standard workflows live in a folder named after the workflow: `order-flow/workflow.json`.
fn standard_name(path: &Path) -> Option<String> {
    (path.file_name()? == "workflow.json")
        .then(|| {
            path.parent()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .flatten()
}

/// Finds `Microsoft.Logic/workflows` resources, descending into nested deployments.
fn template_workflows(
    template: &Value,
    base: &[Seg],
    context: &ArmContext,
    out: &mut Vec<Workflow>,
) {
    let Some(resources) = template.get("resources").and_then(Value::as_array) else {
        return;
    };
    for (i, resource) in resources.iter().enumerate() {
        let mut path = base.to_vec();
        path.extend([key("resources"), Seg::Index(i)]);
        let kind = resource
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind.eq_ignore_ascii_case("Microsoft.Logic/workflows")
            && resource.pointer("/properties/definition").is_some()
        {
            let raw_name = resource.get("name").cloned().unwrap_or(Value::Null);
            let name = context.resolve(&raw_name);
            let name = name
                .as_str()
                .map(crate::eval::display_unknowns)
                .unwrap_or_else(|| format!("workflow{}", out.len() + 1));
            let mut definition = path.clone();
            definition.extend([key("properties"), key("definition")]);
            let mut values = path.clone();
            values.extend([key("properties"), key("parameters")]);
            out.push(Workflow {
                name,
                definition,
                parameter_values: Some(values),
                arm: Some(context.clone()),
            });
        } else if kind.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(inner) = resource.pointer("/properties/template")
        {
            let inner_context = context.nested(resource, inner);
            let mut inner_path = path.clone();
            inner_path.extend([key("properties"), key("template")]);
            template_workflows(inner, &inner_path, &inner_context, out);
        }
    }
}
