//! Queries on the `users` and `roles` tables.

use super::sql::{Conn, ConnExt, Row};
use crate::model::{Permissions, Role, User, UserKind, UserStatus};
use crate::params;
use crate::{Error, Result};

const COLS: &str = "id, display_name, email, kind, role, status, created_at, \
                    password_hash IS NOT NULL, removed_at, active_tenant_id, \
                    (SELECT string_agg(tenant_id, ' ') FROM \
                       (SELECT tenant_id FROM tenant_members WHERE user_id = users.id ORDER BY tenant_id) AS m)";

fn from_row(r: Row<'_>) -> Result<User> {
    let kind: String = r.get(3)?;
    let status: String = r.get(5)?;
    let removed: Option<i64> = r.get(8)?;
    Ok(User {
        id: r.get(0)?,
        display_name: r.get(1)?,
        email: r.get(2)?,
        kind: if kind == "service" {
            UserKind::Service
        } else {
            UserKind::Human
        },
        role: r.get(4)?,
        status: match (removed, status.as_str()) {
            (Some(_), _) => UserStatus::Removed,
            (None, "disabled") => UserStatus::Disabled,
            _ => UserStatus::Active,
        },
        created_at: r.get(6)?,
        has_password: r.get(7)?,
        active_tenant_id: r.get(9)?,
        tenant_ids: r
            .get::<Option<String>>(10)?
            .map(|s| s.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

pub fn get(conn: &dyn Conn, id: &str) -> Result<Option<User>> {
    conn.query_opt(
        &format!("SELECT {COLS} FROM users WHERE id = ?1"),
        params![id],
        from_row,
    )
}

pub fn get_by_email(conn: &dyn Conn, email: &str) -> Result<Option<User>> {
    conn.query_opt(
        &format!("SELECT {COLS} FROM users WHERE email = ?1"),
        params![email],
        from_row,
    )
}

pub fn list(conn: &dyn Conn) -> Result<Vec<User>> {
    conn.query_map(
        &format!(
            "SELECT {COLS} FROM users ORDER BY removed_at IS NOT NULL, {}, id",
            super::nocase(conn, "display_name")
        ),
        params![],
        from_row,
    )
}

/// The first owner, who is the local operator until sign-in exists.
/// How many users exist, removed ones included.
pub fn count(conn: &dyn Conn) -> Result<i64> {
    conn.query_row("SELECT count(*) FROM users", params![], |r| r.get(0))
}

pub fn first_owner(conn: &dyn Conn) -> Result<User> {
    conn.query_opt(
        &format!(
            "SELECT {COLS} FROM users WHERE role = 'owner' AND removed_at IS NULL AND status = 'active'
             ORDER BY created_at, id LIMIT 1"
        ),
        params![],
        from_row,
    )?
    .ok_or_else(|| Error::DatabaseCorrupt("the database has no active owner".into()))
}

pub fn active_owner_count(conn: &dyn Conn) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'owner' AND status = 'active' AND removed_at IS NULL",
        params![],
        |r| r.get(0),
    )
}

pub fn insert(conn: &dyn Conn, u: &User, password_hash: Option<&str>) -> Result<()> {
    conn.execute(
        "INSERT INTO users (id, display_name, email, kind, role, status, created_at, password_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            u.id,
            u.display_name,
            u.email,
            kind_str(u.kind),
            u.role,
            if u.status == UserStatus::Disabled {
                "disabled"
            } else {
                "active"
            },
            u.created_at,
            password_hash
        ],
    )?;
    Ok(())
}

fn kind_str(k: UserKind) -> &'static str {
    match k {
        UserKind::Human => "human",
        UserKind::Service => "service",
    }
}

pub fn update(
    conn: &dyn Conn,
    id: &str,
    display_name: &str,
    email: Option<&str>,
    role: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE users SET display_name = ?2, email = ?3, role = ?4 WHERE id = ?1",
        params![id, display_name, email, role],
    )?;
    Ok(())
}

