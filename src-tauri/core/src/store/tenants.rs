//! Queries on `tenants` and `tenant_members`: which clients or companies a user works for.

use super::sql::{Conn, ConnExt, Row};
use crate::model::Tenant;
use crate::params;
use crate::Result;

fn from_row(r: Row<'_>) -> Result<Tenant> {
    Ok(Tenant {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

pub fn list(conn: &dyn Conn) -> Result<Vec<Tenant>> {
    conn.query_map(
        &format!(
            "SELECT id, name, created_at FROM tenants ORDER BY {}, id",
            super::nocase(conn, "name")
        ),
        params![],
        from_row,
    )
}

pub fn get(conn: &dyn Conn, id: &str) -> Result<Option<Tenant>> {
    conn.query_opt(
        "SELECT id, name, created_at FROM tenants WHERE id = ?1",
        params![id],
        from_row,
    )
}

/// The tenants with these ids, in name order; unknown ids are skipped.
pub fn get_many(conn: &dyn Conn, ids: &[String]) -> Result<Vec<Tenant>> {
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
pub fn name_taken(conn: &dyn Conn, name: &str, except_id: Option<&str>) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT name FROM tenants WHERE name_key = ?1 AND (CAST(?2 AS TEXT) IS NULL OR id != ?2) LIMIT 1",
        params![crate::validate::name_key(name), except_id],
        |r| r.get(0),
    )
}

pub fn insert(conn: &dyn Conn, t: &Tenant) -> Result<()> {
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

pub fn rename(conn: &dyn Conn, id: &str, name: &str) -> Result<()> {
    conn.execute(
        "UPDATE tenants SET name = ?2, name_key = ?3 WHERE id = ?1",
        params![id, name, crate::validate::name_key(name)],
    )?;
    Ok(())
}

/// Adds the membership; returns false if it existed already.
pub fn add_member(conn: &dyn Conn, tenant_id: &str, user_id: &str) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO tenant_members (tenant_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
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
pub fn remove_member(conn: &dyn Conn, tenant_id: &str, user_id: &str) -> Result<bool> {
    let n = conn.execute(
        "DELETE FROM tenant_members WHERE tenant_id = ?1 AND user_id = ?2",
        params![tenant_id, user_id],
    )?;
    conn.execute(
        &format!(
            "UPDATE users SET active_tenant_id =
                (SELECT m.tenant_id FROM tenant_members m JOIN tenants t ON t.id = m.tenant_id
                 WHERE m.user_id = ?2 ORDER BY {}, t.id LIMIT 1)
             WHERE id = ?2 AND active_tenant_id = ?1",
            super::nocase(conn, "t.name")
        ),
        params![tenant_id, user_id],
    )?;
    Ok(n == 1)
}

pub fn set_active(conn: &dyn Conn, user_id: &str, tenant_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET active_tenant_id = ?2 WHERE id = ?1",
        params![user_id, tenant_id],
    )?;
    Ok(())
}
