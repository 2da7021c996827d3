//! The PostgreSQL engine: core's storage interface (`tokendesk_core::store::sql`) on a database
//! that several Tokendesk servers share. Writers are serialised by one advisory lock, so the
//! audit chain and the change feed grow in commit order as they do on SQLite; readers use
//! repeatable-read snapshots and never wait for writers.
//!
//! The connections' sockets are driven by a small runtime of the engine's own; a query waits
//! for its answer on the calling thread without entering that runtime, so core's synchronous
//! interface works the same from a plain thread, a blocking task or an async handler.

mod listen;

pub use listen::Listener;

use bytes::BytesMut;
use futures_executor::block_on;
use std::collections::HashMap;
use std::time::Duration;
use tokendesk_core::store::sql::{
    numbered_placeholders, Conn, Dialect, Engine, Param, RawRow, Row, ToParam, ValueRef,
};
use tokendesk_core::{Error, Result};
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

/// Migrations in order; `tokendesk_schema.version` is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_sign_in_failures.sql"),
    include_str!("../migrations/0003_signing_keys.sql"),
    include_str!("../migrations/0004_oauth_clients.sql"),
    include_str!("../migrations/0005_legacy_keys.sql"),
    include_str!("../migrations/0006_rotation.sql"),
    include_str!("../migrations/0007_sort_keys.sql"),
    include_str!("../migrations/0008_expiry_alerts.sql"),
    include_str!("../migrations/0009_webhooks.sql"),
];
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock every write transaction takes first: one writer at a time across every
/// server on the database, like SQLite's write lock.
const WRITE_LOCK: i64 = 0x746f_6b65_6e64_0001;
/// Held while migrating, so servers started together migrate once.
const MIGRATE_LOCK: i64 = 0x746f_6b65_6e64_0002;
/// The channel the `changes` trigger notifies (see the migration).
pub const CHANNEL: &str = "tokendesk_changes";

/// Connections kept per server: reads run beside each other and beside the one writer.
const POOL_SIZE: u32 = 8;
/// How long a write waits for the write lock before it fails with `database_busy`, as SQLite's
/// busy timeout does.
const LOCK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a request waits for a connection (or for an unreachable database) before it fails
/// with `database_unavailable`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A database error as core's error: an unreachable database, a conflict worth retrying, or a
/// plain database error with PostgreSQL's message.
pub fn db_err(e: tokio_postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        if code.starts_with("40") || code == "55P03" {
            return Error::DatabaseBusy;
        }
        if code.starts_with("57P") || code.starts_with("08") || code.starts_with("53") {
            return Error::DatabaseUnavailable(db.message().to_string());
        }
        if code.starts_with("XX") {
            return Error::DatabaseCorrupt(db.message().to_string());
        }
        return Error::Database(db.message().to_string());
    }
    let detail = match std::error::Error::source(&e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    };
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return Error::DatabaseUnavailable(detail);
    }
    Error::Database(detail)
}

/// Why the pool could not open a connection: only the cause, as r2d2 wraps it in its own words.
#[derive(Debug)]
pub struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

fn cause(e: Error) -> ConnectError {
    ConnectError(match e {
        Error::DatabaseUnavailable(m) | Error::Database(m) | Error::Internal(m) => m,
        other => other.to_string(),
    })
}

/// Connects on the engine's runtime (the socket lives there) and waits on this thread.
fn connect(
    rt: &tokio::runtime::Handle,
    config: &tokio_postgres::Config,
    on_notification: Option<std::sync::mpsc::Sender<()>>,
) -> Result<Client> {
    let config = config.clone();
    let task = rt.spawn(async move {
        let (client, mut connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            use futures_util::StreamExt;
            while let Some(m) = messages.next().await {
                match m {
                    Ok(tokio_postgres::AsyncMessage::Notification(_)) => {
                        if let Some(tx) = &on_notification {
                            let _ = tx.send(());
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        log::warn!("PostgreSQL connection lost: {e}");
                        break;
                    }
                }
            }
        });
        Ok::<_, tokio_postgres::Error>(client)
    });
    block_on(task)
        .map_err(|e| Error::Internal(format!("the database connection task failed: {e}")))?
        .map_err(db_err)
}

/// A pooled connection with its prepared statements, which outlive transactions.
pub struct PgClient {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Manager {
    config: tokio_postgres::Config,
    rt: tokio::runtime::Handle,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgClient;
    type Error = ConnectError;

