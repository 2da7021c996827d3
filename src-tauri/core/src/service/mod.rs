//! The token authority's operations. Every face calls these and nothing else, so validation,
//! policy, permissions and auditing cannot be bypassed by going through another face.

mod access;
mod alerts;
pub(crate) mod audit;
mod bulk;
mod clients;
#[cfg(any(test, feature = "test-hooks"))]
mod hooks;
mod legacy;
mod open;
mod session;
mod settings;
mod signing;
mod tenants;
mod tokens;
mod users;
mod verify;
mod webhooks;

use crate::clock::{format_utc, Clock, Millis};
use crate::feed::Change;
use crate::model::*;
use crate::permissions::{self, Action};
use crate::policy::ExpiryPolicy;
use crate::secret::{ExposeSecret, HashKey, SecretBox, SecretString};
use crate::secret_store::SecretStore;
use crate::store::authority::AuthorityRow;
use crate::store::Conn;
use crate::store::{self, audit as audit_store, tokens as token_store, users as user_store, Store};
use crate::token;
use crate::{validate, Error, Result};
use access::Ctx;
pub use access::Need;
use serde_json::json;
pub use signing::SignedVerification;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
pub use tokens::keyring_copy;

pub use session::{ADDRESS_FREE_ATTEMPTS, SIGN_IN_FREE_ATTEMPTS};
pub use verify::{HEARTBEAT, TRUST};
pub use webhooks::{AttemptOutcome, OutgoingWebhook, DELIVERIES_MAX};

pub const DB_FILE: &str = "tokendesk.db";
/// Keyring service name of the authority's own secrets.
pub const KEYRING_SERVICE: &str = "tokendesk";
/// Keyring service name of copies a person saves of their own tokens.
pub const USER_COPY_SERVICE: &str = "tokendesk-token";

/// Opens the database of an authority on some engine (see `OpenOptions::database`).
pub type OpenStore = Arc<dyn Fn() -> Result<Store> + Send + Sync>;

pub struct OpenOptions {
    /// Where the embedded SQLite database lives; for another engine, only shown as the place.
    pub data_dir: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub busy_timeout: Duration,
    /// Display name of the owner created on first run.
    pub owner_name: String,
    /// The database on another engine (a team server's PostgreSQL); `None`: SQLite in
    /// `data_dir`.
    pub database: Option<OpenStore>,
    /// Create the authority if the database holds none (the desktop's first run). A team
    /// server never does: its authority comes from `Tokendesk::init`, with an owner who can
    /// sign in.
    pub create_if_missing: bool,
}

impl OpenOptions {
    pub fn new(data_dir: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Self {
        OpenOptions {
            data_dir: data_dir.into(),
            clock,
            busy_timeout: Duration::from_secs(3),
            owner_name: os_user_name(),
            database: None,
            create_if_missing: true,
        }
    }
}

/// The OS user's real name if set, else the login name.
pub fn os_user_name() -> String {
    let real = whoami::realname();
    let name = if real.trim().is_empty() {
        whoami::username()
    } else {
        real
    };
    validate::name(&name).unwrap_or_else(|_| "Owner".into())
}

fn hash_key_account(authority_id: &str) -> String {
    format!("authority/{authority_id}/hash-key")
}

fn token_not_found(id: &str) -> Error {
    Error::NotFound(format!("No authorization with id {id} was found."))
}

fn user_not_found(id: &str) -> Error {
    Error::NotFound(format!("No user with id {id} was found."))
}

pub struct Tokendesk {
    store: Arc<Store>,
    usage: crate::usage::UsageRecorder,
    key: HashKey,
    clock: Arc<dyn Clock>,
    /// Immutable; the rest of the authority row is read from the database when needed, so a
    /// change made by another process (the desktop, while `tokendesk serve` runs) applies at once.
    authority_id: String,
    local_owner_id: String,
    data_dir: PathBuf,
    verified: Arc<verify::Cache>,
    /// Ends the change-feed follower thread (engines that announce changes).
    stop_following: Arc<std::sync::atomic::AtomicBool>,
    /// JWT signing keys derived in this process.
    signing: signing::Keys,
}

impl Drop for Tokendesk {
    fn drop(&mut self) {
        self.stop_following
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

impl std::fmt::Debug for Tokendesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokendesk")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Tokendesk {
    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }

    /// Runs `f` in one write transaction, then applies this process's own changes to its
    /// cache at once (see `verify::Cache::after_write`).
    fn write<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T>) -> Result<T> {
        let out = self.store.with_tx(f)?;
        self.verified.after_write(&self.store);
        Ok(out)
    }

    fn authority(&self) -> Result<AuthorityRow> {
        self.store.read(authority_row)
    }

    /// Records in the change feed, in the writing transaction, what a write changes, so every
    /// process drops the cached answers it affects (`feed.rs`).
    fn changed(&self, tx: &dyn Conn, change: Change) -> Result<()> {
        store::changes::append(tx, &change, self.now()).map(|_| ())
    }

    fn audit(
        &self,
        tx: &dyn Conn,
        s: &Session,
        action: AuditAction,
        target: Option<&str>,
        mut details: serde_json::Value,
    ) -> Result<()> {
        if let (Some(t), Some(map)) = (&s.via_token, details.as_object_mut()) {
            map.insert("via_token".into(), t.id.clone().into());
            if let Some(act) = &t.act {
                map.insert("act".into(), act.clone().into());
            }
        }
        let event = audit_store::NewEvent {
            at: self.now(),
            actor_id: &s.actor_id,
            subject_id: &s.subject_id,
            action,
            target_id: target,
            details: &details,
        };
        audit_store::append(tx, &self.key, event)
    }

    pub fn info(&self, s: &Session) -> Result<AppInfo> {
        let a = self.authority()?;
        let session = self.session_info(s)?;
        let alerts = self.store.read(store::authority::alert_settings)?;
        Ok(AppInfo {
            authority_id: a.id,
            authority_name: a.display_name,
            token_prefix: a.token_prefix,
            user: session.subject.clone(),
            session,
            policy: a.policy,
            alerts,
            data_dir: self.data_dir.display().to_string(),
            now: self.now(),
        })
    }

    /// `info` for a client of a server: where the server keeps its data is none of the
    /// client's business (a PostgreSQL URL names the database host).
    pub fn client_info(&self, s: &Session) -> Result<AppInfo> {
        Ok(AppInfo {
            data_dir: String::new(),
            ..self.info(s)?
        })
    }
}

fn authority_row(conn: &dyn Conn) -> Result<AuthorityRow> {
    store::authority::get(conn)?
        .ok_or_else(|| Error::DatabaseCorrupt("the database holds no authority".into()))
}

#[cfg(test)]
mod tests;
