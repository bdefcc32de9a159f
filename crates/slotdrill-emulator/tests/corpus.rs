//! The public corpus (issue 17, item 7): real workflows from Microsoft's public repositories,
//! copied verbatim into `tests/data/corpus/` at the workspace root (sources and licences in
//! `SOURCES.md` there), each run once on the emulator with its connectors stubbed.
//!
//! A case is `NN-name.json` (the workflow as published) plus three files beside it:
//! `NN-name.estate.json` (the Logic Apps to save and the stubs: a scenario file's `logic_app`
//! entries plus `stubs`), `NN-name.trigger.json` (the trigger's body) and `NN-name.expect.json`
//! (the run's status, why, and for a run expected to fail the actions that fail).
//!
//! For every case the test reports, all at once, which action types and which functions the
//! workflows use that the emulator does not support — found by probing the emulator with each
//! one, so the list shrinks by itself as the runtime and the function chapters land — and every
//! action that failed in the run on an unsupported function or action type. It fails while any
//! case has such a gap or ends in another status than the one expected.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use slotdrill_emulator::{Emulator, HttpStub, Run, Status, Stubs};
use slotdrill_model::Estate;
use slotdrill_wdl::Document;
use slotdrill_wdl::eval::{Part, interpolation_parts};
use slotdrill_wdl::expr::{Expr, parse};

/// `tests/data/corpus` at the workspace root.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/corpus")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // Some published files start with a byte-order mark; JSON parsers in Azure accept it.
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The stems of every case (`NN-name` of each `NN-name.estate.json`), in order.
fn case_stems() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/data/corpus exists at the workspace root")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".estate.json").map(str::to_owned)
        })
        .collect();
    stems.sort();
    stems
}

