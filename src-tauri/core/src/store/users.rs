//! Queries on the `users` table.

use crate::model::{User, UserKind, UserStatus};
use crate::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLS: &str = "id, display_name, email, kind, role, status, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let kind: String = r.get(3)?;
    let status: String = r.get(5)?;
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
        status: if status == "disabled" {
            UserStatus::Disabled
        } else {
            UserStatus::Active
        },
        created_at: r.get(6)?,
    })
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM users WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The first owner, who is the local operator until sign-in exists.
pub fn first_owner(conn: &Connection) -> Result<User> {
    conn.query_row(
        &format!("SELECT {COLS} FROM users WHERE role = 'owner' ORDER BY created_at, id LIMIT 1"),
        [],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::DatabaseCorrupt("the database has no owner user".into()))
}

pub fn insert(conn: &Connection, u: &User) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO users ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            u.id,
            u.display_name,
            u.email,
            match u.kind {
                UserKind::Human => "human",
                UserKind::Service => "service",
            },
            u.role,
            match u.status {
                UserStatus::Active => "active",
                UserStatus::Disabled => "disabled",
            },
            u.created_at
        ],
    )?;
    Ok(())
}
