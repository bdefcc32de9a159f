//! `Microsoft.Web/sites`: apps and slots, slot differences, sticky names, app settings, site
//! config, functions and keys. Swaps and their operations are in `swap.rs`, deployment records
//! in `deployments.rs`.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use slotdrill_model::{
    AzureName, Event, FunctionApp, PRODUCTION, SlotConfigNames, SlotState, is_production,
};

use super::render::{self, function, parse_ramp_up_rule, site, site_id, web_config};
use super::{ArmRequest, ArmResponse, ResourcePath, from_model, swap};
use crate::state::State;

/// `Microsoft.Web/sites` and their slots: resolves the site and slot named by the path, then
/// routes. (About 80 lines: the site-list and site-resolution cases read best next to the table
/// that routes what follows; each arm is one call.)
pub(super) fn handle(
    state: &mut State,
    request: &ArmRequest,
    path: &ResourcePath<'_>,
) -> ArmResponse {
    let rest: Vec<String> = path.rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let method = request.method.to_ascii_uppercase();
    if path.resource_group.is_none() {
        // /subscriptions/S/providers/Microsoft.Web/locations/L/operations/ID
        return match rest.as_slice() {
            [locations, _, operations, _]
                if locations == "locations" && operations == "operations" =>
            {
                swap::poll(state, request, path.rest[3], false)
            }
            _ => ArmResponse::not_found(format!("no management resource at `{}`", request.path)),
        };
    }
    let group = path.resource_group.unwrap_or_default();
    let subscription = state.estate().subscription().to_owned();
    match rest.first().map(String::as_str) {
        Some("sites") => {}
        _ => {
            return ArmResponse::not_found(format!("no management resource at `{}`", request.path));
        }
    }
    if rest.len() == 1 {
        if method != "GET" {
            return ArmResponse::error(
                405,
                "MethodNotAllowed",
                format!("{method} is not supported on a site collection"),
            );
        }
        let include_slots = request
            .query("includeSlots")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let mut value: Vec<Value> = state
            .estate()
            .apps()
            .filter(|a| AzureName::same(&a.spec().resource_group, group))
            .flat_map(|a| {
                a.slots()
                    .filter(|s| include_slots || is_production(s.name()))
                    .map(|s| site(&subscription, a, s))
                    .collect::<Vec<_>>()
            })
            .collect();
        // Logic Apps Standard sites are sites of the group too (kind `functionapp,workflowapp`).
        value.extend(super::standard::sites(state, group));
        return ArmResponse::ok(json!({ "value": value, "nextLink": null }));
    }
    let app_name = path.rest[1];
    if state.estate().app(app_name).is_err() && super::standard::is_site(state, app_name, group) {
        return super::standard::handle(state, request, path, group);
    }
    let Ok(app) = state.estate().app(app_name) else {
        return ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Web/sites/{app_name}' under resource group '{group}' was not found."
        ));
    };
    if !AzureName::same(&app.spec().resource_group, group) {
        return ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Web/sites/{app_name}' under resource group '{group}' was not found."
        ));
    }
    let app_name = app.name().to_owned();
    // {site}/slots, {site}/slots/{slot}[/…] or {site}[/…]
    let (slot, tail, tail_raw): (String, &[String], &[&str]) = match rest.get(2).map(String::as_str)
    {
        Some("slots") if rest.len() == 3 => return list_slots(state, &method, &app_name),
        Some("slots") => (path.rest[3].to_owned(), &rest[4..], &path.rest[4..]),
        _ => (PRODUCTION.to_owned(), &rest[2..], &path.rest[2..]),
    };
    let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
    let site = Site {
        app: &app_name,
        slot: &slot,
        group,
        subscription: &subscription,
    };
    if let Some(refusal) = super::swap::refuse_while_busy(state, &site, &method, &tail) {
        return refusal;
    }
    lifecycle(state, request, &site, &method, &tail, tail_raw)
}

/// The site (or slot) a request is about.
pub(super) struct Site<'a> {
    pub(super) app: &'a str,
    pub(super) slot: &'a str,
    pub(super) group: &'a str,
    pub(super) subscription: &'a str,
}

