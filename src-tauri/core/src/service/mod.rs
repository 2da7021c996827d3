//! The token authority's operations. Every face calls these and nothing else, so validation,
//! policy, permissions and auditing cannot be bypassed by going through another face.

mod access;
mod audit;
mod session;
mod settings;
mod tenants;
mod users;
mod verify;

use crate::clock::{format_utc, Clock, Millis};
use crate::feed::Change;
use crate::model::*;
use crate::permissions::{self, Action};
use crate::policy::ExpiryPolicy;
use crate::secret::{ExposeSecret, HashKey, SecretBox, SecretString};
use crate::secret_store::SecretStore;
use crate::store::authority::AuthorityRow;
use crate::store::{self, audit as audit_store, tokens, users as user_store, Store};
use crate::token;
use crate::{validate, Error, Result};
use access::Ctx;
pub use access::Need;
use rusqlite::Connection;
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use session::{ADDRESS_FREE_ATTEMPTS, SIGN_IN_FREE_ATTEMPTS};

pub const DB_FILE: &str = "tokendesk.db";
/// Keyring service name of the authority's own secrets.
pub const KEYRING_SERVICE: &str = "tokendesk";
/// Keyring service name of copies a person saves of their own tokens.
pub const USER_COPY_SERVICE: &str = "tokendesk-token";

pub struct OpenOptions {
    pub data_dir: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub busy_timeout: Duration,
    /// Display name of the owner created on first run.
    pub owner_name: String,
}

