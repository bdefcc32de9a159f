//! XML: `xml()` (XML text or a JSON object with one root property, to XML content),
//! `json()` of XML content (`to_json.rs`, Json.NET's XML-to-JSON shape: `?xml`, `@attribute`,
//! `#text`), and `xpath()` over XML, with `sxd-document` and `sxd-xpath` (XPath 1.0, as .NET's
//! `System.Xml.XPath` that Azure uses).
//!
//! XML is parsed as .NET's `XmlDocument` loads it without `PreserveWhitespace`: white-space-only
//! text between elements is not content. `xml()` returns the document written back compactly
//! (`write.rs`), inside `{"$content-type": "application/xml;charset=utf-8", "$content": …}`.

mod from_json;
mod to_json;
mod write;

use serde_json::Value;
use sxd_document::Package;
use sxd_document::parser;
use sxd_xpath::nodeset::Node;
use sxd_xpath::{Context, Factory, Value as XPathValue};

use super::content::{self, Content};
use super::{Call, shorten};
use crate::eval::EvalError;

/// Elements nested deeper than this are refused rather than risking the stack on hostile input.
pub(super) const MAX_DEPTH: usize = 256;

/// `xml(value)`: XML content is returned as it is; text is parsed as XML (or, when it holds a
/// JSON object, converted from it); a JSON object is converted.
pub(super) fn xml(call: &Call<'_>) -> Result<Value, EvalError> {
    let value = &call.args[0];
    let text = match value {
        Value::Object(_) => match Content::of(value) {
            Some(c) if c.is_xml() => return Ok(value.clone()),
            Some(c) => c.text(call)?,
            None => return from_json::to_xml(call, value).map(|x| xml_content(&x)),
        },
        Value::String(s) => s.clone(),
        other => {
            return Err(invalid(
                call,
                &format!(
                    "The value must be a string with XML or a JSON object, found {}.",
                    super::super::kind(other)
                ),
            ));
        }
    };
    if text.trim_start().starts_with('{')
        && let Ok(json @ Value::Object(_)) = serde_json::from_str::<Value>(&text)
    {
        return from_json::to_xml(call, &json).map(|x| xml_content(&x));
    }
    let document = Parsed::new(call, &text)?;
    write::document(call, &document).map(|x| xml_content(&x))
}

/// XML text as the content object `xml()` returns.
fn xml_content(text: &str) -> Value {
    content::binary(content::XML, text.as_bytes())
}

/// `json()` of XML text.
pub(super) fn to_json(call: &Call<'_>, text: &str) -> Result<Value, EvalError> {
    let document = Parsed::new(call, text)?;
    to_json::document(call, &document)
}

/// A parsed document with its XML declaration, which the DOM does not keep.
pub(super) struct Parsed {
    package: Package,
    /// The declaration's pseudo-attributes in order (`version`, `encoding`, `standalone`).
    declaration: Option<Vec<(String, String)>>,
}

impl Parsed {
    fn new(call: &Call<'_>, text: &str) -> Result<Self, EvalError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if too_deep(text) {
            return Err(invalid(call, "The XML is nested too deeply."));
        }
        let package = parser::parse(text).map_err(|e| {
            invalid(
                call,
                &format!(
                    "The provided value '{}' cannot be parsed as XML: {e}.",
                    shorten(text)
                ),
            )
        })?;
        Ok(Parsed {
            package,
            declaration: declaration(text),
        })
    }
}

/// True when elements nest deeper than [`MAX_DEPTH`], found by scanning the text before
/// parsing it: sxd-document takes time quadratic in the depth to build a deep tree, and XPath
/// evaluation (`string(/)`, `//`) recurses through it. The count is exact for well-formed XML;
/// for malformed XML it only decides which error is reported.
fn too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let skip_to = |rest: &str, end: &str| rest.find(end).map_or(rest.len(), |i| i + end.len());
        let consumed = if rest.starts_with("<!--") {
            skip_to(rest, "-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to(rest, "]]>")
        } else if rest.starts_with("<?") {
            skip_to(rest, "?>")
        } else if rest.starts_with("<!") {
            skip_to(rest, ">")
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            skip_to(rest, ">")
        } else {
            let end = tag_end(rest);
            if !rest[..end].ends_with("/>") {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            end
        };
        rest = &rest[consumed.max(1)..];
    }
    false
}