pub fn set_status(conn: &dyn Conn, id: &str, active: bool) -> Result<()> {
    conn.execute(
        // Disabling also ends every token from credential exchange for good: enabling the user
        // again brings back their personal tokens, not sessions obtained with a password.
        "UPDATE users SET status = ?2,
                credential_epoch = credential_epoch + (CASE WHEN ?2 = 'disabled' THEN 1 ELSE 0 END)
         WHERE id = ?1",
        params![id, if active { "active" } else { "disabled" }],
    )?;
    Ok(())
}

pub fn mark_removed(conn: &dyn Conn, id: &str, at: i64) -> Result<()> {
    // The email is released so the address can be given to a new user.
    conn.execute(
        "UPDATE users SET removed_at = ?2, status = 'disabled', email = NULL, password_hash = NULL,
         credential_epoch = credential_epoch + 1 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Sets the password hash and starts a new credential epoch, which ends every token obtained
/// by credential exchange under the old password.
pub fn set_password_hash(conn: &dyn Conn, id: &str, hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, credential_epoch = credential_epoch + 1 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// Starts a new credential epoch: every token obtained by credential exchange or client
/// credentials so far ends.
pub fn end_credential_tokens(conn: &dyn Conn, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET credential_epoch = credential_epoch + 1 WHERE id = ?1",
        params![id],
    )?;
    Ok(())
}

/// The user's credential epoch, stamped on tokens from credential exchange.
pub fn credential_epoch(conn: &dyn Conn, id: &str) -> Result<i64> {
    conn.query_row(
        "SELECT credential_epoch FROM users WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )
}

pub fn password_hash(conn: &dyn Conn, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_opt(
            "SELECT password_hash FROM users WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?
        .flatten())
}

const ROLE_COLS: &str = "id, name, builtin, api_access, create_tokens_for_others, impersonate, \
                         manage_users, manage_settings, view_audit";

fn role_from_row(r: Row<'_>) -> Result<Role> {
    Ok(Role {
        id: r.get(0)?,
        name: r.get(1)?,
        builtin: r.get(2)?,
        permissions: Permissions {
            api_access: r.get(3)?,
            create_tokens_for_others: r.get(4)?,
            impersonate: r.get(5)?,
            manage_users: r.get(6)?,
            manage_settings: r.get(7)?,
            view_audit: r.get(8)?,
        },
    })
}

pub fn roles(conn: &dyn Conn) -> Result<Vec<Role>> {
    conn.query_map(
        &format!(
            "SELECT {ROLE_COLS} FROM roles ORDER BY CASE id WHEN 'owner' THEN 0 WHEN 'admin' THEN 1
             WHEN 'member' THEN 2 WHEN 'no_api' THEN 3 ELSE 4 END, name"
        ),
        params![],
        role_from_row,
    )
}

pub fn role(conn: &dyn Conn, id: &str) -> Result<Option<Role>> {
    conn.query_opt(
        &format!("SELECT {ROLE_COLS} FROM roles WHERE id = ?1"),
        params![id],
        role_from_row,
    )
}

/// A role's permissions; none for an unknown role id (a user can never gain by a bad role).
pub fn permissions_of(conn: &dyn Conn, role_id: &str) -> Result<Permissions> {
    Ok(role(conn, role_id)?
        .map(|r| r.permissions)
        .unwrap_or_default())
}

pub fn update_role(conn: &dyn Conn, id: &str, p: &Permissions) -> Result<()> {
    conn.execute(
        "UPDATE roles SET api_access = ?2, create_tokens_for_others = ?3, impersonate = ?4,
         manage_users = ?5, manage_settings = ?6, view_audit = ?7 WHERE id = ?1",
        params![
            id,
            p.api_access,
            p.create_tokens_for_others,
            p.impersonate,
            p.manage_users,
            p.manage_settings,
            p.view_audit
        ],
    )?;
    Ok(())
}
