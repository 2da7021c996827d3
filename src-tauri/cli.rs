//! The command line: with no subcommand the desktop app opens; subcommands run headless over
//! the same core, database and keyring.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::http::{self, HttpConfig};
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ApiError, OpenOptions, SystemClock, Tokendesk};

/// Must match `identifier` in tauri.conf.json, so the CLI and the app share one database.
const APP_IDENTIFIER: &str = "dev.tokendesk.app";

#[derive(Debug, Parser)]
#[command(
    name = "tokendesk",
    version,
    about = "Token authority for API bearer tokens"
)]
pub struct Cli {
    /// Data directory (default: the platform app-data directory).
    #[arg(long, env = "TOKENDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the verification service without a window (Ctrl-C or SIGTERM stops it).
    Serve {
        /// Address to listen on; keep it on loopback unless a proxy in front adds TLS.
        #[arg(long, default_value = http::DEFAULT_BIND)]
        bind: SocketAddr,
        /// Also accept this Authorization scheme name besides Bearer (repeatable).
        #[arg(long = "scheme")]
        schemes: Vec<String>,
    },
}

/// The platform app-data directory, as Tauri resolves it for the desktop app.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}

fn open(data_dir: Option<PathBuf>) -> Result<Arc<Tokendesk>, ApiError> {
    let dir = data_dir.or_else(default_data_dir).ok_or_else(|| ApiError {
        code: tokendesk_core::ErrorCode::InvalidInput,
        message: "No data directory: pass --data-dir or set TOKENDESK_DATA_DIR.".into(),
    })?;
    let keyring = KeyringStore::new(
        tokendesk_core::service::KEYRING_SERVICE,
        Duration::from_secs(15),
    );
    Ok(Arc::new(Tokendesk::open(
        OpenOptions::new(dir, Arc::new(SystemClock)),
        &keyring,
    )?))
}

/// Runs a headless subcommand; returns the process exit code.
pub fn run(data_dir: Option<PathBuf>, command: Command) -> i32 {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let result = match command {
        Command::Serve { bind, schemes } => open(data_dir).and_then(|td| {
            let cfg = HttpConfig {
                extra_schemes: schemes,
                ..Default::default()
            };
            http::run_until_signal(td, cfg, bind, |addr| {
                log::info!("verification service listening on http://{addr}");
            })
            .map_err(|e| ApiError {
                code: tokendesk_core::ErrorCode::Internal,
                message: format!("cannot serve on {bind}: {e}"),
            })
        }),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!(
                "error[{}]: {}",
                serde_json::to_value(e.code)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                e.message
            );
            1
        }
    }
}
