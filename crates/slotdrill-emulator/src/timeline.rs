//! The invocation timeline: the most recent function calls, at most a window of them (a
//! long-running `serve` keeps answering for days), and how many were answered in all.
//!
//! A kept call is a 40-byte record with no heap of its own: the names it holds (host, function,
//! app, slot, release, calling action) are each stored once in a table and counted by the
//! records that hold them. `serve` answers the same few hosts and functions millions of times,
//! so this keeps each call at the record's size; a name leaves the table with the last record
//! that holds it, so a client sending a new `Host` on every request still holds memory only
//! within the window. Records are turned back into [`InvocationRecord`]s when read (a drill's
//! report, `take_invocations`), which is rare next to recording.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use serde::Serialize;
use slotdrill_model::{AzureName, Timestamp};

use crate::retention::Window;

/// Which slot and release answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedBy {
    /// The app.
    pub app: String,
    /// The slot.
    pub slot: String,
    /// The release the slot held, if any.
    pub release: Option<String>,
}

impl fmt::Display for ServedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}@{}",
            self.app,
            self.slot,
            self.release.as_deref().unwrap_or("-")
        )
    }
}

/// [`ServedBy`] borrowing its names from the estate, as the data plane answers a call: recorded
/// and sent without copying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServedByRef<'a> {
    pub(crate) app: &'a str,
    pub(crate) slot: &'a str,
    pub(crate) release: Option<&'a str>,
}

impl ServedByRef<'_> {
    /// The names, owned.
    pub(crate) fn to_owned(self) -> ServedBy {
        ServedBy {
            app: self.app.to_owned(),
            slot: self.slot.to_owned(),
            release: self.release.map(str::to_owned),
        }
    }

    /// [`ServedBy`]'s [`Display`](fmt::Display) text (`app/slot@release`, `-` for no release),
    /// written into one allocation of its exact size: the listener sends it with every function
    /// call.
    pub(crate) fn header_text(self) -> String {
        let release = self.release.unwrap_or("-");
        let mut text = String::with_capacity(self.app.len() + self.slot.len() + release.len() + 2);
        for part in [self.app, "/", self.slot, "@", release] {
            text.push_str(part);
        }
        text
    }
}

/// One function invocation, for the drill timeline. Never holds a key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvocationRecord {
    /// Virtual time of the call.
    pub at: Timestamp,
    /// The Logic App action that made it (`workflow/action`), if any.
    pub caller: Option<String>,
    /// The host it was sent to.
    pub host: String,
    /// The function, when the path named one.
    pub function: Option<String>,
    /// HTTP status of the answer.
    pub status: u16,
    /// Who answered.
    pub served_by: Option<ServedBy>,
}

/// A name in the table: its index plus one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Name(NonZeroU32);

impl Name {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// Names held by records, each once, with how many records hold it.
#[derive(Debug, Clone, Default)]
struct Names {
    ids: HashMap<Arc<str>, Name>,
    /// By index: the text and its holders; `None` once freed (its index is reused).
    entries: Vec<Option<(Arc<str>, u32)>>,
    free: Vec<Name>,
}

impl Names {
    /// The name for `text`, held once more.
    fn hold(&mut self, text: &str) -> Name {
        if let Some(&name) = self.ids.get(text) {
            if let Some(Some((_, holders))) = self.entries.get_mut(name.index()) {
                *holders = holders.saturating_add(1);
            }
            return name;
        }
        let text: Arc<str> = Arc::from(text);
        let name = match self.free.pop() {
            Some(name) => {
                if let Some(entry) = self.entries.get_mut(name.index()) {
                    *entry = Some((Arc::clone(&text), 1));
                }
                name
            }
            None => {
                self.entries.push(Some((Arc::clone(&text), 1)));
                // More than 4 billion distinct live names would need hundreds of gigabytes of
                // records first; saturating keeps this total without a panic path.
                let id = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
                Name(NonZeroU32::new(id).unwrap_or(NonZeroU32::MIN))
            }
        };
        self.ids.insert(text, name);
        name
    }

    /// [`Names::hold`], trying `previous` (the same field of the call before) first.
    fn hold_like(&mut self, text: &str, previous: Option<Name>) -> Name {
        if let Some(name) = previous
            && let Some(Some((held, holders))) = self.entries.get_mut(name.index())
            && **held == *text
        {
            *holders = holders.saturating_add(1);
            return name;
        }
        self.hold(text)
    }

