//! Helpers for the runtime tests: workflows from `tests/data/runtime/`, saved and run on the
//! reference estate, and their actions' records.

use std::path::Path;

use serde_json::Value;
use slotdrill_emulator::{Emulator, Run, RunAction};
use slotdrill_wdl::Document;

/// The text of `tests/data/runtime/{file}`.
pub fn text(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/runtime")
            .join(file),
    )
    .expect("runtime fixture")
}

/// `tests/data/runtime/{file}` with `{{NAME}}` placeholders replaced, as a document.
pub fn document(file: &str, name: &str, replace: &[(&str, &str)]) -> Document {
    let mut text = text(file);
    for (from, to) in replace {
        text = text.replace(&format!("{{{{{from}}}}}"), to);
    }
    let root: Value = serde_json::from_str(&text).expect("json");
    Document::from_value(file, name, root, None).expect("document")
}

/// Saves `file` as Logic App `name`.
pub fn save(emulator: &Emulator, name: &str, file: &str) {
    emulator
        .save_logic_app(name, document(file, name, &[]), None)
        .expect("saved");
}

/// Saves and runs `file` once with `body`.
pub fn run(emulator: &Emulator, file: &str, body: Value) -> Run {
    let name = file.trim_end_matches(".json");
    save(emulator, name, file);
    emulator.run(name, body).expect("runs")
}

/// The last record of action `name`.
pub fn action<'a>(run: &'a Run, name: &str) -> &'a RunAction {
    run.actions
        .iter()
        .rev()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no action {name} in {:#?}", run.actions))
}

/// Every record of action `name`, in the order they ended.
pub fn records<'a>(run: &'a Run, name: &str) -> Vec<&'a RunAction> {
    run.actions.iter().filter(|a| a.name == name).collect()
}

/// Milliseconds from the run's start to the action's start and end.
pub fn span(run: &Run, action: &RunAction) -> (u64, u64) {
    (
        action.start.millis() - run.start.millis(),
        action.end.millis() - run.start.millis(),
    )
}