/// Evaluates every ARM template expression inside `value`, as a deployment does before Logic
/// Apps ever sees the workflow (ARM "Template functions": expressions are evaluated at
/// deployment; the deployed resource holds their values).
fn deploy_value(arm: &slotdrill_wdl::ArmContext, value: &Value) -> Value {
    match value {
        Value::String(_) => arm.resolve(value),
        Value::Array(items) => Value::Array(items.iter().map(|v| deploy_value(arm, v)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), deploy_value(arm, v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The document one `logic_app` entry saves. A template is deployed first (its parameters'
/// defaults overridden by `template_parameters`, then its expressions evaluated); `parameters`
/// become resource-level values (`properties.parameters.NAME.value`), as a deployment or a
/// Standard app's `parameters.json` would supply them. Anything else is saved as published.
fn document(entry: &Value) -> (Document, Option<String>) {
    let file = entry["definition"].as_str().expect("definition");
    let path = corpus_dir().join(file);
    let mut root = read_json(&path);
    if let Some(given) = entry.get("template_parameters").and_then(Value::as_object) {
        for (name, value) in given {
            let declared = root
                .pointer_mut(&format!("/parameters/{name}"))
                .and_then(Value::as_object_mut)
                .unwrap_or_else(|| panic!("{file} declares no template parameter {name}"));
            declared.insert("defaultValue".to_owned(), value.clone());
        }
    }
    let stem = file.trim_end_matches(".json");
    let loaded = Document::from_value(file, stem, root, None).expect("a workflow document");
    // A template may deploy one workflow twice (the job scheduler quickstart deploys TimerJob
    // empty, then again with its actions in a nested deployment); ARM leaves the last one.
    let workflow = match entry.get("workflow").and_then(Value::as_str) {
        Some(wanted) => loaded
            .workflows
            .iter()
            .rev()
            .find(|w| w.name.eq_ignore_ascii_case(wanted))
            .unwrap_or_else(|| panic!("{file} has no workflow {wanted}")),
        None => loaded.workflow(None).expect("a workflow"),
    }
    .clone();
    let parameters = entry.get("parameters").and_then(Value::as_object);
    if workflow.arm.is_none() && parameters.is_none() {
        return (loaded, Some(workflow.name));
    }
    let mut definition = loaded.definition(&workflow).clone();
    let mut values = workflow
        .parameter_values
        .as_ref()
        .and_then(|p| slotdrill_wdl::get_path(&loaded.root, p))
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(arm) = &workflow.arm {
        definition = deploy_value(arm, &definition);
        values = deploy_value(arm, &values);
    }
    for (name, value) in parameters.into_iter().flatten() {
        values[name.as_str()] = json!({ "value": value });
    }
    let name = entry["name"].as_str().expect("name");
    let resource =
        json!({ "name": name, "properties": { "definition": definition, "parameters": values } });
    let deployed = Document::from_value(file, name, resource, None).expect("deployed resource");
    (deployed, None)
}

/// The estate's stubs, in the drill format: `http_stub` entries and each Logic App's
/// `connections` (what its ApiConnection actions answer).
fn stubs(estate: &Value) -> Stubs {
    let http = estate
        .pointer("/http_stub")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| HttpStub {
            url_prefix: s["url_prefix"].as_str().expect("url_prefix").to_owned(),
            status: s["status"].as_u64().unwrap_or(200) as u16,
            body: s.get("body").cloned().unwrap_or(Value::Null),
        })
        .collect();
    let api_connections = estate["logic_app"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["connections"].as_object())
        .flatten()
        .map(|(action, answer)| {
            let status = answer["status"].as_u64().unwrap_or(200);
            let body = answer.get("body").cloned().unwrap_or_else(|| json!({}));
            (
                action.clone(),
                json!({ "statusCode": status, "body": body }),
            )
        })
        .collect();
    Stubs {
        http,
        api_connections,
    }
}

/// Every action's type, containers' children included (`else`, `cases`, `default`).
fn action_types(actions: &Value, out: &mut BTreeSet<String>) {
    for action in actions.as_object().into_iter().flat_map(Map::values) {
        if let Some(kind) = action.get("type").and_then(Value::as_str) {
            out.insert(kind.to_owned());
        }
        action_types(&action["actions"], out);
        action_types(&action["else"]["actions"], out);
        action_types(&action["default"]["actions"], out);
        for case in action
            .get("cases")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(Map::values)
        {
            action_types(&case["actions"], out);
        }
    }
}

fn called(expr: &Expr, out: &mut BTreeSet<String>) {
    match expr {
        Expr::Literal(_) => {}
        Expr::Call { name, args } => {
            out.insert(name.clone());
            args.iter().for_each(|a| called(a, out));
        }
        Expr::Member { base, .. } => called(base, out),
        Expr::Index { base, index, .. } => {
            called(base, out);
            called(index, out);
        }
        Expr::Array(items) => items.iter().for_each(|a| called(a, out)),
    }
}

/// Every function the expressions inside `value` call; expressions that do not parse go to
/// `unparsable`.
fn functions(value: &Value, out: &mut BTreeSet<String>, unparsable: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if s.starts_with("@@") => {}
        Value::String(s) => {
            let sources: Vec<&str> =
                if let Some(rest) = s.strip_prefix('@').filter(|r| !r.starts_with('{')) {
                    vec![rest]
                } else if s.contains("@{") {
                    match interpolation_parts(s) {
                        Ok(parts) => parts
                            .into_iter()
                            .filter_map(|p| match p {
                                Part::Expr(e) => Some(e),
                                Part::Text(_) => None,
                            })
                            .collect(),
                        Err(e) => {
                            unparsable.insert(format!("{s}: {e}"));
                            Vec::new()
                        }
                    }
                } else {
                    Vec::new()
                };
            for source in sources {
                match parse(source) {
                    Ok(expr) => called(&expr, out),
                    Err(e) => {
                        unparsable.insert(e.to_string());
                    }
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| functions(v, out, unparsable)),
        Value::Object(map) => map.values().for_each(|v| functions(v, out, unparsable)),
        _ => {}
    }
}

/// True when an action's error says the runner does not know a function (the runner's words,
/// or Azure's "is not defined or not valid" should the runtime adopt them).
fn unsupported_function(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("unsupported function") || e.contains("is not defined or not valid")
}

fn unsupported_action_type(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("unsupported action type")
        || (e.contains("action type") && e.contains("not supported"))
}

/// Runs a definition made of `actions` once on an empty estate.
fn probe_run(actions: Map<String, Value>) -> Run {
    let emulator = Emulator::new(Estate::new(0));
    let definition = json!({ "triggers": { "manual": { "type": "Request", "kind": "Http" } }, "actions": actions });
    let document = Document::from_value("probe.json", "probe", definition, None).expect("probe");
    emulator
        .save_logic_app("probe", document, None)
        .expect("probe saved");
    emulator.run("probe", json!({})).expect("probe runs")
}

/// The functions among `names` the emulator does not know. Each is called in a `Compose` of
/// its own twice, with no argument and with one string argument: a known function succeeds or
/// fails on its arguments, an unknown one fails as unsupported both times (two shapes, so that
/// a function the runtime only answers with an argument is not taken for a missing one).
fn missing_functions(names: &BTreeSet<String>) -> BTreeSet<String> {
    let calls = ["@{n}()", "@{n}('x')"];
    let mut actions = Map::new();
    for (i, name) in names.iter().enumerate() {
        for (j, call) in calls.iter().enumerate() {
            let inputs = call.replace("{n}", name);
            actions.insert(
                format!("probe_{i}_{j}"),
                json!({ "type": "Compose", "inputs": inputs }),
            );
        }
    }
    let run = probe_run(actions);
    let unsupported = |action: String| {
        run.actions
            .iter()
            .any(|a| a.name == action && a.error.as_deref().is_some_and(unsupported_function))
    };
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| (0..calls.len()).all(|j| unsupported(format!("probe_{i}_{j}"))))
        .map(|(_, n)| n.clone())
        .collect()
}

/// The action types among `kinds` the emulator does not run: each is tried alone, with empty
/// inputs (and whatever a container needs to do nothing).
fn missing_action_types(kinds: &BTreeSet<String>) -> BTreeSet<String> {
    kinds
        .iter()
        .filter(|kind| {
            let action = json!({
                "type": kind, "inputs": {}, "actions": {}, "expression": true,
                "foreach": [], "cases": {}, "limit": { "count": 1 }
            });
            let run = probe_run([("probe".to_owned(), action)].into_iter().collect());
            run.actions
                .iter()
                .any(|a| a.error.as_deref().is_some_and(unsupported_action_type))
        })
        .cloned()
        .collect()
}

/// One case's outcome, and what is wrong with it (nothing when `problems` is empty).
struct Outcome {
    lines: Vec<String>,
    problems: Vec<String>,
}

fn join<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<&str> = items.into_iter().map(String::as_str).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// Function names grouped without regard to case (functions are case-insensitive), each group
/// showing every spelling the workflows use: `utcNow/utcnow`; in alphabetical order.
fn by_name(names: &BTreeSet<String>) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for name in names {
        groups
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(name.clone());
    }
    groups
        .into_values()
        .map(|spellings| spellings.join("/"))
        .collect()
}

fn status_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One case run: what its workflows use, and the run.
struct Ran {
    kinds: BTreeSet<String>,
    names: BTreeSet<String>,
    unparsable: BTreeSet<String>,
    run: Run,
    expect: Value,
}

/// Saves every Logic App of a case with its stubs and runs the first one once; `Err` says why
/// the emulator refused to save or to run (reported like any other problem, so one case does
/// not hide the others).
fn load_and_run(stem: &str) -> Result<Ran, String> {
    let dir = corpus_dir();
    let estate = read_json(&dir.join(format!("{stem}.estate.json")));
    let trigger = read_json(&dir.join(format!("{stem}.trigger.json")));
    let expect = read_json(&dir.join(format!("{stem}.expect.json")));
    let emulator = Emulator::new(Estate::new(estate["seed"].as_u64().unwrap_or(0)));
    let (mut kinds, mut names, mut unparsable) = Default::default();
    let entries = estate["logic_app"].as_array().expect("logic_app entries");
    for entry in entries {
        let (document, workflow) = document(entry);
        let saved = document.workflow(workflow.as_deref()).expect("workflow");
        let actions = &document.definition(saved)["actions"];
        action_types(actions, &mut kinds);
        functions(actions, &mut names, &mut unparsable);
        let name = entry["name"].as_str().expect("name");
        emulator
            .save_logic_app(name, document.clone(), workflow.as_deref())
            .map_err(|e| format!("saving {name} was refused: {e}"))?;
    }
    emulator.set_stubs(stubs(&estate));
    let main = entries[0]["name"].as_str().expect("name");
    let run = emulator
        .run(main, trigger)
        .map_err(|e| format!("running {main} was refused: {e}"))?;
    Ok(Ran {
        kinds,
        names,
        unparsable,
        run,
        expect,
    })
}

fn unsupported(error: &str) -> bool {
    unsupported_function(error) || unsupported_action_type(error)
}

fn failed(action: &slotdrill_emulator::RunAction) -> bool {
    action.status == Status::Failed || action.status == Status::TimedOut
}

/// Where the run differs from the case's expect file: status, failed actions, response.
fn unexpected(ran: &Ran, failed_actions: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let status = status_name(ran.run.status);
    let expected = ran.expect["status"].as_str().expect("expected status");
    if status != expected {
        problems.push(format!("run {status}, expected {expected}"));
    }
    let expected_failed: BTreeSet<String> = ran
        .expect
        .get("failed_actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if *failed_actions != expected_failed {
        problems.push(format!(
            "failed actions: {} (expected: {})",
            join(failed_actions),
            join(&expected_failed)
        ));
    }
    if let Some(want) = ran.expect.get("response") {
        let got = ran.run.response.clone().unwrap_or(Value::Null);
        let same = want
            .as_object()
            .into_iter()
            .flatten()
            .all(|(k, v)| got.get(k) == Some(v));
        if !same {
            problems.push(format!("response {got}, expected {want}"));
        }
    }
    problems
}

/// Loads, probes and runs one case, and says what is missing and what is unexpected.
fn run_case(stem: &str) -> Outcome {
    let ran = match load_and_run(stem) {
        Ok(ran) => ran,
        Err(refused) => {
            return Outcome {
                lines: vec![format!("== {stem}: {refused}")],
                problems: vec![refused],
            };
        }
    };
    let missing_kinds = missing_action_types(&ran.kinds);
    let missing_names = missing_functions(&ran.names);
    let failed_actions: BTreeSet<String> = ran
        .run
        .actions
        .iter()
        .filter(|a| failed(a))
        .map(|a| a.name.clone())
        .collect();
    let (run_unsupported, other_errors): (BTreeSet<String>, BTreeSet<String>) = ran
        .run
        .actions
        .iter()
        .filter_map(|a| a.error.as_ref().map(|e| (a, format!("{}: {e}", a.name))))
        .filter(|(a, text)| failed(a) || unsupported(text))
        .map(|(_, text)| text)
        .partition(|text| unsupported(text));
    let mut problems = Vec::new();
    let gaps = [
        (
            "unsupported action types",
            join(&missing_kinds),
            missing_kinds.is_empty(),
        ),
        (
            "unsupported functions",
            join(&by_name(&missing_names)),
            missing_names.is_empty(),
        ),
        (
            "unparsable expressions",
            join(&ran.unparsable),
            ran.unparsable.is_empty(),
        ),
        (
            "run failed on unsupported",
            join(&run_unsupported),
            run_unsupported.is_empty(),
        ),
    ];
    for (what, list, none) in gaps {
        if !none {
            problems.push(format!("{what}: {list}"));
        }
    }
    problems.extend(unexpected(&ran, &failed_actions));
    let status = status_name(ran.run.status);
    let lines = vec![
        format!(
            "== {stem}: run {status} (expected {})",
            ran.expect["status"].as_str().unwrap_or_default()
        ),
        format!("   action types: {}", join(&ran.kinds)),
        format!("   functions: {}", join(&by_name(&ran.names))),
        format!("   missing action types: {}", join(&missing_kinds)),
        format!("   missing functions: {}", join(&by_name(&missing_names))),
        format!("   failed actions: {}", join(&failed_actions)),
        format!("   errors: {}", join(&other_errors)),
    ];
    Outcome { lines, problems }
}

#[test]
fn every_corpus_workflow_runs_without_unsupported_functions_or_action_types() {
    let stems = case_stems();
    assert!(
        stems.len() >= 10,
        "the corpus needs at least 10 workflows, has {}",
        stems.len()
    );
    let mut report = Vec::new();
    let mut broken = Vec::new();
    for stem in &stems {
        let outcome = run_case(stem);
        report.extend(outcome.lines);
        for problem in &outcome.problems {
            report.push(format!("   PROBLEM: {problem}"));
        }
        if !outcome.problems.is_empty() {
            broken.push(stem.clone());
        }
    }
    let report = report.join("\n");
    // Printed whatever the result, so `--nocapture` shows the gap closing as branches merge.
    println!("{report}");
    assert!(
        broken.is_empty(),
        "{} of {} corpus workflows do not run as expected: {}\n{report}",
        broken.len(),
        stems.len(),
        broken.join(", ")
    );
}

/// Every workflow file in the corpus is cited in `SOURCES.md` with its repository, commit and
/// licence, and every case's files are there.
#[test]
fn every_corpus_workflow_has_its_source_and_licence() {
    let dir = corpus_dir();
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).expect("SOURCES.md");
    for stem in case_stems() {
        let workflow = format!("{stem}.json");
        for part in ["trigger", "expect"] {
            assert!(
                dir.join(format!("{stem}.{part}.json")).is_file(),
                "{stem}: no {part} file"
            );
        }
        let section = sources
            .split("\n## ")
            .find(|s| s.starts_with(&format!("`{workflow}`")))
            .unwrap_or_else(|| panic!("SOURCES.md has no section for `{workflow}`"));
        for field in ["Repository:", "Path:", "Commit:", "Licence:", "Exercises:"] {
            assert!(
                section.contains(field),
                "SOURCES.md, `{workflow}`: no {field}"
            );
        }
        let licence = section
            .lines()
            .find(|l| l.contains("Licence:"))
            .unwrap_or_default();
        assert!(
            ["MIT", "Apache-2.0", "CC-BY-4.0"]
                .iter()
                .any(|l| licence.contains(l)),
            "`{workflow}`: licence must allow copying: {licence}"
        );
    }
}
