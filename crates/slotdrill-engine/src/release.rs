//! What identifies the release a slot runs, from what Azure shows, strongest first: the release
//! label setting; else the slot's active deployment record; else the package URL in
//! `WEBSITE_RUN_FROM_PACKAGE`. Every back end builds its snapshots with these pieces, so the
//! emulator reports exactly what ARM would. A package URL's query is never kept anywhere: on
//! Blob storage it is a SAS token, a secret.

use std::collections::BTreeMap;

use crate::cloud::ReleaseSource;

/// The app setting that runs a slot from a package (Learn, "Run your Azure Functions from a
/// package file": `1`, or the URL of the package).
pub const RUN_FROM_PACKAGE: &str = "WEBSITE_RUN_FROM_PACKAGE";

/// A slot's release identity, where it came from, and a note for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseIdentity {
    /// What identifies the release ([`crate::SlotSnapshot::release`]).
    pub release: Option<String>,
    /// Where that came from.
    pub source: ReleaseSource,
    /// What the back end says about it, for people.
    pub note: Option<String>,
}

impl ReleaseIdentity {
    /// The release label setting's value.
    pub fn label(value: &str) -> ReleaseIdentity {
        ReleaseIdentity {
            release: Some(value.to_owned()),
            source: ReleaseSource::Label,
            note: None,
        }
    }

    /// An active deployment record: its id, with a note "{first line of message}, {end time}".
    pub fn deployment(id: &str, message: Option<&str>, ended: Option<&str>) -> ReleaseIdentity {
        // A commit message may run to many lines; the first says what it is.
        let message = message
            .and_then(|m| m.lines().next())
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let ended = ended.filter(|t| !t.is_empty());
        let note = match (message, ended) {
            (Some(message), Some(ended)) => Some(format!("{message}, {ended}")),
            (Some(text), None) | (None, Some(text)) => Some(text.to_owned()),
            (None, None) => None,
        };
        ReleaseIdentity {
            release: Some(id.to_owned()),
            source: ReleaseSource::Deployment,
            note,
        }
    }

    /// The identity `WEBSITE_RUN_FROM_PACKAGE` gives, or why nothing identifies the release
    /// (`label` names the release label setting that was looked for).
    pub fn from_settings(settings: &BTreeMap<String, String>, label: &str) -> ReleaseIdentity {
        let value = settings
            .iter()
            .find_map(|(k, v)| k.eq_ignore_ascii_case(RUN_FROM_PACKAGE).then_some(v));
        if let Some(url) = value.and_then(|v| package_url(v)) {
            return ReleaseIdentity {
                release: Some(url),
                source: ReleaseSource::Package,
                note: Some(format!(
                    "the package {RUN_FROM_PACKAGE} names (its query, which may hold a SAS token, left out)"
                )),
            };
        }
        let package = match value.map(|v| v.trim()) {
            None => format!("no {RUN_FROM_PACKAGE}"),
            Some("1") => {
                format!("{RUN_FROM_PACKAGE}=1, whose package name is in a file ARM does not expose")
            }
            Some(_) => format!("a {RUN_FROM_PACKAGE} that is not a package URL"),
        };
        ReleaseIdentity {
            release: None,
            source: ReleaseSource::Unknown,
            note: Some(format!(
                "nothing identifies this release: no {label} setting, no active deployment record, {package}"
            )),
        }
    }
}

/// `url` without its query, fragment or user information: what names the package. `None` when
/// `value` is not an http(s) URL (`1` runs the package named in `packagename.txt`, a file ARM
/// does not expose).
pub fn package_url(value: &str) -> Option<String> {
    let value = value.trim();
    let (scheme, rest) = value.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or_default();
    (!host.is_empty()).then(|| format!("{scheme}://{host}{path}"))
}

/// `settings` with the query of a `WEBSITE_RUN_FROM_PACKAGE` URL left out, so that a SAS token
/// never reaches a snapshot, a plan or a journal. Two slots running the same package still
/// compare equal; only a rotated token no longer shows as a difference.
pub fn without_package_secrets(settings: &mut BTreeMap<String, String>) {
    for (name, value) in settings.iter_mut() {
        if name.eq_ignore_ascii_case(RUN_FROM_PACKAGE)
            && let Some(url) = package_url(value)
            && url.len() != value.trim().len()
        {
            *value = format!("{url}?(query omitted by slotdrill)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_url_names_a_package_and_its_secrets_are_cut() {
        assert_eq!(package_url("1"), None);
        assert_eq!(package_url("0"), None);
        assert_eq!(package_url("ftp://host/p.zip"), None);
        assert_eq!(
            package_url(" https://st.blob.core.windows.net/c/v2.zip?sv=2022&sig=SECRET#x ")
                .as_deref(),
            Some("https://st.blob.core.windows.net/c/v2.zip")
        );
        assert_eq!(
            package_url("https://user:pw@host/p.zip").as_deref(),
            Some("https://host/p.zip")
        );
        assert_eq!(package_url("https://?sig=SECRET"), None);
    }

    #[test]
    fn the_package_setting_keeps_no_query() {
        let mut settings = BTreeMap::from([
            (
                "website_run_from_package".to_owned(),
                "https://h/p.zip?sig=SECRET".to_owned(),
            ),
            ("OTHER".to_owned(), "https://h/q?x=1".to_owned()),
        ]);
        without_package_secrets(&mut settings);
        assert_eq!(
            settings["website_run_from_package"],
            "https://h/p.zip?(query omitted by slotdrill)"
        );
        assert_eq!(
            settings["OTHER"], "https://h/q?x=1",
            "only the package setting"
        );
    }
}
