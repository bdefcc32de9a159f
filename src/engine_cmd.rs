//! `slotdrill status`, `plan`, `rollback` and `restore`: the engine against a back end reached
//! through ARM — the emulator (`slotdrill serve`) or, with `--live`, Azure. Nothing changes
//! without `--apply`; a non-loopback endpoint needs `--live`; the plan is printed and journaled
//! before the first write.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;
use slotdrill_azure::{ArmCloud, ArmConfig, AzureCloud, Credential};
use slotdrill_engine::{
    AppFunction, ApplyOptions, ApplyReport, DiagnoseConfig, Mode, Plan, Policy, Rollback,
    RollbackRequest, VerifyOptions, VerifyReport, observe, pinned_callers, restore,
};
use slotdrill_model::Secret;

use crate::error::CliError;

/// Where the estate is.
#[derive(Debug, Args)]
pub struct Backend {
    /// The subscription id (required with --live; the emulator's is all zeros).
    #[arg(long)]
    subscription: Option<String>,
    /// The resource group of the function apps and Logic Apps.
    #[arg(long)]
    resource_group: String,
    /// The ARM endpoint (the emulator's address for rehearsals); default: the cloud's.
    #[arg(long)]
    arm_endpoint: Option<String>,
    /// The Azure cloud: public, usgov or china (sets the authority and the ARM endpoint).
    #[arg(long, default_value = "public")]
    cloud: String,
    /// The endpoint is Azure Resource Manager (any address, a local proxy included): credentials
    /// from the environment, real-time polling, probes off by default, --subscription required.
    #[arg(long)]
    live: bool,
    /// The app setting that names the release a slot holds.
    #[arg(long, default_value = slotdrill_model::RELEASE_SETTING)]
    release_setting: String,
    /// api-version for Microsoft.Web (sites, slots, settings, functions, swaps).
    #[arg(long, default_value = slotdrill_azure::WEB_API_VERSION)]
    web_api_version: String,
    /// api-version for Microsoft.Logic (workflows and their runs).
    #[arg(long, default_value = slotdrill_azure::LOGIC_API_VERSION)]
    logic_api_version: String,
    /// Set from [`SecureParameters`] by the commands that write workflows; `status` and
    /// `import` never write one, so they do not take the option.
    #[arg(skip)]
    secure_parameters: Vec<String>,
    /// ARM reads in flight at once while observing the estate.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    read_concurrency: u16,
    /// Also trust this certificate (PEM; the platform's store is always trusted): the
    /// `certificate PATH` that `slotdrill serve --tls` prints, or a local stand-in's CA.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

/// `--secure-parameter`, for the commands that may write a workflow back (`plan` reads what
/// `rollback` would need, `rollback` and `restore` write).
#[derive(Debug, Args)]
pub struct SecureParameters {
    /// WORKFLOW/PARAMETER=ENV_VAR: the value of a securestring workflow parameter, read from
    /// that environment variable (ARM never returns them; a workflow is not written without
    /// them). Repeatable.
    #[arg(long = "secure-parameter", value_name = "WORKFLOW/PARAMETER=ENV_VAR")]
    values: Vec<String>,
}

impl Backend {
    /// This back end with the operator's secure parameters.
    pub fn with_secure(mut self, secure: SecureParameters) -> Backend {
        self.secure_parameters = secure.values;
        self
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Auto,
    Partial,
    Full,
}

/// How to plan.
#[derive(Debug, Args)]
pub struct Planning {
    /// Full, partial, or let the engine choose (default: auto; a resumed rollback keeps its
    /// journal's mode and refuses another).
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// APP/FUNCTION known to be broken; skips diagnosis (repeatable).
    #[arg(long = "faulty", value_name = "APP/FUNCTION")]
    faulty: Vec<String>,
    /// Go on although sticky settings differ between production and the deploy slot.
    #[arg(long)]
    accept_sticky_diff: bool,
    /// Go on although callers are pinned to the deploy slot.
    #[arg(long)]
    force: bool,
    /// Samples needed before a function can be judged faulty.
    #[arg(long, default_value_t = 5)]
    min_samples: u32,
    /// CliError rate (0–1) at or above which a function is faulty.
    #[arg(long, default_value_t = 0.5)]
    failure_rate: f64,
    /// Call functions to judge their health (a POST with the slot's key, before planning and
    /// after applying). auto: on against the emulator, off against Azure, where a probe runs
    /// production code with its side effects; diagnosis then uses Logic App run history.
    #[arg(long, value_enum, default_value = "auto")]
    probes: Probes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Probes {
    Auto,
    On,
    Off,
}

impl Planning {
    /// Samples per probe: 0 when probing is off for this back end.
    fn probe_samples(&self, cloud: &ArmCloud) -> u32 {
        let on = match self.probes {
            Probes::On => true,
            Probes::Off => false,
            Probes::Auto => cloud.config().functions_on_endpoint,
        };
        if !on {
            eprintln!(
                "probes off: no function is called; diagnosis reads Logic App run history only (--probes on to call them)"
            );
        }
        if on { 5 } else { 0 }
    }
}

impl Backend {
    /// `--secure-parameter` values, each read from its environment variable.
    fn secure_parameter_values(&self) -> Result<BTreeMap<String, Secret>, CliError> {
        let mut values = BTreeMap::new();
        for given in &self.secure_parameters {
            let (key, variable) = given
                .split_once('=')
                .filter(|(k, v)| {
                    k.split_once('/')
                        .is_some_and(|(w, p)| !w.is_empty() && !p.is_empty())
                        && !v.is_empty()
                })
                // Not echoed: a value typed here by mistake is a secret.
                .ok_or(CliError::SecureParameterSyntax)?;
            // The variable's own error is dropped: `NotUnicode` would carry the value.
            let value = std::env::var(variable).map_err(|_| CliError::SecureParameterUnset {
                parameter: key.to_owned(),
            })?;
            values.insert(key.to_owned(), Secret::new(value));
        }
        Ok(values)
    }

