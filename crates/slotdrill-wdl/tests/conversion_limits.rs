//! Hostile XML and XPath: a document or an expression nested far deeper than any real one is
//! refused with an error, never by exhausting the stack (before the limits, sxd-xpath's
//! `string(/)` of a 50,000-deep document and its parser on 100,000 nested parentheses aborted
//! the process, and sxd-document took seconds to build the deep tree).

use slotdrill_wdl::eval::{NoScope, eval_wdl_string};

#[test]
fn deeply_nested_xml_is_refused_not_a_crash() {
    let depth = 50_000;
    let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    for expression in [
        "xml('X')",
        "json(xml('X'))",
        "xpath('X', '//a[1]')",
        "xpath('X', 'string(/)')",
        "xpath('X', 'count(//a)')",
    ] {
        let source = format!("@{}", expression.replace('X', &xml));
        let message = match eval_wdl_string(&source, &mut NoScope) {
            Ok(value) => panic!("{expression}: expected an error, got {value}"),
            Err(e) => e.to_string(),
        };
        assert!(
            message.contains("nested too deeply"),
            "{expression}: {message}"
        );
    }
}

#[test]
fn nesting_within_the_limit_still_works() {
    let depth = 200;
    let xml = format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let source = format!("@xpath('{xml}', 'count(//a)')");
    assert_eq!(
        eval_wdl_string(&source, &mut NoScope).map_err(|e| e.to_string()),
        Ok(serde_json::json!(depth))
    );
}

#[test]
fn deeply_nested_xpath_is_refused_not_a_crash() {
    let depth = 100_000;
    let path = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let source = format!("@xpath('<a/>', '{path}')");
    let message = match eval_wdl_string(&source, &mut NoScope) {
        Ok(value) => panic!("expected an error, got {value}"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("nested too deeply"), "{message}");
    let path = format!("{}1{}", "(".repeat(32), ")".repeat(32));
    let source = format!("@xpath('<a/>', '{path}')");
    assert_eq!(
        eval_wdl_string(&source, &mut NoScope).map_err(|e| e.to_string()),
        Ok(serde_json::json!(1))
    );
}
