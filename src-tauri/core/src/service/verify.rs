//! Verification: is a presented token active, and whom does it act for. Answers for active
//! tokens are cached by token hash and follow the change feed (`feed.rs`): a change committed
//! by any process drops exactly the answers it affects before the next request is answered, so
//! SQLite stays off the hot path without a stale answer ever being served.

use super::{Need, Tokendesk};
use crate::clock::Millis;
use crate::feed::{Affected, Arrival, Follower};
use crate::model::*;
use crate::secret::SecretString;
use crate::store::{
    changes, tenants as tenant_store, tokens as token_store, users as user_store, Store,
};
use crate::token::{self, FormatError};
use crate::Result;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// With an engine that announces changes (PostgreSQL), the cache is trusted between requests
/// for at most this long after the last successful read of the feed; past it every request
/// reads the feed itself, and fails (503) if it cannot: never a stale success.
pub const TRUST: Duration = Duration::from_secs(1);
/// The follower thread reads the feed at least this often, announced or not: the heartbeat
/// that keeps the trust fresh and bounds the delay of a lost announcement.
pub const HEARTBEAT: Duration = Duration::from_millis(250);

/// When the feed was last read successfully, for the trust window.
struct Contact {
    epoch: Instant,
    /// Milliseconds since `epoch` + 1; 0: never, or distrusted.
    last: AtomicU64,
}

impl Contact {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }
    fn touch(&self) {
        self.last.store(self.now_ms(), Ordering::Release);
    }
    fn trusted(&self) -> bool {
        let last = self.last.load(Ordering::Acquire);
        last != 0 && self.now_ms().saturating_sub(last) <= TRUST.as_millis() as u64
    }
    fn distrust(&self) {
        self.last.store(0, Ordering::Release);
    }
}

/// Memory the cached answers may take (estimated per entry): about 100,000 typical entries.
/// Past it the cache evicts a few cold entries at a time (S3-FIFO), never all at once.
pub const CACHE_BYTES: u64 = 128 << 20;

#[derive(Clone)]
struct ByMemory;

impl quick_cache::Weighter<[u8; 32], Arc<Verified>> for ByMemory {
    fn weight(&self, _: &[u8; 32], v: &Arc<Verified>) -> u64 {
        approx_bytes(v)
    }
}

/// The heap and inline size of an entry, roughly; the `/me` JSON is made after the entry is
/// stored, so its share is estimated from the fields it repeats.
fn approx_bytes(v: &Verified) -> u64 {
    let t = &v.token;
    let strings = [
        &t.id,
        &t.owner_id,
        &t.created_by,
        &t.name,
        &t.description,
        &t.display_hint,
        &t.owner_name,
        &t.created_by_name,
        &v.user.id,
        &v.user.display_name,
        &v.user.role,
    ]
    .iter()
    .map(|s| s.len())
    .sum::<usize>()
        + v.user.email.as_deref().map_or(0, str::len)
        + v.tenants
            .iter()
            .map(|x| x.id.len() + x.name.len() + 48)
            .sum::<usize>()
        + v.user
            .tenant_ids
            .iter()
            .map(|x| x.len() + 24)
            .sum::<usize>();
    (std::mem::size_of::<Verified>() + 128 + 2 * strings) as u64
}

/// The verified-token cache and its place in the change feed.
pub(super) struct Cache {
    entries: quick_cache::sync::Cache<[u8; 32], Arc<Verified>, ByMemory>,
    follower: Follower,
    /// Set when a follower thread reads the feed as changes are announced (`follow`); then a
    /// request reads the feed itself only when that thread has lost contact.
    announced: Option<Contact>,
}

impl Cache {
    pub(super) fn new(store: &Store, announced: bool) -> Result<Cache> {
        let mut c = Self::with_bytes(store, CACHE_BYTES)?;
        if announced {
            c.announced = Some(Contact {
                epoch: Instant::now(),
                last: AtomicU64::new(0),
            });
        }
        Ok(c)
    }

    fn with_bytes(store: &Store, bytes: u64) -> Result<Cache> {
        Ok(Cache {
            entries: quick_cache::sync::Cache::with_weighter(
                (bytes / 1024) as usize,
                bytes,
                ByMemory,
            ),
            follower: Follower::new(store.read(changes::head)?),
            announced: None,
        })
    }

