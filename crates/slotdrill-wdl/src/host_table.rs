//! The host names of [`crate::PreparedHints`], laid out for one lookup per call at estate scale.
//!
//! Observe looks a host up for every URL call, in no order over the whole estate, so what costs
//! is memory touched, not instructions: every part of the table a lookup reads is likely a cache
//! miss, and a table that outgrows a core's cache makes each call dearer as the estate grows.
//!
//! Nearly every host ARM reports is an app's default host name, `APP.azurewebsites.net` for
//! production and `APP-SLOT.azurewebsites.net` for another slot, so such a host keeps no text
//! of its own: a lookup checks the name asked for against the app and slot it would answer with
//! (text it reads anyway), and the table is a small bucket per host and each app's name once.
//! Any other host (a unique default host name, a custom domain) keeps its own text. Either way
//! the name asked for is compared in full: a hash alone never answers.

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use slotdrill_model::PRODUCTION;

/// The domain of classic default host names.
const DOMAIN: &str = ".azurewebsites.net";

/// [`Entry::host`] of a host that is its app's default host name for its slot.
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
    /// Apps' and slots' names as given, and the hosts that are no app's default, lower case.
    text: String,
    /// Each distinct slot name's range in `text`.
    slots: Vec<(u32, u32)>,
    /// Each host that is no app's default: its range in `text`.
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
        builder.lower.clear();
        builder.lower.push_str(host);
        builder.lower.make_ascii_lowercase();
        let hash = self.state.hash_one(&builder.lower);
        if self.find(hash, &builder.lower).is_some() {
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
            host: if is_default_host(&builder.lower, app, slot) {
                DEFAULT
            } else {
                names.add_host(&builder.lower)?
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
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.get_lower(&host.to_ascii_lowercase());
        }
        self.get_lower(host)
    }

    fn get_lower(&self, host: &str) -> Option<(&str, &str)> {
        let entry = self.find(self.state.hash_one(host), host)?;
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
        let index = offset(self.hosts.len())?;
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

    /// The entry's host name in lower case (made again for a default host: only a resize
    /// needs it).
    fn host_name(&self, entry: &Entry) -> String {
        if let Some(host) = self.own_host(entry) {
            return host.to_owned();
        }
        let (app, slot) = (self.app(entry), self.slot(entry));
        let mut name = app.to_ascii_lowercase();
        if !slot.eq_ignore_ascii_case(PRODUCTION) {
            name.push('-');
            name.push_str(&slot.to_ascii_lowercase());
        }
        name.push_str(DOMAIN);
        name
    }

    /// Whether `entry` is the host `lower` (in lower case).
    fn is(&self, entry: &Entry, lower: &str) -> bool {
        match self.own_host(entry) {
            Some(host) => host == lower,
            None => is_default_host(lower, self.app(entry), self.slot(entry)),
        }
    }
}

/// What building the table keeps only while it builds.
#[derive(Default)]
struct Builder<'h> {
    /// The host being added, in lower case.
    lower: String,
    /// The last app added and where.
    last_app: Option<(&'h str, u32)>,
    /// Slot names added (as given: `Deploy` and `deploy` are kept apart, as the hints spell them).
    slots: HashMap<&'h str, u16>,
}

/// `len` as an offset into the text, if it fits.
fn offset(len: usize) -> Option<u32> {
    u32::try_from(len).ok().filter(|&o| o != DEFAULT)
}

/// Whether `host` is `app`'s default host name for `slot`, in any case:
/// `APP.azurewebsites.net` for production, `APP-SLOT.azurewebsites.net` for another slot.
fn is_default_host(host: &str, app: &str, slot: &str) -> bool {
    let host = host.as_bytes();
    let Some(label) = host
        .len()
        .checked_sub(DOMAIN.len())
        .filter(|&end| host[end..].eq_ignore_ascii_case(DOMAIN.as_bytes()))
        .map(|end| &host[..end])
    else {
        return false;
    };
    let Some(rest) = label
        .get(..app.len())
        .filter(|head| head.eq_ignore_ascii_case(app.as_bytes()))
        .map(|_| &label[app.len()..])
    else {
        return false;
    };
    if slot.eq_ignore_ascii_case(PRODUCTION) {
        rest.is_empty()
    } else {
        rest.split_first()
            .is_some_and(|(dash, name)| *dash == b'-' && name.eq_ignore_ascii_case(slot.as_bytes()))
    }
}

#[cfg(test)]
mod tests;
