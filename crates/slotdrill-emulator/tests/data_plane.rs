//! Function hosts per slot: routing by host name, keys, every behaviour of a release, traffic
//! routing with its cookie, and the two transports (in process and HTTP) agreeing.

mod common;

use std::time::Duration;

use common::{call, emulator, emulator_with, key, serve};
use serde_json::json;
use slotdrill_emulator::{EmulatorConfig, HostRequest, ROUTING_PIN_MS};
use slotdrill_model::{RampUpRule, SlotState};

#[test]
fn each_slot_answers_with_the_release_it_holds() {
    let emulator = emulator(1);
    let production = emulator.invoke(&call(
        "production",
        "ProcessOrder",
        Some(&key(&emulator, "production", "ProcessOrder")),
    ));
    assert_eq!(production.status, 200);
    assert_eq!(
        production.body,
        json!({ "function": "ProcessOrder", "release": "v1" })
    );
    assert_eq!(
        production.served_by.expect("served").to_string(),
        "orders/production@v1"
    );
    let deploy = emulator.invoke(&call(
        "deploy",
        "ProcessOrder",
        Some(&key(&emulator, "deploy", "ProcessOrder")),
    ));
    assert_eq!(deploy.body, json!({ "release": "v2", "ok": true }));
    assert_eq!(
        deploy.served_by.expect("served").to_string(),
        "orders/deploy@v2"
    );
}

#[test]
fn keys_are_enforced_per_slot() {
    let emulator = emulator(1);
    let production_key = key(&emulator, "production", "SendInvoice");
    let cases = [
        (call("production", "ProcessOrder", None), 401, "no key"),
        (
            call("production", "ProcessOrder", Some("wrong")),
            401,
            "wrong key",
        ),
        (
            call("deploy", "ProcessOrder", Some(&production_key)),
            401,
            "production's key on the deploy slot",
        ),
        (
            call(
                "production",
                "ProcessOrder",
                Some(&key(&emulator, "production", "ProcessOrder")),
            ),
            200,
            "its own key",
        ),
        (call("production", "Public", None), 200, "anonymous"),
        (
            call(
                "production",
                "AdminOnly",
                Some(&key(&emulator, "production", "AdminOnly")),
            ),
            401,
            "a function key on an admin function",
        ),
    ];
    for (request, status, why) in cases {
        assert_eq!(emulator.invoke(&request).status, status, "{why}");
    }
    let master = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .master
            .expose()
            .to_owned()
    });
    assert_eq!(
        emulator
            .invoke(&call("production", "AdminOnly", Some(&master)))
            .status,
        200,
        "master key"
    );
    let header = call("production", "ProcessOrder", None).with_header(
        "x-functions-key",
        &key(&emulator, "production", "ProcessOrder"),
    );
    assert_eq!(
        emulator.invoke(&header).status,
        200,
        "x-functions-key header"
    );
    let host_key = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .keys()
            .function_keys["default"]
            .expose()
            .to_owned()
    });
    assert_eq!(
        emulator
            .invoke(&call("production", "SendInvoice", Some(&host_key)))
            .status,
        200,
        "host key"
    );
}

#[test]
fn unknown_functions_hosts_and_paths_are_404() {
    let emulator = emulator(1);
    assert_eq!(
        emulator
            .invoke(&call("production", "Nope", Some("k")))
            .status,
        404
    );
    assert_eq!(
        emulator
            .invoke(&HostRequest::new(
                "GET",
                "https://nowhere.azurewebsites.net/api/X"
            ))
            .status,
        404
    );
    assert_eq!(
        emulator
            .invoke(&HostRequest::new(
                "GET",
                "https://orders.azurewebsites.net/admin/x"
            ))
            .status,
        404
    );
    let root = emulator.invoke(&HostRequest::new(
        "GET",
        "https://orders.azurewebsites.net/",
    ));
    assert_eq!(root.status, 200, "the host's own page");
}

