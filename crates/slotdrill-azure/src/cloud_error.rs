//! ARM's answers as the kinds of `CloudError` the engine acts on, and errors cleaned of secrets
//! before they leave the crate.

use slotdrill_engine::CloudError;

use crate::client::ArmError;

/// ARM's answer as a kind the engine acts on; the message keeps the request, Azure's own
/// message and the hint.
pub(crate) fn cloud_error(error: ArmError) -> CloudError {
    let message = error.to_string();
    match &error {
        ArmError::Status { status: 404, .. } => CloudError::NotFound(message),
        ArmError::Status {
            status: 409,
            retry_after_ms,
            ..
        } => CloudError::Conflict {
            message,
            retry_after_ms: *retry_after_ms,
        },
        ArmError::Status {
            status: 429,
            retry_after_ms,
            ..
        } => CloudError::Throttled {
            message,
            retry_after_ms: *retry_after_ms,
        },
        ArmError::Status {
            status: 401 | 403, ..
        } => CloudError::Unauthorized(message),
        ArmError::Transport { sent: true, .. } => CloudError::NoAnswer(message),
        // A connection never made sent nothing, but the port has no kind that says "did nothing"
        // for it (Conflict, Throttled, … each claim a cause that is not this one). `Failed` keeps
        // the `ArmError` as its source, whose message says the request was not sent; the engine
        // then treats the effect as unknown, which is safe, only less precise.
        _ => CloudError::caused_by(message, error),
    }
}

/// The values of `settings` long enough to be secrets (connection strings, keys), to keep out
/// of errors about a request that carried them; `~4` or `true` are not.
pub(crate) fn setting_secrets(
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    settings
        .values()
        .filter_map(serde_json::Value::as_str)
        .filter(|v| v.len() >= 8)
        .map(str::to_owned)
        .collect()
}

/// `error` with every occurrence of each of `secrets` replaced, the source dropped (its text
/// could hold one): an answer may echo what was sent, and a function key or another setting's
/// value must not reach a message.
pub(crate) fn without_secrets<S: AsRef<str>>(error: CloudError, secrets: &[S]) -> CloudError {
    let secrets: Vec<&str> = secrets
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return error;
    }
    let clean = |text: String| {
        secrets
            .iter()
            .fold(text, |text, secret| text.replace(secret, "[redacted]"))
    };
    match error {
        CloudError::NotFound(m) => CloudError::NotFound(clean(m)),
        CloudError::Conflict {
            message,
            retry_after_ms,
        } => CloudError::Conflict {
            message: clean(message),
            retry_after_ms,
        },
        CloudError::Throttled {
            message,
            retry_after_ms,
        } => CloudError::Throttled {
            message: clean(message),
            retry_after_ms,
        },
        CloudError::Unauthorized(m) => CloudError::Unauthorized(clean(m)),
        CloudError::NoAnswer(m) => CloudError::NoAnswer(clean(m)),
        other @ CloudError::VersionChanged { .. } => other,
        CloudError::Failed { message, source } => {
            let cause = source.map(|s| format!(": {s}")).unwrap_or_default();
            CloudError::failed(clean(format!("{message}{cause}")))
        }
    }
}
