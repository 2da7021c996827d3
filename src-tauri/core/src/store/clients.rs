//! Queries on `oauth_clients`: the client credentials of service users, the secret only as
//! its keyed hash.

use super::sql::{Conn, ConnExt};
use crate::clock::Millis;
use crate::{params, Result};

/// The client of a user: its id, and when its secret was last set.
pub fn of_user(conn: &dyn Conn, user_id: &str) -> Result<Option<(String, Millis)>> {
    conn.query_opt(
        "SELECT client_id, rotated_at FROM oauth_clients WHERE user_id = ?1",
        params![user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// The user and secret hash of a client id.
pub fn get(conn: &dyn Conn, client_id: &str) -> Result<Option<(String, Vec<u8>)>> {
    conn.query_opt(
        "SELECT user_id, secret_hash FROM oauth_clients WHERE client_id = ?1",
        params![client_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Sets a user's client: new, or a new secret for the same client id.
pub fn put(
    conn: &dyn Conn,
    client_id: &str,
    user_id: &str,
    secret_hash: &[u8],
    now: Millis,
) -> Result<()> {
    conn.execute(
        "INSERT INTO oauth_clients (client_id, user_id, secret_hash, created_at, rotated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash,
           rotated_at = excluded.rotated_at",
        params![client_id, user_id, secret_hash, now],
    )?;
    Ok(())
}
