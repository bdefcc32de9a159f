//! Command-line arguments and dispatch. Exit codes, the same for every command: 0 success, 1 a
//! failed check or refusal, 2 bad input (decided in `error.rs`, `CliError::exit_code`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use std::path::PathBuf;

use crate::drills::{CheckArgs, RunArgs};
use crate::engine_cmd::{Backend, Output, Planning, SecureParameters};
use crate::error::{CliError, exit_codes_help};
use crate::explore_cmd::ExploreArgs;
use crate::serve::ServeArgs;
use crate::workflow::WorkflowCommand;

/// Rehearse Azure Functions slot rollbacks offline, then run the same engine against Azure.
#[derive(Debug, Parser)]
#[command(
    name = "slotdrill",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 success, 1 a failure or refusal, 2 bad input, 74 an output file could not be written; each command's --help says what they mean for it."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rehearse drills (scenario files) on the embedded emulator and report what happened.
    #[command(after_help = exit_codes_help("run"))]
    Run(RunArgs),
    /// Validate drills without running them.
    #[command(after_help = exit_codes_help("check"))]
    Check(CheckArgs),
    /// Property-test an estate: random deploys, swaps, faults, rollbacks and restores.
    #[command(after_help = exit_codes_help("explore"))]
    Explore(ExploreArgs),
    /// Read Logic App workflows: list function calls, repoint one call at a slot (offline).
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Run the emulator (function hosts, ARM management API, admin API) for an estate file.
    #[command(after_help = exit_codes_help("serve"))]
    Serve(ServeArgs),
    /// Show apps, slots, releases, and callers pinned to non-production slots.
    #[command(after_help = exit_codes_help("status"))]
    Status {
        #[command(flatten)]
        backend: Backend,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: Output,
    },
    /// Read a resource group into an estate file (a digital twin to rehearse on).
    #[command(after_help = exit_codes_help("import"))]
    Import {
        #[command(flatten)]
        backend: Backend,
        /// The estate file to write; Logic App definitions go to `workflows/` beside it.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// Diagnose and print a rollback plan (changes nothing).
    #[command(after_help = exit_codes_help("plan"))]
    Plan {
        #[command(flatten)]
        backend: Backend,
        #[command(flatten)]
        secure: SecureParameters,
        #[command(flatten)]
        planning: Planning,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: Output,
    },
    /// Plan a rollback and, with --apply, carry it out step by step through a journal.
    #[command(after_help = exit_codes_help("rollback"))]
    Rollback {
        #[command(flatten)]
        backend: Backend,
        #[command(flatten)]
        secure: SecureParameters,
        #[command(flatten)]
        planning: Planning,
        /// Change things (default: a dry run).
        #[arg(long)]
        apply: bool,
        /// The journal (an existing one is resumed).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// After applying, also trigger each affected Logic App and check its run succeeds.
        #[arg(long)]
        verify_runs: bool,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: Output,
    },
    /// Return the callers a rollback repointed to their original definitions.
    #[command(after_help = exit_codes_help("restore"))]
    Restore {
        #[command(flatten)]
        backend: Backend,
        #[command(flatten)]
        secure: SecureParameters,
        /// The rollback's journal.
        #[arg(long)]
        journal: PathBuf,
        /// Change things (default: a dry run).
        #[arg(long)]
        apply: bool,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: Output,
    },
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> ExitCode {
        let result: Result<(), CliError> = match self.command {
            Command::Workflow(command) => command.run(),
            Command::Serve(args) => crate::serve::run(args),
            Command::Run(args) => crate::drills::run(args),
            Command::Check(args) => crate::drills::check(args),
            Command::Explore(args) => crate::explore_cmd::run(args),
            Command::Status { backend, format } => crate::engine_cmd::status(backend, format),
            Command::Import { backend, output } => crate::engine_cmd::import(backend, &output),
            Command::Plan {
                backend,
                secure,
                planning,
                format,
            } => crate::engine_cmd::plan_command(backend.with_secure(secure), planning, format),
            Command::Rollback {
                backend,
                secure,
                planning,
                apply,
                journal,
                verify_runs,
                format,
            } => crate::engine_cmd::rollback(
                backend.with_secure(secure),
                planning,
                crate::engine_cmd::RollbackArgs {
                    apply,
                    journal,
                    verify_runs,
                    output: format,
                },
            ),
            Command::Restore {
                backend,
                secure,
                journal,
                apply,
                format,
            } => crate::engine_cmd::restore_command(
                backend.with_secure(secure),
                journal,
                apply,
                format,
            ),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                if let Some(shown) = error.render() {
                    eprintln!("{shown}");
                }
                ExitCode::from(error.exit_code())
            }
        }
    }
}
