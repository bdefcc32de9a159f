//! Releases: what a deployment puts in a slot. A release is data only — a behaviour per function
//! that the emulator plays back — and [`FunctionBehaviour::answer`] is the one place that turns a
//! behaviour into the answer of one call, so the emulator, the warm-up and the tests agree
//! ([`FunctionBehaviour::invoke`] is the same answer with its body built as JSON).

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::settings::SlotConfig;

/// The app setting whose value names the release a slot holds (`v2`, a build number). It is
/// slotdrill's convention, not Azure's: not sticky, so it travels with the code on a swap. The
/// emulator reports it and `ArmCloud` reads it from Azure (both allow another name).
pub const RELEASE_SETTING: &str = "SLOTDRILL_RELEASE";

/// A release: an id (`v1`, a build number, a commit) and its functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The release id (`v2`, a build number), unique within an app; compared exactly, case
    /// included.
    pub id: String,
    /// Function name as the release spells it → how it answers; [`Release::function`] looks a
    /// name up ignoring case.
    pub functions: BTreeMap<String, FunctionBehaviour>,
}

impl Release {
    /// A release with no functions yet.
    pub fn new(id: impl Into<String>) -> Self {
        Release {
            id: id.into(),
            functions: BTreeMap::new(),
        }
    }

    /// Adds a function (builder style).
    pub fn with_function(mut self, name: impl Into<String>, behaviour: FunctionBehaviour) -> Self {
        self.functions.insert(name.into(), behaviour);
        self
    }

    /// The behaviour of `function`, if this release has it. Function names are matched
    /// case-insensitively, as the Functions host routes them.
    pub fn function(&self, function: &str) -> Option<&FunctionBehaviour> {
        self.function_entry(function)
            .map(|(_, behaviour)| behaviour)
    }

    /// The function's name as the release spells it, and its behaviour.
    pub fn function_entry(&self, function: &str) -> Option<(&str, &FunctionBehaviour)> {
        if let Some((name, behaviour)) = self.functions.get_key_value(function) {
            return Some((name.as_str(), behaviour));
        }
        self.functions
            .iter()
            .find(|(name, _)| crate::AzureName::same(name, function))
            .map(|(name, behaviour)| (name.as_str(), behaviour))
    }
}

/// How one function of a release answers.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionBehaviour {
    /// HTTP status of a normal answer.
    pub status: u16,
    /// Body of a normal answer; `None` gives `{"function": NAME, "release": ID}`.
    pub body: Option<Value>,
    /// Latency of every answer, in virtual milliseconds.
    pub latency_ms: u64,
    /// Probability (0–1) that a call fails with 500.
    pub fail_rate: f64,
    /// The first N calls after each deploy, restart or swap fail with 503 (cold start).
    pub fail_first: u32,
    /// An app setting the function needs; while it is unset or empty on the slot, every call
    /// fails with 500.
    pub requires_setting: Option<String>,
    /// True: every call hangs until the caller gives up (the caller's timeout decides how long).
    pub timeout: bool,
    /// Which key a call needs (default: a function key).
    pub auth: AuthLevel,
}

/// The authorization level of an HTTP-triggered function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AuthLevel {
    /// No key needed.
    Anonymous,
    /// A function key, a host key or the master key.
    #[default]
    Function,
    /// The master key only.
    Admin,
}

impl Default for FunctionBehaviour {
    fn default() -> Self {
        FunctionBehaviour::ok()
    }
}

impl FunctionBehaviour {
    /// Answers 200 with the default body, instantly.
    pub fn ok() -> Self {
        FunctionBehaviour::status(200)
    }

    /// Answers `status` with the default body.
    pub fn status(status: u16) -> Self {
        FunctionBehaviour {
            status,
            body: None,
            latency_ms: 0,
            fail_rate: 0.0,
            fail_first: 0,
            requires_setting: None,
            timeout: false,
            auth: AuthLevel::Function,
        }
    }

    /// The answer to one call. `call_index` counts calls to this function on this instance since
    /// its last restart (0 for the first); `roll` is a uniform number in `[0, 1)` for `fail_rate`;
    /// `config` is the slot's current configuration, for `requires_setting`.
    pub fn invoke(
        &self,
        release: &str,
        function: &str,
        call_index: u64,
        roll: f64,
        config: &SlotConfig,
    ) -> Invocation {
        match self.answer(release, function, call_index, roll, config) {
            Answer::Timeout => Invocation::Timeout,
            Answer::Response {
                status,
                body,
                latency_ms,
            } => Invocation::Response {
                status,
                body: body.to_value(),
                latency_ms,
            },
        }
    }

    /// [`FunctionBehaviour::invoke`]'s answer with its body not yet built: the behaviour's own
    /// body borrowed, the default and failure bodies as the names they hold. The data plane
    /// writes it to the wire without building a `Value` for every call.
    pub fn answer<'a>(
        &'a self,
        release: &'a str,
        function: &'a str,
        call_index: u64,
        roll: f64,
        config: &SlotConfig,
    ) -> Answer<'a> {
        if self.timeout {
            return Answer::Timeout;
        }
        let failure = |status: u16, error: String| Answer::Response {
            status,
            body: AnswerBody::Failure {
                error,
                function,
                release,
            },
            latency_ms: self.latency_ms,
        };
        if call_index < u64::from(self.fail_first) {
            return failure(503, "cold start: the host is still starting".to_owned());
        }
        if let Some(setting) = &self.requires_setting
            && config.setting(setting).is_none_or(str::is_empty)
        {
            return failure(500, format!("missing app setting `{setting}`"));
        }
        if roll < self.fail_rate {
            return failure(500, "transient failure".to_owned());
        }
        Answer::Response {
            status: self.status,
            body: match &self.body {
                Some(body) => AnswerBody::Given(body),
                None => AnswerBody::Default { function, release },
            },
            latency_ms: self.latency_ms,
        }
    }
}

