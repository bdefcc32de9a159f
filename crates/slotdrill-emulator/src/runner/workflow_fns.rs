//! The workflow chapter of Microsoft's function reference (`MicrosoftDocs/azure-docs`,
//! `articles/logic-apps/workflow-definition-language-functions-reference.md`): `action`,
//! `actions`, `actionBody`, `actionOutputs`, `body`, `formDataMultiValues`, `formDataValue`,
//! `item`, `items`, `iterationIndexes`, `listCallbackUrl`, `multipartBody`, `outputs`,
//! `parameters`, `result`, `trigger`, `triggerBody`, `triggerFormDataMultiValues`,
//! `triggerFormDataValue`, `triggerMultipartBody`, `triggerOutputs`, `variables`, `workflow`.
//! They read the run: finished actions' records, the trigger, variables and loops.

use serde_json::{Value, json};
use slotdrill_wdl::eval::EvalError;

use super::scope::RuntimeScope;
use crate::clock::rfc3339;
use crate::run::RunAction;

fn fail(message: String) -> Result<Value, EvalError> {
    Err(EvalError::Other(message))
}

impl RuntimeScope<'_> {
    /// `lower(args)` when it is a workflow function; `None` lets the builtins try.
    pub(crate) fn workflow_function(
        &mut self,
        lower: &str,
        name: &str,
        args: &[Value],
    ) -> Option<Result<Value, EvalError>> {
        let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or_default();
        let first = text(0);
        let result = match lower {
            // A Standard parameters.json value may be `@appsetting('X')`: read from the Logic
            // App's own settings, as the Standard runtime does.
            "parameters" => match self
                .doc
                .parameter_resolved(self.workflow, first, &|setting| {
                    self.logic_app.app_settings.get(setting).cloned()
                }) {
                Some(value) => Ok(value),
                None => fail(format!("The workflow parameter '{first}' is not found.")),
            },
            "variables" => match self.variables.get(first) {
                Some(value) => Ok(value.clone()),
                None => fail(format!("The variable '{first}' is not initialized.")),
            },
            "item" => match self.items.last() {
                Some((_, item)) => Ok(item.clone()),
                None => fail(not_here(name)),
            },
            "items" => match self
                .items
                .iter()
                .rev()
                .find(|(loop_name, _)| loop_name.eq_ignore_ascii_case(first))
            {
                Some((_, item)) => Ok(item.clone()),
                None => fail(format!(
                    "The template language function 'items' must reference an enclosing 'foreach' action: '{first}' is not one."
                )),
            },
            "iterationindexes" => match self
                .loops
                .iter()
                .rev()
                .find(|(loop_name, _)| loop_name.eq_ignore_ascii_case(first))
            {
                Some((_, index)) => Ok(Value::from(*index)),
                None => fail(format!(
                    "The template language function 'iterationIndexes' must reference an enclosing 'until' action: '{first}' is not one."
                )),
            },
            "action" => self.current_action(name),
            "actions" => self.record_of(first).map(|r| self.record_object(r)),
            "outputs" | "actionoutputs" => self.outputs_of(first),
            "body" | "actionbody" => self.body_of(first),
            "formdatavalue" | "formdatamultivalues" => self
                .outputs_of(first)
                .and_then(|o| form_values(&o, text(1), name))
                .and_then(|values| single(lower == "formdatavalue", values, name, text(1))),
            "multipartbody" => self
                .outputs_of(first)
                .and_then(|o| multipart(&o, args.get(1), name)),
            "trigger" => Ok(self.trigger_object()),
            "triggeroutputs" => Ok(self.trigger_outputs()),
            "triggerbody" => Ok(self.trigger.clone()),
            "triggerformdatavalue" | "triggerformdatamultivalues" => {
                form_values(&self.trigger_outputs(), first, name)
                    .and_then(|v| single(lower == "triggerformdatavalue", v, name, first))
            }
            "triggermultipartbody" => multipart(&self.trigger_outputs(), args.first(), name),
            "listcallbackurl" => self.callback_url(),
            "result" => self.result(first),
            "workflow" => Ok(self.workflow_object()),
            _ => return None,
        };
        Some(result)
    }

    /// The record of the latest run of action `name` (any case).
    fn record_of(&self, name: &str) -> Result<&RunAction, EvalError> {
        self.results
            .get(&name.to_ascii_lowercase())
            .and_then(|done| self.records.get(done.record))
            .ok_or_else(|| {
                EvalError::Other(format!(
                    "The template language expression cannot be evaluated: the action '{name}' has not run yet or does not exist."
                ))
            })
    }

    fn outputs_of(&self, name: &str) -> Result<Value, EvalError> {
        self.record_of(name)?;
        Ok(self
            .results
            .get(&name.to_ascii_lowercase())
            .map(|done| done.outputs.clone())
            .unwrap_or(Value::Null))
    }

    fn body_of(&self, name: &str) -> Result<Value, EvalError> {
        self.record_of(name)?;
        Ok(self
            .results
            .get(&name.to_ascii_lowercase())
            .map(|done| done.body.clone())
            .unwrap_or(Value::Null))
    }

    /// `actions('X')`: the action's record as run history and `result()` show it.
    pub(crate) fn record_object(&self, record: &RunAction) -> Value {
        let mut object = json!({
            "name": record.name,
            "inputs": record.inputs,
            "outputs": record.outputs,
            "startTime": rfc3339(record.start),
            "endTime": rfc3339(record.end),
            "trackingId": tracking_id(self.run, record),
            "clientTrackingId": self.run,
            "code": record.code,
            "status": record.status.as_str(),
        });
        if let Some(message) = &record.error {
            object["error"] = json!({ "code": record.code, "message": message });
        }
        object
    }

    /// `action()`: the action being run, as far as it has gone (its inputs are being evaluated).
    fn current_action(&self, name: &str) -> Result<Value, EvalError> {
        let Some(current) = self.current else {
            return fail(not_here(name));
        };
        Ok(json!({
            "name": current,
            "startTime": rfc3339(self.now),
            "status": "Running",
            "clientTrackingId": self.run,
        }))
    }

    fn trigger_name(&self) -> String {
        self.doc
            .definition(self.workflow)
            .get("triggers")
            .and_then(Value::as_object)
            .and_then(|t| t.keys().next().cloned())
            .unwrap_or_else(|| "manual".to_owned())
    }

    fn trigger_outputs(&self) -> Value {
        json!({ "headers": {}, "body": self.trigger })
    }

    /// `trigger()`: the trigger's record; it fired at the run's start and took no time.
    fn trigger_object(&self) -> Value {
        json!({
            "name": self.trigger_name(),
            "inputs": {},
            "outputs": self.trigger_outputs(),
            "startTime": rfc3339(self.run_start),
            "endTime": rfc3339(self.run_start),
            "scheduledTime": rfc3339(self.run_start),
            "trackingId": format!("{}-trigger", self.run),
            "clientTrackingId": self.run,
            "code": "OK",
            "status": "Succeeded",
        })
    }

    fn workflow_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Logic/workflows/{}",
            self.subscription, self.logic_app.resource_group, self.logic_app.name
        )
    }

    /// `workflow()`: `id`, `name`, `type`, `location`, `tags` and `run` (`id`, `name`, `type`).
    fn workflow_object(&self) -> Value {
        let id = self.workflow_id();
        json!({
            "id": id,
            "name": self.logic_app.name,
            "type": "Microsoft.Logic/workflows",
            "location": self.logic_app.location,
            "tags": {},
            "run": {
                "id": format!("{id}/runs/{}", self.run),
                "name": self.run,
                "type": "Microsoft.Logic/workflows/runs",
            },
        })
    }

    /// `listCallbackUrl()`: the first Request trigger's URL, in the reference's shape.
    fn callback_url(&self) -> Result<Value, EvalError> {
        let triggers = self.doc.definition(self.workflow).get("triggers");
        let request = triggers.and_then(Value::as_object).and_then(|t| {
            t.iter()
                .find(|(_, v)| v.get("type").and_then(Value::as_str) == Some("Request"))
                .map(|(k, _)| k.clone())
        });
        let Some(trigger) = request else {
            return fail(
                "The template language function 'listCallbackUrl' is valid only in a workflow with a Request trigger."
                    .to_owned(),
            );
        };
        let (id, sig) = self.logic_app.callback_id_and_sig(&trigger);
        Ok(Value::String(format!(
            "https://prod-00.{}.logic.azure.com:443/workflows/{id}/triggers/{trigger}/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2F{trigger}%2Frun&sv=1.0&sig={sig}",
            self.logic_app.location
        )))
    }

    /// `result('X')`: the records of X's top-level actions in the current iteration of the loops
    /// around it. A `Foreach` lists each action once with every iteration's record as its
    /// `outputs` (the reference's example); an `Until` its last iteration's; a `Scope` its own.
    fn result(&self, name: &str) -> Result<Value, EvalError> {
        let scope = self.record_of(name)?;
        let path = if scope.container.is_empty() {
            scope.name.clone()
        } else {
            format!("{}/{}", scope.container, scope.name)
        };
        let loops = self.loops;
        let children: Vec<&RunAction> = self
            .records
            .iter()
            .filter(|r| r.container == path && r.repetition.starts_with(loops))
            .collect();
        let is_foreach = children.iter().any(|r| r.repetition.len() > loops.len())
            && self.is_foreach(&scope.name);
        let mut order: Vec<&str> = Vec::new();
        for child in &children {
            if !order.contains(&child.name.as_str()) {
                order.push(&child.name);
            }
        }
        let entries = order.into_iter().map(|child| {
            let mut runs = children.iter().filter(|r| r.name == child);
            if is_foreach {
                let outputs: Vec<Value> = runs.map(|r| self.record_object(r)).collect();
                json!({ "name": child, "outputs": outputs })
            } else {
                runs.next_back()
                    .map_or(Value::Null, |r| self.record_object(r))
            }
        });
        Ok(Value::Array(entries.collect()))
    }

    fn is_foreach(&self, name: &str) -> bool {
        let actions = self.doc.definition(self.workflow).get("actions");
        find_action(actions, name)
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Foreach"))
    }
}

