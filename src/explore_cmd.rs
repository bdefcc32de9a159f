//! `slotdrill explore`: property-test an estate. Exit codes: 0 no failure, 1 a failure (written
//! as a drill), 2 bad input.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use slotdrill_scenario::explore::{Faults, explore};

use crate::engine_cmd::Output;
use crate::error::CliError;

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// A scenario file; its estate is explored (its steps are ignored).
    file: PathBuf,
    /// How many random sequences to rehearse (at least 1).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// The longest sequence, in operations (1 to 1000).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=1000))]
    steps: u16,
    /// The seed: the same seed gives the same cases and the same written drill.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Faults to inject: warmup, restart, throttle, crash (comma-separated), or none.
    #[arg(long, default_value = "warmup,restart,throttle,crash")]
    faults: String,
    /// Where a failure's drill is written.
    #[arg(long, default_value = "explore-findings")]
    out: PathBuf,
    /// Threads that rehearse cases (default: one per core); the same seed gives the same cases
    /// and findings with any number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: Option<u16>,
    /// Output format: text for people, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: Output,
}

pub fn run(args: ExploreArgs) -> Result<(), CliError> {
    let faults = Faults::parse(&args.faults)?;
    let terminal = std::io::stderr().is_terminal();
    let cases = args.cases;
    let mut progress = |done: u32| {
        if terminal && (done.is_multiple_of(10) || done == cases) {
            eprint!("\rexplored {done}/{cases} cases");
            let _ = std::io::stderr().flush();
        }
    };
    let summary = explore(
        &args.file,
        args.cases,
        usize::from(args.steps),
        args.seed,
        &faults,
        &args.out,
        &mut progress,
        slotdrill_engine::plan,
        args.workers.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        ),
    )?;
    if terminal {
        eprintln!();
    }
    match args.format {
        Output::Json => println!(
            "{}",
            serde_json::json!({
                "file": summary.file,
                "seed": summary.seed,
                "cases": summary.cases,
                "steps": summary.steps,
                "operations": summary.operations,
                "cases_per_second": summary.cases_per_second(),
                "failure": summary.failure.as_ref().map(|(f, file)| serde_json::json!({ "reason": f.reason, "drill": file })),
            })
        ),
        Output::Text => {
            println!(
                "explored {} (seed {}): {} cases, {} steps, {:.0} cases/s; operations covered: {}",
                summary.file,
                summary.seed,
                summary.cases,
                summary.steps,
                summary.cases_per_second(),
                summary
                    .operations
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match &summary.failure {
                None => println!("no failure"),
                Some((finding, file)) => println!(
                    "FAILURE: {}\nminimal drill ({} steps) written to {file}; reproduce with `slotdrill run {file}`",
                    finding.reason,
                    finding.steps.len()
                ),
            }
        }
    }
    if summary.failure.is_some() {
        Err(CliError::ExploreFailure)
    } else {
        Ok(())
    }
}
