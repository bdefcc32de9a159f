//! `slotdrill workflow calls|repoint|eval|run`: the workflow crate and the emulator's runner from
//! the shell (`eval` and `run` live in `workflow_run.rs`).

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use slotdrill_wdl::{
    Document, FunctionCall, Hints, KeyCarrier, RepointRequest, find_calls, repoint,
};

use crate::error::{CliError, exit_codes_help};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// List every function call in a workflow, workflow resource, ARM template or workflow.json.
    #[command(after_help = exit_codes_help("workflow calls"))]
    Calls {
        /// The workflow file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        #[command(flatten)]
        hints: HintArgs,
    },
    /// Print the workflow with one action repointed at a slot's host (offline; nothing is written).
    #[command(after_help = exit_codes_help("workflow repoint"))]
    Repoint {
        /// The workflow file.
        file: PathBuf,
        /// The action to repoint.
        #[arg(long)]
        action: String,
        /// The slot it should call.
        #[arg(long)]
        slot: String,
        /// That slot's default host name (read it from ARM: `properties.defaultHostName`).
        #[arg(long)]
        host: String,
        /// The workflow, when a template holds several with that action.
        #[arg(long)]
        workflow: Option<String>,
        #[command(flatten)]
        hints: HintArgs,
    },
    /// Print the value of one expression (`@…`, without `@`, or text with `@{…}` in it).
    #[command(after_help = exit_codes_help("workflow eval"))]
    Eval {
        /// The expression, e.g. "@concat('a', 'b')" or "toLower('ABC')".
        expression: String,
        /// Output format: text prints strings bare and other values as JSON.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// The seed of rand() and guid() (default 0). utcNow() is always the emulator's
        /// virtual epoch, 2026-01-01T00:00:00Z.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run one workflow on the emulator and print its run history (every action's status,
    /// code, inputs, outputs and error; secrets redacted).
    #[command(after_help = exit_codes_help("workflow run"))]
    Run {
        /// The workflow file (definition, workflow resource, ARM template or workflow.json).
        file: PathBuf,
        /// A drill or estate file whose apps, functions and Logic Apps the run sees (default: an
        /// empty estate).
        #[arg(long)]
        estate: Option<PathBuf>,
        /// The trigger's body, as JSON (default `{}`).
        #[arg(long, value_name = "JSON")]
        trigger_body: Option<String>,
        /// The workflow, when the file holds several.
        #[arg(long)]
        workflow: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// What the user knows that the file does not say.
#[derive(Debug, clap::Args)]
pub struct HintArgs {
    /// A function app that exists (helps split host names like `orders-deploy.azurewebsites.net`).
    #[arg(long = "app", value_name = "APP")]
    apps: Vec<String>,
    /// An app setting value for `appsetting('NAME')`, as NAME=VALUE.
    #[arg(long = "setting", value_name = "NAME=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
}

/// A `--setting` without `=`.
#[derive(Debug, thiserror::Error)]
#[error("expected NAME=VALUE, got `{0}`")]
struct NotASetting(String);

fn parse_setting(s: &str) -> Result<(String, String), NotASetting> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| NotASetting(s.to_owned()))
}

impl HintArgs {
    fn hints(&self) -> Hints {
        Hints {
            apps: self.apps.clone(),
            app_settings: self.settings.iter().cloned().collect(),
            ..Hints::default()
        }
    }
}

impl WorkflowCommand {
    pub fn run(self) -> Result<(), CliError> {
        match self {
            WorkflowCommand::Calls {
                file,
                format,
                hints,
            } => {
                let doc = Document::load(&file)?;
                let calls = find_calls(&doc, &hints.hints());
                match format {
                    Format::Json => {
                        let json = serde_json::to_string_pretty(&calls)?;
                        println!("{json}");
                    }
                    Format::Text => print_calls(&calls),
                }
                Ok(())
            }
            WorkflowCommand::Repoint {
                file,
                action,
                slot,
                host,
                workflow,
                hints,
            } => {
                let doc = Document::load(&file)?;
                let request = RepointRequest {
                    workflow: workflow.as_deref(),
                    action: &action,
                    slot: &slot,
                    host: &host,
                    key: None,
                };
                let (new_doc, record) = repoint(&doc, &request, &hints.hints())?;
                let json = serde_json::to_string_pretty(&new_doc.root)?;
                println!("{json}");
                match record.key {
                    KeyCarrier::Parameter(p) => eprintln!(
                        "note: `{action}` now reads slot `{slot}`'s key from securestring parameter `{}`; supply its value (the slot's key from listsecrets) when you deploy",
                        p.name
                    ),
                    KeyCarrier::AppSetting { name } => eprintln!(
                        "note: `{action}` now reads slot `{slot}`'s key from app setting `{name}`; set it on the Logic App (the slot's key from listsecrets)"
                    ),
                }
                Ok(())
            }
            WorkflowCommand::Eval {
                expression,
                format,
                seed,
            } => crate::workflow_run::eval_command(&expression, format, seed),
            WorkflowCommand::Run {
                file,
                estate,
                trigger_body,
                workflow,
                format,
            } => crate::workflow_run::run_command(
                &crate::workflow_run::RunRequest {
                    file: &file,
                    estate: estate.as_deref(),
                    trigger_body: trigger_body.as_deref(),
                    workflow: workflow.as_deref(),
                },
                format,
            ),
        }
    }
}

fn print_calls(calls: &[FunctionCall]) {
    let mut out = std::io::stdout().lock();
    if calls.is_empty() {
        let _ = writeln!(out, "no function calls");
        return;
    }
    let rows: Vec<[String; 5]> = calls
        .iter()
        .map(|c| {
            let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "?".to_owned());
            let target = format!("{}/{}/{}", part(&c.app), part(&c.slot), part(&c.function));
            let target = match &c.reason {
                Some(reason) if !c.resolved => format!("{target}  (unresolved: {reason})"),
                _ => target,
            };
            let container = if c.container.is_empty() {
                "-".to_owned()
            } else {
                c.container.clone()
            };
            let kind = format!("{:?}", c.kind).to_ascii_lowercase();
            [
                c.workflow.clone(),
                c.action.clone(),
                container,
                kind,
                target,
            ]
        })
        .collect();
    let header = ["WORKFLOW", "ACTION", "CONTAINER", "KIND", "CALLS"].map(str::to_owned);
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = (0..4)
            // Padding by repetition: a format width over 65,535 panics.
            .map(|i| {
                let pad = widths[i].saturating_sub(row[i].chars().count());
                format!("{}{}", row[i], " ".repeat(pad))
            })
            .collect();
        let _ = writeln!(out, "{}  {}", line.join("  "), row[4]);
    }
}
