//! Walking every action of a workflow, however deeply nested: `Scope`, `If` (`actions` and
//! `else.actions`), `Foreach`, `Until`, `Switch` (`cases.*.actions`, `default.actions`), and any
//! action type we do not know that carries nested `actions`.
//!
//! Siblings share their container chain and parent path (`Rc`), so walking a large workflow
//! allocates per container, not per action; an action's full path is built only when asked for.

use std::rc::Rc;

use serde_json::Value;

use crate::document::{JsonPath, Seg, key, member};

/// One action and where it sits.
#[derive(Debug, Clone)]
pub struct ActionRef<'a> {
    /// The action's name (unique in the workflow).
    pub name: &'a str,
    /// The names of the actions that contain it, outermost first.
    pub container: Rc<Vec<&'a str>>,
    /// The path of the `actions` object that holds it.
    parent: Rc<JsonPath>,
    /// The action's JSON object (`type`, `inputs`, `runAfter`, nested `actions`), borrowed from
    /// the document.
    pub action: &'a Value,
}

impl ActionRef<'_> {
    /// Where the action is in the document.
    pub fn path(&self) -> JsonPath {
        let mut path = Vec::with_capacity(self.parent.len() + 1);
        path.extend(self.parent.iter().cloned());
        path.push(Seg::Key(self.name.to_owned()));
        path
    }
}

/// Every action under `definition` (whose path in the document is `base`), in document order.
pub fn actions<'a>(definition: &'a Value, base: &[Seg]) -> Vec<ActionRef<'a>> {
    let mut out = Vec::new();
    let mut path = base.to_vec();
    path.push(key("actions"));
    collect(
        member(definition, "actions"),
        Rc::new(path),
        Rc::new(Vec::new()),
        &mut out,
    );
    out
}

fn collect<'a>(
    actions: Option<&'a Value>,
    parent: Rc<JsonPath>,
    container: Rc<Vec<&'a str>>,
    out: &mut Vec<ActionRef<'a>>,
) {
    let Some(actions) = actions.and_then(Value::as_object) else {
        return;
    };
    for (name, action) in actions {
        out.push(ActionRef {
            name,
            container: Rc::clone(&container),
            parent: Rc::clone(&parent),
            action,
        });
        let nested = branches(action);
        if nested.is_empty() {
            continue;
        }
        let mut inner_container = (*container).clone();
        inner_container.push(name);
        let inner_container = Rc::new(inner_container);
        for (branch, actions) in nested {
            let mut inner_path = (*parent).clone();
            inner_path.push(Seg::Key(name.clone()));
            inner_path.extend(branch);
            collect(
                Some(actions),
                Rc::new(inner_path),
                Rc::clone(&inner_container),
                out,
            );
        }
    }
}

/// The nested action lists of one action, in document order, with paths relative to it.
fn branches(action: &Value) -> Vec<(JsonPath, &Value)> {
    let mut found = Vec::new();
    let Some(object) = action.as_object() else {
        return found;
    };
    for (field, value) in object {
        match field.as_str() {
            "actions" => found.push((vec![key("actions")], value)),
            "else" | "default" => {
                if let Some(nested) = member(value, "actions") {
                    found.push((vec![key(field), key("actions")], nested));
                }
            }
            "cases" => {
                for (case, body) in value.as_object().into_iter().flatten() {
                    if let Some(nested) = member(body, "actions") {
                        found.push((
                            vec![key("cases"), Seg::Key(case.clone()), key("actions")],
                            nested,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    found
}
