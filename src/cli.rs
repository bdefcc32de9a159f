//! Command-line arguments and dispatch. Exit codes: 0 success, 1 a failed check or refusal,
//! 2 bad input (DESIGN.md).

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// Rehearse Azure Functions slot rollbacks offline, then run the same engine against Azure.
#[derive(Debug, Parser)]
#[command(name = "slotdrill", version, about, long_about = None)]
pub struct Cli {}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> ExitCode {
        // No subcommand yet: show what there is.
        let _ = Cli::command().print_help();
        ExitCode::SUCCESS
    }
}
