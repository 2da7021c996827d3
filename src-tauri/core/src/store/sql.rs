//! The storage interface: what core asks of a database engine. The queries in `store/*` are
//! written once, in the SQL that SQLite and PostgreSQL share, against these traits; an engine
//! (`store/sqlite.rs`, the `tokendesk-postgres` crate) runs them and owns its connections,
//! transactions and migrations.

use crate::{Error, Result};

/// Which engine runs a statement, for the few queries that must be spelled differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a `?N` placeholder (or `?`, numbered in order). Booleans are bound as
/// 0 / 1: both schemas store flags as integers.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A column value as a row holds it, borrowed from the row.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// An owned value, for parameter lists built at run time and for cursor keys read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

pub trait ToParam {
    fn to_param(&self) -> Param<'_>;
}

impl ToParam for i64 {
    fn to_param(&self) -> Param<'_> {
        Param::Int(*self)
    }
}
impl ToParam for u32 {
    fn to_param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}
impl ToParam for bool {
    fn to_param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}
impl ToParam for str {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for String {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for [u8] {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl ToParam for Vec<u8> {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<const N: usize> ToParam for [u8; N] {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Param<'_> {
        self.as_ref().map_or(Param::Null, ToParam::to_param)
    }
}
impl ToParam for Value {
    fn to_param(&self) -> Param<'_> {
        match self {
            Value::Null => Param::Null,
            Value::Int(i) => Param::Int(*i),
            // No query binds a real; a cursor never holds one (see `tokens::to_param`).
            Value::Real(f) => Param::Int(*f as i64),
            Value::Text(s) => Param::Text(s),
            Value::Blob(b) => Param::Blob(b),
        }
    }
}

/// The parameters of one statement: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[&dyn $crate::store::sql::ToParam] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::sql::ToParam),+] as &[&dyn $crate::store::sql::ToParam] };
}
pub use params;

/// Reading a column into a Rust value.
pub trait FromColumn: Sized {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String>;
}

fn mismatch<T>(want: &str, got: ValueRef<'_>) -> std::result::Result<T, String> {
    let got = match got {
        ValueRef::Null => "NULL",
        ValueRef::Int(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    };
    Err(format!("expected {want}, found {got}"))
}

impl FromColumn for i64 {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Int(i) => Ok(i),
            v => mismatch("an integer", v),
        }
    }
}
impl FromColumn for u64 {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        let i = i64::from_column(v)?;
        u64::try_from(i).map_err(|_| format!("expected a non-negative integer, found {i}"))
    }
}
impl FromColumn for bool {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Int(i) => Ok(i != 0),
            v => mismatch("a flag", v),
        }
    }
}
impl FromColumn for String {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(s) => Ok(s.to_string()),
            v => mismatch("text", v),
        }
    }
}
impl FromColumn for Vec<u8> {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            v => mismatch("a blob", v),
        }
    }
}
impl FromColumn for Value {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(match v {
            ValueRef::Null => Value::Null,
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}
impl<T: FromColumn> FromColumn for Option<T> {
    fn from_column(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_column(v).map(Some),
        }
    }
}

/// What an engine's row offers: the value of a column by position.
pub trait RawRow {
    fn value(&self, column: usize) -> Result<ValueRef<'_>>;
}

/// One row of a result, read by column position.
#[derive(Clone, Copy)]
pub struct Row<'a>(pub &'a dyn RawRow);

impl Row<'_> {
    pub fn get<T: FromColumn>(&self, column: usize) -> Result<T> {
        T::from_column(self.0.value(column)?)
            .map_err(|e| Error::Database(format!("column {column}: {e}")))
    }
}

/// A connection inside an engine's transaction (or read snapshot). Object safe, so a query is
/// written once for every engine.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs one statement; returns the number of rows it changed.
    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize>;
    /// Runs a query and calls `each` for its rows in order until it returns false.
    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        each: &mut dyn FnMut(Row<'_>) -> Result<bool>,
    ) -> Result<()>;
}

