//! Repointing one call at a slot, and restoring it exactly.
//!
//! A `Function` action becomes an `Http` action to `https://SLOT_HOST/api/FN` (method defaulting to
//! POST); an `Http` action gets its host replaced. Either way the action keeps its name, its place
//! and every other key (`runAfter`, `body`, `headers`, `queries`, `retryPolicy`, `limit`,
//! `runtimeConfiguration`, `operationOptions`, `trackedProperties`, …) in the same order, and the
//! slot's key goes in an `x-functions-key` header that reads a new `securestring` parameter (an
//! app setting for Logic Apps Standard) so it never shows in run history. If the URI came from a
//! parameter or app setting shared with other actions, only this action changes.
//!
//! The [`RepointRecord`] holds the original action with any literal key replaced by a marker, so
//! it can be journaled; [`restore`] takes the key back from the caller when one was there.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use slotdrill_model::Secret;

use crate::calls::{Resolver, action_type};
use crate::document::{Document, Format, JsonPath, Workflow, get_path, get_path_mut, key};
use crate::error::WdlError;
use crate::eval::first_unknown;
use crate::target::Lookup;
use crate::target::{Hints, split_url};
use crate::walk::{ActionRef, actions};

/// Stands where a literal key was, in records and journals.
const REDACTED: &str = "{slotdrill:redacted-function-key}";
/// The header the Functions host reads a key from.
const KEY_HEADER: &str = "x-functions-key";

/// What to repoint, and where to.
#[derive(Debug, Clone, Copy)]
pub struct RepointRequest<'a> {
    /// The workflow, when the document holds several with the same action name.
    pub workflow: Option<&'a str>,
    /// The action's name: an exact match wins, else the one that differs only in case.
    pub action: &'a str,
    /// The slot it will call (for the parameter's description).
    pub slot: &'a str,
    /// The slot's `defaultHostName`, read from ARM.
    pub host: &'a str,
    /// The slot's function key, when known (offline rewrites leave it to the deployment).
    pub key: Option<&'a Secret>,
}

/// A `securestring` parameter added to carry the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedParameter {
    /// `slotdrill_key_ACTION` (the action's name, every character but an ASCII letter or digit
    /// replaced by `_`), with `_2`, `_3`, … appended when the name is taken.
    pub name: String,
    /// Where the definition's `parameters` object is.
    pub declarations: JsonPath,
    /// True when that object did not exist before.
    pub created_declarations: bool,
    /// Where the resource-level values are, when a value was set there.
    pub values: Option<JsonPath>,
    /// True when that object did not exist before.
    pub created_values: bool,
}

/// How the repointed action gets its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyCarrier {
    /// A `securestring` workflow parameter.
    Parameter(AddedParameter),
    /// Logic Apps Standard: an app setting of the Logic App, which the caller must set (the
    /// engine's partial rollback sets it before the write and restore removes it).
    AppSetting {
        /// `SLOTDRILL_KEY_ACTION`: the action's name, sanitised as for a parameter, in upper case.
        name: String,
    },
}

/// Everything needed to undo a repoint. Contains no key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepointRecord {
    /// The name of the workflow that holds the action, as the document spells it.
    pub workflow: String,
    /// The action's name as the document spells it (which may differ in case from the request).
    pub action: String,
    /// Where the action is in the document.
    pub path: JsonPath,
    /// The action as it was, literal keys replaced by a marker.
    pub original: Value,
    /// True when the original held a literal key.
    pub redacted_key: bool,
    /// The action as the repoint wrote it (so that a later edit by someone else is noticed).
    pub rewritten: Value,
    /// How the new key is carried.
    pub key: KeyCarrier,
}

