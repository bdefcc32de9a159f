//! `slotdrill serve`: the emulator for an estate file, on a real port, until interrupted. The
//! first line on stdout is `listening on http://ADDR`; each management request is logged to
//! stderr as method, path and status (never a body, never a key).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use slotdrill_emulator::EmulatorConfig;
use slotdrill_scenario::load_estate;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// A scenario file; its estate (everything but `step`) is served.
    #[arg(long)]
    estate: PathBuf,
    /// The address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:7071")]
    listen: String,
    /// Require this bearer token on the management and admin APIs (any token otherwise).
    #[arg(long, value_name = "TOKEN")]
    require_token: Option<String>,
}

pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = EmulatorConfig {
        require_token: args.require_token.clone(),
        ..EmulatorConfig::default()
    };
    let loaded = load_estate(&args.estate, config)?;
    let emulator = Arc::new(loaded.emulator);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|source| CliError::Listen {
                address: args.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(CliError::LocalAddress)?;
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        let log: slotdrill_emulator::http::RequestLog = Arc::new(|line: &str| eprintln!("{line}"));
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        slotdrill_emulator::http::serve_until(emulator, listener, Some(log), shutdown)
            .await
            .map_err(CliError::Server)
    })
}
