//! The journal: JSON lines, one record per line, synced to disk after each. It holds the plan,
//! a `begin` record (with before-images and what will be written) before every step, a `done`
//! record after, and `restored` records. It never holds a key: repoint records redact literal
//! keys, and the key a repointed call uses is only referenced.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use slotdrill_wdl::RepointRecord;

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
    },
    /// A step wrote and its result was checked.
    Done {
        /// The step.
        step: usize,
        /// What it left (the new workflow version, the releases).
        after: Value,
    },
    /// A repoint step's callers are back to their original definitions.
    Restored {
        /// The step.
        step: usize,
    },
    /// Every step is done.
    Finished,
}

/// An open journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
    records: Vec<Record>,
}

impl Journal {
    fn error(path: &Path, e: impl std::fmt::Display) -> EngineError {
        EngineError::Journal {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Opens `path`, reading the records already there (an interrupted run), or creates it.
    pub fn open(path: &Path) -> Result<Journal, EngineError> {
        let records = if path.exists() {
            Journal::read(path)?
        } else {
            Vec::new()
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Journal::error(path, e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            records,
        })
    }

    /// Reads every record of a journal file.
    pub fn read(path: &Path) -> Result<Vec<Record>, EngineError> {
        let file = File::open(path).map_err(|e| Journal::error(path, e))?;
        let mut records = Vec::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Journal::error(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            // A line cut short by a crash is the last one; anything else is damage.
            match serde_json::from_str(&line) {
                Ok(record) => records.push(record),
                Err(e) => return Err(Journal::error(path, format!("line {}: {e}", i + 1))),
            }
        }
        Ok(records)
    }

    /// The records so far.
    pub fn records(&self) -> &[Record] {
        &self.records
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
        self.records.iter().find_map(|r| match r {
            Record::Plan { plan } => Some(plan),
            _ => None,
        })
    }

    pub(crate) fn done(&self, step: usize) -> Option<&Value> {
        self.records.iter().find_map(|r| match r {
            Record::Done { step: s, after } if *s == step => Some(after),
            _ => None,
        })
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
