//! JSON to XML text as Json.NET's `DeserializeXmlNode` builds it, then written compactly: the one
//! root property is the root element ("The JSON object must have only one root property, which
//! can't be an array"), `"@name"` properties are attributes, `"#text"` is text, `"?xml"` is the
//! declaration, an array repeats its element, null is an empty element, and numbers and Booleans
//! are written as XML writes them (`true`, `10.5`).

use serde_json::{Map, Value};

use super::write::escape;
use super::{MAX_DEPTH, invalid};
use crate::eval::EvalError;
use crate::functions::Call;
use crate::functions::conversion::number::double_text;

/// The XML text for a JSON object with a single root property.
pub(in crate::functions::conversion) fn to_xml(
    call: &Call<'_>,
    value: &Value,
) -> Result<String, EvalError> {
    let Value::Object(map) = value else {
        return Err(invalid(call, "The JSON value must be an object."));
    };
    let mut out = String::new();
    if let Some(Value::Object(declaration)) = map.get("?xml") {
        out.push_str("<?xml");
        for (name, value) in declaration {
            let name = name.strip_prefix('@').unwrap_or(name);
            out.push_str(&format!(" {name}=\"{}\"", escape(&scalar(value), true)));
        }
        out.push_str("?>");
    }
    let roots: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| *k != "?xml").collect();
    match roots.as_slice() {
        [(name, Value::Array(_))] => Err(invalid(
            call,
            &format!(
                "JSON root object has property '{name}' that will be converted to an array. The root object must have a single property in order to create a valid XML document."
            ),
        )),
        [(name, value)] => {
            element(call, &mut out, name, value, 0)?;
            Ok(out)
        }
        _ => Err(invalid(
            call,
            "JSON root object has multiple properties. The root object must have a single property in order to create a valid XML document.",
        )),
    }
}

/// A JSON scalar as XML text (`XmlConvert`: `true`, shortest round-trip numbers).
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => n.as_f64().map(double_text).unwrap_or_default(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes `name` with `value`: an array as one element per item.
fn element(
    call: &Call<'_>,
    out: &mut String,
    name: &str,
    value: &Value,
    depth: usize,
) -> Result<(), EvalError> {
    if depth > MAX_DEPTH {
        return Err(invalid(call, "The JSON is nested too deeply."));
    }
    check_name(call, name)?;
    match value {
        Value::Array(items) => {
            for item in items {
                element(call, out, name, item, depth + 1)?;
            }
        }
        Value::Object(map) => object(call, out, name, map, depth)?,
        Value::Null => out.push_str(&format!("<{name} />")),
        scalar_value => out.push_str(&format!(
            "<{name}>{}</{name}>",
            escape(&scalar(scalar_value), false)
        )),
    }
    Ok(())
}

fn object(
    call: &Call<'_>,
    out: &mut String,
    name: &str,
    map: &Map<String, Value>,
    depth: usize,
) -> Result<(), EvalError> {
    out.push('<');
    out.push_str(name);
    for (key, value) in map {
        if let Some(attribute) = key.strip_prefix('@') {
            check_name(call, attribute)?;
            out.push_str(&format!(
                " {attribute}=\"{}\"",
                escape(&scalar(value), true)
            ));
        }
    }
    let mut content = String::new();
    for (key, value) in map {
        if key.starts_with('@') || key.starts_with('$') {
            continue;
        }
        match key.as_str() {
            "#text" | "#whitespace" | "#significant-whitespace" => {
                for item in as_items(value) {
                    content.push_str(&escape(&scalar(item), false));
                }
            }
            "#cdata-section" => {
                for item in as_items(value) {
                    content.push_str(&format!("<![CDATA[{}]]>", scalar(item)));
                }
            }
            "#comment" => {
                for item in as_items(value) {
                    content.push_str(&format!("<!--{}-->", scalar(item)));
                }
            }
            _ => match key.strip_prefix('?') {
                Some(target) => {
                    check_name(call, target)?;
                    content.push_str(&format!("<?{target} {}?>", scalar(value)));
                }
                None => element(call, &mut content, key, value, depth + 1)?,
            },
        }
    }
    if content.is_empty() {
        out.push_str(" />");
    } else {
        out.push('>');
        out.push_str(&content);
        out.push_str(&format!("</{name}>"));
    }
    Ok(())
}

fn as_items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// XML names: a letter, `_` or `:` first, then letters, digits, `.`, `-`, `_`, `:`.
fn check_name(call: &Call<'_>, name: &str) -> Result<(), EvalError> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '\u{b7}'));
    if valid {
        Ok(())
    } else {
        Err(invalid(
            call,
            &format!("The name '{name}' cannot be used as an XML name."),
        ))
    }
}
