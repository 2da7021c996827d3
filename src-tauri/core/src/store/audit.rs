//! The audit log: append-only and hash-chained. Each event stores the SHA-256 of the previous
//! event's hash and of its own canonical content; the authority row keeps an HMAC (keyring key)
//! of the newest hash and the count, so deleting the newest events or rewriting the whole chain
//! is detected as well as editing or deleting any row.

use super::sql::{Conn, ConnExt, Row, ToParam, Value};
use crate::model::{AuditAction, AuditEvent, AuditPage, AuditQuery, ChainReport};
use crate::params;
use crate::secret::{ExposeSecret, HashKey};
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const GENESIS: [u8; 32] = [0; 32];

pub struct NewEvent<'a> {
    pub at: i64,
    pub actor_id: &'a str,
    pub subject_id: &'a str,
    pub action: AuditAction,
    pub target_id: Option<&'a str>,
    pub details: &'a serde_json::Value,
}

/// The bytes that are hashed: a JSON array, so field boundaries cannot be shifted.
fn canonical(
    id: &str,
    at: i64,
    actor: &str,
    subject: &str,
    action: &str,
    target: Option<&str>,
    details: &str,
) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!([
        id, at, actor, subject, action, target, details
    ]))
    .expect("JSON of strings")
}

/// Canonical content of a row selected as `seq, id, at, actor_id, subject_id, action,
/// target_id, details, ...` (the column order both readers below use).
fn canonical_of_row(r: Row<'_>) -> Result<Vec<u8>> {
    let target: Option<String> = r.get(6)?;
    Ok(canonical(
        &r.get::<String>(1)?,
        r.get(2)?,
        &r.get::<String>(3)?,
        &r.get::<String>(4)?,
        &r.get::<String>(5)?,
        target.as_deref(),
        &r.get::<String>(7)?,
    ))
}

fn chain_hash(prev: &[u8], content: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(content);
    h.finalize().into()
}

