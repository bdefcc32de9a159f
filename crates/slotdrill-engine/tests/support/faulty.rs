//! A back end with scripted faults on its writes (swaps, workflow writes, Logic App settings), as an operator's
//! bad day brings them: a 409, a server error, an answer lost after the write acted, a request
//! lost before it arrived. It can also hide every release identity, as Azure shows an estate
//! with no release label, deployment record or package URL.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use slotdrill_emulator::Emulator;
use slotdrill_engine::{
    ActionOutcome, AppSnapshot, Cloud, CloudError, HistoryMark, ReleaseSource, WorkflowRead,
};
use slotdrill_model::Secret;
use slotdrill_wdl::Document;

/// What happens to one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFault {
    /// It goes through.
    None,
    /// 409, another operation in progress: nothing changes.
    Conflict,
    /// A 500 before anything changed; the engine cannot know that nothing did.
    ServerErrorBefore,
    /// It acts; its answer is lost.
    LostAfter,
    /// The request is lost before it arrives: nothing changes, and the engine cannot know.
    LostBefore,
}

impl WriteFault {
    /// The fault numbered `n` (for generators).
    pub fn from_index(n: u8) -> WriteFault {
        match n % 5 {
            0 => WriteFault::None,
            1 => WriteFault::Conflict,
            2 => WriteFault::ServerErrorBefore,
            3 => WriteFault::LostAfter,
            _ => WriteFault::LostBefore,
        }
    }
}

/// The emulator with faults on its next writes, in order.
pub struct Faulty<'a> {
    pub inner: &'a Emulator,
    /// Hide release identities (no label, no deployment record, no package).
    pub unlabelled: bool,
    pub faults: RefCell<VecDeque<WriteFault>>,
    /// Swaps that reached the emulator.
    pub swaps: Cell<usize>,
}

impl<'a> Faulty<'a> {
    pub fn new(inner: &'a Emulator, unlabelled: bool, faults: &[WriteFault]) -> Self {
        Faulty {
            inner,
            unlabelled,
            faults: RefCell::new(faults.iter().copied().collect()),
            swaps: Cell::new(0),
        }
    }

    /// Runs a write under the next fault.
    fn write<T>(&self, act: impl FnOnce() -> Result<T, CloudError>) -> Result<T, CloudError> {
        let fault = self
            .faults
            .borrow_mut()
            .pop_front()
            .unwrap_or(WriteFault::None);
        match fault {
            WriteFault::Conflict => Err(CloudError::Conflict {
                message:
                    "409 Conflict: Cannot modify this site because another operation is in progress"
                        .into(),
                retry_after_ms: None,
            }),
            WriteFault::ServerErrorBefore => Err(CloudError::failed("500 InternalServerError")),
            WriteFault::LostBefore => Err(CloudError::NoAnswer("connection reset".into())),
            WriteFault::LostAfter => {
                act()?;
                Err(CloudError::NoAnswer(
                    "connection reset after the request was sent".into(),
                ))
            }
            WriteFault::None => act(),
        }
    }
}

impl Cloud for Faulty<'_> {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        let mut apps = self.inner.apps()?;
        if self.unlabelled {
            for slot in apps.iter_mut().flat_map(|a| a.slots.iter_mut()) {
                slot.release = None;
                slot.release_source = ReleaseSource::Unknown;
                slot.release_note = None;
            }
        }
        Ok(apps)
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        self.inner.workflows()
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        self.inner.read_workflow(name)
    }
    fn write_workflow(&self, name: &str, d: &Document, v: &str) -> Result<String, CloudError> {
        self.write(|| self.inner.write_workflow(name, d, v))
    }
    fn function_key(&self, app: &str, slot: &str, f: &str) -> Result<Secret, CloudError> {
        self.inner.function_key(app, slot, f)
    }
    fn probe(&self, app: &str, slot: &str, f: &str, n: u32) -> Result<Vec<u16>, CloudError> {
        self.inner.probe(app, slot, f, n)
    }
    fn run_history(&self, w: &str, runs: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        self.inner.run_history(w, runs)
    }
    fn now(&self) -> Result<Option<HistoryMark>, CloudError> {
        Cloud::now(self.inner)
    }
    fn swap(&self, app: &str, source: &str, target: &str) -> Result<(), CloudError> {
        self.write(|| {
            self.swaps.set(self.swaps.get() + 1);
            self.inner.swap(app, source, target)
        })
    }
    fn set_logic_app_setting(&self, l: &str, n: &str, v: &Secret) -> Result<(), CloudError> {
        self.write(|| self.inner.set_logic_app_setting(l, n, v))
    }
    fn remove_logic_app_setting(&self, l: &str, n: &str) -> Result<(), CloudError> {
        self.write(|| self.inner.remove_logic_app_setting(l, n))
    }
    fn trigger(&self, w: &str) -> Result<bool, CloudError> {
        self.inner.trigger(w)
    }
}