/// Action `name` anywhere in a definition's actions (inside containers and branches).
fn find_action<'a>(actions: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    let map = actions?.as_object()?;
    if let Some((_, found)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        return Some(found);
    }
    map.values().find_map(|action| {
        let branches = [
            action.get("actions"),
            action.pointer("/else/actions"),
            action.pointer("/default/actions"),
        ];
        branches
            .into_iter()
            .find_map(|b| find_action(b, name))
            .or_else(|| {
                action
                    .get("cases")
                    .and_then(Value::as_object)
                    .and_then(|cases| {
                        cases
                            .values()
                            .find_map(|c| find_action(c.get("actions"), name))
                    })
            })
    })
}

fn not_here(name: &str) -> String {
    format!("The template language function '{name}' is not expected at this location.")
}

/// A deterministic tracking id for a record (run history's `trackingId` is a GUID per action).
fn tracking_id(run: &str, record: &RunAction) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in run
        .bytes()
        .chain(record.name.bytes())
        .chain(record.start.millis().to_le_bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let hex = format!("{hash:016x}{:016x}", hash.rotate_left(29) ^ 0x5bd1_e995);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The values of form field `key` in outputs whose body holds form data: a Request trigger keeps
/// a form post as `$formdata` (`[{key, value}]`) beside `$content`; a URL-encoded string body
/// is read as `a=1&b=2`.
fn form_values(outputs: &Value, key: &str, function: &str) -> Result<Vec<Value>, EvalError> {
    let body = outputs.get("body").unwrap_or(&Value::Null);
    if let Some(fields) = body.get("$formdata").and_then(Value::as_array) {
        return Ok(fields
            .iter()
            .filter(|f| f.get("key").and_then(Value::as_str) == Some(key))
            .map(|f| f.get("value").cloned().unwrap_or(Value::Null))
            .collect());
    }
    if let Some(text) = body.as_str() {
        return Ok(text
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(k, _)| crate::incoming::form_decode(k) == key)
            .map(|(_, v)| Value::String(crate::incoming::form_decode(v)))
            .collect());
    }
    Err(EvalError::Other(format!(
        "The template language function '{function}' expects form data, but the content is not 'multipart/form-data' or 'application/x-www-form-urlencoded'."
    )))
}