/// The length of the start tag at the beginning of `rest`, through its `>` (quoted attribute
/// values may hold `>`).
fn tag_end(rest: &str) -> usize {
    let mut quote = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

/// The pseudo-attributes of `<?xml …?>` at the start of `text`.
fn declaration(text: &str) -> Option<Vec<(String, String)>> {
    let rest = text.strip_prefix("<?xml")?;
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let body = &rest[..rest.find("?>")?];
    let mut pairs = Vec::new();
    let mut rest = body.trim_start();
    while let Some((name, after)) = rest.split_once('=') {
        let after = after.trim_start();
        let quote = after.chars().next()?;
        let value_and_more = after.get(1..)?;
        let end = value_and_more.find(quote)?;
        pairs.push((name.trim().to_owned(), value_and_more[..end].to_owned()));
        rest = value_and_more[end + 1..].trim_start();
    }
    Some(pairs)
}

/// `xpath(xml, expression)`: a node set gives an array (elements as XML content, other nodes as
/// their text), a number, string or Boolean gives that value.
pub(super) fn xpath(call: &Call<'_>) -> Result<Value, EvalError> {
    let text = match &call.args[0] {
        Value::String(s) => s.clone(),
        value @ Value::Object(_) => match Content::of(value) {
            Some(c) => c.text(call)?,
            None => from_json::to_xml(call, value)?,
        },
        other => {
            return Err(invalid(
                call,
                &format!(
                    "The first argument must be XML, found {}.",
                    super::super::kind(other)
                ),
            ));
        }
    };
    let expression = call.string(1)?;
    if xpath_too_deep(expression) {
        return Err(invalid(
            call,
            "The provided XPath expression is nested too deeply.",
        ));
    }
    let parsed = Parsed::new(call, &text)?;
    let document = parsed.package.as_document();
    let bad_xpath = |e: &dyn std::fmt::Display| {
        invalid(
            call,
            &format!("The provided XPath expression '{expression}' is not valid: {e}."),
        )
    };
    let compiled = Factory::new()
        .build(expression)
        .map_err(|e| bad_xpath(&e))?
        .ok_or_else(|| bad_xpath(&"it is empty"))?;
    let value = compiled
        .evaluate(&Context::new(), document.root())
        .map_err(|e| bad_xpath(&e))?;
    Ok(match value {
        XPathValue::Boolean(b) => Value::Bool(b),
        XPathValue::String(s) => Value::String(s),
        XPathValue::Number(n) => number(n),
        XPathValue::Nodeset(nodes) => Value::Array(
            nodes
                .document_order()
                .into_iter()
                .map(|node| node_value(call, &parsed, node))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Brackets nested deeper than this in an XPath expression are refused.
const MAX_XPATH_DEPTH: usize = 32;

/// True when brackets nest deeper than [`MAX_XPATH_DEPTH`] in an XPath expression: sxd-xpath
/// parses and evaluates it recursively, a dozen frames per level.
fn xpath_too_deep(expression: &str) -> bool {
    let (mut depth, mut quote) = (0usize, None);
    for c in expression.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '(' | '[') => {
                depth += 1;
                if depth > MAX_XPATH_DEPTH {
                    return true;
                }
            }
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// An XPath number: integral values as integers (`sum()` of counts is `30`, as the reference
/// shows), NaN and infinities as Json.NET writes them (`"NaN"`, `"Infinity"`).
fn number(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.is_nan() {
        Value::String("NaN".to_owned())
    } else if n.is_infinite() {
        Value::String(if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else if n.fract() == 0.0 && n.abs() < EXACT {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// One node of a node set: an element (or the document) as XML content, anything else (text,
/// attribute, comment) as its string value.
fn node_value(call: &Call<'_>, parsed: &Parsed, node: Node<'_>) -> Result<Value, EvalError> {
    match node {
        Node::Element(element) => write::element(call, element).map(|x| xml_content(&x)),
        Node::Root(_) => write::document(call, parsed).map(|x| xml_content(&x)),
        other => Ok(Value::String(other.string_value())),
    }
}

/// Azure's words for XML or an XPath it cannot use.
pub(super) fn invalid(call: &Call<'_>, detail: &str) -> EvalError {
    call.bad(format!(
        "The template language function '{}' parameter is not valid. {detail}",
        call.name
    ))
}
