//! Queries on token use: the counters on `tokens` and the per-day `token_usage_daily`.

use crate::clock::Millis;
use crate::Result;
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// Uses of one token counted since the last write.
pub struct Uses<'a> {
    pub count: i64,
    pub last_used_at: Millis,
    pub last_client: Option<String>,
    pub last_user_agent: Option<&'a str>,
    /// (day number since the epoch, uses that day)
    pub per_day: &'a [(i64, i64)],
}

/// Adds the uses to the token's counters; false if the token row is gone (nothing to count
/// against). The last client is the one of the latest use, whichever process wrote it.
pub fn add(tx: &Connection, id: &str, u: Uses<'_>) -> Result<bool> {
    // Both statements are prepared (cached) first, so a broken schema is an error for every
    // batch, not only for one whose token still exists.
    let mut token = tx.prepare_cached(
        "UPDATE tokens SET use_count = use_count + ?2,
           last_used_at = max(coalesce(last_used_at, 0), ?3),
           last_client = CASE WHEN ?3 >= coalesce(last_used_at, 0) THEN ?4 ELSE last_client END,
           last_user_agent = CASE WHEN ?3 >= coalesce(last_used_at, 0) THEN ?5 ELSE last_user_agent END
         WHERE id = ?1",
    )?;
    let mut daily = tx.prepare_cached(
        "INSERT INTO token_usage_daily (token_id, day, count) VALUES (?1, ?2, ?3)
         ON CONFLICT (token_id, day) DO UPDATE SET count = count + excluded.count",
    )?;
    if token.execute(params![
        id,
        u.count,
        u.last_used_at,
        u.last_client,
        u.last_user_agent
    ])? == 0
    {
        return Ok(false);
    }
    for (day, n) in u.per_day {
        daily.execute(params![id, day, n])?;
    }
    Ok(true)
}

/// The address and user agent of the token's latest use.
pub fn last_client(conn: &Connection, id: &str) -> Result<(Option<String>, Option<String>)> {
    Ok(conn
        .prepare_cached("SELECT last_client, last_user_agent FROM tokens WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Uses per day from `from` to `to` (day numbers, inclusive); days without use are absent.
pub fn per_day(conn: &Connection, id: &str, from: i64, to: i64) -> Result<HashMap<i64, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, count FROM token_usage_daily WHERE token_id = ?1 AND day >= ?2 AND day <= ?3",
    )?;
    let rows = stmt.query_map(params![id, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
