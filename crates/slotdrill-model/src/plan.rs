//! Hosting plans and the number of slots each allows (production included).

use std::fmt;
use std::str::FromStr;

/// The hosting plan of a function app. The slot limits are those Microsoft documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostingPlan {
    /// Consumption (Y1): production and one staging slot.
    Consumption,
    /// Flex Consumption: no deployment slots at all (it uses rolling updates instead).
    Flex,
    /// Elastic Premium (EP1–EP3): production and two staging slots.
    Premium,
    /// Dedicated Free tier.
    Free,
    /// Dedicated Shared tier.
    Shared,
    /// Dedicated Basic tier.
    Basic,
    /// Dedicated Standard tier: production and five staging slots.
    Standard,
    /// Dedicated Premium v1.
    PremiumV1,
    /// Dedicated Premium v2.
    PremiumV2,
    /// Dedicated Premium v3.
    PremiumV3,
    /// App Service Environment (Isolated).
    Isolated,
    /// App Service Environment v3 (Isolated v2).
    IsolatedV2,
}

impl HostingPlan {
    /// Every plan, in the order `--help` lists them.
    pub const ALL: [HostingPlan; 12] = [
        HostingPlan::Consumption,
        HostingPlan::Flex,
        HostingPlan::Premium,
        HostingPlan::Free,
        HostingPlan::Shared,
        HostingPlan::Basic,
        HostingPlan::Standard,
        HostingPlan::PremiumV1,
        HostingPlan::PremiumV2,
        HostingPlan::PremiumV3,
        HostingPlan::Isolated,
        HostingPlan::IsolatedV2,
    ];

    /// How many slots an app on this plan may have, production included.
    pub fn slot_limit(self) -> usize {
        match self {
            HostingPlan::Flex | HostingPlan::Free | HostingPlan::Shared | HostingPlan::Basic => 1,
            HostingPlan::Consumption => 2,
            HostingPlan::Premium => 3,
            HostingPlan::Standard => 6,
            HostingPlan::PremiumV1
            | HostingPlan::PremiumV2
            | HostingPlan::PremiumV3
            | HostingPlan::Isolated
            | HostingPlan::IsolatedV2 => 21,
        }
    }

    /// The tier ARM reports in a site's `properties.sku` (`Dynamic`, `ElasticPremium`, …).
    pub fn sku_tier(self) -> &'static str {
        match self {
            HostingPlan::Consumption => "Dynamic",
            HostingPlan::Flex => "FlexConsumption",
            HostingPlan::Premium => "ElasticPremium",
            HostingPlan::Free => "Free",
            HostingPlan::Shared => "Shared",
            HostingPlan::Basic => "Basic",
            HostingPlan::Standard => "Standard",
            HostingPlan::PremiumV1 => "Premium",
            HostingPlan::PremiumV2 => "PremiumV2",
            HostingPlan::PremiumV3 => "PremiumV3",
            HostingPlan::Isolated => "Isolated",
            HostingPlan::IsolatedV2 => "IsolatedV2",
        }
    }

    /// The plan of an ARM `sku` tier (case-insensitive). Not [`FromStr`]: there `premium` is
    /// the scenario spelling of Elastic Premium, while the tier `Premium` is Premium V1.
    pub fn from_sku_tier(tier: &str) -> Option<HostingPlan> {
        HostingPlan::ALL
            .iter()
            .copied()
            .find(|p| p.sku_tier().eq_ignore_ascii_case(tier))
    }

    /// The spelling used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            HostingPlan::Consumption => "consumption",
            HostingPlan::Flex => "flex",
            HostingPlan::Premium => "premium",
            HostingPlan::Free => "free",
            HostingPlan::Shared => "shared",
            HostingPlan::Basic => "basic",
            HostingPlan::Standard => "standard",
            HostingPlan::PremiumV1 => "premium-v1",
            HostingPlan::PremiumV2 => "premium-v2",
            HostingPlan::PremiumV3 => "premium-v3",
            HostingPlan::Isolated => "isolated",
            HostingPlan::IsolatedV2 => "isolated-v2",
        }
    }
}

impl fmt::Display for HostingPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hosting plan name that is neither a scenario spelling nor a known SKU; the message lists
/// the scenario spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hosting plan `{}`; expected one of {}", .0, known_plans())]
pub struct UnknownHostingPlan(
    /// The name as given (untrimmed, in its own case).
    pub String,
);

/// `consumption, flex, premium, …`: every plan's scenario spelling.
fn known_plans() -> String {
    let known: Vec<&str> = HostingPlan::ALL.iter().map(|p| p.as_str()).collect();
    known.join(", ")
}

impl FromStr for HostingPlan {
    type Err = UnknownHostingPlan;

    /// Accepts the scenario spelling and the common SKU names (`Y1`, `EP1`, `S1`, `P1v3`, …).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let plan = match lower.as_str() {
            "consumption" | "dynamic" | "y1" => HostingPlan::Consumption,
            "flex" | "flex-consumption" | "flexconsumption" | "fc1" => HostingPlan::Flex,
            "premium" | "elastic-premium" | "elasticpremium" | "ep1" | "ep2" | "ep3" => {
                HostingPlan::Premium
            }
            "free" | "f1" => HostingPlan::Free,
            "shared" | "d1" => HostingPlan::Shared,
            "basic" | "b1" | "b2" | "b3" => HostingPlan::Basic,
            "standard" | "s1" | "s2" | "s3" => HostingPlan::Standard,
            "premium-v1" | "p1" | "p2" | "p3" => HostingPlan::PremiumV1,
            "premium-v2" | "p1v2" | "p2v2" | "p3v2" => HostingPlan::PremiumV2,
            "premium-v3" | "p0v3" | "p1v3" | "p2v3" | "p3v3" => HostingPlan::PremiumV3,
            "isolated" | "i1" | "i2" | "i3" => HostingPlan::Isolated,
            "isolated-v2" | "i1v2" | "i2v2" | "i3v2" => HostingPlan::IsolatedV2,
            _ => return Err(UnknownHostingPlan(s.to_owned())),
        };
        Ok(plan)
    }
}

/// The operating system of a function app. Auto swap is not supported on Linux.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OperatingSystem {
    /// Windows (the default for function apps created in the portal).
    #[default]
    Windows,
    /// Linux.
    Linux,
}

#[cfg(test)]
mod sku_tests {
    use super::HostingPlan;

    #[test]
    fn every_plan_round_trips_through_its_sku_tier() {
        for plan in HostingPlan::ALL {
            assert_eq!(HostingPlan::from_sku_tier(plan.sku_tier()), Some(plan));
        }
        assert_eq!(
            HostingPlan::from_sku_tier("premium"),
            Some(HostingPlan::PremiumV1),
            "the tier, not the scenario spelling"
        );
        assert_eq!(HostingPlan::from_sku_tier("Y1"), None);
    }
}
