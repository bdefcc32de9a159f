//! A workflow as Azure holds it after a deployment: an ARM template's expressions evaluated with
//! the given template parameter values (the rest from their defaults), and the workflow's own
//! parameter values set at resource level (`properties.parameters.NAME.value`). Running a Logic
//! App from a template means running what the template deploys, not the template's text.

use serde_json::{Map, Value, json};

use crate::{ArmContext, Document, WdlError};

impl Document {
    /// This document read again with `values` as its template parameters' values (their
    /// `defaultValue`s), so that names and expressions built from them resolve.
    pub fn with_template_parameters(
        &self,
        values: &Map<String, Value>,
    ) -> Result<Document, WdlError> {
        if values.is_empty() {
            return Ok(self.clone());
        }
        let mut root = self.root.clone();
        for (name, value) in values {
            let declared = root
                .pointer_mut(&format!("/parameters/{name}"))
                .and_then(Value::as_object_mut)
                .ok_or_else(|| WdlError::Invalid {
                    file: self.file.clone(),
                    message: format!(
                        "the template declares no parameter `{name}` (template_parameters)"
                    ),
                })?;
            declared.insert("defaultValue".to_owned(), value.clone());
        }
        let stem = self.file.trim_end_matches(".json");
        Document::from_value(&self.file, stem, root, self.connections.clone())
    }

    /// Workflow `workflow` of this document as deployed. A template deploying the same workflow
    /// twice (a nested deployment redeploying it) deploys the last one, as ARM leaves it. A
    /// document that is not a template and gets no parameter values is returned as it is.
    pub fn deployed(
        &self,
        workflow: &str,
        template_parameters: &Map<String, Value>,
        parameters: &Map<String, Value>,
    ) -> Result<Document, WdlError> {
        let source = self.with_template_parameters(template_parameters)?;
        let chosen = source
            .workflows
            .iter()
            .rev()
            .find(|w| w.name.eq_ignore_ascii_case(workflow))
            .ok_or_else(|| WdlError::Invalid {
                file: self.file.clone(),
                message: format!("no workflow named `{workflow}`"),
            })?
            .clone();
        if chosen.arm.is_none() && parameters.is_empty() {
            return Ok(source);
        }
        let mut definition = source.definition(&chosen).clone();
        let mut values = chosen
            .parameter_values
            .as_ref()
            .and_then(|p| crate::get_path(&source.root, p))
            .cloned()
            .unwrap_or_else(|| json!({}));
        if let Some(arm) = &chosen.arm {
            definition = evaluated(arm, &definition);
            values = evaluated(arm, &values);
        }
        for (name, value) in parameters {
            values[name.as_str()] = json!({ "value": value });
        }
        let resource = json!({
            "name": chosen.name,
            "properties": { "definition": definition, "parameters": values },
        });
        Document::from_value(&self.file, &chosen.name, resource, None)
    }
}

/// Every ARM expression (`"[…]"`) inside `value` evaluated; what only Azure knows stays an
/// unknown placeholder.
fn evaluated(arm: &ArmContext, value: &Value) -> Value {
    match value {
        Value::String(_) => arm.resolve(value),
        Value::Array(items) => Value::Array(items.iter().map(|v| evaluated(arm, v)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), evaluated(arm, v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
