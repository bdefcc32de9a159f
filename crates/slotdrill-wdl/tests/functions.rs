//! Every function of the Workflow Definition Language reference, checked against the examples
//! of the reference itself: each file in `tests/data/functions/` is one chapter, each case an
//! expression and what Microsoft's doc says it evaluates to (or the error it gives).
//!
//! A case may set `now` (RFC 3339, UTC) for the functions that read the clock; random numbers
//! come from a fixed sequence, so `guid()` and `rand()` are repeatable.
//!
//! The reference builds its inputs with `createArray(…)` and `json('…')`, conversion functions.
//! Until the crate evaluates those itself, the test scope stands in for them (and steps aside as
//! soon as they are builtins), so every example can be written exactly as the reference has it.

use std::path::{Path, PathBuf};

use serde_json::Value;
use slotdrill_wdl::eval::{EvalError, Scope, eval_wdl_string};
use slotdrill_wdl::expr::Expr;

/// A scope with a fixed clock, a fixed random sequence and a case's `parameters`.
struct Reference {
    now: Option<i64>,
    counter: u64,
    parameters: Value,
}

impl Scope for Reference {
    fn call(&mut self, name: &str, args: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        if slotdrill_wdl::functions::is_function(name) {
            return None;
        }
        match name.to_ascii_lowercase().as_str() {
            "createarray" => Some(Ok(Value::Array(args.to_vec()))),
            "parameters" => Some(match args {
                [Value::String(name)] => self
                    .parameters
                    .get(name)
                    .cloned()
                    .ok_or_else(|| EvalError::Other(format!("no parameter `{name}`"))),
                _ => Err(EvalError::Other("parameters: expected one name".to_owned())),
            }),
            "json" => Some(match args {
                [Value::String(text)] => {
                    serde_json::from_str(text).map_err(|e| EvalError::Other(format!("json: {e}")))
                }
                _ => Err(EvalError::Other("json: expected one string".to_owned())),
            }),
            _ => None,
        }
    }

    fn now_millis(&mut self) -> Option<i64> {
        self.now
    }

    fn next_random(&mut self) -> Option<u64> {
        // splitmix64: a fixed, well-mixed sequence.
        self.counter = self.counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Some(z ^ (z >> 31))
    }
}

/// Milliseconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
fn millis(text: &str) -> i64 {
    let field = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("`now` must look like 2018-03-15T13:00:00Z, got {text}"))
    };
    let (y, m, d) = (field(0..4), field(5..7), field(8..10));
    let (h, min, s) = (field(11..13), field(14..16), field(17..19));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + h) * 60 + min) * 60_000 + s * 1000
}

fn chapters() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/functions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/functions")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Runs one case; `Err` says how it differed from the reference. A case is an `expression`
/// (evaluated as the JSON string `"@expression"`) or a `text`, a whole JSON string value as a
/// workflow holds it (for `@@` escapes and `@{…}` interpolation); it may set `parameters`.
fn check(case: &Value) -> Result<(), String> {
    let text = match (case["expression"].as_str(), case["text"].as_str()) {
        (Some(source), None) => format!("@{source}"),
        (None, Some(text)) => text.to_owned(),
        _ => return Err("a case needs one of `expression` and `text`".to_owned()),
    };
    let mut scope = Reference {
        now: case["now"].as_str().map(millis),
        counter: 0,
        parameters: case.get("parameters").cloned().unwrap_or(Value::Null),
    };
    let got = eval_wdl_string(&text, &mut scope);
    match (case.get("expected"), case.get("error"), got) {
        (Some(expected), None, Ok(value)) if &value == expected => Ok(()),
        (Some(expected), None, got) => Err(format!("expected {expected}, got {got:?}")),
        (None, Some(Value::String(needle)), Err(error)) => {
            let message = error.to_string();
            if message.contains(needle.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "expected an error containing `{needle}`, got `{message}`"
                ))
            }
        }
        (None, Some(needle), got) => Err(format!("expected an error {needle}, got {got:?}")),
        _ => Err("a case needs exactly one of `expected` and `error`".to_owned()),
    }
}

#[test]
fn every_example_of_the_reference_evaluates_as_documented() {
    let mut failures = Vec::new();
    let mut count = 0;
    for file in chapters() {
        let text = std::fs::read_to_string(&file).expect("readable");
        let chapter: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in chapter["cases"].as_array().expect("`cases` array") {
            count += 1;
            if let Err(why) = check(case) {
                failures.push(format!(
                    "{}: `{}`: {why}",
                    file.file_name().unwrap_or_default().to_string_lossy(),
                    case["expression"]
                        .as_str()
                        .or(case["text"].as_str())
                        .unwrap_or("?")
                ));
            }
        }
    }
    assert!(count > 0, "no cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every function the reference lists outside its workflow chapter is evaluated here and has at
/// least one case; the workflow chapter is the emulator's (its runner has a run to read).
#[test]
fn every_function_of_the_reference_is_implemented_and_tested() {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/functions/reference.txt");
    let list = std::fs::read_to_string(list).expect("tests/data/functions/reference.txt");
    let cases: String = chapters()
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .expect("readable")
                .to_ascii_lowercase()
        })
        .collect();
    let mut missing = Vec::new();
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (chapter, name) = line.split_once(':').expect("`chapter: name`");
        let name = name.trim();
        if chapter.trim() == "workflow" {
            continue;
        }
        if !slotdrill_wdl::functions::is_function(name) {
            missing.push(format!("{name} ({}): not implemented", chapter.trim()));
        } else if !cases.contains(&format!("\"{}(", name.to_ascii_lowercase())) {
            missing.push(format!("{name} ({}): no case", chapter.trim()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
