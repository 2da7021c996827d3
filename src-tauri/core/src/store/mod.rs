//! SQLite storage: one writer and a pool of WAL readers, foreign keys, numbered migrations
//! compiled into the binary, and `with_tx` as the only way to write, so a change, its audit event
//! and its change-feed row commit together.

pub mod audit;
pub mod authority;
pub mod changes;
pub mod tenants;
pub mod tokens;
pub mod usage;
pub mod users;

use crate::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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
    (include_str!("../../migrations/0005_change_feed.sql"), None),
    (
        include_str!("../../migrations/0006_name_keys.sql"),
        Some(|tx| backfill_name_keys(tx)),
    ),
];

/// Fills `name_key` for the names written before it existed.
fn backfill_name_keys(tx: &Connection) -> Result<()> {
    for table in ["tokens", "tenants"] {
        let rows: Vec<(String, String)> = tx
            .prepare(&format!("SELECT id, name FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut set = tx.prepare(&format!("UPDATE {table} SET name_key = ?2 WHERE id = ?1"))?;
        for (id, name) in rows {
            set.execute(rusqlite::params![id, crate::validate::name_key(&name)])?;
        }
    }
    Ok(())
}

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Read connections kept open: more than the service's worker threads, so a verification
/// never queues behind another read.
const READERS: u32 = 4;
/// Readers reserved for the change feed's check: one per core is plenty, as a check takes
/// about a microsecond.
const FEED_READERS: usize = 2;

pub struct Store {
    /// The one connection that writes: SQLite allows one writer at a time anyway, and a mutex
    /// in front of it is cheaper than waiting on the file lock.
    writer: Mutex<Connection>,
    /// WAL readers on their own connections, so a read never waits for a write (a usage
    /// flush, a create). `None` for a private in-memory database, read through the writer.
    readers: Option<r2d2::Pool<SqliteConnectionManager>>,
    /// Readers set aside for the change feed's check, which runs before every verification:
    /// taken with `try_lock`, so the check skips the pool's bookkeeping; the pool is the
    /// fallback when all are busy.
    feed: Vec<Mutex<Connection>>,
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
        let wal = Self::configure(&conn, busy_timeout)?;
        let mut store = Store {
            writer: Mutex::new(conn),
            readers: None,
            feed: Vec::new(),
        };
        store.migrate()?;
        if wal {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let init = move |c: &mut Connection| {
                c.busy_timeout(busy_timeout)?;
                // Readers never write: a bug that tried would fail instead of bypassing the
                // single writer and its change feed.
                c.pragma_update(None, "query_only", true)
            };
            for _ in 0..FEED_READERS {
                let mut c = Connection::open_with_flags(path, flags)?;
                init(&mut c)?;
                store.feed.push(Mutex::new(c));
            }
            let manager = SqliteConnectionManager::file(path)
                .with_flags(flags)
                .with_init(init);
            let pool = r2d2::Pool::builder()
                .max_size(READERS)
                .min_idle(Some(1))
                .test_on_check_out(false)
                .connection_timeout(busy_timeout.max(Duration::from_secs(1)))
                .build(manager)
                .map_err(|e| Error::Database(format!("cannot open read connections: {e}")))?;
            store.readers = Some(pool);
        }
        Ok(store)
    }

    /// A private in-memory database, for fast unit tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        Self::configure(&conn, Duration::from_millis(100))?;
        let store = Store {
            writer: Mutex::new(conn),
            readers: None,
            feed: Vec::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Sets the writer up; says whether the database is in WAL mode (so readers can run
    /// beside it).
    fn configure(conn: &Connection, busy_timeout: Duration) -> Result<bool> {
        conn.busy_timeout(busy_timeout)?;
        // Reading the header first turns "not a database" into a clear error before any write.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::Database(format!(
                "The database was written by a newer Tokendesk (schema {version}, this one knows {SCHEMA_VERSION}). Update Tokendesk."
            )));
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if mode != "wal" && mode != "memory" {
            log::warn!("SQLite journal mode is {mode}, not WAL");
        }
        // FULL: in WAL mode a commit is synced to disk before it returns, so whatever Tokendesk
        // reports done (a revoke, a disable) survives power loss; NORMAL may roll it back.
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(mode == "wal")
    }

    /// Applies the migrations this database lacks. The version is read again inside each
    /// write transaction, so two processes opening a new database at once migrate it once.
    fn migrate(&self) -> Result<()> {
        for (i, (sql, fixup)) in MIGRATIONS.iter().enumerate() {
            let to = i as i64 + 1;
            let applied = self.with_tx(|tx| {
                let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                if current >= to {
                    return Ok(false);
                }
                tx.execute_batch(sql)?;
                if let Some(f) = fixup {
                    f(tx)?;
                }
                tx.pragma_update(None, "user_version", to)?;
                Ok(true)
            })?;
            if applied {
                log::info!("database migrated to schema {to}");
            }
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied change: the open
        // transaction is rolled back when its guard drops, so the connection stays usable.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction on the writer: all of it commits, or none of it.
    pub fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs read-only queries on a reader without a transaction around them: each statement
    /// is its own snapshot. For the change feed's check, where one cheap statement usually
    /// answers and a `BEGIN`/`COMMIT` pair would cost more than the query.
    pub fn peek<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if let Some(conn) = self.feed.iter().find_map(|c| c.try_lock().ok()) {
            return f(&conn);
        }
        match &self.readers {
            Some(pool) => {
                let conn = pool
                    .get()
                    .map_err(|e| Error::Database(format!("no read connection: {e}")))?;
                f(&conn)
            }
            None => f(&self.lock()),
        }
    }

    /// Runs read-only queries in one read transaction (one consistent snapshot) on a reader,
    /// never waiting for the writer.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match &self.readers {
            Some(pool) => {
                let mut conn = pool
                    .get()
                    .map_err(|e| Error::Database(format!("no read connection: {e}")))?;
                let tx = conn.transaction()?;
                let out = f(&tx)?;
                tx.finish()?;
                Ok(out)
            }
            None => f(&self.lock()),
        }
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
        s.migrate().unwrap();
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

    fn written(s: &Store) -> i64 {
        s.read(|c| {
            let sql = "SELECT count(*) FROM audit_events WHERE id = 'w'";
            Ok(c.query_row(sql, [], |r| r.get(0))?)
        })
        .unwrap()
    }

    #[test]
    fn reads_do_not_wait_for_an_open_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("r.db"), Duration::from_secs(1)).unwrap();
        let (held, release) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                s.with_tx(|tx| {
                    tx.execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('w', 1, 'x', 'x', 't')", [])?;
                    held.wait();
                    release.wait();
                    Ok(())
                })
                .unwrap()
            });
            held.wait();
            // The writer holds its transaction open; a read still answers (from the snapshot
            // before it) instead of waiting for the write lock.
            assert_eq!(written(&s), 0);
            release.wait();
        });
        assert_eq!(written(&s), 1, "a commit is seen by the next read");
    }

    #[test]
    fn readers_cannot_write_and_commits_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("d.db"), Duration::from_secs(1)).unwrap();
        let r = s.read(|c| Ok(c.execute("DELETE FROM audit_events", [])?));
        assert!(r.is_err(), "a read connection refused a write");
        let sync: i64 = s
            .with_tx(|tx| Ok(tx.query_row("PRAGMA synchronous", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
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
