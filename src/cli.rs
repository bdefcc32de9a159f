//! Command-line arguments and dispatch. Exit codes: 0 success, 1 a failed check or refusal,
//! 2 bad input (DESIGN.md).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::serve::ServeArgs;
use crate::workflow::WorkflowCommand;

/// Rehearse Azure Functions slot rollbacks offline, then run the same engine against Azure.
#[derive(Debug, Parser)]
#[command(name = "slotdrill", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read Logic App workflows: list function calls, repoint one call at a slot (offline).
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Run the emulator (function hosts, ARM management API, admin API) for an estate file.
    Serve(ServeArgs),
}

/// A failure of a command, with the exit code it maps to.
pub enum Failure {
    /// Bad input: exit code 2.
    BadInput(String),
    /// Something failed while running: exit code 1.
    Failed(String),
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> ExitCode {
        let result = match self.command {
            Command::Workflow(command) => command.run(),
            Command::Serve(args) => crate::serve::run(args),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::BadInput(message)) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
            Err(Failure::Failed(message)) => {
                eprintln!("error: {message}");
                ExitCode::from(1)
            }
        }
    }
}
