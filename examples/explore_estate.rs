//! Property-tests an estate from a Rust program: random deploys, swaps, faults, runs, rollbacks
//! and restores on the in-process emulator with the real engine, checking slotdrill's invariants
//! after every step. `cargo run --example explore_estate -- scenarios/02-partial-rollback.toml`

use std::path::PathBuf;

use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use slotdrill_scenario::Drill;
use slotdrill_scenario::explore::{Faults, Shape, operations, rehearse};

fn main() -> std::process::ExitCode {
    let estate = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/02-partial-rollback.toml"
        )
        .to_owned()
    }));
    let drill = match Drill::load(&estate, Some(1)) {
        Ok(drill) => drill,
        Err(error) => {
            // A bad path or drill is the user's input: a clear error, no backtrace.
            eprintln!("error: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let sequences = operations(&Shape::of(&drill), 10, &Faults::all());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&sequences, |ops| {
        rehearse(&estate, 1, &ops)
            .map(|_| ())
            .map_err(|finding| TestCaseError::fail(format!("{finding:#?}")))
    });
    match result {
        Ok(()) => {
            println!(
                "{}: 64 random sequences, every invariant held",
                estate.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(TestError::Fail(why, ops)) => {
            eprintln!("minimal failing sequence {ops:#?}: {why}");
            std::process::ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
