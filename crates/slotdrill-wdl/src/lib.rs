//! Logic App workflows as slotdrill needs them: find every function call, repoint one call at a
//! slot, and restore it exactly.
//!
//! Real workflow JSON is messy, so [`Document`] reads the four shapes teams have (a bare
//! definition, a workflow resource, an ARM template — nested deployments included — and a Logic
//! Apps Standard `workflow.json` with its `connections.json`). [`find_calls`] walks every container
//! (`Scope`, `If`, `Foreach`, `Until`, `Switch`, and unknown types with nested `actions`) and
//! resolves `Function` and `Http` calls through ARM and WDL expressions ([`expr`], [`eval`]).
//! [`repoint`] turns one call into an `Http` call to a slot's host with the slot's key passed as a
//! `securestring` parameter, and [`restore`] puts back the exact original document.
//!
//! ```
//! use slotdrill_wdl::{Document, Hints, find_calls};
//!
//! let json = serde_json::json!({
//!     "triggers": {},
//!     "actions": {
//!         "SendInvoice": {
//!             "type": "Function",
//!             "inputs": { "function": { "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/orders/functions/SendInvoice" } }
//!         }
//!     }
//! });
//! let doc = Document::from_value("flow.json", "flow", json, None)?;
//! let calls = find_calls(&doc, &Hints::default());
//! assert_eq!(calls[0].app.as_deref(), Some("orders"));
//! assert_eq!(calls[0].slot.as_deref(), Some("production"));
//! # Ok::<(), slotdrill_wdl::WdlError>(())
//! ```

mod arm;
mod calls;
mod deploy;
mod document;
mod error;
pub mod eval;
pub mod expr;
pub mod functions;
mod host_table;
mod rewrite;
mod target;
mod walk;

pub use arm::ArmContext;
pub use calls::{CallKind, CallSite, FunctionCall, find_calls, find_calls_prepared, for_each_call};
pub use document::{
    Document, Format, JsonPath, Project, Seg, Workflow, get_path, get_path_mut, parse_json,
};
pub use error::WdlError;
pub use rewrite::{
    AddedParameter, KeyCarrier, RepointRecord, RepointRequest, is_restored, repoint, restore,
};
pub use target::{
    Hints, Host, PreparedHints, Target, Url, from_function_id, from_url, resolve_host, split_url,
};
pub use walk::{ActionRef, actions};
