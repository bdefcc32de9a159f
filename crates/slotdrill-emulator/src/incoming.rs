//! A request to a function host as the data plane reads it ([`Incoming`]), and the decoding of
//! query parameters and path segments as the Functions host and ARM decode them. A leaf: the
//! in-process request (`HostRequest`, in `host`) hands its parts here, so nothing here depends
//! on the data plane.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderName, header::COOKIE};

/// The header that carries a function key.
const FUNCTIONS_KEY: HeaderName = HeaderName::from_static("x-functions-key");

/// A request as the data plane reads it: borrowed from an in-process `HostRequest`, or straight
/// from an HTTP request's parts, so that the listener answers a call without first copying its
/// host, path, query and every header into owned strings (the method and body play no part in
/// a function's answer). Both forms read the same values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    /// The `Host` header as sent (a port included).
    pub(crate) host: &'a str,
    /// The path, starting with `/`.
    pub(crate) path: &'a str,
    query: Query<'a>,
    headers: Headers<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Query<'a> {
    /// `HostRequest::query`.
    Pairs(&'a [(String, String)]),
    /// A URL's query text (`a=1&b`), read by [`query_parts`] as the listener splits it for
    /// the management plane.
    Raw(&'a str),
}

#[derive(Debug, Clone, Copy)]
enum Headers<'a> {
    /// `HostRequest::headers`.
    Pairs(&'a [(String, String)]),
    /// An HTTP request's headers; a value that is not visible ASCII is not read, as the
    /// listener has always left it out of `HostRequest::headers`.
    Map(&'a HeaderMap),
}

impl<'a> Incoming<'a> {
    /// An in-process request's parts, read where they are.
    pub(crate) fn pairs(
        host: &'a str,
        path: &'a str,
        query: &'a [(String, String)],
        headers: &'a [(String, String)],
    ) -> Self {
        Incoming {
            host,
            path,
            query: Query::Pairs(query),
            headers: Headers::Pairs(headers),
        }
    }

    /// A request that arrived over HTTP: its `Host`, path, query text and headers.
    pub(crate) fn http(
        host: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        headers: &'a HeaderMap,
    ) -> Self {
        Incoming {
            host,
            path,
            query: Query::Raw(query.unwrap_or_default()),
            headers: Headers::Map(headers),
        }
    }

    /// The host name: the `Host` header without its port, in lower case (as
    /// `HostRequest::host_name`).
    pub(crate) fn host_name(&self) -> String {
        without_port(self.host).to_ascii_lowercase()
    }

    /// The first value of header `name`.
    fn header(&self, name: &HeaderName) -> Option<&'a str> {
        match self.headers {
            Headers::Pairs(pairs) => pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name.as_str()))
                .map(|(_, v)| v.as_str()),
            // Scanned, not hashed: a function call carries a handful of headers.
            Headers::Map(map) => map
                .iter()
                .filter(|(k, _)| *k == name)
                .find_map(|(_, v)| v.to_str().ok()),
        }
    }

    /// The raw value of the first query parameter whose raw name satisfies `wanted`.
    fn query_find(&self, mut wanted: impl FnMut(&str) -> bool) -> Option<&'a str> {
        match self.query {
            Query::Pairs(pairs) => pairs
                .iter()
                .find(|(k, _)| wanted(k))
                .map(|(_, v)| v.as_str()),
            Query::Raw(raw) => query_parts(raw).find(|(k, _)| wanted(k)).map(|(_, v)| v),
        }
    }

    /// The first value of query parameter `name` (case-insensitive), decoded as ASP.NET Core's
    /// query parser decodes it: `+` is a space, `%XX` a byte.
    pub(crate) fn query_value(&self, name: &str) -> Option<String> {
        self.query_find(|k| decoded(k).eq_ignore_ascii_case(name))
            .map(form_decode)
    }

    pub(crate) fn cookie(&self, name: &str) -> Option<&'a str> {
        match self.headers {
            Headers::Pairs(pairs) => find_cookie(
                pairs
                    .iter()
                    .filter(|(k, _)| k == "cookie")
                    .map(|(_, v)| v.as_str()),
                name,
            ),
            Headers::Map(map) => find_cookie(
                map.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()),
                name,
            ),
        }
    }

    /// The function key the request carries. The Functions host reads the `x-functions-key`
    /// header when there is one (even empty) and only otherwise the `code` query parameter,
    /// decoded (`AuthenticationLevelHandler.GetAuthorizationKeyInfoAsync`); an empty key is no
    /// key. Decoding allocates only for a key that has something to decode.
    pub(crate) fn key(&self) -> Option<Cow<'a, str>> {
        let key = match self.header(&FUNCTIONS_KEY) {
            Some(header) => Cow::Borrowed(header),
            None => decoded(self.query_find(|k| decoded(k).eq_ignore_ascii_case("code"))?),
        };
        (!key.is_empty()).then_some(key)
    }
}

/// `host` up to its first `:` (a `Host` header without its port), found by a byte scan rather
/// than a pattern search, whose set-up costs more on every call than these few bytes.
pub(crate) fn without_port(host: &str) -> &str {
    host.bytes()
        .position(|b| b == b':')
        .map_or(host, |colon| &host[..colon])
}

