//! HTTPS on the emulator's listener (issue 20): the management API over TLS with the generated
//! certificate, operation links and function URLs with the scheme and port the client used, data
//! -plane calls with SNI for `APP.azurewebsites.net` routed to their slot, the user's own
//! certificate and key, and a TLS-terminating proxy's `X-Forwarded-*` headers on the plain
//! listener.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::arm::{SITE, WEB_API_VERSION, header};
use serde_json::{Value, json};
use slotdrill_emulator::http::{Limits, serve_tls_with};
use slotdrill_emulator::tls::{SELF_SIGNED_NAMES, TlsError, TlsIdentity};
use slotdrill_test_support::arm::{Answer, send};

/// The reference estate served on a loopback port, over HTTPS when `tls` is given.
async fn serve(tls: Option<TlsIdentity>) -> SocketAddr {
    let emulator = Arc::new(common::emulator(1));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = serve_tls_with(
            emulator,
            listener,
            None,
            Limits::default(),
            tls.as_ref(),
            std::future::pending(),
        )
        .await;
    });
    addr
}

/// A client that trusts only `pem` and resolves the reference estate's hosts to `addr`.
fn trusting(pem: &str, addr: SocketAddr) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM");
    slotdrill_test_support::client_builder()
        .tls_certs_only([root])
        .resolve("orders.azurewebsites.net", addr)
        .resolve("orders-deploy.azurewebsites.net", addr)
        .build()
        .expect("client")
}

