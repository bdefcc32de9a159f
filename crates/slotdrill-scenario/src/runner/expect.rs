//! Expectations: what a drill's `expect` step checks, judged against the emulator and the
//! runner's record of runs, calls and plans.

use slotdrill_emulator::Status;
use slotdrill_engine::{Cloud, hints_for};
use slotdrill_model::is_production;
use slotdrill_wdl::find_calls;

use super::{Runner, definition_text, parse_rate};
use crate::steps::Expect;

impl Runner<'_> {
    /// `; the first failed: Ship: Failed (401 from …)` for the last `run` step of `logic_app`
    /// when one of its runs failed, else empty: a success rate says how often, this says why.
    fn first_failure(&self, logic_app: &str) -> String {
        let runs = self
            .runs
            .iter()
            .filter(|r| r.logic_app.eq_ignore_ascii_case(logic_app));
        let Some(last_step) = runs.clone().map(|r| r.step).max() else {
            return String::new();
        };
        runs.filter(|r| r.step == last_step && !r.succeeded)
            .map(|r| format!("; the first failed: {}", r.reason()))
            .next()
            .unwrap_or_default()
    }

    /// (description, held, what was found).
    pub(super) fn evaluate(&self, e: &Expect) -> (String, bool, String) {
        if let (Some(app), Some(rate)) = (&e.logic_app, &e.succeeded) {
            let runs = self
                .last_runs
                .get(&app.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default();
            let ok = runs.iter().filter(|s| **s == Status::Succeeded).count();
            let actual = if runs.is_empty() {
                0.0
            } else {
                ok as f64 * 100.0 / runs.len() as f64
            };
            let (op, target) = parse_rate(rate).unwrap_or((">=", 100.0));
            let held = !runs.is_empty()
                && match op {
                    ">" => actual > target,
                    "<" => actual < target,
                    "<=" => actual <= target,
                    "=" => (actual - target).abs() < 1e-9,
                    _ => actual >= target,
                };
            return (
                format!("{app} succeeds {rate}"),
                held,
                format!(
                    "{ok} of {} runs succeeded ({actual:.0}%){}",
                    runs.len(),
                    self.first_failure(app)
                ),
            );
        }
        if let (Some(caller), Some(serves)) = (&e.caller, &e.serves) {
            let found = self.caller_target(caller);
            let held = found
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(serves));
            return (
                format!("{caller} serves {serves}"),
                held,
                format!(
                    "it serves {}",
                    found.unwrap_or_else(|| "nothing resolvable".to_owned())
                ),
            );
        }
        if let (Some(slot), Some(holds)) = (&e.slot, &e.holds) {
            let (app, name) = slot.split_once('/').unwrap_or((slot, ""));
            let found = self.emulator().read(|est| {
                est.slot(app, name)
                    .ok()
                    .and_then(|s| s.release_id().map(str::to_owned))
            });
            return (
                format!("{slot} holds {holds}"),
                found.as_deref() == Some(holds.as_str()),
                format!("it holds {}", found.unwrap_or_else(|| "nothing".to_owned())),
            );
        }
        if let Some(expected) = &e.plan {
            let last = self.plans.last();
            let chosen = last.map(|p| p.decision.label().to_owned());
            let text = last
                .map(|p| {
                    format!(
                        "{} {}",
                        p.reasons.join("; "),
                        p.decision.refusal().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let reason_ok = e.reason.as_ref().is_none_or(|r| text.contains(r.as_str()));
            let description = match &e.reason {
                Some(r) => format!("a {expected} plan because “{r}”"),
                None => format!("a {expected} plan"),
            };
            return (
                description,
                chosen.as_deref() == Some(expected.as_str()) && reason_ok,
                format!(
                    "the plan was {} ({})",
                    chosen.unwrap_or_else(|| "not made".to_owned()),
                    text.trim()
                ),
            );
        }
        if let Some(warning) = &e.warning {
            let held = self.warnings.iter().any(|w| w.contains(warning.as_str()));
            return (
                format!("a warning about “{warning}”"),
                held,
                format!(
                    "warnings: {}",
                    if self.warnings.is_empty() {
                        "none".to_owned()
                    } else {
                        self.warnings.join(" | ")
                    }
                ),
            );
        }
        if let Some(workflow) = &e.workflow {
            let same = self
                .originals
                .get(workflow)
                .is_some_and(|o| *o == definition_text(self.emulator(), workflow));
            return (
                format!("{workflow} equals its original definition"),
                same,
                if same {
                    "identical".to_owned()
                } else {
                    "it differs".to_owned()
                },
            );
        }
        if let (Some(setting), Some(equals)) = (&e.setting, &e.equals) {
            let mut parts = setting.splitn(3, '/');
            let (app, slot, name) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let found = self.emulator().read(|est| {
                est.slot(app, slot)
                    .ok()
                    .and_then(|s| s.config().setting(name).map(str::to_owned))
            });
            return (
                format!("{setting} = {equals}"),
                found.as_deref() == Some(equals.as_str()),
                format!("it is {}", found.unwrap_or_else(|| "unset".to_owned())),
            );
        }
        if let Some(status) = e.call_status {
            let held = !self.last_calls.is_empty() && self.last_calls.iter().all(|s| *s == status);
            return (
                format!("every call answered {status}"),
                held,
                format!("answers: {:?}", self.last_calls),
            );
        }
        (
            "nothing".to_owned(),
            false,
            "an empty expectation".to_owned(),
        )
    }

    /// `app/slot@release` a caller reaches now, read from its current workflow definition.
    fn caller_target(&self, caller: &str) -> Option<String> {
        let (workflow, action) = caller.split_once('/')?;
        let logic_app = self.emulator().logic_app(workflow)?;
        // Only the apps' host names are needed, not every workflow read again.
        let apps = self.cloud.apps().ok()?;
        let call = find_calls(&logic_app.document, &hints_for(&apps))
            .into_iter()
            .find(|c| c.action == action)?;
        let (app, slot) = (call.app?, call.slot?);
        let release = self.emulator().read(|e| {
            e.slot(&app, &slot)
                .ok()
                .and_then(|s| s.release_id().map(str::to_owned))
        })?;
        let slot = if is_production(&slot) {
            "production".to_owned()
        } else {
            slot
        };
        Some(format!("{app}/{slot}@{release}"))
    }
}
