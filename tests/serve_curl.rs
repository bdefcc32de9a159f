//! `slotdrill serve`'s function hosts as a real HTTP client sees them: the `curl` binary, with the
//! key encoded in the query (as every client encodes the `=` of `code=…==`), raw, and in the
//! `x-functions-key` header beside a query key (the header wins, as in the Functions host's
//! `AuthenticationLevelHandler`).

mod common;

use std::process::Command;

use common::{SITE, Server, arm, serve};

const HOST: &str = "orders.azurewebsites.net";

/// ProcessOrder's key on production, read over ARM as a client would.
fn process_order_key(server: &Server) -> String {
    let keys = arm(
        server,
        "POST",
        &format!(
            "{SITE}/functions/ProcessOrder/listsecrets?api-version={}",
            slotdrill_test_support::arm::WEB_API_VERSION
        ),
        None,
    );
    keys["key"].as_str().expect("a key").to_owned()
}

/// Runs `curl` against production's host name, resolved to the server; `args` come before the
/// URL. Returns the status and the URL curl actually requested.
fn curl(server: &Server, query: &str, args: &[&str]) -> (u16, String) {
    let port = server.base.rsplit(':').next().expect("a port").to_owned();
    let output = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-X", "POST"])
        .args(["--resolve", &format!("{HOST}:{port}:127.0.0.1")])
        .args(["-w", "%{http_code} %{url_effective}"])
        .args(args)
        .arg(format!("http://{HOST}:{port}/api/ProcessOrder{query}"))
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl failed: {:?}", output.status);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (status, url) = text.split_once(' ').expect("status and url");
    (status.parse().expect("a status"), url.to_owned())
}

#[test]
fn curl_with_an_encoded_key_is_let_in() {
    let server = serve();
    let key = process_order_key(&server);
    assert!(key.ends_with("=="), "keys end in == as Azure's do");
    // `-G --data-urlencode` puts the pair in the query, percent-encoded.
    let (status, url) = curl(
        &server,
        "",
        &["-G", "--data-urlencode", &format!("code={key}")],
    );
    // curl writes the escapes in lower case (`%3d`); both cases are the same byte.
    assert!(
        url.to_ascii_lowercase().ends_with("%3d%3d"),
        "curl encoded the key's `=`"
    );
    assert_eq!(status, 200, "the encoded key is the right key");
}

#[test]
fn curl_with_a_raw_key_is_let_in_and_without_one_is_not() {
    let server = serve();
    let key = process_order_key(&server);
    let (status, url) = curl(&server, &format!("?code={key}"), &[]);
    assert!(url.ends_with("=="), "curl sent the key as written");
    assert_eq!(status, 200);
    assert_eq!(curl(&server, "", &[]).0, 401, "no key");
    assert_eq!(curl(&server, "?code=wrong", &[]).0, 401, "a wrong key");
}

#[test]
fn curl_with_header_and_query_keys_is_judged_by_the_header() {
    let server = serve();
    let key = process_order_key(&server);
    let header = format!("x-functions-key: {key}");
    assert_eq!(
        curl(&server, "?code=wrong", &["-H", &header]).0,
        200,
        "a good header beside a wrong query key"
    );
    assert_eq!(
        curl(
            &server,
            &format!("?code={key}"),
            &["-H", "x-functions-key: wrong"]
        )
        .0,
        401,
        "a wrong header beside a good query key: the header is the one read"
    );
}
