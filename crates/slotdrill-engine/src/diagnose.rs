//! Diagnose: which functions of which apps are faulty in production, with the evidence and the
//! thresholds behind each verdict, and whether the `deploy` slot's copy of each is healthy.
//!
//! Evidence comes from probes of each function on each slot (the first answers after a restart
//! are discarded: a cold start is not a bad release) and from the Logic Apps' runs since production
//! took its current content (older runs tested another release),
//! attributed to the function each action calls.

use serde::{Deserialize, Serialize};
use slotdrill_model::{AzureName, PRODUCTION};

use crate::cloud::{ActionOutcome, Cloud, SlotSnapshot};
use crate::error::EngineError;
use crate::names::AppFunction;
use crate::observe::Observation;

/// Thresholds and sample sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnoseConfig {
    /// The slot that holds the previous release.
    pub deploy_slot: String,
    /// Probes counted per function and slot.
    pub probe_samples: u32,
    /// Probe answers discarded first (cold start).
    pub discard_first: u32,
    /// Runs of history read per workflow.
    pub history_runs: usize,
    /// Samples needed before a verdict of faulty.
    pub min_samples: u32,
    /// Failure rate at or above which a function is faulty.
    pub failure_rate: f64,
}

impl Default for DiagnoseConfig {
    fn default() -> Self {
        DiagnoseConfig {
            deploy_slot: "deploy".to_owned(),
            probe_samples: 10,
            discard_first: 5,
            history_runs: 20,
            min_samples: 5,
            failure_rate: 0.5,
        }
    }
}

/// Samples and failures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// How many answers were seen.
    pub samples: u32,
    /// How many failed (5xx, or no answer).
    pub failures: u32,
}

impl Health {
    /// Failures over samples (0 without samples).
    pub fn rate(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            f64::from(self.failures) / f64::from(self.samples)
        }
    }

    fn add(&mut self, failed: bool) {
        self.samples += 1;
        self.failures += u32::from(failed);
    }

    fn is_faulty(&self, config: &DiagnoseConfig) -> bool {
        self.samples >= config.min_samples && self.rate() >= config.failure_rate
    }
}

/// The verdict on one function of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The app.
    pub app: String,
    /// The function.
    pub function: String,
    /// Its health in production (probes and runs together).
    pub production: Health,
    /// Its health in the deploy slot (probes), when checked.
    pub deploy: Option<Health>,
    /// Faulty in production.
    pub faulty: bool,
    /// Whether the deploy slot's copy is healthy (`None`: not checked).
    pub deploy_healthy: Option<bool>,
    /// The evidence, in words.
    pub reason: String,
}

/// Every verdict, and the configuration that produced them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The thresholds used.
    pub config: DiagnoseConfig,
    /// One verdict per function of every app that has a deploy slot.
    pub verdicts: Vec<Verdict>,
}

impl Diagnosis {
    /// The faulty functions, as (app, function).
    pub fn faulty(&self) -> Vec<(String, String)> {
        self.verdicts
            .iter()
            .filter(|v| v.faulty)
            .map(|v| (v.app.clone(), v.function.clone()))
            .collect()
    }
}

/// How many functions the apps' production slots have: the verdicts [`named_faulty`] gives. Its
/// list is sized once: at estate scale (100,000 verdicts at 400,000 actions) a list grown by
/// doubling copied every verdict into fresh pages at each step (2 % of observe + plan, by perf).
fn production_functions(observation: &Observation) -> usize {
    observation
        .apps
        .iter()
        .filter_map(|app| app.slot(PRODUCTION))
        .map(|production| production.functions.len())
        .sum()
}

fn failed(status: u16) -> bool {
    status == 0 || status >= 500
}

/// Diagnoses every function of every app that has a deploy slot.
pub fn diagnose(
    cloud: &dyn Cloud,
    observation: &Observation,
    config: &DiagnoseConfig,
) -> Result<Diagnosis, EngineError> {
    let mut verdicts = Vec::new();
    let mut histories = Histories::new();
    for app in &observation.apps {
        let (Some(production), Some(deploy)) =
            (app.slot(PRODUCTION), app.slot(&config.deploy_slot))
        else {
            continue;
        };
        for function in &production.functions {
            let from_probes = probe_health(cloud, &app.name, PRODUCTION, function, config)?;
            let from_runs = run_health(
                cloud,
                observation,
                (&app.name, production),
                function,
                config,
                &mut histories,
            )?;
            let production_health = Health {
                samples: from_probes.samples + from_runs.samples,
                failures: from_probes.failures + from_runs.failures,
            };
            let deploy_health = if deploy
                .functions
                .iter()
                .any(|f| AzureName::same(f, function))
            {
                Some(probe_health(
                    cloud,
                    &app.name,
                    &deploy.name,
                    function,
                    config,
                )?)
            } else {
                None
            };
            let reason = format!(
                "{} of {} samples failed ({:.0}%; faulty at ≥ {:.0}% over ≥ {}): probes {}/{}, runs {}/{}",
                production_health.failures,
                production_health.samples,
                production_health.rate() * 100.0,
                config.failure_rate * 100.0,
                config.min_samples,
                from_probes.failures,
                from_probes.samples,
                from_runs.failures,
                from_runs.samples
            );
            verdicts.push(Verdict {
                app: app.name.clone(),
                function: function.clone(),
                production: production_health,
                deploy: deploy_health,
                faulty: production_health.is_faulty(config),
                deploy_healthy: Some(deploy_health.is_some_and(|h| !h.is_faulty(config))),
                reason,
            });
        }
    }
    Ok(Diagnosis {
        config: config.clone(),
        verdicts,
    })
}