/// Repoints one action at a slot. Returns the new document and the record to restore it.
pub fn repoint(
    doc: &Document,
    request: &RepointRequest<'_>,
    hints: &Hints,
) -> Result<(Document, RepointRecord), WdlError> {
    let workflow = find_workflow(doc, request.workflow, request.action)?;
    let definition = doc.definition(workflow);
    let all = actions(definition, &workflow.definition);
    let action = find_action(doc, workflow, &all, request.action)?;
    let mut resolver = Resolver {
        doc,
        workflow,
        hints,
        lookup: Lookup::of(hints),
    };
    let unresolved = |reason: String| WdlError::Unresolved {
        file: doc.file.clone(),
        action: request.action.to_owned(),
        reason,
    };
    let kind = action_type(action.action);
    let url = if kind.eq_ignore_ascii_case("Function") {
        let target = resolver.function_target(action.action);
        let function = target
            .function
            .ok_or_else(|| unresolved(target.reason.unwrap_or_default()))?;
        format!("https://{}/api/{function}", request.host)
    } else if kind.eq_ignore_ascii_case("Http") {
        let target =
            resolver
                .http_target(action.action, &[])
                .ok_or_else(|| WdlError::NotAFunctionCall {
                    file: doc.file.clone(),
                    action: request.action.to_owned(),
                })?;
        let function = target
            .function
            .ok_or_else(|| unresolved(target.reason.unwrap_or_default()))?;
        let uri = resolver.resolve(action.action.pointer("/inputs/uri").unwrap_or(&Value::Null));
        http_url(request.host, &function, uri.as_str().unwrap_or_default())
    } else {
        return Err(WdlError::NotAFunctionCall {
            file: doc.file.clone(),
            action: request.action.to_owned(),
        });
    };

    let mut root = doc.root.clone();
    let carrier = add_key_carrier(doc, workflow, &mut root, request);
    let key_ref = match &carrier {
        KeyCarrier::Parameter(p) => format!("@parameters('{}')", p.name),
        KeyCarrier::AppSetting { name } => format!("@appsetting('{name}')"),
    };
    let rewritten = rewrite_action(action.action, &url, &key_ref);
    if let Some(slot) = get_path_mut(&mut root, &action.path()) {
        *slot = rewritten.clone();
    }
    let (original, redacted_key) = redact(action.action);
    let record = RepointRecord {
        workflow: workflow.name.clone(),
        action: action.name.to_owned(),
        path: action.path(),
        original,
        redacted_key,
        rewritten,
        key: carrier,
    };
    let new_doc = Document {
        root,
        ..doc.clone()
    };
    Ok((new_doc, record))
}

/// Puts back the action and removes what the repoint added. `key` is needed only when the
/// original action held a literal key ([`RepointRecord::redacted_key`]).
pub fn restore(
    doc: &Document,
    record: &RepointRecord,
    key: Option<&Secret>,
) -> Result<Document, WdlError> {
    let mut root = doc.root.clone();
    let current = get_path(&root, &record.path);
    if current != Some(&record.rewritten) {
        return Err(WdlError::Drifted {
            file: doc.file.clone(),
            action: record.action.clone(),
        });
    }
    let mut original = record.original.clone();
    if record.redacted_key {
        let key = key.ok_or_else(|| WdlError::MissingKey {
            file: doc.file.clone(),
            action: record.action.clone(),
        })?;
        unredact(&mut original, key.expose());
    }
    if let Some(slot) = get_path_mut(&mut root, &record.path) {
        *slot = original;
    }
    if let KeyCarrier::Parameter(parameter) = &record.key {
        remove_entry(
            &mut root,
            &parameter.declarations,
            &parameter.name,
            parameter.created_declarations,
        );
        if let Some(values) = &parameter.values {
            remove_entry(&mut root, values, &parameter.name, parameter.created_values);
        }
    }
    Ok(Document {
        root,
        ..doc.clone()
    })
}

/// True when the document already holds what [`restore`] would write back: the original action
/// (literal keys compared redacted) and none of the parameter the repoint added. A resumed
/// restore uses it to tell a write that happened from one that did not.
pub fn is_restored(doc: &Document, record: &RepointRecord) -> bool {
    let action_back =
        get_path(&doc.root, &record.path).is_some_and(|a| redact(a).0 == record.original);
    let parameter_gone = match &record.key {
        KeyCarrier::Parameter(parameter) => {
            let declared = get_path(&doc.root, &parameter.declarations)
                .is_some_and(|d| d.get(&parameter.name).is_some());
            let valued = parameter.values.as_ref().is_some_and(|path| {
                get_path(&doc.root, path).is_some_and(|v| v.get(&parameter.name).is_some())
            });
            !declared && !valued
        }
        KeyCarrier::AppSetting { .. } => true,
    };
    action_back && parameter_gone
}

fn find_workflow<'a>(
    doc: &'a Document,
    name: Option<&str>,
    action: &str,
) -> Result<&'a Workflow, WdlError> {
    if name.is_some() || doc.workflows.len() == 1 {
        return doc.workflow(name);
    }
    let holders: Vec<&Workflow> = doc
        .workflows
        .iter()
        .filter(|w| {
            actions(doc.definition(w), &w.definition)
                .iter()
                .any(|a| a.name == action)
        })
        .collect();
    match holders.as_slice() {
        [one] => Ok(one),
        [] => doc.workflow(None),
        many => Err(WdlError::AmbiguousAction {
            file: doc.file.clone(),
            action: action.to_owned(),
            workflows: many.iter().map(|w| w.name.clone()).collect(),
        }),
    }
}

