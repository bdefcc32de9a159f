//! Resource names as ARM reads them from a path: percent-decoded (RFC 3986: `%XX` is a byte,
//! `+` is itself), then held to the provider's naming rule before anything is created.

use super::ArmResponse;

/// The longest workflow name: "workflows | resource group | 1-80 | Can contain letters,
/// numbers, and these characters: -()._" (Learn, "Naming rules and restrictions for Azure
/// resources", Microsoft.Logic).
pub(crate) const MAX_WORKFLOW_NAME: usize = 80;

/// A path segment decoded: `%XX` becomes its byte (the emulator's one percent-decoder).
pub(crate) use crate::incoming::percent_decode;

/// Refuses a workflow name Logic Apps would refuse, with its message ("The provided workflow
/// name '…' has these invalid characters '…'. The name can only be a letter, digit, '-', '.',
/// '(', ')' or '_'.", with code `InvalidWorkflow`: Azure/logicapps#958) in ARM's error shape.
/// Letters and digits are Unicode's, as .NET's `char.IsLetterOrDigit` reads them. The message
/// for a name too long is our choice (docs/fidelity.md).
pub(crate) fn check_workflow_name(name: &str) -> Result<(), ArmResponse> {
    let invalid: String = name
        .chars()
        .filter(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')))
        .collect();
    if !invalid.is_empty() {
        return Err(ArmResponse::error(
            400,
            "InvalidWorkflow",
            format!(
                "The provided workflow name '{name}' has these invalid characters '{invalid}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'."
            ),
        ));
    }
    let length = name.chars().count();
    if length == 0 || length > MAX_WORKFLOW_NAME {
        return Err(ArmResponse::error(
            400,
            "InvalidWorkflow",
            format!(
                "The provided workflow name '{name}' is {length} characters long: it must be 1 to {MAX_WORKFLOW_NAME}."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_plus_and_stray_percents() {
        assert_eq!(percent_decode("flow%28v2%29"), "flow(v2)");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz%C3%A9"), "%zzé");
    }

    #[test]
    fn the_naming_rule() {
        assert!(check_workflow_name("order-flow_v2.(blue)").is_ok());
        assert!(check_workflow_name("café").is_ok());
        for bad in ["", "a b", "a/b", "a?", "a%b"] {
            assert!(check_workflow_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_workflow_name(&"x".repeat(80)).is_ok());
        assert!(check_workflow_name(&"x".repeat(81)).is_err());
    }
}
