//! Queries on the `authority` table: the one row describing this token authority.

use crate::policy::ExpiryPolicy;
use crate::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone)]
pub struct AuthorityRow {
    pub id: String,
    pub display_name: String,
    pub token_prefix: String,
    pub policy: ExpiryPolicy,
    pub created_at: i64,
}

pub fn get(conn: &Connection) -> Result<Option<AuthorityRow>> {
    let row = conn
        .query_row(
            "SELECT id, display_name, token_prefix, expiry_policy, created_at FROM authority",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    row.map(|(id, display_name, token_prefix, policy, created_at)| {
        let policy = serde_json::from_str(&policy)
            .map_err(|e| Error::DatabaseCorrupt(format!("unreadable expiry policy: {e}")))?;
        Ok(AuthorityRow {
            id,
            display_name,
            token_prefix,
            policy,
            created_at,
        })
    })
    .transpose()
}

pub fn insert(conn: &Connection, a: &AuthorityRow) -> Result<()> {
    let policy = serde_json::to_string(&a.policy).map_err(|e| Error::Internal(e.to_string()))?;
    conn.execute(
        "INSERT INTO authority (id, display_name, token_prefix, expiry_policy, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.id, a.display_name, a.token_prefix, policy, a.created_at],
    )?;
    Ok(())
}
