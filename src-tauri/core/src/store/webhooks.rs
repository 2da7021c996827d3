//! Queries on `webhook_endpoints`, the outbox `webhook_deliveries` and `webhook_token_events`:
//! what is owed to which endpoint, which server is sending it, and how each attempt went.

use super::sql::{Conn, ConnExt, Row};
use crate::clock::Millis;
use crate::model::*;
use crate::{params, Result};

/// An endpoint as stored: the public parts and the salts its secrets derive from.
pub struct EndpointRow {
    pub endpoint: WebhookEndpoint,
    pub salt: Vec<u8>,
    pub old_salt: Option<Vec<u8>>,
    pub old_until: Option<Millis>,
}

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.description, e.events, e.enabled, e.created_at, \
     e.rolled_at, e.salt, e.old_salt, e.old_until, \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending'), \
     (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed')";

pub fn events_text(events: &[WebhookEvent]) -> String {
    WebhookEvent::ALL
        .into_iter()
        .filter(|e| events.contains(e))
        .map(WebhookEvent::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn endpoint_row(r: Row<'_>) -> Result<EndpointRow> {
    let events: String = r.get(3)?;
    let count = |i| -> Result<u32> { Ok(r.get::<i64>(i)?.clamp(0, u32::MAX as i64) as u32) };
    Ok(EndpointRow {
        endpoint: WebhookEndpoint {
            id: r.get(0)?,
            url: r.get(1)?,
            description: r.get(2)?,
            events: events.split(' ').filter_map(WebhookEvent::parse).collect(),
            enabled: r.get(4)?,
            created_at: r.get(5)?,
            secret_rolled_at: r.get(6)?,
            pending: count(10)?,
            failed: count(11)?,
        },
        salt: r.get(7)?,
        old_salt: r.get(8)?,
        old_until: r.get(9)?,
    })
}

pub fn list(conn: &dyn Conn) -> Result<Vec<EndpointRow>> {
    conn.query_map(
        &format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e ORDER BY e.created_at, e.id"),
        params![],
        endpoint_row,
    )
}

pub fn get(conn: &dyn Conn, id: &str) -> Result<Option<EndpointRow>> {
    conn.query_opt(
        &format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.id = ?1"),
        params![id],
        endpoint_row,
    )
}

pub fn insert(conn: &dyn Conn, e: &WebhookEndpoint, salt: &[u8], created_by: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO webhook_endpoints (id, url, description, events, enabled, salt, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.id,
            e.url,
            e.description,
            events_text(&e.events),
            e.enabled,
            salt,
            e.created_at,
            created_by
        ],
    )?;
    Ok(())
}

pub fn update(conn: &dyn Conn, e: &WebhookEndpoint) -> Result<()> {
    conn.execute(
        "UPDATE webhook_endpoints SET url = ?2, description = ?3, events = ?4, enabled = ?5 WHERE id = ?1",
        params![e.id, e.url, e.description, events_text(&e.events), e.enabled],
    )?;
    Ok(())
}

/// A new salt; the previous one keeps signing until `old_until`.
pub fn roll(conn: &dyn Conn, id: &str, salt: &[u8], now: Millis, old_until: Millis) -> Result<()> {
    conn.execute(
        "UPDATE webhook_endpoints SET old_salt = salt, old_until = ?3, salt = ?2, rolled_at = ?4 WHERE id = ?1",
        params![id, salt, old_until, now],
    )?;
    Ok(())
}

pub fn delete(conn: &dyn Conn, id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM webhook_deliveries WHERE endpoint_id = ?1",
        params![id],
    )?;
    conn.execute("DELETE FROM webhook_endpoints WHERE id = ?1", params![id])?;
    Ok(())
}

/// The endpoints that take `event`, enabled or not (disabled ones collect messages and get
/// them when enabled again).
pub fn subscribed(conn: &dyn Conn, event: WebhookEvent) -> Result<Vec<String>> {
    conn.query_map(
        "SELECT id FROM webhook_endpoints WHERE (' ' || events || ' ') LIKE ?1 ORDER BY id",
        params![format!("% {} %", event.as_str())],
        |r| r.get(0),
    )
}

/// Whether any endpoint exists at all: the outbox and the sweep have nothing to do otherwise.
pub fn any(conn: &dyn Conn) -> Result<bool> {
    Ok(conn
        .query_opt("SELECT 1 FROM webhook_endpoints LIMIT 1", params![], |r| {
            r.get::<i64>(0)
        })?
        .is_some())
}

/// The earliest any endpoint was made: expiries before it were never owed to anyone.
pub fn first_created(conn: &dyn Conn) -> Result<Option<Millis>> {
    conn.query_row(
        "SELECT min(created_at) FROM webhook_endpoints",
        params![],
        |r| r.get(0),
    )
}

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub endpoint_id: &'a str,
    pub event: WebhookEvent,
    pub token_id: &'a str,
    pub token_name: &'a str,
    pub payload: &'a str,
    pub at: Millis,
}

pub fn enqueue(conn: &dyn Conn, m: NewMessage<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO webhook_deliveries (message_id, endpoint_id, event, token_id, token_name, payload, created_at, status, next_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?7)",
        params![
            m.id,
            m.endpoint_id,
            m.event.as_str(),
            m.token_id,
            m.token_name,
            m.payload,
            m.at
        ],
    )?;
    Ok(())
}