impl OpenOptions {
    pub fn new(data_dir: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Self {
        OpenOptions {
            data_dir: data_dir.into(),
            clock,
            busy_timeout: Duration::from_secs(3),
            owner_name: os_user_name(),
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
    sign_in_failures: Mutex<HashMap<String, session::Failures>>,
    verified: verify::Cache,
}

impl std::fmt::Debug for Tokendesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokendesk")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Tokendesk {
    /// Opens the authority in `data_dir`, creating it on first run.
    ///
    /// First run is all or nothing for the user, whatever moment it is killed at: the
    /// authority id is committed first (`first_run`), then one transaction — holding the write
    /// lock, so a second process waits — writes the hash key to the keyring (or reuses the one
    /// a killed earlier attempt left for that id) and creates the authority, its owner and the
    /// first audit event. A database without an authority is a first run still to finish. If
    /// the keyring fails on a data directory this run created, the files are removed again.
    pub fn open(opts: OpenOptions, secrets: &dyn SecretStore) -> Result<Tokendesk> {
        let db_path = opts.data_dir.join(DB_FILE);
        let dir_existed = opts.data_dir.exists();
        let db_existed = db_path.exists();
        std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
            Error::Database(format!(
                "cannot create the data directory {}: {e}",
                opts.data_dir.display()
            ))
        })?;
        let store = Store::open(&db_path, opts.busy_timeout)?;
        let opened = match store.read(store::authority::get)? {
            Some(authority) => Self::load_key(secrets, authority),
            None => Self::first_run(&store, secrets, &opts),
        };
        let (authority, key) = match opened {
            Ok(found) => found,
            Err(e) => {
                drop(store);
                if !db_existed {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
                    }
                    if !dir_existed {
                        let _ = std::fs::remove_dir(&opts.data_dir);
                    }
                }
                return Err(e);
            }
        };
        store.with_tx(|tx| audit_store::sign_head_if_missing(tx, &key))?;
        let owner = store.read(user_store::first_owner)?;
        log::info!("opened authority {} ({})", authority.id, db_path.display());
        Self::assemble(store, key, opts, authority, owner.id)
    }

    fn load_key(
        secrets: &dyn SecretStore,
        authority: AuthorityRow,
    ) -> Result<(AuthorityRow, HashKey)> {
        let raw = secrets.get(&hash_key_account(&authority.id))?.ok_or_else(|| {
            Error::KeyringUnavailable(format!(
                "The keyring has no hash key for this authority ({}). Without it no token can be verified. \
                 Restore the keyring entry '{}' (service '{KEYRING_SERVICE}') from a backup, or move the data \
                 directory away to start a new authority.",
                authority.id,
                hash_key_account(&authority.id)
            ))
        })?;
        Ok((authority, key_from_bytes(&raw)?))
    }

    fn assemble(
        store: Store,
        key: HashKey,
        opts: OpenOptions,
        authority: AuthorityRow,
        owner_id: String,
    ) -> Result<Tokendesk> {
        let store = Arc::new(store);
        Ok(Tokendesk {
            usage: crate::usage::UsageRecorder::start(store.clone()),
            verified: verify::Cache::new(&store)?,
            store,
            key,
            clock: opts.clock,
            authority_id: authority.id,
            local_owner_id: owner_id,
            data_dir: opts.data_dir,
            sign_in_failures: Mutex::new(HashMap::new()),
        })
    }

    /// Creates the authority in a database that has none (see `open`).
    fn first_run(
        store: &Store,
        secrets: &dyn SecretStore,
        opts: &OpenOptions,
    ) -> Result<(AuthorityRow, HashKey)> {
        let fresh_id = uuid::Uuid::now_v7().to_string();
        let id = store.with_tx(|tx| store::authority::pending_first_run(tx, &fresh_id))?;
        let created = store.with_tx(|tx| {
            if let Some(existing) = store::authority::get(tx)? {
                return Ok(Err(existing)); // another process finished the first run meanwhile
            }
            if user_store::count(tx)? > 0 {
                return Err(Error::DatabaseCorrupt(
                    "the database has users but no authority; move it away to start fresh".into(),
                ));
            }
            let key = Self::first_key(secrets, &id)?;
            let now = opts.clock.now_ms();
            let authority = AuthorityRow {
                id: id.clone(),
                display_name: "Tokendesk".into(),
                token_prefix: token::DEFAULT_PREFIX.into(),
                policy: ExpiryPolicy::default(),
                created_at: now,
                only_owners_create_tokens: false,
            };
            let owner = User {
                id: uuid::Uuid::now_v7().to_string(),
                display_name: opts.owner_name.clone(),
                email: None,
                kind: UserKind::Human,
                role: permissions::OWNER_ROLE.into(),
                status: UserStatus::Active,
                created_at: now,
                has_password: false,
                tenant_ids: vec![],
                active_tenant_id: None,
            };
            store::authority::insert(tx, &authority)?;
            store::authority::finish_first_run(tx)?;
            user_store::insert(tx, &owner, None)?;
            let details = json!({ "name": authority.display_name, "prefix": authority.token_prefix, "owner": owner.display_name });
            let event = audit_store::NewEvent {
                at: now,
                actor_id: &owner.id,
                subject_id: &owner.id,
                action: AuditAction::AuthorityCreated,
                target_id: Some(&authority.id),
                details: &details,
            };
            audit_store::append(tx, &key, event)?;
            Ok(Ok((authority, key)))
        })?;
        match created {
            Ok((authority, key)) => {
                log::info!("created authority {}", authority.id);
                Ok((authority, key))
            }
            Err(existing) => Self::load_key(secrets, existing),
        }
    }

    /// The hash key for the authority `id` being created: the one a killed earlier first run
    /// left in the keyring for this very id (no token was ever hashed with it), or a new one.
    fn first_key(secrets: &dyn SecretStore, id: &str) -> Result<HashKey> {
        let account = hash_key_account(id);
        if let Some(raw) = secrets.get(&account)? {
            if let Ok(key) = key_from_bytes(&raw) {
                log::info!("reusing the hash key an interrupted first run left in the keyring");
                return Ok(key);
            }
        }
        let key = crate::secret::random_key()?;
        secrets.set(&account, key.expose_secret())?;
        // Read back once: some keyrings accept a write they cannot return later.
        match secrets.get(&account)? {
            Some(v) if v.as_slice() == key.expose_secret() => Ok(key),
            _ => {
                let _ = secrets.delete(&account);
                Err(Error::KeyringUnavailable(
                    "The system keyring accepted the hash key but did not return it. Check that it is unlocked and persistent.".into(),
                ))
            }
        }
    }

    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }

    fn authority(&self) -> Result<AuthorityRow> {
        self.store.read(authority_row)
    }

    /// Records in the change feed, in the writing transaction, what a write changes, so every
    /// process drops the cached answers it affects (`feed.rs`).
    fn changed(&self, tx: &Connection, change: Change) -> Result<()> {
        store::changes::append(tx, &change, self.now()).map(|_| ())
    }

    fn audit(
        &self,
        tx: &Connection,
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
        Ok(AppInfo {
            authority_id: a.id,
            authority_name: a.display_name,
            token_prefix: a.token_prefix,
            user: session.subject.clone(),
            session,
            policy: a.policy,
            data_dir: self.data_dir.display().to_string(),
            now: self.now(),
        })
    }

    pub fn create_token(&self, s: &Session, req: CreateTokenRequest) -> Result<CreatedToken> {
        self.create_token_as(s, req, false)
    }

    /// `from_credentials`: the token comes from credential exchange and ends when the owner's
    /// password changes or the owner is disabled.
    fn create_token_as(
        &self,
        s: &Session,
        req: CreateTokenRequest,
        from_credentials: bool,
    ) -> Result<CreatedToken> {
        let name = validate::name(&req.name)?;
        let scopes = req.scopes.as_deref().map(validate_scopes).transpose()?;
        let description = validate::free_text(
            req.description.as_deref().unwrap_or(""),
            "description",
            validate::DESCRIPTION_MAX,
        )?;
        let created = self.store.with_tx(|tx| {
            let authority = authority_row(tx)?;
            let c = self.ctx(tx, s, Need::Change)?;
            let owner_id = req.for_user.clone().unwrap_or_else(|| c.subject.id.clone());
            let (owner, kind) = if owner_id == c.actor.id && !c.impersonating() {
                c.require(Action::CreateOwn)?;
                (c.actor.clone(), TokenKind::Personal)
            } else if c.impersonating() && owner_id == c.subject.id {
                c.require(Action::CreateImpersonation)?;
                (c.subject.clone(), TokenKind::Impersonation)
            } else {
                c.require(Action::CreateForOther)?;
                let o = user_store::get(tx, &owner_id)?.ok_or_else(|| user_not_found(&owner_id))?;
                let kind = if o.kind == UserKind::Service {
                    TokenKind::Service
                } else {
                    TokenKind::Personal
                };
                (o, kind)
            };
            if owner.status != UserStatus::Active {
                return Err(Error::UserInactive(format!(
                    "{} is disabled or removed and cannot hold tokens.",
                    owner.display_name
                )));
            }
            let owner_perms = user_store::permissions_of(tx, &owner.role)?;
            if !owner_perms.api_access {
                return Err(Error::PermissionDenied(format!(
                    "{}'s role has no API access, so they cannot hold tokens.",
                    owner.display_name
                )));
            }
            for scope in scopes.iter().flatten() {
                if !scope.held_by(&c.perms) || !scope.held_by(&owner_perms) {
                    return Err(Error::PermissionDenied(format!(
                        "The scope {} needs a right that {} does not hold, so the token cannot get it.",
                        scope.as_str(),
                        if scope.held_by(&c.perms) { owner.display_name.as_str() } else { "your role" }
                    )));
                }
            }
            let mut tenant_ids = req
                .tenant_ids
                .as_deref()
                .map(|ids| restrict_tenants(&owner, ids))
                .transpose()?;
            // A token never makes a token with more than it has itself.
            let mut inherit_epoch = false;
            if let Some(via) = &s.via_token {
                let parent = tokens::get(tx, &via.id, self.now())?
                    .ok_or_else(|| token_not_found(&via.id))?;
                if parent.kind == TokenKind::Impersonation {
                    return Err(Error::PermissionDenied(
                        "An impersonation token cannot create tokens.".into(),
                    ));
                }
                if scopes.iter().flatten().any(|x| *x == Scope::Introspect) {
                    return Err(Error::PermissionDenied(
                        "A token cannot grant the introspect scope, which it does not hold; create that token in the app or the CLI.".into(),
                    ));
                }
                if let Some(allowed) = &parent.tenant_ids {
                    match &tenant_ids {
                        None => tenant_ids = Some(restrict_tenants(&owner, allowed)?),
                        Some(asked) if asked.iter().any(|t| !allowed.contains(t)) => {
                            return Err(Error::PermissionDenied(
                                "This token is limited to other tenants.".into(),
                            ))
                        }
                        Some(_) => {}
                    }
                }
                // A token from credential exchange makes tokens that end with the same password.
                inherit_epoch = tokens::credential_epoch(tx, &parent.id)?.is_some()
                    && owner.id == parent.owner_id;
            }
            let now = self.now();
            let expires_at = authority.policy.resolve(req.expiry, now)?;
            if let Some(other) = tokens::live_name_taken(tx, &owner.id, &name, None)? {
                return Err(Error::NameTaken(other));
            }
            let plain = token::mint(&authority.token_prefix)?;
            let hash = token::hash_secret(&self.key, &plain);
            let meta = TokenMeta {
                id: uuid::Uuid::now_v7().to_string(),
                owner_id: owner.id.clone(),
                created_by: c.actor.id.clone(),
                kind,
                name: name.clone(),
                description: description.clone(),
                created_at: now,
                expires_at,
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
                last_used_at: None,
                use_count: 0,
                display_hint: token::display_hint(plain.expose_secret()),
                status: TokenStatus::Active,
                owner_name: owner.display_name.clone(),
                created_by_name: c.actor.display_name.clone(),
                scopes: scopes.clone(),
                tenant_ids,
            };
            let credential_epoch = if from_credentials || inherit_epoch {
                Some(user_store::credential_epoch(tx, &owner.id)?)
            } else {
                None
            };
            tokens::insert(
                tx,
                tokens::NewToken {
                    meta: &meta,
                    hash: &hash,
                    credential_epoch,
                },
            )?;
            let details = json!({
                "name": meta.name, "kind": meta.kind.as_str(), "owner_id": meta.owner_id,
                "expires_at": meta.expires_at.map(format_utc), "hint": meta.display_hint,
                "scopes": meta.scopes.as_deref().map(tokens::scopes_text),
                "tenant_ids": meta.tenant_ids, "credential_exchange": from_credentials,
            });
            self.changed(tx, Change::token_created(&meta.id))?;
            self.audit(tx, s, AuditAction::TokenCreated, Some(&meta.id), details)?;
            Ok(CreatedToken { meta, token: plain })
        })?;
        log::info!(
            "token {} created (kind {}, owner {})",
            created.meta.id,
            created.meta.kind.as_str(),
            created.meta.owner_id
        );
        Ok(created)
    }

    /// "Create token for user": an impersonation token for `user_id`, made by an admin who
    /// holds `impersonate`, without an impersonation session (the HTTP API's way).
    pub fn create_impersonation_token(
        &self,
        s: &Session,
        user_id: &str,
        mut req: CreateTokenRequest,
    ) -> Result<CreatedToken> {
        let perms = self.session_info(s)?.permissions;
        if !perms.impersonate {
            return Err(Error::PermissionDenied(
                "Your role does not allow impersonation.".into(),
            ));
        }
        if user_id == s.actor_id {
            return Err(Error::PermissionDenied(
                "An impersonation token is for another user; create a personal token instead."
                    .into(),
            ));
        }
        req.for_user = None;
        let acting = Session {
            actor_id: s.actor_id.clone(),
            subject_id: user_id.to_string(),
            local_owner: false,
            via_token: s.via_token.clone(),
        };
        self.create_token(&acting, req)
    }

    pub fn list_tokens(&self, s: &Session, q: &ListQuery) -> Result<ListPage> {
        let now = self.now();
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::TokensRead))?;
            match q.scope {
                ListScope::Own if ctx.impersonating() => tokens::list(
                    c,
                    tokens::Visibility {
                        owner_id: Some(&ctx.subject.id),
                        hidden_kinds: &[],
                        hide_impersonation_of: None,
                    },
                    q,
                    now,
                ),
                ListScope::Own => {
                    ctx.require(Action::ListOwn)?;
                    let filter = tokens::Visibility {
                        owner_id: Some(&ctx.actor.id),
                        hidden_kinds: &[TokenKind::Impersonation],
                        hide_impersonation_of: None,
                    };
                    tokens::list(c, filter, q, now)
                }
                ListScope::All => {
                    ctx.require(Action::ListAll)?;
                    let hidden: &[TokenKind] = if ctx.perms.impersonate {
                        &[]
                    } else {
                        &[TokenKind::Impersonation]
                    };
                    // Never the impersonation tokens made for the actor themselves.
                    let filter = tokens::Visibility {
                        owner_id: q.owner_id.as_deref(),
                        hidden_kinds: hidden,
                        hide_impersonation_of: Some(&ctx.actor.id),
                    };
                    tokens::list(c, filter, q, now)
                }
            }
        })
    }

    /// A token the session may see, or "not found" (whether it exists or not).
    fn load_visible(&self, conn: &Connection, ctx: &Ctx, id: &str) -> Result<TokenMeta> {
        tokens::get(conn, id, self.now())?
            .filter(|t| ctx.sees(t))
            .ok_or_else(|| token_not_found(id))
    }

    pub fn get_token(&self, s: &Session, id: &str) -> Result<TokenMeta> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::TokensRead))?;
            self.load_visible(c, &ctx, id)
        })
    }

    pub fn rename_token(&self, s: &Session, id: &str, new_name: &str) -> Result<TokenMeta> {
        let name = validate::name(new_name)?;
        let meta = self.store.with_tx(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            let mut t = self.load_visible(tx, &ctx, id)?;
            ctx.may_manage(&t)?;
            if t.status == TokenStatus::Revoked {
                return Err(Error::TokenRevoked);
            }
            if t.name == name {
                return Ok(t);
            }
            if let Some(other) = tokens::live_name_taken(tx, &t.owner_id, &name, Some(id))? {
                return Err(Error::NameTaken(other));
            }
            tokens::rename(tx, id, &name)?;
            self.changed(tx, Change::token(id))?;
            self.audit(
                tx,
                s,
                AuditAction::TokenRenamed,
                Some(id),
                json!({ "from": t.name, "to": name, "owner_id": t.owner_id }),
            )?;
            t.name = name;
            Ok(t)
        })?;
        log::info!("token {id} renamed");
        Ok(meta)
    }

    pub fn revoke_token(&self, s: &Session, id: &str, reason: Option<&str>) -> Result<TokenMeta> {
        let reason = reason
            .map(|r| validate::free_text(r, "reason", validate::REASON_MAX))
            .transpose()?
            .filter(|r| !r.is_empty());
        let now = self.now();
        let meta = self.store.with_tx(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            let mut t = self.load_visible(tx, &ctx, id)?;
            ctx.may_manage(&t)?;
            if t.revoked_at.is_some() {
                return Err(Error::AlreadyRevoked);
            }
            self.revoke_row(tx, s, &mut t, now, reason.clone(), false)?;
            Ok(t)
        })?;
        log::info!("token {id} revoked");
        Ok(meta)
    }

    /// Revokes `t` in the transaction and audits it; `t` then reads as revoked. The one place
    /// a revoke is written, whether by a manager or (RFC 7009) by whoever holds the token.
    fn revoke_row(
        &self,
        tx: &Connection,
        s: &Session,
        t: &mut TokenMeta,
        now: Millis,
        reason: Option<String>,
        by_possession: bool,
    ) -> Result<()> {
        tokens::revoke(tx, &t.id, now, &s.actor_id, reason.as_deref())?;
        self.changed(tx, Change::token(&t.id))?;
        let mut details = json!({ "name": t.name, "reason": reason, "owner_id": t.owner_id });
        if by_possession {
            details["by_possession"] = true.into();
        }
        self.audit(tx, s, AuditAction::TokenRevoked, Some(&t.id), details)?;
        t.revoked_at = Some(now);
        t.revoked_by = Some(s.actor_id.clone());
        t.revoke_reason = reason;
        t.status = TokenStatus::Revoked;
        Ok(())
    }

    /// Counts a successful use of a verified token; written in the background (usage.rs).
    pub fn record_use(
        &self,
        token_id: &str,
        client: Option<std::net::IpAddr>,
        user_agent: Option<&str>,
    ) {
        self.usage.record(token_id, self.now(), client, user_agent);
    }

    /// Writes the counted uses now (a server calls this when it stops).
    pub fn flush_usage(&self) -> Result<()> {
        self.usage.flush(&self.store)
    }

    /// Saves the person's own copy of a token they just created into their keyring. The token
    /// must be the one with this id (checked by hash), so nothing else can be written this way.
    pub fn save_token_copy(
        &self,
        s: &Session,
        secrets: &dyn SecretStore,
        id: &str,
        presented: &SecretString,
    ) -> Result<KeyringCopy> {
        let t = self.get_token(s, id)?;
        let hash = token::hash_secret(&self.key, presented);
        let matches = self
            .store
            .read(|c| tokens::get_by_hash(c, &hash, self.now()))?
            .is_some_and(|m| m.id == t.id);
        if !matches {
            return Err(Error::InvalidToken(
                "This is not the token of that authorization.".into(),
            ));
        }
        let account = format!("{}/{}", self.authority_id, t.id);
        secrets.set(&account, presented.expose_secret().as_bytes())?;
        Ok(KeyringCopy {
            service: secrets.service().to_string(),
            lookup_command: secrets.lookup_command(&account),
            account,
        })
    }

    /// Every audit event (or those about one target), oldest first; for tests and tools.
    pub fn audit_events(&self, target_id: Option<&str>) -> Result<Vec<AuditEvent>> {
        self.store
            .read(|c| audit_store::list_for_target(c, target_id))
    }

    /// Direct access for integration tests and benchmarks that need raw SQL.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Mints and stores `n` tokens in one transaction, without audit events: only for seeding
    /// benchmarks and load tests, never called by a face.
    #[doc(hidden)]
    pub fn seed_tokens(
        &self,
        s: &Session,
        n: usize,
        mut each: impl FnMut(usize, &SecretString),
    ) -> Result<()> {
        let now = self.now();
        let prefix = self.authority()?.token_prefix;
        self.store.with_tx(|tx| {
            for i in 0..n {
                let plain = token::mint(&prefix)?;
                let hash = token::hash_secret(&self.key, &plain);
                let meta = TokenMeta {
                    id: uuid::Uuid::now_v7().to_string(),
                    owner_id: s.subject_id.clone(),
                    created_by: s.actor_id.clone(),
                    kind: TokenKind::Personal,
                    name: format!("seed {i}"),
                    description: if i % 10 == 0 {
                        "deploy pipeline".into()
                    } else {
                        String::new()
                    },
                    created_at: now - (n - i) as i64 * 1000,
                    expires_at: Some(now + (i as i64 % 400 - 30) * crate::clock::DAY),
                    revoked_at: (i % 7 == 0).then_some(now),
                    revoked_by: (i % 7 == 0).then(|| s.actor_id.clone()),
                    revoke_reason: None,
                    last_used_at: None,
                    use_count: 0,
                    display_hint: token::display_hint(plain.expose_secret()),
                    status: TokenStatus::Active,
                    owner_name: String::new(),
                    created_by_name: String::new(),
                    scopes: None,
                    tenant_ids: None,
                };
                tokens::insert(
                    tx,
                    tokens::NewToken {
                        meta: &meta,
                        hash: &hash,
                        credential_epoch: None,
                    },
                )?;
                each(i, &plain);
            }
            Ok(())
        })
    }
}