async fn call(client: &reqwest::Client, method: &str, url: &str, body: Option<Value>) -> Answer {
    send(client, method, url, body, Some("any-token"))
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn api(url: String) -> String {
    format!("{url}?api-version={WEB_API_VERSION}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_over_https_links_back_over_https_and_polls_to_the_end() {
    let identity = TlsIdentity::self_signed(SELF_SIGNED_NAMES).expect("certificate");
    let pem = identity.generated_pem.clone().expect("generated");
    let addr = serve(Some(identity)).await;
    let client = trusting(&pem, addr);
    let base = format!("https://127.0.0.1:{}", addr.port());

    let site = call(&client, "GET", &api(format!("{base}{SITE}/orders")), None).await;
    assert_eq!(site.status, 200, "{}", site.body);
    assert_eq!(site.body["name"], "orders");

    let started = call(
        &client,
        "POST",
        &api(format!("{base}{SITE}/orders/slotsswap")),
        Some(json!({ "targetSlot": "deploy" })),
    )
    .await;
    assert_eq!(started.status, 202, "{}", started.body);
    for name in ["location", "azure-asyncoperation"] {
        let link = header(&started, name);
        assert!(link.starts_with(&format!("{base}/")), "{name}: {link}");
    }
    let mut status = Value::Null;
    for _ in 0..20 {
        let poll = call(
            &client,
            "GET",
            &header(&started, "azure-asyncoperation"),
            None,
        )
        .await;
        status = poll.body["status"].clone();
        if status != "InProgress" {
            break;
        }
    }
    assert_eq!(status, "Succeeded");

    // A client that does not trust the certificate gets no answer at all.
    let stranger = slotdrill_test_support::client_builder()
        .tls_certs_only(Vec::<reqwest::Certificate>::new())
        .build()
        .expect("client");
    assert!(
        send(
            &stranger,
            "GET",
            &api(format!("{base}{SITE}/orders")),
            None,
            None
        )
        .await
        .is_err()
    );
    // Nor does a plain-HTTP client; the listener keeps serving the others.
    let plain = format!("http://127.0.0.1:{}{SITE}/orders", addr.port());
    assert!(
        send(
            &slotdrill_test_support::client(),
            "GET",
            &api(plain),
            None,
            None
        )
        .await
        .is_err()
    );
    let again = call(&client, "GET", &api(format!("{base}{SITE}/orders")), None).await;
    assert_eq!(again.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_urls_over_https_reach_their_slot_by_sni_and_host() {
    let identity = TlsIdentity::self_signed(SELF_SIGNED_NAMES).expect("certificate");
    let pem = identity.generated_pem.clone().expect("generated");
    let addr = serve(Some(identity)).await;
    let client = trusting(&pem, addr);
    let base = format!("https://127.0.0.1:{}", addr.port());
    for (slot, path, host) in [
        ("deploy", "/orders/slots/deploy", "orders-deploy"),
        ("production", "/orders", "orders"),
    ] {
        let secrets = call(
            &client,
            "POST",
            &api(format!(
                "{base}{SITE}{path}/functions/ProcessOrder/listsecrets"
            )),
            None,
        )
        .await;
        let trigger = secrets.body["trigger_url"].as_str().expect("trigger_url");
        let expected = format!(
            "https://{host}.azurewebsites.net:{}/api/ProcessOrder?code=",
            addr.port()
        );
        // The message shows the URL without its query: the key stays out of test output.
        let shown = trigger.split('?').next().unwrap_or_default();
        assert!(trigger.starts_with(&expected), "{slot}: {shown}");
        // The URL as written: the name is resolved to the listener, the handshake carries it
        // as SNI and the certificate must cover it (*.azurewebsites.net).
        let answer = client.post(trigger).json(&json!({})).send().await;
        let answer = answer.unwrap_or_else(|e| panic!("{slot}: {e}"));
        assert_ne!(answer.status(), 401, "{slot}: the key in the URL is taken");
        let served_by = answer
            .headers()
            .get("x-slotdrill-served-by")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            served_by.starts_with(&format!("orders/{slot}@")),
            "{slot}: {served_by}"
        );

        let functions = call(
            &client,
            "GET",
            &api(format!("{base}{SITE}{path}/functions")),
            None,
        )
        .await;
        let template = functions.body["value"][0]["properties"]["invoke_url_template"]
            .as_str()
            .expect("invoke_url_template")
            .to_owned();
        assert!(
            template.starts_with(&format!(
                "https://{host}.azurewebsites.net:{}/api/",
                addr.port()
            )),
            "{template}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_terminates_tls_gets_links_in_its_own_scheme_and_host() {
    let addr = serve(None).await;
    let client = slotdrill_test_support::client();
    let url = api(format!(
        "http://127.0.0.1:{}{SITE}/orders/slotsswap",
        addr.port()
    ));
    let swap = |proto: &'static str, host: Option<&'static str>| {
        let mut request = client
            .post(&url)
            .bearer_auth("any-token")
            .header("x-forwarded-proto", proto)
            .json(&json!({ "targetSlot": "deploy" }));
        if let Some(host) = host {
            request = request.header("x-forwarded-host", host);
        }
        request.send()
    };
    let answer = swap("https", Some("slotdrill.example:8443, inner.proxy"))
        .await
        .expect("answer");
    assert_eq!(answer.status(), 202);
    for name in ["location", "azure-asyncoperation"] {
        let link = answer.headers()[name].to_str().expect("text").to_owned();
        assert!(
            link.starts_with("https://slotdrill.example:8443/subscriptions/"),
            "{name}: {link}"
        );
    }
    // Only http and https are schemes: anything else leaves the listener's own.
    let secrets = |proto: &'static str, host: &'static str| {
        client
            .post(api(format!(
                "http://127.0.0.1:{}{SITE}/orders/functions/ProcessOrder/listsecrets",
                addr.port()
            )))
            .bearer_auth("any-token")
            .header("x-forwarded-proto", proto)
            .header("host", host)
            .send()
    };
    let trigger = |answer: Value| {
        answer["trigger_url"]
            .as_str()
            .expect("trigger_url")
            .to_owned()
    };
    let gopher = secrets("gopher", "127.0.0.1:7071").await.expect("answer");
    let gopher = trigger(gopher.json().await.expect("JSON"));
    assert!(
        gopher.starts_with("http://orders.azurewebsites.net:7071/api/ProcessOrder?code="),
        "{}",
        gopher.split('?').next().unwrap_or_default()
    );
    // Behind a proxy on 443 the function URL is Azure's own form.
    let proxied = secrets("https", "localhost").await.expect("answer");
    let proxied = trigger(proxied.json().await.expect("JSON"));
    assert!(
        proxied.starts_with("https://orders.azurewebsites.net/api/ProcessOrder?code="),
        "{}",
        proxied.split('?').next().unwrap_or_default()
    );
}

#[test]
fn the_users_own_certificate_and_key_are_served_and_a_mismatch_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let certificate = params.self_signed(&key).expect("certificate");
    let cert_file = write("cert.pem", certificate.pem());
    let key_file = write("key.pem", key.serialize_pem());
    let identity = TlsIdentity::from_pem_files(&cert_file, &key_file).expect("served");
    assert!(identity.generated_pem.is_none());

    let other = rcgen::KeyPair::generate().expect("key");
    let other_file = write("other.pem", other.serialize_pem());
    let mismatch = TlsIdentity::from_pem_files(&cert_file, &other_file);
    assert!(matches!(mismatch, Err(TlsError::Config(_))), "{mismatch:?}");
    let empty = TlsIdentity::from_pem_files(&key_file, &key_file);
    assert!(
        matches!(empty, Err(TlsError::NoCertificate(_))),
        "{empty:?}"
    );
    let missing = TlsIdentity::from_pem_files(&dir.path().join("none.pem"), &key_file);
    let shown = missing.expect_err("missing").to_string();
    assert!(shown.contains("none.pem"), "{shown}");
    // A key file's contents never appear in an error.
    let swapped = TlsIdentity::from_pem_files(&key_file, &cert_file);
    let shown = swapped.expect_err("no certificate").to_string();
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
}
