//! Queries on `signing_keys`: the public parts of the keys that sign JWT access tokens, and
//! when each stopped signing. The private keys are never here (see `jwt.rs`).

use super::sql::{Conn, ConnExt, Row};
use crate::clock::Millis;
use crate::{params, Result};

/// A signing key as the database knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRow {
    pub kid: String,
    pub salt: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: Millis,
    pub retired_at: Option<Millis>,
}

const COLUMNS: &str = "kid, salt, public_key, created_at, retired_at";

fn row(r: Row<'_>) -> Result<SigningKeyRow> {
    Ok(SigningKeyRow {
        kid: r.get(0)?,
        salt: r.get(1)?,
        public_key: r.get(2)?,
        created_at: r.get(3)?,
        retired_at: r.get(4)?,
    })
}

/// Every key: the one signing first, then the retired ones, most recently retired first.
pub fn list(conn: &dyn Conn) -> Result<Vec<SigningKeyRow>> {
    conn.query_map(
        &format!(
            "SELECT {COLUMNS} FROM signing_keys
             ORDER BY retired_at IS NOT NULL, retired_at DESC, created_at DESC, kid"
        ),
        params![],
        row,
    )
}

pub fn get(conn: &dyn Conn, kid: &str) -> Result<Option<SigningKeyRow>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = ?1"),
        params![kid],
        row,
    )
}

/// The key that signs now, if any.
pub fn current(conn: &dyn Conn) -> Result<Option<SigningKeyRow>> {
    conn.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at DESC, kid LIMIT 1"
        ),
        params![],
        row,
    )
}

pub fn insert(conn: &dyn Conn, k: &SigningKeyRow) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO signing_keys ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
        params![k.kid, k.salt, k.public_key, k.created_at, k.retired_at],
    )?;
    Ok(())
}

/// Every key still signing stops at `at`.
pub fn retire_all(conn: &dyn Conn, at: Millis) -> Result<usize> {
    conn.execute(
        "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL",
        params![at],
    )
}
