//! Clients we did not write, against `slotdrill serve --tls` (issues 16, 20): the official Azure
//! SDK for Python (`tests/conformance/test_sdk.py`, pinned in `tests/conformance/requirements.txt`)
//! and a plain `requests` client drive a served estate over HTTPS, trusting the certificate
//! `serve` generated through `REQUESTS_CA_BUNDLE` as a user would (the SDK sends its bearer token
//! over HTTPS only); any failing call fails this test.
//!
//! The Python environment is the one `.ci/run` creates (`.venv-conformance`), or the interpreter
//! `SLOTDRILL_CONFORMANCE_PYTHON` names. Without it the test says so loudly and passes — unless
//! `CI` is set, where a missing environment is a failure: CI must run the suite.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use common::serve_tls_estate;

/// The orders estate plus a Logic Apps Standard site with a slot (`tests/data/`).
const ESTATE: &str = "tests/data/conformance-estate.toml";

/// The interpreter of the suite's virtual environment, if there is one.
fn python() -> Option<PathBuf> {
    let path = std::env::var_os("SLOTDRILL_CONFORMANCE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-conformance/bin/python")
        });
    path.exists().then_some(path)
}

/// `CI` as CI services set it (`true`, `1`); empty or `false` is not CI.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("false"))
}

#[test]
fn the_official_azure_sdk_for_python_drives_serve() {
    let Some(python) = python() else {
        assert!(
            !in_ci(),
            "CI is set but the conformance environment is missing: .ci/run creates it \
             (python3 -m venv .venv-conformance && .venv-conformance/bin/pip install -r \
             tests/conformance/requirements.txt) and exports SLOTDRILL_CONFORMANCE_PYTHON"
        );
        // Straight to stderr: the harness captures `eprintln!` of a passing test, and a skip
        // must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the conformance suite (official Azure SDK for Python against \
             `slotdrill serve`) did not run: no .venv-conformance and SLOTDRILL_CONFORMANCE_PYTHON \
             unset. Create it with: python3 -m venv .venv-conformance && \
             .venv-conformance/bin/pip install -r tests/conformance/requirements.txt ***\n"
        );
        return;
    };
    let (server, certificate) = serve_tls_estate(ESTATE, &[]);
    let output = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "tests/conformance",
            "-q",
            "-p",
            "no:cacheprovider",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SLOTDRILL_CONFORMANCE_ENDPOINT", &server.base)
        .env("REQUESTS_CA_BUNDLE", &certificate)
        // Keep the worktree clean: no __pycache__ next to the suite.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    drop(server);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the conformance suite failed ({}):\n{report}",
        output.status
    );
    assert!(report.contains(" passed"), "pytest ran no test:\n{report}");
    eprintln!("{report}");
}
