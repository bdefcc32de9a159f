//! The ARM-compatible management plane: the paths, api-versions, bodies, long-running
//! operations, errors and throttling of Azure Resource Manager for `Microsoft.Web/sites` and
//! `Microsoft.Logic/workflows` (azure-facts §5), so that the slotdrill ARM client, the Azure SDKs
//! and curl manage the emulator as they manage Azure. A request whose path starts with
//! `/subscriptions/` lands here; `/_slotdrill/` is the admin API (`admin.rs`).

mod admin;
mod api_versions;
mod deployments;
mod history;
mod logic;
mod names;
mod records;
mod render;
mod standard;
mod standard_slots;
mod swap;
mod web;
mod workflow_ops;

pub(crate) use crate::wire::from_model;
pub use crate::wire::{ArmRequest, ArmResponse};

use crate::clock::rfc1123;
use crate::emulator::Emulator;
use crate::faults::ArmFault;
use crate::state::State;
use slotdrill_model::AzureName;

pub use admin::admin;
pub use api_versions::{LOGIC_API_VERSIONS, WEB_API_VERSIONS};

/// The segments of a path, and the part after the resource group.
pub(crate) struct ResourcePath<'a> {
    pub(crate) subscription: &'a str,
    pub(crate) resource_group: Option<&'a str>,
    /// Segments after `providers/NAMESPACE/`.
    pub(crate) provider: Option<&'a str>,
    pub(crate) rest: Vec<&'a str>,
}

fn parse_path(path: &str) -> Option<ResourcePath<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if !segments.first()?.eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let subscription = *segments.get(1)?;
    let mut i = 2;
    let resource_group = match segments.get(i) {
        Some(s) if s.eq_ignore_ascii_case("resourceGroups") => {
            i += 2;
            Some(*segments.get(i - 1)?)
        }
        _ => None,
    };
    let provider = match segments.get(i) {
        Some(s) if s.eq_ignore_ascii_case("providers") => {
            i += 2;
            Some(*segments.get(i - 1)?)
        }
        _ => None,
    };
    Some(ResourcePath {
        subscription,
        resource_group,
        provider,
        rest: segments[i.min(segments.len())..].to_vec(),
    })
}

fn is_write(method: &str) -> bool {
    !method.eq_ignore_ascii_case("GET") && !method.eq_ignore_ascii_case("HEAD")
}

impl Emulator {
    /// Answers one management request.
    pub fn manage(&self, request: &ArmRequest) -> ArmResponse {
        let mut state = self.lock();
        let mut delay_ms = 0;
        let mut throttle_headers = Vec::new();
        let mut response = match pre_checks(
            &mut state,
            request,
            self.config().require_token.as_deref(),
            &mut delay_ms,
            &mut throttle_headers,
        ) {
            Err(refusal) => refusal,
            Ok(()) => {
                state.settle();
                let mut response = route(&mut state, request);
                response.headers.extend(throttle_headers);
                response
            }
        };
        response.delay_ms = delay_ms;
        // "Date – The date that the request was processed, in RFC 1123 format" (ARM RPC, common
        // API details): virtual time after the request, so a poll's answer shows the time it
        // moved to.
        response
            .headers
            .push(("date".to_owned(), rfc1123(state.now())));
        response
    }
}

/// Token, api-version, and the faults that answer before anything is looked at.
fn pre_checks(
    state: &mut State,
    request: &ArmRequest,
    required_token: Option<&str>,
    delay_ms: &mut u64,
    throttle_headers: &mut Vec<(String, String)>,
) -> Result<(), ArmResponse> {
    *delay_ms = delay_ms.saturating_add(state.management().latency_ms());
    if state
        .management_mut()
        .take(|f| matches!(f, ArmFault::ConnectionReset { .. }))
        .is_some()
    {
        return Err(ArmResponse {
            reset: true,
            ..ArmResponse::empty(500)
        });
    }
    let Some(token) = request.bearer_token().filter(|t| !t.is_empty()) else {
        return Err(ArmResponse::error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    if state
        .management_mut()
        .take(|f| matches!(f, ArmFault::ExpiredToken { .. }))
        .is_some()
    {
        return Err(ArmResponse::error(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        ));
    }
    if required_token.is_some_and(|required| required != token) {
        return Err(ArmResponse::error(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        ));
    }
    api_versions::check(request, || resource_location(state, request))?;
    if let Some(header) = state.management_mut().throttle(is_write(&request.method))? {
        throttle_headers.push(header);
    }
    if let Some((probability, status)) = state.management().server_error()
        && state.roll() < probability
    {
        return Err(ArmResponse::error(
            status,
            "InternalServerError",
            "An injected server error.",
        ));
    }
    Ok(())
}

/// The region ARM routes a request by: the named site's or workflow's, else the first app's.
fn resource_location(state: &State, request: &ArmRequest) -> String {
    let named = parse_path(&request.path).and_then(|path| {
        let name = &names::percent_decode(path.rest.get(1)?);
        match path.provider?.to_ascii_lowercase().as_str() {
            "microsoft.logic" => state.workflows().get(name).map(|l| l.location.clone()),
            _ => state
                .estate()
                .app(name)
                .ok()
                .map(|a| a.spec().location.clone()),
        }
    });
    named
        .or_else(|| {
            state
                .estate()
                .apps()
                .next()
                .map(|a| a.spec().location.clone())
        })
        .unwrap_or_else(|| "westeurope".to_owned())
}

fn route(state: &mut State, request: &ArmRequest) -> ArmResponse {
    let Some(path) = parse_path(&request.path) else {
        return ArmResponse::not_found(format!("no management resource at `{}`", request.path));
    };
    if !path
        .subscription
        .eq_ignore_ascii_case(state.estate().subscription())
    {
        return ArmResponse::error(
            404,
            "SubscriptionNotFound",
            format!(
                "The subscription '{}' could not be found.",
                path.subscription
            ),
        );
    }
    // A group holding neither an app nor a Logic App does not exist for the emulator: ARM
    // answers a read in a missing group 404 ResourceGroupNotFound (docs/fidelity.md).
    if let Some(group) = path.resource_group
        && request.method.eq_ignore_ascii_case("GET")
        && !state
            .estate()
            .apps()
            .any(|a| AzureName::same(&a.spec().resource_group, group))
        && !state
            .workflows()
            .all()
            .any(|l| AzureName::same(&l.resource_group, group))
    {
        return ArmResponse::error(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{group}' could not be found."),
        );
    }
    match path.provider.map(str::to_ascii_lowercase).as_deref() {
        Some("microsoft.web") => web::handle(state, request, &path),
        Some("microsoft.logic") => logic::handle(state, request, &path),
        _ => ArmResponse::not_found(format!("no management resource at `{}`", request.path)),
    }
}
