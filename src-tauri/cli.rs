//! The command line: with no subcommand the desktop app opens; subcommands run headless over
//! the same core, database and keyring.

use crate::cli_admin as admin;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
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
    /// The authority's settings: name, token prefix, expiry policy, owners-only.
    #[command(subcommand)]
    Settings(admin::SettingsCmd),
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
    Revoke {
        id: String,
        #[arg(long)]
        reason: Option<String>,
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
    /// Set a person's password, read from standard input (after the --as password, if any).
    SetPassword {
        email: String,
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

fn parse_scope(s: &str) -> Result<Scope, ApiError> {
    Scope::parse(s).ok_or_else(|| {
        usage_err(
            tokendesk_core::ErrorCode::InvalidInput,
            format!("\u{201c}{s}\u{201d} is not a scope; use users:read, tokens:read, audit:read or introspect."),
        )
    })
}

pub(crate) fn user_by_email(td: &Tokendesk, s: &Session, email: &str) -> Result<User, ApiError> {
    let email = email.trim().to_lowercase();
    td.list_users(s)?
        .into_iter()
        .find(|u| u.email.as_deref() == Some(email.as_str()))
        .ok_or_else(|| {
            usage_err(
                tokendesk_core::ErrorCode::NotFound,
                format!("No user has the email address {email}."),
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

pub(crate) fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}

fn when(t: Option<i64>) -> String {
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
        } = command
        {
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
        match command {
            Command::Serve { .. } | Command::Server(_) => unreachable!("handled above"),
            Command::Tokens(TokensCmd::List { all, json }) => {
                let mut q = ListQuery {
                    scope: if all { ListScope::All } else { ListScope::Own },
                    limit: 200,
                    ..Default::default()
                };
                let mut items = vec![];
                loop {
                    let page = td.list_tokens(&s, &q)?;
                    items.extend(page.items);
                    match page.next_cursor {
                        Some(c) => q.cursor = Some(c),
                        None => break,
                    }
                }
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
                    None => td.settings(&s)?.policy.default_choice,
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
                    Some(email) => {
                        td.create_impersonation_token(&s, &user_by_email(&td, &s, email)?.id, req)?
                    }
                    None => td.create_token(&s, req)?,
                };
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
                Ok(0)
            }
            Command::Tokens(TokensCmd::Rename { id, name }) => {
                let t = td.rename_token(&s, &id, &name)?;
                eprintln!("Renamed {} to {}.", t.id, t.name);
                Ok(0)
            }
            Command::Tokens(TokensCmd::Revoke { id, reason }) => {
                let t = td.revoke_token(&s, &id, reason.as_deref())?;
                eprintln!("Revoked {} ({}).", t.name, t.id);
                Ok(0)
            }
            Command::Users(UsersCmd::List { json }) => {
                let users = td.list_users(&s)?;
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
                let u = td.create_user(
                    &s,
                    NewUser {
                        display_name: name,
                        email,
                        kind,
                        role,
                        password: None,
                    },
                )?;
                println!("{}", u.id);
                Ok(0)
            }
            Command::Users(UsersCmd::Disable { email }) => {
                td.set_user_active(&s, &user_by_email(&td, &s, &email)?.id, false)?;
                Ok(0)
            }
            Command::Users(UsersCmd::Enable { email }) => {
                td.set_user_active(&s, &user_by_email(&td, &s, &email)?.id, true)?;
                Ok(0)
            }
            Command::Users(UsersCmd::Remove { email }) => {
                td.remove_user(&s, &user_by_email(&td, &s, &email)?.id)?;
                Ok(0)
            }
            Command::Users(UsersCmd::SetPassword { email }) => {
                let user = user_by_email(&td, &s, &email)?;
                td.set_password(&s, &user.id, &read_secret_line(&mut stdin, "new password")?)?;
                Ok(0)
            }
            Command::Verify { .. } => {
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
            Command::Tenants(cmd) => admin::tenants(&td, &s, cmd),
            Command::Roles(cmd) => admin::roles(&td, &s, cmd),
            Command::Settings(cmd) => admin::settings(&td, &s, cmd),
            Command::Audit(AuditCmd::List {
                filter,
                limit,
                json,
            }) => admin::audit_list(&td, &s, &filter, limit, json),
            Command::Audit(AuditCmd::Export {
                filter,
                format,
                output,
            }) => admin::audit_export(&td, &s, &filter, format, output),
            Command::Audit(AuditCmd::Verify) => {
                let r = td.verify_audit_chain(&s)?;
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
