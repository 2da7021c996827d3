//! Queries on the `tokens` table, including the keyset-paginated list.

use super::sql::{Conn, ConnExt, Dialect, Row, ToParam, Value};
use crate::clock::Millis;
use crate::model::{
    ListCount, ListPage, ListQuery, Scope, SortDir, SortKey, TokenKind, TokenMeta, TokenStatus,
};
use crate::params;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

const INSERT_COLS: &str = "id, owner_id, created_by, kind, name, description, created_at, expires_at, \
                           revoked_at, revoked_by, revoke_reason, last_used_at, use_count, display_hint";
/// SQL for "the owner can use this token": active, not removed, their role has API access,
/// same credential epoch,
/// (for a token limited to tenants) still a member of at least one of them, and (for an
/// impersonation token) its creator still active and allowed to impersonate.
macro_rules! owner_ok {
    () => {
        "(o.status = 'active' AND o.removed_at IS NULL \
          AND EXISTS (SELECT 1 FROM roles ro WHERE ro.id = o.role AND ro.api_access = 1) \
          AND (t.credential_epoch IS NULL OR t.credential_epoch = o.credential_epoch) \
          AND (NOT EXISTS (SELECT 1 FROM token_tenants tt WHERE tt.token_id = t.id) \
               OR EXISTS (SELECT 1 FROM token_tenants tt JOIN tenant_members m \
                          ON m.tenant_id = tt.tenant_id AND m.user_id = t.owner_id \
                          WHERE tt.token_id = t.id)) \
          AND (t.kind != 'impersonation' \
               OR (c.status = 'active' AND c.removed_at IS NULL \
                   AND EXISTS (SELECT 1 FROM roles r WHERE r.id = c.role AND r.impersonate = 1))))"
    };
}
/// Every read joins the owner and the creator: names for the UI, status for `Suspended`.
const COLS: &str = concat!(
    "t.id, t.owner_id, t.created_by, t.kind, t.name, t.description, t.created_at, \
     t.expires_at, t.revoked_at, t.revoked_by, t.revoke_reason, t.last_used_at, \
     t.use_count, t.display_hint, o.display_name, c.display_name, ",
    owner_ok!(),
    ", t.scopes, \
     (SELECT string_agg(tenant_id, ' ') FROM token_tenants WHERE token_id = t.id), t.legacy, \
     t.rotated_from, t.rotated_to"
);
const JOINS: &str = "JOIN users o ON o.id = t.owner_id JOIN users c ON c.id = t.created_by";
/// Number of columns in COLS; the sort keys of a list follow them.
const NCOLS: usize = 22;
const OWNER_OK: &str = owner_ok!();

pub const LIMIT_DEFAULT: u32 = 50;
pub const LIMIT_MAX: u32 = 200;
pub const SEARCH_MAX: usize = 200;
/// The largest day count the `expiringWithinDays` and `unusedForDays` filters take (100 years).
pub const DAYS_MAX: u32 = 36_500;

/// A value this version does not know (a newer version wrote it, or the file was edited) is an
/// error, never read as something else: an unknown kind is not a personal token, an unknown
/// scope does not vanish from a list.
fn unknown(column: usize, what: &str, value: &str) -> Error {
    Error::Database(format!(
        "column {column}: unknown {what} \u{201c}{value}\u{201d}"
    ))
}

