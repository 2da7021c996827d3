//! The command line: with no subcommand the desktop app opens; subcommands run headless over
//! the same core, database and keyring.

use crate::cli_admin as admin;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokendesk_client::{RemoteAuthority, Server};
use tokendesk_core::authority::{Authority, LocalAuthority};
use tokendesk_core::clock::format_utc;
use tokendesk_core::key_file::KeyFileStore;
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::secret_store::{KeyringStore, SecretStore};
use tokendesk_core::{ApiError, OpenOptions, SystemClock, Tokendesk};
use tokendesk_http::{self as http, HttpConfig};
use zeroize::Zeroize;

/// Must match `identifier` in tauri.conf.json, so the CLI and the app share one database.
const APP_IDENTIFIER: &str = "dev.tokendesk.app";

#[derive(Debug, Parser)]
#[command(
    name = "tokendesk",
    version,
    about = "Token authority for API bearer tokens",
    after_help = "Exit codes: 0 success; 1 an error (printed as error[code]: message), or for \
                  `verify` a token that is not active and for `audit verify` a broken chain; 2 bad usage."
)]
pub struct Cli {
    /// Data directory (default: the platform app-data directory).
    #[arg(long, env = "TOKENDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The authority's database: `postgres://user@host/db` for a team server, or
    /// `sqlite:DIR` (the same as --data-dir DIR).
    #[arg(
        long,
        env = "TOKENDESK_DATABASE_URL",
        global = true,
        value_name = "URL"
    )]
    pub database: Option<String>,
    /// The authority's secrets in a file (mode 0600) instead of the OS keyring, for servers
    /// without a Secret Service; written by `server init`.
    #[arg(long, env = "TOKENDESK_KEY_FILE", global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Act as this user: their password is read from the first line of standard input.
    #[arg(long = "as", global = true, value_name = "EMAIL")]
    pub as_user: Option<String>,
    /// Work on this team server (its https:// URL) with the login `tokendesk login` stored;
    /// without it, a stored login is used if there is one, else the local authority.
    #[arg(long, env = "TOKENDESK_SERVER", global = true, value_name = "URL")]
    pub server: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the verification service without a window (Ctrl-C or SIGTERM stops it).
    Serve {
        /// Address to listen on; beyond loopback, use --tls-cert/--tls-key or a TLS proxy.
        #[arg(long, default_value = http::DEFAULT_BIND)]
        bind: SocketAddr,
        /// Also accept this Authorization scheme name besides Bearer (repeatable).
        #[arg(long = "scheme")]
        schemes: Vec<String>,
        /// Serve HTTPS with this PEM certificate chain (with --tls-key).
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Believe X-Forwarded-For from a reverse proxy in this network (repeatable, e.g.
        /// 10.0.0.5/32), so usage and rate limits see the real client address.
        #[arg(long = "trust-proxy", value_name = "CIDR")]
        trust_proxy: Vec<ipnet::IpNet>,
        /// The URL clients reach this service at: the `iss` of its signed tokens and the base of
        /// its metadata. The same on every server of a team. Default: the scheme and address
        /// it listens on.
        #[arg(long, value_name = "URL")]
        issuer: Option<String>,
    },
    /// List, create, rename and revoke authorizations.
    #[command(subcommand)]
    Tokens(TokensCmd),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCmd),
    /// Check a token read from standard input (so it stays out of shell history): exit 0 if
    /// active, 1 if not.
    Verify {
        /// Must be `-` (standard input).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(["-"]))]
        source: String,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Set up a team server.
    #[command(subcommand)]
    Server(ServerCmd),
    /// Tenants (clients, companies) and their members.
    #[command(subcommand)]
    Tenants(admin::TenantsCmd),
    /// Roles and their permissions.
    #[command(subcommand)]
    Roles(admin::RolesCmd),
    /// The keys that sign JWT access tokens (token exchange): list, rotate.
    #[command(subcommand)]
    Keys(admin::KeysCmd),
    /// The authority's settings: name, token prefix, expiry policy, owners-only, legacy keys.
    #[command(subcommand)]
    Settings(admin::SettingsCmd),
    /// Legacy API keys from the system you move from: import, list, replace, retire.
    #[command(subcommand)]
    Legacy(admin::LegacyCmd),
    /// Sign in to a team server (--server URL); the password is read from standard input. The
    /// session token goes into the OS keyring; later commands use it until `logout`.
    Login {
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// The PEM certificate of a private CA that signed the server's certificate.
        #[arg(long, value_name = "PEM")]
        ca_cert: Option<PathBuf>,
    },
    /// Sign out of the team server: the session ends on the server and leaves the keyring.
    Logout,
    /// Where commands go: the team server, who is signed in, their role and the session's
    /// expiry; or the local authority.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Create the authority and its owner in an empty database (--database) and write its
    /// secrets to a new key file (--key-file, mode 0600). The owner's password is read from
    /// standard input. Refuses an existing key file and a database that holds an authority.
    Init {
        #[arg(long, value_name = "EMAIL")]
        owner_email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCmd {
    /// Your authorizations (with --all: everyone's, for admins).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create an authorization and print the token, once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// 1h, 1d, 7d, 30d, 60d, 90d, 1y, never, or an RFC 3339 date-time (default: the policy's).
        #[arg(long)]
        expires: Option<String>,
        /// Make an impersonation token for this user (needs the impersonate permission).
        #[arg(long, value_name = "EMAIL")]
        for_user: Option<String>,
        /// Limit the token to this read-only scope (repeatable): users:read, tokens:read,
        /// audit:read, introspect. Without it the token has its owner's full rights.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Limit the token to this of the owner's tenants (repeatable; a tenant id).
        #[arg(long = "tenant", value_name = "TENANT_ID")]
        tenants: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    Rename {
        id: String,
        name: String,
    },
    /// Revoke one token by id, or every active token the filters match (at most 10,000), one
    /// audit event each; --dry-run prints the number and the list and changes nothing.
    Revoke {
        /// The token; without it, give at least one filter.
        id: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        /// Not used in this long (never-used tokens count from creation): 90d, 12h.
        #[arg(long, value_name = "DURATION")]
        unused_for: Option<String>,
        /// Only this user's tokens (admins).
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
        /// Only tokens limited to this tenant.
        #[arg(long, value_name = "TENANT_ID")]
        tenant: Option<String>,
        /// personal, impersonation or service.
        #[arg(long, value_parser = ["personal", "impersonation", "service"])]
        kind: Option<String>,
        /// Only tokens that expire before this moment.
        #[arg(long, value_name = "RFC3339")]
        expiring_before: Option<String>,
        /// Everyone's tokens, not only yours (admins).
        #[arg(long)]
        all: bool,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Replace a token: a successor with the same name, scopes, tenants, owner and lifetime
    /// length is printed once; the old token keeps working for the grace period, then expires.
    Rotate {
        id: String,
        /// How long the old token keeps working: none, 1h, 1d or 7d.
        #[arg(long, value_parser = ["none", "1h", "1d", "7d"])]
        grace: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, default_value = "human", value_parser = ["human", "service"])]
        kind: String,
        #[arg(long, default_value = "member")]
        role: String,
    },
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
    Remove {
        email: String,
    },
    /// Set a person's password, or a service user's API password (for POST /api/auth/token
    /// only), read from standard input (after the --as password, if any).
    SetPassword {
        email: String,
    },
    /// Give a service user OAuth client credentials, or a new secret (the tokens obtained with
    /// the old one end). Prints the client id and the secret, once.
    ClientCredentials {
        /// The service user's email address or id.
        user: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the hash chain: exit 0 if intact, 1 if not.
    Verify,
    /// The newest events.
    List {
        #[command(flatten)]
        filter: admin::AuditFilter,
        /// At most this many (1 to 500).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Every matching event, oldest first, as CSV or JSON, to a new file or standard output.
    Export {
        #[command(flatten)]
        filter: admin::AuditFilter,
        #[arg(long, value_enum, default_value = "csv")]
        format: admin::Format,
        /// A new file (never overwritten); default: standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// The platform app-data directory, as Tauri resolves it for the desktop app.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}

/// Where the authority lives, from --database / --data-dir: a PostgreSQL database (a team
/// server's, never created implicitly) or SQLite in a data directory.
fn options(cli: &Cli) -> Result<OpenOptions, ApiError> {
    let bad = |m: String| usage_err(tokendesk_core::ErrorCode::InvalidInput, m);
    let (dir, postgres) = match cli.database.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            (PathBuf::from(redacted(url)), Some(url.to_string()))
        }
        Some(url) => match url.strip_prefix("sqlite:") {
            Some(dir) if !dir.is_empty() => (PathBuf::from(dir), None),
            _ => {
                return Err(bad(format!(
                    "--database takes postgres://… or sqlite:DIR, not {:?}.",
                    redacted(url)
                )))
            }
        },
        None => (
            cli.data_dir
                .clone()
                .or_else(default_data_dir)
                .ok_or_else(|| {
                    bad("No data directory: pass --data-dir or set TOKENDESK_DATA_DIR.".into())
                })?,
            None,
        ),
    };
    let mut opts = OpenOptions::new(dir, Arc::new(SystemClock));
    if let Some(url) = postgres {
        opts.create_if_missing = false;
        opts.database = Some(Arc::new(move || {
            Ok(tokendesk_core::store::Store::new(
                tokendesk_postgres::PgEngine::connect(&url)?,
            ))
        }));
    }
    Ok(opts)
}

/// Where this machine keeps its login to a team server: the data directory.
fn client_dir(cli: &Cli) -> Result<PathBuf, ApiError> {
    cli.data_dir
        .clone()
        .or_else(default_data_dir)
        .ok_or_else(|| {
            usage_err(
                tokendesk_core::ErrorCode::InvalidInput,
                "No data directory: pass --data-dir or set TOKENDESK_DATA_DIR.",
            )
        })
}

/// The team server commands go to: `--server`, or else the stored login (unless a database
/// is named). `None`: the local authority.
fn remote(cli: &Cli, data_dir: &Path) -> Result<Option<RemoteAuthority>, ApiError> {
    if cli.server.is_none() && cli.database.is_some() {
        return Ok(None);
    }
    stored_session(cli.server.as_deref(), data_dir)
}

/// The session of the stored login (for `server`, if given).
fn stored_session(
    server: Option<&str>,
    data_dir: &Path,
) -> Result<Option<RemoteAuthority>, ApiError> {
    let stored = crate::login::Login::load(data_dir)?;
    let login = match (server, stored) {
        (None, None) => return Ok(None),
        (None, Some(l)) => l,
        (Some(url), Some(l)) if tokendesk_core::authority::server_url(url)? == l.server => l,
        (Some(url), _) => {
            return Err(usage_err(
                tokendesk_core::ErrorCode::Unauthenticated,
                format!(
                    "Not signed in to {url}: run `tokendesk login --server {url} --email EMAIL`."
                ),
            ))
        }
    };
    let server = Server::new(&login.server, login.ca_pem(data_dir)?.as_deref())?;
    let token = login.token()?.ok_or_else(|| {
        usage_err(
            tokendesk_core::ErrorCode::Unauthenticated,
            format!(
                "The session for {} on {} is no longer in the keyring: run `tokendesk login` again.",
                login.email, login.server
            ),
        )
    })?;
    Ok(Some(server.session(token)))
}

fn login(
    cli: &Cli,
    data_dir: &Path,
    email: &str,
    ca_cert: Option<&Path>,
    stdin: &mut dyn std::io::BufRead,
) -> Result<i32, ApiError> {
    let url = cli.server.as_deref().ok_or_else(|| {
        usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            "login needs the server: --server https://… (or TOKENDESK_SERVER).",
        )
    })?;
    let ca = ca_cert
        .map(|p| {
            std::fs::read(p).map_err(|e| {
                usage_err(
                    tokendesk_core::ErrorCode::InvalidInput,
                    format!("cannot read the CA certificate {}: {e}", p.display()),
                )
            })
        })
        .transpose()?;
    let server = Server::new(url, ca.as_deref())?;
    let password = read_secret_line(stdin, "password")?;
    let email = email.trim().to_lowercase();
    let token = server.sign_in(&email, &password)?;
    // A login before this one (another server or person) is signed out first.
    if let Ok(Some(_)) = crate::login::Login::load(data_dir) {
        let _ = logout(data_dir);
    }
    let login = crate::login::Login {
        server: server.url().to_string(),
        email,
        private_ca: ca.is_some(),
    };
    login.save(data_dir, &token, ca.as_deref())?;
    let info = server.session(token).info()?;
    eprintln!(
        "Signed in to {} as {} ({}). The session token is in the OS keyring.",
        login.server, login.email, info.session.actor.role
    );
    Ok(0)
}

fn logout(data_dir: &Path) -> Result<i32, ApiError> {
    let Some(login) = crate::login::Login::load(data_dir)? else {
        eprintln!("Not signed in to a server.");
        return Ok(0);
    };
    if let Some(r) = stored_session(None, data_dir).ok().flatten() {
        // The server may be unreachable: the local login ends anyway, and says so.
        if let Err(e) = r.sign_out() {
            eprintln!("warning: the server did not confirm the sign-out ({}); the session token expires on its own.", e.message);
        }
    }
    login.forget(data_dir)?;
    eprintln!("Signed out of {}.", login.server);
    Ok(0)
}

fn status(cli: &Cli, data_dir: &Path, json: bool) -> Result<i32, ApiError> {
    let Some(r) = remote(cli, data_dir)? else {
        if json {
            print_json(&serde_json::json!({ "mode": "local" }));
        } else {
            println!("local authority in {}", data_dir.display());
        }
        return Ok(0);
    };
    let info = r.info()?;
    let me = r.me()?;
    if json {
        print_json(&serde_json::json!({
            "mode": "server",
            "server": r.server().url(),
            "email": info.session.actor.email,
            "role": info.session.actor.role,
            "sessionExpiresAt": me.token.expires_at.map(format_utc),
        }));
    } else {
        println!("server   {}", r.server().url());
        println!(
            "user     {} <{}>",
            info.session.actor.display_name,
            info.session.actor.email.as_deref().unwrap_or("-")
        );
        println!("role     {}", info.session.actor.role);
        println!("session  expires {}", when(me.token.expires_at));
    }
    Ok(0)
}

/// A database URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn secrets(cli: &Cli) -> Result<Box<dyn SecretStore>, ApiError> {
    Ok(match &cli.key_file {
        Some(path) => Box::new(KeyFileStore::open(path)?),
        None => Box::new(KeyringStore::new(
            tokendesk_core::service::KEYRING_SERVICE,
            Duration::from_secs(15),
        )),
    })
}

fn open(cli: &Cli) -> Result<Arc<Tokendesk>, ApiError> {
    let opts = options(cli)?;
    Ok(Arc::new(Tokendesk::open(opts, &*secrets(cli)?)?))
}

pub(crate) fn usage_err(code: tokendesk_core::ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError {
        code,
        message: message.into(),
    }
}

/// One line of standard input, without its line ending, as a secret.
fn read_secret_line(
    stdin: &mut dyn std::io::BufRead,
    what: &str,
) -> Result<SecretString, ApiError> {
    let mut line = String::new();
    stdin.read_line(&mut line).map_err(|e| {
        usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            format!("cannot read the {what}: {e}"),
        )
    })?;
    let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
    line.zeroize();
    if trimmed.is_empty() {
        return Err(usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            format!("expected the {what} on standard input"),
        ));
    }
    Ok(SecretString::from(trimmed))
}

