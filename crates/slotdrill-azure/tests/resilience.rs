//! `ArmCloud` against a scripted ARM: lists follow `nextLink` (only to the configured endpoint),
//! throttling is retried after `Retry-After`, server errors are retried only for requests that
//! are safe to repeat, and retries give up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use slotdrill_azure::{ArmCloud, ArmConfig};
use slotdrill_engine::Cloud;
use slotdrill_model::Secret;

/// What the scripted ARM answers: for each request, in order, a status and a body; after the
/// script, 200 with the last body. Every request's method and path+query is recorded.
#[derive(Default)]
struct Script {
    answers: Mutex<Vec<(u16, String)>>,
    seen: Mutex<Vec<String>>,
    count: AtomicUsize,
}

async fn answer(State(script): State<Arc<Script>>, request: Request) -> Response {
    script.count.fetch_add(1, Ordering::SeqCst);
    let uri = request.uri().to_string();
    script
        .seen
        .lock()
        .expect("lock")
        .push(format!("{} {uri}", request.method()));
    let (status, body) = {
        let mut answers = script.answers.lock().expect("lock");
        if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers.first().cloned().unwrap_or((200, "{}".to_owned()))
        }
    };
    let status = StatusCode::from_u16(status).expect("status");
    let mut response = (status, body).into_response();
    if matches!(status.as_u16(), 429 | 503) {
        response
            .headers_mut()
            .insert("retry-after", "0".parse().expect("header"));
    }
    response
}

/// Serves `answers` on a loopback port; the cloud and the script.
fn scripted(answers: Vec<(u16, String)>) -> (ArmCloud, Arc<Script>, String) {
    let script = Arc::new(Script {
        answers: Mutex::new(answers),
        ..Script::default()
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new().fallback(answer).with_state(script.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app).await.expect("serves");
        });
    });
    let cloud = ArmCloud::new(ArmConfig {
        endpoint: endpoint.clone(),
        subscription: "sub".to_owned(),
        resource_group: "rg".to_owned(),
        token: Secret::new("token-that-must-not-leak".to_owned()),
        web_api_version: "2024-11-01".to_owned(),
        logic_api_version: "2019-05-01".to_owned(),
        release_setting: "SLOTDRILL_RELEASE".to_owned(),
    })
    .expect("client");
    (cloud, script, endpoint)
}

const WORKFLOWS: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Logic/workflows";

#[test]
fn lists_follow_next_link_and_throttling_is_waited_out() {
    let (cloud, script, endpoint) = scripted(Vec::new());
    *script.answers.lock().expect("lock") = vec![
        (
            429,
            r#"{"error":{"code":"TooManyRequests","message":"throttled"}}"#.to_owned(),
        ),
        (
            200,
            format!(
                r#"{{"value":[{{"name":"order-flow"}}],"nextLink":"{endpoint}{WORKFLOWS}?api-version=2019-05-01&$skiptoken=2"}}"#
            ),
        ),
        (200, r#"{"value":[{"name":"notify-flow"}]}"#.to_owned()),
    ];
    assert_eq!(
        cloud.workflows().expect("lists"),
        vec!["order-flow".to_owned(), "notify-flow".to_owned()]
    );
    let seen = script.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0], seen[1], "the throttled request is sent again");
    assert!(seen[2].ends_with("$skiptoken=2"), "{seen:?}");
}

#[test]
fn a_next_link_elsewhere_is_not_followed() {
    let (cloud, script, _) = scripted(vec![(
        200,
        r#"{"value":[{"name":"a"}],"nextLink":"https://attacker.example/steal"}"#.to_owned(),
    )]);
    let error = cloud.workflows().expect_err("refused").to_string();
    assert!(error.contains("nextLink leaves"), "{error}");
    assert!(!error.contains("token-that-must-not-leak"), "{error}");
    assert_eq!(script.count.load(Ordering::SeqCst), 1);
}

#[test]
fn server_errors_are_retried_for_reads_but_a_swap_is_sent_once() {
    let unavailable = || {
        vec![(
            503,
            r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#.to_owned(),
        )]
    };
    let (cloud, script, _) = scripted(unavailable());
    let error = cloud.workflows().expect_err("gives up").to_string();
    assert!(error.contains("503"), "{error}");
    assert_eq!(
        script.count.load(Ordering::SeqCst),
        5,
        "a GET: one try, four retries"
    );

    let (cloud, script, _) = scripted(unavailable());
    let error = cloud
        .swap("orders", "deploy", "production")
        .expect_err("fails")
        .to_string();
    assert!(error.contains("503"), "{error}");
    assert!(!error.contains("token-that-must-not-leak"), "{error}");
    assert_eq!(
        script.count.load(Ordering::SeqCst),
        1,
        "a POST may have acted: sent once"
    );
}

#[test]
fn throttling_retries_give_up_after_four() {
    let (cloud, script, _) = scripted(vec![(
        429,
        r#"{"error":{"code":"TooManyRequests","message":"throttled"}}"#.to_owned(),
    )]);
    let error = cloud.workflows().expect_err("gives up").to_string();
    assert!(error.contains("429"), "{error}");
    assert_eq!(
        script.count.load(Ordering::SeqCst),
        5,
        "one try and four retries"
    );
}