    fn connect(&self) -> std::result::Result<PgClient, ConnectError> {
        Ok(PgClient {
            client: connect(&self.rt, &self.config, None).map_err(cause)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, c: &mut PgClient) -> std::result::Result<(), ConnectError> {
        block_on(c.client.simple_query(""))
            .map(|_| ())
            .map_err(|e| cause(db_err(e)))
    }

    fn has_broken(&self, c: &mut PgClient) -> bool {
        c.client.is_closed()
    }
}

/// A parameter bound to whatever type PostgreSQL inferred for its placeholder: an integer
/// becomes `int8`, `int4` or `bool` as the column needs.
struct Bind<'a>(Param<'a>);

/// tokio-postgres logs the parameters of every statement at debug level: only their kind is
/// shown, never a value (a token name may be anything a user typed, a hash is a hash).
impl std::fmt::Debug for Bind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Param::Null => "NULL",
            Param::Int(_) => "<integer>",
            Param::Text(_) => "<text>",
            Param::Blob(_) => "<bytes>",
        })
    }
}

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

struct PgRow<'a>(&'a tokio_postgres::Row);

impl RawRow for PgRow<'_> {
    fn value(&self, i: usize) -> Result<ValueRef<'_>> {
        let r = self.0;
        let ty = r
            .columns()
            .get(i)
            .ok_or_else(|| Error::Database(format!("no column {i}")))?
            .type_()
            .clone();
        let v = match ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(ValueRef::Int)),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|x| ValueRef::Int(x.into()))),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|x| ValueRef::Int(x.into()))),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map(|x| ValueRef::Int(x.into()))),
            Type::FLOAT8 => r
                .try_get::<_, Option<f64>>(i)
                .map(|v| v.map(ValueRef::Real)),
            Type::BYTEA => r
                .try_get::<_, Option<&[u8]>>(i)
                .map(|v| v.map(ValueRef::Blob)),
            _ => r
                .try_get::<_, Option<&str>>(i)
                .map(|v| v.map(ValueRef::Text)),
        };
        Ok(v.map_err(|e| Error::Database(format!("column {i}: {e}")))?
            .unwrap_or(ValueRef::Null))
    }
}

/// A transaction, or for `peek` the bare connection (each statement its own snapshot).
enum Link<'a> {
    Bare(&'a Client),
    Tx(tokio_postgres::Transaction<'a>),
}

/// A `Link` as core's `Conn`. The statement cache is the connection's, so a query is parsed
/// once per connection, not once per transaction.
struct PgConn<'a> {
    link: Link<'a>,
    statements: std::cell::RefCell<&'a mut HashMap<String, Statement>>,
}

impl PgConn<'_> {
    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let text = numbered_placeholders(sql);
        let s = match &self.link {
            Link::Bare(c) => block_on(c.prepare(&text)),
            Link::Tx(t) => block_on(t.prepare(&text)),
        }
        .map_err(db_err)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

fn bind<'a>(params: &[&'a dyn ToParam]) -> Vec<Bind<'a>> {
    params.iter().map(|p| Bind(ToParam::to_param(*p))).collect()
}

