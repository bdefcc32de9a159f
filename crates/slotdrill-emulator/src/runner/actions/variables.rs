//! The variable actions ("Create and modify variables…", `articles/logic-apps/logic-apps-create-variables-store-values.md`):
//! `InitializeVariable` (each with a `type`: Boolean, Integer, Float, String, Object, Array),
//! `SetVariable`, `IncrementVariable` and `DecrementVariable` (by `value`, 1 when absent, on an
//! Integer or Float variable), `AppendToArrayVariable` and `AppendToStringVariable`. Variables
//! are global to the run. A variable action that cannot apply fails with `BadRequest`, the code
//! run history shows for variable errors (microsoft/powerapps-tools#1287: "BadRequest. The number
//! of array items in variable '…' reached the limit…"); the messages are ours.

use serde_json::{Number, Value};

use super::super::errors::ActionError;
use super::super::loops::kind;
use super::super::{Outcome, Runner};

fn bad(message: String) -> Outcome {
    Outcome::failed(ActionError::new("BadRequest", message))
}

/// Whether `value` fits a variable declared with `declared` (Azure's type names, any case).
fn fits(declared: &str, value: &Value) -> bool {
    match declared.to_ascii_lowercase().as_str() {
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "float" => value.is_number(),
        "string" => value.is_string(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

impl Runner<'_> {
    pub(crate) fn initialize_variables(&mut self, name: &str, inputs: &Value) -> Outcome {
        let variables = inputs.get("variables").and_then(Value::as_array);
        for variable in variables.into_iter().flatten() {
            let Some(variable_name) = variable.get("name").and_then(Value::as_str) else {
                return bad(format!(
                    "The action '{name}' declares a variable without a 'name'."
                ));
            };
            if self.variable_key(variable_name).is_some() {
                return bad(format!(
                    "The variable '{variable_name}' is already initialized."
                ));
            }
            let declared = variable.get("type").and_then(Value::as_str).unwrap_or("");
            // An Array variable declared without a value starts empty (a Power Automate guide:
            // "If unset, the content of the variable will be an array with no items",
            // samurai-emblem.com 2023); other types without a value stay null (unknown).
            let value = match variable.get("value") {
                Some(value) => value.clone(),
                None if declared.eq_ignore_ascii_case("array") => Value::Array(Vec::new()),
                None => Value::Null,
            };
            if !value.is_null() && !fits(declared, &value) {
                return bad(format!(
                    "The variable '{variable_name}' has type '{declared}' and cannot be initialized with a value of type '{}'.",
                    kind(&value)
                ));
            }
            self.variables.insert(variable_name.to_owned(), value);
        }
        Outcome::succeeded(Value::Null)
    }

    /// The stored spelling of variable `name` (variable names are matched ignoring case).
    fn variable_key(&self, name: &str) -> Option<String> {
        self.variables
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
    }

    pub(crate) fn change_variable(&mut self, name: &str, kind_: &str, inputs: &Value) -> Outcome {
        let Some(variable) = inputs.get("name").and_then(Value::as_str) else {
            return bad(format!("The action '{name}' has no 'inputs.name'."));
        };
        let Some(key) = self.variable_key(variable) else {
            return bad(format!("The variable '{variable}' is not initialized."));
        };
        let value = inputs.get("value").cloned();
        let Some(current) = self.variables.get_mut(&key) else {
            return bad(format!("The variable '{variable}' is not initialized."));
        };
        let changed = match kind_ {
            "setvariable" => Ok(value.unwrap_or(Value::Null)),
            "appendtoarrayvariable" => match &*current {
                Value::Array(items) => {
                    let mut items = items.clone();
                    items.push(value.unwrap_or(Value::Null));
                    Ok(Value::Array(items))
                }
                other => Err(format!(
                    "The variable '{variable}' has type '{}': only Array variables can be appended to by 'AppendToArrayVariable'.",
                    kind(other)
                )),
            },
            "appendtostringvariable" => match &*current {
                Value::String(text) => Ok(Value::String(format!(
                    "{text}{}",
                    slotdrill_wdl::eval::to_text(&value.unwrap_or(Value::Null))
                ))),
                other => Err(format!(
                    "The variable '{variable}' has type '{}': only String variables can be appended to by 'AppendToStringVariable'.",
                    kind(other)
                )),
            },
            _ => step(
                current,
                value.as_ref(),
                kind_ == "decrementvariable",
                variable,
            ),
        };
        match changed {
            Ok(new) => {
                *current = new.clone();
                // Run history shows the variable's new value as the action's body.
                let body = serde_json::json!({ "value": new });
                Outcome {
                    body: body.clone(),
                    ..Outcome::succeeded(serde_json::json!({ "body": body }))
                }
            }
            Err(message) => bad(message),
        }
    }
}

/// `IncrementVariable`/`DecrementVariable`: integer stays integer unless the step is a float.
fn step(current: &Value, by: Option<&Value>, down: bool, variable: &str) -> Result<Value, String> {
    let by = by.cloned().unwrap_or(Value::from(1));
    if !current.is_number() {
        return Err(format!(
            "The variable '{variable}' has type '{}': only Integer and Float variables can be incremented or decremented.",
            kind(current)
        ));
    }
    if !by.is_number() {
        return Err(format!(
            "The value to increment or decrement the variable '{variable}' by must be a number, not '{}'.",
            kind(&by)
        ));
    }
    if let (Some(a), Some(b)) = (current.as_i64(), by.as_i64()) {
        let sum = if down {
            a.checked_sub(b)
        } else {
            a.checked_add(b)
        };
        return sum
            .map(Value::from)
            .ok_or_else(|| format!("The variable '{variable}' overflowed."));
    }
    let (a, b) = (current.as_f64().unwrap_or(0.0), by.as_f64().unwrap_or(0.0));
    let result = if down { a - b } else { a + b };
    Number::from_f64(result)
        .map(Value::Number)
        .ok_or_else(|| format!("The variable '{variable}' is not a finite number."))
}
