//! Storage: the queries core runs (one module per table group, written once for every engine),
//! and `Store`, which runs them on an engine. `with_tx` is the only way to write, so a change,
//! its audit event and its change-feed row commit together.

pub mod audit;
pub mod authority;
pub mod changes;
pub mod clients;
pub mod sign_in;
pub mod signing_keys;
pub mod sql;
pub mod sqlite;
pub mod tenants;
pub mod tokens;
pub mod usage;
pub mod users;
pub mod webhooks;

use crate::Result;
pub use sql::{Conn, ConnExt, Dialect, Engine};
use std::path::Path;
use std::time::Duration;

/// Fills `name_key` for the names written before it existed (a SQLite migration's fixup).
fn backfill_name_keys(tx: &dyn Conn) -> Result<()> {
    for table in ["tokens", "tenants"] {
        let rows: Vec<(String, String)> = tx.query_map(
            &format!("SELECT id, name FROM {table}"),
            crate::params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let set = format!("UPDATE {table} SET name_key = ?2 WHERE id = ?1");
        for (id, name) in rows {
            tx.execute(&set, crate::params![id, crate::validate::name_key(&name)])?;
        }
    }
    Ok(())
}

/// `expr` as an ordering term that ignores case.
fn nocase(conn: &dyn Conn, expr: &str) -> String {
    match conn.dialect() {
        Dialect::Sqlite => format!("{expr} COLLATE NOCASE"),
        Dialect::Postgres => format!("lower({expr})"),
    }
}

/// The database of one authority, on whichever engine holds it.
pub struct Store {
    engine: Box<dyn Engine>,
}

impl Store {
    pub fn new(engine: impl Engine + 'static) -> Store {
        Store {
            engine: Box::new(engine),
        }
    }

    /// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Store> {
        Ok(Store::new(sqlite::SqliteEngine::open(path, busy_timeout)?))
    }

    /// A private in-memory SQLite database, for fast unit tests.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store::new(sqlite::SqliteEngine::open_in_memory()?))
    }

    /// Runs `f` in one write transaction: all of it commits, or none of it.
    pub fn with_tx<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T>) -> Result<T> {
        sql::once(|body| self.engine.write(body), f)
    }

    /// Runs read-only queries in one consistent snapshot, never waiting for the writer.
    pub fn read<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T>) -> Result<T> {
        sql::once(|body| self.engine.read(body), f)
    }

    /// The engine's wake-up for the change feed (see `Engine::feed_wakeup`).
    pub fn feed_wakeup(&self) -> Result<Option<Box<dyn sql::FeedWakeup>>> {
        self.engine.feed_wakeup()
    }

    /// Runs the change feed's check (see `Engine::peek`).
    pub fn peek<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T>) -> Result<T> {
        sql::once(|body| self.engine.peek(body), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn with_tx_rolls_back_everything_on_error() {
        let s = Store::open_in_memory().unwrap();
        let r: Result<()> = s.with_tx(|tx| {
            tx.execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('e', 1, 'a', 'a', 'test')", crate::params![])?;
            Err(Error::Internal("boom".into()))
        });
        assert!(r.is_err());
        let n: i64 = s
            .read(|c| {
                c.query_row("SELECT count(*) FROM audit_events", crate::params![], |r| {
                    r.get(0)
                })
            })
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn foreign_keys_are_enforced() {
        let s = Store::open_in_memory().unwrap();
        let r = s.with_tx(|tx| {
            tx.execute(
                "INSERT INTO tokens (id, owner_id, created_by, kind, name, created_at, token_hash, display_hint)
                 VALUES ('t', 'nobody', 'nobody', 'personal', 'n', 0, ?1, 'h')",
                crate::params![[0u8; 32]],
            )?;
            Ok(())
        });
        assert_eq!(r.unwrap_err().code(), crate::ErrorCode::Database);
    }
}