fn from_row(r: Row<'_>, now: Millis) -> Result<TokenMeta> {
    let kind: String = r.get(3)?;
    let kind = match TokenKind::parse(&kind) {
        _ if r.get::<i64>(19)? != 0 => TokenKind::Legacy,
        Some(TokenKind::Legacy) | None => return Err(unknown(3, "token kind", &kind)),
        Some(k) => k,
    };
    let expires_at: Option<i64> = r.get(7)?;
    let revoked_at: Option<i64> = r.get(8)?;
    Ok(TokenMeta {
        id: r.get(0)?,
        owner_id: r.get(1)?,
        created_by: r.get(2)?,
        kind,
        name: r.get(4)?,
        description: r.get(5)?,
        created_at: r.get(6)?,
        expires_at,
        revoked_at,
        revoked_by: r.get(9)?,
        revoke_reason: r.get(10)?,
        last_used_at: r.get(11)?,
        use_count: r.get(12)?,
        display_hint: r.get(13)?,
        owner_name: r.get(14)?,
        created_by_name: r.get(15)?,
        status: match TokenStatus::derive(revoked_at, expires_at, now) {
            TokenStatus::Active if !r.get::<bool>(16)? => TokenStatus::Suspended,
            s => s,
        },
        scopes: r
            .get::<Option<String>>(17)?
            .map(|s| {
                s.split(' ')
                    .map(|x| Scope::parse(x).ok_or_else(|| unknown(17, "scope", x)))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?,
        tenant_ids: r
            .get::<Option<String>>(18)?
            .map(|s| s.split(' ').map(str::to_string).collect()),
        rotated_from: r.get(20)?,
        rotated_to: r.get(21)?,
    })
}

/// The stored form of a scope list: space-separated, sorted, like OAuth's `scope`.
pub fn scopes_text(scopes: &[Scope]) -> String {
    let mut v: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v.join(" ")
}

pub struct NewToken<'a> {
    pub meta: &'a TokenMeta,
    pub hash: &'a [u8; 32],
    /// Set for tokens from credential exchange: valid while the owner's epoch is unchanged.
    pub credential_epoch: Option<i64>,
}

pub fn insert(conn: &dyn Conn, t: NewToken<'_>) -> Result<()> {
    let m = t.meta;
    conn.execute(
        &format!(
            "INSERT INTO tokens ({INSERT_COLS}, token_hash, credential_epoch, scopes, name_key, legacy, rotated_from, sort_key) \
                  VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)"
        ),
        params![
            m.id,
            m.owner_id,
            m.created_by,
            // A legacy key is marked by its own column; `kind` keeps a value its CHECK knows.
            if m.kind == TokenKind::Legacy { TokenKind::Personal.as_str() } else { m.kind.as_str() },
            m.name,
            m.description,
            m.created_at,
            m.expires_at,
            m.revoked_at,
            m.revoked_by,
            m.revoke_reason,
            m.last_used_at,
            m.use_count,
            m.display_hint,
            &t.hash[..],
            t.credential_epoch,
            m.scopes.as_deref().map(scopes_text),
            crate::validate::name_key(&m.name),
            (m.kind == TokenKind::Legacy) as i64,
            m.rotated_from,
            crate::validate::sort_key(&m.name),
        ],
    )?;
    for tenant in m.tenant_ids.iter().flatten() {
        conn.execute(
            "INSERT INTO token_tenants (token_id, tenant_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![m.id, tenant],
        )?;
    }
    Ok(())
}

pub fn get(conn: &dyn Conn, id: &str, now: Millis) -> Result<Option<TokenMeta>> {
    conn.query_opt(
        &format!("SELECT {COLS} FROM tokens t {JOINS} WHERE t.id = ?1"),
        params![id],
        |r| from_row(r, now),
    )
}

pub fn get_by_hash(conn: &dyn Conn, hash: &[u8; 32], now: Millis) -> Result<Option<TokenMeta>> {
    conn.query_opt(
        &format!("SELECT {COLS} FROM tokens t {JOINS} WHERE t.token_hash = ?1"),
        params![hash],
        |r| from_row(r, now),
    )
}

/// The credential epoch a token from credential exchange is bound to (`None` for others).
pub fn credential_epoch(conn: &dyn Conn, id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_opt(
            "SELECT credential_epoch FROM tokens WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?
        .flatten())
}

/// Is `name` used by another non-revoked token of this owner? (Case-insensitive.)
/// The name of another live token of this owner that has `name` or a name that looks the
/// same (`validate::name_key`), if there is one.
pub fn live_name_taken(
    conn: &dyn Conn,
    owner_id: &str,
    name: &str,
    except_id: Option<&str>,
) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT name FROM tokens WHERE owner_id = ?1 AND name_key = ?2 AND revoked_at IS NULL
         AND legacy = 0 AND rotated_to IS NULL AND (CAST(?3 AS TEXT) IS NULL OR id != ?3) LIMIT 1",
        params![owner_id, crate::validate::name_key(name), except_id],
        |r| r.get(0),
    )
}

