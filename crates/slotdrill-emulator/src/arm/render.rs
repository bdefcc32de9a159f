//! ARM-shaped JSON for sites, slots, functions, config and operations: the fields Azure returns,
//! so that real clients deserialize them.

use serde_json::{Value, json};
use slotdrill_model::{FunctionApp, OperatingSystem, RampUpRule, Slot, SlotState, is_production};

use crate::clock::rfc3339;
use crate::wire::ArmRequest;

pub(crate) fn site_id(subscription: &str, app: &FunctionApp, slot: &str) -> String {
    let base = format!(
        "/subscriptions/{subscription}/resourceGroups/{}/providers/Microsoft.Web/sites/{}",
        app.spec().resource_group,
        app.name()
    );
    if is_production(slot) {
        base
    } else {
        format!("{base}/slots/{slot}")
    }
}

/// A `Site` (production) or a slot, as `GET {site}` / `GET {site}/slots/{slot}` return it.
pub(crate) fn site(subscription: &str, app: &FunctionApp, slot: &Slot) -> Value {
    let production = is_production(slot.name());
    let name = if production {
        app.name().to_owned()
    } else {
        format!("{}/{}", app.name(), slot.name())
    };
    let linux = app.spec().os == OperatingSystem::Linux;
    let scm = slot
        .host_name()
        .replacen(".azurewebsites.net", ".scm.azurewebsites.net", 1);
    json!({
        "id": site_id(subscription, app, slot.name()),
        "name": name,
        "type": if production { "Microsoft.Web/sites" } else { "Microsoft.Web/sites/slots" },
        "kind": if linux { "functionapp,linux" } else { "functionapp" },
        "location": app.spec().location,
        "properties": {
            "name": name,
            "state": if slot.state() == SlotState::Running { "Running" } else { "Stopped" },
            "hostNames": [slot.host_name()],
            "enabledHostNames": [slot.host_name(), scm],
            "defaultHostName": slot.host_name(),
            "repositorySiteName": app.name(),
            "usageState": "Normal",
            "enabled": true,
            "availabilityState": "Normal",
            "reserved": linux,
            "sku": app.spec().plan.sku_tier(),
            "resourceGroup": app.spec().resource_group,
            "serverFarmId": format!("/subscriptions/{subscription}/resourceGroups/{}/providers/Microsoft.Web/serverfarms/{}-plan", app.spec().resource_group, app.name()),
            "lastModifiedTimeUtc": last_modified(slot),
            "slotSwapStatus": slot.swap_status().map(|s| json!({
                "timestampUtc": rfc3339(s.timestamp),
                "sourceSlotName": s.source_slot_name,
                "destinationSlotName": s.destination_slot_name,
            })),
            "targetSwapSlot": slot.target_swap_slot(),
            "siteConfig": { "autoSwapSlotName": slot.auto_swap_slot_name() },
            "clientAffinityEnabled": false,
            "httpsOnly": true,
        }
    })
}

/// `lastModifiedTimeUtc`, as clients use it: later than `slotSwapStatus` exactly when something
/// was deployed to the slot after its last swap. (Virtual time often gives a deploy and a swap
/// the same instant, so the order comes from the model's change sequence.)
fn last_modified(slot: &Slot) -> String {
    match slot.swap_status() {
        Some(status) if slot.deployed_since_swap() => rfc3339(status.timestamp.plus_millis(1)),
        Some(status) => rfc3339(slotdrill_model::Timestamp(
            status.timestamp.millis().saturating_sub(1),
        )),
        None => rfc3339(slotdrill_model::Timestamp(0)),
    }
}

/// `config/web` of a slot.
pub(crate) fn web_config(subscription: &str, app: &FunctionApp, slot: &Slot) -> Value {
    let rules: Vec<Value> = if is_production(slot.name()) {
        app.routing().iter().map(ramp_up_rule).collect()
    } else {
        Vec::new()
    };
    json!({
        "id": format!("{}/config/web", site_id(subscription, app, slot.name())),
        "name": "web",
        "type": "Microsoft.Web/sites/config",
        "location": app.spec().location,
        "properties": {
            "numberOfWorkers": 1,
            "alwaysOn": false,
            "autoSwapSlotName": slot.auto_swap_slot_name(),
            "experiments": { "rampUpRules": rules },
            "http20Enabled": true,
            "minTlsVersion": "1.2",
            "ftpsState": "FtpsOnly",
        }
    })
}

fn ramp_up_rule(rule: &RampUpRule) -> Value {
    json!({
        "actionHostName": rule.action_host_name,
        "reroutePercentage": rule.reroute_percentage,
        "changeStep": rule.change_step,
        "changeIntervalInMinutes": rule.change_interval_in_minutes,
        "minReroutePercentage": rule.min_reroute_percentage,
        "maxReroutePercentage": rule.max_reroute_percentage,
        "changeDecisionCallbackUrl": rule.change_decision_callback_url,
        "name": rule.name,
    })
}

/// A `rampUpRules` entry without a field the emulator needs; the request is answered 400 with
/// this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ramp-up rule needs `{0}`")]
pub(crate) struct MissingRampUpField(
    /// The missing field, in ARM's spelling (`actionHostName`).
    &'static str,
);

/// Reads a `rampUpRules` entry; the error names the first required field it lacks.
pub(crate) fn parse_ramp_up_rule(value: &Value) -> Result<RampUpRule, MissingRampUpField> {
    let text = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_owned);
    let number = |field: &str| value.get(field).and_then(Value::as_f64);
    Ok(RampUpRule {
        name: text("name").ok_or(MissingRampUpField("name"))?,
        action_host_name: text("actionHostName").ok_or(MissingRampUpField("actionHostName"))?,
        reroute_percentage: number("reroutePercentage")
            .ok_or(MissingRampUpField("reroutePercentage"))?,
        change_step: number("changeStep"),
        change_interval_in_minutes: value
            .get("changeIntervalInMinutes")
            .and_then(Value::as_u64)
            .map(|v| v as u32),
        min_reroute_percentage: number("minReroutePercentage"),
        max_reroute_percentage: number("maxReroutePercentage"),
        change_decision_callback_url: text("changeDecisionCallbackUrl"),
    })
}

/// One entry of `GET {site}/functions`.
pub(crate) fn function(
    request: &ArmRequest,
    subscription: &str,
    app: &FunctionApp,
    slot: &Slot,
    function: &str,
) -> Value {
    let site = site_id(subscription, app, slot.name());
    let name = if is_production(slot.name()) {
        format!("{}/{function}", app.name())
    } else {
        format!("{}/{}/{function}", app.name(), slot.name())
    };
    json!({
        "id": format!("{site}/functions/{function}"),
        "name": name,
        "type": "Microsoft.Web/sites/functions",
        "location": app.spec().location,
        "properties": {
            "name": function,
            "function_app_id": site,
            "invoke_url_template": format!("{}/api/{}", request.site_url(slot.host_name()), function.to_ascii_lowercase()),
            "language": "dotnet-isolated",
            "isDisabled": false,
            "config": { "bindings": [
                { "type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "function", "methods": ["get", "post"] },
                { "type": "http", "direction": "out", "name": "$return" }
            ] }
        }
    })
}
