//! The host names of [`crate::PreparedHints`], laid out for one lookup per call at estate scale.
//!
//! Observe looks a host up for every URL call, in no order over the whole estate, so what costs
//! is memory touched, not instructions: a map of owned strings touched four places per lookup
//! (bucket, key, app, slot), each likely a cache miss once the estate outgrows the cache. Here a
//! bucket is a few offsets (40,000 hosts fit in a core's L2 cache) and a host's name, app and
//! slot sit side by side in one text, so a lookup reads one bucket and one run of text.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Host name → (app, slot). Host names are kept and looked up in lower case (DNS names are
/// case-insensitive, as `AzureName` compares them), so either may be given in any case.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostTable {
    /// foldhash, not SipHash: the names come from the estate's own subscription.
    state: foldhash::fast::RandomState,
    entries: HashTable<Entry>,
    /// Each entry's host, app and slot, one after the other.
    text: String,
}

/// Where an entry's parts are in [`HostTable::text`]: host `start..host`, app `host..app`,
/// slot `app..slot`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    host: usize,
    app: usize,
    slot: usize,
}

impl HostTable {
    /// A table of `hosts`: (host, app, slot); a host given twice (in any case) keeps the first.
    pub(crate) fn new<'h>(
        hosts: impl ExactSizeIterator<Item = (&'h str, &'h str, &'h str)>,
    ) -> Self {
        let mut table = HostTable {
            entries: HashTable::with_capacity(hosts.len()),
            ..HostTable::default()
        };
        for (host, app, slot) in hosts {
            table.insert(host, app, slot);
        }
        table
    }

    fn insert(&mut self, host: &str, app: &str, slot: &str) {
        // Lower-cased in place in the text, where it is kept: no string of its own.
        let start = self.text.len();
        self.text.push_str(host);
        let host_end = self.text.len();
        self.text[start..].make_ascii_lowercase();
        let hash = self.state.hash_one(&self.text[start..]);
        if self.find(hash, &self.text[start..]).is_some() {
            self.text.truncate(start);
            return;
        }
        let HostTable {
            state,
            entries,
            text,
        } = self;
        text.push_str(app);
        let app_end = text.len();
        text.push_str(slot);
        let entry = Entry {
            start,
            host: host_end,
            app: app_end,
            slot: text.len(),
        };
        entries.insert_unique(hash, entry, |e| state.hash_one(&text[e.start..e.host]));
    }

    fn find(&self, hash: u64, host: &str) -> Option<&Entry> {
        self.entries
            .find(hash, |e| self.text.get(e.start..e.host) == Some(host))
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
        Some((
            self.text.get(entry.host..entry.app)?,
            self.text.get(entry.app..entry.slot)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::HostTable;

    #[test]
    fn each_host_answers_its_own_app_and_slot() {
        let hosts: Vec<(String, String, String)> = (0..2_000)
            .flat_map(|a| {
                [
                    (
                        format!("app{a}.azurewebsites.net"),
                        format!("App{a}"),
                        "production".to_owned(),
                    ),
                    (
                        format!("app{a}-deploy.azurewebsites.net"),
                        format!("App{a}"),
                        "deploy".to_owned(),
                    ),
                ]
            })
            .collect();
        let table = HostTable::new(
            hosts
                .iter()
                .map(|(h, a, s)| (h.as_str(), a.as_str(), s.as_str())),
        );
        for (host, app, slot) in &hosts {
            assert_eq!(table.get(host), Some((app.as_str(), slot.as_str())));
            let upper = host.to_ascii_uppercase();
            assert_eq!(table.get(&upper), Some((app.as_str(), slot.as_str())));
        }
        assert_eq!(table.get("app2000.azurewebsites.net"), None);
        assert_eq!(table.get("app1.azurewebsites.ne"), None);
        assert_eq!(table.get(""), None);
    }

    #[test]
    fn a_host_given_twice_in_any_case_keeps_the_first() {
        let table = HostTable::new(
            [
                ("a.azurewebsites.net", "a", "production"),
                ("A.AzureWebsites.net", "b", "deploy"),
                ("c.azurewebsites.net", "c", "staging"),
            ]
            .into_iter(),
        );
        assert_eq!(table.get("a.azurewebsites.net"), Some(("a", "production")));
        // The refused duplicate left nothing behind in the text the next host is read from.
        assert_eq!(table.get("C.azurewebsites.net"), Some(("c", "staging")));
    }
}
