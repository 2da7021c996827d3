//! Queries on `sign_in_failures`: the counts the sign-in rate limit keeps per account and per
//! client address, shared by every process on the database.

use super::sql::{Conn, ConnExt};
use crate::clock::Millis;
use crate::{params, Result};

/// Failures counted for `key` and when the next attempt is allowed; none if there were none.
pub fn get(conn: &dyn Conn, key: &str) -> Result<Option<(u32, Millis)>> {
    conn.query_opt(
        "SELECT count, next_allowed FROM sign_in_failures WHERE key = ?1",
        params![key],
        |r| Ok((r.get::<i64>(0)?.clamp(0, u32::MAX as i64) as u32, r.get(1)?)),
    )
}

pub fn put(
    conn: &dyn Conn,
    key: &str,
    count: u32,
    next_allowed: Millis,
    now: Millis,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sign_in_failures (key, count, next_allowed, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET count = excluded.count,
           next_allowed = excluded.next_allowed, updated_at = excluded.updated_at",
        params![key, count, next_allowed, now],
    )?;
    Ok(())
}

pub fn delete(conn: &dyn Conn, key: &str) -> Result<()> {
    conn.execute("DELETE FROM sign_in_failures WHERE key = ?1", params![key])?;
    Ok(())
}

/// Forgets counts not touched since `before` (bounded storage under a flood of addresses).
pub fn prune(conn: &dyn Conn, before: Millis) -> Result<()> {
    conn.execute(
        "DELETE FROM sign_in_failures WHERE updated_at < ?1 AND next_allowed < ?1",
        params![before],
    )?;
    Ok(())
}
