//! The command line of a headless admin: tenants, roles, settings and the audit log, each a
//! thin call into core (which checks who may do it), so a team server needs no desktop.

use crate::cli::{parse_expiry, print_json, usage_err, when};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use tokendesk_core::authority::Authority;
use tokendesk_core::clock::format_utc;
use tokendesk_core::model::*;
use tokendesk_core::policy::ExpiryChoice;
use tokendesk_core::{ApiError, ErrorCode};

#[derive(Debug, Subcommand)]
pub enum TenantsCmd {
    /// Every tenant (admins) or your own.
    List {
        #[arg(long)]
        json: bool,
    },
    Create {
        name: String,
        #[arg(long)]
        json: bool,
    },
    Rename {
        id: String,
        name: String,
    },
    /// Add a user (by email) to a tenant.
    AddMember {
        tenant_id: String,
        email: String,
    },
    /// Remove a user (by email) from a tenant; their tokens limited to it stop working.
    RemoveMember {
        tenant_id: String,
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Every signing key, newest first: kid, created, retired, published until.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A new key signs from now on; the old one stays published until its tokens expired.
    Rotate {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RolesCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change a role's permissions; the ones not given stay as they are.
    Set {
        role_id: String,
        #[arg(long)]
        api_access: Option<bool>,
        #[arg(long)]
        create_tokens_for_others: Option<bool>,
        #[arg(long)]
        impersonate: Option<bool>,
        #[arg(long)]
        manage_users: Option<bool>,
        #[arg(long)]
        manage_settings: Option<bool>,
        #[arg(long)]
        view_audit: Option<bool>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    Show {
        #[arg(long)]
        json: bool,
    },
    /// How legacy API keys are treated; without options, shows it.
    Legacy {
        /// off: refused; emulate: accepted until the sunset date.
        #[arg(long)]
        mode: Option<LegacyModeArg>,
        /// When legacy keys stop working (RFC 3339); needed to emulate.
        #[arg(long, value_name = "RFC3339")]
        sunset: Option<String>,
        /// The header old clients send: a name like X-Api-Key, or "Authorization: SCHEME".
        #[arg(long, value_name = "NAME")]
        header: Option<String>,
        /// The migration notes the Link header points to (empty: this server's own).
        #[arg(long, value_name = "URL")]
        notes_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change the authority's settings; the ones not given stay as they are.
    Set {
        /// The authority's display name.
        #[arg(long)]
        name: Option<String>,
        /// The prefix of new tokens.
        #[arg(long)]
        prefix: Option<String>,
        /// Only owners may create tokens ("super-admin only").
        #[arg(long)]
        owners_only: Option<bool>,
        /// Expiry presets offered, comma-separated: 1h,1d,7d,30d,60d,90d,1y.
        #[arg(long, value_delimiter = ',')]
        presets: Option<Vec<String>>,
        #[arg(long)]
        allow_custom: Option<bool>,
        #[arg(long)]
        allow_never: Option<bool>,
        #[arg(long)]
        max_lifetime_days: Option<u32>,
        /// Pre-selected expiry: a preset or never.
        #[arg(long)]
        default_expiry: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LegacyCmd {
    /// Import legacy keys: CSV with the header email,key[,label][,created_at], or a JSON array
    /// of objects with those fields. Only keyed hashes are kept; rows that match no user are
    /// reported (exit code 3 when any row was skipped).
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The legacy keys: id, user, label, last use, use count, status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Create a bearer token for the integration behind a legacy key (printed once).
    Token {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// 1h, 1d, 7d, 30d, 60d, 90d, 1y, never, or an RFC 3339 date-time (default: the policy's).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refuse a legacy key from now on (irreversible).
    Retire { id: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LegacyModeArg {
    Off,
    Emulate,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

/// Filters shared by `audit list` and `audit export`.
#[derive(Debug, clap::Args)]
pub struct AuditFilter {
    /// Only this action, e.g. token.revoked.
    #[arg(long)]
    action: Option<String>,
    /// Only events by this actor (a user id).
    #[arg(long)]
    actor: Option<String>,
    /// From this time on (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// Before this time (RFC 3339).
    #[arg(long)]
    until: Option<String>,
}

impl AuditFilter {
    fn query(&self) -> Result<AuditQuery, ApiError> {
        let time = |t: &Option<String>| -> Result<Option<i64>, ApiError> {
            t.as_deref()
                .map(|t| {
                    tokendesk_core::clock::parse_rfc3339(t).ok_or_else(|| {
                        usage_err(
                            ErrorCode::InvalidInput,
                            format!("\u{201c}{t}\u{201d} is not an RFC 3339 date-time."),
                        )
                    })
                })
                .transpose()
        };
        Ok(AuditQuery {
            action: self
                .action
                .as_deref()
                .map(|a| {
                    AuditAction::parse(a).ok_or_else(|| {
                        usage_err(
                            ErrorCode::InvalidInput,
                            format!("\u{201c}{a}\u{201d} is not an audit action."),
                        )
                    })
                })
                .transpose()?,
            actor_id: self.actor.clone(),
            from: time(&self.since)?,
            to: time(&self.until)?,
            ..Default::default()
        })
    }
}

pub fn tenants(a: &dyn Authority, cmd: TenantsCmd) -> Result<i32, ApiError> {
    match cmd {
        TenantsCmd::List { json } => {
            let all = a.list_tenants()?;
            if json {
                print_json(&all);
            } else {
                for t in &all {
                    println!("{}  {}", t.id, t.name);
                }
            }
        }
        TenantsCmd::Create { name, json } => {
            let t = a.create_tenant(&name)?;
            if json {
                print_json(&t);
            } else {
                println!("{}", t.id);
            }
        }
        TenantsCmd::Rename { id, name } => {
            a.rename_tenant(&id, &name)?;
        }
        TenantsCmd::AddMember { tenant_id, email } => {
            let u = a.user_by_email(&email)?;
            a.set_tenant_member(&tenant_id, &u.id, true)?;
        }
        TenantsCmd::RemoveMember { tenant_id, email } => {
            let u = a.user_by_email(&email)?;
            a.set_tenant_member(&tenant_id, &u.id, false)?;
        }
    }
    Ok(0)
}

pub fn keys(a: &dyn Authority, cmd: KeysCmd) -> Result<i32, ApiError> {
    let (keys, json) = match cmd {
        KeysCmd::List { json } => (a.signing_keys()?, json),
        KeysCmd::Rotate { json } => (a.rotate_signing_key()?, json),
    };
    if json {
        print_json(&keys);
        return Ok(0);
    }
    if keys.is_empty() {
        println!("No signing key yet: the first token exchange makes one.");
    }
    for k in &keys {
        let state = match (k.current, k.published_until) {
            (true, _) => "signing".to_string(),
            (false, Some(until)) => format!("retired, published until {}", when(Some(until))),
            (false, None) => "retired".to_string(),
        };
        println!("{}  created {}  {state}", k.kid, when(Some(k.created_at)));
    }
    Ok(0)
}

pub fn roles(a: &dyn Authority, cmd: RolesCmd) -> Result<i32, ApiError> {
    match cmd {
        RolesCmd::List { json } => {
            let all = a.list_roles()?;
            if json {
                print_json(&all);
            } else {
                for r in &all {
                    let p = &r.permissions;
                    let granted: Vec<&str> = [
                        (p.api_access, "api-access"),
                        (p.create_tokens_for_others, "create-tokens-for-others"),
                        (p.impersonate, "impersonate"),
                        (p.manage_users, "manage-users"),
                        (p.manage_settings, "manage-settings"),
                        (p.view_audit, "view-audit"),
                    ]
                    .into_iter()
                    .filter_map(|(on, name)| on.then_some(name))
                    .collect();
                    println!("{:<8}  {:<14}  {}", r.id, r.name, granted.join(" "));
                }
            }
        }
        RolesCmd::Set {
            role_id,
            api_access,
            create_tokens_for_others,
            impersonate,
            manage_users,
            manage_settings,
            view_audit,
        } => {
            let role = a
                .list_roles()?
                .into_iter()
                .find(|r| r.id == role_id)
                .ok_or_else(|| {
                    usage_err(
                        ErrorCode::NotFound,
                        format!("No role has the id {role_id}."),
                    )
                })?;
            let p = role.permissions;
            let new = Permissions {
                api_access: api_access.unwrap_or(p.api_access),
                create_tokens_for_others: create_tokens_for_others
                    .unwrap_or(p.create_tokens_for_others),
                impersonate: impersonate.unwrap_or(p.impersonate),
                manage_users: manage_users.unwrap_or(p.manage_users),
                manage_settings: manage_settings.unwrap_or(p.manage_settings),
                view_audit: view_audit.unwrap_or(p.view_audit),
            };
            a.update_role(&role_id, new)?;
        }
    }
    Ok(0)
}

pub fn settings(a: &dyn Authority, cmd: SettingsCmd) -> Result<i32, ApiError> {
    match cmd {
        SettingsCmd::Legacy {
            mode,
            sunset,
            header,
            notes_url,
            json,
        } => {
            let mut s = a.legacy_settings()?;
            let changing =
                mode.is_some() || sunset.is_some() || header.is_some() || notes_url.is_some();
            if let Some(m) = mode {
                s.mode = match m {
                    LegacyModeArg::Off => LegacyMode::Off,
                    LegacyModeArg::Emulate => LegacyMode::Emulate,
                };
            }
            if let Some(t) = sunset {
                let at = tokendesk_core::clock::parse_rfc3339(t.trim()).ok_or_else(|| {
                    usage_err(
                        ErrorCode::InvalidInput,
                        format!("\u{201c}{t}\u{201d} is not an RFC 3339 date-time, like 2027-03-31T00:00:00Z."),
                    )
                })?;
                s.sunset_at = Some(at);
            }
            if let Some(h) = header {
                s.header = h;
            }
            if let Some(u) = notes_url {
                s.notes_url = Some(u);
            }
            if changing {
                s = a.update_legacy_settings(s)?;
            }
            if json {
                print_json(&s);
            } else {
                let mode = match s.mode {
                    LegacyMode::Off => "off (legacy keys are refused)",
                    LegacyMode::Emulate => "emulate (legacy keys are accepted until the sunset)",
                };
                println!("mode:       {mode}");
                println!("sunset:     {}", when(s.sunset_at));
                println!("header:     {}", s.header);
                println!(
                    "notes:      {}",
                    s.notes_url
                        .as_deref()
                        .unwrap_or("this server's /docs/legacy-api-keys")
                );
                println!("deprecated: {}", when(s.deprecated_at));
            }
        }
        SettingsCmd::Show { json } => {
            let cur = a.settings()?;
            if json {
                print_json(&cur);
            } else {
                let p = &cur.policy;
                println!("authority name:   {}", cur.authority_name);
                println!("token prefix:     {}", cur.token_prefix);
                println!("owners only:      {}", cur.only_owners_create_tokens);
                println!(
                    "expiry presets:   {}",
                    serde_json::to_string(&p.presets).unwrap_or_default()
                );
                println!("custom expiry:    {}", p.allow_custom);
                println!("never expires:    {}", p.allow_never);
                println!("max lifetime:     {} days", p.max_lifetime_days);
                println!(
                    "default expiry:   {}",
                    serde_json::to_string(&p.default_choice).unwrap_or_default()
                );
            }
        }
        SettingsCmd::Set {
            name,
            prefix,
            owners_only,
            presets,
            allow_custom,
            allow_never,
            max_lifetime_days,
            default_expiry,
        } => {
            let mut new = a.settings()?;
            if let Some(n) = name {
                new.authority_name = n;
            }
            if let Some(p) = prefix {
                new.token_prefix = p;
            }
            if let Some(o) = owners_only {
                new.only_owners_create_tokens = o;
            }
            if let Some(list) = presets {
                new.policy.presets = list
                    .iter()
                    .map(|p| match parse_expiry(p.trim())? {
                        ExpiryChoice::Preset { preset } => Ok(preset),
                        _ => Err(usage_err(
                            ErrorCode::InvalidInput,
                            format!("\u{201c}{p}\u{201d} is not a preset (1h, 1d, 7d, 30d, 60d, 90d, 1y)."),
                        )),
                    })
                    .collect::<Result<_, _>>()?;
            }
            if let Some(v) = allow_custom {
                new.policy.allow_custom = v;
            }
            if let Some(v) = allow_never {
                new.policy.allow_never = v;
            }
            if let Some(v) = max_lifetime_days {
                new.policy.max_lifetime_days = v;
            }
            if let Some(d) = default_expiry {
                new.policy.default_choice = match parse_expiry(&d)? {
                    c @ (ExpiryChoice::Preset { .. } | ExpiryChoice::Never) => c,
                    _ => {
                        return Err(usage_err(
                            ErrorCode::InvalidInput,
                            "The default expiry is a preset or never.",
                        ))
                    }
                };
            }
            a.update_settings(new)?;
        }
    }
    Ok(0)
}

/// `audit list`: the newest events first, `limit` of them.
pub fn audit_list(
    a: &dyn Authority,
    filter: &AuditFilter,
    limit: u32,
    json: bool,
) -> Result<i32, ApiError> {
    let q = AuditQuery {
        limit,
        ..filter.query()?
    };
    let page = a.list_audit(&q)?;
    if json {
        print_json(&page.items);
    } else {
        for e in &page.items {
            println!(
                "#{:<6} {}  {:<26} actor {}  target {}  {}",
                e.seq,
                format_utc(e.at),
                e.action.as_str(),
                e.actor_id,
                e.target_id.as_deref().unwrap_or("-"),
                e.details
            );
        }
    }
    Ok(0)
}

/// `audit export`: every matching event, oldest first, to a new file or standard output.
pub fn audit_export(
    a: &dyn Authority,
    filter: &AuditFilter,
    format: Format,
    output: Option<PathBuf>,
) -> Result<i32, ApiError> {
    let format = match format {
        Format::Csv => ExportFormat::Csv,
        Format::Json => ExportFormat::Json,
    };
    let q = filter.query()?;
    match output {
        None => {
            a.export_audit(&q, format, &mut std::io::stdout().lock())?;
        }
        Some(path) => {
            // A new file only: an export never replaces a file that is already there.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| {
                    usage_err(
                        ErrorCode::InvalidInput,
                        format!("cannot create {}: {e}", path.display()),
                    )
                })?;
            let mut out = std::io::BufWriter::new(file);
            let n = a.export_audit(&q, format, &mut out)?;
            std::io::Write::flush(&mut out).map_err(|e| {
                usage_err(
                    ErrorCode::Internal,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
            eprintln!("{n} events written to {}", path.display());
        }
    }
    Ok(0)
}

pub fn legacy(a: &dyn Authority, cmd: LegacyCmd) -> Result<i32, ApiError> {
    match cmd {
        LegacyCmd::Import { file, json } => {
            // The plain keys stay in this buffer only, wiped when the import is done.
            let bytes = zeroize::Zeroizing::new(std::fs::read(&file).map_err(|e| {
                usage_err(
                    ErrorCode::InvalidInput,
                    format!("Cannot read {}: {e}", file.display()),
                )
            })?);
            let report = a.import_legacy_keys(&bytes)?;
            if json {
                print_json(&report);
            } else {
                println!("Imported {} legacy API keys.", report.imported);
                if !report.problems.is_empty() {
                    println!("Skipped {} rows:", report.problems.len());
                    for p in &report.problems {
                        let who = if p.email.is_empty() {
                            "-"
                        } else {
                            p.email.as_str()
                        };
                        println!("  row {:>5}  {who}  {}", p.row, p.reason);
                    }
                }
            }
            Ok(if report.problems.is_empty() { 0 } else { 3 })
        }
        LegacyCmd::List { json } => {
            let all = crate::cli::every_page(ListQuery::default(), |q| a.list_legacy_keys(q))?;
            if json {
                print_json(&all);
            } else if all.is_empty() {
                println!("No legacy API keys.");
            } else {
                for k in &all {
                    println!(
                        "{}  {:<8}  {:<24}  {:<20}  last used {:<20}  {:>6} uses  {:?}",
                        k.id,
                        k.display_hint,
                        k.owner_name,
                        k.name,
                        when(k.last_used_at),
                        k.use_count,
                        k.status
                    );
                }
            }
            Ok(0)
        }
        LegacyCmd::Token {
            id,
            name,
            description,
            expires,
            json,
        } => {
            let expiry = match expires {
                Some(e) => parse_expiry(&e)?,
                None => a.settings()?.policy.default_choice,
            };
            let req = CreateTokenRequest {
                for_user: None,
                name,
                description,
                expiry,
                scopes: None,
                tenant_ids: None,
            };
            crate::cli::print_created(&a.replace_legacy_key(&id, req)?, json);
            Ok(0)
        }
        LegacyCmd::Retire { id } => {
            let k = a.retire_legacy_key(&id)?;
            eprintln!(
                "Retired the legacy API key {} of {} ({}).",
                k.display_hint, k.owner_name, k.id
            );
            Ok(0)
        }
    }
}
