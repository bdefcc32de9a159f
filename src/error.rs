//! The CLI's one error type: every way a command ends other than success, the exit code each
//! maps to ([`CliError::exit_code`], the one place codes are decided) and how it is shown
//! ([`CliError::render`]: the message, then each underlying cause on its own line).
//!
//! Errors of the crates arrive whole through `#[from]` and keep their source chain; a variant
//! that adds context (the file being written, the address being bound) holds the error it wraps
//! as its `source`, so the cause is printed, not flattened into the message. An argument's own
//! parse error (`--faulty`) is the whole message instead: it is not a cause, it is the answer.

use std::path::PathBuf;

use slotdrill_azure::ArmError;
use slotdrill_engine::{AppFunctionError, CloudError, EngineError};
use slotdrill_scenario::ScenarioError;
use slotdrill_scenario::explore::UnknownFault;
use slotdrill_wdl::WdlError;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The engine stopped (`status`, `plan`, `rollback`, `restore`).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The back end failed outside the engine (`import`).
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The ARM client could not be set up.
    #[error(transparent)]
    Arm(#[from] ArmError),
    /// A scenario file could not be used (`serve --estate`, `explore`).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A workflow file could not be read or repointed (`workflow calls|repoint`).
    #[error(transparent)]
    Workflow(#[from] WdlError),
    /// `explore --faults` names a fault that does not exist.
    #[error(transparent)]
    Faults(#[from] UnknownFault),
    /// The command's own output could not be serialised (a bug, not the input's fault).
    #[error("cannot write the output as JSON")]
    Json(#[from] serde_json::Error),

    /// Against live Azure, no credential gave a token (or the one given was refused); checked
    /// before any work.
    #[error(transparent)]
    NotAuthenticated(ArmError),
    /// `restore --journal FILE`: the journal cannot be read.
    #[error(transparent)]
    UnreadableJournal(EngineError),
    /// `rollback --journal FILE` names a journal whose rollback finished; a fresh path is
    /// suggested (the engine's message is the whole story, so it is not a separate cause).
    #[error("{finished}, for example --journal {}", suggestion.display())]
    JournalFinished {
        /// The engine's `JournalFinished`.
        finished: EngineError,
        /// A new journal beside the old one, named after the time now.
        suggestion: PathBuf,
    },
    /// `rollback --journal FILE` without `--apply` when FILE exists.
    #[error("{} exists: pass --apply to resume it", .0.display())]
    JournalExists(PathBuf),
    /// `rollback --apply` without `--journal`.
    #[error("--apply needs --journal FILE (the crash-safe record of every step)")]
    ApplyNeedsJournal,
    /// `--secure-parameter` is not `WORKFLOW/PARAMETER=ENV_VAR` (the text is not echoed: a value
    /// typed there by mistake is a secret).
    #[error("--secure-parameter: expected WORKFLOW/PARAMETER=ENV_VAR")]
    SecureParameterSyntax,
    /// `--secure-parameter WORKFLOW/PARAMETER=ENV_VAR` names a variable that is not set (or not
    /// Unicode; the variable's error is not kept, as it may hold the value).
    #[error(
        "--secure-parameter {parameter}: the environment variable named after `=` is not set (it holds the value; the value itself never goes on the command line)"
    )]
    SecureParameterUnset {
        /// `WORKFLOW/PARAMETER`.
        parameter: String,
    },
    /// `--cloud` names no Azure cloud.
    #[error(
        "--cloud {0}: expected public, usgov or china (or AzureCloud, AzureUSGovernment, AzureChinaCloud)"
    )]
    UnknownCloud(String),
    /// A non-loopback ARM endpoint without `--live`.
    #[error("{0} is not on this machine: pass --live to manage live Azure")]
    NotLoopback(String),
    /// `--live` without `--subscription`.
    #[error("--live needs --subscription: the subscription every request stays inside")]
    LiveNeedsSubscription,
    /// `--resource-group` names a group the subscription does not have (ARM's 404
    /// `ResourceGroupNotFound`).
    #[error(
        "resource group `{group}` was not found in subscription {subscription}: check --resource-group and --subscription"
    )]
    NoResourceGroup {
        /// The group as given.
        group: String,
        /// The subscription asked.
        subscription: String,
        /// ARM's answer.
        source: CloudError,
    },
    /// `--resource-group` holds no function app: nothing to show, plan or roll back.
    #[error(
        "resource group `{0}` holds no function app: check --resource-group (slotdrill manages the function apps of one group)"
    )]
    NoFunctionApp(String),
    /// `--failure-rate` outside 0–1.
    #[error("--failure-rate {0} is outside 0–1")]
    FailureRate(f64),
    /// `--faulty` is not `APP/FUNCTION`.
    #[error("--faulty: {0}")]
    Faulty(AppFunctionError),
    /// A scenario path that does not exist.
    #[error("{}: no such file or directory", .0.display())]
    NoSuchPath(PathBuf),
    /// The scenario paths hold no `*.toml` or `*.json` file.
    #[error("no scenario files found")]
    NoScenarioFiles,
    /// A scenario directory cannot be listed.
    #[error("{}: cannot read the directory", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// `serve --listen ADDRESS` cannot be bound (in use, not an address, not ours).
    #[error("cannot listen on {address}")]
    Listen {
        /// The address as given.
        address: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file the command writes (a report, an imported estate) cannot be written.
    #[error("{}: cannot write the file", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A directory the command writes into cannot be created.
    #[error("{}: cannot create the directory", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// `serve --listen` on an address other machines can reach, without a token.
    #[error(
        "{0} is not a loopback address: other machines could drive the emulator; set SLOTDRILL_REQUIRE_TOKEN (or pass --require-token) to require a bearer token on both APIs"
    )]
    NotLoopbackWithoutToken(String),
    /// `serve`: the async runtime could not start.
    #[error("cannot start the runtime")]
    Runtime(#[source] std::io::Error),
    /// `serve`: the bound socket has no local address.
    #[error("cannot read the address the server listens on")]
    LocalAddress(#[source] std::io::Error),
    /// `serve`: the server stopped with an error.
    #[error("the server stopped")]
    Server(#[source] std::io::Error),
    /// `serve --tls`: the certificate and key cannot be used (the user's own, unreadable or
    /// mismatched), or none could be generated.
    #[error("cannot serve HTTPS")]
    Tls(#[source] slotdrill_emulator::tls::TlsError),
    /// `--ca-cert FILE` cannot be read.
    #[error("{}: cannot read the CA certificate", path.display())]
    CaCert {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// `workflow eval`: the expression is invalid or cannot be evaluated offline (Azure calls
    /// such an expression `InvalidTemplate`).
    #[error(
        "InvalidTemplate: unable to process the template language expression '{expression}': {message}"
    )]
    InvalidTemplate {
        /// The expression as given.
        expression: String,
        /// Why, in Azure's words where there are some.
        message: String,
    },
    /// `workflow run --trigger-body` is not JSON.
    #[error("--trigger-body: not JSON: {message}")]
    TriggerBody {
        /// The parser's message (line and column).
        message: String,
    },
    /// `workflow run FILE` holds several workflows and `--workflow` names none.
    #[error("{}: holds several workflows ({}); say which with --workflow", file.display(), workflows.join(", "))]
    SeveralWorkflows {
        /// The file.
        file: PathBuf,
        /// Their names.
        workflows: Vec<String>,
    },
    /// `workflow run`: the emulator cannot save or start the workflow (a call to a function the
    /// estate does not have, a disabled workflow).
    #[error("workflow `{workflow}` cannot run on this estate")]
    CannotRun {
        /// The workflow.
        workflow: String,
        /// The emulator's reason (boxed: it is large, and every command returns this type).
        source: Box<slotdrill_emulator::EmulatorError>,
    },
    /// `workflow run`: the run did not succeed; its history was printed.
    #[error("the run did not succeed")]
    RunFailed,

    /// The plan refused to roll back; the plan, with its reason, was printed.
    #[error("the plan refused to roll back")]
    Refused,
    /// A check after applying failed; the checks were printed.
    #[error("a check after the rollback failed")]
    VerifyFailed,
    /// A drill's expectation failed; the report was printed.
    #[error("a drill failed")]
    DrillFailed,
    /// Scenario files are invalid; each was printed with its position.
    #[error("{0} scenario file(s) are invalid")]
    InvalidScenarios(usize),
    /// `explore` found a failure and wrote it as a drill; the summary was printed.
    #[error("explore found a failure")]
    ExploreFailure,
}

impl CliError {
    /// The engine's error from `rollback`/`plan`: a finished journal gains a suggested new path.
    pub fn from_rollback(error: EngineError) -> CliError {
        match &error {
            EngineError::JournalFinished { path, .. } => {
                let suggestion = fresh_journal_path(std::path::Path::new(path));
                CliError::JournalFinished {
                    finished: error,
                    suggestion,
                }
            }
            _ => CliError::Engine(error),
        }
    }

    /// The process's exit code: 2 when the operator must change the command (bad input, a
    /// finished journal, a function that does not exist), 1 when something failed or was
    /// refused while running. Every variant is listed so a new one needs a decision.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Engine(EngineError::JournalFinished { .. })
            | CliError::Engine(EngineError::UnknownFunction(_))
            | CliError::Engine(EngineError::ResumeModeMismatch { .. })
            | CliError::Scenario(_)
            | CliError::Workflow(_)
            | CliError::Faults(_)
            | CliError::NotAuthenticated(_)
            | CliError::UnreadableJournal(_)
            | CliError::JournalFinished { .. }
            | CliError::JournalExists(_)
            | CliError::ApplyNeedsJournal
            | CliError::SecureParameterSyntax
            | CliError::SecureParameterUnset { .. }
            | CliError::UnknownCloud(_)
            | CliError::NotLoopback(_)
            | CliError::LiveNeedsSubscription
            | CliError::FailureRate(_)
            | CliError::Faulty(_)
            | CliError::NoSuchPath(_)
            | CliError::NoScenarioFiles
            | CliError::ReadDir { .. }
            | CliError::Listen { .. }
            | CliError::NotLoopbackWithoutToken(_)
            | CliError::Tls(_)
            | CliError::CaCert { .. }
            | CliError::InvalidScenarios(_)
            | CliError::InvalidTemplate { .. }
            | CliError::TriggerBody { .. }
            | CliError::SeveralWorkflows { .. }
            | CliError::CannotRun { .. } => 2,
            CliError::Engine(_)
            | CliError::Cloud(_)
            | CliError::Arm(_)
            | CliError::Json(_)
            | CliError::NoResourceGroup { .. }
            | CliError::NoFunctionApp(_)
            | CliError::Runtime(_)
            | CliError::LocalAddress(_)
            | CliError::Server(_)
            | CliError::Refused
            | CliError::VerifyFailed
            | CliError::DrillFailed
            | CliError::ExploreFailure
            | CliError::RunFailed => 1,
            // sysexits.h's EX_IOERR: an output file could not be written. Not 1, which CI reads
            // as "an expectation broke"; the report itself was printed before.
            CliError::Write { .. } | CliError::CreateDir { .. } => IO_ERROR,
        }
    }

    /// True when the command printed the outcome itself (a refused plan, failed checks, the
    /// drill report, each invalid scenario with its caret): nothing more goes to stderr.
    fn reported(&self) -> bool {
        matches!(
            self,
            CliError::Refused
                | CliError::VerifyFailed
                | CliError::DrillFailed
                | CliError::InvalidScenarios(_)
                | CliError::ExploreFailure
                | CliError::RunFailed
        )
    }

    /// What goes to stderr: `error: MESSAGE`, then `  caused by: CAUSE` for each error in the
    /// source chain; `None` when the command reported the outcome itself. A cause whose text the
    /// line above already holds is not repeated: some crate errors spell out their source in
    /// their own message (the ARM client's `CloudError::Failed` does) and keep it as `source`.
    pub fn render(&self) -> Option<String> {
        if self.reported() {
            return None;
        }
        let mut line = self.to_string();
        let mut out = format!("error: {line}");
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            let text = error.to_string();
            if !line.contains(&text) {
                out.push_str(&format!("\n  caused by: {text}"));
                line = text;
            }
            cause = error.source();
        }
        Some(out)
    }
}