    /// The feed position a request may be answered at. Without announcements: a check that
    /// started after the request arrived. With them: the follower's position while the
    /// follower thread is in contact (changes reach it within milliseconds), else a check of
    /// the request's own.
    fn fresh_for(&self, store: &Store, arrived: Arrival) -> Result<u64> {
        match &self.announced {
            Some(c) if c.trusted() => Ok(self.follower.position()),
            Some(c) => {
                let at = self.fresh(store, arrived)?;
                c.touch();
                Ok(at)
            }
            None => self.fresh(store, arrived),
        }
    }

    /// After this process committed a write: apply it (and anything before it) now, so the very
    /// next request here sees it even before the announcement comes back. If the feed cannot be
    /// read, the cache is not trusted until it can.
    pub(super) fn after_write(&self, store: &Store) {
        if let Some(c) = &self.announced {
            match self.fresh(store, self.follower.arrival()) {
                Ok(_) => c.touch(),
                Err(e) => {
                    log::warn!("cannot read the change feed after a write: {e}");
                    c.distrust();
                }
            }
        }
    }

    /// Whether a follower thread should run for this cache.
    pub(super) fn is_announced(&self) -> bool {
        self.announced.is_some()
    }

    /// Applies every change committed before this call (by any process); returns the feed
    /// position the cache is now at.
    fn fresh(&self, store: &Store, arrived: Arrival) -> Result<u64> {
        self.follower.fresh_since(
            arrived,
            |from| store.peek(|c| changes::since(c, from)),
            |affected| self.drop_affected(affected),
        )
    }

    fn drop_affected(&self, affected: &Affected) {
        if affected.is_everything() {
            self.entries.clear();
        } else if !affected.is_nothing() {
            self.entries.retain(|_, v| !affected.hits(v));
        }
    }

    /// Stores an answer read at feed position `at`, unless a change has been applied since
    /// (the answer may predate it; the next request reads afresh).
    fn put(&self, hash: [u8; 32], at: u64, v: Arc<Verified>) {
        if let Some(_admitted) = self.follower.admit(at) {
            self.entries.insert(hash, v);
        }
    }

    #[cfg(any(test, feature = "test-hooks"))]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The cache key of a token looked up by id: keyed like a token's hash, on a message no
/// presented token can be (tokens have no colon).
fn id_cache_key(key: &crate::secret::HashKey, id: &str) -> [u8; 32] {
    token::hash(key, &format!("id:{id}"))
}

fn rejected_for(t: &TokenMeta) -> Option<RejectReason> {
    match t.status {
        TokenStatus::Active => None,
        TokenStatus::Revoked => Some(RejectReason::Revoked),
        TokenStatus::Expired => Some(RejectReason::Expired),
        TokenStatus::Suspended => Some(RejectReason::Suspended),
    }
}

impl Tokendesk {
    /// Checks a presented token: format and checksum first (no lookup for typos), then the hash.
    pub fn verify(&self, presented: &str) -> Result<Verification> {
        self.verify_since(presented, self.arrival())
    }

    /// When a request arrived, for [`Tokendesk::verify_since`]. An async face takes it as the
    /// request comes in and lets other ready requests come in too before verifying: all of
    /// them are then served by the one check of the change feed that the first one runs.
    pub fn arrival(&self) -> Arrival {
        self.verified.follower.arrival()
    }

    /// `verify` for a request that arrived at `arrived`: every change committed (by any
    /// process) before then is honoured.
    pub fn verify_since(&self, presented: &str, arrived: Arrival) -> Result<Verification> {
        match token::check_format(presented) {
            Err(FormatError::Malformed) => {
                return Ok(Verification::Rejected(RejectReason::Malformed))
            }
            Err(FormatError::BadChecksum) => {
                return Ok(Verification::Rejected(RejectReason::BadChecksum))
            }
            Ok(()) => {}
        }
        let hash = token::hash(&self.key, presented);
        let now = self.now();
        self.lookup(hash, arrived, |c| {
            Ok(token_store::get_by_hash(c, &hash, now)?.filter(|t| t.kind != TokenKind::Legacy))
        })
    }

    /// A token by id, with the same cache and freshness as `verify_since`: the parent of a
    /// signed token, checked on every use of that token.
    pub(super) fn verify_id_since(&self, id: &str, arrived: Arrival) -> Result<Verification> {
        let now = self.now();
        self.lookup(id_cache_key(&self.key, id), arrived, |c| {
            token_store::get(c, id, now)
        })
    }

