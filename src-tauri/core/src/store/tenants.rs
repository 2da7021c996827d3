//! Queries on `tenants` and `tenant_members`: which clients or companies a user works for.

use crate::model::Tenant;
use crate::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};

fn from_row(r: &Row<'_>) -> rusqlite::Result<Tenant> {
    Ok(Tenant {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Tenant>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at FROM tenants ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Tenant>> {
    Ok(conn
        .prepare_cached("SELECT id, name, created_at FROM tenants WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?)
}

/// The tenants with these ids, in name order; unknown ids are skipped.
pub fn get_many(conn: &Connection, ids: &[String]) -> Result<Vec<Tenant>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(t) = get(conn, id)? {
            out.push(t);
        }
    }
    out.sort_by_key(|t| t.name.to_lowercase());
    Ok(out)
}

/// The name of another tenant that has `name` or one that looks the same, if any.
pub fn name_taken(
    conn: &Connection,
    name: &str,
    except_id: Option<&str>,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT name FROM tenants WHERE name_key = ?1 AND (?2 IS NULL OR id != ?2) LIMIT 1",
            params![crate::validate::name_key(name), except_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn insert(conn: &Connection, t: &Tenant) -> Result<()> {
    conn.execute(
        "INSERT INTO tenants (id, name, created_at, name_key) VALUES (?1, ?2, ?3, ?4)",
        params![
            t.id,
            t.name,
            t.created_at,
            crate::validate::name_key(&t.name)
        ],
    )?;
    Ok(())
}

pub fn rename(conn: &Connection, id: &str, name: &str) -> Result<()> {
    conn.execute(
        "UPDATE tenants SET name = ?2, name_key = ?3 WHERE id = ?1",
        params![id, name, crate::validate::name_key(name)],
    )?;
    Ok(())
}

/// Adds the membership; returns false if it existed already.
pub fn add_member(conn: &Connection, tenant_id: &str, user_id: &str) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO tenant_members (tenant_id, user_id) VALUES (?1, ?2)",
        params![tenant_id, user_id],
    )?;
    // A user's first tenant becomes their active one, so "the user's tenant" is never unset
    // while they have any.
    conn.execute(
        "UPDATE users SET active_tenant_id = ?1 WHERE id = ?2 AND active_tenant_id IS NULL",
        params![tenant_id, user_id],
    )?;
    Ok(n == 1)
}

/// Removes the membership; returns false if there was none. An active tenant that is left
/// moves to another membership (or none).
pub fn remove_member(conn: &Connection, tenant_id: &str, user_id: &str) -> Result<bool> {
    let n = conn.execute(
        "DELETE FROM tenant_members WHERE tenant_id = ?1 AND user_id = ?2",
        params![tenant_id, user_id],
    )?;
    conn.execute(
        "UPDATE users SET active_tenant_id =
            (SELECT m.tenant_id FROM tenant_members m JOIN tenants t ON t.id = m.tenant_id
             WHERE m.user_id = ?2 ORDER BY t.name COLLATE NOCASE, t.id LIMIT 1)
         WHERE id = ?2 AND active_tenant_id = ?1",
        params![tenant_id, user_id],
    )?;
    Ok(n == 1)
}

pub fn set_active(conn: &Connection, user_id: &str, tenant_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET active_tenant_id = ?2 WHERE id = ?1",
        params![user_id, tenant_id],
    )?;
    Ok(())
}