/// Creating and deleting slots, reading a site, swaps and the slot's state; anything else goes
/// to [`config`].
fn lifecycle(
    state: &mut State,
    request: &ArmRequest,
    site: &Site<'_>,
    method: &str,
    tail: &[&str],
    tail_raw: &[&str],
) -> ArmResponse {
    let (app, slot) = (site.app, site.slot);
    match (method, tail) {
        ("PUT", []) if !is_production(slot) => create_slot(state, request, app, slot),
        ("DELETE", []) if !is_production(slot) => change(
            state,
            |e| e.delete_slot(app, slot),
            |_| ArmResponse::empty(200),
        ),
        _ if state.estate().slot(app, slot).is_err() => ArmResponse::not_found(format!(
            "The Resource 'Microsoft.Web/sites/{app}/slots/{slot}' under resource group '{}' was not found.",
            site.group
        )),
        ("GET", []) => with_slot(state, app, slot, |sub, a, s| {
            ArmResponse::ok(render::site(sub, a, s))
        }),
        ("POST", ["slotsswap"]) => swap::swap(state, request, app, slot),
        ("POST", ["applyslotconfig"]) => swap::apply_slot_config(state, request, app, slot),
        ("POST", ["resetslotconfig"]) => change(
            state,
            |e| e.swap_preview_reset(app),
            |_| ArmResponse::empty(200),
        ),
        ("POST", ["slotsdiffs"]) => slots_diffs(state, request, app, slot),
        ("POST", ["start"]) => change(
            state,
            |e| e.set_slot_state(app, slot, SlotState::Running),
            |_| ArmResponse::empty(200),
        ),
        // `WebApps_Restart[Slot]`: synchronous, 200 without a body (azure-mgmt-web 11.0.1
        // expects exactly 200); the model's restart makes the next calls cold starts.
        ("POST", ["restart"]) => {
            change(state, |e| e.restart(app, slot), |_| ArmResponse::empty(200))
        }
        ("POST", ["stop"]) => change(
            state,
            |e| e.set_slot_state(app, slot, SlotState::Stopped),
            |_| ArmResponse::empty(200),
        ),
        ("GET", ["operationresults", _]) => swap::poll(state, request, tail_raw[1], true),
        _ => config(state, request, site, method, tail, tail_raw),
    }
}

/// `config/*`, functions and keys of an existing slot.
fn config(
    state: &mut State,
    request: &ArmRequest,
    site: &Site<'_>,
    method: &str,
    tail: &[&str],
    tail_raw: &[&str],
) -> ArmResponse {
    let (app, slot, subscription) = (site.app, site.slot, site.subscription);
    match (method, tail) {
        ("GET", ["config", "slotconfignames"]) => match state.estate().app(app) {
            Ok(a) => ArmResponse::ok(slot_config_names(subscription, a)),
            Err(e) => from_model(&e),
        },
        ("PUT", ["config", "slotconfignames"]) => {
            let names = parse_slot_config_names(request);
            change(
                state,
                |e| e.set_sticky_names(app, names),
                |s| match s.estate().app(app) {
                    Ok(a) => ArmResponse::ok(slot_config_names(subscription, a)),
                    Err(e) => from_model(&e),
                },
            )
        }
        ("POST", ["config", "appsettings", "list"]) => {
            ArmResponse::ok(app_settings(state, app, slot))
        }
        ("PUT", ["config", "appsettings"]) => put_app_settings(state, request, app, slot),
        ("GET", ["config", "web"]) => with_slot(state, app, slot, |sub, a, s| {
            ArmResponse::ok(web_config(sub, a, s))
        }),
        ("PUT" | "PATCH", ["config", "web"]) => update_web_config(state, request, app, slot),
        ("GET", ["functions"]) => with_slot(state, app, slot, |sub, a, s| {
            let value: Vec<Value> = s
                .release()
                .map(|r| {
                    r.functions
                        .keys()
                        .map(|f| function(request, sub, a, s, f))
                        .collect()
                })
                .unwrap_or_default();
            ArmResponse::ok(json!({ "value": value, "nextLink": null }))
        }),
        ("GET", ["deployments", ..]) => super::deployments::get(state, request, app, slot, tail),
        ("POST", ["functions", _, action @ ("listsecrets" | "listkeys")]) => {
            function_keys(state, request, app, slot, tail_raw[1], action)
        }
        ("POST", ["host", "default", "listkeys"]) => host_keys(state, app, slot),
        _ => ArmResponse::not_found(format!(
            "no management operation `{method} {}`",
            request.path
        )),
    }
}