/// Links a rotated token to its successor and ends it at `expires_at` (its grace).
pub fn mark_rotated(conn: &dyn Conn, id: &str, successor: &str, expires_at: Millis) -> Result<()> {
    let n = conn.execute(
        "UPDATE tokens SET rotated_to = ?2, expires_at = ?3 WHERE id = ?1 AND rotated_to IS NULL",
        params![id, successor, expires_at],
    )?;
    if n == 1 {
        Ok(())
    } else {
        Err(Error::AlreadyRotated)
    }
}

/// Fills `sort_key` for names written before it existed; a no-op once done, so every open of
/// an authority can call it (a SQL migration cannot compute the key).
pub fn fill_sort_keys(tx: &dyn Conn) -> Result<()> {
    let rows: Vec<(String, String)> = tx.query_map(
        "SELECT id, name FROM tokens WHERE sort_key = ''",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (id, name) in &rows {
        tx.execute(
            "UPDATE tokens SET sort_key = ?2 WHERE id = ?1",
            params![id, crate::validate::sort_key(name)],
        )?;
    }
    if !rows.is_empty() {
        log::info!("filled the name sort key of {} tokens", rows.len());
    }
    Ok(())
}

pub fn rename(conn: &dyn Conn, id: &str, name: &str) -> Result<()> {
    conn.execute(
        "UPDATE tokens SET name = ?2, name_key = ?3, sort_key = ?4 WHERE id = ?1",
        params![
            id,
            name,
            crate::validate::name_key(name),
            crate::validate::sort_key(name)
        ],
    )?;
    Ok(())
}

pub fn revoke(conn: &dyn Conn, id: &str, at: Millis, by: &str, reason: Option<&str>) -> Result<()> {
    let n = conn.execute(
        "UPDATE tokens SET revoked_at = ?2, revoked_by = ?3, revoke_reason = ?4
         WHERE id = ?1 AND revoked_at IS NULL",
        params![id, at, by, reason],
    )?;
    if n == 1 {
        Ok(())
    } else {
        Err(Error::AlreadyRevoked)
    }
}

/// The sort expressions, matching the indexes in the migration exactly so SQLite walks an
/// index instead of sorting. Status order (active, expired, revoked) is derived from columns
/// rather than the clock: not revoked first, then latest expiry first.
fn sort_exprs(key: SortKey, dialect: Dialect) -> &'static [&'static str] {
    match key {
        // validate::sort_key, compared byte by byte (PostgreSQL's column is COLLATE "C").
        SortKey::Name => &["t.sort_key"],
        SortKey::Created => &["t.created_at"],
        SortKey::Expires => &["coalesce(t.expires_at, 9223372036854775807)"],
        SortKey::LastUsed => &["coalesce(t.last_used_at, 0)"],
        // PostgreSQL compares a boolean only with a boolean; the cursor holds an integer.
        SortKey::Status if dialect == Dialect::Postgres => &[
            "(t.revoked_at IS NOT NULL)::int",
            "-coalesce(t.expires_at, 9223372036854775807)",
        ],
        SortKey::Status => &[
            "t.revoked_at IS NOT NULL",
            "-coalesce(t.expires_at, 9223372036854775807)",
        ],
    }
}

/// The position after the last row of a page. Carries the sort so a cursor cannot be replayed
/// against a different ordering.
#[derive(Serialize, Deserialize)]
struct Cursor {
    s: SortKey,
    d: SortDir,
    k: Vec<serde_json::Value>,
    id: String,
}

fn to_param(v: &serde_json::Value) -> Option<Value> {
    match v {
        serde_json::Value::String(s) => Some(Value::Text(s.clone())),
        serde_json::Value::Number(n) => n.as_i64().map(Value::Int),
        _ => None,
    }
}

