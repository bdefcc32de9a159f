//! The journal: JSON lines, one record per line, synced to disk after each. It holds the plan,
//! a `begin` record (with before-images, what will be written and, for a swap, the back end's
//! moment) before every step, a `done` record after, a `refused` record when the back end
//! refused a write (it changed nothing), `restored` records, and `finished` at the end. It never
//! holds a key: repoint records redact literal keys, and the key a repointed call uses is only
//! referenced.
//!
//! A crash can cut the last line short. Opening such a journal drops that torn record (with a
//! warning) so the next record starts on a line of its own; any other unreadable line is damage
//! and stops the engine. A finished journal is never resumed: the next incident gets a new one.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use slotdrill_wdl::RepointRecord;

use crate::cloud::HistoryMark;
use crate::error::EngineError;
use crate::plan::Plan;

/// One journal record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The plan being applied.
    Plan {
        /// The plan.
        plan: Plan,
    },
    /// A step is about to write.
    Begin {
        /// The step (0-based).
        step: usize,
        /// What it found before writing (releases, or the original actions with keys redacted).
        before: Value,
        /// For repoints: how to undo each action.
        records: Vec<RepointRecord>,
        /// For swaps: the back end's moment just before the swap was asked for, so a resume
        /// can tell whether `slotSwapStatus` shows this swap or an earlier one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<HistoryMark>,
    },
    /// A step wrote and its result was checked.
    Done {
        /// The step.
        step: usize,
        /// What it left (the new workflow version, the releases).
        after: Value,
    },
    /// The back end refused a step's write and changed nothing (409, 429, 401/403, not
    /// found): a resume runs the step again.
    Refused {
        /// The step.
        step: usize,
        /// The back end's answer.
        error: String,
    },
    /// A repoint step's callers are back to their original definitions.
    Restored {
        /// The step.
        step: usize,
    },
    /// Every step is done.
    Finished,
}

impl Record {
    /// The plan among `records` (a journal's first record).
    pub fn plan_in(records: &[Record]) -> Option<&Plan> {
        records.iter().find_map(|r| match r {
            Record::Plan { plan } => Some(plan),
            _ => None,
        })
    }
}

/// Where a step stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepState {
    /// No record of it: it never wrote.
    NotBegun,
    /// Begun, and its last record is a refusal: it changed nothing.
    Refused,
    /// Begun with no answer recorded: it may or may not have written. Carries the back end's
    /// moment recorded before a swap.
    Unknown(Option<HistoryMark>),
    /// Done.
    Done,
}

/// An open journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
    records: Vec<Record>,
    warnings: Vec<String>,
}

/// The records of a journal file and what was wrong with its last line, if anything.
struct Contents {
    records: Vec<Record>,
    /// Byte length of the complete lines (where a torn record starts).
    complete: u64,
    /// A warning about a torn last record.
    torn: Option<String>,
}

impl Journal {
    fn error(path: &Path, e: impl std::fmt::Display) -> EngineError {
        EngineError::Journal {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Creates a journal for a new rollback at `path`, which must not hold one already.
    pub fn create(path: &Path) -> Result<Journal, EngineError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Journal::error(
                    path,
                    "already exists: it belongs to another rollback (resume it, or pass a new path)",
                ),
                _ => Journal::error(path, e),
            })?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            records: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Opens the journal of an interrupted rollback at `path`, dropping a torn last record.
    pub fn open(path: &Path) -> Result<Journal, EngineError> {
        let contents = Journal::contents(path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Journal::error(path, e))?;
        let mut warnings = Vec::new();
        if let Some(torn) = contents.torn {
            // The next record must start on a line of its own.
            file.set_len(contents.complete)
                .and_then(|()| file.sync_data())
                .map_err(|e| Journal::error(path, e))?;
            warnings.push(torn);
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            records: contents.records,
            warnings,
        })
    }

    /// Reads every record of a journal file (a torn last record is left out).
    pub fn read(path: &Path) -> Result<Vec<Record>, EngineError> {
        Ok(Journal::contents(path)?.records)
    }

    fn contents(path: &Path) -> Result<Contents, EngineError> {
        let bytes = std::fs::read(path).map_err(|e| Journal::error(path, e))?;
        let mut records = Vec::new();
        let mut offset = 0usize;
        let mut line_number = 0usize;
        while offset < bytes.len() {
            line_number += 1;
            let end = bytes[offset..].iter().position(|b| *b == b'\n');
            let line = &bytes[offset..end.map_or(bytes.len(), |e| offset + e)];
            let parsed = std::str::from_utf8(line)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    if text.trim().is_empty() {
                        Ok(None)
                    } else {
                        serde_json::from_str(text)
                            .map(Some)
                            .map_err(|e| e.to_string())
                    }
                });
            match (parsed, end) {
                (Ok(record), Some(end)) => {
                    records.extend(record);
                    offset += end + 1;
                }
                // Only a crash mid-write leaves a last line without its newline.
                (Ok(None), None) => break,
                (Ok(Some(_)) | Err(_), None) => {
                    return Ok(Contents {
                        records,
                        complete: offset as u64,
                        torn: Some(format!(
                            "{}: ignored a torn last record at line {line_number} ({} byte(s) cut short by a crash mid-write)",
                            path.display(),
                            line.len()
                        )),
                    });
                }
                (Err(e), Some(_)) => {
                    return Err(Journal::error(path, format!("line {line_number}: {e}")));
                }
            }
        }
        Ok(Contents {
            records,
            complete: offset as u64,
            torn: None,
        })
    }

    /// The path of the journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The records so far.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// What opening the journal found and tolerated (a torn last record).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Appends a record and syncs it to disk before returning.
    pub fn append(&mut self, record: Record) -> Result<(), EngineError> {
        let mut line = serde_json::to_string(&record).map_err(|e| Journal::error(&self.path, e))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| Journal::error(&self.path, e))?;
        self.file
            .sync_data()
            .map_err(|e| Journal::error(&self.path, e))?;
        self.records.push(record);
        Ok(())
    }

    /// The plan this journal applies.
    pub fn plan(&self) -> Option<&Plan> {
        Record::plan_in(&self.records)
    }

    /// True when the journal records a finished rollback.
    pub fn is_finished(&self) -> bool {
        self.records.iter().any(|r| matches!(r, Record::Finished))
    }

    /// Where `step` stands, judged from its last record.
    pub(crate) fn state(&self, step: usize) -> StepState {
        let last = self.records.iter().rev().find(|r| match r {
            Record::Begin { step: s, .. }
            | Record::Done { step: s, .. }
            | Record::Refused { step: s, .. } => *s == step,
            _ => false,
        });
        match last {
            None => StepState::NotBegun,
            Some(Record::Done { .. }) => StepState::Done,
            Some(Record::Refused { .. }) => StepState::Refused,
            Some(Record::Begin { at, .. }) => StepState::Unknown(*at),
            Some(_) => StepState::NotBegun,
        }
    }

    pub(crate) fn begun(&self, step: usize) -> Option<&[RepointRecord]> {
        self.records.iter().rev().find_map(|r| match r {
            Record::Begin {
                step: s, records, ..
            } if *s == step => Some(records.as_slice()),
            _ => None,
        })
    }

    pub(crate) fn restored(&self, step: usize) -> bool {
        self.records
            .iter()
            .any(|r| matches!(r, Record::Restored { step: s } if *s == step))
    }
}
