//! The steps of a drill (README.md "Writing a drill"): each `[[step]]` table holds exactly one
//! step kind, and may say it is expected to fail (`fails = "kind"`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use slotdrill_emulator::ArmFault;

/// One `[[step]]` as written. Exactly one kind is set; [`StepDef::kind`] says which.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is the step kind of the same name
pub struct StepDef {
    pub deploy: Option<Deploy>,
    pub swap: Option<Swap>,
    pub swap_preview: Option<Swap>,
    pub swap_complete: Option<AppOnly>,
    pub swap_cancel: Option<AppOnly>,
    pub set_setting: Option<SetSetting>,
    pub sticky: Option<Sticky>,
    pub create_slot: Option<CreateSlot>,
    pub delete_slot: Option<SlotRef>,
    pub routing: Option<Routing>,
    pub auto_swap: Option<AutoSwap>,
    pub run: Option<Run>,
    pub call: Option<Call>,
    pub repoint: Option<Repoint>,
    pub rollback: Option<Rollback>,
    pub restore: Option<Restore>,
    pub fault: Option<FaultStep>,
    pub advance: Option<Advance>,
    pub expect: Option<Expect>,
    /// The kind of failure this step is expected to end with; `None`: it must succeed.
    pub fails: Option<crate::FailKind>,
    /// Appended to the step's summary in every report (`swap — the release goes live`).
    pub note: Option<String>,
}

impl StepDef {
    /// The names of the kinds set (exactly one in a valid step).
    pub fn kinds(&self) -> Vec<&'static str> {
        let set = [
            ("deploy", self.deploy.is_some()),
            ("swap", self.swap.is_some()),
            ("swap_preview", self.swap_preview.is_some()),
            ("swap_complete", self.swap_complete.is_some()),
            ("swap_cancel", self.swap_cancel.is_some()),
            ("set_setting", self.set_setting.is_some()),
            ("sticky", self.sticky.is_some()),
            ("create_slot", self.create_slot.is_some()),
            ("delete_slot", self.delete_slot.is_some()),
            ("routing", self.routing.is_some()),
            ("auto_swap", self.auto_swap.is_some()),
            ("run", self.run.is_some()),
            ("call", self.call.is_some()),
            ("repoint", self.repoint.is_some()),
            ("rollback", self.rollback.is_some()),
            ("restore", self.restore.is_some()),
            ("fault", self.fault.is_some()),
            ("advance", self.advance.is_some()),
            ("expect", self.expect.is_some()),
        ];
        set.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect()
    }
}

/// The step kinds, for messages.
pub const STEP_KINDS: &str = "deploy, swap, swap_preview, swap_complete, swap_cancel, set_setting, sticky, create_slot, delete_slot, routing, auto_swap, run, call, repoint, rollback, restore, fault, advance, expect";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Deploy {
    pub app: String,
    pub slot: String,
    pub release: String,
    /// Deploy even if callers are pinned to the slot.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Swap {
    pub app: String,
    pub source: String,
    #[serde(default = "production")]
    pub target: String,
    /// Swap even if callers are pinned to one of the slots.
    #[serde(default)]
    pub force: bool,
}

fn production() -> String {
    "production".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AppOnly {
    pub app: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SetSetting {
    pub app: String,
    pub slot: String,
    pub name: String,
    /// Absent: remove the setting.
    pub value: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Sticky {
    pub app: String,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CreateSlot {
    pub app: String,
    pub slot: String,
    pub clone_from: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SlotRef {
    pub app: String,
    pub slot: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Routing {
    pub app: String,
    pub slot: String,
    /// 0 removes the rule.
    pub percentage: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AutoSwap {
    pub app: String,
    pub slot: String,
    /// Absent: turn auto swap off.
    pub target: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Run {
    pub logic_app: String,
    #[serde(default = "one")]
    pub times: u32,
    /// The JSON the trigger receives (`triggerBody()` in the workflow); absent: `{}`.
    pub body: Option<Value>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Call {
    pub app: String,
    pub slot: String,
    pub function: String,
    #[serde(default = "one")]
    pub times: u32,
    /// Whose key to send: `own` (default), `production`, or `none`.
    pub key: Option<String>,
}

/// A hand-made repoint, as a script would do it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Repoint {
    pub logic_app: String,
    pub action: String,
    pub slot: String,
    /// Whose key the rewritten call sends: `slot` (right) or `production` (the classic mistake).
    pub key: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Rollback {
    /// `auto` (default), `partial` or `full`.
    pub mode: Option<String>,
    /// `APP/FUNCTION` named by the operator (skips diagnosis).
    #[serde(default)]
    pub faulty: Vec<String>,
    #[serde(default)]
    pub accept_sticky_diff: bool,
    #[serde(default)]
    pub force: bool,
    /// Resume the interrupted rollback from its journal instead of planning a new one.
    #[serde(default)]
    pub resume: bool,
    /// Stop the engine after this many journal records, as a crash would (resume it later).
    pub crash_after: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Restore {}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct FaultStep {
    /// A fault to arm, in the emulator's `faults` shape (`{ kind = "swap_conflict", app = … }`);
    /// absent (and `clear` false): the step does nothing.
    pub inject: Option<ArmFault>,
    /// Disarm every fault.
    #[serde(default)]
    pub clear: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Advance {
    #[serde(default)]
    pub ms: u64,
    #[serde(default)]
    pub seconds: u64,
    #[serde(default)]
    pub minutes: u64,
}

/// An expectation. Each form uses the keys its description names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Expect {
    /// With `succeeded`: the success rate of the runs of this Logic App's last `run` step.
    pub logic_app: Option<String>,
    /// `100%`, `>= 80%`, `< 100%`.
    pub succeeded: Option<String>,
    /// With `serves`: `workflow/action`.
    pub caller: Option<String>,
    /// With `caller`: `app/slot@release`, the slot the caller's action points at and the release
    /// that slot holds now; compared ignoring case.
    pub serves: Option<String>,
    /// With `holds`: `app/slot`.
    pub slot: Option<String>,
    /// The release id the slot must hold (`v2`), compared exactly, case included.
    pub holds: Option<String>,
    /// The mode the last rollback's plan chose: `partial`, `full`, `refused` or `none`.
    pub plan: Option<String>,
    /// With `plan`: text the last plan's reasons (or refusal) contain, case included.
    pub reason: Option<String>,
    /// Text one of the drill's warnings so far contains, case included.
    pub warning: Option<String>,
    /// With `original = true`: this Logic App's definition equals its original.
    pub workflow: Option<String>,
    pub original: Option<bool>,
    /// With `equals`: `app/slot/SETTING`.
    pub setting: Option<String>,
    pub equals: Option<String>,
    /// With `status`: the statuses of the last `call` step (all of them).
    pub call_status: Option<u16>,
    /// Why the expectation matters, for people reading the drill: neither checked nor reported.
    pub because: Option<String>,
}

/// The faults a drill arms, by name, for messages.
pub type Settings = BTreeMap<String, String>;
