//! Swaps through the management plane, as on Azure (azure-swap-facts §4): `slotsswap` in both
//! forms is a long-running operation in virtual time (apply settings and restart, warm-up,
//! switch), and the model's swap is performed when it completes, so traffic switches then. While
//! it runs the site is busy: a second swap and any write to the app's slots get App Service's
//! 409 "Cannot modify this site because another operation is in progress" (§1c). While a swap
//! is prepared (`applySlotConfig`, or a swap stopped at the warm-up), configuration writes to the
//! slots get 409 "…prepared for swap" until `resetSlotConfig` or the swap completes (§1d).

use serde_json::{Value, json};
use slotdrill_model::{AzureName, ErrorKind, Event, PRODUCTION, is_production};

use super::render::site_id;
use super::web::Site;
use super::{ArmRequest, ArmResponse, from_model};
use crate::clock::rfc3339;
use crate::faults::ArmFault;
use crate::management::PendingSwap;
use crate::state::State;

/// Virtual time a swap takes beyond its warm-up (apply settings, restart, switch).
const SWAP_BASE_MS: u64 = 2_000;
/// What `Retry-After` says, and how far one poll of a running operation moves virtual time.
const POLL_SECONDS: u64 = 10;
/// App Service's ExtendedCode for "Cannot modify this site…" (a weak source: azure-swap-facts
/// §1c; the plan-level sibling 59205 is certain).
const SITE_BUSY_CODE: &str = "59203";
/// No source gives the ExtendedCode of "…prepared for swap" (azure-swap-facts §1d): a
/// placeholder, said so in docs/fidelity.md.
const PREPARED_CODE: &str = "00000";

pub(super) fn missing_target() -> ArmResponse {
    ArmResponse::error(
        400,
        "BadRequest",
        "expected a body `{\"targetSlot\": SLOT}`",
    )
}

/// (source, target) of a swap request: in the production form `targetSlot` names the slot to
/// promote; in the slot form the path names the source and `targetSlot` the destination.
fn pair(request: &ArmRequest, path_slot: &str) -> Option<(String, String)> {
    let target = request
        .body_field("/targetSlot")
        .and_then(Value::as_str)?
        .to_owned();
    Some(if is_production(path_slot) {
        (target, PRODUCTION.to_owned())
    } else {
        (path_slot.to_owned(), target)
    })
}

/// 409 for a site an operation holds, with the details App Service gives.
fn site_busy(id: &str, swap: &PendingSwap) -> ArmResponse {
    let slot = if is_production(&swap.source) {
        &swap.target
    } else {
        &swap.source
    };
    ArmResponse::app_service(
        409,
        "Conflict",
        SITE_BUSY_CODE,
        "Cannot modify this site because another operation is in progress. Details: {0}",
        &[format!(
            "Id: {id}, OperationName: SwapSiteSlots, CreatedTime: {}, SiteName: {}, SlotName: {slot}",
            rfc3339(swap.requested_at),
            swap.app
        )],
    )
}

fn prepared_for_swap() -> ArmResponse {
    ArmResponse::app_service(
        409,
        "Conflict",
        PREPARED_CODE,
        "The slot cannot be changed because its configuration settings have been prepared for swap.",
        &[],
    )
}

/// Requests that only read, even when they are POSTs.
fn reads_only(method: &str, tail: &[&str]) -> bool {
    method == "GET"
        || matches!(
            tail,
            ["config", "appsettings", "list"]
                | ["slotsdiffs"]
                | ["functions", _, "listkeys" | "listsecrets"]
                | ["host", "default", "listkeys"]
        )
}

/// The refusal a request to `site` gets while a swap holds it or a prepared swap holds its
/// configuration; `None` when it may go on.
pub(super) fn refuse_while_busy(
    state: &State,
    site: &Site<'_>,
    method: &str,
    tail: &[&str],
) -> Option<ArmResponse> {
    if reads_only(method, tail) {
        return None;
    }
    if let Some((id, operation)) = state.management().running_on(site.app) {
        return Some(site_busy(id, &operation.swap));
    }
    let preview = state.estate().app(site.app).ok()?.pending_preview()?;
    let involved = preview.source.matches(site.slot) || preview.target.matches(site.slot);
    // slotConfigNames belongs to the app, so it concerns both slots of the pair.
    let config_write = match tail {
        ["config", "slotconfignames"] => true,
        ["config", ..] => involved,
        _ => false,
    };
    config_write.then(prepared_for_swap)
}

