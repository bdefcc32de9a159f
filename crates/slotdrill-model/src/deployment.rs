//! Deployment records (`GET …/deployments`, WebApps_ListDeployments): what App Service's own
//! history says was deployed to a slot. They belong to the content, so a swap moves them with it
//! (Microsoft does not document this; Kudu's files swap with the content: azure-webjobs-sdk#586).

use crate::time::Timestamp;

/// Kudu's `DeployStatus.Success`, the integer the ARM `Deployment.status` carries.
pub const DEPLOYMENT_SUCCESS: i32 = 4;

/// One deployment record of a slot's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentRecord {
    /// 32 lower-case hex digits, as Kudu's ids, drawn from the estate's seed.
    pub id: String,
    /// `status` (4 = success).
    pub status: i32,
    /// `message`.
    pub message: String,
    /// `author`.
    pub author: String,
    /// `deployer`.
    pub deployer: String,
    /// `start_time` (virtual).
    pub start_time: Timestamp,
    /// `end_time` (virtual).
    pub end_time: Timestamp,
    /// `active`: the record of what the content runs now.
    pub active: bool,
}
