//! Text, bytes and the encodings between them: base64, data URIs, URI components, and binary
//! content as Azure keeps it in a run's JSON, `{"$content-type": …, "$content": <base64>}`.
//!
//! A function that returns binary returns that object (`binary`, `base64ToBinary`,
//! `dataUriToBinary`, `decodeDataUri`, `uriComponentToBinary`): the reference's bit strings are
//! illustrations of the bytes, and "Handle content types in Azure Logic Apps" says the engine
//! keeps such content as "a binary base64 encoded string with appropriate metadata that preserves
//! both `$content` and `$content-type`".

use serde_json::{Map, Value};

use super::{Call, not_valid, string_of};
use crate::eval::EvalError;

/// The content type of what `binary()` and the `…ToBinary` functions return.
pub(super) const OCTET_STREAM: &str = "application/octet-stream";
/// The content type of what `xml()` returns.
pub(super) const XML: &str = "application/xml;charset=utf-8";

pub(super) fn call(lower: &str, call: &Call<'_>) -> Option<Result<Value, EvalError>> {
    let result = match lower {
        "base64" => one(call).and_then(|v| Ok(Value::String(encode(&bytes_of(call, v)?)))),
        "base64tostring" | "decodebase64" => one(call)
            .and_then(|v| from_base64(call, v))
            .map(|bytes| Value::String(utf8(&bytes))),
        "base64tobinary" => one(call)
            .and_then(|v| from_base64(call, v))
            .map(|bytes| binary(OCTET_STREAM, &bytes)),
        "binary" => one(call).and_then(|v| Ok(binary(OCTET_STREAM, &bytes_of(call, v)?))),
        "datauri" => one(call).and_then(|v| data_uri(call, v)).map(Value::String),
        "datauritostring" => one(call)
            .and_then(|v| from_data_uri(call, v))
            .map(|bytes| Value::String(utf8(&bytes))),
        "datauritobinary" | "decodedatauri" => one(call)
            .and_then(|v| from_data_uri(call, v))
            .map(|bytes| binary(OCTET_STREAM, &bytes)),
        "uricomponent" => {
            one(call).and_then(|v| Ok(Value::String(escape_data(&bytes_of(call, v)?))))
        }
        "encodeuricomponent" => encode_uri_component(call),
        "uricomponenttostring" | "decodeuricomponent" => one(call)
            .and_then(|v| text_arg(call, v))
            .map(|s| Value::String(utf8(&unescape_data(s)))),
        "uricomponenttobinary" => one(call)
            .and_then(|v| text_arg(call, v))
            .map(|s| binary(OCTET_STREAM, &unescape_data(s))),
        _ => return None,
    };
    Some(result)
}

/// `encodeUriComponent(value, …)`. The reference documents one argument, but Microsoft's own
/// published templates pass several (Azure/logicapps `templates/cancel-runs-by-tracking-id.json`:
/// `encodeURIComponent('workflows/', name, '/runs/', id)` as one ARM connector path segment), so
/// the arguments are joined as `concat` joins them, then escaped.
fn encode_uri_component(call: &Call<'_>) -> Result<Value, EvalError> {
    call.arity(1, usize::MAX)?;
    if let [value] = call.args {
        return Ok(Value::String(escape_data(&bytes_of(call, value)?)));
    }
    let joined: String = call
        .args
        .iter()
        .map(|v| crate::eval::to_text(v).into_owned())
        .collect();
    Ok(Value::String(escape_data(joined.as_bytes())))
}

fn one<'a>(call: &Call<'a>) -> Result<&'a Value, EvalError> {
    call.arity(1, 1).map(|()| &call.args[0])
}

/// Binary or XML content: `{"$content-type": …, "$content": <base64>}`.
pub(super) struct Content<'a> {
    content_type: &'a str,
    base64: &'a str,
}

impl<'a> Content<'a> {
    /// The content `value` is, if it is an object with a string `$content` (Azure adds
    /// `$content-type`; a missing one reads as binary).
    pub(super) fn of(value: &'a Value) -> Option<Self> {
        let map = value.as_object()?;
        let base64 = map.get("$content")?.as_str()?;
        let content_type = match map.get("$content-type") {
            Some(Value::String(t)) => t.as_str(),
            None => OCTET_STREAM,
            Some(_) => return None,
        };
        Some(Content {
            content_type,
            base64,
        })
    }