fn to_json(v: Value) -> serde_json::Value {
    match v {
        Value::Int(i) => i.into(),
        Value::Text(s) => s.into(),
        Value::Real(f) => f.into(),
        Value::Null | Value::Blob(_) => serde_json::Value::Null,
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Above this many hits, walking the sort index beats sorting the hits.
const FEW_HITS: i64 = 2_000;

enum Search {
    None,
    /// A quoted FTS5 phrase, for at most `FEW_HITS` matches.
    FewHits(String),
    ManyHits(String),
    /// A LIKE pattern: the trigram index needs at least three characters (and PostgreSQL has
    /// no FTS5 table).
    Like(String),
    /// Text no token can hold (a NUL byte, which FTS5 and LIKE would both cut short).
    Nothing,
}

fn search_plan(conn: &dyn Conn, text: Option<&str>) -> Result<Search> {
    if text.is_some_and(|t| t.chars().count() > SEARCH_MAX) {
        return Err(Error::InvalidInput(format!(
            "The search text has at most {SEARCH_MAX} characters."
        )));
    }
    let Some(s) = text.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Search::None);
    };
    let len = s.chars().count();
    if s.contains('\0') {
        return Ok(Search::Nothing);
    }
    if len < 3 || conn.dialect() == Dialect::Postgres {
        return Ok(Search::Like(escape_like(s)));
    }
    // A quoted phrase of the trigram tokenizer is a case-insensitive substring match.
    let phrase = format!("\"{}\"", s.replace('"', "\"\""));
    let hits: i64 = conn.query_row(
        "SELECT count(*) FROM (SELECT 1 FROM tokens_search WHERE tokens_search MATCH ?1 LIMIT ?2)",
        params![phrase, FEW_HITS + 1],
        |r| r.get(0),
    )?;
    Ok(if hits <= FEW_HITS {
        Search::FewHits(phrase)
    } else {
        Search::ManyHits(phrase)
    })
}

/// Which tokens a list may show.
#[derive(Clone, Copy)]
pub struct Visibility<'a> {
    /// Only this owner's; `None`: every owner's.
    pub owner_id: Option<&'a str>,
    pub hidden_kinds: &'a [TokenKind],
    /// Hide the impersonation tokens made for this user (never shown to their subject).
    pub hide_impersonation_of: Option<&'a str>,
    /// Legacy API keys only (the Migration screen), or none of them (every token list).
    pub legacy: bool,
}

/// One page of the tokens `v` allows.
/// Counts stop here: an exact number costs a walk over every match, and past this many a
/// person reads "10,000+" the same as the exact figure.
pub const COUNT_MAX: u32 = 10_000;

