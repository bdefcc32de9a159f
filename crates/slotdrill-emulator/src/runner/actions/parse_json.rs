//! `ParseJson` (`inputs.content`, `inputs.schema`): the content (a JSON value, or a string
//! holding one) checked against the JSON Schema subset the designer generates — `type` (one or
//! a list), `properties`, `required`, `items` — and given back as the action's body.
//!
//! Azure's failures, from real run histories: a missing content is `InvalidTemplate` "Required
//! property 'content' expects a value but got null. Path ''." (Azure/LogicAppsUX#6595); content
//! that breaks the schema is `ValidationFailed` "The schema validation failed." with one entry
//! per violation in the outputs' `errors` (`message` such as "Invalid type. Expected String but
//! got Null.", `lineNumber`, `linePosition`, `path` such as `[691].FlowState`, `schemaId` such as
//! `#/items/properties/FlowState`, `errorType`, `childErrors`; microsoft/coe-starter-kit#4503).

use serde_json::{Map, Value, json};

use super::super::errors::{ActionError, invalid_template};
use super::super::{Outcome, Status};

pub(crate) fn parse_json(name: &str, inputs: &Value) -> Outcome {
    let content = inputs.get("content").cloned().unwrap_or(Value::Null);
    if content.is_null() {
        return Outcome::failed(invalid_template(
            name,
            "inputs",
            "Required property 'content' expects a value but got null. Path ''.",
        ));
    }
    let content = match content {
        Value::String(text) => match serde_json::from_str::<Value>(&text) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Outcome::failed(ActionError::new(
                    "InvalidJSON",
                    format!("The 'content' property of action '{name}' is not valid JSON: {e}."),
                ));
            }
        },
        other => other,
    };
    let schema = inputs.get("schema").cloned().unwrap_or(json!({}));
    let mut errors = Vec::new();
    validate(&content, &schema, "", "#", &mut errors);
    if errors.is_empty() {
        return Outcome {
            body: content.clone(),
            ..Outcome::succeeded(json!({ "body": content }))
        };
    }
    Outcome {
        status: Status::Failed,
        code: Some("ValidationFailed".to_owned()),
        error: Some("The schema validation failed.".to_owned()),
        ..Outcome::succeeded(json!({ "errors": errors }))
    }
}

fn matches_type(value: &Value, wanted: &str) -> bool {
    match wanted.to_ascii_lowercase().as_str() {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn error(message: String, path: &str, schema_id: &str, kind: &str) -> Value {
    json!({
        "message": message,
        "lineNumber": 0,
        "linePosition": 0,
        "path": path,
        "schemaId": schema_id,
        "errorType": kind,
        "childErrors": [],
    })
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Checks `value` against `schema`, adding Newtonsoft-shaped errors to `errors`.
fn validate(value: &Value, schema: &Value, path: &str, schema_id: &str, errors: &mut Vec<Value>) {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| matches_type(value, t)) {
        let expected: Vec<String> = types.iter().map(|t| capitalized(t)).collect();
        errors.push(error(
            format!(
                "Invalid type. Expected {} but got {}.",
                expected.join(", "),
                slotdrill_wdl::functions::kind(value)
            ),
            path,
            schema_id,
            "type",
        ));
        return;
    }
    if let Value::Object(object) = value {
        check_object(object, schema, path, schema_id, errors);
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            validate(
                item,
                item_schema,
                &item_path,
                &format!("{schema_id}/items"),
                errors,
            );
        }
    }
}

fn check_object(
    object: &Map<String, Value>,
    schema: &Value,
    path: &str,
    schema_id: &str,
    errors: &mut Vec<Value>,
) {
    let missing: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| !object.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        errors.push(error(
            format!(
                "Required properties are missing from object: {}.",
                missing.join(", ")
            ),
            path,
            schema_id,
            "required",
        ));
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (key, property_schema) in properties {
            if let Some(child) = object.get(key) {
                validate(
                    child,
                    property_schema,
                    &child_path(path, key),
                    &format!("{schema_id}/properties/{key}"),
                    errors,
                );
            }
        }
    }
}