    /// True for `application/xml` and `text/xml`, with or without parameters.
    pub(super) fn is_xml(&self) -> bool {
        let media = self
            .content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        media.eq_ignore_ascii_case("application/xml") || media.eq_ignore_ascii_case("text/xml")
    }

    /// The content's bytes.
    pub(super) fn bytes(&self, call: &Call<'_>) -> Result<Vec<u8>, EvalError> {
        decode(self.base64).ok_or_else(|| {
            not_valid(
                call,
                "The '$content' of the content object is not a valid base64 string.",
            )
        })
    }

    /// The content's bytes read as UTF-8.
    pub(super) fn text(&self, call: &Call<'_>) -> Result<String, EvalError> {
        self.bytes(call).map(|b| utf8(&b))
    }
}

/// The content object Azure stores binary or XML as.
pub(super) fn binary(content_type: &str, bytes: &[u8]) -> Value {
    let mut map = Map::new();
    map.insert(
        "$content-type".to_owned(),
        Value::String(content_type.to_owned()),
    );
    map.insert("$content".to_owned(), Value::String(encode(bytes)));
    Value::Object(map)
}

/// The bytes a function encodes: a string's UTF-8, content's own bytes, anything else as
/// `string()` writes it.
fn bytes_of(call: &Call<'_>, value: &Value) -> Result<Vec<u8>, EvalError> {
    match Content::of(value) {
        Some(content) => content.bytes(call),
        None => string_of(call, value).map(String::into_bytes),
    }
}

fn text_arg<'a>(call: &Call<'_>, value: &'a Value) -> Result<&'a str, EvalError> {
    match value {
        Value::String(s) => Ok(s),
        Value::Null => Ok(""),
        other => Err(not_valid(
            call,
            &format!(
                "The value must be a string, found {}.",
                super::super::kind(other)
            ),
        )),
    }
}

/// Bytes as text; invalid sequences become U+FFFD, as .NET's `Encoding.UTF8.GetString` does.
fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn from_base64(call: &Call<'_>, value: &Value) -> Result<Vec<u8>, EvalError> {
    decode(text_arg(call, value)?).ok_or_else(|| {
        not_valid(
            call,
            "The value cannot be decoded from base64 representation.",
        )
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(super) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 as .NET's `Convert.FromBase64String` does: white space is ignored, the rest
/// must be whole groups of four with at most two `=` at the end. `None` when it is not base64.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    if !symbols.len().is_multiple_of(4) {
        return None;
    }
    let padding = symbols.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let data = &symbols[..symbols.len() - padding];
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in data {
        let v = ALPHABET.iter().position(|&a| a == b)?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `dataUri()`: text as `data:text/plain;charset=utf-8;base64,…`; content keeps its own type.
fn data_uri(call: &Call<'_>, value: &Value) -> Result<String, EvalError> {
    match Content::of(value) {
        Some(content) => Ok(format!(
            "data:{};base64,{}",
            content.content_type,
            encode(&content.bytes(call)?)
        )),
        None => Ok(format!(
            "data:text/plain;charset=utf-8;base64,{}",
            encode(string_of(call, value)?.as_bytes())
        )),
    }
}

/// The bytes of a data URI (RFC 2397): `data:[<media type>][;base64],<data>`.
fn from_data_uri(call: &Call<'_>, value: &Value) -> Result<Vec<u8>, EvalError> {
    let text = text_arg(call, value)?;
    let invalid = || {
        not_valid(
            call,
            &format!(
                "The value '{}' is not a valid data URI.",
                super::shorten(text)
            ),
        )
    };
    let rest = text
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &text[5..])
        .ok_or_else(invalid)?;
    let (header, data) = rest.split_once(',').ok_or_else(invalid)?;
    let data = unescape_data(data);
    let is_base64 = header
        .rsplit(';')
        .next()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return Ok(data);
    }
    std::str::from_utf8(&data)
        .ok()
        .and_then(decode)
        .ok_or_else(invalid)
}

/// Escapes every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`), as .NET's
/// `Uri.EscapeDataString` does, with upper-case hex.
pub(super) fn escape_data(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Replaces every `%XX` by its byte; anything else, a malformed escape included, stays as it is
/// (.NET's `Uri.UnescapeDataString` never fails). `+` is not a space.
pub(super) fn unescape_data(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}