/// One page of a token list. `counted`: also the bounded counts of the tokens the list may show
/// and of those the filters match (bulk revoke, which walks every page, does without).
pub fn list(
    conn: &dyn Conn,
    v: Visibility<'_>,
    q: &ListQuery,
    now: Millis,
    counted: bool,
) -> Result<ListPage> {
    let limit = match q.limit {
        0 => LIMIT_DEFAULT,
        n if n <= LIMIT_MAX => n,
        _ => {
            return Err(Error::InvalidInput(format!(
                "A page holds at most {LIMIT_MAX} items."
            )))
        }
    };
    if [q.expiring_within_days, q.unused_for_days]
        .iter()
        .flatten()
        .any(|d| *d > DAYS_MAX)
    {
        return Err(Error::InvalidInput(format!(
            "A day filter takes at most {DAYS_MAX} days."
        )));
    }
    let given = |c: &Option<String>| c.as_deref().filter(|c| !c.is_empty()).map(str::to_owned);
    // Which page: after a cursor (or the first), before a cursor, or the last. The last two
    // read the sort order backwards and turn the rows round.
    let (after, before) = (given(&q.cursor), given(&q.before));
    let backwards = before.is_some() || q.last;
    if [after.is_some(), before.is_some(), q.last]
        .iter()
        .filter(|x| **x)
        .count()
        > 1
    {
        return Err(Error::InvalidInput(
            "Ask for one page: after a cursor, before a cursor, or the last.".into(),
        ));
    }
    let exprs = sort_exprs(q.sort, conn.dialect());
    let mut select = format!("SELECT {COLS}");
    for (i, e) in exprs.iter().enumerate() {
        select.push_str(&format!(", {e} AS k{i}"));
    }
    let mut from = format!(" FROM tokens t {JOINS}");
    let mut from_args: Vec<Value> = vec![];
    // What the list may show (the total), then what the filters keep (the matches).
    let (mut shown, mut shown_args): (Vec<String>, Vec<Value>) = (vec![], vec![]);
    let (mut kept, mut kept_args): (Vec<String>, Vec<Value>) = (vec![], vec![]);
    match search_plan(conn, q.search.as_deref())? {
        Search::None => {}
        Search::FewHits(phrase) => {
            // Few matches: start from the hits and sort them (CROSS JOIN fixes the loop order).
            from = format!(
                " FROM (SELECT rowid AS hit FROM tokens_search WHERE tokens_search MATCH ?) AS m \
                 CROSS JOIN tokens t ON t.seq = m.hit {JOINS}"
            );
            from_args.push(Value::Text(phrase));
        }
        Search::ManyHits(phrase) => {
            // Many matches: walk the sort index and stop after one page.
            kept.push(
                "t.seq IN (SELECT rowid FROM tokens_search WHERE tokens_search MATCH ?)".into(),
            );
            kept_args.push(Value::Text(phrase));
        }
        Search::Nothing => kept.push("1 = 0".into()),
        Search::Like(pat) => {
            // SQLite's LIKE ignores case (ASCII); PostgreSQL's needs ILIKE.
            let like = match conn.dialect() {
                Dialect::Sqlite => "LIKE",
                Dialect::Postgres => "ILIKE",
            };
            kept.push(format!(
                "(t.name {like} ? ESCAPE '\\' OR t.description {like} ? ESCAPE '\\')"
            ));
            kept_args.push(Value::Text(pat.clone()));
            kept_args.push(Value::Text(pat));
        }
    }
    shown_conds(&v, &mut shown, &mut shown_args);
    let mut cond = |sql: &str, vals: Vec<Value>| {
        kept.push(sql.to_string());
        kept_args.extend(vals);
    };
    if let Some(k) = q.kind {
        cond("t.kind = ?", vec![Value::Text(k.as_str().into())]);
    }
    let not_expired = "(t.expires_at IS NULL OR t.expires_at > ?)";
    match q.status {
        None => {}
        Some(TokenStatus::Revoked) => cond("t.revoked_at IS NOT NULL", vec![]),
        Some(TokenStatus::Expired) => cond(
            "t.revoked_at IS NULL AND t.expires_at <= ?",
            vec![Value::Int(now)],
        ),
        Some(TokenStatus::Active) => cond(
            &format!("t.revoked_at IS NULL AND {not_expired} AND {OWNER_OK}"),
            vec![Value::Int(now)],
        ),
        Some(TokenStatus::Suspended) => cond(
            &format!("t.revoked_at IS NULL AND {not_expired} AND NOT {OWNER_OK}"),
            vec![Value::Int(now)],
        ),
    }
    if let Some(days) = q.expiring_within_days {
        // A rotated token in its grace was dealt with: it is not "expiring soon".
        cond(
            "t.revoked_at IS NULL AND t.rotated_to IS NULL AND t.expires_at > ? AND t.expires_at <= ?",
            vec![
                Value::Int(now),
                Value::Int(now + days as i64 * crate::clock::DAY),
            ],
        );
    }
    if let Some(tenant) = &q.tenant_id {
        cond(
            "EXISTS (SELECT 1 FROM token_tenants tt WHERE tt.token_id = t.id AND tt.tenant_id = ?)",
            vec![Value::Text(tenant.clone())],
        );
    }
    if let Some(before) = q.expiring_before {
        cond(
            "t.expires_at IS NOT NULL AND t.expires_at < ?",
            vec![Value::Int(before)],
        );
    }
    if let Some(days) = q.unused_for_days {
        cond(
            "coalesce(t.last_used_at, t.created_at) < ?",
            vec![Value::Int(now - days as i64 * crate::clock::DAY)],
        );
    }
    let counts = if counted {
        let total = count_upto(conn, " FROM tokens t", &shown, &shown_args)?;
        let all: Vec<String> = shown.iter().chain(&kept).cloned().collect();
        let args: Vec<Value> = from_args
            .iter()
            .chain(&shown_args)
            .chain(&kept_args)
            .cloned()
            .collect();
        Some((total, count_upto(conn, &from, &all, &args)?))
    } else {
        None
    };

    let mut conds: Vec<String> = shown.into_iter().chain(kept).collect();
    let mut args: Vec<Value> = from_args
        .into_iter()
        .chain(shown_args)
        .chain(kept_args)
        .collect();
    // Rows read in the list's order, or against it for a page before a cursor or the last.
    let forward = (q.dir == SortDir::Asc) != backwards;
    if let Some(raw) = after.as_deref().or(before.as_deref()) {
        let bad = || Error::InvalidInput("The page cursor is invalid; reload the list.".into());
        let c: Cursor = serde_json::from_str(raw).map_err(|_| bad())?;
        if c.s != q.sort || c.d != q.dir || c.k.len() != exprs.len() {
            return Err(bad());
        }
        let mut vals =
            c.k.iter()
                .map(|v| to_param(v).ok_or_else(bad))
                .collect::<Result<Vec<_>>>()?;
        vals.push(Value::Text(c.id));
        conds.push(format!(
            "({}, t.id) {} ({}?)",
            exprs.join(", "),
            if forward { ">" } else { "<" },
            "?, ".repeat(exprs.len())
        ));
        args.extend(vals);
    }
    let mut sql = format!("{select}{from}");
    if !conds.is_empty() {
        sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
    }
    let dir = if forward { "ASC" } else { "DESC" };
    let order: Vec<String> = exprs.iter().map(|e| format!("{e} {dir}")).collect();
    sql.push_str(&format!(
        " ORDER BY {}, t.id {dir} LIMIT {}",
        order.join(", "),
        limit + 1
    ));

    let args: Vec<&dyn ToParam> = args.iter().map(|a| a as &dyn ToParam).collect();
    let mut rows: Vec<(TokenMeta, Vec<serde_json::Value>)> = Vec::with_capacity(limit as usize + 1);
    let mut more = false;
    conn.query_each(&sql, &args, &mut |r| {
        if rows.len() == limit as usize {
            // One extra row only tells us another page exists (before this one, when reading
            // backwards).
            more = true;
            return Ok(false);
        }
        let keys = (0..exprs.len())
            .map(|i| r.get::<Value>(NCOLS + i).map(to_json))
            .collect::<Result<_>>()?;
        rows.push((from_row(r, now)?, keys));
        Ok(true)
    })?;
    if backwards {
        rows.reverse();
    }
    let cursor_at = |row: Option<&(TokenMeta, Vec<serde_json::Value>)>| -> Result<Option<String>> {
        let Some((meta, keys)) = row else {
            return Ok(None);
        };
        let cursor = Cursor {
            s: q.sort,
            d: q.dir,
            k: keys.clone(),
            id: meta.id.clone(),
        };
        serde_json::to_string(&cursor)
            .map(Some)
            .map_err(|e| Error::Internal(e.to_string()))
    };
    // Rows lie after a page read backwards from a cursor (the page it came from), and before
    // a page read forwards from one.
    let (rows_before, rows_after) = match (backwards, before.is_some()) {
        (true, true) => (more, true),
        (true, false) => (more, false),
        (false, _) => (after.is_some(), more),
    };
    let prev_cursor = if rows_before {
        cursor_at(rows.first())?
    } else {
        None
    };
    let next_cursor = if rows_after {
        cursor_at(rows.last())?
    } else {
        None
    };
    let items = rows.into_iter().map(|(meta, _)| meta).collect();
    let (total, matching) = counts.unzip();
    Ok(ListPage {
        items,
        next_cursor,
        prev_cursor,
        total,
        matching,
    })
}

