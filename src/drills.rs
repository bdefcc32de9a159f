//! `slotdrill run` and `slotdrill check`: rehearse drills on the embedded emulator, or only
//! validate them. Exit codes: 0 every expectation held, 1 one failed, 2 bad input.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use slotdrill_scenario::{Drill, RunReport, run_drill};

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

/// The scenario files named by `paths`, directories expanded (not recursively), sorted.
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
            files.extend(found);
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

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let files = scenario_files(&args.paths)?;
    let mut drills = Vec::new();
    let mut invalid = Vec::new();
    for file in &files {
        match run_drill(file, args.seed) {
            Ok(report) => drills.push(report),
            Err(error) => invalid.push(error),
        }
    }
    for error in &invalid {
        eprintln!("{}", show(error));
    }
    let report = RunReport::new(drills);
    write_html(&report, args.html.as_deref(), args.html_dir.as_deref())?;
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match args.format {
        ReportFormat::Text => print!("{}", report.text(colour)),
        ReportFormat::Json => println!("{}", report.json()),
        ReportFormat::Junit => print!("{}", report.junit()),
    }
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
        match Drill::load(Path::new(file), None) {
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