/// `1h` … `1y`, `never`, or an RFC 3339 date-time.
pub(crate) fn parse_expiry(s: &str) -> Result<ExpiryChoice, ApiError> {
    let preset = |p| Ok(ExpiryChoice::Preset { preset: p });
    match s {
        "1h" => preset(ExpiryPreset::OneHour),
        "1d" => preset(ExpiryPreset::OneDay),
        "7d" => preset(ExpiryPreset::SevenDays),
        "30d" => preset(ExpiryPreset::ThirtyDays),
        "60d" => preset(ExpiryPreset::SixtyDays),
        "90d" => preset(ExpiryPreset::NinetyDays),
        "1y" => preset(ExpiryPreset::OneYear),
        "never" => Ok(ExpiryChoice::Never),
        other => tokendesk_core::clock::parse_rfc3339(other)
            .map(|at| ExpiryChoice::Custom { at })
            .ok_or_else(|| {
                usage_err(
                    tokendesk_core::ErrorCode::InvalidExpiry,
                    format!("\u{201c}{other}\u{201d} is not 1h, 1d, 7d, 30d, 60d, 90d, 1y, never or an RFC 3339 date-time."),
                )
            }),
    }
}

/// `90d` or `12h` (rounded up to whole days, as the filter counts days).
fn parse_days(s: &str) -> Result<u32, ApiError> {
    let bad = || {
        usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            format!("\u{201c}{s}\u{201d} is not a duration like 90d or 12h."),
        )
    };
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u32 = n.parse().map_err(|_| bad())?;
    match unit {
        "d" => Ok(n),
        "h" => Ok(n.div_ceil(24)),
        _ => Err(bad()),
    }
}

