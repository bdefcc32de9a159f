//! The codes and messages Azure's run history shows on failed actions (`RunAction.code` and
//! `error`), in one place:
//!
//! - an expression that cannot be evaluated: `InvalidTemplate`, "Unable to process template
//!   language expressions in action 'X' inputs at line '0' and column '0': '…'." (the form of
//!   real run histories, e.g. OfficeDev/microsoft-teams-apps-requestateam#42,
//!   Azure/LogicAppsUX#6595);
//! - a data operation whose expression fails: `InvalidTemplate`, "The execution of template
//!   action 'X' failed: The evaluation of 'query' action 'where' expression '…' failed: '…'"
//!   (Azure/Azure-Sentinel#7130);
//! - a container failing because of an inner action: `ActionFailed`, "An action failed. No
//!   dependent actions succeeded.";
//! - a skipped action: `ActionSkipped`; an action past its timeout: `ActionTimedOut`;
//! - an HTTP failure: the status's name (`Unauthorized`) and "401 from host/path" (`call.rs`).

use slotdrill_wdl::eval::EvalError;

use super::{Outcome, Status};

/// The code of a container that failed because an action inside it did.
pub(crate) const ACTION_FAILED: &str = "ActionFailed";
/// The code of an expression Azure could not evaluate.
pub(crate) const INVALID_TEMPLATE: &str = "InvalidTemplate";

/// A failed action's code and message, as run history shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl ActionError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        ActionError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// A container whose inner actions failed.
pub(crate) fn action_failed() -> ActionError {
    ActionError::new(
        ACTION_FAILED,
        "An action failed. No dependent actions succeeded.",
    )
}

/// An action whose `runAfter` conditions were not met.
pub(crate) fn skipped() -> Outcome {
    Outcome {
        status: Status::Skipped,
        code: Some("ActionSkipped".to_owned()),
        error: Some("The execution of template action was skipped: the 'runAfter' condition was not satisfied.".to_owned()),
        ..Outcome::succeeded(serde_json::Value::Null)
    }
}

/// What the evaluator reported, in the words of Azure's inner message.
pub(crate) fn inner_message(error: &EvalError) -> String {
    match error {
        EvalError::UnknownFunction(function) => {
            format!("The template language function '{function}' is not defined or not valid.")
        }
        EvalError::BadArguments { function, message } => format!(
            "The template language function '{function}' was invoked with a parameter that is not valid: {message}."
        ),
        other => other.to_string(),
    }
}

/// `InvalidTemplate` for an expression in `part` (`inputs`, `expression`, `foreach`) of `action`.
pub(crate) fn invalid_template(action: &str, part: &str, inner: &str) -> ActionError {
    ActionError::new(
        INVALID_TEMPLATE,
        format!(
            "Unable to process template language expressions in action '{action}' {part} at line '0' and column '0': '{inner}'."
        ),
    )
}

/// `InvalidTemplate` for an action whose definition Azure cannot execute (a wrong shape).
pub(crate) fn invalid_action(action: &str, why: &str) -> ActionError {
    ActionError::new(
        INVALID_TEMPLATE,
        format!("The execution of template action '{action}' failed: {why}"),
    )
}