fn head_mac(key: &HashKey, head: &[u8], count: i64) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key.expose_secret()).expect("any key length");
    mac.update(b"tokendesk audit head v1");
    mac.update(head);
    mac.update(&count.to_be_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn head(conn: &dyn Conn) -> Result<(Vec<u8>, i64)> {
    let last: Option<Vec<u8>> = conn
        .query_opt(
            "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            params![],
            |r| r.get(0),
        )?
        .flatten();
    let count: i64 =
        conn.query_row("SELECT count(*) FROM audit_events", params![], |r| r.get(0))?;
    Ok((last.unwrap_or_else(|| GENESIS.to_vec()), count))
}

/// Appends an event inside the caller's transaction and moves the signed head.
pub fn append(conn: &dyn Conn, key: &HashKey, e: NewEvent<'_>) -> Result<()> {
    let (prev, count) = head(conn)?;
    let id = uuid::Uuid::now_v7().to_string();
    let details = e.details.to_string();
    let hash = chain_hash(
        &prev,
        &canonical(
            &id,
            e.at,
            e.actor_id,
            e.subject_id,
            e.action.as_str(),
            e.target_id,
            &details,
        ),
    );
    conn.execute(
        "INSERT INTO audit_events (id, at, actor_id, subject_id, action, target_id, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, e.at, e.actor_id, e.subject_id, e.action.as_str(), e.target_id, details, prev, &hash[..]],
    )?;
    sign_head(conn, key, &hash, count + 1)
}

fn sign_head(conn: &dyn Conn, key: &HashKey, head: &[u8], count: i64) -> Result<()> {
    conn.execute(
        "UPDATE authority SET audit_head_mac = ?1",
        params![head_mac(key, head, count)],
    )?;
    Ok(())
}

/// Fills in the chain for events written before schema 2 (run once by that migration).
pub fn backfill_chain(conn: &dyn Conn) -> Result<()> {
    let rows: Vec<(i64, Vec<u8>)> = conn.query_map(
        "SELECT seq, id, at, actor_id, subject_id, action, target_id, details FROM audit_events ORDER BY seq",
        params![],
        |r| Ok((r.get(0)?, canonical_of_row(r)?)),
    )?;
    let mut prev = GENESIS.to_vec();
    for (seq, content) in rows {
        let hash = chain_hash(&prev, &content);
        conn.execute(
            "UPDATE audit_events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![seq, prev, &hash[..]],
        )?;
        prev = hash.to_vec();
    }
    Ok(())
}

/// After the schema-2 migration the head is not signed yet: sign it once the key is known.
pub fn sign_head_if_missing(conn: &dyn Conn, key: &HashKey) -> Result<()> {
    let missing: bool = conn.query_row(
        "SELECT audit_head_mac IS NULL FROM authority",
        params![],
        |r| r.get(0),
    )?;
    if missing {
        let (h, count) = head(conn)?;
        sign_head(conn, key, &h, count)?;
    }
    Ok(())
}

/// Walks the whole chain and reports the first event that does not match it.
pub fn verify_chain(conn: &dyn Conn, key: &HashKey) -> Result<ChainReport> {
    let mut prev = GENESIS.to_vec();
    let mut checked = 0i64;
    let mut broken = None;
    conn.query_each(
        "SELECT seq, id, at, actor_id, subject_id, action, target_id, details, prev_hash, hash
         FROM audit_events ORDER BY seq",
        params![],
        &mut |r| {
            let seq: i64 = r.get(0)?;
            let stored_prev: Option<Vec<u8>> = r.get(8)?;
            let stored_hash: Option<Vec<u8>> = r.get(9)?;
            let content = canonical_of_row(r)?;
            checked += 1;
            if stored_prev.as_deref() != Some(&prev[..]) {
                broken = Some((seq, format!("Event #{seq} does not follow the event before it: an earlier event was deleted, inserted or changed.")));
                return Ok(false);
            }
            let expected = chain_hash(&prev, &content);
            if stored_hash.as_deref() != Some(&expected[..]) {
                broken = Some((seq, format!("Event #{seq} was changed after it was written.")));
                return Ok(false);
            }
            prev = expected.to_vec();
            Ok(true)
        },
    )?;
    if let Some((seq, problem)) = broken {
        return Ok(ChainReport {
            ok: false,
            events_checked: checked,
            broken_at: Some(seq),
            problem: Some(problem),
        });
    }
    let signed: Option<Vec<u8>> =
        conn.query_row("SELECT audit_head_mac FROM authority", params![], |r| {
            r.get(0)
        })?;
    if signed.as_deref() != Some(&head_mac(key, &prev, checked)[..]) {
        return Ok(ChainReport {
            ok: false,
            events_checked: checked,
            broken_at: None,
            problem: Some("The newest events were deleted, or the whole log was rewritten: the signed head does not match.".into()),
        });
    }
    Ok(ChainReport {
        ok: true,
        events_checked: checked,
        broken_at: None,
        problem: None,
    })
}

fn from_row(r: Row<'_>) -> Result<AuditEvent> {
    let hash: Option<Vec<u8>> = r.get(8)?;
    Ok(AuditEvent {
        seq: r.get(0)?,
        id: r.get(1)?,
        at: r.get(2)?,
        actor_id: r.get(3)?,
        subject_id: r.get(4)?,
        action: {
            let a: String = r.get(5)?;
            AuditAction::parse(&a).ok_or_else(|| {
                Error::Database(format!("unknown audit action \u{201c}{a}\u{201d}"))
            })?
        },
        target_id: r.get(6)?,
        details: r.get(7)?,
        hash: hash
            .map(|h| h.iter().map(|b| format!("{b:02x}")).collect())
            .unwrap_or_default(),
    })
}

const COLS: &str = "seq, id, at, actor_id, subject_id, action, target_id, details, hash";

pub fn list_for_target(conn: &dyn Conn, target_id: Option<&str>) -> Result<Vec<AuditEvent>> {
    conn.query_map(
        &format!("SELECT {COLS} FROM audit_events WHERE CAST(?1 AS TEXT) IS NULL OR target_id = ?1 ORDER BY seq"),
        params![target_id],
        from_row,
    )
}

/// One page, newest first, filtered.
pub fn query(conn: &dyn Conn, q: &AuditQuery, max: u32) -> Result<AuditPage> {
    let limit = match q.limit {
        0 => 100,
        n if n <= max => n,
        _ => {
            return Err(Error::InvalidInput(format!(
                "A page holds at most {max} events."
            )))
        }
    };
    let mut sql = format!("SELECT {COLS} FROM audit_events WHERE 1 = 1");
    let mut args: Vec<Value> = vec![];
    let mut add = |cond: &str, v: Value| {
        sql.push_str(cond);
        args.push(v);
    };
    if let Some(a) = &q.actor_id {
        add(" AND actor_id = ?", Value::Text(a.clone()));
    }
    if let Some(s) = &q.subject_id {
        add(" AND subject_id = ?", Value::Text(s.clone()));
    }
    if let Some(a) = &q.action {
        add(" AND action = ?", Value::Text(a.as_str().into()));
    }
    if let Some(f) = q.from {
        add(" AND at >= ?", Value::Int(f));
    }
    if let Some(t) = q.to {
        add(" AND at < ?", Value::Int(t));
    }
    if let Some(b) = q.before_seq {
        add(" AND seq < ?", Value::Int(b));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit + 1));
    let args: Vec<&dyn ToParam> = args.iter().map(|a| a as &dyn ToParam).collect();
    let mut items: Vec<AuditEvent> = conn.query_map(&sql, &args, from_row)?;
    let next_before = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(AuditPage { items, next_before })
}