/// The conditions of what a list may show (`v`), added to `conds` and `args`.
fn shown_conds(v: &Visibility<'_>, conds: &mut Vec<String>, args: &mut Vec<Value>) {
    let mut show = |sql: &str, vals: Vec<Value>| {
        conds.push(sql.to_string());
        args.extend(vals);
    };
    show("t.legacy = ?", vec![Value::Int(v.legacy as i64)]);
    if let Some(owner) = v.owner_id {
        show("t.owner_id = ?", vec![Value::Text(owner.into())]);
    }
    for k in v.hidden_kinds {
        show("t.kind != ?", vec![Value::Text(k.as_str().into())]);
    }
    if let Some(user) = v.hide_impersonation_of {
        show(
            "NOT (t.kind = 'impersonation' AND t.owner_id = ?)",
            vec![Value::Text(user.into())],
        );
    }
}

/// Active tokens `v` shows that expire within `first_days` and that `user_id` has not heard
/// about at the threshold they are in now (`last_days` once that close, else `first_days`);
/// soonest first, at most `limit`.
pub fn expiring_unannounced(
    conn: &dyn Conn,
    v: Visibility<'_>,
    user_id: &str,
    (first_days, last_days): (u32, u32),
    now: Millis,
    limit: u32,
) -> Result<Vec<TokenMeta>> {
    let (mut conds, mut args) = (vec![], vec![]);
    shown_conds(&v, &mut conds, &mut args);
    let day = crate::clock::DAY;
    conds.push(format!(
        "t.revoked_at IS NULL AND t.rotated_to IS NULL AND t.expires_at > ? AND t.expires_at <= ? \
         AND {OWNER_OK}"
    ));
    args.extend([Value::Int(now), Value::Int(now + first_days as i64 * day)]);
    conds.push(
        "NOT EXISTS (SELECT 1 FROM expiry_notices n WHERE n.user_id = ? AND n.token_id = t.id \
         AND n.days = CASE WHEN t.expires_at <= ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)"
            .into(),
    );
    args.extend([
        Value::Text(user_id.into()),
        Value::Int(now + last_days as i64 * day),
        Value::Int(last_days as i64),
        Value::Int(first_days as i64),
    ]);
    let sql = format!(
        "SELECT {COLS} FROM tokens t {JOINS} WHERE {} ORDER BY t.expires_at, t.id LIMIT {limit}",
        conds.join(" AND ")
    );
    let args: Vec<&dyn ToParam> = args.iter().map(|a| a as &dyn ToParam).collect();
    let mut out = vec![];
    conn.query_each(&sql, &args, &mut |r| {
        out.push(from_row(r, now)?);
        Ok(true)
    })?;
    Ok(out)
}

