//! The typed shape of a scenario file (README.md "Writing a drill"). Every struct refuses unknown
//! keys.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use slotdrill_emulator::ArmFault;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// What the drill teaches; absent: the file stem names the drill.
    pub name: Option<String>,
    /// Seed of every random draw (keys, failure rolls); default 0, `run --seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Subscription id (default: all zeros).
    pub subscription: Option<String>,
    /// Default resource group (default `slotdrill`).
    pub resource_group: Option<String>,
    /// Default region (default `westeurope`).
    pub location: Option<String>,
    /// Function apps.
    #[serde(default)]
    pub app: Vec<AppDef>,
    /// Logic Apps.
    #[serde(default)]
    pub logic_app: Vec<LogicAppDef>,
    /// Answers for requests to URLs outside the estate.
    #[serde(default)]
    pub http_stub: Vec<HttpStubDef>,
    /// Logic Apps Standard: one site holding several workflows (a project folder).
    #[serde(default)]
    pub standard_logic_app: Vec<StandardLogicAppDef>,
    /// Faults armed from the start (for `serve`).
    #[serde(default)]
    pub fault: Vec<ArmFault>,
    /// The drill's steps (read by the drill runner, ignored by `serve`).
    #[serde(default)]
    pub step: Vec<crate::steps::StepDef>,
}

/// A function app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppDef {
    /// The app's name, unique in the estate ignoring case (Azure names are case-insensitive).
    pub name: String,
    /// Hosting plan: consumption, premium, standard, premium-v3, flex, …
    pub plan: String,
    /// Non-production slots (production always exists).
    #[serde(default)]
    pub slots: Vec<String>,
    /// Sticky app setting names (`slotConfigNames.appSettingNames`).
    #[serde(default)]
    pub sticky: Vec<String>,
    /// Slot name → (setting name → value); a slot not listed starts with no settings.
    #[serde(default)]
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
    /// Slot name → the id of the release it holds at the start (a key of `release`); a slot
    /// not listed holds none.
    #[serde(default)]
    pub deployed: BTreeMap<String, String>,
    /// Auto swap at the start: slot → the slot it swaps into after each deploy.
    #[serde(default)]
    pub auto_swap: BTreeMap<String, String>,
    /// Traffic routing at the start: slot → the share (0–100) of production traffic it gets.
    #[serde(default)]
    pub routing: BTreeMap<String, f64>,
    /// Release id (`v1`, compared exactly) → its functions; `deployed` and `deploy` steps name
    /// these ids.
    #[serde(default)]
    pub release: BTreeMap<String, ReleaseDef>,
    /// `classic` (default) or `unique` default host names.
    pub host_names: Option<String>,
    /// `windows` (default) or `linux`.
    pub os: Option<String>,
    /// Overrides the file's resource group.
    pub resource_group: Option<String>,
    /// Overrides the file's region.
    pub location: Option<String>,
    /// Whether deploys leave deployment records (`GET …/deployments`); default true. False
    /// models an estate deployed without them (a pipeline that sets a run-from-package URL),
    /// so nothing but a release label can say which release a slot holds.
    pub deployment_records: Option<bool>,
}

/// A release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDef {
    /// Function name (as called in `/api/NAME`, matched ignoring case) → how it answers.
    #[serde(default)]
    pub functions: BTreeMap<String, FunctionDef>,
}

/// How one function behaves.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionDef {
    /// Status of a normal answer (default 200).
    pub status: Option<u16>,
    /// Body of a normal answer; absent: `{"function": NAME, "release": ID}`.
    pub body: Option<Value>,
    /// Virtual latency in milliseconds.
    pub latency_ms: Option<u64>,
    /// Probability (0–1) of a 500.
    pub fail_rate: Option<f64>,
    /// The first N calls after each cold start of the host fail with 503 (default 0).
    pub fail_first: Option<u32>,
    /// An app setting the function needs: while it is unset or empty on the slot, calls fail
    /// with 500.
    pub requires_setting: Option<String>,
    /// True: never answers (the caller's timeout decides); default false.
    pub timeout: Option<bool>,
    /// `function` (default), `anonymous` or `admin`.
    pub auth: Option<String>,
}