fn parse_scope(s: &str) -> Result<Scope, ApiError> {
    Scope::parse(s).ok_or_else(|| {
        usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            format!("\u{201c}{s}\u{201d} is not a scope; use users:read, tokens:read, audit:read or introspect."),
        )
    })
}

/// `--as EMAIL` with `TOKENDESK_TOKEN`: the token must be active and belong to that user.
fn session_from_token(
    td: &Tokendesk,
    email: &str,
    token: &SecretString,
) -> Result<std::sync::Arc<Verified>, ApiError> {
    match td.verify(token.expose_secret())? {
        Verification::Active(v)
            if v.user.email.as_deref() == Some(email.trim().to_lowercase().as_str()) =>
        {
            Ok(v)
        }
        Verification::Active(_) => Err(usage_err(
            tokendesk_core::ErrorCode::InvalidCredentials,
            "TOKENDESK_TOKEN belongs to another user than --as names.",
        )),
        Verification::Rejected(r) => Err(usage_err(
            tokendesk_core::ErrorCode::InvalidToken,
            format!("TOKENDESK_TOKEN is not an active token ({}).", wire_name(r)),
        )),
    }
}

/// The name an enum has on the wire (`"already_revoked"`, `"suspended"`, ...).
fn wire_name(v: impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A new token as `tokens create` prints it: the token alone on stdout, or JSON.
/// Every row of a list, page after page (200 at a time), in the list's order.
pub(crate) fn every_page(
    mut q: ListQuery,
    mut page: impl FnMut(&ListQuery) -> tokendesk_core::authority::Answer<ListPage>,
) -> tokendesk_core::authority::Answer<Vec<TokenMeta>> {
    q.limit = 200;
    let mut items = vec![];
    loop {
        let p = page(&q)?;
        items.extend(p.items);
        match p.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return Ok(items),
        }
    }
}