/// A message taken for sending.
pub struct Due {
    pub message_id: String,
    pub endpoint_id: String,
    pub payload: String,
    pub attempts: u32,
}

const DUE: &str = "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
     WHERE d.next_at IS NOT NULL AND d.next_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1) \
     AND e.enabled = 1";

/// Whether a message is due now (a read, so an idle server writes nothing).
pub fn any_due(conn: &dyn Conn, now: Millis) -> Result<bool> {
    Ok(conn
        .query_opt(&format!("SELECT 1 {DUE} LIMIT 1"), params![now], |r| {
            r.get::<i64>(0)
        })?
        .is_some())
}

/// Takes up to `limit` due messages, oldest due first, for this server until `lease_until`.
pub fn take_due(conn: &dyn Conn, now: Millis, lease_until: Millis, limit: u32) -> Result<Vec<Due>> {
    let due = conn.query_map(
        &format!(
            "SELECT d.message_id, d.endpoint_id, d.payload, d.attempts {DUE} \
             ORDER BY d.next_at, d.message_id LIMIT ?2"
        ),
        params![now, limit],
        |r| {
            Ok(Due {
                message_id: r.get(0)?,
                endpoint_id: r.get(1)?,
                payload: r.get(2)?,
                attempts: r.get::<i64>(3)?.max(0) as u32,
            })
        },
    )?;
    for d in &due {
        conn.execute(
            "UPDATE webhook_deliveries SET lease_until = ?3 WHERE message_id = ?1 AND endpoint_id = ?2",
            params![d.message_id, d.endpoint_id, lease_until],
        )?;
    }
    Ok(due)
}

/// How an attempt ended: `next_at` when to try again (`None`: delivered or given up).
pub struct Attempt<'a> {
    pub message_id: &'a str,
    pub endpoint_id: &'a str,
    /// The lease the attempt was made under.
    pub lease_until: Millis,
    pub at: Millis,
    pub status: DeliveryStatus,
    pub http_status: Option<u16>,
    pub error: Option<&'a str>,
    pub next_at: Option<Millis>,
}

/// Records an attempt, unless its lease was taken over meanwhile (it ran out while this server
/// was still waiting for an answer, and another one took the message) or the message is done.
pub fn record_attempt(conn: &dyn Conn, a: Attempt<'_>) -> Result<bool> {
    let status = match a.status {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
    };
    let n = conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?3, next_at = ?4, \
         lease_until = NULL, last_at = ?5, last_status = ?6, last_error = ?7 \
         WHERE message_id = ?1 AND endpoint_id = ?2 AND status = 'pending' AND lease_until = ?8",
        params![
            a.message_id,
            a.endpoint_id,
            status,
            a.next_at,
            a.at,
            a.http_status.map(i64::from),
            a.error,
            a.lease_until
        ],
    )?;
    Ok(n == 1)
}

/// The latest messages to an endpoint, newest first.
pub fn deliveries(conn: &dyn Conn, endpoint_id: &str, limit: u32) -> Result<Vec<WebhookDelivery>> {
    conn.query_map(
        "SELECT message_id, event, token_id, token_name, created_at, status, attempts, next_at, \
         last_at, last_status, last_error FROM webhook_deliveries WHERE endpoint_id = ?1 \
         ORDER BY created_at DESC, message_id DESC LIMIT ?2",
        params![endpoint_id, limit],
        |r| {
            let event: String = r.get(1)?;
            let status: String = r.get(5)?;
            Ok(WebhookDelivery {
                message_id: r.get(0)?,
                event: WebhookEvent::parse(&event).ok_or_else(|| {
                    crate::Error::DatabaseCorrupt(format!("unknown webhook event {event}"))
                })?,
                token_id: r.get(2)?,
                token_name: r.get(3)?,
                created_at: r.get(4)?,
                status: match status.as_str() {
                    "delivered" => DeliveryStatus::Delivered,
                    "failed" => DeliveryStatus::Failed,
                    _ => DeliveryStatus::Pending,
                },
                attempts: r.get::<i64>(6)?.max(0) as u32,
                next_attempt_at: r.get(7)?,
                last_attempt_at: r.get(8)?,
                last_status: r.get::<Option<i64>>(9)?.and_then(|s| u16::try_from(s).ok()),
                last_error: r.get(10)?,
            })
        },
    )
}

/// Whether a delivered or failed message older than `before` is kept (a read first, so the
/// sweep writes only when there is something to prune).
pub fn any_finished_before(conn: &dyn Conn, before: Millis) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM webhook_deliveries WHERE next_at IS NULL AND created_at < ?1 LIMIT 1",
            params![before],
            |r| r.get::<i64>(0),
        )?
        .is_some())
}

/// Forgets delivered and failed messages older than `before`.
pub fn prune(conn: &dyn Conn, before: Millis) -> Result<usize> {
    conn.execute(
        "DELETE FROM webhook_deliveries WHERE next_at IS NULL AND created_at < ?1",
        params![before],
    )
}

/// Records that an expiry event was raised; false if it had been already.
pub fn mark_token_event(
    conn: &dyn Conn,
    token_id: &str,
    event: WebhookEvent,
    days: u32,
    at: Millis,
) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO webhook_token_events (token_id, event, days, at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT DO NOTHING",
        params![token_id, event.as_str(), days, at],
    )?;
    Ok(n == 1)
}
