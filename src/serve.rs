//! `slotdrill serve`: the emulator for an estate file, on a real port, until Ctrl-C or SIGTERM.
//! The first line on stdout is `listening on http://ADDR`, the last `stopped (SIGNAL)`; each
//! management request is logged to stderr as method, path and status (never a body, never a
//! key, never a token) unless `--quiet`. Tokens come from the environment by preference: a
//! command line is visible to every user of the machine (`ps`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use slotdrill_emulator::EmulatorConfig;
use slotdrill_emulator::http::{Limits, MAX_BODY};
use slotdrill_scenario::load_estate;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// A scenario file; its estate (everything but `step`) is served.
    #[arg(long)]
    estate: PathBuf,
    /// The address to listen on (port 0 picks a free one). An address other machines can reach
    /// needs --require-token.
    #[arg(long, default_value = "127.0.0.1:7071")]
    listen: String,
    /// Require this bearer token on the management API, and on the admin API unless
    /// --admin-token is given (any token otherwise). Prefer the environment variable: a command
    /// line is visible to other users of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SLOTDRILL_REQUIRE_TOKEN",
        hide_env_values = true
    )]
    require_token: Option<String>,
    /// Require this bearer token on the admin API (`/_slotdrill/`) instead. Prefer the
    /// environment variable, as for --require-token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SLOTDRILL_ADMIN_TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,
    /// Do not log requests (warnings and errors are still printed).
    #[arg(long)]
    quiet: bool,
    /// How many recent function calls, swap operations and, per Logic App, runs and versions
    /// are kept in detail; totals are counted whatever this is.
    #[arg(long, value_name = "N", default_value_t = slotdrill_emulator::DEFAULT_HISTORY)]
    history: usize,
    /// How long a client may take to send a request's headers, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    header_timeout_ms: u64,
}

pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = EmulatorConfig {
        require_token: args.require_token.clone(),
        admin_token: args.admin_token.clone(),
        history: args.history,
        ..EmulatorConfig::default()
    };
    let loaded = load_estate(&args.estate, config)?;
    let emulator = Arc::new(loaded.emulator);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let limits = Limits {
        header_read_timeout: Duration::from_millis(args.header_timeout_ms),
        max_body: MAX_BODY,
    };
    let stopped_by = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|source| CliError::Listen {
                address: args.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(CliError::LocalAddress)?;
        if !addr.ip().is_loopback() {
            if args.require_token.is_none() {
                return Err(CliError::NotLoopbackWithoutToken(args.listen.clone()));
            }
            eprintln!(
                "warning: serving on {addr}, which other machines can reach: the management and admin APIs require a bearer token"
            );
        }
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        let log: Option<slotdrill_emulator::http::RequestLog> = if args.quiet {
            None
        } else {
            Some(Arc::new(|line: &str| eprintln!("{line}")))
        };
        let (signal, received) = tokio::sync::oneshot::channel();
        let shutdown = async move {
            let _ = signal.send(stop_signal().await);
        };
        slotdrill_emulator::http::serve_with(emulator, listener, log, limits, shutdown)
            .await
            .map_err(CliError::Server)?;
        Ok(received.await.unwrap_or("shutdown"))
    })?;
    // Nothing waits for the runtime's idle threads: everything served has ended.
    runtime.shutdown_background();
    println!("stopped ({stopped_by})");
    let _ = std::io::stdout().flush();
    Ok(())
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM; names the one that came.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}
