//! Data operations ("Perform data operations in Azure Logic Apps",
//! `articles/logic-apps/logic-apps-perform-data-operations.md`, and the schema reference
//! `logic-apps-workflow-actions-triggers.md`): `Query` (filter array: `from`, `where`),
//! `Select` (`from`, `select` as an object of expressions or one value), `Join` (`from`,
//! `joinWith`) and `Table` (`from`, `format` CSV or HTML, optional `columns` of
//! `{header, value}`). Each evaluates `from` first, then its per-item expressions with `item()`
//! bound to the current element. Their outputs are `{body: result}`.

use serde_json::{Map, Value, json};
use slotdrill_wdl::eval::to_text;

use super::super::errors::{ActionError, INVALID_TEMPLATE, invalid_action};
use super::super::loops::kind;
use super::super::{Outcome, Runner};

/// Azure's message when `from` is not an array ("The 'from' property value in the 'query'
/// action inputs is of type 'Null'. The value must be an array.").
fn not_an_array(operation: &str, value: &Value) -> ActionError {
    ActionError::new(
        INVALID_TEMPLATE,
        format!(
            "The 'from' property value in the '{operation}' action inputs is of type '{}'. The value must be an array.",
            kind(value)
        ),
    )
}

fn body(result: Value) -> Outcome {
    Outcome {
        body: result.clone(),
        ..Outcome::succeeded(json!({ "body": result }))
    }
}

/// `Join`: the items' text joined with `joinWith`.
pub(crate) fn join(name: &str, inputs: &Value) -> Outcome {
    let from = inputs.get("from").cloned().unwrap_or(Value::Null);
    let Value::Array(items) = &from else {
        return Outcome::failed(not_an_array("join", &from));
    };
    let Some(separator) = inputs.get("joinWith").and_then(Value::as_str) else {
        return Outcome::failed(invalid_action(
            name,
            "the 'joinWith' property must be a string.",
        ));
    };
    let parts: Vec<String> = items.iter().map(|v| to_text(v).into_owned()).collect();
    body(Value::String(parts.join(separator)))
}

