//! Verification: is a presented token active, and whom does it act for. Answers for active
//! tokens are cached by token hash while the database is unchanged (`Store::version`), which
//! keeps SQLite off the hot path of the HTTP service without ever serving a stale answer.

use super::Tokendesk;
use crate::clock::Millis;
use crate::model::*;
use crate::secret::SecretString;
use crate::store::{tenants as tenant_store, tokens, users as user_store, Version};
use crate::token::{self, FormatError};
use crate::Result;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Entries beyond this are dropped wholesale: memory stays bounded whatever tokens are sent.
const CACHE_MAX: usize = 10_000;

/// The database version an answer was read at (`Store::version`), and the answer.
type Entry = (Version, Arc<Verified>);

#[derive(Default)]
pub(super) struct Cache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
}

impl Cache {
    fn get(&self, hash: &[u8; 32], version: Version) -> Option<Arc<Verified>> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        map.get(hash)
            .filter(|(v, _)| *v == version)
            .map(|(_, e)| e.clone())
    }

    fn put(&self, hash: [u8; 32], version: Version, v: Arc<Verified>) {
        let mut map = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(hash, (version, v));
    }
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
        // Read before the data, so a change committed meanwhile makes this entry stale at once.
        let version = self.store.version()?;
        if let Some(v) = self.verified.get(&hash, version) {
            return Ok(still_active(v, now));
        }
        let found = self.store.read(|c| {
            let Some(t) = tokens::get_by_hash(c, &hash, now)? else {
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
                self.verified.put(hash, version, v.clone());
                Verification::Active(v)
            }
        })
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
        let revoked = self.store.with_tx(|tx| {
            self.ctx(tx, s)?;
            let Some(mut t) = tokens::get_by_hash(tx, &hash, now)? else {
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

/// A cached answer is re-checked against the clock: expiry needs no database change.
fn still_active(v: Arc<Verified>, now: Millis) -> Verification {
    match v.token.expires_at {
        Some(exp) if exp <= now => Verification::Rejected(RejectReason::Expired),
        _ => Verification::Active(v),
    }
}
