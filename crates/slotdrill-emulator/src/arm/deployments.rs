//! `…/deployments` (WebApps_ListDeployments, WebApps_ListDeploymentsSlot) and
//! `…/deployments/{id}`: the slot's deployment records, newest first, as the spec's
//! `DeploymentCollection` / `Deployment` (snake_case properties, `status` an integer, 4 =
//! success; azure-swap-facts §3). The records belong to the content, so they move with a swap.

use serde_json::{Value, json};
use slotdrill_model::{DeploymentRecord, is_production};

use super::render::site_id;
use super::{ArmRequest, ArmResponse, from_model};
use crate::clock::rfc3339;
use crate::state::State;

/// `GET …/deployments` or `GET …/deployments/{id}`; `tail` starts with `deployments`.
pub(super) fn get(
    state: &State,
    request: &ArmRequest,
    app: &str,
    slot: &str,
    tail: &[&str],
) -> ArmResponse {
    let (function_app, found) = match (state.estate().app(app), state.estate().slot(app, slot)) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) | (_, Err(e)) => return from_model(&e),
    };
    let site = site_id(state.estate().subscription(), function_app, slot);
    let name = |id: &str| {
        if is_production(slot) {
            format!("{}/{id}", function_app.name())
        } else {
            format!("{}/{}/{id}", function_app.name(), found.name())
        }
    };
    let render = |record: &DeploymentRecord| deployment(&site, &name(&record.id), slot, record);
    match tail {
        [_] => {
            let value: Vec<Value> = found.deployments().iter().rev().map(render).collect();
            ArmResponse::ok(json!({ "value": value, "nextLink": null }))
        }
        [_, id] => match found
            .deployments()
            .iter()
            .find(|d| d.id.eq_ignore_ascii_case(id))
        {
            Some(record) => ArmResponse::ok(render(record)),
            None => ArmResponse::not_found(format!(
                "deployment `{id}` does not exist on `{}`",
                request.path
            )),
        },
        _ => ArmResponse::not_found(format!("no management resource at `{}`", request.path)),
    }
}

fn deployment(site: &str, name: &str, slot: &str, record: &DeploymentRecord) -> Value {
    json!({
        "id": format!("{site}/deployments/{}", record.id),
        "name": name,
        "type": if is_production(slot) { "Microsoft.Web/sites/deployments" } else { "Microsoft.Web/sites/slots/deployments" },
        "kind": null,
        "properties": {
            "id": record.id,
            "status": record.status,
            "message": record.message,
            "author": record.author,
            "deployer": record.deployer,
            "author_email": null,
            "start_time": rfc3339(record.start_time),
            "end_time": rfc3339(record.end_time),
            "active": record.active,
            "details": null,
        }
    })
}
