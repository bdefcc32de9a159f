//! XML to JSON as Json.NET's `XmlNodeConverter` writes it, which is the shape the reference's
//! `json(xml(…))` examples show: the declaration as `"?xml": {"@version": "1.0"}`, attributes as
//! `"@name"`, an element with only text as that text, text beside attributes or elements as
//! `"#text"`, comments as `"#comment"`, and children of the same name as one array in the place of
//! the first.

use serde_json::{Map, Value};
use sxd_document::dom::{ChildOfElement, ChildOfRoot, Element};

use super::write::{declarations, element_name, is_insignificant};
use super::{MAX_DEPTH, Parsed, invalid};
use crate::eval::EvalError;
use crate::functions::Call;

/// The whole document as one JSON object.
pub(super) fn document(call: &Call<'_>, parsed: &Parsed) -> Result<Value, EvalError> {
    let mut out = Map::new();
    if let Some(pairs) = &parsed.declaration {
        let declaration = pairs
            .iter()
            .map(|(name, value)| (format!("@{name}"), Value::String(value.clone())))
            .collect();
        out.insert("?xml".to_owned(), Value::Object(declaration));
    }
    let mut groups = Groups::default();
    for child in parsed.package.as_document().root().children() {
        match child {
            ChildOfRoot::Element(e) => groups.push(element_name(e), element(call, e, 0)?),
            ChildOfRoot::Comment(c) => groups.push("#comment".to_owned(), text(c.text())),
            ChildOfRoot::ProcessingInstruction(pi) => groups.push(
                format!("?{}", pi.target()),
                text(pi.value().unwrap_or_default()),
            ),
        }
    }
    groups.write_into(&mut out);
    Ok(Value::Object(out))
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// One element's value: null when it is empty, its text when that is all it has, else an object.
fn element(call: &Call<'_>, element: Element<'_>, depth: usize) -> Result<Value, EvalError> {
    if depth > MAX_DEPTH {
        return Err(invalid(call, "The XML is nested too deeply."));
    }
    let mut attributes: Vec<(String, Value)> = declarations(element, false)
        .into_iter()
        .map(|(name, uri)| (format!("@{name}"), Value::String(uri)))
        .collect();
    for attribute in element.attributes() {
        let qname = attribute.name();
        let prefix = qname.namespace_uri().and_then(|uri| {
            attribute
                .preferred_prefix()
                .or_else(|| element.prefix_for_namespace_uri(uri, None))
        });
        let name = match prefix {
            Some(p) => format!("@{p}:{}", qname.local_part()),
            None => format!("@{}", qname.local_part()),
        };
        attributes.push((name, text(attribute.value())));
    }
    let children: Vec<ChildOfElement<'_>> = element
        .children()
        .into_iter()
        .filter(|c| !matches!(c, ChildOfElement::Text(t) if is_insignificant(t.text())))
        .collect();
    if attributes.is_empty() {
        match children.as_slice() {
            [] => return Ok(Value::Null),
            [ChildOfElement::Text(t)] => return Ok(text(t.text())),
            _ => {}
        }
    }
    let mut out: Map<String, Value> = attributes.into_iter().collect();
    let mut groups = Groups::default();
    for child in children {
        match child {
            ChildOfElement::Element(e) => {
                groups.push(element_name(e), self::element(call, e, depth + 1)?);
            }
            ChildOfElement::Text(t) => groups.push("#text".to_owned(), text(t.text())),
            ChildOfElement::Comment(c) => groups.push("#comment".to_owned(), text(c.text())),
            ChildOfElement::ProcessingInstruction(pi) => groups.push(
                format!("?{}", pi.target()),
                text(pi.value().unwrap_or_default()),
            ),
        }
    }
    groups.write_into(&mut out);
    Ok(Value::Object(out))
}

/// Children grouped by name in the order each name first appears.
#[derive(Default)]
struct Groups {
    names: Vec<String>,
    values: Vec<Vec<Value>>,
}

impl Groups {
    fn push(&mut self, name: String, value: Value) {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => self.values[i].push(value),
            None => {
                self.names.push(name);
                self.values.push(vec![value]);
            }
        }
    }

    fn write_into(self, out: &mut Map<String, Value>) {
        for (name, mut values) in self.names.into_iter().zip(self.values) {
            let value = if values.len() == 1 {
                values.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(values)
            };
            out.insert(name, value);
        }
    }
}