/// The exit code of an output file that could not be written (sysexits.h's `EX_IOERR`).
pub const IO_ERROR: u8 = 74;

/// What exit codes 0, 1 and 2 mean for one command, as `--help` and README.md say it.
struct ExitCodes {
    /// The command as typed after `slotdrill` (`workflow calls`).
    command: &'static str,
    /// Exit code 0.
    success: &'static str,
    /// Exit code 1: something failed or was refused while running.
    failed: &'static str,
    /// Exit code 2: the operator must change the command or its input.
    bad_input: &'static str,
    /// Exit code 74 ([`IO_ERROR`]), for a command that writes files: what could not be written.
    io: Option<&'static str>,
}

/// The bad input every command that reaches ARM shares.
const ARM_BAD_INPUT: &str =
    "bad input: an option, a non-local endpoint without --live, no credentials for Azure";

/// Every command's exit codes; they follow [`CliError::exit_code`]. `tests/cli_help.rs` holds
/// `--help` and README.md's tables to this list.
const EXIT_CODES: &[ExitCodes] = &[
    ExitCodes {
        command: "run",
        success: "every expectation held",
        failed: "an expectation broke or a step failed",
        bad_input: "bad input: a path that does not exist, an invalid drill file",
        io: Some("--html or --html-dir could not be written (the report was printed first)"),
    },
    ExitCodes {
        command: "check",
        success: "every drill file is valid",
        failed: "not used",
        bad_input: "a drill file is invalid, or a path does not exist",
        io: None,
    },
    ExitCodes {
        command: "explore",
        success: "no failure found",
        failed: "a failure found (its drill is written to --out)",
        bad_input: "bad input: the scenario file, --faults",
        io: None,
    },
    ExitCodes {
        command: "workflow calls",
        success: "the calls were listed",
        failed: "the output could not be written as JSON (a bug)",
        bad_input: "the file is not a workflow slotdrill can read",
        io: None,
    },
    ExitCodes {
        command: "workflow repoint",
        success: "the rewritten workflow was printed",
        failed: "the output could not be written as JSON (a bug)",
        bad_input: "the file, --workflow or --action is wrong, or the call cannot be rewritten",
        io: None,
    },
    ExitCodes {
        command: "workflow eval",
        success: "the value was printed",
        failed: "the output could not be written as JSON (a bug)",
        bad_input: "the expression is invalid, uses an unsupported function, or reads a run",
        io: None,
    },
    ExitCodes {
        command: "workflow run",
        success: "the run succeeded (its history was printed)",
        failed: "the run failed or timed out (its history was printed)",
        bad_input: "the file, --estate, --workflow or --trigger-body is wrong, or the workflow cannot run on the estate",
        io: None,
    },
    ExitCodes {
        command: "serve",
        success: "stopped by Ctrl-C or SIGTERM",
        failed: "the runtime or the server failed",
        bad_input: "an invalid estate file, --listen cannot be bound, a non-loopback --listen without a token, or --cert/--key unreadable or not a pair",
        io: Some("the generated certificate could not be written"),
    },
    ExitCodes {
        command: "status",
        success: "the estate was shown",
        failed: "an ARM call failed",
        bad_input: ARM_BAD_INPUT,
        io: None,
    },
    ExitCodes {
        command: "import",
        success: "the estate file was written",
        failed: "an ARM call failed",
        bad_input: ARM_BAD_INPUT,
        io: Some("the estate file or a workflow file could not be written"),
    },
    ExitCodes {
        command: "plan",
        success: "the plan rolls back (nothing was changed)",
        failed: "the plan refuses, or an ARM call failed",
        bad_input: "bad input, as for status; or a --faulty function that does not exist",
        io: None,
    },
    ExitCodes {
        command: "rollback",
        success: "a dry run, or applied with every check passed",
        failed: "the plan refuses, a step failed or cannot be judged, or a check after applying failed",
        bad_input: "bad input, as for plan; --apply without --journal, an existing journal without --apply, a finished journal",
        io: None,
    },
    ExitCodes {
        command: "restore",
        success: "a dry run, or the callers were restored",
        failed: "a write failed, or a workflow changed since the rollback",
        bad_input: "bad input, as for status; or a journal that cannot be read",
        io: None,
    },
];

