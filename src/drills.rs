//! `slotdrill run` and `slotdrill check`: rehearse drills on the embedded emulator, or only
//! validate them. Exit codes: 0 every expectation held, 1 one failed, 2 bad input.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use slotdrill_scenario::{Drill, InvalidDrill, RunReport};

use crate::error::CliError;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or directories whose `*.toml` and `*.json` files are scenarios.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Use this seed instead of each file's.
    #[arg(long)]
    seed: Option<u64>,
    /// Also write a self-contained HTML report of every drill to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Also write one HTML page per drill and an index.html to this directory.
    #[arg(long, value_name = "DIR")]
    html_dir: Option<PathBuf>,
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            CliError::Write {
                path: path.to_owned(),
                source,
            }
        })
}

fn write_html(report: &RunReport, file: Option<&Path>, dir: Option<&Path>) -> Result<(), CliError> {
    if let Some(file) = file {
        write_atomically(file, &slotdrill_scenario::html::page(report))?;
        eprintln!("wrote {}", file.display());
    }
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|source| CliError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let mut links = Vec::new();
        for drill in &report.drills {
            let stem = Path::new(&drill.file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "drill".to_owned());
            let name = format!("{stem}.html");
            write_atomically(
                &dir.join(&name),
                &slotdrill_scenario::html::drill_page(drill),
            )?;
            links.push(name);
        }
        write_atomically(
            &dir.join("index.html"),
            &slotdrill_scenario::html::index_page(report, &links),
        )?;
        eprintln!(
            "wrote {} ({} drill page(s) and index.html)",
            dir.display(),
            links.len()
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// An error with the offending line and a caret under the column, when there is a position.
fn show(error: &slotdrill_scenario::ScenarioError) -> String {
    let mut out = format!("error: {error}");
    if let Some((line, column)) = error.position
        && let Ok(text) = std::fs::read_to_string(&error.file)
        && let Some(source) = text.lines().nth(line.saturating_sub(1))
    {
        let gutter = " ".repeat(line.to_string().len());
        let (shown, caret) = around(source, column);
        out.push_str(&format!(
            "\n {line} | {shown}\n {gutter} | {}^",
            " ".repeat(caret.saturating_sub(1))
        ));
    }
    out
}

/// Characters of a long source line shown either side of the error's column.
const CONTEXT: usize = 60;

/// `source` cut to the columns around `column` when it is long (a minified workflow, a generated
/// value), with `…` where it was cut, and the caret's column in what is shown. Padding is built
/// by repetition: a format width over 65,535 panics.
fn around(source: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = source.chars().collect();
    if chars.len() <= 2 * CONTEXT + 20 {
        return (source.to_owned(), column);
    }
    let start = column.saturating_sub(CONTEXT + 1).min(chars.len());
    let end = (column + CONTEXT).min(chars.len());
    let mut shown = String::new();
    let mut caret = column - start;
    if start > 0 {
        shown.push('…');
        caret += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret)
}

/// Why a JSON file looks like a Logic App workflow (or a template holding one) rather than a
/// drill, or `None`. A drill's JSON form has `app`/`step`; a workflow has a WDL `$schema`, a
/// `definition`, or `triggers`/`actions`.
fn looks_like_workflow(path: &Path) -> Option<&'static str> {
    if !path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("json"))
    {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let object = value.as_object()?;
    let schema = object
        .get("$schema")
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if schema.contains("workflowdefinition") {
        Some("its $schema is a workflow definition's")
    } else if schema.contains("deploymenttemplate") {
        Some("its $schema is an ARM template's")
    } else if object.contains_key("definition")
        || object
            .get("properties")
            .is_some_and(|p| p.get("definition").is_some())
    {
        Some("it holds a workflow `definition`")
    } else if object.contains_key("triggers") || object.contains_key("actions") {
        Some("it has `triggers`/`actions`")
    } else {
        None
    }
}

/// A workflow named where a drill was expected, as an invalid drill.
fn workflow_not_drill(path: &Path, why: &str) -> slotdrill_scenario::ScenarioError {
    slotdrill_scenario::ScenarioError {
        file: path.display().to_string(),
        position: None,
        message: format!(
            "this looks like a Logic App workflow ({why}), not a drill; `slotdrill workflow calls|run` read workflows, and a drill names it in `[[logic_app]] definition`"
        ),
    }
}

/// The scenario files named by `paths`, directories expanded (not recursively), sorted. A
/// workflow JSON inside a directory is skipped with a note (drills keep theirs beside them).
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| CliError::ReadDir {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file() && p.extension().is_some_and(|x| x == "toml" || x == "json")
                })
                .collect();
            found.sort();
            for file in found {
                match looks_like_workflow(&file) {
                    Some(why) => eprintln!(
                        "note: skipped {}: a Logic App workflow ({why}), not a drill",
                        file.display()
                    ),
                    None => files.push(file),
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(CliError::NoSuchPath(path.clone()));
        }
    }
    if files.is_empty() {
        return Err(CliError::NoScenarioFiles);
    }
    Ok(files)
}

/// Loads one drill for `run` or `check`: a workflow named explicitly is invalid, and so is a
/// drill with no step for `run` (it would pass having checked nothing). `check` accepts an
/// estate without steps (what `import` writes, what `serve --estate` and `explore` take) but
/// not an empty file.
fn load(
    file: &Path,
    seed: Option<u64>,
    to_run: bool,
) -> Result<Drill, slotdrill_scenario::ScenarioError> {
    if let Some(why) = looks_like_workflow(file) {
        return Err(workflow_not_drill(file, why));
    }
    let drill = Drill::load(file, seed)?;
    if to_run || is_empty(file) {
        drill.require_steps()?;
    }
    Ok(drill)
}

/// True when the file holds nothing but blank lines and comments (or `{}`).
fn is_empty(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.trim() == "{}"
            || text
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    })
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let files = scenario_files(&args.paths)?;
    let mut drills = Vec::new();
    let mut invalid = Vec::new();
    for file in &files {
        match load(file, args.seed, true) {
            Ok(drill) => drills.push(drill.run()),
            Err(error) => invalid.push(error),
        }
    }
    for error in &invalid {
        eprintln!("{}", show(error));
    }
    let report =
        RunReport::new(drills).with_invalid(invalid.iter().map(InvalidDrill::from).collect());
    // The report goes out first: a report file that cannot be written must not lose it.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match args.format {
        ReportFormat::Text => print!("{}", report.text(colour)),
        ReportFormat::Json => println!("{}", report.json()),
        ReportFormat::Junit => print!("{}", report.junit()),
    }
    write_html(&report, args.html.as_deref(), args.html_dir.as_deref())?;
    if !invalid.is_empty() {
        return Err(CliError::InvalidScenarios(invalid.len()));
    }
    if report.summary.failed > 0 {
        Err(CliError::DrillFailed)
    } else {
        Ok(())
    }
}

pub fn check(args: CheckArgs) -> Result<(), CliError> {
    let files = scenario_files(&args.paths)?;
    let mut bad = 0;
    for file in &files {
        match load(file, None, false) {
            Ok(drill) if drill.require_steps().is_err() => println!(
                "ok: {} (an estate without steps: `serve --estate` and `explore` take it, `run` does not)",
                file.display()
            ),
            Ok(_) => println!("ok: {}", file.display()),
            Err(error) => {
                bad += 1;
                eprintln!("{}", show(&error));
            }
        }
    }
    if bad > 0 {
        Err(CliError::InvalidScenarios(bad))
    } else {
        Ok(())
    }
}
