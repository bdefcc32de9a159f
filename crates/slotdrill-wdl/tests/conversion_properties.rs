//! Property tests of the conversion functions: each encoding and its decoding are inverse
//! (base64, URI components, data URIs, binary), `json(string(v))` is `v` for JSON objects and
//! arrays, numbers survive `string()` and back, JSON survives `xml()` and `json()` in the shapes
//! Json.NET round-trips, and no input, however malformed, makes a function panic.

use proptest::prelude::*;
use serde_json::{Map, Value};
use slotdrill_wdl::eval::{NoScope, eval_wdl_string};

/// Evaluates `@expression` with only the builtins.
fn eval(expression: &str) -> Result<Value, String> {
    eval_wdl_string(&format!("@{expression}"), &mut NoScope).map_err(|e| e.to_string())
}

/// `text` as a WDL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Any text but the two private-use characters the evaluator marks unknown values with.
fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}".prop_map(|s| s.replace(['\u{e000}', '\u{e001}'], ""))
}

/// JSON whose numbers print and parse back exactly (integers and binary fractions) and whose
/// keys do not start with `$` (an object with `$content` is content, not data).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<i32>().prop_map(|n| Value::from(f64::from(n) / 8.0)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9 ]{0,8}", inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// An object with one root property made of XML names and plain text, the shape `xml()` and
/// `json()` carry through unchanged.
fn xml_shaped() -> impl Strategy<Value = Value> {
    let word = "[a-zA-Z0-9]{1,6}( [a-zA-Z0-9]{1,6})?";
    let leaf = prop_oneof![
        word.prop_map(Value::String),
        prop::collection::vec(word.prop_map(Value::String), 2..4).prop_map(Value::Array),
    ];
    let element = leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::btree_map("[a-z][a-z0-9]{0,5}", inner, 1..4).prop_map(|m| {
            let map: Map<String, Value> = m.into_iter().collect();
            Value::Object(map)
        })
    });
    ("[a-z][a-z0-9]{0,5}", element).prop_map(|(name, value)| {
        let mut root = Map::new();
        // A root array is refused by xml(); wrap it in an element of its own.
        let value = match value {
            Value::Array(items) => {
                let mut inner = Map::new();
                inner.insert("item".to_owned(), Value::Array(items));
                Value::Object(inner)
            }
            other => other,
        };
        root.insert(name, value);
        Value::Object(root)
    })
}

const CONVERSIONS: &[&str] = &[
    "array",
    "base64",
    "base64ToBinary",
    "base64ToString",
    "binary",
    "bool",
    "createArray",
    "dataUri",
    "dataUriToBinary",
    "dataUriToString",
    "decimal",
    "decodeBase64",
    "decodeDataUri",
    "decodeUriComponent",
    "encodeUriComponent",
    "float",
    "int",
    "json",
    "string",
    "uriComponent",
    "uriComponentToBinary",
    "uriComponentToString",
    "xml",
];

proptest! {
    #[test]
    fn base64_round_trips(s in text()) {
        let lit = literal(&s);
        prop_assert_eq!(eval(&format!("base64ToString(base64({lit}))")), Ok(Value::String(s.clone())));
        prop_assert_eq!(eval(&format!("string(base64ToBinary(base64({lit})))")), Ok(Value::String(s)));
    }

    #[test]
    fn uri_components_round_trip(s in text()) {
        let lit = literal(&s);
        let encoded = eval(&format!("uriComponent({lit})")).map_err(TestCaseError::fail)?;
        let encoded = encoded.as_str().unwrap_or_default();
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)),
            "{encoded}"
        );
        prop_assert_eq!(eval(&format!("uriComponentToString(uriComponent({lit}))")), Ok(Value::String(s.clone())));
        prop_assert_eq!(eval(&format!("string(uriComponentToBinary(uriComponent({lit})))")), Ok(Value::String(s)));
    }

    #[test]
    fn data_uris_round_trip(s in text()) {
        let lit = literal(&s);
        prop_assert_eq!(eval(&format!("dataUriToString(dataUri({lit}))")), Ok(Value::String(s.clone())));
        prop_assert_eq!(eval(&format!("string(dataUriToBinary(dataUri({lit})))")), Ok(Value::String(s.clone())));
        prop_assert_eq!(eval(&format!("string(binary({lit}))")), Ok(Value::String(s)));
    }

    #[test]
    fn json_of_string_of_a_json_object_or_array_is_itself(value in json_value()) {
        prop_assume!(value.is_object() || value.is_array());
        let lit = literal(&value.to_string());
        prop_assert_eq!(eval(&format!("json(string(json({lit})))")), Ok(value));
    }

    #[test]
    fn numbers_survive_string_and_back(i in any::<i64>(), f in any::<f64>()) {
        prop_assert_eq!(eval(&format!("int(string(int('{i}')))")), Ok(Value::from(i)));
        prop_assume!(f.is_finite());
        let expected = serde_json::Number::from_f64(f).map(Value::Number);
        prop_assert_eq!(eval(&format!("float(string(float('{f:e}')))")).ok(), expected);
    }

    #[test]
    fn json_survives_xml_and_back(value in xml_shaped()) {
        let lit = literal(&value.to_string());
        prop_assert_eq!(eval(&format!("json(xml(json({lit})))")), Ok(value));
    }

    #[test]
    fn no_conversion_panics_on_any_text(s in text(), index in 0..CONVERSIONS.len()) {
        let name = CONVERSIONS[index];
        let lit = literal(&s);
        let _ = eval(&format!("{name}({lit})"));
        let _ = eval(&format!("float({lit}, {lit})"));
    }

    #[test]
    fn no_conversion_panics_on_any_json(value in json_value(), index in 0..CONVERSIONS.len()) {
        let name = CONVERSIONS[index];
        let lit = literal(&value.to_string());
        let _ = eval(&format!("{name}(json({lit}))"));
    }

    #[test]
    fn xml_and_xpath_never_panic(
        markup in "[<>/=\"' ?!a-c&;:\\[\\]x-]{0,60}",
        path in "[/@*()\\[\\]a-c0-9=<>. |'\"-]{0,30}",
    ) {
        let (markup, path) = (literal(&markup), literal(&path));
        let _ = eval(&format!("xml({markup})"));
        let _ = eval(&format!("json(xml({markup}))"));
        let _ = eval(&format!("xpath({markup}, {path})"));
        let _ = eval(&format!("xpath(xml('<a b=\"1\"><c>2</c><c>x</c></a>'), {path})"));
    }
}
