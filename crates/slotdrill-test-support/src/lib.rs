//! Helpers shared by slotdrill's tests and benches, so each exists once: the client the tests
//! use to send ARM requests (`arm`), how many proptest cases to run, the bundled drills, the
//! reference estate the emulator's tests share, and the benches' interleaved ratios (`bench`).
//!
//! This crate is `publish = false` and only ever a `[dev-dependencies]` entry: a library crate
//! must not depend on it (it pulls in an HTTP client and a runtime the libraries do without).
//! Helpers panic with a message instead of returning errors: a failed helper is a failed test.

pub mod arm;
pub mod bench;
mod estate;

use std::path::{Path, PathBuf};

pub use estate::reference_estate;
pub use slotdrill_azure::client_builder;

/// A reqwest client with slotdrill's TLS provider (see [`client_builder`]).
pub fn client() -> reqwest::Client {
    client_builder().build().expect("an HTTP client")
}

/// The workspace root, where `scenarios/` is (the root package's tests and benches run there).
pub const WORKSPACE_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The number of proptest cases: `PROPTEST_CASES` when it is set to a number, else `default`
/// (each test picks the count CI can afford, and a longer run only sets the variable).
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bundled drills, `scenarios/*.toml`, sorted by name. The paths are relative to the
/// workspace root (`scenarios/01-….toml`), as reports and snapshots name them; they open from
/// the root package's tests and benches, which run there.
pub fn bundled_drills() -> Vec<PathBuf> {
    let dir = Path::new(WORKSPACE_ROOT).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_name().map(|name| Path::new("scenarios").join(name)))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_drills_are_relative_sorted_toml_files_that_exist() {
        let drills = bundled_drills();
        assert!(drills.len() >= 16, "{drills:?}");
        assert!(drills.windows(2).all(|w| w[0] < w[1]));
        for drill in &drills {
            assert!(drill.starts_with("scenarios"), "{}", drill.display());
            assert!(
                Path::new(WORKSPACE_ROOT).join(drill).is_file(),
                "{}",
                drill.display()
            );
        }
    }
}

#[cfg(test)]
mod only_a_dev_dependency {
    use std::path::Path;

    /// The `[section]` each line of `manifest` belongs to, for the lines naming this crate.
    fn sections_naming_this_crate(manifest: &str) -> Vec<String> {
        let mut section = String::new();
        let mut found = Vec::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
            } else if line.starts_with("slotdrill-test-support") {
                found.push(section.clone());
            }
        }
        found
    }

    #[test]
    fn no_crate_depends_on_this_one_outside_its_dev_dependencies() {
        let root = Path::new(super::WORKSPACE_ROOT);
        let mut manifests = vec![root.join("Cargo.toml")];
        for entry in std::fs::read_dir(root.join("crates")).expect("crates/") {
            manifests.push(entry.expect("entry").path().join("Cargo.toml"));
        }
        let mut users = 0;
        for manifest in manifests.iter().filter(|m| m.is_file()) {
            let text = std::fs::read_to_string(manifest).expect("readable");
            for section in sections_naming_this_crate(&text) {
                let allowed = section == "[dev-dependencies]"
                    || (section == "[workspace.dependencies]"
                        && *manifest == root.join("Cargo.toml"));
                assert!(allowed, "{} names it under {section}", manifest.display());
                users += usize::from(section == "[dev-dependencies]");
            }
        }
        assert!(
            users >= 3,
            "the tests that share these helpers use it ({users})"
        );
    }
}
