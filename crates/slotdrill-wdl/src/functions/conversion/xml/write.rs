//! Writes parsed XML back as text the way .NET's `OuterXml` does: no indentation, double-quoted
//! attributes, `<empty />`, white-space-only text between elements dropped, and an element written
//! on its own carrying the namespace declarations its name needs
//! (`<location xmlns="https://contoso.com">Paris</location>`).

use std::fmt::Write as _;

use sxd_document::dom::{ChildOfElement, ChildOfRoot, Element};

use super::{MAX_DEPTH, Parsed, invalid};
use crate::eval::EvalError;
use crate::functions::Call;

/// The whole document: its declaration, then its top-level nodes.
pub(super) fn document(call: &Call<'_>, parsed: &Parsed) -> Result<String, EvalError> {
    let mut out = String::new();
    if let Some(pairs) = &parsed.declaration {
        out.push_str("<?xml");
        for (name, value) in pairs {
            let _ = write!(out, " {name}=\"{}\"", escape(value, true));
        }
        out.push_str("?>");
    }
    for child in parsed.package.as_document().root().children() {
        match child {
            ChildOfRoot::Element(e) => write_element(call, &mut out, e, true, 0)?,
            ChildOfRoot::Comment(c) => {
                let _ = write!(out, "<!--{}-->", c.text());
            }
            ChildOfRoot::ProcessingInstruction(pi) => write_pi(&mut out, pi.target(), pi.value()),
        }
    }
    Ok(out)
}

/// One element on its own.
pub(super) fn element(call: &Call<'_>, element: Element<'_>) -> Result<String, EvalError> {
    let mut out = String::new();
    write_element(call, &mut out, element, false, 0)?;
    Ok(out)
}

/// True for text that XML loaded without `PreserveWhitespace` does not keep.
pub(super) fn is_insignificant(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The qualified name of an element as written (`p:name` or `name`).
pub(super) fn element_name(element: Element<'_>) -> String {
    let name = element.name();
    match prefix_of(element) {
        Some(prefix) => format!("{prefix}:{}", name.local_part()),
        None => name.local_part().to_owned(),
    }
}

/// The prefix an element's name is written with, if its namespace is not the default one.
fn prefix_of(element: Element<'_>) -> Option<&str> {
    let uri = element.name().namespace_uri()?;
    if element.recursive_default_namespace_uri() == Some(uri)
        && element.preferred_prefix().is_none()
    {
        return None;
    }
    element
        .preferred_prefix()
        .or_else(|| element.prefix_for_namespace_uri(uri, None))
}

/// The namespace declarations written on `element` (`xmlns`, `xmlns:p`): those made on it in the
/// source, and, for an element written on its own, those its own name needs.
pub(super) fn declarations(element: Element<'_>, standalone: bool) -> Vec<(String, String)> {
    let parent = element.parent().and_then(|p| p.element());
    let mut out = Vec::new();
    let inherited_default = parent.and_then(|p| p.recursive_default_namespace_uri());
    match element.default_namespace_uri() {
        Some(uri) if Some(uri) != inherited_default || standalone => {
            out.push(("xmlns".to_owned(), uri.to_owned()));
        }
        None if standalone && prefix_of(element).is_none() => {
            if let Some(uri) = element.name().namespace_uri() {
                out.push(("xmlns".to_owned(), uri.to_owned()));
            }
        }
        _ => {}
    }
    let inherited: Vec<(String, String)> = parent
        .map(|p| {
            p.namespaces_in_scope()
                .iter()
                .map(|ns| (ns.prefix().to_owned(), ns.uri().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let own_prefix = prefix_of(element);
    for ns in element.namespaces_in_scope() {
        let pair = (ns.prefix().to_owned(), ns.uri().to_owned());
        if pair.0 == "xml" {
            continue;
        }
        if !inherited.contains(&pair) || (standalone && own_prefix == Some(ns.prefix())) {
            out.push((format!("xmlns:{}", pair.0), pair.1));
        }
    }
    out
}

fn write_element(
    call: &Call<'_>,
    out: &mut String,
    element: Element<'_>,
    in_document: bool,
    depth: usize,
) -> Result<(), EvalError> {
    if depth > MAX_DEPTH {
        return Err(invalid(call, "The XML is nested too deeply."));
    }
    let name = element_name(element);
    out.push('<');
    out.push_str(&name);
    for (attr, value) in declarations(element, !in_document && depth == 0) {
        let _ = write!(out, " {attr}=\"{}\"", escape(&value, true));
    }
    for attribute in element.attributes() {
        let qname = attribute.name();
        let prefix = qname.namespace_uri().and_then(|uri| {
            attribute
                .preferred_prefix()
                .or_else(|| element.prefix_for_namespace_uri(uri, None))
        });
        let _ = match prefix {
            Some(p) => write!(out, " {p}:{}", qname.local_part()),
            None => write!(out, " {}", qname.local_part()),
        };
        let _ = write!(out, "=\"{}\"", escape(attribute.value(), true));
    }
    let children: Vec<ChildOfElement<'_>> = element
        .children()
        .into_iter()
        .filter(|c| !matches!(c, ChildOfElement::Text(t) if is_insignificant(t.text())))
        .collect();
    if children.is_empty() {
        out.push_str(" />");
        return Ok(());
    }
    out.push('>');
    for child in children {
        match child {
            ChildOfElement::Element(e) => write_element(call, out, e, in_document, depth + 1)?,
            ChildOfElement::Text(t) => out.push_str(&escape(t.text(), false)),
            ChildOfElement::Comment(c) => {
                let _ = write!(out, "<!--{}-->", c.text());
            }
            ChildOfElement::ProcessingInstruction(pi) => write_pi(out, pi.target(), pi.value()),
        }
    }
    let _ = write!(out, "</{name}>");
    Ok(())
}

fn write_pi(out: &mut String, target: &str, value: Option<&str>) {
    match value {
        Some(v) => {
            let _ = write!(out, "<?{target} {v}?>");
        }
        None => {
            let _ = write!(out, "<?{target}?>");
        }
    }
}

/// Escapes text (`&`, `<`, `>`) or an attribute value (also `"` and line breaks and tabs, which
/// a parser would otherwise normalise to spaces).
pub(super) fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' if attribute => out.push_str("&#x9;"),
            other => out.push(other),
        }
    }
    out
}
