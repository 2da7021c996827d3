//! Queries on the `users` and `roles` tables.

use crate::model::{Permissions, Role, User, UserKind, UserStatus};
use crate::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, display_name, email, kind, role, status, created_at, \
                    password_hash IS NOT NULL, removed_at, active_tenant_id, \
                    (SELECT group_concat(tenant_id, ' ') FROM \
                       (SELECT tenant_id FROM tenant_members WHERE user_id = users.id ORDER BY tenant_id))";

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
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
            .get::<_, Option<String>>(10)?
            .map(|s| s.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

pub fn get_by_email(conn: &Connection, email: &str) -> Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM users WHERE email = ?1"),
            [email],
            from_row,
        )
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM users ORDER BY removed_at IS NOT NULL, display_name COLLATE NOCASE, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The first owner, who is the local operator until sign-in exists.
/// How many users exist, removed ones included.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

pub fn first_owner(conn: &Connection) -> Result<User> {
    conn.query_row(
        &format!(
            "SELECT {COLS} FROM users WHERE role = 'owner' AND removed_at IS NULL AND status = 'active'
             ORDER BY created_at, id LIMIT 1"
        ),
        [],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::DatabaseCorrupt("the database has no active owner".into()))
}

pub fn active_owner_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'owner' AND status = 'active' AND removed_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

pub fn insert(conn: &Connection, u: &User, password_hash: Option<&str>) -> Result<()> {
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
    conn: &Connection,
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

pub fn set_status(conn: &Connection, id: &str, active: bool) -> Result<()> {
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

pub fn mark_removed(conn: &Connection, id: &str, at: i64) -> Result<()> {
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
pub fn set_password_hash(conn: &Connection, id: &str, hash: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, credential_epoch = credential_epoch + 1 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// The user's credential epoch, stamped on tokens from credential exchange.
pub fn credential_epoch(conn: &Connection, id: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT credential_epoch FROM users WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

pub fn password_hash(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

const ROLE_COLS: &str = "id, name, builtin, api_access, create_tokens_for_others, impersonate, \
                         manage_users, manage_settings, view_audit";

fn role_from_row(r: &Row<'_>) -> rusqlite::Result<Role> {
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

pub fn roles(conn: &Connection) -> Result<Vec<Role>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROLE_COLS} FROM roles ORDER BY CASE id WHEN 'owner' THEN 0 WHEN 'admin' THEN 1
         WHEN 'member' THEN 2 WHEN 'no_api' THEN 3 ELSE 4 END, name"
    ))?;
    let rows = stmt.query_map([], role_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn role(conn: &Connection, id: &str) -> Result<Option<Role>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {ROLE_COLS} FROM roles WHERE id = ?1"))?
        .query_row([id], role_from_row)
        .optional()?)
}

/// A role's permissions; none for an unknown role id (a user can never gain by a bad role).
pub fn permissions_of(conn: &Connection, role_id: &str) -> Result<Permissions> {
    Ok(role(conn, role_id)?
        .map(|r| r.permissions)
        .unwrap_or_default())
}

pub fn update_role(conn: &Connection, id: &str, p: &Permissions) -> Result<()> {
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