pub(crate) fn print_created(created: &CreatedToken, json: bool) {
    if json {
        let m = &created.meta;
        print_json(&serde_json::json!({
            "id": m.id, "name": m.name, "kind": m.kind, "owner_id": m.owner_id,
            "scopes": m.scopes, "tenant_ids": m.tenant_ids,
            "token": created.token.expose_secret(),
            "expires_at": m.expires_at.map(format_utc), "created_at": format_utc(m.created_at),
        }));
    } else {
        println!("{}", created.token.expose_secret());
        eprintln!(
            "Created {} ({}). This token is shown once: store it now.",
            created.meta.name, created.meta.id
        );
    }
}

pub(crate) fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}

pub(crate) fn when(t: Option<i64>) -> String {
    t.map(format_utc).unwrap_or_else(|| "never".into())
}

/// Runs a headless subcommand; returns the process exit code.
pub fn run(mut cli: Cli) -> i32 {
    // The server says when it starts and stops; one-shot commands only warn. Request lines
    // are at debug level: RUST_LOG=tokendesk::http=debug.
    let level = if matches!(cli.command, Some(Command::Serve { .. })) {
        "info"
    } else {
        "warn"
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level)).init();
    let Some(command) = cli.command.take() else {
        return 2;
    };
    let mut stdin = std::io::stdin().lock();
    let result = (|| -> Result<i32, ApiError> {
        if let Command::Server(ServerCmd::Init { owner_email }) = &command {
            let key_file = cli.key_file.as_ref().ok_or_else(|| {
                usage_err(
                    tokendesk_core::ErrorCode::InvalidInput,
                    "server init writes the authority's secrets to a new file: pass --key-file PATH.",
                )
            })?;
            let keys = KeyFileStore::create(key_file)?;
            let password = read_secret_line(&mut stdin, "owner's password")?;
            let td = Tokendesk::init(options(&cli)?, &keys, owner_email, &password)?;
            let info = td.info(&td.local_session())?;
            println!(
                "created authority {} with owner {}; its secrets are in {} (mode 0600): copy that file to every server, keep it off the database host's backups",
                info.authority_id,
                info.user.email.as_deref().unwrap_or(owner_email),
                key_file.display()
            );
            return Ok(0);
        }
        if let Command::Serve {
            bind,
            schemes,
            tls_cert,
            tls_key,
            trust_proxy,
            issuer,
        } = command
        {
            let issuer = issuer
                .map(|i| tokendesk_core::authority::server_url(&i))
                .transpose()
                .map_err(|e| usage_err(e.code(), format!("--issuer: {e}")))?;
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(
                    http::tls_config(&cert, &key)
                        .map_err(|m| usage_err(tokendesk_core::ErrorCode::InvalidInput, m))?,
                ),
                _ => None,
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            let td = open(&cli)?;
            let cfg = HttpConfig {
                extra_schemes: schemes,
                tls,
                trusted_proxies: trust_proxy,
                issuer,
                deliver_webhooks: true,
                ..Default::default()
            };
            http::run_until_signal(td, cfg, bind, |addr| {
                eprintln!("[tokendesk] verification service listening on {scheme}://{addr}");
            })
            .map_err(|e| {
                usage_err(
                    tokendesk_core::ErrorCode::Internal,
                    format!("cannot serve on {bind}: {e}"),
                )
            })?;
            return Ok(0);
        }
        let data_dir = client_dir(&cli)?;
        match &command {
            Command::Login { email, ca_cert } => {
                return login(&cli, &data_dir, email, ca_cert.as_deref(), &mut stdin)
            }
            Command::Logout => return logout(&data_dir),
            Command::Status { json } => return status(&cli, &data_dir, *json),
            _ => {}
        }
        let remote = remote(&cli, &data_dir)?;
        if let (Some(r), Command::Verify { .. }) = (&remote, &command) {
            return Err(usage_err(
                tokendesk_core::ErrorCode::InvalidInput,
                format!("verify checks a token against the local authority; services check tokens with the server {} (POST /oauth/introspect).", r.server().url()),
            ));
        }
        let (a, td): (Box<dyn Authority>, Option<Arc<Tokendesk>>) = match remote {
            Some(r) => {
                let token_env = std::env::var_os("TOKENDESK_TOKEN").is_some_and(|t| !t.is_empty());
                if cli.as_user.is_some() || token_env {
                    return Err(usage_err(
                        tokendesk_core::ErrorCode::InvalidInput,
                        "--as and TOKENDESK_TOKEN work on the local authority; on a server, `tokendesk login` as that person.",
                    ));
                }
                (Box::new(r), None)
            }
            None => {
                let td = open(&cli)?;
                let token_env = std::env::var("TOKENDESK_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty())
                    .map(SecretString::from);
                // A token's limits (scopes, tenants) travel in its session; core checks them.
                let s = match (&cli.as_user, token_env) {
                    (Some(email), Some(token)) => session_from_token(&td, email, &token)?.session(),
                    (Some(email), None) => td.sign_in(email, &read_secret_line(&mut stdin, "password")?)?,
                    (None, Some(_)) => return Err(usage_err(
                        tokendesk_core::ErrorCode::InvalidInput,
                        "TOKENDESK_TOKEN is set but --as EMAIL is not: say whose token it is, or unset it.",
                    )),
                    (None, None) => td.local_session(),
                };
                (Box::new(LocalAuthority::new(td.clone(), s)), Some(td))
            }
        };
        match command {
            Command::Serve { .. }
            | Command::Server(_)
            | Command::Login { .. }
            | Command::Logout
            | Command::Status { .. } => unreachable!("handled above"),
            Command::Tokens(TokensCmd::List { all, json }) => {
                let q = ListQuery {
                    scope: if all { ListScope::All } else { ListScope::Own },
                    ..Default::default()
                };
                let items = every_page(q, |q| a.list_tokens(q))?;
                if json {
                    print_json(&items);
                } else {
                    for t in &items {
                        let status = wire_name(t.status);
                        println!(
                            "{}  {:<9}  {:<28}  expires {}  owner {}  {}",
                            t.id,
                            status,
                            t.display_hint,
                            when(t.expires_at),
                            t.owner_name,
                            t.name
                        );
                    }
                }
                Ok(0)
            }
            Command::Tokens(TokensCmd::Create {
                name,
                description,
                expires,
                for_user,
                scopes,
                tenants,
                json,
            }) => {
                let expiry = match expires {
                    Some(e) => parse_expiry(&e)?,
                    None => a.settings()?.policy.default_choice,
                };
                let req = CreateTokenRequest {
                    for_user: None,
                    name,
                    description,
                    expiry,
                    scopes: (!scopes.is_empty())
                        .then(|| scopes.iter().map(|x| parse_scope(x)).collect())
                        .transpose()?,
                    tenant_ids: (!tenants.is_empty()).then_some(tenants),
                };
                let created = match &for_user {
                    Some(email) => a.create_token_for(&a.user_by_email(email)?.id, req)?,
                    None => a.create_token(req)?,
                };
                print_created(&created, json);
                Ok(0)
            }
            Command::Tokens(TokensCmd::Rename { id, name }) => {
                let t = a.rename_token(&id, &name)?;
                eprintln!("Renamed {} to {}.", t.id, t.name);
                Ok(0)
            }
            Command::Tokens(TokensCmd::Rotate { id, grace, json }) => {
                let grace = match grace.as_str() {
                    "1h" => RotationGrace::OneHour,
                    "1d" => RotationGrace::OneDay,
                    "7d" => RotationGrace::SevenDays,
                    _ => RotationGrace::None,
                };
                let created = a.rotate_token(&id, grace)?;
                print_created(&created, json);
                Ok(0)
            }
            Command::Tokens(TokensCmd::Revoke {
                id,
                reason,
                unused_for,
                user,
                tenant,
                kind,
                expiring_before,
                all,
                dry_run,
                json,
            }) => {
                let filtered = unused_for.is_some()
                    || user.is_some()
                    || tenant.is_some()
                    || kind.is_some()
                    || expiring_before.is_some();
                let id = match (id, filtered) {
                    (Some(_), true) | (None, false) => {
                        return Err(usage_err(
                            tokendesk_core::ErrorCode::InvalidInput,
                            "Give a token id, or filters (--unused-for, --user, --tenant, --kind, --expiring-before), not both.",
                        ))
                    }
                    (Some(id), false) if !dry_run => {
                        let t = a.revoke_token(&id, reason.as_deref())?;
                        eprintln!("Revoked {} ({}).", t.name, t.id);
                        return Ok(0);
                    }
                    (id, _) => id,
                };
                let owner_id = match &user {
                    Some(email) => Some(a.user_by_email(email)?.id),
                    None => None,
                };
                let filter = TokenFilter {
                    scope: if all || owner_id.is_some() {
                        ListScope::All
                    } else {
                        ListScope::Own
                    },
                    owner_id,
                    kind: kind.as_deref().and_then(TokenKind::parse),
                    unused_for_days: unused_for.as_deref().map(parse_days).transpose()?,
                    tenant_id: tenant,
                    expiring_before: expiring_before
                        .as_deref()
                        .map(|t| {
                            tokendesk_core::clock::parse_rfc3339(t).ok_or_else(|| {
                                usage_err(
                                    tokendesk_core::ErrorCode::InvalidInput,
                                    format!("\u{201c}{t}\u{201d} is not an RFC 3339 date-time."),
                                )
                            })
                        })
                        .transpose()?,
                    ..Default::default()
                };
                let req = BulkRevokeRequest {
                    ids: id.map(|i| vec![i]),
                    filter: if filtered { Some(filter) } else { None },
                    dry_run,
                    reason,
                };
                let done = a.bulk_revoke(&req)?;
                if json {
                    print_json(&done);
                } else {
                    for t in &done.tokens {
                        println!(
                            "{}  {:<28}  owner {}  {}",
                            t.id, t.display_hint, t.owner_name, t.name
                        );
                    }
                    if dry_run {
                        eprintln!(
                            "{} tokens would be revoked (dry run: nothing changed).",
                            done.count
                        );
                    } else {
                        eprintln!("Revoked {} tokens.", done.count);
                    }
                }
                Ok(0)
            }
            Command::Users(UsersCmd::List { json }) => {
                let users = a.list_users()?;
                if json {
                    print_json(&users);
                } else {
                    for u in &users {
                        println!(
                            "{}  {:<8}  {:<7}  {:<28}  {}",
                            u.id,
                            u.role,
                            format!("{:?}", u.status).to_lowercase(),
                            u.email.as_deref().unwrap_or("-"),
                            u.display_name
                        );
                    }
                }
                Ok(0)
            }
            Command::Users(UsersCmd::Create {
                name,
                email,
                kind,
                role,
            }) => {
                let kind = if kind == "service" {
                    UserKind::Service
                } else {
                    UserKind::Human
                };
                let u = a.create_user(NewUser {
                    display_name: name,
                    email,
                    kind,
                    role,
                    password: None,
                })?;
                println!("{}", u.id);
                Ok(0)
            }
            Command::Users(UsersCmd::Disable { email }) => {
                a.set_user_active(&a.user_by_email(&email)?.id, false)?;
                Ok(0)
            }
            Command::Users(UsersCmd::Enable { email }) => {
                a.set_user_active(&a.user_by_email(&email)?.id, true)?;
                Ok(0)
            }
            Command::Users(UsersCmd::Remove { email }) => {
                a.remove_user(&a.user_by_email(&email)?.id)?;
                Ok(0)
            }
            Command::Users(UsersCmd::SetPassword { email }) => {
                let user = a.user_by_email(&email)?;
                a.set_password(&user.id, &read_secret_line(&mut stdin, "new password")?)?;
                Ok(0)
            }
            Command::Users(UsersCmd::ClientCredentials { user, json }) => {
                let found = a
                    .list_users()?
                    .into_iter()
                    .find(|u| u.id == user || u.email.as_deref() == Some(&user.to_lowercase()))
                    .ok_or_else(|| {
                        usage_err(
                            tokendesk_core::ErrorCode::NotFound,
                            format!("No user has the email address or id {user}."),
                        )
                    })?;
                let c = a.set_client_credentials(&found.id)?;
                if json {
                    print_json(&c);
                } else {
                    println!("client_id     {}", c.client_id);
                    println!("client_secret {}", c.client_secret.expose_secret());
                    eprintln!("The secret is shown this once: keep it in a secrets manager.");
                }
                Ok(0)
            }
            Command::Verify { .. } => {
                let td = td.expect("verify runs on the local authority (checked above)");
                let token = read_secret_line(&mut stdin, "token")?;
                match td.verify(token.expose_secret())? {
                    Verification::Active(t) => {
                        // A successful verification counts as a use, like over HTTP.
                        td.record_use(&t.token.id, None, Some("tokendesk verify"));
                        td.flush_usage()?;
                        println!(
                            "active: {} ({}), owner {}, expires {}",
                            t.token.name,
                            t.token.id,
                            t.token.owner_name,
                            when(t.token.expires_at)
                        );
                        Ok(0)
                    }
                    Verification::Rejected(r) => {
                        println!("not active: {}", wire_name(r));
                        Ok(1)
                    }
                }
            }
            Command::Tenants(cmd) => admin::tenants(&*a, cmd),
            Command::Roles(cmd) => admin::roles(&*a, cmd),
            Command::Keys(cmd) => admin::keys(&*a, cmd),
            Command::Settings(cmd) => admin::settings(&*a, cmd),
            Command::Legacy(cmd) => admin::legacy(&*a, cmd),
            Command::Audit(AuditCmd::List {
                filter,
                limit,
                json,
            }) => admin::audit_list(&*a, &filter, limit, json),
            Command::Audit(AuditCmd::Export {
                filter,
                format,
                output,
            }) => admin::audit_export(&*a, &filter, format, output),
            Command::Audit(AuditCmd::Verify) => {
                let r = a.verify_audit_chain()?;
                if r.ok {
                    println!("audit chain intact: {} events checked", r.events_checked);
                    Ok(0)
                } else {
                    println!(
                        "audit chain BROKEN{}: {}",
                        r.broken_at
                            .map(|n| format!(" at event #{n}"))
                            .unwrap_or_default(),
                        r.problem.unwrap_or_default()
                    );
                    Ok(1)
                }
            }
        }
    })();
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = wire_name(e.code);
            eprintln!("error[{code}]: {}", e.message);
            1
        }
    }
}