/// The convenient forms of `Conn::query_each`.
pub trait ConnExt: Conn {
    /// The first row, or `None`.
    fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnOnce(Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.query_each(sql, params, &mut |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(false)
        })?;
        Ok(out)
    }

    /// The first row; a query that finds none is a database error (it always finds one).
    fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnOnce(Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| Error::Database("a query that always finds a row found none".into()))
    }

    /// Every row, mapped.
    fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        mut f: impl FnMut(Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query_each(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(true)
        })?;
        Ok(out)
    }
}

impl<C: Conn + ?Sized> ConnExt for C {}

/// A wake-up for the change feed's followers: says when another process may have committed
/// a change, so a server can keep answering from its cache between requests.
pub trait FeedWakeup: Send {
    /// Waits up to `timeout`; true if a change was announced. An error means the wake-up is
    /// lost (connection gone): make a new one.
    fn wait(&mut self, timeout: std::time::Duration) -> Result<bool>;
}

/// A database engine: it hands out connections for reads and for write transactions.
pub trait Engine: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// The engine's wake-up for the change feed, if it has one (PostgreSQL's LISTEN/NOTIFY).
    /// Without one, followers check the feed before every request (SQLite, where a check is
    /// a few microseconds).
    fn feed_wakeup(&self) -> Result<Option<Box<dyn FeedWakeup>>> {
        Ok(None)
    }
    /// Runs `f` in one read snapshot, never waiting for a writer.
    fn read(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()>;
    /// Runs `f` for the change feed's check: a read where each statement may be its own
    /// snapshot, on the cheapest connection the engine has.
    fn peek(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        self.read(f)
    }
    /// Runs `f` in one write transaction: all of it commits, or none of it. Writers are
    /// serialised (across processes and servers too), so a transaction sees the newest
    /// committed state and the audit chain and the change feed grow in commit order.
    fn write(&self, f: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()>;
}

/// Runs a `FnOnce` through an engine's `FnMut` callback, returning its value.
pub fn once<T>(
    run: impl FnOnce(&mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()>,
    f: impl FnOnce(&dyn Conn) -> Result<T>,
) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    run(&mut |c| {
        let f = f
            .take()
            .ok_or_else(|| Error::Internal("a transaction body ran twice".into()))?;
        out = Some(f(c)?);
        Ok(())
    })?;
    out.ok_or_else(|| Error::Internal("a transaction body did not run".into()))
}

/// `sql` with SQLite's `?N` and `?` placeholders as PostgreSQL's `$N` (a bare `?` takes the
/// next number). Text in quotes is left alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1u32;
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = if digits.is_empty() {
                    let n = next;
                    next += 1;
                    n
                } else {
                    digits.parse().unwrap_or(0)
                };
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered_placeholders("UPDATE t SET a = ?2, \"?x\" = '?' WHERE id = ?1 AND n = ?12"),
            "UPDATE t SET a = $2, \"?x\" = '?' WHERE id = $1 AND n = $12"
        );
        assert_eq!(
            numbered_placeholders("SELECT 1 WHERE a LIKE ? ESCAPE '\\' AND b = ?"),
            "SELECT 1 WHERE a LIKE $1 ESCAPE '\\' AND b = $2"
        );
    }

    #[test]
    fn options_bind_null_and_flags_bind_integers() {
        let none: Option<&str> = None;
        assert!(matches!(none.to_param(), Param::Null));
        assert!(matches!(true.to_param(), Param::Int(1)));
        assert!(matches!(Some("x").to_param(), Param::Text("x")));
    }

    #[test]
    fn columns_read_as_their_rust_types() {
        assert_eq!(bool::from_column(ValueRef::Int(1)), Ok(true));
        assert_eq!(Option::<i64>::from_column(ValueRef::Null), Ok(None));
        assert!(String::from_column(ValueRef::Int(3)).is_err());
        assert!(u64::from_column(ValueRef::Int(-1)).is_err());
    }
}
