//! The active deployment record of a slot, from `GET …/deployments` (`WebApps_ListDeployments`),
//! as a release identity; the rest of release identification is the engine's
//! (`slotdrill_engine::ReleaseIdentity`), shared with the emulator.

use serde_json::Value;
use slotdrill_engine::ReleaseIdentity;

use crate::timestamp::epoch_millis;

/// The active record of a deployments list (`value` items of `WebApps_ListDeployments`), as an
/// identity: its id (`properties.id`, else the last segment of its `name` or resource `id`) and
/// a note "{message}, {end_time}". With several records marked active, the one that ended last.
pub(crate) fn from_deployments(records: &[Value]) -> Option<ReleaseIdentity> {
    let active = records
        .iter()
        .filter(|r| r["properties"]["active"].as_bool() == Some(true))
        .max_by_key(|r| r["properties"]["end_time"].as_str().and_then(epoch_millis))?;
    let properties = &active["properties"];
    let last_segment = |key: &str| {
        active[key]
            .as_str()
            .and_then(|s| s.rsplit('/').next())
            .filter(|s| !s.is_empty())
    };
    let id = properties["id"]
        .as_str()
        .filter(|s| !s.is_empty())
        .or_else(|| last_segment("name"))
        .or_else(|| last_segment("id"))?;
    Some(ReleaseIdentity::deployment(
        id,
        properties["message"].as_str(),
        properties["end_time"].as_str(),
    ))
}
