//! SQLite storage: one connection, WAL, foreign keys, numbered migrations compiled into the
//! binary, and `with_tx` as the only way to write, so a change and its audit event commit together.

pub mod audit;
pub mod authority;
pub mod tenants;
pub mod tokens;
pub mod users;
mod watch;

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Migrations in order; the database's `user_version` is the number applied.
/// Migrations in order; the database's `user_version` is the number applied. Some need code
/// after their SQL (filling new columns from old data), in the same transaction.
type Fixup = fn(&Transaction<'_>) -> Result<()>;
const MIGRATIONS: &[(&str, Option<Fixup>)] = &[
    (include_str!("../../migrations/0001_init.sql"), None),
    (
        include_str!("../../migrations/0002_users_roles_audit_chain.sql"),
        Some(|tx| audit::backfill_chain(tx)),
    ),
    (include_str!("../../migrations/0003_usage.sql"), None),
    (
        include_str!("../../migrations/0004_scopes_tenants_service.sql"),
        None,
    ),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    /// Declared first so it is dropped first: the `-shm` map must not outlive the connection
    /// that keeps the file from being truncated.
    foreign: watch::ForeignWatch,
    conn: Mutex<Connection>,
    /// Counts committed transactions. Caches of what the database says (verified tokens) are
    /// valid while it is unchanged; it moves after the commit and before `with_tx` returns, so
    /// no reader can keep using a cached answer once a change has been reported done.
    generation: AtomicU64,
}

/// What `Store::version` returns: equal values mean nothing was committed in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    ours: u64,
    foreign: watch::Fingerprint,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Store> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let (mut store, wal) = Self::configure(conn, busy_timeout)?;
        // A leftover -shm beside a database not in WAL mode would never change: watch by
        // pragma then.
        store.foreign = if wal {
            watch::ForeignWatch::open(path, busy_timeout)?
        } else {
            watch::ForeignWatch::pragma(path, busy_timeout)?
        };
        Ok(store)
    }

    /// A private in-memory database, for fast unit tests.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Self::configure(Connection::open_in_memory()?, Duration::from_millis(100))?.0)
    }

    /// Sets the connection up and migrates; also says whether the database is in WAL mode.
    fn configure(conn: Connection, busy_timeout: Duration) -> Result<(Store, bool)> {
        conn.busy_timeout(busy_timeout)?;
        // Reading the header first turns "not a database" into a clear error before any write.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if mode != "wal" && mode != "memory" {
            log::warn!("SQLite journal mode is {mode}, not WAL");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        if version > SCHEMA_VERSION {
            return Err(Error::Database(format!(
                "The database was written by a newer Tokendesk (schema {version}, this one knows {SCHEMA_VERSION}). Update Tokendesk."
            )));
        }
        let store = Store {
            conn: Mutex::new(conn),
            generation: AtomicU64::new(0),
            foreign: watch::ForeignWatch::Nobody,
        };
        store.migrate(version)?;
        Ok((store, mode == "wal"))
    }

    fn migrate(&self, from: i64) -> Result<()> {
        for (i, (sql, fixup)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let to = i as i64 + 1;
            self.with_tx(|tx| {
                tx.execute_batch(sql)?;
                if let Some(f) = fixup {
                    f(tx)?;
                }
                tx.pragma_update(None, "user_version", to)?;
                Ok(())
            })?;
            log::info!("database migrated to schema {to}");
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied change: the open
        // transaction is rolled back when its guard drops, so the connection stays usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction: all of it commits, or none of it.
    pub fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(out)
    }

    /// Changes whenever anything was committed to the database, by this process or another.
    /// Read it *before* reading the data a cache entry is built from, and compare it again
    /// before using the entry.
    pub fn version(&self) -> Result<Version> {
        Ok(Version {
            ours: self.generation.load(Ordering::Acquire),
            foreign: self.foreign.fingerprint()?,
        })
    }

    /// Runs read-only queries on the connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_set_user_version() {
        let s = Store::open_in_memory().unwrap();
        let v: i64 = s
            .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let fk: i64 = s
            .read(|c| Ok(c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(fk, 1);
        s.migrate(SCHEMA_VERSION).unwrap();
    }

    #[test]
    fn with_tx_rolls_back_everything_on_error() {
        let s = Store::open_in_memory().unwrap();
        let r: Result<()> = s.with_tx(|tx| {
            tx.execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('e', 1, 'a', 'a', 'test')", [])?;
            Err(Error::Internal("boom".into()))
        });
        assert!(r.is_err());
        let n: i64 = s
            .read(|c| Ok(c.query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn version_moves_on_commits_of_this_and_of_other_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        let s = Store::open(&path, Duration::from_secs(1)).unwrap();
        let v0 = s.version().unwrap();
        assert_eq!(s.version().unwrap(), v0, "no commit, no change");
        s.with_tx(|tx| {
            tx.execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('a', 1, 'x', 'x', 't')", [])?;
            Ok(())
        })
        .unwrap();
        let v1 = s.version().unwrap();
        assert_ne!(v1, v0, "our own commit");
        // Another connection stands for another process (the CLI) writing the same file.
        let other = Connection::open(&path).unwrap();
        other
            .execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('b', 1, 'x', 'x', 't')", [])
            .unwrap();
        let v2 = s.version().unwrap();
        assert_ne!(v2, v1, "a commit by another connection");
        assert_eq!(s.version().unwrap(), v2);
    }

    #[test]
    fn foreign_keys_are_enforced() {
        let s = Store::open_in_memory().unwrap();
        let r = s.with_tx(|tx| {
            tx.execute(
                "INSERT INTO tokens (id, owner_id, created_by, kind, name, created_at, token_hash, display_hint)
                 VALUES ('t', 'nobody', 'nobody', 'personal', 'n', 0, zeroblob(32), 'h')",
                [],
            )?;
            Ok(())
        });
        assert_eq!(r.unwrap_err().code(), crate::ErrorCode::Database);
    }
}
