//! The embedded engine, SQLite through rusqlite: one writer and a pool of WAL readers, foreign
//! keys, numbered migrations compiled into the binary. The default for one person.

use super::sql::{Conn, Dialect, Engine, Param, RawRow, Row, ToParam, ValueRef};
use crate::{Error, Result};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSqlOutput, ValueRef as SqlValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Migrations in order; the database's `user_version` is the number applied. Some need code
/// after their SQL (filling new columns from old data), in the same transaction.
type Fixup = fn(&dyn Conn) -> Result<()>;
const MIGRATIONS: &[(&str, Option<Fixup>)] = &[
    (include_str!("../../migrations/0001_init.sql"), None),
    (
        include_str!("../../migrations/0002_users_roles_audit_chain.sql"),
        Some(super::audit::backfill_chain),
    ),
    (include_str!("../../migrations/0003_usage.sql"), None),
    (
        include_str!("../../migrations/0004_scopes_tenants_service.sql"),
        None,
    ),
    (include_str!("../../migrations/0005_change_feed.sql"), None),
    (
        include_str!("../../migrations/0006_name_keys.sql"),
        Some(super::backfill_name_keys),
    ),
    (
        include_str!("../../migrations/0007_sign_in_failures.sql"),
        None,
    ),
    (include_str!("../../migrations/0008_signing_keys.sql"), None),
    (
        include_str!("../../migrations/0009_oauth_clients.sql"),
        None,
    ),
    (include_str!("../../migrations/0010_legacy_keys.sql"), None),
    (include_str!("../../migrations/0011_rotation.sql"), None),
    (include_str!("../../migrations/0012_sort_keys.sql"), None),
    (
        include_str!("../../migrations/0013_expiry_alerts.sql"),
        None,
    ),
    (include_str!("../../migrations/0014_webhooks.sql"), None),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Read connections kept open: more than the service's worker threads, so a verification
/// never queues behind another read.
const READERS: u32 = 4;
/// Readers reserved for the change feed's check: one per core is plenty, as a check takes
/// about a microsecond.
const FEED_READERS: usize = 2;
/// Prepared statements kept per connection: the list's filters make a few dozen shapes.
const STATEMENT_CACHE: usize = 64;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => Error::DatabaseBusy,
            Some(C::DatabaseCorrupt | C::NotADatabase) => Error::DatabaseCorrupt(e.to_string()),
            // The extended code tells which I/O or constraint failure it was.
            _ => match e.sqlite_error() {
                Some(f) => Error::Database(format!("{e} (SQLite code {})", f.extended_code)),
                None => Error::Database(e.to_string()),
            },
        }
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => SqlValueRef::Null,
            Param::Int(i) => SqlValueRef::Integer(i),
            Param::Text(s) => SqlValueRef::Text(s.as_bytes()),
            Param::Blob(b) => SqlValueRef::Blob(b),
        }))
    }
}

/// A rusqlite connection (or a transaction on one) as the storage interface's `Conn`.
pub struct SqliteConn<'a>(pub &'a Connection);

struct SqliteRow<'a, 'b>(&'a rusqlite::Row<'b>);

impl RawRow for SqliteRow<'_, '_> {
    fn value(&self, column: usize) -> Result<ValueRef<'_>> {
        Ok(match self.0.get_ref(column)? {
            SqlValueRef::Null => ValueRef::Null,
            SqlValueRef::Integer(i) => ValueRef::Int(i),
            SqlValueRef::Real(f) => ValueRef::Real(f),
            SqlValueRef::Text(t) => ValueRef::Text(
                std::str::from_utf8(t)
                    .map_err(|e| Error::Database(format!("column {column}: {e}")))?,
            ),
            SqlValueRef::Blob(b) => ValueRef::Blob(b),
        })
    }
}

fn bind<'a>(params: &[&'a dyn ToParam]) -> Vec<Param<'a>> {
    params.iter().map(|p| ToParam::to_param(*p)).collect()
}

impl Conn for SqliteConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize> {
        let params = bind(params);
        Ok(self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(params.iter()))?)
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        each: &mut dyn FnMut(Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let params = bind(params);
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            if !each(Row(&SqliteRow(r)))? {
                break;
            }
        }
        Ok(())
    }
}