/// The answer to one function call.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// An HTTP answer after `latency_ms` virtual milliseconds.
    Response {
        /// The HTTP status code (`200`, or `503` during a cold start).
        status: u16,
        /// The behaviour's body, its default `{"function", "release"}`, or on a failure
        /// `{"error", "function", "release"}`.
        body: Value,
        /// Virtual milliseconds before the answer.
        latency_ms: u64,
    },
    /// No answer: the caller's timeout decides how long it waited.
    Timeout,
}

impl Invocation {
    /// The status code, or `None` for a timeout.
    pub fn status(&self) -> Option<u16> {
        match self {
            Invocation::Response { status, .. } => Some(*status),
            Invocation::Timeout => None,
        }
    }
}

/// [`Invocation`] with its body not yet built ([`FunctionBehaviour::answer`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<'a> {
    /// An HTTP answer after `latency_ms` virtual milliseconds.
    Response {
        /// The HTTP status code.
        status: u16,
        /// The body.
        body: AnswerBody<'a>,
        /// Virtual milliseconds before the answer.
        latency_ms: u64,
    },
    /// No answer.
    Timeout,
}

/// The body of an answer: serialised (`serde_json::to_vec`) it is exactly the text of
/// [`AnswerBody::to_value`], written without building the `Value`.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerBody<'a> {
    /// The behaviour's own body.
    Given(&'a Value),
    /// `{"function": NAME, "release": ID}`.
    Default {
        /// The function, as the release spells it.
        function: &'a str,
        /// The release id.
        release: &'a str,
    },
    /// `{"error": MESSAGE, "function": NAME, "release": ID}`.
    Failure {
        /// What went wrong.
        error: String,
        /// The function, as the release spells it.
        function: &'a str,
        /// The release id.
        release: &'a str,
    },
}

impl AnswerBody<'_> {
    /// The body as JSON.
    pub fn to_value(&self) -> Value {
        match self {
            AnswerBody::Given(body) => (*body).clone(),
            AnswerBody::Default { function, release } => {
                json!({ "function": function, "release": release })
            }
            AnswerBody::Failure {
                error,
                function,
                release,
            } => json!({ "error": error, "function": function, "release": release }),
        }
    }
}

impl AnswerBody<'_> {
    /// Appends the body's JSON text to `out`: exactly what serialising it writes
    /// (`serde_json::to_writer`). The data plane writes one per call, so the default and failure
    /// bodies are written directly when no name in them needs escaping.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let (error, function, release) = match self {
            AnswerBody::Given(_) => return write_serialized(out, self),
            AnswerBody::Default { function, release } => (None, *function, *release),
            AnswerBody::Failure {
                error,
                function,
                release,
            } => (Some(error.as_str()), *function, *release),
        };
        if !(is_plain_json(function) && is_plain_json(release) && error.is_none_or(is_plain_json)) {
            return write_serialized(out, self);
        }
        out.push(b'{');
        if let Some(error) = error {
            out.extend_from_slice(b"\"error\":\"");
            out.extend_from_slice(error.as_bytes());
            out.extend_from_slice(b"\",");
        }
        out.extend_from_slice(b"\"function\":\"");
        out.extend_from_slice(function.as_bytes());
        out.extend_from_slice(b"\",\"release\":\"");
        out.extend_from_slice(release.as_bytes());
        out.extend_from_slice(b"\"}");
    }
}

fn write_serialized(out: &mut Vec<u8>, body: &AnswerBody<'_>) {
    // Writing into memory cannot fail: every map key is a string.
    let _ = serde_json::to_writer(out, body);
}

/// True when JSON writes `text` as it is, between quotes: no `"`, `\` or control character, the
/// only characters serde_json escapes. A fold with a byte accumulator, which vectorises.
fn is_plain_json(text: &str) -> bool {
    text.bytes().fold(0u8, |escaped, b| {
        escaped | u8::from(b < 0x20 || b == b'"' || b == b'\\')
    }) == 0
}

impl Serialize for AnswerBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The fields in `to_value`'s order (which is also their sorted order, so the text is
        // the same with or without serde_json's `preserve_order`).
        let (error, function, release) = match self {
            AnswerBody::Given(body) => return body.serialize(serializer),
            AnswerBody::Default { function, release } => (None, function, release),
            AnswerBody::Failure {
                error,
                function,
                release,
            } => (Some(error), function, release),
        };
        let mut map = serializer.serialize_map(Some(2 + usize::from(error.is_some())))?;
        if let Some(error) = error {
            map.serialize_entry("error", error)?;
        }
        map.serialize_entry("function", function)?;
        map.serialize_entry("release", release)?;
        map.end()
    }
}
