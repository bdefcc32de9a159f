//! `slotdrill serve`: the emulator for an estate file, on a real port, until Ctrl-C or SIGTERM.
//! The first line on stdout is `listening on http://ADDR` (`https://` with `--tls`, `--cert`;
//! then the second is `certificate PATH`, the PEM a client must trust), the last
//! `stopped (SIGNAL)`; each
//! management request is logged to stderr as method, path and status (never a body, never a
//! key, never a token) unless `--quiet`. Tokens come from the environment by preference: a
//! command line is visible to every user of the machine (`ps`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use slotdrill_emulator::EmulatorConfig;
use slotdrill_emulator::http::{Limits, MAX_BODY};
use slotdrill_emulator::tls::{SELF_SIGNED_NAMES, TlsIdentity};
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
    /// Serve HTTPS (management API, admin API and function hosts, on the same listener), with a
    /// self-signed certificate made at start-up for localhost, 127.0.0.1, ::1,
    /// *.azurewebsites.net, *.scm.azurewebsites.net and the clouds' management hosts. Its PEM is
    /// written to a file named on stdout's second line, `certificate PATH`: trust it with
    /// NODE_EXTRA_CA_CERTS=PATH (Node), REQUESTS_CA_BUNDLE=PATH or SSL_CERT_FILE=PATH (Python),
    /// curl --cacert PATH, or slotdrill's --ca-cert PATH.
    #[arg(long)]
    tls: bool,
    /// Serve HTTPS with this certificate chain (PEM, leaf first) instead of a generated one;
    /// needs --key. Implies --tls.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// The private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
}

/// The listener's TLS set-up, if any, and the certificate file to print: the user's, or the
/// generated one's PEM written to the temporary directory (named after the port, so several
/// servers do not overwrite each other's).
fn tls_identity(args: &ServeArgs, port: u16) -> Result<Option<(TlsIdentity, PathBuf)>, CliError> {
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let identity = TlsIdentity::from_pem_files(cert, key).map_err(CliError::Tls)?;
        return Ok(Some((identity, cert.clone())));
    }
    if !args.tls {
        return Ok(None);
    }
    let identity = TlsIdentity::self_signed(SELF_SIGNED_NAMES).map_err(CliError::Tls)?;
    let path = std::env::temp_dir().join(format!("slotdrill-serve-{port}.pem"));
    let pem = identity.generated_pem.clone().unwrap_or_default();
    std::fs::write(&path, pem).map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(Some((identity, path)))
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
        let tls = tls_identity(&args, addr.port())?;
        match &tls {
            Some((_, certificate)) => {
                println!("listening on https://{addr}");
                println!("certificate {}", certificate.display());
            }
            None => println!("listening on http://{addr}"),
        }
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
        let identity = tls.as_ref().map(|(identity, _)| identity);
        slotdrill_emulator::http::serve_tls_with(emulator, listener, log, limits, identity, shutdown)
            .await
            .map_err(CliError::Server)?;
        // A certificate made at start-up is this server's alone: it goes when the server does.
        let generated = tls
            .filter(|_| args.cert.is_none())
            .map(|(_, certificate)| certificate);
        Ok((received.await.unwrap_or("shutdown"), generated))
    })?;
    let (stopped_by, generated) = stopped_by;
    if let Some(certificate) = generated {
        let _ = std::fs::remove_file(certificate);
    }
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
