//! `slotdrill`: rehearse Azure Functions slot rollbacks offline, then run the same engine against
//! Azure. This binary is a thin front end: argument parsing and error display live here, all
//! behaviour lives in the `slotdrill-*` crates (see ARCHITECTURE.md).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod drills;
mod engine_cmd;
mod error;
mod explore_cmd;
mod serve;
mod workflow;
mod workflow_run;

/// mimalloc rather than the system allocator: observe allocates a node per JSON value of every
/// workflow, and the data plane a few buffers per call (figures, why without huge pages, and the
/// purge delay `configure` sets, in `slotdrill-alloc`).
#[global_allocator]
static ALLOCATOR: slotdrill_alloc::MiMalloc = slotdrill_alloc::MiMalloc;

fn main() -> ExitCode {
    slotdrill_alloc::configure();
    let cli = cli::Cli::parse();
    cli.run()
}
