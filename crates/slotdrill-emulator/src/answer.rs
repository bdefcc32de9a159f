//! One function call's answer as the data plane decides it ([`Answered`]), borrowing the names
//! and bodies it holds from the estate. The in-process path makes a `HostResponse` of it; the
//! listener writes it straight to the wire, so a call over HTTP builds neither a JSON `Value`
//! nor owned copies of the names that answered.

use serde_json::{Value, json};
use slotdrill_model::AnswerBody;

use crate::timeline::ServedByRef;

/// A call's answer, borrowed from the estate and the host index for `'a`.
#[derive(Debug)]
pub(crate) struct Answered<'a> {
    pub(crate) status: u16,
    pub(crate) body: Reply<'a>,
    /// Headers to send (`set-cookie`).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) served_by: Option<ServedByRef<'a>>,
    pub(crate) latency_ms: u64,
    pub(crate) timed_out: bool,
}

/// An answer's body: a function's (as the model answers it) or the host's own JSON (a refusal,
/// an error, the root page).
#[derive(Debug)]
pub(crate) enum Reply<'a> {
    Function(AnswerBody<'a>),
    Json(Value),
}

impl Answered<'_> {
    /// An answer of the host itself: `{"error": message}`.
    pub(crate) fn error(status: u16, message: String) -> Self {
        Answered::json(status, json!({ "error": message }))
    }

    /// An answer of the host itself with `body`.
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Answered {
            status,
            body: Reply::Json(body),
            headers: Vec::new(),
            served_by: None,
            latency_ms: 0,
            timed_out: false,
        }
    }
}

impl<'a> Answered<'a> {
    /// The same answer, from the slot `served_by` names.
    pub(crate) fn served(self, served_by: ServedByRef<'a>) -> Self {
        Answered {
            served_by: Some(served_by),
            ..self
        }
    }
}

impl Reply<'_> {
    /// The reply's JSON text: the text of the `Value` the in-process `HostResponse` holds.
    pub(crate) fn to_json_bytes(&self) -> Vec<u8> {
        match self {
            Reply::Function(body) => {
                let mut bytes = Vec::with_capacity(JSON_CAPACITY);
                body.write_json(&mut bytes);
                bytes
            }
            Reply::Json(body) => json_bytes(body),
        }
    }
}

/// A buffer a function's answer is written into without growing it.
const JSON_CAPACITY: usize = 128;

/// A JSON value's text, written once into the buffer the response sends.
pub(crate) fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(JSON_CAPACITY);
    // Serialising a `Value` into memory cannot fail (map keys are strings).
    let _ = serde_json::to_writer(&mut bytes, value);
    bytes
}
