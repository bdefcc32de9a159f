//! `ArmCloud` against a scripted ARM: lists follow `nextLink` (only to the configured endpoint),
//! throttling is retried after `Retry-After`, server errors are retried only for requests that
//! are safe to repeat, retries give up, and tokens come from a client secret or the Azure CLI,
//! cached until five minutes before they expire, never shown in an error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use slotdrill_azure::{ArmCloud, ArmConfig, Credential};
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
    let method = request.method().clone();
    let auth = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    script.seen.lock().expect("lock").push(format!(
        "{method} {uri} [{auth}] {}",
        String::from_utf8_lossy(&body)
    ));
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
    scripted_with(answers, |_| {
        Credential::Token(Secret::new("token-that-must-not-leak".to_owned()))
    })
}

/// The same, with the credential made for the scripted endpoint.
fn scripted_with(
    answers: Vec<(u16, String)>,
    credential: impl FnOnce(&str) -> Credential,
) -> (ArmCloud, Arc<Script>, String) {
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
        credential: credential(&endpoint),
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
    assert!(seen[2].contains("$skiptoken=2 "), "{seen:?}");
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

fn client_secret(endpoint: &str) -> Credential {
    Credential::ClientSecret {
        authority: endpoint.to_owned(),
        tenant: "tenant-1".to_owned(),
        client_id: "app-1".to_owned(),
        secret: Secret::new("s3cret&value".to_owned()),
        resource: "https://management.azure.com".to_owned(),
    }
}

const ONE_WORKFLOW: &str = r#"{"value":[{"name":"order-flow"}]}"#;

#[test]
fn a_client_secret_token_is_fetched_once_and_reused() {
    let token = r#"{"token_type":"Bearer","access_token":"tok-1","expires_in":3600}"#;
    let (cloud, script, _) = scripted_with(
        vec![
            (200, token.to_owned()),
            (200, ONE_WORKFLOW.to_owned()),
            (200, ONE_WORKFLOW.to_owned()),
        ],
        client_secret,
    );
    cloud.workflows().expect("lists");
    cloud.workflows().expect("lists");
    let seen = script.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[0].starts_with("POST /tenant-1/oauth2/v2.0/token [] "),
        "{seen:?}"
    );
    assert!(
        seen[0].ends_with(
            "grant_type=client_credentials&client_id=app-1&client_secret=s3cret%26value&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
        ),
        "{seen:?}"
    );
    assert!(seen[1].contains("[Bearer tok-1]") && seen[2].contains("[Bearer tok-1]"));
}

#[test]
fn a_token_about_to_expire_is_fetched_again() {
    let token = r#"{"access_token":"tok-short","expires_in":60}"#;
    let (cloud, script, _) = scripted_with(
        vec![
            (200, token.to_owned()),
            (200, ONE_WORKFLOW.to_owned()),
            (200, token.to_owned()),
            (200, ONE_WORKFLOW.to_owned()),
        ],
        client_secret,
    );
    cloud.workflows().expect("lists");
    cloud.workflows().expect("lists");
    let posts = script
        .seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|s| s.starts_with("POST "))
        .count();
    assert_eq!(
        posts, 2,
        "a token valid for 60 s is inside the 5-minute margin"
    );
}

#[test]
fn a_refused_client_secret_is_reported_without_the_secret() {
    let refusal = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: s3cret&value"}"#;
    let (cloud, _, _) = scripted_with(vec![(401, refusal.to_owned())], client_secret);
    let error = cloud.workflows().expect_err("refused").to_string();
    assert!(error.contains("401 invalid_client"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
}

#[test]
fn the_azure_cli_login_is_used_when_nothing_else_is_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let az = dir.path().join("az");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 3600;
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"account get-access-token\" ] || exit 3\necho '{{\"accessToken\":\"cli-tok\",\"expires_on\":{expires}}}'\n"
        ),
    )
    .expect("writes");
    std::fs::set_permissions(&az, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let program = az.clone();
    let (cloud, script, _) = scripted_with(vec![(200, ONE_WORKFLOW.to_owned())], move |_| {
        Credential::AzureCli {
            program,
            resource: "https://management.azure.com/".to_owned(),
        }
    });
    cloud.workflows().expect("lists");
    assert!(script.seen.lock().expect("lock")[0].contains("[Bearer cli-tok]"));

    std::fs::write(&az, "#!/bin/sh\necho 'Please run az login' >&2\nexit 1\n").expect("writes");
    let (cloud, _, _) = scripted_with(Vec::new(), move |_| Credential::AzureCli {
        program: az,
        resource: "https://management.azure.com/".to_owned(),
    });
    let error = cloud.workflows().expect_err("no login").to_string();
    assert!(error.contains("az login"), "{error}");
}

#[test]
fn an_expired_token_is_fetched_again_once() {
    let token = |t: &str| {
        (
            200,
            format!(r#"{{"access_token":"{t}","expires_in":3600}}"#),
        )
    };
    let expired = (
        401,
        r#"{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time is earlier than current UTC time."}}"#.to_owned(),
    );
    let (cloud, script, _) = scripted_with(
        vec![
            token("tok-1"),
            expired.clone(),
            token("tok-2"),
            (200, ONE_WORKFLOW.to_owned()),
        ],
        client_secret,
    );
    assert_eq!(
        cloud.workflows().expect("lists"),
        vec!["order-flow".to_owned()]
    );
    let seen = script.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen[1].contains("[Bearer tok-1]") && seen[3].contains("[Bearer tok-2]"));

    // A token refused again right after a refresh is an error, not a loop.
    let (cloud, script, _) = scripted_with(
        vec![token("tok-1"), expired.clone(), token("tok-2"), expired],
        client_secret,
    );
    let error = cloud.workflows().expect_err("refused").to_string();
    assert!(error.contains("401 ExpiredAuthenticationToken"), "{error}");
    assert_eq!(script.count.load(Ordering::SeqCst), 4);
}