    /// The answer for the token `find` reads, cached under `cache_key`. Cached answers are
    /// dropped by what they contain (token, owner, tenants), whatever their key.
    pub(super) fn lookup(
        &self,
        cache_key: [u8; 32],
        arrived: Arrival,
        find: impl FnOnce(&dyn crate::store::sql::Conn) -> Result<Option<TokenMeta>>,
    ) -> Result<Verification> {
        let now = self.now();
        // Every change committed before this request is applied first; the answer read below
        // is at least as new as `at`.
        let at = self.verified.fresh_for(&self.store, arrived)?;
        if let Some(v) = self.verified.entries.get(&cache_key) {
            return Ok(still_active(v, now));
        }
        let found = self.store.read(|c| {
            let Some(t) = find(c)? else {
                return Ok(None);
            };
            if rejected_for(&t).is_some() {
                return Ok(Some(Err(t)));
            }
            let user = user_store::get(c, &t.owner_id)?
                .ok_or_else(|| super::user_not_found(&t.owner_id))?;
            let allowed: Vec<String> = match &t.tenant_ids {
                None => user.tenant_ids.clone(),
                Some(only) => user
                    .tenant_ids
                    .iter()
                    .filter(|id| only.contains(id))
                    .cloned()
                    .collect(),
            };
            let tenants = tenant_store::get_many(c, &allowed)?;
            Ok(Some(Ok((t, user, tenants))))
        })?;
        Ok(match found {
            None => Verification::Rejected(RejectReason::Unknown),
            Some(Err(t)) => {
                Verification::Rejected(rejected_for(&t).unwrap_or(RejectReason::Unknown))
            }
            Some(Ok((token, user, tenants))) => {
                let tenant = user
                    .active_tenant_id
                    .as_ref()
                    .and_then(|a| tenants.iter().find(|t| &t.id == a))
                    .or(tenants.first())
                    .cloned();
                let v = Arc::new(Verified {
                    token,
                    user,
                    tenants,
                    tenant,
                    me_json: Default::default(),
                });
                self.verified.put(cache_key, at, v.clone());
                Verification::Active(v)
            }
        })
    }

    /// `verify_id_since` if it can answer from the cache without waiting on a remote database
    /// (see `verify_at_once`); `None` otherwise.
    pub(super) fn verify_id_at_once(
        &self,
        id: &str,
        arrived: Arrival,
    ) -> Option<Result<Verification>> {
        if self.verified.announced.is_none() {
            return Some(self.verify_id_since(id, arrived));
        }
        self.cached_while_trusted(&id_cache_key(&self.key, id))
    }

    /// The cached answer under `key` while the follower is in contact (so the cache holds
    /// every change up to a moment ago); `None` otherwise, or on a miss.
    fn cached_while_trusted(&self, key: &[u8; 32]) -> Option<Result<Verification>> {
        if !self.verified.announced.as_ref()?.trusted() {
            return None;
        }
        let v = self.verified.entries.get(key)?;
        Some(Ok(still_active(v, self.now())))
    }

    /// `verify_since` if it can answer without waiting on a database across the network: with
    /// an embedded engine always (a local read takes microseconds), with one that announces its
    /// changes (PostgreSQL) only for a malformed token or a cached answer while the follower is
    /// in contact. `None`: call `verify_since` where blocking is fine (a miss is a network round
    /// trip, and with the database down a connect timeout). An async face calls this inline and
    /// keeps its workers free for everyone else.
    pub fn verify_at_once(
        &self,
        presented: &str,
        arrived: Arrival,
    ) -> Option<Result<Verification>> {
        if self.verified.announced.is_none() || token::check_format(presented).is_err() {
            return Some(self.verify_since(presented, arrived));
        }
        self.cached_while_trusted(&token::hash(&self.key, presented))
    }

    /// RFC 7662: what a resource server learns about a token presented to it: an opaque token,
    /// or a signed token of `issuer` (any audience: the resource server asks for itself), with
    /// its claims. The caller's token must hold the `introspect` scope, granted only by name.
    pub fn introspect(
        &self,
        s: &Session,
        presented: &str,
        issuer: &str,
    ) -> Result<(Verification, Option<Box<crate::jwt::AccessClaims>>)> {
        Need::Read(Scope::Introspect).check(s)?;
        if !crate::jwt::looks_like_jwt(presented) {
            return Ok((self.verify(presented)?, None));
        }
        Ok(
            match self.verify_signed_since(presented, issuer, None, self.arrival())? {
                super::SignedVerification::Active(v, claims) => {
                    (Verification::Active(v), Some(claims))
                }
                super::SignedVerification::Rejected(r) => (Verification::Rejected(r), None),
            },
        )
    }

