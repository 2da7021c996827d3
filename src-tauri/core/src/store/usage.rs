//! Queries on token use: the counters on `tokens` and the per-day `token_usage_daily`.

use super::sql::{Conn, ConnExt};
use crate::clock::Millis;
use crate::params;
use crate::Result;
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
pub fn add(tx: &dyn Conn, id: &str, u: Uses<'_>) -> Result<bool> {
    // Counters are added to, never set, so servers flushing at once all count. The newest use
    // wins the last-use columns (all are set from the row's old value).
    let changed = tx.execute(
        "UPDATE tokens SET use_count = use_count + ?2,
           last_used_at = CASE WHEN ?3 > coalesce(last_used_at, 0) THEN ?3 ELSE last_used_at END,
           last_client = CASE WHEN ?3 >= coalesce(last_used_at, 0) THEN ?4 ELSE last_client END,
           last_user_agent = CASE WHEN ?3 >= coalesce(last_used_at, 0) THEN ?5 ELSE last_user_agent END
         WHERE id = ?1",
        params![id, u.count, u.last_used_at, u.last_client, u.last_user_agent],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    for (day, n) in u.per_day {
        tx.execute(
            "INSERT INTO token_usage_daily (token_id, day, count) VALUES (?1, ?2, ?3)
             ON CONFLICT (token_id, day) DO UPDATE SET count = token_usage_daily.count + excluded.count",
            params![id, day, n],
        )?;
    }
    Ok(true)
}

/// The address and user agent of the token's latest use.
pub fn last_client(conn: &dyn Conn, id: &str) -> Result<(Option<String>, Option<String>)> {
    conn.query_row(
        "SELECT last_client, last_user_agent FROM tokens WHERE id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Uses per day from `from` to `to` (day numbers, inclusive); days without use are absent.
pub fn per_day(conn: &dyn Conn, id: &str, from: i64, to: i64) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    conn.query_each(
        "SELECT day, count FROM token_usage_daily WHERE token_id = ?1 AND day >= ?2 AND day <= ?3",
        params![id, from, to],
        &mut |r| {
            out.insert(r.get(0)?, r.get(1)?);
            Ok(true)
        },
    )?;
    Ok(out)
}