#[test]
fn behaviours_play_back() {
    let emulator = emulator(1);
    let deploy = |function: &str| {
        emulator.invoke(&call(
            "deploy",
            function,
            Some(&key(&emulator, "deploy", function)),
        ))
    };
    assert_eq!(deploy("SendInvoice").status, 500);
    assert_eq!(deploy("Slow").latency_ms, 40);
    let hangs = deploy("Hangs");
    assert!(hangs.timed_out);
    assert_eq!((hangs.status, hangs.latency_ms), (504, 230_000));
    // Cold start: the first two calls after the deploy fail, then it is warm.
    let cold: Vec<u16> = (0..4).map(|_| deploy("Cold").status).collect();
    assert_eq!(cold, vec![503, 503, 200, 200]);
    // A required setting the slot lacks.
    assert_eq!(deploy("NeedsSetting").status, 500);
    emulator
        .change(|e| e.set_app_setting("orders", "deploy", "INVOICE_QUEUE", Some("invoices")))
        .expect("set");
    assert_eq!(deploy("NeedsSetting").status, 200);
    // A failure rate, seeded.
    let failures = (0..1000).filter(|_| deploy("Flaky").status == 500).count();
    assert!(
        (400..600).contains(&failures),
        "{failures} of 1000 failed at a 50% rate"
    );
}

#[test]
fn a_stopped_slot_answers_403() {
    let emulator = emulator(1);
    emulator
        .change(|e| e.set_slot_state("orders", "deploy", SlotState::Stopped))
        .expect("stop");
    assert_eq!(
        emulator
            .invoke(&call(
                "deploy",
                "ProcessOrder",
                Some(&key(&emulator, "deploy", "ProcessOrder"))
            ))
            .status,
        403
    );
}

fn routed(emulator: &slotdrill_emulator::Emulator, percentage: f64) {
    let host = emulator.read(|e| {
        e.slot("orders", "deploy")
            .expect("slot")
            .host_name()
            .to_owned()
    });
    emulator
        .change(|e| {
            e.set_routing(
                "orders",
                vec![RampUpRule::fixed("deploy", &host, percentage)],
            )
        })
        .expect("routing");
}

#[test]
fn routing_rules_send_a_share_of_production_traffic_to_a_slot() {
    let emulator = emulator(3);
    routed(&emulator, 10.0);
    let request = call("production", "Public", None);
    let to_deploy = (0..2000)
        .filter(|_| emulator.invoke(&request).served_by.expect("served").slot == "deploy")
        .count();
    assert!(
        (140..260).contains(&to_deploy),
        "{to_deploy} of 2000 went to deploy at 10%"
    );
    routed(&emulator, 0.0);
    assert!(
        (0..200).all(|_| emulator.invoke(&request).served_by.expect("served").slot == "production")
    );
}

#[test]
fn the_routing_cookie_pins_a_client_for_an_hour_of_virtual_time() {
    let emulator = emulator(5);
    routed(&emulator, 50.0);
    let first = emulator.invoke(&call("production", "Public", None));
    let slot = first.served_by.clone().expect("served").slot;
    let cookies: Vec<String> = first
        .headers
        .iter()
        .map(|(_, v)| v.split(';').next().expect("pair").to_owned())
        .collect();
    assert_eq!(cookies.len(), 2, "{:?}", first.headers);
    let pinned = call("production", "Public", None).with_header("cookie", &cookies.join("; "));
    for _ in 0..50 {
        assert_eq!(
            emulator.invoke(&pinned).served_by.expect("served").slot,
            slot,
            "pinned"
        );
    }
    emulator.advance(ROUTING_PIN_MS);
    let after: std::collections::BTreeSet<String> = (0..50)
        .map(|_| emulator.invoke(&pinned).served_by.expect("served").slot)
        .collect();
    assert_eq!(
        after.len(),
        2,
        "after an hour the pin expires and both slots are drawn again"
    );
}

