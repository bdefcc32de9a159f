//! A wiremock ARM for `ArmCloud`'s tests: the mock server driven from its own runtime (the cloud
//! blocks on its own, so tests stay synchronous), a cloud pointed at it with millisecond retry
//! waits, and responders that answer a script in turn.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use slotdrill_azure::{ArmCloud, ArmConfig, Credential, RetryPolicy};
use slotdrill_model::Secret;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The token every test cloud sends unless it is given a credential.
pub const TOKEN: &str = "token-that-must-not-leak";
/// `Microsoft.Web/sites` of the test resource group.
pub const SITES: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Web/sites";
/// `Microsoft.Logic/workflows` of the test resource group.
pub const WORKFLOWS: &str =
    "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Logic/workflows";

/// A running mock ARM.
pub struct Arm {
    pub server: MockServer,
    runtime: tokio::runtime::Runtime,
}

impl Arm {
    pub fn start() -> Arm {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(MockServer::start());
        Arm { server, runtime }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// `METHOD path` of every request received so far.
    pub fn seen(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// Checks every mount's `expect`, now rather than when the server is dropped.
    pub fn verify(&self) {
        self.runtime.block_on(self.server.verify());
    }

    pub fn config(&self) -> ArmConfig {
        let mut config = ArmConfig::new(
            self.uri(),
            "sub",
            "rg",
            Credential::Token(Secret::new(TOKEN.to_owned())),
        );
        config.retry = RetryPolicy {
            base_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        };
        // Polls do not wait unless a test asks (it then sends `Retry-After` itself).
        config.poll_in_real_time = false;
        config
    }

    pub fn cloud(&self) -> ArmCloud {
        ArmCloud::new(self.config()).expect("client")
    }

    pub fn cloud_with(&self, credential: Credential) -> ArmCloud {
        ArmCloud::new(ArmConfig {
            credential,
            ..self.config()
        })
        .expect("client")
    }
}

/// Answers each template in turn, then the last one again.
pub struct InTurn(Mutex<VecDeque<ResponseTemplate>>);

impl Respond for InTurn {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut answers = self.0.lock().expect("lock");
        if answers.len() > 1 {
            answers.pop_front().expect("an answer")
        } else {
            answers
                .front()
                .cloned()
                .unwrap_or_else(|| ResponseTemplate::new(500))
        }
    }
}

pub fn in_turn(answers: Vec<ResponseTemplate>) -> InTurn {
    InTurn(Mutex::new(answers.into()))
}

/// A JSON answer.
pub fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// An ARM error body.
pub fn arm_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json_answer(
        status,
        json!({ "error": { "code": code, "message": message } }),
    )
}

/// A service principal whose token endpoint is the mock server.
pub fn client_secret(arm: &Arm) -> Credential {
    Credential::ClientSecret {
        authority: arm.uri(),
        tenant: "tenant-1".to_owned(),
        client_id: "app-1".to_owned(),
        secret: Secret::new("s3cret&value".to_owned()),
        resource: "https://management.azure.com".to_owned(),
    }
}

/// A token endpoint answer.
pub fn token(access_token: &str, expires_in: u64) -> ResponseTemplate {
    json_answer(
        200,
        json!({ "token_type": "Bearer", "access_token": access_token, "expires_in": expires_in }),
    )
}

/// The `Authorization` header of a request.
pub fn bearer(request: &Request) -> String {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The subscription every REST spec example is written for.
pub const EXAMPLE_SUBSCRIPTION: &str = "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345";

/// A REST spec example under `tests/data/spec-examples/` (`dir/file.json`).
pub fn example(file: &str) -> Value {
    let path = format!(
        "{}/tests/data/spec-examples/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("example")).expect("JSON")
}

/// An example's 200 body (under `body`, or the status itself in older examples).
pub fn example_body(file: &str) -> Value {
    let example = example(file);
    let ok = &example["responses"]["200"];
    ok.get("body").cloned().unwrap_or_else(|| ok.clone())
}

/// `Microsoft.Web/sites` of `group` in the examples' subscription.
pub fn example_sites(group: &str) -> String {
    format!(
        "/subscriptions/{EXAMPLE_SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Web/sites"
    )
}

/// A cloud inside the examples' subscription and resource group `group`.
pub fn example_cloud(arm: &Arm, group: &str) -> ArmCloud {
    ArmCloud::new(ArmConfig {
        subscription: EXAMPLE_SUBSCRIPTION.to_owned(),
        resource_group: group.to_owned(),
        ..arm.config()
    })
    .expect("client")
}