    /// RFC 7009: whoever holds a token may revoke it, so the caller's rights do not matter;
    /// unknown, expired or already revoked tokens are not an error.
    pub fn revoke_presented(&self, s: &Session, presented: &SecretString) -> Result<bool> {
        use crate::secret::ExposeSecret;
        if token::check_format(presented.expose_secret()).is_err() {
            return Ok(false);
        }
        let hash = token::hash_secret(&self.key, presented);
        let now = self.now();
        let revoked = self.write(|tx| {
            self.ctx(tx, s, Need::Nothing)?;
            let Some(mut t) = token_store::get_by_hash(tx, &hash, now)? else {
                return Ok(None);
            };
            if t.revoked_at.is_some() || t.status == TokenStatus::Expired {
                return Ok(None);
            }
            self.revoke_row(tx, s, &mut t, now, None, true)?;
            Ok(Some(t.id))
        })?;
        if let Some(id) = &revoked {
            log::info!("token {id} revoked by its holder");
        }
        Ok(revoked.is_some())
    }
}

/// The follower thread of a server whose engine announces changes: reads the feed when a change
/// is announced and at least every `HEARTBEAT`, keeping the cache's trust window open while it
/// can; reconnects its wake-up when it is lost. Ends when `stop` is set.
pub(super) fn follow(
    store: Arc<Store>,
    cache: Arc<Cache>,
    mut wakeup: Option<Box<dyn crate::store::sql::FeedWakeup>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Acquire) {
        match wakeup.as_mut() {
            Some(w) => {
                if let Err(e) = w.wait(HEARTBEAT) {
                    log::warn!("change announcements lost ({e}); reconnecting");
                    wakeup = None;
                }
            }
            None => match store.feed_wakeup() {
                Ok(Some(w)) => wakeup = Some(w),
                // No wake-up now: read on the heartbeat alone until one can be made.
                Ok(None) | Err(_) => std::thread::sleep(HEARTBEAT),
            },
        }
        if stop.load(Ordering::Acquire) {
            break;
        }
        match cache.fresh(&store, cache.follower.arrival()) {
            Ok(_) => {
                if let Some(c) = &cache.announced {
                    c.touch();
                }
            }
            Err(e) => log::debug!("cannot read the change feed: {e}"),
        }
    }
}

/// A cached answer is re-checked against the clock: expiry needs no database change.
fn still_active(v: Arc<Verified>, now: Millis) -> Verification {
    match v.token.expires_at {
        Some(exp) if exp <= now => Verification::Rejected(RejectReason::Expired),
        _ => Verification::Active(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past its memory bound the cache lets a few cold entries go, never all of them, and keeps
    /// what is used again.
    #[test]
    fn a_full_cache_evicts_a_few_entries_not_all() {
        let store = Store::open_in_memory().unwrap();
        let sample = |i: u32| {
            let id = format!("token {i}");
            Arc::new(crate::feed::tests::verified(
                &id,
                TokenKind::Personal,
                "ada",
                "ada",
                "member",
                &[],
            ))
        };
        let per_entry = approx_bytes(&sample(0));
        let cache = Cache::with_bytes(&store, per_entry * 1000).unwrap();
        let key = |i: u32| {
            let mut k = [0u8; 32];
            k[..4].copy_from_slice(&i.to_le_bytes());
            k
        };
        let at = cache.fresh(&store, cache.follower.arrival()).unwrap();
        cache.put(key(0), at, sample(0));
        for i in 1..5000 {
            cache.put(key(i), at, sample(i));
            // Token 0 is in steady use: it must survive the churn.
            assert!(
                cache.entries.get(&key(0)).is_some(),
                "the hot entry was evicted at {i}"
            );
            if i > 1000 {
                assert!(
                    cache.len() >= 800,
                    "only {} entries left after {i} inserts",
                    cache.len()
                );
            }
            assert!(cache.entries.weight() <= per_entry * 1000);
        }
    }
}
