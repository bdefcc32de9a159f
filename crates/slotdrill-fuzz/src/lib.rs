//! The entry points slotdrill is fuzzed through. Each takes arbitrary bytes and must return —
//! an error is fine, a panic or a hang is a bug. Each says whether the input was accepted, so a
//! harness can check that its seeds reach past the first error. `fuzz/` (cargo-fuzz, nightly) drives them with
//! coverage guidance; the root package's `tests/fuzz_smoke.rs` drives the same functions with
//! proptest on the stable toolchain in CI, so a crash found once stays fixed.
//!
//! The seed corpus is the bundled drills (`scenarios/`) and the workflow files of the tests
//! (`crates/slotdrill-wdl/tests/data/`); `fuzz/seed.sh` copies them into `fuzz/corpus/`.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use slotdrill_emulator::Emulator;
use slotdrill_emulator::arm::ArmRequest;
use slotdrill_scenario::{Drill, EmulatorConfig, load_estate};
use slotdrill_wdl::eval::{NoScope, eval_wdl_string};
use slotdrill_wdl::{Document, Hints, find_calls, parse_json};

/// The workspace root, where `scenarios/` is.
const WORKSPACE_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The estate of the first bundled drill, loaded once; each request gets a fork of it.
fn estate() -> Option<&'static Emulator> {
    static ESTATE: OnceLock<Option<Emulator>> = OnceLock::new();
    ESTATE
        .get_or_init(|| {
            let drill = Path::new(WORKSPACE_ROOT).join("scenarios/02-partial-rollback.toml");
            load_estate(&drill, EmulatorConfig::default())
                .ok()
                .map(|loaded| loaded.emulator)
        })
        .as_ref()
}

/// A drill file's text: parsed, its estate built and its steps checked, as `slotdrill check`
/// does. Workflow paths resolve against `scenarios/`, so seeds from there find their files.
pub fn drill(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let dir = Path::new(WORKSPACE_ROOT).join("scenarios");
    Drill::from_text("fuzz.toml", text, &dir, "fuzz", None).is_ok()
}

/// A workflow file's text: read in whichever of the four shapes it has, and every function
/// call in it found and resolved.
pub fn workflow(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(value) = parse_json("fuzz.json", text) else {
        return false;
    };
    match Document::from_value("fuzz.json", "fuzz", value, None) {
        Ok(document) => !find_calls(&document, &Hints::default()).is_empty(),
        Err(_) => false,
    }
}

/// An expression: evaluated as a whole `@…` string and as interpolated text.
pub fn expression(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let whole = eval_wdl_string(&format!("@{text}"), &mut NoScope).is_ok();
    let interpolated = eval_wdl_string(text, &mut NoScope).is_ok();
    whole || interpolated
}

/// A management request — first line `METHOD PATH[?QUERY]`, the rest its body — routed by the
/// emulator's ARM API over the estate of the first bundled drill.
pub fn arm_request(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once('\n').unwrap_or((&text, ""));
    let (method, target) = head.split_once(' ').unwrap_or((head, "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let request = ArmRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query,
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            // Past the token check, so the routes are what gets fuzzed.
            ("authorization".to_owned(), "Bearer fuzz".to_owned()),
        ],
        body: serde_json::from_str::<Value>(body).ok(),
        base_url: "http://127.0.0.1:7071".to_owned(),
    };
    estate().is_some_and(|estate| estate.fork().manage(&request).status < 400)
}