/// A URL's query text as (name, value) pairs, still encoded: empty parts are skipped, a part
/// without `=` is a name with an empty value.
pub(crate) fn query_parts(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    // Split at byte positions rather than with `str::split`: every function call's key is found
    // here, mostly in a query of one part (`code=…`), which the first test takes whole.
    let mut rest = raw;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = if holds_any(rest, b'&', b'&') {
                rest.bytes().position(|b| b == b'&').unwrap_or(rest.len())
            } else {
                rest.len()
            };
            let part = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if !part.is_empty() {
                return Some(match part.bytes().position(|b| b == b'=') {
                    Some(equals) => (&part[..equals], &part[equals + 1..]),
                    None => (part, ""),
                });
            }
        }
        None
    })
}

/// The value of cookie `name` (case-insensitive) among `Cookie` header values.
fn find_cookie<'v>(values: impl Iterator<Item = &'v str>, name: &str) -> Option<&'v str> {
    values
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// [`form_decode`], borrowing `raw` when there is nothing to decode. Every function call's key
/// passes here: its bytes are scanned as bytes, not decoded as chars.
fn decoded(raw: &str) -> Cow<'_, str> {
    if holds_any(raw, b'%', b'+') {
        Cow::Owned(form_decode(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// Whether `text` holds byte `a` or `b`. Without an early exit, and with a byte rather than a
/// `bool` as the accumulator, the compiler compares 16 bytes at a time: a key is read here on
/// every call, and keys and queries are short.
fn holds_any(text: &str, a: u8, b: u8) -> bool {
    text.bytes().fold(0u8, |found, byte| {
        found | u8::from(byte == a) | u8::from(byte == b)
    }) != 0
}

/// `application/x-www-form-urlencoded` decoding, as .NET's `Uri.UnescapeDataString` after `+` →
/// space: a `%` not followed by two hex digits is kept as it is; bytes that are not UTF-8 become
/// U+FFFD.
pub(crate) fn form_decode(raw: &str) -> String {
    percent_decode(&raw.replace('+', " "))
}

/// Percent-decoding of a URL path segment or query part: `%XX` becomes its byte, anything else
/// stays (a `%` not followed by two hex digits too); bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            // `from_str_radix` alone would take a sign (`%+1`).
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::{Incoming, form_decode, query_parts};

    /// What the listener reads in place and what it copied into a `HostRequest` before (every
    /// header with a text value, the query split by `query_parts`) read the same.
    #[test]
    fn a_request_read_in_place_reads_as_its_copy() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", HeaderValue::from_static("a=1; TiPMix=5"));
        headers.append(
            "cookie",
            HeaderValue::from_static("x-ms-routing-name=staging"),
        );
        headers.append(
            "x-functions-key",
            HeaderValue::from_bytes(b"\xff").expect("a byte value"),
        );
        headers.append("x-functions-key", HeaderValue::from_static("k%2B1"));
        let query = "&code=ignored&x-ms-routing-name=self&flag&C%6Fde=2";
        let copied_query: Vec<(String, String)> = query_parts(query)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let copied_headers: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let host = "Orders.example:8080";
        let (copied, in_place) = (
            Incoming::pairs(host, "/api/F0", &copied_query, &copied_headers),
            Incoming::http(host, "/api/F0", Some(query), &headers),
        );
        for request in [copied, in_place] {
            assert_eq!(request.host_name(), "orders.example");
            assert_eq!(request.key().as_deref(), Some("k%2B1"));
            assert_eq!(
                request.query_value("X-MS-ROUTING-NAME").as_deref(),
                Some("self")
            );
            assert_eq!(request.query_value("flag").as_deref(), Some(""));
            assert_eq!(request.cookie("tipmix"), Some("5"));
            assert_eq!(request.cookie("x-ms-routing-name"), Some("staging"));
        }
        let empty = HeaderMap::new();
        for request in [
            Incoming::pairs("h", "/", &copied_query, &[]),
            Incoming::http("h", "/", Some(query), &empty),
        ] {
            assert_eq!(request.key().as_deref(), Some("ignored"));
            assert_eq!(request.cookie("a"), None);
        }
    }

    proptest::proptest! {
        /// The byte-position splitter reads any query text as `str::split` read it before:
        /// parts split at `&`, empty ones skipped, names split from values at the first `=`.
        #[test]
        fn query_parts_split_as_the_str_patterns_did(raw in "[a&=%+é]{0,24}") {
            let by_patterns: Vec<(&str, &str)> = raw
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            proptest::prop_assert_eq!(query_parts(&raw).collect::<Vec<_>>(), by_patterns);
        }
    }

    #[test]
    fn query_values_decode_as_the_functions_host_reads_them() {
        assert_eq!(form_decode("abc%3D%3d"), "abc==");
        assert_eq!(form_decode("a+b%2Bc"), "a b+c");
        assert_eq!(form_decode("50%"), "50%");
        assert_eq!(form_decode("%+1%zz%4"), "% 1%zz%4");
        assert_eq!(form_decode("%C3%A9"), "é");
        assert_eq!(form_decode("%FF"), "\u{FFFD}");
    }
}
