//! The host names of [`crate::PreparedHints`], laid out for one lookup per call at estate scale.
//!
//! Observe looks a host up for every URL call, in no order over the whole estate, so what costs
//! is memory touched, not instructions: every part of the table a lookup reads is likely a cache
//! miss, and a table that outgrows a core's cache makes each call dearer as the estate grows.
//!
//! Nearly every host ARM reports is its slot's classic default host name
//! ([`slotdrill_model::classic_host_name`]: `APP.azurewebsites.net` for production,
//! `APP-SLOT.azurewebsites.net`, cut to 40 and 19 characters, for another slot), so such a host
//! keeps no text of its own: a lookup checks the name asked for against the app and slot it
//! would answer with ([`is_classic_host_name`], on text it reads anyway), and the table is a
//! small bucket per host and each app's name once. Any other host (a unique default host name,
//! a custom domain) keeps its own text. Either way the name asked for is compared in full: a
//! hash alone never answers.

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use slotdrill_model::{AzureName, classic_host_name, is_classic_host_name};

/// [`Entry::host`] of a host that is its slot's classic default host name.
const DEFAULT: u32 = u32::MAX;

/// Host name → (app, slot). Host names are compared in ASCII lower case (DNS names are
/// case-insensitive, as `AzureName` compares them), so either may be given in any case.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostTable {
    /// foldhash, not SipHash: the names come from the estate's own subscription.
    state: foldhash::fast::RandomState,
    entries: HashTable<Entry>,
    names: Names,
}

/// The text entries point into.
#[derive(Debug, Clone, Default)]
struct Names {
    /// Apps' and slots' names as given, and the other hosts' names in lower case.
    text: String,
    /// Each distinct slot name's range in `text`.
    slots: Vec<(u32, u32)>,
    /// Each host that is not its slot's classic default: its range in `text`.
    hosts: Vec<(u32, u32)>,
}

/// One host: its app at `text[app..app + app_len]`, its slot in `slots`, and `DEFAULT` or its
/// own name in `hosts`. Twelve bytes (padded to the 32 of four text offsets, the lookup took a
/// third more time at 400,000 actions, by perf): 20,000 hosts' buckets take 384 KiB.
#[derive(Debug, Clone, Copy)]
struct Entry {
    app: u32,
    app_len: u16,
    slot: u16,
    host: u32,
}

impl HostTable {
    /// A table of `hosts`: (host, app, slot); a host given twice (in any case) keeps the first.
    /// `None` when the hosts outgrow the table's compact offsets (text past 4 GiB, an app name
    /// past 64 KiB, more than 65,535 slot names): the caller looks them up another way.
    pub(crate) fn new<'h>(
        hosts: impl ExactSizeIterator<Item = (&'h str, &'h str, &'h str)>,
    ) -> Option<Self> {
        let mut table = HostTable {
            entries: HashTable::with_capacity(hosts.len()),
            ..HostTable::default()
        };
        let mut builder = Builder::default();
        for (host, app, slot) in hosts {
            table.insert(&mut builder, host, app, slot)?;
        }
        Some(table)
    }

    fn insert<'h>(
        &mut self,
        builder: &mut Builder<'h>,
        host: &'h str,
        app: &'h str,
        slot: &'h str,
    ) -> Option<()> {
        let lower = AzureName::lower(host);
        let hash = self.state.hash_one(&*lower);
        if self.find(hash, &lower).is_some() {
            return Some(());
        }
        let HostTable {
            state,
            entries,
            names,
        } = self;
        let entry = Entry {
            app: names.app_offset(builder, app)?,
            app_len: u16::try_from(app.len()).ok()?,
            slot: names.slot_index(builder, slot)?,
            host: if is_classic_host_name(&lower, app, slot) {
                DEFAULT
            } else {
                names.add_host(&lower)?
            },
        };
        // Only a resize hashes an entry again, and the table was sized for every host.
        entries.insert_unique(hash, entry, |e| state.hash_one(names.host_name(e)));
        Some(())
    }

    fn find(&self, hash: u64, lower: &str) -> Option<&Entry> {
        self.entries.find(hash, |e| self.names.is(e, lower))
    }

    /// The (app, slot) of `host`, in any case.
    pub(crate) fn get(&self, host: &str) -> Option<(&str, &str)> {
        let host = AzureName::lower(host);
        let entry = self.find(self.state.hash_one(&*host), &host)?;
        Some((self.names.app(entry), self.names.slot(entry)))
    }
}

impl Names {
    /// Where `app` is in the text: the previous host's app again (an app's hosts sort side by
    /// side), or added.
    fn app_offset<'h>(&mut self, builder: &mut Builder<'h>, app: &'h str) -> Option<u32> {
        if let Some((name, at)) = builder.last_app
            && name == app
        {
            return Some(at);
        }
        let (at, _) = self.add(app)?;
        builder.last_app = Some((app, at));
        Some(at)
    }

    fn slot_index<'h>(&mut self, builder: &mut Builder<'h>, slot: &'h str) -> Option<u16> {
        if let Some(&index) = builder.slots.get(slot) {
            return Some(index);
        }
        let index = u16::try_from(self.slots.len()).ok()?;
        let range = self.add(slot)?;
        self.slots.push(range);
        builder.slots.insert(slot, index);
        Some(index)
    }

    fn add_host(&mut self, lower: &str) -> Option<u32> {
        let range = self.add(lower)?;
        let index = u32::try_from(self.hosts.len())
            .ok()
            .filter(|&i| i != DEFAULT)?;
        self.hosts.push(range);
        Some(index)
    }

    /// `name` added to the text, and its range there.
    fn add(&mut self, name: &str) -> Option<(u32, u32)> {
        let start = offset(self.text.len())?;
        self.text.push_str(name);
        Some((start, offset(self.text.len())?))
    }

    fn app(&self, entry: &Entry) -> &str {
        let start = entry.app as usize;
        self.text
            .get(start..start + usize::from(entry.app_len))
            .unwrap_or_default()
    }

    fn slot(&self, entry: &Entry) -> &str {
        self.range(self.slots.get(usize::from(entry.slot)))
    }

    /// The entry's own host name, when it is not its app's default.
    fn own_host(&self, entry: &Entry) -> Option<&str> {
        (entry.host != DEFAULT).then(|| self.range(self.hosts.get(entry.host as usize)))
    }

    fn range(&self, range: Option<&(u32, u32)>) -> &str {
        range
            .and_then(|&(start, end)| self.text.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    /// The entry's host name in lower case (built again for a classic one: only a resize
    /// needs it).
    fn host_name(&self, entry: &Entry) -> String {
        match self.own_host(entry) {
            Some(host) => host.to_owned(),
            None => classic_host_name(self.app(entry), self.slot(entry)),
        }
    }

    /// Whether `entry` is the host `lower` (in lower case).
    fn is(&self, entry: &Entry, lower: &str) -> bool {
        match self.own_host(entry) {
            Some(host) => host == lower,
            None => is_classic_host_name(lower, self.app(entry), self.slot(entry)),
        }
    }
}

/// What building the table keeps only while it builds.
#[derive(Default)]
struct Builder<'h> {
    /// The last app added and where.
    last_app: Option<(&'h str, u32)>,
    /// Slot names added (as given: `Deploy` and `deploy` are kept apart, as the hints spell them).
    slots: HashMap<&'h str, u16>,
}

/// `len` as an offset into the text, if it fits.
fn offset(len: usize) -> Option<u32> {
    u32::try_from(len).ok()
}

#[cfg(test)]
mod tests;