    fn cloud(&self) -> Result<ArmCloud, CliError> {
        let cloud = AzureCloud::from_name(&self.cloud)
            .ok_or_else(|| CliError::UnknownCloud(self.cloud.clone()))?;
        let endpoint = self
            .arm_endpoint
            .clone()
            .unwrap_or_else(|| cloud.management().to_owned());
        let mut config = ArmConfig::new(
            endpoint.clone(),
            self.subscription
                .clone()
                // The emulator's subscription: `slotdrill serve` accepts any, and imports use it.
                .unwrap_or_else(|| slotdrill_model::DEFAULT_SUBSCRIPTION.to_owned()),
            self.resource_group.clone(),
            Credential::Token(Secret::new("slotdrill-emulator".to_owned())),
        );
        config.web_api_version = self.web_api_version.clone();
        config.logic_api_version = self.logic_api_version.clone();
        config.release_setting = self.release_setting.clone();
        config.read_concurrency = usize::from(self.read_concurrency);
        config.secure_parameters = self.secure_parameter_values()?;
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path).map_err(|source| CliError::CaCert {
                path: path.clone(),
                source,
            })?;
            config.extra_roots_pem = Some(pem);
        }
        // `--live` says the endpoint is Azure Resource Manager, wherever it is (a local ARM
        // stand-in or proxy included): credentials, polling and rails follow the flag, not the
        // address. Without it, only the emulator on this machine is accepted.
        if !self.live && !config.is_loopback() {
            return Err(CliError::NotLoopback(endpoint));
        }
        // The emulator's clock moves by each Retry-After it answers; only Azure needs waiting.
        config.poll_in_real_time = self.live;
        config.functions_on_endpoint = !self.live;
        if self.live {
            if self.subscription.is_none() {
                return Err(CliError::LiveNeedsSubscription);
            }
            // AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, then SLOTDRILL_ARM_TOKEN,
            // then `az login`; the token is fetched below, before any work. Its audience is the
            // cloud's ARM, not the address requests go to (which may be a proxy).
            config.credential = Credential::from_environment(cloud, cloud.management());
        } else if let Ok(token) = std::env::var("SLOTDRILL_ARM_TOKEN")
            && !token.is_empty()
        {
            config.credential = Credential::Token(Secret::new(token));
        }
        let cloud = ArmCloud::new(config)?;
        if self.live {
            cloud.authenticate().map_err(CliError::NotAuthenticated)?;
        }
        Ok(cloud)
    }
}

/// The ARM back end for `backend`, once its resource group is known to exist and to hold a
/// function app: a mistyped `--resource-group` would otherwise read as an empty estate (no
/// caller, nothing to roll back, exit 0).
fn estate_cloud(backend: &Backend) -> Result<ArmCloud, CliError> {
    let cloud = backend.cloud()?;
    match cloud.site_names() {
        Ok(names) if names.is_empty() => {
            Err(CliError::NoFunctionApp(backend.resource_group.clone()))
        }
        Ok(_) => Ok(cloud),
        Err(error) if error.to_string().contains("ResourceGroupNotFound") => {
            Err(CliError::NoResourceGroup {
                group: backend.resource_group.clone(),
                subscription: cloud.config().subscription.clone(),
                source: error,
            })
        }
        Err(error) => Err(CliError::Cloud(error)),
    }
}

impl Planning {
    /// The engine's request for these options, probing with `samples` per function (0: none).
    fn request<'a>(
        &self,
        samples: u32,
        apply: Option<ApplyOptions<'a>>,
        trigger: bool,
    ) -> Result<RollbackRequest<'a>, CliError> {
        if !(0.0..=1.0).contains(&self.failure_rate) {
            return Err(CliError::FailureRate(self.failure_rate));
        }
        let defaults = DiagnoseConfig::default();
        let probing = samples > 0;
        let faulty = self
            .faulty
            .iter()
            .map(|f| f.parse::<AppFunction>().map_err(CliError::Faulty))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RollbackRequest {
            mode: self.mode.map(|m| match m {
                ModeArg::Auto => Mode::Auto,
                ModeArg::Partial => Mode::Partial,
                ModeArg::Full => Mode::Full,
            }),
            policy: Policy {
                accept_sticky_diff: self.accept_sticky_diff,
                force: self.force,
                ..Policy::default()
            },
            diagnose: DiagnoseConfig {
                min_samples: self.min_samples,
                failure_rate: self.failure_rate,
                probe_samples: if probing { defaults.probe_samples } else { 0 },
                discard_first: if probing { defaults.discard_first } else { 0 },
                ..defaults
            },
            faulty,
            planner: slotdrill_engine::plan,
            apply,
            verify: VerifyOptions { samples, trigger },
        })
    }
}