fn put_app_settings(state: &mut State, request: &ArmRequest, app: &str, slot: &str) -> ArmResponse {
    let Some(Value::Object(map)) = request.body_field("/properties") else {
        return ArmResponse::error(
            400,
            "BadRequest",
            "expected `properties` with the app settings",
        );
    };
    let settings: BTreeMap<String, String> = map
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    change(
        state,
        |e| e.set_app_settings(app, slot, settings),
        |s| ArmResponse::ok(app_settings(s, app, slot)),
    )
}

fn host_keys(state: &State, app: &str, slot: &str) -> ArmResponse {
    with_slot(state, app, slot, |_, _, s| {
        let keys = s.keys();
        let map = |m: &BTreeMap<String, slotdrill_model::Secret>| -> Value {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.expose().to_owned())))
                .collect()
        };
        ArmResponse::ok(
            json!({ "masterKey": keys.master.expose(), "functionKeys": map(&keys.function_keys), "systemKeys": map(&keys.system_keys) }),
        )
    })
}

fn with_slot(
    state: &State,
    app: &str,
    slot: &str,
    f: impl FnOnce(&str, &FunctionApp, &slotdrill_model::Slot) -> ArmResponse,
) -> ArmResponse {
    match (state.estate().app(app), state.estate().slot(app, slot)) {
        (Ok(a), Ok(s)) => f(state.estate().subscription(), a, s),
        (Err(e), _) | (_, Err(e)) => from_model(&e),
    }
}

/// Applies a model change; answers with `ok` or the model's error.
fn change(
    state: &mut State,
    f: impl FnOnce(&mut slotdrill_model::Estate) -> Result<Vec<Event>, slotdrill_model::ModelError>,
    ok: impl FnOnce(&State) -> ArmResponse,
) -> ArmResponse {
    match state.apply(f) {
        Ok(_) => ok(state),
        Err(e) => from_model(&e),
    }
}

fn list_slots(state: &State, method: &str, app: &str) -> ArmResponse {
    if method != "GET" {
        return ArmResponse::error(
            405,
            "MethodNotAllowed",
            format!("{method} is not supported on a slot collection"),
        );
    }
    let subscription = state.estate().subscription();
    let function_app = state.estate().app(app).expect("checked by the caller");
    let value: Vec<Value> = function_app
        .slots()
        .filter(|s| !is_production(s.name()))
        .map(|s| site(subscription, function_app, s))
        .collect();
    ArmResponse::ok(json!({ "value": value, "nextLink": null }))
}

fn create_slot(state: &mut State, request: &ArmRequest, app: &str, slot: &str) -> ArmResponse {
    if state.estate().slot(app, slot).is_ok() {
        // PUT of an existing slot updates nothing we model: answer with it.
        return with_slot(state, app, slot, |sub, a, s| {
            ArmResponse::ok(site(sub, a, s))
        });
    }
    // `cloningInfo.sourceWebAppId` names the slot whose settings to copy.
    let clone_from = request
        .body_field("/properties/cloningInfo/sourceWebAppId")
        .and_then(Value::as_str)
        .map(|id| match id.to_ascii_lowercase().rsplit_once("/slots/") {
            Some((_, source)) => source.to_owned(),
            None => PRODUCTION.to_owned(),
        });
    change(
        state,
        |e| e.create_slot(app, slot, clone_from.as_deref()),
        |s| with_slot(s, app, slot, |sub, a, sl| ArmResponse::ok(site(sub, a, sl))),
    )
}

fn slot_config_names(subscription: &str, app: &FunctionApp) -> Value {
    let names = app.sticky_names();
    json!({
        "id": format!("{}/config/slotConfigNames", site_id(subscription, app, PRODUCTION)),
        "name": "slotConfigNames",
        "type": "Microsoft.Web/sites/config",
        "properties": {
            "appSettingNames": names.app_setting_names,
            "connectionStringNames": names.connection_string_names,
            "azureStorageConfigNames": names.azure_storage_config_names,
        }
    })
}

