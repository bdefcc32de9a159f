//! A client for the emulator's management plane over HTTP: requests with the api-version and
//! token filled in, raw requests to test them, and long-running operations polled to the end.

use serde_json::Value;
use slotdrill_emulator::Emulator;
#[allow(unused_imports)] // each test file uses part of it
pub use slotdrill_test_support::arm::{Answer, WEB_API_VERSION, header};
use slotdrill_test_support::arm::{ArmPath, resource_path};

/// `Microsoft.Web/sites` of the shared estate's resource group.
pub static SITE: ArmPath = ArmPath::new(|| resource_path("slotdrill", "Microsoft.Web/sites"));
/// `Microsoft.Logic/workflows` of the same resource group.
pub static FLOWS: ArmPath =
    ArmPath::new(|| resource_path("slotdrill", "Microsoft.Logic/workflows"));

pub struct Arm {
    pub served: super::Served,
    pub token: &'static str,
}

impl Arm {
    pub async fn new(emulator: Emulator) -> Arm {
        Arm {
            served: super::serve(emulator).await,
            token: "any-token",
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("http://127.0.0.1:{}{path}", self.served.addr.port())
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("api-version=") || path.starts_with("/_slotdrill") {
            self.url(path)
        } else {
            self.url(&format!("{path}{separator}api-version={WEB_API_VERSION}"))
        };
        self.raw(method, &url, body, Some(self.token))
            .await
            .expect("answered")
    }

    pub async fn raw(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        slotdrill_test_support::arm::send(&self.served.client, method, url, body, token).await
    }

    /// Polls a long-running operation to its end (bounded), returning every answer.
    pub async fn poll(&self, url: &str) -> Vec<Answer> {
        let mut answers = Vec::new();
        for _ in 0..20 {
            let answer = self
                .raw("GET", url, None, Some(self.token))
                .await
                .expect("poll");
            let running = answer.status == 202 || answer.body["status"] == "InProgress";
            answers.push(answer);
            if !running {
                break;
            }
        }
        answers
    }
}