/// `slotsswap`: validated now (a refusal changes nothing), performed when the operation
/// completes. The operation's length comes from a trial of the swap on copies of what it changes
/// (`Estate::trial_swap`: the app, not the whole estate).
pub(super) fn swap(
    state: &mut State,
    request: &ArmRequest,
    app: &str,
    path_slot: &str,
) -> ArmResponse {
    let Some((source, target)) = pair(request, path_slot) else {
        return missing_target();
    };
    let requested = PendingSwap {
        app: app.to_owned(),
        source,
        target,
        requested_at: state.now(),
    };
    if state
        .management_mut()
        .take(|f| matches!(f, ArmFault::SwapConflict { app: a } if AzureName::same(a, app)))
        .is_some()
    {
        return site_busy("00000000-0000-0000-0000-000000000000", &requested);
    }
    let warm_up: u64 = match state
        .estate()
        .trial_swap(app, &requested.source, &requested.target)
    {
        Ok(events) => events
            .iter()
            .map(|e| match e {
                Event::WarmedUp { report, .. } => report.duration_ms,
                _ => 0,
            })
            .sum(),
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::RestartFailed | ErrorKind::WarmupFailed
            ) =>
        {
            0
        }
        // Validation failures are refused before the operation is accepted.
        Err(error) => return from_model(&error),
    };
    let Ok(function_app) = state.estate().app(app) else {
        return ArmResponse::not_found(format!("site `{app}` does not exist"));
    };
    let location = function_app.spec().location.replace(' ', "");
    let site = site_id(state.estate().subscription(), function_app, PRODUCTION);
    let subscription = state.estate().subscription().to_owned();
    let completes_at = state.now().plus_millis(SWAP_BASE_MS + warm_up);
    let id = state
        .management_mut()
        .start_operation(completes_at, requested);
    if state
        .management_mut()
        .take(|f| matches!(f, ArmFault::SwapAnswerLost { app: a } if AzureName::same(a, app)))
        .is_some()
    {
        // The swap runs; the client never hears so.
        return ArmResponse {
            reset: true,
            ..ArmResponse::empty(500)
        };
    }
    let version = request.query("api-version").unwrap_or("2024-11-01");
    ArmResponse::empty(202)
        .header("location", format!("{}{site}/operationresults/{id}?api-version={version}", request.base_url))
        .header(
            "azure-asyncoperation",
            format!("{}/subscriptions/{subscription}/providers/Microsoft.Web/locations/{location}/operations/{id}?api-version={version}", request.base_url),
        )
        .header("retry-after", POLL_SECONDS.to_string())
}

/// `applySlotConfig`: phase 1 of a swap with preview (synchronous, 200).
pub(super) fn apply_slot_config(
    state: &mut State,
    request: &ArmRequest,
    app: &str,
    path_slot: &str,
) -> ArmResponse {
    let Some((source, target)) = pair(request, path_slot) else {
        return missing_target();
    };
    match state.apply(|e| e.swap_preview_apply(app, &source, &target)) {
        Ok(_) => ArmResponse::empty(200),
        Err(e) => from_model(&e),
    }
}

/// A poll of a long-running operation. A poll of one still running moves virtual time on by
/// the `Retry-After` the client waited (which may complete it: the next poll says so).
pub(super) fn poll(
    state: &mut State,
    request: &ArmRequest,
    id: &str,
    location_form: bool,
) -> ArmResponse {
    let Some(operation) = state.management().operation(id).cloned() else {
        return ArmResponse::not_found(format!("operation `{id}` does not exist"));
    };
    let Some(result) = operation.result else {
        let now = state.now();
        let remaining = operation.completes_at.millis().saturating_sub(now.millis());
        state.advance_to(now.plus_millis(remaining.min(POLL_SECONDS * 1000)));
        return if location_form {
            ArmResponse::empty(202)
                .header(
                    "location",
                    format!("{}{}", request.base_url, request.path_and_query()),
                )
                .header("retry-after", POLL_SECONDS.to_string())
        } else {
            ArmResponse::ok(json!({ "status": "InProgress" }))
                .header("retry-after", POLL_SECONDS.to_string())
        };
    };
    match (result, location_form) {
        (Ok(()), true) => ArmResponse::empty(200),
        (Ok(()), false) => ArmResponse::ok(json!({ "status": "Succeeded" })),
        (Err(error), true) => error,
        (Err(error), false) => {
            let detail = error
                .body
                .as_ref()
                .and_then(|b| b.get("error"))
                .cloned()
                .unwrap_or(Value::Null);
            ArmResponse::ok(json!({ "status": "Failed", "error": detail }))
        }
    }
}