/// `formDataValue` wants exactly one value; `formDataMultiValues` takes them all.
fn single(one: bool, values: Vec<Value>, function: &str, key: &str) -> Result<Value, EvalError> {
    if !one {
        return Ok(Value::Array(values));
    }
    match <[Value; 1]>::try_from(values) {
        Ok([value]) => Ok(value),
        Err(values) => fail(format!(
            "The template language function '{function}' expects one value for key '{key}', found {}.",
            values.len()
        )),
    }
}

/// Part `index` of a multipart body (`$multipart`: `[{headers, body}]`).
fn multipart(outputs: &Value, index: Option<&Value>, function: &str) -> Result<Value, EvalError> {
    let parts = outputs
        .pointer("/body/$multipart")
        .and_then(Value::as_array);
    let Some(parts) = parts else {
        return fail(format!(
            "The template language function '{function}' expects multipart content, but the content is not multipart."
        ));
    };
    let i = index.and_then(Value::as_u64).unwrap_or(0) as usize;
    parts
        .get(i)
        .map(|p| p.get("body").cloned().unwrap_or(Value::Null))
        .ok_or_else(|| {
            EvalError::Other(format!(
                "The template language function '{function}' index {i} is out of range: the content has {} parts.",
                parts.len()
            ))
        })
}