/// `slotdrill import -o FILE`: the estate file and `workflows/*.json` beside it (a Logic Apps
/// Standard app's project in `workflows/{project}/`), each written
/// whole (a temporary file renamed) so an interrupted import leaves no half-written file.
pub fn import(backend: Backend, output: &std::path::Path) -> Result<(), CliError> {
    let cloud = estate_cloud(&backend)?;
    let imported = cloud.import(&backend.resource_group)?;
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let write = crate::drills::write_atomically;
    let workflows = dir.join("workflows");
    // Consumption files sit in workflows/; a Standard project's in workflows/{project}/….
    for (file, json) in imported.workflows.iter().chain(&imported.projects) {
        let path = workflows.join(file);
        let folder = path.parent().unwrap_or(&workflows).to_path_buf();
        std::fs::create_dir_all(&folder).map_err(|source| CliError::CreateDir {
            path: folder,
            source,
        })?;
        write(&path, json)?;
    }
    write(output, &imported.estate)?;
    println!(
        "imported {} into {} ({} workflow file(s) in {})",
        backend.resource_group,
        output.display(),
        imported.workflows.len() + imported.projects.len(),
        dir.join("workflows").display()
    );
    Ok(())
}

pub fn status(backend: Backend, output: Output) -> Result<(), CliError> {
    let cloud = estate_cloud(&backend)?;
    let observation = observe(&cloud)?;
    let pinned: Vec<String> = pinned_callers(&observation)
        .iter()
        .map(|c| {
            format!(
                "{} → {}/{}/{}",
                c.id(),
                c.app.as_deref().unwrap_or("?"),
                c.slot.as_deref().unwrap_or("?"),
                c.function.as_deref().unwrap_or("?")
            )
        })
        .collect();
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "observation": observation, "pinned_callers": pinned })
            )?
        ),
        Output::Text => {
            for app in &observation.apps {
                println!("{}", app.name);
                for slot in &app.slots {
                    println!(
                        "  {:<12} {:<40} release {}{}",
                        slot.name,
                        slot.host_name,
                        slot.release.as_deref().unwrap_or("?"),
                        if slot.running { "" } else { " (stopped)" }
                    );
                }
            }
            println!(
                "{} caller(s) in {} workflow(s)",
                observation.callers().len(),
                observation.workflow_versions.len()
            );
            if pinned.is_empty() {
                println!("no caller is pinned to a non-production slot");
            } else {
                println!("pinned to a non-production slot:");
                for p in pinned {
                    println!("  {p}");
                }
            }
        }
    }
    Ok(())
}

pub fn plan_command(backend: Backend, planning: Planning, output: Output) -> Result<(), CliError> {
    let cloud = estate_cloud(&backend)?;
    let samples = planning.probe_samples(&cloud);
    let request = planning.request(samples, None, false)?;
    let rolled = slotdrill_engine::rollback(&cloud, request, &mut |_, _| {})
        .map_err(CliError::from_rollback)?;
    print_plan(&rolled.plan, output)?;
    if rolled.plan.is_refused() {
        Err(CliError::Refused)
    } else {
        Ok(())
    }
}

