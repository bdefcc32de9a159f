//! The rollback journals a drill's steps write: where they live and when they go.

use std::path::PathBuf;

/// Where a loaded drill's rollback journals live: one temporary directory, made at the first
/// rollback and shared with the drill's forks (the explorer rehearses thousands of them, and a
/// directory per fork cost it an eighth of its time), deleted with the last of them. Each run
/// deletes the journals it wrote, so drills leave nothing behind.
#[derive(Default)]
pub(super) struct JournalDir(std::sync::Mutex<Option<tempfile::TempDir>>);

/// Numbers journals across every run in the process, so concurrent forks never share one.
static JOURNALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl JournalDir {
    pub(super) fn new_path(&self) -> std::io::Result<PathBuf> {
        let mut dir = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir = match &mut *dir {
            Some(dir) => dir,
            empty => empty.insert(
                tempfile::Builder::new()
                    .prefix("slotdrill-drill-")
                    .tempdir()?,
            ),
        };
        let n = JOURNALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(dir.path().join(format!("rollback-{n}.jsonl")))
    }
}

/// The journals one run of a drill wrote: deleted when the run ends (its report is made by
/// then; `resume` and `restore` steps read them within the run).
#[derive(Default)]
pub(super) struct WrittenJournals(pub(super) Vec<PathBuf>);

impl Drop for WrittenJournals {
    fn drop(&mut self) {
        for journal in &self.0 {
            let _ = std::fs::remove_file(journal);
        }
    }
}
