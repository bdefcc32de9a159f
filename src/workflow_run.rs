//! `slotdrill workflow eval` and `slotdrill workflow run`: one expression's value, and one run of
//! one workflow on the emulator with its run history — the offline counterpart of trying an
//! expression in the designer and of the Logic Apps Standard automated test SDK.
//!
//! `eval` reads no run: `utcNow()` is the emulator's virtual epoch (2026-01-01T00:00:00Z), the
//! instant every drill starts at, and `rand()`/`guid()` draw from a generator seeded with
//! `--seed` (0 unless given), so the same command always prints the same value.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use slotdrill_emulator::{Emulator, EmulatorConfig, Run, Status};
use slotdrill_model::Estate;
use slotdrill_scenario::history::{
    actions_in_tree_order, redact, redact_text, render_text, status_name,
};
use slotdrill_wdl::Document;
use slotdrill_wdl::eval::{EvalError, Scope, eval, eval_wdl_string, first_unknown, has_unknown};
use slotdrill_wdl::expr::{Expr, parse};

use crate::error::CliError;
use crate::workflow::Format;

/// The emulator's virtual time 0, 2026-01-01T00:00:00Z, in milliseconds since the Unix epoch
/// (`slotdrill_emulator::clock::rfc3339` counts from it; a test holds the two together).
pub const VIRTUAL_EPOCH_MS: i64 = 1_767_225_600_000;

/// The seed of `rand()` and `guid()` when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 0;

/// Functions of the reference's workflow chapter and others that read a run or an app: `eval`
/// has neither, so it says so instead of calling them unknown.
const RUN_FUNCTIONS: [&str; 24] = [
    "action",
    "actions",
    "actionbody",
    "actionoutputs",
    "body",
    "formdatamultivalues",
    "formdatavalue",
    "item",
    "items",
    "iterationindexes",
    "listcallbackurl",
    "multipartbody",
    "outputs",
    "parameters",
    "result",
    "trigger",
    "triggerbody",
    "triggerformdatamultivalues",
    "triggerformdatavalue",
    "triggermultipartbody",
    "triggeroutputs",
    "variables",
    "workflow",
    "appsetting",
];

/// What `eval` gives the evaluator: the virtual clock and a seeded generator, nothing of a run.
pub struct EvalScope {
    state: u64,
}

impl EvalScope {
    /// A scope whose random numbers follow from `seed`.
    pub fn new(seed: u64) -> Self {
        EvalScope { state: seed }
    }
}

impl Scope for EvalScope {
    fn call(&mut self, name: &str, _: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        let lower = name.to_ascii_lowercase();
        RUN_FUNCTIONS.contains(&lower.as_str()).then(|| {
            Err(EvalError::Other(format!(
                "The template language function '{name}' reads a workflow run or its app; `slotdrill workflow eval` has neither (use `slotdrill workflow run`)."
            )))
        })
    }

    fn now_millis(&mut self) -> Option<i64> {
        Some(VIRTUAL_EPOCH_MS)
    }

    fn next_random(&mut self) -> Option<u64> {
        // SplitMix64: small, well distributed, and the same sequence on every platform.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Some(z ^ (z >> 31))
    }
}

/// The value of `source`: `@expr`, `expr`, `@{…}` interpolation, or text with `@{…}` in it.
pub fn evaluate(source: &str, seed: u64) -> Result<Value, CliError> {
    let mut scope = EvalScope::new(seed);
    let invalid = |message: String| CliError::InvalidTemplate {
        expression: source.to_owned(),
        message,
    };
    let trimmed = source.trim();
    if trimmed.is_empty() {
        return Err(invalid("The expression is empty.".to_owned()));
    }
    let result = if trimmed.starts_with('@') {
        eval_wdl_string(trimmed, &mut scope)
    } else {
        match parse(trimmed) {
            Ok(expr) => eval(&expr, &mut scope),
            // Text with `@{…}` in it is an interpolated string, as in a workflow.
            Err(_) if trimmed.contains("@{") => eval_wdl_string(trimmed, &mut scope),
            Err(e) => Err(EvalError::from(e)),
        }
    };
    let value = result.map_err(|e| invalid(azure_message(&e)))?;
    if let Some(part) = unknown_part(&value) {
        return Err(invalid(format!(
            "'{part}' cannot be known without a run; `slotdrill workflow run` runs the workflow."
        )));
    }
    Ok(value)
}

/// Azure's wording where the evaluator's own would name a Rust notion: an unknown function is
/// "not defined or not valid", as Logic Apps says it.
fn azure_message(error: &EvalError) -> String {
    match error {
        EvalError::UnknownFunction(name) => {
            // The runner's words for the same error (emulator `runner/errors.rs`).
            format!("The template language function '{name}' is not defined or not valid.")
        }
        other => other.to_string(),
    }
}

/// The expression text of the first part of `value` that stayed unknown, at any depth.
fn unknown_part(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if has_unknown(s) => Some(first_unknown(s).unwrap_or(s).to_owned()),
        Value::Array(items) => items.iter().find_map(unknown_part),
        Value::Object(map) => map.values().find_map(unknown_part),
        _ => None,
    }
}

/// `slotdrill workflow eval`.
pub fn eval_command(expression: &str, format: Format, seed: Option<u64>) -> Result<(), CliError> {
    let value = evaluate(expression, seed.unwrap_or(DEFAULT_SEED))?;
    match (format, &value) {
        (Format::Text, Value::String(s)) => println!("{s}"),
        (Format::Text, other) => println!("{other}"),
        (Format::Json, other) => println!("{}", serde_json::to_string_pretty(other)?),
    }
    Ok(())
}