fn print_plan(plan: &Plan, output: Output) -> Result<(), CliError> {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(plan)?),
        Output::Text => print!("{plan}"),
    }
    Ok(())
}

/// What `rollback` does once the plan is made.
pub struct RollbackArgs {
    pub apply: bool,
    pub journal: Option<PathBuf>,
    pub verify_runs: bool,
    pub output: Output,
}

pub fn rollback(backend: Backend, planning: Planning, args: RollbackArgs) -> Result<(), CliError> {
    let RollbackArgs {
        apply: apply_it,
        journal,
        verify_runs,
        output,
    } = args;
    let cloud = estate_cloud(&backend)?;
    let resuming = journal.as_ref().filter(|p| p.exists());
    if let Some(path) = resuming
        && !apply_it
    {
        return Err(CliError::JournalExists(path.clone()));
    }
    let path = match (apply_it, journal.as_deref()) {
        (true, None) => {
            return Err(CliError::ApplyNeedsJournal);
        }
        (true, Some(path)) => Some(path),
        (false, _) => None,
    };
    // A resumed rollback is verified exactly as a fresh one.
    let samples = planning.probe_samples(&cloud);
    let apply = path.map(|journal| ApplyOptions {
        journal,
        interrupt: None,
    });
    let request = planning.request(samples, apply, verify_runs)?;
    let mut printed = Ok(());
    let rolled = slotdrill_engine::rollback(&cloud, request, &mut |plan, _| {
        printed = print_plan(plan, output);
    })
    .map_err(CliError::from_rollback)?;
    printed?;
    if rolled.plan.is_refused() {
        return Err(CliError::Refused);
    }
    let Some(report) = &rolled.applied else {
        if path.is_some() {
            // --apply with a plan of no step: nothing to write, so no journal either.
            println!("nothing to roll back: nothing changed, no journal written");
        } else {
            println!("dry run: nothing changed (pass --apply and --journal FILE to roll back)");
        }
        return Ok(());
    };
    let checks = rolled
        .verified
        .clone()
        .unwrap_or(VerifyReport { checks: Vec::new() });
    print_applied(
        &rolled,
        report,
        &checks,
        path.unwrap_or(std::path::Path::new("-")),
        output,
    )?;
    if checks.ok() {
        Ok(())
    } else {
        Err(CliError::VerifyFailed)
    }
}

fn print_applied(
    rolled: &Rollback,
    report: &ApplyReport,
    checks: &VerifyReport,
    path: &std::path::Path,
    output: Output,
) -> Result<(), CliError> {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "applied": report, "verify": checks, "resumed": rolled.resumed })
            )?
        ),
        Output::Text if rolled.resumed => {
            println!(
                "resumed {}: {} step(s) performed, {} already done",
                path.display(),
                report.performed.len(),
                report.already_done.len()
            );
        }
        Output::Text => println!(
            "applied {} step(s); journal {}",
            report.performed.len(),
            path.display()
        ),
    }
    if let Output::Text = output {
        for check in &checks.checks {
            println!(
                "  {} {}: {}",
                if check.ok { "ok  " } else { "FAIL" },
                check.what,
                check.detail
            );
        }
    }
    Ok(())
}

pub fn restore_command(
    backend: Backend,
    journal: PathBuf,
    apply_it: bool,
    output: Output,
) -> Result<(), CliError> {
    let cloud = estate_cloud(&backend)?;
    let records = slotdrill_engine::Journal::read(&journal).map_err(CliError::UnreadableJournal)?;
    let plan = slotdrill_engine::Record::plan_in(&records);
    let is_repoint = |step: usize| {
        plan.and_then(|p| p.steps.get(step))
            .is_some_and(|s| matches!(s.action, slotdrill_engine::StepAction::Repoint { .. }))
    };
    let repoints = records
        .iter()
        .filter(|r| matches!(r, slotdrill_engine::Record::Done { step, .. } if is_repoint(*step)))
        .count();
    if !apply_it {
        match output {
            Output::Json => println!("{}", json!({ "dry_run": true, "restorable": repoints })),
            Output::Text => println!(
                "dry run: {repoints} completed step(s) in {} would be restored (pass --apply)",
                journal.display()
            ),
        }
        return Ok(());
    }
    let report = restore(&cloud, &journal, None)?;
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "restored": report }))?
        ),
        Output::Text => println!(
            "restored {} workflow step(s), {} already restored",
            report.performed.len(),
            report.already_done.len()
        ),
    }
    Ok(())
}