    /// The name for `text` in ASCII lower case (host names), allocating only when `text` has
    /// upper-case letters.
    fn hold_lowercase(&mut self, text: &str, previous: Option<Name>) -> Name {
        self.hold_like(&AzureName::lower(text), previous)
    }

    /// One holder fewer; the last one frees the name.
    fn release(&mut self, name: Name) {
        let Some(slot) = self.entries.get_mut(name.index()) else {
            return;
        };
        let last = match slot {
            Some((_, holders)) if *holders > 1 => {
                *holders -= 1;
                false
            }
            Some(_) => true,
            None => false,
        };
        if last && let Some((text, _)) = slot.take() {
            self.ids.remove(&text);
            self.free.push(name);
        }
    }

    fn text(&self, name: Name) -> &str {
        match self.entries.get(name.index()) {
            Some(Some((text, _))) => text,
            _ => "",
        }
    }

    /// Bytes the table holds, approximately: the texts with their reference counts, the entries
    /// and the index (a hash table entry and its control byte per name).
    fn bytes(&self) -> usize {
        let texts: usize = self
            .entries
            .iter()
            .flatten()
            .map(|(text, _)| text.len() + 2 * std::mem::size_of::<usize>())
            .sum();
        texts
            + self.entries.capacity() * std::mem::size_of::<Option<(Arc<str>, u32)>>()
            + self.free.capacity() * std::mem::size_of::<Name>()
            + self.ids.capacity() * (std::mem::size_of::<(Arc<str>, Name)>() + 1)
    }
}

/// Who answered a kept call.
#[derive(Debug, Clone, Copy)]
struct Served {
    app: Name,
    slot: Name,
    release: Option<Name>,
}

/// One kept call: [`InvocationRecord`] with its names in the table.
#[derive(Debug, Clone, Copy)]
struct Record {
    at: Timestamp,
    host: Name,
    caller: Option<Name>,
    function: Option<Name>,
    served_by: Option<Served>,
    status: u16,
}

impl Record {
    fn names(&self) -> impl Iterator<Item = Name> {
        let served = self
            .served_by
            .map(|s| [Some(s.app), Some(s.slot), s.release]);
        [Some(self.host), self.caller, self.function]
            .into_iter()
            .chain(served.into_iter().flatten())
            .flatten()
    }
}

/// The kept calls and the count of all calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    records: VecDeque<Record>,
    names: Names,
    window: Window,
    /// Calls answered since the start or the last reset, kept or not.
    calls: u64,
}

/// One call to keep, as the data plane has it.
pub(crate) struct Call<'a> {
    pub(crate) at: Timestamp,
    pub(crate) caller: Option<&'a str>,
    /// The `Host` header as sent (kept in lower case).
    pub(crate) host: &'a str,
    pub(crate) function: Option<&'a str>,
    pub(crate) status: u16,
    pub(crate) served_by: Option<ServedByRef<'a>>,
}

impl Timeline {
    /// Keeps a call, dropping the oldest beyond the window, and counts it.
    pub(crate) fn record(&mut self, call: Call<'_>) {
        if self.records.len() >= self.window.entries()
            && let Some(oldest) = self.records.pop_front()
        {
            self.release(&oldest);
        }
        if self.records.len() == self.records.capacity() {
            // Doubling, but never past the window: a full default window is exactly 10,000
            // records, not the 16,384 that doubling would reach.
            let room = self.window.entries().saturating_sub(self.records.len());
            self.records
                .reserve_exact(self.records.capacity().max(4).min(room.max(1)));
        }
        // Calls in a row mostly name what the one before named: compared with it first, a name
        // is held again without hashing it.
        let last = self.records.back().copied();
        let names = &mut self.names;
        let served_last = last.and_then(|l| l.served_by);
        let record = Record {
            at: call.at,
            host: names.hold_lowercase(call.host, last.map(|l| l.host)),
            caller: call
                .caller
                .map(|c| names.hold_like(c, last.and_then(|l| l.caller))),
            function: call
                .function
                .map(|f| names.hold_like(f, last.and_then(|l| l.function))),
            served_by: call.served_by.map(|s| Served {
                app: names.hold_like(s.app, served_last.map(|l| l.app)),
                slot: names.hold_like(s.slot, served_last.map(|l| l.slot)),
                release: s
                    .release
                    .map(|r| names.hold_like(r, served_last.and_then(|l| l.release))),
            }),
            status: call.status,
        };
        self.records.push_back(record);
        self.calls = self.calls.saturating_add(1);
    }

