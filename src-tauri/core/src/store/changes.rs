//! The `changes` table: the change feed's storage (see `feed.rs` for what it means).

use crate::clock::Millis;
use crate::feed::{Affected, Change};
use crate::Result;
use rusqlite::{params, Connection};

/// Rows kept: a follower further behind than this finds a gap and drops its whole cache.
const KEEP: i64 = 10_000;
/// Old rows are pruned once every this many appends, in the appending transaction.
const PRUNE_EVERY: i64 = 1_000;
/// Changes read in one check; a longer backlog drops the whole cache instead.
const BATCH: i64 = 2_000;

/// Appends `change` in the caller's write transaction; returns its sequence number.
pub fn append(tx: &Connection, change: &Change, at: Millis) -> Result<i64> {
    let [token, user, tenant, role] = change.ids();
    tx.prepare_cached(
        "INSERT INTO changes (at, kind, token_id, user_id, tenant_id, role_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![at, change.kind(), token, user, tenant, role])?;
    let seq = tx.last_insert_rowid();
    if seq % PRUNE_EVERY == 0 {
        tx.prepare_cached("DELETE FROM changes WHERE seq <= ?1")?
            .execute([seq - KEEP])?;
    }
    Ok(seq)
}

/// The newest sequence number (0 before the first change).
pub fn head(conn: &Connection) -> Result<u64> {
    let seq: i64 = conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM changes")?
        .query_row([], |r| r.get(0))?;
    Ok(seq as u64)
}

/// The changes after `from`, oldest first, with the last one's sequence number and what they
/// affect; `None` when there are none. A gap (rows pruned before this follower read them) or a
/// backlog longer than one batch affects everything.
///
/// The usual answer, nothing new, costs one indexed lookup of the newest row; the rows
/// themselves are read only when there are some (in a later snapshot, which can only hold more).
pub fn since(conn: &Connection, from: u64) -> Result<Option<(u64, Affected)>> {
    if head(conn)? <= from {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, token_id, user_id, tenant_id, role_id FROM changes
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![from as i64, BATCH])?;
    let mut changes = Vec::new();
    let (mut first, mut last) = (None, from);
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        first.get_or_insert(seq as u64);
        last = seq as u64;
        changes.push(Change::from_parts(
            &r.get::<_, String>(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        )?);
    }
    drop(rows);
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
