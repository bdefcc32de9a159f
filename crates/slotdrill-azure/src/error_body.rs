//! ARM error bodies in both shapes Azure answers with: the resource manager's wrapped, camelCase
//! `{"error":{"code","message"}}` (the spec's `DefaultErrorResponse`), and App Service's own
//! unwrapped, PascalCase `{"Code","Message","Details":[…,{"ErrorEntity":{"ExtendedCode",…}}]}`,
//! which is what App Service actually sends for a 409 (azure-swap-facts §1a, §1b). Keys are
//! matched without regard to case, since the two shapes differ only in that and the wrapping.

use serde_json::Value;

/// What an error body says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    /// `code` / `Code` (`Conflict`, `ResourceNotFound`, …).
    pub(crate) code: String,
    /// `message` / `Message`.
    pub(crate) message: String,
    /// App Service's `ErrorEntity.ExtendedCode`, a string of digits (`"59203"`), when present.
    pub(crate) extended_code: Option<String>,
}

/// `object[key]`, the key matched without regard to case.
fn field<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find_map(|(k, v)| k.eq_ignore_ascii_case(key).then_some(v))
}

fn text(object: &Value, key: &str) -> Option<String> {
    field(object, key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ErrorBody {
    /// Reads `body` in either shape; empty fields when it is neither (an HTML page, no body).
    pub(crate) fn read(body: &Value) -> ErrorBody {
        // ARM's shape wraps the error; App Service's is the error itself.
        let error = field(body, "error")
            .filter(|e| e.is_object())
            .unwrap_or(body);
        let entity = field(error, "details")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|detail| field(detail, "errorEntity"))
            .or_else(|| field(error, "errorEntity"));
        let extended_code = entity
            .and_then(|e| field(e, "extendedCode"))
            .and_then(|c| match c {
                // A string in every body seen; kept as given, leading zeros too ("01020").
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        ErrorBody {
            code: text(error, "code")
                .or_else(|| entity.and_then(|e| text(e, "code")))
                .unwrap_or_default(),
            message: text(error, "message")
                .or_else(|| entity.and_then(|e| text(e, "message")))
                .unwrap_or_default(),
            extended_code,
        }
    }
}

/// True for App Service's 409 "Cannot modify this site (or web hosting plan) because another
/// operation is in progress": the resource is busy, nothing was changed, and the same request
/// may succeed once the other operation ends — so it is worth retrying. Recognised by its text,
/// as Azure's own Terraform module does (azure-swap-facts §1c), or by its extended codes (59203
/// site, 59205 plan).
///
/// Other 409s are states that waiting does not end — "The slot cannot be changed because its
/// configuration settings have been prepared for swap." lasts until someone completes or cancels
/// the swap with preview (§1d) — so they are never retried.
pub(crate) fn another_operation_in_progress(error: &ErrorBody) -> bool {
    error
        .message
        .to_ascii_lowercase()
        .contains("another operation is in progress")
        || matches!(error.extended_code.as_deref(), Some("59203" | "59205"))
}

/// True for the 409 of a pending swap with preview (§1d).
pub(crate) fn prepared_for_swap(error: &ErrorBody) -> bool {
    error
        .message
        .to_ascii_lowercase()
        .contains("prepared for swap")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_match_whatever_their_case_and_odd_bodies_read_as_empty() {
        let body = ErrorBody::read(&json!({ "ERROR": { "CODE": "Gone", "mEsSaGe": "m" } }));
        assert_eq!((body.code.as_str(), body.message.as_str()), ("Gone", "m"));
        assert_eq!(ErrorBody::read(&Value::Null), ErrorBody::default());
        assert_eq!(
            ErrorBody::read(&json!({ "error": "a string" })),
            ErrorBody::default()
        );
        let numeric = ErrorBody::read(&json!({ "Details": [{ "ErrorEntity": {
            "ExtendedCode": 59205, "Code": "Conflict", "Message": "busy" } }] }));
        assert_eq!(numeric.extended_code.as_deref(), Some("59205"));
        assert_eq!(
            numeric.code, "Conflict",
            "from the entity when the top says nothing"
        );
    }

    #[test]
    fn only_another_operation_in_progress_is_busy() {
        let busy = |message: &str, extended: Option<&str>| {
            another_operation_in_progress(&ErrorBody {
                code: "Conflict".to_owned(),
                message: message.to_owned(),
                extended_code: extended.map(str::to_owned),
            })
        };
        assert!(busy(
            "Cannot modify this site because another operation is in progress. Details: …",
            None
        ));
        assert!(busy("", Some("59205")));
        assert!(!busy(
            "The slot cannot be changed because its configuration settings have been prepared for swap.",
            None
        ));
        assert!(!busy("Conflict", Some("01020")));
    }
}