/// Tokens (not legacy keys) whose expiry webhooks are owed: active and unrotated within
/// `first_days` without a `token.expiring` event at the threshold they are in now, and those
/// that expired in (`since`, `now`] without a `token.expired` one; soonest first, at most
/// `limit` of each.
pub fn expiry_events_owed(
    conn: &dyn Conn,
    (first_days, last_days): (u32, u32),
    since: Millis,
    now: Millis,
    limit: u32,
) -> Result<(Vec<TokenMeta>, Vec<TokenMeta>)> {
    let day = crate::clock::DAY;
    let expiring = format!(
        "SELECT {COLS} FROM tokens t {JOINS} WHERE t.legacy = 0 AND t.revoked_at IS NULL \
         AND t.rotated_to IS NULL AND t.expires_at > ?1 AND t.expires_at <= ?2 \
         AND NOT EXISTS (SELECT 1 FROM webhook_token_events w WHERE w.token_id = t.id \
           AND w.event = 'token.expiring' \
           AND w.days = CASE WHEN t.expires_at <= ?3 THEN CAST(?4 AS BIGINT) ELSE CAST(?5 AS BIGINT) END) \
         ORDER BY t.expires_at, t.id LIMIT {limit}"
    );
    let expired = format!(
        "SELECT {COLS} FROM tokens t {JOINS} WHERE t.legacy = 0 AND t.revoked_at IS NULL \
         AND t.expires_at > ?1 AND t.expires_at <= ?2 \
         AND NOT EXISTS (SELECT 1 FROM webhook_token_events w WHERE w.token_id = t.id \
           AND w.event = 'token.expired') \
         ORDER BY t.expires_at, t.id LIMIT {limit}"
    );
    let mut soon = vec![];
    conn.query_each(
        &expiring,
        crate::params![
            now,
            now + first_days as i64 * day,
            now + last_days as i64 * day,
            last_days as i64,
            first_days as i64
        ],
        &mut |r| {
            soon.push(from_row(r, now)?);
            Ok(true)
        },
    )?;
    let mut gone = vec![];
    conn.query_each(&expired, crate::params![since, now], &mut |r| {
        gone.push(from_row(r, now)?);
        Ok(true)
    })?;
    Ok((soon, gone))
}

/// How many rows `from` and `conds` give, up to `COUNT_MAX` (with `more` past it).
fn count_upto(conn: &dyn Conn, from: &str, conds: &[String], args: &[Value]) -> Result<ListCount> {
    let mut sql = format!("SELECT count(*) FROM (SELECT 1{from}");
    if !conds.is_empty() {
        sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
    }
    sql.push_str(&format!(" LIMIT {}) AS upto", COUNT_MAX + 1));
    let args: Vec<&dyn ToParam> = args.iter().map(|a| a as &dyn ToParam).collect();
    let n: i64 = conn.query_row(&sql, &args, |r| r.get(0))?;
    Ok(ListCount {
        n: (n as u32).min(COUNT_MAX),
        more: n > COUNT_MAX as i64,
    })
}