#[test]
fn the_routing_query_parameter_opts_in_by_hand() {
    let emulator = emulator(5);
    routed(&emulator, 0.0);
    let opt_in = HostRequest::new(
        "GET",
        "https://orders.azurewebsites.net/api/Public?x-ms-routing-name=deploy",
    );
    let answer = emulator.invoke(&opt_in);
    assert_eq!(answer.served_by.expect("served").slot, "deploy");
    assert!(
        answer
            .headers
            .iter()
            .any(|(_, v)| v.starts_with("x-ms-routing-name=deploy"))
    );
    let back = HostRequest::new(
        "GET",
        "https://orders.azurewebsites.net/api/Public?x-ms-routing-name=self",
    );
    assert_eq!(
        emulator.invoke(&back).served_by.expect("served").slot,
        "production"
    );
}

#[test]
fn a_call_running_across_a_swap_completes_on_the_release_it_started_on() {
    let emulator = emulator(1);
    let request = call(
        "production",
        "Slow",
        Some(&key(&emulator, "production", "Slow")),
    );
    let running = emulator.start(&request);
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    let answer = emulator.finish(running);
    assert_eq!(
        (answer.status, answer.body["release"].as_str()),
        (200, Some("v1"))
    );
    assert_eq!(
        emulator
            .invoke(&request)
            .served_by
            .expect("served")
            .release
            .as_deref(),
        Some("v2")
    );
}

#[test]
fn running_executions_can_be_terminated_by_a_swap_when_configured() {
    let emulator = emulator_with(
        1,
        EmulatorConfig {
            terminate_running_on_swap: true,
            ..EmulatorConfig::default()
        },
    );
    let request = call(
        "production",
        "Slow",
        Some(&key(&emulator, "production", "Slow")),
    );
    let running = emulator.start(&request);
    emulator
        .change(|e| e.swap("orders", "deploy", "production"))
        .expect("swap");
    assert_eq!(emulator.finish(running).status, 503);
    let untouched = emulator.start(&request);
    assert_eq!(emulator.finish(untouched).status, 200, "no swap in between");
}

#[test]
fn no_key_is_recorded_on_the_timeline() {
    let emulator = emulator(1);
    let secret = key(&emulator, "production", "ProcessOrder");
    emulator.invoke(&call("production", "ProcessOrder", Some(&secret)));
    let timeline = serde_json::to_string(&emulator.invocations()).expect("json");
    assert!(
        timeline.contains("ProcessOrder") && !timeline.contains(&secret),
        "{timeline}"
    );
}

/// The same requests through both transports, on identically seeded emulators, give the same
/// answers: status, body, who served them, latency and cookies, with and without a body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_and_http_transports_agree() {
    let in_process = emulator(11);
    let served = serve(emulator(11)).await;
    routed(&in_process, 30.0);
    routed(&served.emulator, 30.0);
    let functions = [
        "ProcessOrder",
        "SendInvoice",
        "Slow",
        "Flaky",
        "Cold",
        "NeedsSetting",
        "Hangs",
        "Public",
        "AdminOnly",
        "Missing",
    ];
    let mut requests = Vec::new();
    for i in 0..300usize {
        let slot = if i % 3 == 0 { "deploy" } else { "production" };
        let function = functions[i % functions.len()];
        let key = match i % 4 {
            0 => None,
            1 => Some("wrong".to_owned()),
            _ => Some(key(&in_process, slot, function)),
        };
        let mut request = call(slot, function, key.as_deref());
        // The listener answers a call without a body at once and reads one with a body first:
        // both paths are taken.
        if i % 2 == 0 {
            request = request.with_body(json!({ "order": i }));
        }
        if i % 5 == 0 {
            request = request.with_header("cookie", "x-ms-routing-name=deploy; TiPMix=0");
        }
        requests.push(request);
    }
    requests.push(HostRequest::new(
        "GET",
        "https://nowhere.azurewebsites.net/api/X",
    ));
    for request in &requests {
        let local = in_process.invoke(request);
        let remote = served.send(request).await;
        assert_eq!(local.status, remote.status, "{request:?}");
        assert_eq!(local.body, remote.body, "{request:?}");
        assert_eq!(local.served_by, remote.served_by, "{request:?}");
        assert_eq!(local.latency_ms, remote.latency_ms, "{request:?}");
        assert_eq!(local.headers, remote.headers, "{request:?}");
    }
}

