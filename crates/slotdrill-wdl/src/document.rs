//! Reading workflow files in the four shapes teams have: a bare workflow definition, a workflow
//! resource (`{properties: {definition, parameters}}`), an ARM template holding one or more
//! `Microsoft.Logic/workflows` resources (also inside nested `Microsoft.Resources/deployments`),
//! and a Logic Apps Standard `workflow.json` with the `connections.json` beside it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::arm::ArmContext;
use crate::error::WdlError;
use crate::eval::get_ci;

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
    /// Reads a workflow file; for a Standard `workflow.json`, also the `connections.json` in the
    /// folder above it (the Logic App's root) or beside it.
    pub fn load(path: &Path) -> Result<Document, WdlError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| WdlError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let root = parse_json(&file, &text)?;
        let connections = if looks_standard(&root) {
            let candidates = [
                path.parent()
                    .and_then(Path::parent)
                    .map(|p| p.join("connections.json")),
                path.parent().map(|p| p.join("connections.json")),
            ];
            match candidates.into_iter().flatten().find(|p| p.is_file()) {
                Some(found) => {
                    let name = found.display().to_string();
                    let text = std::fs::read_to_string(&found).map_err(|e| WdlError::Io {
                        file: name.clone(),
                        message: e.to_string(),
                    })?;
                    Some(parse_json(&name, &text)?)
                }
                None => None,
            }
        } else {
            None
        };
        let stem = standard_name(path).unwrap_or_else(|| file_stem(path));
        Document::from_value(&file, &stem, root, connections)
    }

    /// Builds a document from parsed JSON. `name` names a workflow that does not name itself.
    pub fn from_value(
        file: &str,
        name: &str,
        root: Value,
        connections: Option<Value>,
    ) -> Result<Document, WdlError> {
        let not_a_workflow = || WdlError::NotAWorkflow {
            file: file.to_owned(),
        };
        let object = root.as_object().ok_or_else(not_a_workflow)?;
        let (format, workflows) = if object.get("resources").is_some_and(Value::is_array) {
            let context = ArmContext::root(&root);
            let mut workflows = Vec::new();
            template_workflows(&root, &[], &context, &mut workflows);
            if workflows.is_empty() {
                return Err(not_a_workflow());
            }
            (Format::ArmTemplate, workflows)
        } else if root
            .pointer("/properties/definition")
            .is_some_and(Value::is_object)
        {
            let name = object.get("name").and_then(Value::as_str).unwrap_or(name);
            let workflow = Workflow {
                name: name.to_owned(),
                definition: vec![key("properties"), key("definition")],
                parameter_values: Some(vec![key("properties"), key("parameters")]),
                arm: None,
            };
            (Format::Resource, vec![workflow])
        } else if looks_standard(&root) {
            let workflow = Workflow {
                name: name.to_owned(),
                definition: vec![key("definition")],
                parameter_values: None,
                arm: None,
            };
            (Format::Standard, vec![workflow])
        } else if object.contains_key("actions") || object.contains_key("triggers") {
            let workflow = Workflow {
                name: name.to_owned(),
                definition: Vec::new(),
                parameter_values: None,
                arm: None,
            };
            (Format::Definition, vec![workflow])
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
            connections,
            workflows,
        })
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
    /// value (`properties.parameters.NAME.value`) if given, else the definition's `defaultValue`,
    /// after ARM evaluation for templates.
    pub fn parameter(&self, workflow: &Workflow, name: &str) -> Option<Value> {
        let given = workflow
            .parameter_values
            .as_ref()
            .and_then(|path| get_path(&self.root, path))
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

    /// The definition object of a workflow.
    pub fn definition(&self, workflow: &Workflow) -> &Value {
        get_path(&self.root, &workflow.definition).unwrap_or(&Value::Null)
    }
}

fn looks_standard(root: &Value) -> bool {
    root.get("definition").is_some_and(Value::is_object) && root.get("properties").is_none()
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