/// A scope list as requested: at least one, no repeats, sorted.
fn validate_scopes(scopes: &[Scope]) -> Result<Vec<Scope>> {
    if scopes.is_empty() {
        return Err(Error::InvalidInput(
            "Choose at least one scope, or give the token full access.".into(),
        ));
    }
    let mut v = scopes.to_vec();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// The tenants a token is limited to: some of its owner's, at least one.
fn restrict_tenants(owner: &User, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Err(Error::InvalidInput(
            "Choose at least one tenant, or leave the token unrestricted.".into(),
        ));
    }
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    if let Some(bad) = v.iter().find(|id| !owner.tenant_ids.contains(id)) {
        return Err(Error::NotFound(format!(
            "{} is not a member of a tenant with id {bad}.",
            owner.display_name
        )));
    }
    Ok(v)
}

fn authority_row(conn: &Connection) -> Result<AuthorityRow> {
    store::authority::get(conn)?
        .ok_or_else(|| Error::DatabaseCorrupt("the database holds no authority".into()))
}

fn key_from_bytes(raw: &[u8]) -> Result<HashKey> {
    if raw.len() != 32 {
        return Err(Error::KeyringUnavailable(format!(
            "The keyring entry for the hash key has {} bytes instead of 32; it was changed outside Tokendesk.",
            raw.len()
        )));
    }
    Ok(SecretBox::init_with_mut(|k: &mut [u8; 32]| {
        k.copy_from_slice(raw)
    }))
}

#[cfg(test)]
mod tests;