fn refs<'a>(b: &'a [Bind<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    b.iter().map(|b| b as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize> {
        let stmt = self.statement(sql)?;
        let b = bind(params);
        let p = refs(&b);
        let n = match &self.link {
            Link::Bare(c) => block_on(c.execute(&stmt, &p)),
            Link::Tx(t) => block_on(t.execute(&stmt, &p)),
        }
        .map_err(db_err)?;
        Ok(n as usize)
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        each: &mut dyn FnMut(Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        let b = bind(params);
        let p = refs(&b);
        // All rows are fetched before the first callback, so a callback may run queries of
        // its own on this connection.
        let rows = match &self.link {
            Link::Bare(c) => block_on(c.query(&stmt, &p)),
            Link::Tx(t) => block_on(t.query(&stmt, &p)),
        }
        .map_err(db_err)?;
        for r in &rows {
            if !each(Row(&PgRow(r)))? {
                break;
            }
        }
        Ok(())
    }
}

/// Core's storage engine on one PostgreSQL database.
pub struct PgEngine {
    pool: r2d2::Pool<Manager>,
    config: tokio_postgres::Config,
    lock_timeout: Duration,
    /// Drives the sockets; shut down in the background when the engine goes, so dropping an
    /// engine is fine anywhere, an async task included.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl PgEngine {
    /// Connects, and creates or upgrades the schema (once, however many servers start at once).
    pub fn connect(url: &str) -> Result<PgEngine> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| Error::InvalidInput(format!("The database URL is not valid: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("tokendesk");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tokendesk-postgres")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the database runtime: {e}")))?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CONNECT_TIMEOUT)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(Manager {
                config: config.clone(),
                rt: runtime.handle().clone(),
            });
        let engine = PgEngine {
            pool: pool.map_err(|e| Error::DatabaseUnavailable(e.to_string()))?,
            config,
            lock_timeout: LOCK_TIMEOUT,
            runtime: Some(runtime),
        };
        engine.migrate()?;
        Ok(engine)
    }

    /// How long a write waits for another server's write before `database_busy`.
    pub fn with_lock_timeout(mut self, t: Duration) -> PgEngine {
        self.lock_timeout = t;
        self
    }

    fn client(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool
            .get()
            .map_err(|e| Error::DatabaseUnavailable(e.to_string()))
    }

    fn migrate(&self) -> Result<()> {
        let c = self.client()?;
        let client = &c.client;
        block_on(client.batch_execute(&format!(
            "SELECT pg_advisory_lock({MIGRATE_LOCK});
             CREATE TABLE IF NOT EXISTS tokendesk_schema (version BIGINT NOT NULL);"
        )))
        .map_err(db_err)?;
        let out = block_on(async {
            let version: i64 = client
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM tokendesk_schema",
                    &[],
                )
                .await
                .map_err(db_err)?
                .get(0);
            if version > SCHEMA_VERSION {
                return Err(Error::Database(format!(
                    "The database was written by a newer Tokendesk (schema {version}, this one knows {SCHEMA_VERSION}). Update Tokendesk."
                )));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                let to = i as i64 + 1;
                client
                    .batch_execute(&format!(
                        "BEGIN; {sql}; INSERT INTO tokendesk_schema (version) VALUES ({to}); COMMIT;"
                    ))
                    .await
                    .map_err(db_err)?;
                log::info!("PostgreSQL database migrated to schema {to}");
            }
            Ok(())
        });
        block_on(client.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATE_LOCK})")))
            .map_err(db_err)?;
        out
    }

    /// A connection of its own that waits for the change feed's notifications.
    pub fn listen(&self) -> Result<Listener> {
        let rt = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::Internal("the engine is shut down".into()))?;
        Listener::connect(rt.handle(), &self.config)
    }

    fn run(&self, begin: &str, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        let mut c = self.client()?;
        let PgClient { client, statements } = &mut *c;
        let tx = block_on(client.transaction()).map_err(db_err)?;
        block_on(tx.batch_execute(begin)).map_err(db_err)?;
        let conn = PgConn {
            link: Link::Tx(tx),
            statements: std::cell::RefCell::new(statements),
        };
        f(&conn)?;
        match conn.link {
            Link::Tx(tx) => block_on(tx.commit()).map_err(db_err),
            Link::Bare(_) => Ok(()),
        }
    }
}

impl Engine for PgEngine {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn feed_wakeup(&self) -> Result<Option<Box<dyn tokendesk_core::store::sql::FeedWakeup>>> {
        Ok(Some(Box::new(self.listen()?)))
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        self.run(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            f,
        )
    }

    /// The write lock first: everything the transaction reads is then the newest committed
    /// state, and no other server writes until it commits.
    fn write(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        self.run(
            &format!(
                "SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({WRITE_LOCK})",
                self.lock_timeout.as_millis().max(1)
            ),
            f,
        )
    }

    fn peek(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        let mut c = self.client()?;
        let PgClient { client, statements } = &mut *c;
        let conn = PgConn {
            link: Link::Bare(client),
            statements: std::cell::RefCell::new(statements),
        };
        f(&conn)
    }
}

/// Creates an empty database with a fresh name on the server `url` points to and returns its
/// URL: every test gets a database of its own on the one throwaway cluster.
#[doc(hidden)]
pub fn create_scratch_database(url: &str) -> Result<String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| Error::InvalidInput(format!("The database URL is not valid: {e}")))?;
    let name = format!("td_{}", scratch_suffix());
    // A thread (and runtime) of its own: the caller may be inside an async test.
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            rt.block_on(async {
                let (client, connection) = config.connect(NoTls).await.map_err(db_err)?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .map_err(db_err)
            })
        })
        .join()
        .map_err(|_| Error::Internal("creating a database panicked".into()))?
    })?;
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    Ok(if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    })
}

fn scratch_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
