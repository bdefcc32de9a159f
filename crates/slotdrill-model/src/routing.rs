//! Traffic routing rules (`siteConfig.experiments.rampUpRules` on production).

use crate::error::ModelError;

/// One rule: send `reroute_percentage` % of production's traffic to the slot at
/// `action_host_name`, optionally ramping automatically.
#[derive(Debug, Clone, PartialEq)]
pub struct RampUpRule {
    /// The rule's name; by convention the slot's name.
    pub name: String,
    /// The host name of the slot that receives the traffic.
    pub action_host_name: String,
    /// Share of traffic, 0–100.
    pub reroute_percentage: f64,
    /// Automatic ramp: step added every interval.
    pub change_step: Option<f64>,
    /// Automatic ramp: minutes between steps.
    pub change_interval_in_minutes: Option<u32>,
    /// Automatic ramp: lower bound.
    pub min_reroute_percentage: Option<f64>,
    /// Automatic ramp: upper bound.
    pub max_reroute_percentage: Option<f64>,
    /// Automatic ramp: a URL asked whether to go on.
    pub change_decision_callback_url: Option<String>,
}

impl RampUpRule {
    /// A fixed-percentage rule.
    pub fn fixed(name: impl Into<String>, host: impl Into<String>, percentage: f64) -> Self {
        RampUpRule {
            name: name.into(),
            action_host_name: host.into(),
            reroute_percentage: percentage,
            change_step: None,
            change_interval_in_minutes: None,
            min_reroute_percentage: None,
            max_reroute_percentage: None,
            change_decision_callback_url: None,
        }
    }
}

fn percentage(value: f64) -> bool {
    value.is_finite() && (0.0..=100.0).contains(&value)
}

/// Checks a full set of rules for `app`: every percentage in 0–100, names unique, the total at
/// most 100, min ≤ max. Host names are checked by the caller, which knows the slots.
pub(crate) fn validate(app: &str, rules: &[RampUpRule]) -> Result<(), ModelError> {
    let invalid = |reason: String| ModelError::InvalidRouting {
        app: app.to_owned(),
        reason,
    };
    let mut total = 0.0;
    for (i, rule) in rules.iter().enumerate() {
        if rule.name.trim().is_empty() {
            return Err(invalid(format!("rule {} has no name", i + 1)));
        }
        if rules[..i]
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&rule.name))
        {
            return Err(invalid(format!("rule name `{}` is used twice", rule.name)));
        }
        if !percentage(rule.reroute_percentage) {
            return Err(invalid(format!(
                "rule `{}`: reroutePercentage {} is outside 0–100",
                rule.name, rule.reroute_percentage
            )));
        }
        for (field, value) in [
            ("minReroutePercentage", rule.min_reroute_percentage),
            ("maxReroutePercentage", rule.max_reroute_percentage),
            ("changeStep", rule.change_step),
        ] {
            if value.is_some_and(|v| !percentage(v)) {
                return Err(invalid(format!(
                    "rule `{}`: {field} is outside 0–100",
                    rule.name
                )));
            }
        }
        if let (Some(min), Some(max)) = (rule.min_reroute_percentage, rule.max_reroute_percentage)
            && min > max
        {
            return Err(invalid(format!(
                "rule `{}`: minReroutePercentage {min} is above maxReroutePercentage {max}",
                rule.name
            )));
        }
        total += rule.reroute_percentage;
    }
    if total > 100.0 + 1e-9 {
        return Err(invalid(format!(
            "the rules route {total}% of traffic away from production; the total may not exceed 100"
        )));
    }
    Ok(())
}