/// Run history per workflow, read once however many functions it calls.
type Histories = std::collections::BTreeMap<String, Vec<ActionOutcome>>;

/// Probes `function` on `slot`, discarding the first answers (a cold start is not a bad release).
fn probe_health(
    cloud: &dyn Cloud,
    app: &str,
    slot: &str,
    function: &str,
    config: &DiagnoseConfig,
) -> Result<Health, EngineError> {
    let mut health = Health::default();
    let probes = cloud.probe(
        app,
        slot,
        function,
        config.discard_first + config.probe_samples,
    )?;
    for status in probes.iter().skip(config.discard_first as usize) {
        health.add(failed(*status));
    }
    Ok(health)
}

/// What the runs of the Logic Apps that call `function` on production say about it, counting
/// only runs that started after production took its current content.
fn run_health(
    cloud: &dyn Cloud,
    observation: &Observation,
    (app, production): (&str, &SlotSnapshot),
    function: &str,
    config: &DiagnoseConfig,
    histories: &mut Histories,
) -> Result<Health, EngineError> {
    let mut health = Health::default();
    for caller in observation
        .callers_of(app)
        .filter(|c| c.calls(app, PRODUCTION, function))
    {
        if !histories.contains_key(caller.workflow.as_str()) {
            histories.insert(
                caller.workflow.to_string(),
                cloud.run_history(&caller.workflow, config.history_runs)?,
            );
        }
        // A run that started before production took its current content tested something
        // else (usually the previous, good release).
        let current = |o: &&ActionOutcome| match (o.started, production.live_since) {
            (Some(started), Some(since)) => started >= since,
            _ => true,
        };
        let outcomes: Vec<&ActionOutcome> = histories[caller.workflow.as_str()]
            .iter()
            .filter(|o| o.action == caller.action)
            .filter(current)
            .collect();
        // Inside a loop the action ran once per repetition, as Azure's history shows it; its
        // own record sums them up and is not one more call.
        let repeated = |run: &str| {
            outcomes
                .iter()
                .any(|o| o.run == run && o.repetition.is_some())
        };
        for outcome in outcomes
            .iter()
            .filter(|o| o.repetition.is_some() || !repeated(&o.run))
        {
            match outcome.status.as_str() {
                "Succeeded" => health.add(false),
                "Failed" | "TimedOut" => health.add(true),
                _ => {}
            }
        }
    }
    Ok(health)
}

/// The operator's fast path: these functions are faulty, no probing. The deploy slot's copies
/// are not checked.
///
/// A name that matches no function of any app's production slot is an error, not ignored.
pub fn named_faulty(
    observation: &Observation,
    faulty: &[AppFunction],
    config: &DiagnoseConfig,
) -> Result<Diagnosis, EngineError> {
    if let Some(unknown) = faulty.iter().find(|named| {
        !observation
            .apps
            .iter()
            .filter(|app| named.app.matches(&app.name))
            .any(|app| {
                app.slot(PRODUCTION).is_some_and(|production| {
                    production
                        .functions
                        .iter()
                        .any(|function| named.is(&app.name, function))
                })
            })
    }) {
        return Err(EngineError::UnknownFunction(unknown.clone()));
    }
    let mut verdicts = Vec::with_capacity(production_functions(observation));
    for app in &observation.apps {
        let Some(production) = app.slot(PRODUCTION) else {
            continue;
        };
        // Compared per function below: only the names of this app.
        let named_here: Vec<&AppFunction> =
            faulty.iter().filter(|f| f.app.matches(&app.name)).collect();
        for function in &production.functions {
            let named = named_here.iter().any(|f| f.function.matches(function));
            verdicts.push(Verdict {
                app: app.name.clone(),
                function: function.clone(),
                production: Health::default(),
                deploy: None,
                faulty: named,
                deploy_healthy: None,
                reason: if named {
                    "named faulty by the operator".to_owned()
                } else {
                    "not named".to_owned()
                },
            });
        }
    }
    Ok(Diagnosis {
        config: config.clone(),
        verdicts,
    })
}

#[cfg(test)]
mod tests {
    //! The fast path's verdicts at more than a handful of functions.

    use std::collections::BTreeMap;

    use super::*;
    use crate::fixtures::app;

    #[test]
    fn named_faulty_gives_one_verdict_per_function_in_a_list_sized_once() {
        // 3 + 5 + 1 functions: a list grown by doubling would hold room for 16.
        let apps = vec![
            app("orders", &["F0", "F1", "F2"]),
            app("billing", &["F0", "F1", "F2", "F3", "F4"]),
            app("mail", &["F0"]),
        ];
        let observation = Observation::new(apps, Vec::new(), BTreeMap::new());
        let faulty = [AppFunction::new("billing", "F4")];
        let diagnosis = named_faulty(&observation, &faulty, &DiagnoseConfig::default())
            .expect("billing/F4 exists");
        let named: Vec<_> = diagnosis
            .verdicts
            .iter()
            .map(|v| (v.app.as_str(), v.function.as_str(), v.faulty))
            .collect();
        assert_eq!(named.len(), 9);
        assert_eq!(
            named.iter().filter(|v| v.2).collect::<Vec<_>>(),
            [&("billing", "F4", true)]
        );
        assert_eq!(
            diagnosis.verdicts.capacity(),
            9,
            "no room held beyond the verdicts"
        );
    }
}