/// The `Exit codes:` block at the end of `slotdrill COMMAND --help` (empty for a command not in
/// [`EXIT_CODES`], which `tests/cli_help.rs` catches).
pub fn exit_codes_help(command: &str) -> String {
    EXIT_CODES
        .iter()
        .find(|codes| codes.command == command)
        .map(|codes| {
            let io = codes
                .io
                .map(|io| format!("\n  {IO_ERROR}  {io}"))
                .unwrap_or_default();
            format!(
                "Exit codes:\n  0  {}\n  1  {}\n  2  {}{io}",
                codes.success, codes.failed, codes.bad_input
            )
        })
        .unwrap_or_default()
}

/// A new journal path beside `used`, named after the time now (seconds since the epoch).
fn fresh_journal_path(used: &std::path::Path) -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stem = used
        .file_stem()
        .map_or_else(|| "rollback".into(), |s| s.to_string_lossy());
    used.with_file_name(format!("{stem}-{now}.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(message: &str) -> std::io::Error {
        std::io::Error::other(message.to_owned())
    }

    #[test]
    fn a_cause_is_printed_on_its_own_line() {
        let error = CliError::Write {
            path: PathBuf::from("out/report.html"),
            source: io("disk full"),
        };
        assert_eq!(
            error.render().as_deref(),
            Some("error: out/report.html: cannot write the file\n  caused by: disk full")
        );
        // A crate error passed through whole keeps its own message and its own chain.
        let failed = CliError::from(EngineError::Cloud(CloudError::caused_by(
            "GET /subscriptions/…/sites: the answer is not JSON",
            io("expected value at line 1 column 1"),
        )));
        assert_eq!(
            failed.render().as_deref(),
            Some(
                "error: GET /subscriptions/…/sites: the answer is not JSON\n  caused by: expected value at line 1 column 1"
            )
        );
        assert_eq!(failed.exit_code(), 1);
    }

    #[test]
    fn a_cause_the_message_already_spells_out_is_not_printed_twice() {
        let inner = "GET /sites: not sent, so nothing was changed: connection refused";
        let error = CliError::from(CloudError::caused_by(inner, io(inner)));
        assert_eq!(
            error.render().as_deref(),
            Some(format!("error: {inner}").as_str())
        );
    }

    #[test]
    fn exit_codes_two_for_what_the_operator_must_change_one_for_what_failed() {
        let unknown: slotdrill_engine::AppFunction = "orders/Nope".parse().expect("app/function");
        let finished = EngineError::JournalFinished {
            path: "/tmp/rollback.jsonl".to_owned(),
            steps: 3,
            decision: "full".to_owned(),
        };
        let cases: Vec<(CliError, u8)> = vec![
            (CliError::from_rollback(finished.clone()), 2),
            (CliError::Engine(finished), 2),
            (CliError::Engine(EngineError::UnknownFunction(unknown)), 2),
            (
                CliError::Engine(EngineError::Refused("sticky settings".to_owned())),
                1,
            ),
            (CliError::Cloud(CloudError::failed("boom")), 1),
            (CliError::ApplyNeedsJournal, 2),
            (CliError::FailureRate(1.5), 2),
            (CliError::NoScenarioFiles, 2),
            (
                CliError::Listen {
                    address: "nowhere".to_owned(),
                    source: io("invalid socket address"),
                },
                2,
            ),
            (
                CliError::CreateDir {
                    path: PathBuf::from("workflows"),
                    source: io("read-only"),
                },
                74,
            ),
            (CliError::Refused, 1),
            (CliError::VerifyFailed, 1),
            (CliError::InvalidScenarios(2), 2),
            (CliError::ExploreFailure, 1),
            (CliError::RunFailed, 1),
            (
                CliError::InvalidTemplate {
                    expression: "nope()".to_owned(),
                    message: "not defined".to_owned(),
                },
                2,
            ),
            (
                CliError::TriggerBody {
                    message: "EOF".to_owned(),
                },
                2,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code(), code, "{error:?}");
        }
    }

    #[test]
    fn a_finished_journal_suggests_a_fresh_path_beside_it() {
        let error = CliError::from_rollback(EngineError::JournalFinished {
            path: "/tmp/incidents/rollback.jsonl".to_owned(),
            steps: 2,
            decision: "partial".to_owned(),
        });
        let shown = error.render().expect("shown");
        assert!(
            shown.starts_with(
                "error: journal /tmp/incidents/rollback.jsonl records a finished partial rollback"
            ) && shown.contains(", for example --journal /tmp/incidents/rollback-")
                && !shown.contains("caused by"),
            "{shown}"
        );
    }

    #[test]
    fn what_the_command_printed_itself_is_not_printed_again() {
        for error in [
            CliError::Refused,
            CliError::VerifyFailed,
            CliError::DrillFailed,
            CliError::InvalidScenarios(1),
            CliError::ExploreFailure,
            CliError::RunFailed,
        ] {
            assert_eq!(error.render(), None, "{error:?}");
        }
    }
}
