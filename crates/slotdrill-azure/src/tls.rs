//! The one way slotdrill builds an HTTP client: reqwest over rustls with the `ring` crypto
//! provider.
//!
//! reqwest's `rustls` feature brings aws-lc-rs, whose C build (aws-lc-sys) took ~50 s of a cold
//! release build on the 2-core machine; `ring` builds in a fraction of that (issue 19, figures
//! in ARCHITECTURE.md). With `rustls-no-provider` reqwest panics when it builds a client and no
//! process-wide provider is installed, so every client comes from [`client_builder`], which
//! installs `ring` first. `clippy.toml` forbids `reqwest::Client::new`/`builder` elsewhere.

use std::sync::Once;

/// A reqwest client builder, with `ring` installed as the process's rustls provider.
#[allow(clippy::disallowed_methods)] // The one place a reqwest client is begun.
pub fn client_builder() -> reqwest::ClientBuilder {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Another provider installed already (by an embedding program) is kept: installing
        // fails then, and reqwest uses the one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    use super::client_builder;

    #[test]
    fn a_client_builds_with_ring_installed_as_the_process_provider() {
        assert!(client_builder().build().is_ok());
        // A second client finds the provider already there.
        assert!(client_builder().build().is_ok());
        let installed = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        let ring = rustls::crypto::ring::default_provider();
        let names = |p: &rustls::crypto::CryptoProvider| {
            p.cipher_suites
                .iter()
                .map(|s| format!("{:?}", s.suite()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(installed), names(&ring));
    }
}
