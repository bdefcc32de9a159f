//! `slotdrill serve --tls` and `--cert/--key` from outside (issue 20): the two lines it prints,
//! the engine CLI planning and rolling back through HTTPS when told to trust the certificate
//! (`--ca-cert`) and refusing when not, and the user's own certificate served.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};

use common::{SITE, send_with, serve_tls, slotdrill, text, trusting};
use serde_json::json;
use slotdrill_test_support::arm::WEB_API_VERSION;

#[test]
fn the_cli_plans_and_rolls_back_through_serve_tls_with_ca_cert() {
    let (server, certificate) = serve_tls(&[]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let pem = std::fs::read_to_string(&certificate).expect("certificate file");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!pem.contains("PRIVATE KEY"), "the key stays in the process");

    // v2 (its SendInvoice broken) swapped into production over HTTPS, polled to the end.
    let client = trusting(&certificate);
    let started = send_with(
        &client,
        "POST",
        &format!(
            "{}{SITE}/slotsswap?api-version={WEB_API_VERSION}",
            server.base
        ),
        Some(json!({ "targetSlot": "deploy" })),
    );
    let poll = started.headers["azure-asyncoperation"]
        .to_str()
        .expect("header")
        .to_owned();
    assert!(poll.starts_with(&format!("{}/", server.base)), "{poll}");
    let done = (0..10)
        .map(|_| send_with(&client, "GET", &poll, None).body["status"].clone())
        .find(|status| status != "InProgress");
    assert_eq!(done, Some(json!("Succeeded")));

    let ca = certificate.to_str().expect("utf-8 path");
    // Without the certificate the CLI trusts only the platform's store: nothing is sent.
    let untrusted = slotdrill(&server, &["plan", "--mode", "full"]);
    assert_eq!(untrusted.status.code(), Some(1), "{}", text(&untrusted));
    assert!(
        text(&untrusted).contains("not sent, so nothing was changed"),
        "{}",
        text(&untrusted)
    );

    let planned = slotdrill(
        &server,
        &[
            "plan",
            "--mode",
            "full",
            "--accept-sticky-diff",
            "--ca-cert",
            ca,
        ],
    );
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned));
    assert!(
        text(&planned).contains("rollback plan: full"),
        "{}",
        text(&planned)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("rollback.jsonl");
    let applied = slotdrill(
        &server,
        &[
            "rollback",
            "--mode",
            "full",
            "--accept-sticky-diff",
            "--apply",
            "--journal",
            journal.to_str().expect("utf-8 path"),
            "--ca-cert",
            ca,
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    // Production serves v1 again, as the engine's swap (an operation polled over HTTPS) left it.
    let settings = send_with(
        &client,
        "POST",
        &format!(
            "{}{SITE}/config/appsettings/list?api-version={WEB_API_VERSION}",
            server.base
        ),
        None,
    );
    assert_eq!(
        settings.body["properties"]["SLOTDRILL_RELEASE"],
        "v1",
        "{}",
        text(&applied)
    );

    let unreadable = slotdrill(&server, &["status", "--ca-cert", "/nonexistent/ca.pem"]);
    assert_eq!(unreadable.status.code(), Some(2), "{}", text(&unreadable));
    assert!(
        text(&unreadable).contains("/nonexistent/ca.pem: cannot read the CA certificate"),
        "{}",
        text(&unreadable)
    );
}

/// `serve --cert FILE --key FILE` on a free loopback port, stdout and stderr piped.
fn serve_own(cert: &str, key: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args([
            "serve",
            "--estate",
            common::ESTATE,
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--cert", cert, "--key", key])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts")
}

#[test]
fn serve_uses_the_users_own_certificate_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let cert_pem = params.self_signed(&key).expect("certificate").pem();
    let cert_file = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert_file, &cert_pem).expect("write");
    std::fs::write(&key_file, key.serialize_pem()).expect("write");
    let (cert, key_path) = (
        cert_file.to_str().expect("utf-8"),
        key_file.to_str().expect("utf-8"),
    );

    let mut child = serve_own(cert, key_path);
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).expect("line");
    out.read_line(&mut second).expect("line");
    let server = common::Server {
        base: first.trim().replace("listening on ", ""),
        child,
    };
    assert!(server.base.starts_with("https://127.0.0.1:"), "{first}");
    assert_eq!(second.trim(), format!("certificate {cert}"));
    // The certificate names localhost only: a client reaches it by that name.
    let port = server.base.rsplit(':').next().expect("port");
    let site = send_with(
        &trusting(&cert_file),
        "GET",
        &format!("https://localhost:{port}{SITE}?api-version={WEB_API_VERSION}"),
        None,
    );
    assert_eq!(site.status, 200, "{}", site.body);
    drop(server);

    // A key that is not the certificate's is bad input, named as such; its contents unshown.
    let other = rcgen::KeyPair::generate().expect("key");
    let other_file = dir.path().join("other.pem");
    std::fs::write(&other_file, other.serialize_pem()).expect("write");
    let refused = serve_own(cert, other_file.to_str().expect("utf-8"))
        .wait_with_output()
        .expect("ends");
    assert_eq!(refused.status.code(), Some(2));
    let shown = String::from_utf8_lossy(&refused.stderr);
    assert!(shown.contains("error: cannot serve HTTPS"), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");

    let half = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["serve", "--estate", common::ESTATE, "--cert", cert])
        .output()
        .expect("runs");
    assert_eq!(half.status.code(), Some(2), "--cert needs --key");
}

#[test]
fn help_and_readme_name_the_flags_the_certificate_line_and_how_to_trust_it() {
    let help = Command::new(env!("CARGO_BIN_EXE_slotdrill"))
        .args(["serve", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for (text, name) in [(&help, "serve --help"), (&readme, "README.md")] {
        for needed in [
            "--tls",
            "--cert",
            "--key",
            "certificate ",
            "NODE_EXTRA_CA_CERTS",
            "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE",
            "--cacert",
            "--ca-cert",
        ] {
            assert!(text.contains(needed), "{name} does not mention {needed}");
        }
    }
}