/// What `slotdrill workflow run` was asked.
pub struct RunRequest<'a> {
    /// The workflow file.
    pub file: &'a Path,
    /// A drill or estate file; `None` for an empty estate.
    pub estate: Option<&'a Path>,
    /// The trigger's body as JSON text; `None` for `{}`.
    pub trigger_body: Option<&'a str>,
    /// The workflow to run when the file holds several.
    pub workflow: Option<&'a str>,
}

/// Runs the workflow once on the emulator; the run, whatever its status.
pub fn run_once(request: &RunRequest<'_>) -> Result<Run, CliError> {
    let body = match request.trigger_body {
        None => json!({}),
        Some(text) => serde_json::from_str(text).map_err(|e| CliError::TriggerBody {
            message: e.to_string(),
        })?,
    };
    let (emulator, deployed) = match request.estate {
        Some(estate) => {
            let loaded = slotdrill_scenario::load_estate(estate, EmulatorConfig::default())?;
            let deployed =
                estate_logic_app(estate, &loaded.scenario, request.file, request.workflow);
            (loaded.emulator, deployed)
        }
        None => (Emulator::new(Estate::new(DEFAULT_SEED)), None),
    };
    // The estate's own Logic App for FILE runs as the estate deployed it (template parameters,
    // workflow parameters); any other FILE is saved under its own name, replacing a Logic App
    // of the estate with that name, so an edited workflow runs against its drill's estate.
    let name = match deployed {
        Some(logic_app) => logic_app,
        None => save_file(&emulator, request)?,
    };
    emulator
        .run(&name, body)
        .map_err(|source| CliError::CannotRun {
            workflow: name,
            source: Box::new(source),
        })
}

/// Saves FILE's workflow (the one `--workflow` names when it holds several) under its own name.
fn save_file(emulator: &Emulator, request: &RunRequest<'_>) -> Result<String, CliError> {
    let document = Document::load(request.file)?;
    let name = match request.workflow {
        Some(name) => document.workflow(Some(name))?.name.clone(),
        None if document.workflows.len() > 1 => {
            return Err(CliError::SeveralWorkflows {
                file: PathBuf::from(request.file),
                workflows: document.workflows.iter().map(|w| w.name.clone()).collect(),
            });
        }
        None => document.workflow(None)?.name.clone(),
    };
    emulator
        .save_logic_app(&name, document, Some(&name))
        .map_err(|source| CliError::CannotRun {
            workflow: name.clone(),
            source: Box::new(source),
        })?;
    Ok(name)
}

/// The estate's Logic App whose definition is `file` (and, when `--workflow` is given, whose
/// workflow or name it is), if there is one.
fn estate_logic_app(
    estate: &Path,
    scenario: &slotdrill_scenario::ScenarioFile,
    file: &Path,
    workflow: Option<&str>,
) -> Option<String> {
    let dir = estate.parent().unwrap_or(Path::new("."));
    let wanted = std::fs::canonicalize(file).ok()?;
    scenario
        .logic_app
        .iter()
        .find(|l| {
            std::fs::canonicalize(dir.join(&l.definition)).ok().as_ref() == Some(&wanted)
                && workflow.is_none_or(|w| {
                    l.name.eq_ignore_ascii_case(w)
                        || l.workflow
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(w))
                })
        })
        .map(|l| l.name.clone())
}

/// The run as `--format json` prints it: the run's fields and every action in tree order,
/// secrets redacted.
pub fn run_json(run: &Run) -> Value {
    json!({
        "name": run.name,
        "workflow": run.workflow,
        "status": status_name(run.status),
        "startTime": slotdrill_emulator::clock::rfc3339(run.start),
        "endTime": slotdrill_emulator::clock::rfc3339(run.end),
        "error": run.error.as_deref().map(redact_text),
        "response": run.response.as_ref().map(redact),
        "actions": actions_in_tree_order(run),
    })
}

/// `slotdrill workflow run`.
pub fn run_command(request: &RunRequest<'_>, format: Format) -> Result<(), CliError> {
    let run = run_once(request)?;
    match format {
        Format::Text => print!("{}", render_text(&run)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&run_json(&run))?),
    }
    if run.status == Status::Succeeded {
        Ok(())
    } else {
        Err(CliError::RunFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_the_emulators_virtual_epoch() {
        let mut scope = EvalScope::new(DEFAULT_SEED);
        let now = scope.now_millis().expect("a clock");
        assert_eq!(now, VIRTUAL_EPOCH_MS);
        assert_eq!(
            slotdrill_emulator::clock::rfc3339(slotdrill_model::Timestamp(0)),
            "2026-01-01T00:00:00.000Z"
        );
        // 2026-01-01 is 20,454 days after 1970-01-01.
        assert_eq!(VIRTUAL_EPOCH_MS, 20_454 * 86_400_000);
    }

    #[test]
    fn random_numbers_follow_the_seed() {
        let draws = |seed| {
            let mut scope = EvalScope::new(seed);
            (0..3)
                .map(|_| scope.next_random().expect("a draw"))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(1), draws(1));
        assert_ne!(draws(1), draws(2));
        let first = draws(1);
        assert!(first[0] != first[1] && first[1] != first[2]);
    }

    #[test]
    fn a_run_function_says_eval_has_no_run() {
        let error = evaluate("triggerBody()?['id']", 0).expect_err("no run");
        assert!(
            error
                .to_string()
                .contains("'triggerBody' reads a workflow run"),
            "{error}"
        );
    }
}
