//! Queries on the `authority` table: the one row describing this token authority.

use super::sql::{Conn, ConnExt};
use crate::params;
use crate::policy::ExpiryPolicy;
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct AuthorityRow {
    pub id: String,
    pub display_name: String,
    pub token_prefix: String,
    pub policy: ExpiryPolicy,
    pub created_at: i64,
    pub only_owners_create_tokens: bool,
}

/// The "super-admin only" setting, read by every operation's access check.
pub fn only_owners_create_tokens(conn: &dyn Conn) -> Result<bool> {
    conn.query_row(
        "SELECT only_owners_create_tokens FROM authority",
        params![],
        |r| r.get(0),
    )
}

pub fn get(conn: &dyn Conn) -> Result<Option<AuthorityRow>> {
    let row = conn.query_opt(
        "SELECT id, display_name, token_prefix, expiry_policy, created_at, only_owners_create_tokens
         FROM authority",
        params![],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<i64>(4)?,
                r.get::<bool>(5)?,
            ))
        },
    )?;
    row.map(
        |(id, display_name, token_prefix, policy, created_at, only_owners_create_tokens)| {
            let policy = serde_json::from_str(&policy)
                .map_err(|e| Error::DatabaseCorrupt(format!("unreadable expiry policy: {e}")))?;
            Ok(AuthorityRow {
                id,
                display_name,
                token_prefix,
                policy,
                created_at,
                only_owners_create_tokens,
            })
        },
    )
    .transpose()
}

fn policy_json(p: &ExpiryPolicy) -> Result<String> {
    serde_json::to_string(p).map_err(|e| Error::Internal(e.to_string()))
}

pub fn insert(conn: &dyn Conn, a: &AuthorityRow) -> Result<()> {
    conn.execute(
        "INSERT INTO authority (id, display_name, token_prefix, expiry_policy, created_at, only_owners_create_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![a.id, a.display_name, a.token_prefix, policy_json(&a.policy)?, a.created_at, a.only_owners_create_tokens],
    )?;
    Ok(())
}

pub fn update_settings(conn: &dyn Conn, a: &AuthorityRow) -> Result<()> {
    conn.execute(
        "UPDATE authority SET display_name = ?1, token_prefix = ?2, expiry_policy = ?3, only_owners_create_tokens = ?4",
        params![a.display_name, a.token_prefix, policy_json(&a.policy)?, a.only_owners_create_tokens],
    )?;
    Ok(())
}

pub fn service_settings(conn: &dyn Conn) -> Result<crate::model::ServiceSettings> {
    conn.query_row(
        "SELECT service_enabled, service_bind, service_extra_schemes FROM authority",
        params![],
        |r| {
            Ok(crate::model::ServiceSettings {
                enabled: r.get(0)?,
                bind: r.get(1)?,
                extra_schemes: r
                    .get::<String>(2)?
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
            })
        },
    )
}

pub fn set_service_settings(conn: &dyn Conn, s: &crate::model::ServiceSettings) -> Result<()> {
    conn.execute(
        "UPDATE authority SET service_enabled = ?1, service_bind = ?2, service_extra_schemes = ?3",
        params![s.enabled, s.bind, s.extra_schemes.join(" ")],
    )?;
    Ok(())
}

/// The id of the authority a first run is creating: the one an interrupted run recorded, else
/// `fresh` (recorded now, so a run killed after writing its key to the keyring finds it).
pub fn pending_first_run(conn: &dyn Conn, fresh: &str) -> Result<String> {
    conn.execute(
        "INSERT INTO first_run (only_row, authority_id) VALUES (1, ?1) ON CONFLICT (only_row) DO NOTHING",
        params![fresh],
    )?;
    conn.query_row("SELECT authority_id FROM first_run", params![], |r| {
        r.get(0)
    })
}

/// The first run is complete (called in the transaction that creates the authority).
pub fn finish_first_run(conn: &dyn Conn) -> Result<()> {
    conn.execute("DELETE FROM first_run", params![])?;
    Ok(())
}

/// The legacy API key settings; the defaults (off, `X-Api-Key`) until first set.
pub fn legacy_settings(conn: &dyn Conn) -> Result<crate::model::LegacySettings> {
    let raw: Option<String> =
        conn.query_row("SELECT legacy_settings FROM authority", params![], |r| {
            r.get(0)
        })?;
    raw.map(|s| {
        serde_json::from_str(&s)
            .map_err(|e| Error::DatabaseCorrupt(format!("unreadable legacy settings: {e}")))
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

pub fn set_legacy_settings(conn: &dyn Conn, s: &crate::model::LegacySettings) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    conn.execute("UPDATE authority SET legacy_settings = ?1", params![json])?;
    Ok(())
}

/// When expiry alerts come (schema 13's columns; 7 and 1 days until set).
pub fn alert_settings(conn: &dyn Conn) -> Result<crate::model::AlertSettings> {
    conn.query_row(
        "SELECT alert_first_days, alert_last_days FROM authority",
        params![],
        |r| {
            Ok(crate::model::AlertSettings {
                first_days: r.get::<i64>(0)? as u32,
                last_days: r.get::<i64>(1)? as u32,
            })
        },
    )
}

pub fn set_alert_settings(conn: &dyn Conn, a: &crate::model::AlertSettings) -> Result<()> {
    conn.execute(
        "UPDATE authority SET alert_first_days = ?1, alert_last_days = ?2",
        params![a.first_days as i64, a.last_days as i64],
    )?;
    Ok(())
}