/// The Functions host reads the key from `x-functions-key` first and only then from `code`, and
/// reads query values decoded (`%3D%3D` is `==`, `+` a space), as ASP.NET Core's query parser
/// does. Every HTTP client encodes the `=` of a key it puts in a query.
#[test]
fn keys_are_read_decoded_and_the_header_wins_over_the_query() {
    let emulator = emulator(1);
    let good = key(&emulator, "production", "ProcessOrder");
    assert!(good.ends_with("=="), "keys end in == as Azure's do");
    let encoded = good.replace('=', "%3D");
    let cases = [
        (
            call("production", "ProcessOrder", Some(&encoded)),
            200,
            "an encoded key",
        ),
        (
            call("production", "ProcessOrder", Some(&good)),
            200,
            "a raw key",
        ),
        (
            call(
                "production",
                "ProcessOrder",
                Some(&good.replace('=', "%3d")),
            ),
            200,
            "lower-case escapes",
        ),
        (
            call("production", "ProcessOrder", Some("wrong")).with_header("x-functions-key", &good),
            200,
            "a good header beside a wrong query",
        ),
        (
            call("production", "ProcessOrder", Some(&good)).with_header("x-functions-key", "wrong"),
            401,
            "a wrong header beside a good query: the header is the one read",
        ),
        (
            call("production", "ProcessOrder", Some(&good)).with_header("x-functions-key", ""),
            401,
            "an empty header is still the header",
        ),
        (
            call(
                "production",
                "ProcessOrder",
                Some(&format!("{}%", &good[..good.len() - 2])),
            ),
            401,
            "a broken escape is not decoded into the key",
        ),
    ];
    for (request, status, why) in cases {
        assert_eq!(emulator.invoke(&request).status, status, "{why}");
    }
}

/// The same over HTTP: the query arrives as the client encoded it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encoded_key_is_accepted_over_http() {
    let served = serve(emulator(1)).await;
    let good = key(&served.emulator, "production", "ProcessOrder");
    let encoded = call(
        "production",
        "ProcessOrder",
        Some(&good.replace('=', "%3D")),
    );
    assert_eq!(served.send(&encoded).await.status, 200);
    let header_wins =
        call("production", "ProcessOrder", Some(&good)).with_header("x-functions-key", "wrong");
    assert_eq!(served.send(&header_wins).await.status, 401);
}

/// A function call that declares a body over the listener's limit is refused with 413 before
/// the body is read, as a management request is, and never reaches the function: nothing is
/// recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_call_declaring_an_oversized_body_gets_413_unread() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let served = serve(emulator(1)).await;
    let good = key(&served.emulator, "production", "ProcessOrder");
    let mut stream = tokio::net::TcpStream::connect(served.addr)
        .await
        .expect("connects");
    let declared = slotdrill_emulator::http::MAX_BODY + 1;
    let head = format!(
        "POST /api/ProcessOrder?code={good} HTTP/1.1\r\nHost: orders.azurewebsites.net\r\n\
         Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n{{\"order\":"
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    // Bounded: were the length not judged first, the listener would wait for the rest of the
    // body and this read would never end.
    let mut status = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(20), stream.read_exact(&mut status))
        .await
        .expect("answered before the body is sent")
        .expect("read");
    assert_eq!(&status, b"HTTP/1.1 413");
    assert_eq!(served.emulator.invocations().len(), 0);
}

/// Over HTTP, who answered is always sent, and the virtual latency only when there is one: a
/// function that answers at once carries no `x-slotdrill-latency-ms` header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latency_header_is_sent_only_for_a_latency() {
    let served = serve(emulator(1)).await;
    let url = |function: &str| {
        let key = key(&served.emulator, "deploy", function);
        format!(
            "http://orders-deploy.azurewebsites.net:{}/api/{function}?code={key}",
            served.addr.port()
        )
    };
    for (function, latency) in [("ProcessOrder", None), ("Slow", Some("40"))] {
        let answer = served
            .client
            .post(url(function))
            .send()
            .await
            .expect("sent");
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("x-slotdrill-latency-ms"), latency, "{function}");
        assert_eq!(
            header("x-slotdrill-served-by"),
            Some("orders/deploy@v2"),
            "{function}"
        );
    }
}