fn parse_slot_config_names(request: &ArmRequest) -> SlotConfigNames {
    let list = |field: &str| -> std::collections::BTreeSet<String> {
        request
            .body_field(&format!("/properties/{field}"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    SlotConfigNames {
        app_setting_names: list("appSettingNames"),
        connection_string_names: list("connectionStringNames"),
        azure_storage_config_names: list("azureStorageConfigNames"),
    }
}

fn app_settings(state: &State, app: &str, slot: &str) -> Value {
    let function_app = state.estate().app(app).expect("checked by the caller");
    let settings = state
        .estate()
        .slot(app, slot)
        .map(|s| s.config().app_settings.clone())
        .unwrap_or_default();
    json!({
        "id": format!("{}/config/appsettings", site_id(state.estate().subscription(), function_app, slot)),
        "name": "appsettings",
        "type": "Microsoft.Web/sites/config",
        "location": function_app.spec().location,
        "properties": settings,
    })
}

fn update_web_config(
    state: &mut State,
    request: &ArmRequest,
    app: &str,
    slot: &str,
) -> ArmResponse {
    let properties = request
        .body_field("/properties")
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(auto_swap) = properties.get("autoSwapSlotName") {
        let target = auto_swap
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if let Err(e) = state.apply(|e| e.set_auto_swap(app, slot, target.as_deref())) {
            return from_model(&e);
        }
    }
    if let Some(rules) = properties.pointer("/experiments/rampUpRules") {
        if !is_production(slot) {
            return ArmResponse::error(
                400,
                "BadRequest",
                "traffic routing rules are set on the production slot",
            );
        }
        let parsed: Result<Vec<_>, _> = rules
            .as_array()
            .map(|a| a.iter().map(parse_ramp_up_rule).collect())
            .unwrap_or_else(|| Ok(Vec::new()));
        let rules = match parsed {
            Ok(rules) => rules,
            Err(missing) => return ArmResponse::error(400, "BadRequest", missing.to_string()),
        };
        if let Err(e) = state.apply(|e| e.set_routing(app, rules)) {
            return from_model(&e);
        }
    }
    with_slot(state, app, slot, |sub, a, s| {
        ArmResponse::ok(web_config(sub, a, s))
    })
}

fn function_keys(
    state: &State,
    request: &ArmRequest,
    app: &str,
    slot: &str,
    function: &str,
    action: &str,
) -> ArmResponse {
    with_slot(state, app, slot, |_, _, s| {
        let Some((name, _)) = s.release().and_then(|r| r.function_entry(function)) else {
            return ArmResponse::not_found(format!(
                "function `{function}` does not exist on `{app}/{slot}`"
            ));
        };
        let key = s.keys().function_default(name);
        if action == "listsecrets" {
            ArmResponse::ok(
                json!({ "key": key.expose(), "trigger_url": format!("{}/api/{name}?code={}", request.site_url(s.host_name()), key.expose()) }),
            )
        } else {
            // What Azure really returns: a flat object of key name → value.
            let keys: serde_json::Map<String, Value> = s
                .keys()
                .function_keys_of(name)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v.expose().to_owned())))
                .collect();
            ArmResponse::ok(Value::Object(keys))
        }
    })
}

fn slots_diffs(state: &State, request: &ArmRequest, app: &str, path_slot: &str) -> ArmResponse {
    let Some(other) = request.body_field("/targetSlot").and_then(Value::as_str) else {
        return swap::missing_target();
    };
    let (Ok(current), Ok(target)) = (
        state.estate().slot(app, path_slot),
        state.estate().slot(app, other),
    ) else {
        return ArmResponse::not_found(format!(
            "slot `{other}` or `{path_slot}` of `{app}` does not exist"
        ));
    };
    let function_app = state.estate().app(app).expect("checked by the caller");
    let sticky = function_app.sticky_names();
    let mut diffs = Vec::new();
    let names: std::collections::BTreeSet<&String> = current
        .config()
        .app_settings
        .keys()
        .chain(target.config().app_settings.keys())
        .collect();
    for name in names {
        let (here, there) = (
            current.config().setting(name),
            target.config().setting(name),
        );
        if here == there {
            continue;
        }
        let is_sticky = sticky.app_setting_names.contains(name.as_str())
            || name.to_ascii_uppercase().ends_with("_EXTENSION_VERSION");
        diffs.push(json!({ "properties": {
            "level": if is_sticky { "Warning" } else { "Information" },
            "settingType": "AppSetting",
            "diffRule": if is_sticky { "StickySettingDiffers" } else { "SettingsWillBeModifiedInDestination" },
            "settingName": name,
            "valueInCurrentSlot": here,
            "valueInTargetSlot": there,
            "description": if is_sticky {
                format!("Sticky setting `{name}` differs; it stays with its slot during a swap.")
            } else {
                format!("Setting `{name}` will take the source slot's value in the destination.")
            },
        }}));
    }
    ArmResponse::ok(json!({ "value": diffs, "nextLink": null }))
}