impl Runner<'_> {
    /// `Query`, `Select` and `Table`.
    pub(crate) fn data_operation(&mut self, name: &str, kind_: &str, raw: &Value) -> Outcome {
        let from = match self.inputs_of(name, raw.get("from").unwrap_or(&Value::Null)) {
            Ok(from) => from,
            Err(error) => return Outcome::failed(error),
        };
        let Value::Array(items) = &from else {
            return Outcome::failed(not_an_array(kind_, &from))
                .with_inputs(json!({ "from": from }));
        };
        let result = match kind_ {
            "query" => self.filter(name, items, raw.get("where").unwrap_or(&Value::Null)),
            "select" => self.map_items(name, items, raw.get("select").unwrap_or(&Value::Null)),
            _ => self.table(name, items, raw),
        };
        let mut inputs = raw.clone();
        if let Some(map) = inputs.as_object_mut() {
            map.insert("from".to_owned(), from.clone());
        }
        match result {
            Ok(value) => body(value).with_inputs(inputs),
            Err(error) => Outcome::failed(error).with_inputs(inputs),
        }
    }

    /// Evaluates `expression` with `item()` bound to `item`.
    fn with_item(&mut self, name: &str, item: &Value, expression: &Value) -> Result<Value, String> {
        self.items.push((name.to_owned(), item.clone()));
        let value = self.evaluate(expression, name);
        self.items.pop();
        value.map_err(|e| e.to_string())
    }

    fn filter(
        &mut self,
        name: &str,
        items: &[Value],
        condition: &Value,
    ) -> Result<Value, ActionError> {
        let mut kept = Vec::new();
        for item in items {
            self.items.push((name.to_owned(), item.clone()));
            let verdict = self.condition(condition, name);
            self.items.pop();
            match verdict {
                Ok(true) => kept.push(item.clone()),
                Ok(false) => {}
                // Azure/Azure-Sentinel#7130: "The execution of template action '…' failed: The
                // evaluation of 'query' action 'where' expression '…' failed: '…'".
                Err(e) => {
                    return Err(invalid_action(
                        name,
                        &format!(
                            "The evaluation of 'query' action 'where' expression '{}' failed: '{e}'.",
                            to_text(condition)
                        ),
                    ));
                }
            }
        }
        Ok(Value::Array(kept))
    }

    fn map_items(
        &mut self,
        name: &str,
        items: &[Value],
        select: &Value,
    ) -> Result<Value, ActionError> {
        let mut mapped = Vec::new();
        for item in items {
            let value = self.with_item(name, item, select).map_err(|e| {
                invalid_action(
                    name,
                    &format!(
                        "The evaluation of 'select' action 'select' expression failed: '{e}'."
                    ),
                )
            })?;
            mapped.push(value);
        }
        Ok(Value::Array(mapped))
    }

    /// `Table`: CSV or HTML from the items, with `columns` or every property in order of
    /// first appearance.
    fn table(&mut self, name: &str, items: &[Value], raw: &Value) -> Result<Value, ActionError> {
        let format = raw
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or("CSV")
            .to_ascii_uppercase();
        // A column's value expression; `None` reads the item's property named by the header.
        let columns: Vec<(String, Option<Value>)> =
            match raw.get("columns").and_then(Value::as_array) {
                Some(columns) => columns
                    .iter()
                    .map(|c| {
                        let header = c.get("header").map(|h| to_text(h).into_owned());
                        let value = c.get("value").cloned().unwrap_or(Value::Null);
                        (header.unwrap_or_default(), Some(value))
                    })
                    .collect(),
                None => automatic_columns(items),
            };
        let mut rows = Vec::new();
        for item in items {
            let mut row = Vec::new();
            for (header, value) in &columns {
                let Some(value) = value else {
                    let cell = item.get(header).cloned().unwrap_or(Value::Null);
                    row.push(to_text(&cell).into_owned());
                    continue;
                };
                // Azure (microsoft/coe-starter-kit#3023): "The execution of template action '…'
                // failed. The column values could not be evaluated: '…'".
                let cell = self.with_item(name, item, value).map_err(|e| {
                    ActionError::new(
                        INVALID_TEMPLATE,
                        format!("The execution of template action '{name}' failed. The column values could not be evaluated: '{e}'."),
                    )
                })?;
                row.push(to_text(&cell).into_owned());
            }
            rows.push(row);
        }
        let headers: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
        match format.as_str() {
            "CSV" => Ok(Value::String(csv(&headers, &rows))),
            "HTML" => Ok(Value::String(html(&headers, &rows))),
            other => Err(invalid_action(
                name,
                &format!("the table format '{other}' is not supported: use 'CSV' or 'HTML'."),
            )),
        }
    }
}

/// Every property of the items, in order of first appearance.
fn automatic_columns(items: &[Value]) -> Vec<(String, Option<Value>)> {
    let mut names: Vec<String> = Vec::new();
    for item in items {
        for key in item.as_object().map(Map::keys).into_iter().flatten() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    names.into_iter().map(|n| (n, None)).collect()
}

/// RFC 4180 quoting: a field with a comma, a quote or a line break is quoted, quotes doubled.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    let mut out = line(headers.iter().map(|h| csv_field(h)).collect());
    for row in rows {
        out.push_str(&line(row.iter().map(|c| csv_field(c)).collect()));
    }
    out
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cells = |tag: &str, values: &mut dyn Iterator<Item = &str>| {
        values
            .map(|v| format!("<{tag}>{}</{tag}>", escape_html(v)))
            .collect::<String>()
    };
    let head = cells("th", &mut headers.iter().copied());
    let body: String = rows
        .iter()
        .map(|row| {
            format!(
                "<tr>{}</tr>",
                cells("td", &mut row.iter().map(String::as_str))
            )
        })
        .collect();
    format!("<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
}