    fn release(&mut self, record: &Record) {
        for name in record.names() {
            self.names.release(name);
        }
    }

    fn read(&self, record: &Record) -> InvocationRecord {
        let text = |name: Name| self.names.text(name).to_owned();
        InvocationRecord {
            at: record.at,
            caller: record.caller.map(text),
            host: text(record.host),
            function: record.function.map(text),
            status: record.status,
            served_by: record.served_by.map(|s| ServedBy {
                app: text(s.app),
                slot: text(s.slot),
                release: s.release.map(text),
            }),
        }
    }

    /// The kept calls, oldest first.
    pub(crate) fn records(&self) -> impl Iterator<Item = InvocationRecord> + '_ {
        self.records.iter().map(|r| self.read(r))
    }

    /// How many calls are kept.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Takes the kept calls, leaving none (the total stays counted).
    pub(crate) fn take(&mut self) -> Vec<InvocationRecord> {
        let taken = self.records().collect();
        self.records.clear();
        self.names = Names::default();
        taken
    }

    /// How many calls are kept from now on.
    pub(crate) fn set_window(&mut self, window: Window) {
        self.window = window;
        while self.records.len() > window.entries() {
            if let Some(oldest) = self.records.pop_front() {
                self.release(&oldest);
            }
        }
    }

    /// Forgets every call and the count, giving the memory back.
    pub(crate) fn forget(&mut self) {
        self.records = VecDeque::new();
        self.names = Names::default();
        self.calls = 0;
    }

    /// Calls answered since the start or the last reset.
    pub(crate) fn calls(&self) -> u64 {
        self.calls
    }

    /// Bytes the kept calls hold, approximately: the records (the ring's whole capacity) and
    /// the names table.
    pub(crate) fn retained_bytes(&self) -> usize {
        if self.records.is_empty() {
            return 0;
        }
        self.records.capacity() * std::mem::size_of::<Record>() + self.names.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn borrowed(served: &ServedBy) -> ServedByRef<'_> {
        ServedByRef {
            app: &served.app,
            slot: &served.slot,
            release: served.release.as_deref(),
        }
    }

    fn call<'a>(host: &'a str, function: &'a str, served_by: &'a ServedBy) -> Call<'a> {
        Call {
            at: Timestamp(7),
            caller: None,
            host,
            function: Some(function),
            status: 200,
            served_by: Some(borrowed(served_by)),
        }
    }

    #[test]
    fn the_header_text_is_the_display_text() {
        for release in [Some("v1".to_owned()), None] {
            let served = ServedBy {
                app: "orders".to_owned(),
                slot: "staging".to_owned(),
                release,
            };
            assert_eq!(borrowed(&served).header_text(), served.to_string());
            assert_eq!(borrowed(&served).to_owned(), served);
        }
    }

    #[test]
    fn a_kept_call_is_forty_bytes_with_no_heap_of_its_own() {
        assert!(
            std::mem::size_of::<Record>() <= 40,
            "{}",
            std::mem::size_of::<Record>()
        );
    }

    #[test]
    fn records_read_back_as_recorded_and_names_leave_with_their_last_record() {
        let served = ServedBy {
            app: "orders".to_owned(),
            slot: "production".to_owned(),
            release: Some("v1".to_owned()),
        };
        let mut timeline = Timeline::default();
        timeline.set_window(Window::new(2));
        timeline.record(call("Orders.azurewebsites.net:443", "F0", &served));
        timeline.record(call("a.example", "F1", &served));
        let read: Vec<_> = timeline.records().collect();
        assert_eq!(read[0].host, "orders.azurewebsites.net:443");
        assert_eq!(read[0].function.as_deref(), Some("F0"));
        assert_eq!(read[1].served_by.as_ref(), Some(&served));
        // Two more calls push both out: their hosts and functions leave the table.
        timeline.record(call("b.example", "F2", &served));
        timeline.record(call("b.example", "F2", &served));
        let live: Vec<&str> = timeline.names.ids.keys().map(|k| &**k).collect();
        assert!(
            !live.contains(&"a.example") && !live.contains(&"F0"),
            "{live:?}"
        );
        assert_eq!(
            timeline.names.ids.len(),
            5,
            "b.example, F2, orders, production, v1"
        );
        assert_eq!(timeline.calls(), 4);
        assert_eq!(timeline.take().len(), 2);
        assert_eq!(timeline.retained_bytes(), 0);
    }
}