fn find_action<'a, 'b>(
    doc: &Document,
    workflow: &Workflow,
    all: &'b [ActionRef<'a>],
    name: &str,
) -> Result<&'b ActionRef<'a>, WdlError> {
    all.iter()
        .find(|a| a.name == name)
        .or_else(|| all.iter().find(|a| a.name.eq_ignore_ascii_case(name)))
        .ok_or_else(|| WdlError::UnknownAction {
            file: doc.file.clone(),
            workflow: (doc.workflows.len() > 1).then(|| workflow.name.clone()),
            action: name.to_owned(),
            known: all.iter().map(|a| a.name.to_owned()).collect(),
        })
}

/// `https://HOST/api/FN` plus the original query without its key. Parts that were expressions go
/// back as `@{…}` interpolations.
fn http_url(host: &str, function: &str, resolved_uri: &str) -> String {
    let mut url = format!("https://{host}/api/{function}");
    let query: Vec<String> = split_url(resolved_uri)
        .map(|u| u.query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("code"))
        .map(|(k, v)| format!("{k}={}", as_interpolation(&v)))
        .collect();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

fn as_interpolation(value: &str) -> String {
    let mut out = value.to_owned();
    while let Some(raw) = first_unknown(&out).map(str::to_owned) {
        out = out.replacen(&format!("\u{E000}{raw}\u{E001}"), &format!("@{{{raw}}}"), 1);
    }
    out
}

fn sanitize(action: &str) -> String {
    action
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Declares the key's parameter (or names the Standard app setting) in `root`.
fn add_key_carrier(
    doc: &Document,
    workflow: &Workflow,
    root: &mut Value,
    request: &RepointRequest<'_>,
) -> KeyCarrier {
    if doc.format == Format::Standard {
        return KeyCarrier::AppSetting {
            name: format!(
                "SLOTDRILL_KEY_{}",
                sanitize(request.action).to_ascii_uppercase()
            ),
        };
    }
    let mut declarations = workflow.definition.clone();
    declarations.push(key("parameters"));
    let definition_parameters = get_path(root, &declarations).and_then(Value::as_object);
    let created_declarations = definition_parameters.is_none();
    let base = format!("slotdrill_key_{}", sanitize(request.action));
    let mut name = base.clone();
    let mut n = 2;
    while definition_parameters.is_some_and(|p| p.contains_key(&name)) {
        name = format!("{base}_{n}");
        n += 1;
    }
    let mut declaration = json!({
        "type": "securestring",
        "metadata": {
            "description": format!("Function key of slot `{}` ({}) for action `{}`, added by slotdrill", request.slot, request.host, request.action)
        }
    });
    let mut values = None;
    let mut created_values = false;
    match (request.key, &workflow.parameter_values) {
        (Some(secret), Some(values_path)) => {
            created_values = get_path(root, values_path)
                .and_then(Value::as_object)
                .is_none();
            insert_entry(
                root,
                values_path,
                &name,
                json!({ "value": secret.expose() }),
            );
            values = Some(values_path.clone());
        }
        (Some(secret), None) => {
            declaration["defaultValue"] = Value::String(secret.expose().to_owned());
        }
        (None, _) => {}
    }
    insert_entry(root, &declarations, &name, declaration);
    KeyCarrier::Parameter(AddedParameter {
        name,
        declarations,
        created_declarations,
        values,
        created_values,
    })
}

/// Inserts `name: value` into the object at `path`, creating the object (at the end of its
/// parent) when it is missing.
fn insert_entry(root: &mut Value, path: &[crate::Seg], name: &str, value: Value) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let Some(Value::Object(parent)) = get_path_mut(root, parent_path) else {
        return;
    };
    let crate::Seg::Key(last) = last else {
        return;
    };
    let entry = parent
        .entry(last.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(map) = entry {
        map.insert(name.to_owned(), value);
    }
}

fn remove_entry(root: &mut Value, path: &[crate::Seg], name: &str, remove_container: bool) {
    if let Some(Value::Object(map)) = get_path_mut(root, path) {
        map.shift_remove(name);
        if !(remove_container && map.is_empty()) {
            return;
        }
    } else {
        return;
    }
    if let Some((crate::Seg::Key(last), parent_path)) = path.split_last()
        && let Some(Value::Object(parent)) = get_path_mut(root, parent_path)
    {
        parent.shift_remove(last);
    }
}

/// The rewritten action: same keys in the same order, `type` and `inputs` changed.
fn rewrite_action(action: &Value, url: &str, key_ref: &str) -> Value {
    let Some(object) = action.as_object() else {
        return action.clone();
    };
    let mut out = Map::new();
    for (name, value) in object {
        match name.as_str() {
            "type" => {
                out.insert(name.clone(), Value::String("Http".to_owned()));
            }
            "inputs" => {
                out.insert(name.clone(), rewrite_inputs(value, url, key_ref));
            }
            _ => {
                out.insert(name.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn rewrite_inputs(inputs: &Value, url: &str, key_ref: &str) -> Value {
    let empty = Map::new();
    let object = inputs.as_object().unwrap_or(&empty);
    let has_method = object.contains_key("method");
    let mut out = Map::new();
    for (name, value) in object {
        match name.as_str() {
            "function" | "uri" => {
                if !has_method {
                    out.insert("method".to_owned(), Value::String("POST".to_owned()));
                }
                out.insert("uri".to_owned(), Value::String(url.to_owned()));
            }
            "headers" => {
                let mut headers = value.as_object().cloned().unwrap_or_default();
                headers.retain(|k, _| !k.eq_ignore_ascii_case(KEY_HEADER));
                headers.insert(KEY_HEADER.to_owned(), Value::String(key_ref.to_owned()));
                out.insert(name.clone(), Value::Object(headers));
            }
            "queries" => {
                let mut queries = value.as_object().cloned().unwrap_or_default();
                queries.retain(|k, _| !k.eq_ignore_ascii_case("code"));
                out.insert(name.clone(), Value::Object(queries));
            }
            _ => {
                out.insert(name.clone(), value.clone());
            }
        }
    }
    if !out.contains_key("uri") {
        out.insert("method".to_owned(), Value::String("POST".to_owned()));
        out.insert("uri".to_owned(), Value::String(url.to_owned()));
    }
    if !out.contains_key("headers") {
        out.insert("headers".to_owned(), json!({ KEY_HEADER: key_ref }));
    }
    Value::Object(out)
}

fn is_literal(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('@') && !s.starts_with('[')
}

/// The action with every literal key (`code=` in the URI, `queries.code`, an
/// `x-functions-key` header) replaced by [`REDACTED`].
fn redact(action: &Value) -> (Value, bool) {
    let mut copy = action.clone();
    let mut redacted = false;
    if let Some(uri) = copy.pointer_mut("/inputs/uri")
        && let Some(text) = uri.as_str()
    {
        let mut new = String::new();
        let mut rest = text;
        while let Some(at) = find_code(rest) {
            let value_start = at + "code=".len();
            let value_end = rest[value_start..]
                .find('&')
                .map_or(rest.len(), |i| value_start + i);
            let value = &rest[value_start..value_end];
            new.push_str(&rest[..value_start]);
            if is_literal(value) && !value.contains("@{") {
                new.push_str(REDACTED);
                redacted = true;
            } else {
                new.push_str(value);
            }
            rest = &rest[value_end..];
        }
        new.push_str(rest);
        *uri = Value::String(new);
    }
    for pointer in ["/inputs/queries", "/inputs/headers"] {
        if let Some(Value::Object(map)) = copy.pointer_mut(pointer) {
            for (name, value) in map.iter_mut() {
                let secret =
                    name.eq_ignore_ascii_case("code") || name.eq_ignore_ascii_case(KEY_HEADER);
                if secret && value.as_str().is_some_and(is_literal) {
                    *value = Value::String(REDACTED.to_owned());
                    redacted = true;
                }
            }
        }
    }
    (copy, redacted)
}

/// Where the next `code=` query parameter starts (after `?` or `&`).
fn find_code(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    ["?code=", "&code="]
        .iter()
        .filter_map(|p| lower.find(p).map(|i| i + 1))
        .min()
}

fn unredact(value: &mut Value, key: &str) {
    match value {
        Value::String(s) if s.contains(REDACTED) => *s = s.replace(REDACTED, key),
        Value::Array(items) => items.iter_mut().for_each(|v| unredact(v, key)),
        Value::Object(map) => map.values_mut().for_each(|v| unredact(v, key)),
        _ => {}
    }
}
