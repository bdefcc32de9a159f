//! The admin API under `/_slotdrill/`: read the whole state (no keys), inject and clear faults,
//! reset to the initial estate, move virtual time, and deploy a release (the stand-in for zip
//! deploy, which is not an ARM operation).

use serde_json::{Value, json};

use super::{ArmRequest, ArmResponse, from_model};
use crate::clock::rfc3339;
use crate::emulator::Emulator;
use crate::faults::ArmFault;
use crate::state::State;

/// Refuses what a web page could send to a local `serve`: any request from an origin that is not
/// this machine (browsers send `Origin` on every cross-site POST, "simple" ones included, and
/// `Sec-Fetch-Site`), and a write whose body is not declared `application/json` (a "simple"
/// cross-site POST is `text/plain`). Clients that are not browsers send neither header.
fn refuse_cross_site(request: &ArmRequest) -> Option<ArmResponse> {
    if let Some(origin) = request.header("origin")
        && !is_loopback_origin(origin)
    {
        return Some(ArmResponse::error(
            403,
            "Forbidden",
            format!("the admin API answers pages on this machine only, not Origin `{origin}`"),
        ));
    }
    if request
        .header("sec-fetch-site")
        .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"))
    {
        return Some(ArmResponse::error(
            403,
            "Forbidden",
            "the admin API refuses cross-site requests",
        ));
    }
    let content_type = request.header("content-type");
    let declares_json = content_type.is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    let has_body = request.body.is_some() || content_type.is_some();
    if !request.method.eq_ignore_ascii_case("GET") && has_body && !declares_json {
        return Some(ArmResponse::error(
            415,
            "UnsupportedMediaType",
            "the admin API takes a body as application/json only",
        ));
    }
    None
}

/// True for `http(s)://localhost`, `127.x.x.x` and `[::1]`, with or without a port.
fn is_loopback_origin(origin: &str) -> bool {
    let Some((_, rest)) = origin.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Answers a request under `/_slotdrill/`. (About 80 lines: a routing table, one short arm per
/// admin operation, easier to read whole than split.)
pub fn admin(emulator: &Emulator, request: &ArmRequest) -> ArmResponse {
    if let Some(refused) = refuse_cross_site(request) {
        return refused;
    }
    let config = emulator.config();
    // Its own token when it has one, else the management plane's (never echoed in the answer).
    if let Some(required) = config
        .admin_token
        .as_ref()
        .or(config.require_token.as_ref())
        && request.bearer_token() != Some(required.as_str())
    {
        return ArmResponse::error(
            401,
            "InvalidAuthenticationToken",
            if config.admin_token.is_some() {
                "The admin API needs its own bearer token (--admin-token)."
            } else {
                "The admin API needs the same bearer token as the management plane."
            },
        );
    }
    let mut state = emulator.lock();
    let method = request.method.to_ascii_uppercase();
    let path = request.path.trim_end_matches('/').to_ascii_lowercase();
    match (method.as_str(), path.as_str()) {
        ("GET", "/_slotdrill/state") => ArmResponse::ok(dump(&state)),
        ("GET", "/_slotdrill/faults") => ArmResponse::ok(
            json!({ "faults": state.management().faults(), "pendingSwapFaults": state.estate().pending_faults().len() }),
        ),
        ("POST", "/_slotdrill/faults") => {
            let body = request.body.clone().unwrap_or(Value::Null);
            let list = if body.is_array() {
                body
            } else {
                Value::Array(vec![body])
            };
            let faults: Vec<ArmFault> = match serde_json::from_value(list) {
                Ok(faults) => faults,
                Err(e) => {
                    return ArmResponse::error(400, "BadRequest", format!("not a fault: {e}"));
                }
            };
            for fault in faults {
                state.add_fault(fault);
            }
            ArmResponse::ok(json!({ "faults": state.management().faults() }))
        }
        ("DELETE", "/_slotdrill/faults") => {
            state.clear_faults();
            ArmResponse::empty(200)
        }
        ("POST", "/_slotdrill/reset") => {
            state.reset();
            ArmResponse::empty(200)
        }
        ("POST", "/_slotdrill/advance") => {
            let Some(ms) = request.query("ms").and_then(|v| v.parse::<u64>().ok()) else {
                return ArmResponse::error(400, "BadRequest", "expected ?ms=MILLISECONDS");
            };
            let to = state.now().plus_millis(ms);
            state.advance_to(to);
            ArmResponse::ok(json!({ "now": to.millis(), "nowUtc": rfc3339(to) }))
        }
        ("POST", "/_slotdrill/deploy") => {
            let field = |name: &str| {
                request
                    .body_field(&format!("/{name}"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let (Some(app), Some(slot), Some(release)) =
                (field("app"), field("slot"), field("release"))
            else {
                return ArmResponse::error(
                    400,
                    "BadRequest",
                    "expected {\"app\", \"slot\", \"release\"}",
                );
            };
            match state.apply(|e| e.deploy(&app, &slot, &release)) {
                Ok(_) => ArmResponse::empty(200),
                Err(e) => from_model(&e),
            }
        }
        _ => ArmResponse::not_found(format!("no admin operation `{method} {}`", request.path)),
    }
}

/// The observable state, without a single key.
fn dump(state: &State) -> Value {
    let apps: Vec<Value> = state
        .estate()
        .apps()
        .map(|app| {
            let slots: Vec<Value> = app
                .slots()
                .map(|slot| json!({
                    "name": slot.name(),
                    "hostName": slot.host_name(),
                    "state": format!("{:?}", slot.state()),
                    "release": slot.release_id(),
                    "appSettings": slot.config().app_settings,
                    "autoSwapSlotName": slot.auto_swap_slot_name(),
                    "targetSwapSlot": slot.target_swap_slot(),
                    "slotSwapStatus": slot.swap_status().map(|s| json!({ "timestampUtc": rfc3339(s.timestamp), "sourceSlotName": s.source_slot_name, "destinationSlotName": s.destination_slot_name })),
                }))
                .collect();
            json!({
                "name": app.name(),
                "resourceGroup": app.spec().resource_group,
                "plan": app.spec().plan.as_str(),
                "stickyAppSettings": app.sticky_names().app_setting_names,
                "routing": app.routing().iter().map(|r| json!({ "name": r.name, "actionHostName": r.action_host_name, "reroutePercentage": r.reroute_percentage })).collect::<Vec<_>>(),
                "pendingPreview": app.pending_preview().map(|p| json!({ "source": p.source, "target": p.target })),
                "slots": slots,
            })
        })
        .collect();
    let logic_apps: Vec<Value> = state
        .workflows()
        .all()
        .map(|l| {
            json!({
                "name": l.name,
                "resourceGroup": l.resource_group,
                "version": l.version,
                "runs": l.runs.len(),
                "lastRun": l.runs.last().map(|r| json!({ "name": r.name, "status": r.status })),
            })
        })
        .collect();
    json!({
        "now": state.estate().now().millis(),
        "nowUtc": rfc3339(state.estate().now()),
        "subscription": state.estate().subscription(),
        "apps": apps,
        "logicApps": logic_apps,
        "faults": state.management().faults(),
    })
}
