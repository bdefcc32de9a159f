//! URI parsing functions: `uriHost`, `uriPath`, `uriPathAndQuery`, `uriPort`, `uriQuery`,
//! `uriScheme`, over an absolute URI (`scheme://[user@]host[:port][/path][?query][#fragment]`),
//! with the parts as .NET's `System.Uri` gives them: scheme and host in lower case, `/` for an
//! empty path, the query with its `?`, dot segments removed from the path, spaces and other
//! characters a URI cannot hold percent-encoded, the scheme's default port when none is written
//! (80 for http and ws, 443 for https and wss, 21 for ftp; -1 for a scheme without one).

use serde_json::Value;

use super::Call;
use super::args::text;
use crate::eval::EvalError;

/// The functions of this chapter, lower case.
pub(super) const NAMES: &[&str] = &[
    "urihost",
    "uripath",
    "uripathandquery",
    "uriport",
    "uriquery",
    "urischeme",
];

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    if !NAMES.contains(&lower) {
        return None;
    }
    Some(call.arity(1, 1).and_then(|()| {
        let uri = parse(text(call, 0)?)
            .ok_or_else(|| call.bad("expects its first parameter to be a valid absolute URI"))?;
        Ok(match lower {
            "urihost" => Value::String(uri.host),
            "uripath" => Value::String(uri.path),
            "uripathandquery" => Value::String(format!("{}{}", uri.path, uri.query)),
            "uriport" => Value::from(uri.port),
            "uriquery" => Value::String(uri.query),
            _ => Value::String(uri.scheme),
        })
    }))
}

/// The parts of an absolute URI.
struct Uri {
    scheme: String,
    host: String,
    port: i64,
    path: String,
    query: String,
}

fn default_port(scheme: &str) -> i64 {
    match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        _ => -1,
    }
}

fn parse(source: &str) -> Option<Uri> {
    let source = source.trim();
    let (scheme, rest) = source.split_once("://")?;
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    // An IPv6 host keeps its brackets, as System.Uri.Host shows it.
    let port_sep = match host_port.rfind(']') {
        Some(close) => host_port[close..].find(':').map(|i| i + close),
        None => host_port.rfind(':'),
    };
    let (host, port) = match port_sep {
        Some(at) => {
            let digits = &host_port[at + 1..];
            let port = if digits.is_empty() {
                default_port(&scheme)
            } else {
                digits.parse::<u16>().ok().map(i64::from)?
            };
            (&host_port[..at], port)
        }
        None => (host_port, default_port(&scheme)),
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let (path, query) = match after.find('?') {
        Some(q) => (&after[..q], &after[q..]),
        None => (after, ""),
    };
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        remove_dot_segments(path)
    };
    Some(Uri {
        scheme,
        host: host.to_lowercase(),
        port,
        path: escape(&path),
        query: escape(query),
    })
}

/// RFC 3986 §5.2.4, as System.Uri compresses `/a/./b/../c` to `/a/c`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    format!("/{}", out.join("/"))
}

/// Percent-encodes what a URI cannot hold as it is (space, `"`, `<`, `>`, `\`, `^`, `` ` ``,
/// `{`, `|`, `}`, controls and non-ASCII characters, as UTF-8).
fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        let plain = c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}');
        if plain {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}