/// A Logic App.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicAppDef {
    /// The Logic App's resource name; `run` steps and `caller` expectations use it.
    pub name: String,
    /// Workflow JSON, relative to the scenario file.
    pub definition: String,
    /// Which workflow of a template holding several (matched ignoring case); absent: the first.
    pub workflow: Option<String>,
    /// Overrides the file's resource group.
    pub resource_group: Option<String>,
    /// App settings for `appsetting()` (Logic Apps Standard).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Workflow parameters that hold a function key, by reference: `name = "app/slot/function"`
    /// (the key itself never appears in a scenario file).
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// What each `ApiConnection`/`ApiConnectionWebhook` action answers, by action name (the
    /// managed connectors are not emulated): `Post_message = { status = 201, body = { id = "m-1" } }`.
    /// An action not listed answers 200 with `{}`.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionAnswer>,
    /// Values of an ARM template's parameters (the rest keep their defaults). A Logic App from
    /// a template is run as the template deploys it: its `[…]` expressions evaluated.
    #[serde(default)]
    pub template_parameters: serde_json::Map<String, serde_json::Value>,
    /// Values of the workflow's own parameters (`properties.parameters.NAME.value`, as a
    /// deployment supplies them).
    #[serde(default)]
    pub parameters: serde_json::Map<String, serde_json::Value>,
}

/// What a request from a workflow to a URL outside the estate answers (`[[http_stub]]`): the
/// first stub whose `url_prefix` starts the request's URL.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStubDef {
    /// Requests whose URL starts with this are answered.
    pub url_prefix: String,
    /// The status; default 200.
    #[serde(default = "ok")]
    pub status: u16,
    /// The body, any TOML/JSON value; default `{}`.
    #[serde(default = "empty_object")]
    pub body: serde_json::Value,
}

fn ok() -> u16 {
    200
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

/// A Logic Apps Standard app: a `Microsoft.Web/sites` resource (`kind:
/// functionapp,workflowapp`) whose workflows are the `{name}/workflow.json` files of one project
/// folder, sharing its `connections.json`, `parameters.json` and app settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardLogicAppDef {
    /// The Logic App's (the site's) name.
    pub name: String,
    /// The project folder, relative to the scenario file: `host.json` and/or `connections.json`
    /// beside one folder per workflow.
    pub project: String,
    /// Which workflow folders to load (matched ignoring case); empty: every folder holding a
    /// `workflow.json`, in name order. `run` steps and `caller` expectations name a workflow by
    /// its folder, so workflow names are unique across the estate's Logic Apps.
    #[serde(default)]
    pub workflows: Vec<String>,
    /// Overrides the file's resource group.
    pub resource_group: Option<String>,
    /// The site's app settings (what `appsetting()` reads), shared by its workflows.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// App settings that hold a function key, by reference: `NAME = "app/slot/function"` (the
    /// key itself never appears in a scenario file), as `connections.json`'s
    /// `@appsetting('…_functionAppKey')` or an `x-functions-key` header reads it.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// What each `ApiConnection`/`ApiConnectionWebhook` action answers, by action name (as for
    /// `[[logic_app]]`).
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionAnswer>,
    /// The site's nonproduction deployment slots, by name (`[standard_logic_app.slots.staging]`),
    /// each with its own files and settings, which `serve` answers under `…/slots/{slot}/…`.
    /// Their workflows never run: Learn says a nonproduction slot's dispatcher is off.
    #[serde(default)]
    pub slots: BTreeMap<String, StandardSlotDef>,
}

/// A nonproduction slot of a Standard Logic App.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardSlotDef {
    /// The slot's project folder, relative to the scenario file; none: an empty slot.
    pub project: Option<String>,
    /// Which of its workflow folders to load; empty: all of them.
    #[serde(default)]
    pub workflows: Vec<String>,
    /// The slot's app settings.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

/// A managed connector's answer to one action.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionAnswer {
    /// The HTTP status; default 200 (400 and above fail the action).
    pub status: Option<u16>,
    /// The body, any TOML/JSON value; default `{}`.
    pub body: Option<serde_json::Value>,
}

impl ConnectionAnswer {
    /// The stub the emulator's runner answers the action with (`statusCode`, `body`).
    pub(crate) fn stub(&self) -> serde_json::Value {
        serde_json::json!({
            "statusCode": self.status.unwrap_or(200),
            "body": self.body.clone().unwrap_or_else(|| serde_json::json!({})),
        })
    }
}
