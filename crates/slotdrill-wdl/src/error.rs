//! Errors of the workflow crate. Messages name the file, and the line and column where there is one.

/// Why a workflow file could not be read, searched or rewritten.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[allow(missing_docs)] // the fields are named for what they hold
pub enum WdlError {
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: cannot read the file: {message}")]
    Io { file: String, message: String },
    #[error(
        "{file}: not a workflow: looked for a workflow definition (`triggers` or `actions`), a workflow resource (`properties.definition`), an ARM template with `Microsoft.Logic/workflows` resources, a Consumption code view (`definition`, `parameters`), or a Logic Apps Standard `workflow.json` (`definition`, `kind`)"
    )]
    NotAWorkflow { file: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: no action named `{action}`{}; the actions are: {}", in_workflow(workflow), known.join(", "))]
    UnknownAction {
        file: String,
        workflow: Option<String>,
        action: String,
        known: Vec<String>,
    },
    #[error("{file}: more than one workflow has an action named `{action}` ({}); say which with --workflow", workflows.join(", "))]
    AmbiguousAction {
        file: String,
        action: String,
        workflows: Vec<String>,
    },
    #[error("{file}: no workflow named `{workflow}`; the workflows are: {}", known.join(", "))]
    UnknownWorkflow {
        file: String,
        workflow: String,
        known: Vec<String>,
    },
    #[error("{file}: action `{action}` does not call a function")]
    NotAFunctionCall { file: String, action: String },
    #[error("{file}: action `{action}` cannot be rewritten: {reason}")]
    Unresolved {
        file: String,
        action: String,
        reason: String,
    },
    #[error(
        "{file}: action `{action}` changed since slotdrill rewrote it; refusing to overwrite someone else's edit"
    )]
    Drifted { file: String, action: String },
    #[error(
        "{file}: action `{action}` held a literal function key; restoring it needs that key (it is never stored)"
    )]
    MissingKey { file: String, action: String },
}

fn in_workflow(workflow: &Option<String>) -> String {
    workflow
        .as_ref()
        .map(|w| format!(" in workflow `{w}`"))
        .unwrap_or_default()
}
