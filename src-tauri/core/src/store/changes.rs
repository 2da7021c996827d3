//! The `changes` table: the change feed's storage (see `feed.rs` for what it means).

use super::sql::{Conn, ConnExt};
use crate::clock::Millis;
use crate::feed::{Affected, Change};
use crate::params;
use crate::Result;

/// Rows kept: a follower further behind than this finds a gap and drops its whole cache.
const KEEP: i64 = 10_000;
/// Old rows are pruned once every this many appends, in the appending transaction.
const PRUNE_EVERY: i64 = 1_000;
/// Changes read in one check; a longer backlog drops the whole cache instead.
const BATCH: i64 = 2_000;

/// Appends `change` in the caller's write transaction; returns its sequence number.
pub fn append(tx: &dyn Conn, change: &Change, at: Millis) -> Result<i64> {
    let [token, user, tenant, role] = change.ids();
    let seq: i64 = tx.query_row(
        "INSERT INTO changes (at, kind, token_id, user_id, tenant_id, role_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         RETURNING seq",
        params![at, change.kind(), token, user, tenant, role],
        |r| r.get(0),
    )?;
    if seq % PRUNE_EVERY == 0 {
        tx.execute("DELETE FROM changes WHERE seq <= ?1", params![seq - KEEP])?;
    }
    Ok(seq)
}

/// The newest sequence number (0 before the first change).
pub fn head(conn: &dyn Conn) -> Result<u64> {
    conn.query_row(
        "SELECT coalesce(max(seq), 0) FROM changes",
        params![],
        |r| r.get(0),
    )
}

/// The changes after `from`, oldest first, with the last one's sequence number and what they
/// affect; `None` when there are none. A gap (rows pruned before this follower read them) or a
/// backlog longer than one batch affects everything.
///
/// The usual answer, nothing new, costs one indexed lookup of the newest row; the rows
/// themselves are read only when there are some (in a later snapshot, which can only hold more).
pub fn since(conn: &dyn Conn, from: u64) -> Result<Option<(u64, Affected)>> {
    if head(conn)? <= from {
        return Ok(None);
    }
    let mut changes = Vec::new();
    let (mut first, mut last) = (None, from);
    conn.query_each(
        "SELECT seq, kind, token_id, user_id, tenant_id, role_id FROM changes
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        params![from as i64, BATCH],
        &mut |r| {
            let seq: u64 = r.get(0)?;
            first.get_or_insert(seq);
            last = seq;
            changes.push(Change::from_parts(
                &r.get::<String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            )?);
            Ok(true)
        },
    )?;
    let Some(first) = first else {
        return Ok(None);
    };
    if first != from + 1 || changes.len() as i64 == BATCH {
        // Missed changes (pruned) or too many to sort through: start the cache afresh, and
        // continue from the newest change.
        return Ok(Some((head(conn)?, Affected::everything())));
    }
    Ok(Some((last, Affected::of(&changes))))
}
