//! The api-versions the management plane serves, per provider, and ARM's answer to any other.
//!
//! The lists are the ones the REST specs' AutoRest readmes name (every `stable/…` and
//! `preview/…` folder an `input-file` points at), so that any Azure SDK, old or new, works
//! unmodified against `slotdrill serve`; the emulator does not change its shapes by version.
//! Sources, in Azure/azure-rest-api-specs:
//! - `specification/web/resource-manager/Microsoft.Web/AppService/readme.md` (commit 009752b2)
//! - `specification/logic/resource-manager/Microsoft.Logic/Logic/readme.md` (commit 33177aa1),
//!   plus 2016-10-01 and 2017-07-01, which ARM itself lists for `workflows` (Azure/LogicAppsUX#8196)
//!   although no readme tag names them.

use super::{ArmRequest, ArmResponse};

/// Every api-version `Microsoft.Web` is served with, newest first.
pub const WEB_API_VERSIONS: [&str; 27] = [
    "2026-09-01",
    "2026-07-15",
    "2026-03-15",
    "2026-03-01-preview",
    "2025-05-01",
    "2025-03-01",
    "2024-11-01",
    "2024-04-01",
    "2023-12-01",
    "2023-01-01",
    "2022-09-01",
    "2022-03-01",
    "2021-03-01",
    "2021-02-01",
    "2021-01-15",
    "2021-01-01",
    "2020-12-01",
    "2020-10-01",
    "2020-09-01",
    "2020-06-01",
    "2019-08-01",
    "2018-11-01",
    "2018-02-01",
    "2016-09-01",
    "2016-08-01",
    "2016-03-01",
    // `package-2015-08-preview` names `stable/2015-08-01/service.json`.
    "2015-08-01",
];

/// Every api-version `Microsoft.Logic` is served with, newest first.
pub const LOGIC_API_VERSIONS: [&str; 8] = [
    "2026-01-01-preview",
    "2019-05-01",
    "2018-07-01-preview",
    "2017-07-01",
    "2016-10-01",
    "2016-06-01",
    "2015-08-01-preview",
    "2015-02-01-preview",
];

/// The provider a request is for, by its path: its versions and its top-level resource type.
fn provider(request: &ArmRequest) -> (&'static [&'static str], &'static str) {
    if request
        .path
        .to_ascii_lowercase()
        .contains("/providers/microsoft.logic/")
    {
        (&LOGIC_API_VERSIONS, "workflows")
    } else {
        (&WEB_API_VERSIONS, "sites")
    }
}

/// The api-version is required, and must be one the provider serves.
///
/// A missing one gets ARM's `MissingApiVersionParameter`. An unknown one gets what ARM answers for
/// a resource type that has no such version: 400 `NoRegisteredProviderFound`, "No registered
/// resource provider found for location '…' and API version '…' for type '…'. The supported
/// api-versions are '…'. The supported locations are '…'." (Azure/LogicAppsUX#8196 for
/// `workflows`, Azure/azure-cli#28496, digiaiiris/zabbix-azure-monitoring#36). `location` gives
/// the named resource's region, which ARM routes by; it is looked up only for that answer.
pub(super) fn check(
    request: &ArmRequest,
    location: impl FnOnce() -> String,
) -> Result<(), ArmResponse> {
    let (versions, resource_type) = provider(request);
    match request.query("api-version") {
        None => Err(ArmResponse::error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(version) if !versions.contains(&version) => {
            let location = location();
            Err(ArmResponse::error(
                400,
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for location '{location}' and API version \
                 '{version}' for type '{resource_type}'. The supported api-versions are '{}'. The \
                 supported locations are '{location}'.",
                    versions.join(", ")
                ),
            ))
        }
        Some(_) => Ok(()),
    }
}