pub struct SqliteEngine {
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

impl SqliteEngine {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<SqliteEngine> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let wal = Self::configure(&conn, busy_timeout)?;
        let mut engine = SqliteEngine {
            writer: Mutex::new(conn),
            readers: None,
            feed: Vec::new(),
        };
        engine.migrate()?;
        if wal {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let init = move |c: &mut Connection| {
                c.busy_timeout(busy_timeout)?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                // Readers never write: a bug that tried would fail instead of bypassing the
                // single writer and its change feed.
                c.pragma_update(None, "query_only", true)
            };
            for _ in 0..FEED_READERS {
                let mut c = Connection::open_with_flags(path, flags)?;
                init(&mut c)?;
                engine.feed.push(Mutex::new(c));
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
            engine.readers = Some(pool);
        }
        Ok(engine)
    }

    /// A private in-memory database, for fast unit tests.
    pub fn open_in_memory() -> Result<SqliteEngine> {
        let conn = Connection::open_in_memory()?;
        Self::configure(&conn, Duration::from_millis(100))?;
        let engine = SqliteEngine {
            writer: Mutex::new(conn),
            readers: None,
            feed: Vec::new(),
        };
        engine.migrate()?;
        Ok(engine)
    }

    /// Sets the writer up; says whether the database is in WAL mode (so readers can run
    /// beside it).
    fn configure(conn: &Connection, busy_timeout: Duration) -> Result<bool> {
        conn.busy_timeout(busy_timeout)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
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
            let mut conn = self.lock();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if current >= to {
                continue;
            }
            tx.execute_batch(sql)?;
            if let Some(f) = fixup {
                f(&SqliteConn(&tx))?;
            }
            tx.pragma_update(None, "user_version", to)?;
            tx.commit()?;
            log::info!("database migrated to schema {to}");
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied change: the open
        // transaction is rolled back when its guard drops, so the connection stays usable.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a raw connection of this engine, in a read transaction: for the tests of
    /// SQLite's own behaviour (pragmas, constraints) that the storage interface does not carry.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn raw<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }
}

impl Engine for SqliteEngine {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// IMMEDIATE: the write lock is taken at `BEGIN`, so the transaction never has to be
    /// retried because another process wrote between its reads and its first write.
    fn write(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&SqliteConn(&tx))?;
        tx.commit()?;
        Ok(())
    }

    /// Each statement is its own snapshot: the feed's check usually answers with one cheap
    /// statement, and a `BEGIN`/`COMMIT` pair would cost more than the query.
    fn peek(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        if let Some(conn) = self.feed.iter().find_map(|c| c.try_lock().ok()) {
            return f(&SqliteConn(&conn));
        }
        match &self.readers {
            Some(pool) => {
                let conn = pool
                    .get()
                    .map_err(|e| Error::Database(format!("no read connection: {e}")))?;
                f(&SqliteConn(&conn))
            }
            None => f(&SqliteConn(&self.lock())),
        }
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        match &self.readers {
            Some(pool) => {
                let mut conn = pool
                    .get()
                    .map_err(|e| Error::Database(format!("no read connection: {e}")))?;
                let tx = conn.transaction()?;
                f(&SqliteConn(&tx))?;
                tx.finish()?;
                Ok(())
            }
            None => f(&SqliteConn(&self.lock())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::ConnExt;
    use crate::store::Store;

    fn pragma(s: &SqliteEngine, name: &str) -> i64 {
        s.raw(|c| Ok(c.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?))
            .unwrap()
    }

    #[test]
    fn migrations_apply_once_and_set_user_version() {
        let s = SqliteEngine::open_in_memory().unwrap();
        assert_eq!(pragma(&s, "user_version"), SCHEMA_VERSION);
        assert_eq!(pragma(&s, "foreign_keys"), 1);
        s.migrate().unwrap();
        assert_eq!(pragma(&s, "user_version"), SCHEMA_VERSION);
    }

    fn written(s: &Store) -> i64 {
        s.read(|c| {
            let sql = "SELECT count(*) FROM audit_events WHERE id = 'w'";
            c.query_row(sql, crate::params![], |r| r.get(0))
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
                    tx.execute("INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES ('w', 1, 'x', 'x', 't')", crate::params![])?;
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
        let path = dir.path().join("d.db");
        let s = Store::open(&path, Duration::from_secs(1)).unwrap();
        let r = s.read(|c| c.execute("DELETE FROM audit_events", crate::params![]));
        assert!(r.is_err(), "a read connection refused a write");
        let e = SqliteEngine::open(&path, Duration::from_secs(1)).unwrap();
        assert_eq!(pragma(&e, "synchronous"), 2, "synchronous=FULL");
    }
}
