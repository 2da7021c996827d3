//! The token authority's operations. Every face calls these and nothing else, so validation,
//! policy, permissions and auditing cannot be bypassed by going through another face.

use crate::clock::{format_utc, Clock, Millis};
use crate::model::*;
use crate::policy::ExpiryPolicy;
use crate::secret::{ExposeSecret, HashKey, SecretBox, SecretString};
use crate::secret_store::SecretStore;
use crate::store::authority::AuthorityRow;
use crate::store::{self, tokens, users, Store};
use crate::token::{self, FormatError};
use crate::{validate, Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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

pub struct Tokendesk {
    store: Store,
    key: HashKey,
    clock: Arc<dyn Clock>,
    authority: AuthorityRow,
    owner: User,
    data_dir: PathBuf,
}

impl std::fmt::Debug for Tokendesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokendesk")
            .field("authority", &self.authority.id)
            .finish_non_exhaustive()
    }
}

impl Tokendesk {
    /// Opens the authority in `data_dir`, creating it on first run.
    ///
    /// First run writes the hash key to the keyring *before* creating any file, so an
    /// unavailable keyring leaves nothing behind; if creating the database then fails, the
    /// keyring entry and the partial files are removed again.
    pub fn open(opts: OpenOptions, secrets: &dyn SecretStore) -> Result<Tokendesk> {
        let db_path = opts.data_dir.join(DB_FILE);
        let fresh = !db_path.exists()
            || std::fs::metadata(&db_path)
                .map(|m| m.len() == 0)
                .unwrap_or(false);
        if fresh {
            return Self::create(opts, secrets, &db_path);
        }
        let store = Store::open(&db_path, opts.busy_timeout)?;
        let authority = store.read(store::authority::get)?.ok_or_else(|| {
            Error::DatabaseCorrupt(
                "the database holds no authority; move it away to start fresh".into(),
            )
        })?;
        let raw = secrets.get(&hash_key_account(&authority.id))?.ok_or_else(|| {
            Error::KeyringUnavailable(format!(
                "The keyring has no hash key for this authority ({}). Without it no token can be verified. \
                 Restore the keyring entry '{}' (service '{KEYRING_SERVICE}') from a backup, or move the data \
                 directory away to start a new authority.",
                authority.id,
                hash_key_account(&authority.id)
            ))
        })?;
        let key = key_from_bytes(&raw)?;
        let owner = store.read(users::first_owner)?;
        log::info!("opened authority {} ({})", authority.id, db_path.display());
        Ok(Tokendesk {
            store,
            key,
            clock: opts.clock,
            authority,
            owner,
            data_dir: opts.data_dir,
        })
    }

    fn create(opts: OpenOptions, secrets: &dyn SecretStore, db_path: &Path) -> Result<Tokendesk> {
        let now = opts.clock.now_ms();
        let authority = AuthorityRow {
            id: uuid::Uuid::now_v7().to_string(),
            display_name: "Tokendesk".into(),
            token_prefix: token::DEFAULT_PREFIX.into(),
            policy: ExpiryPolicy::default(),
            created_at: now,
        };
        let key = crate::secret::random_key()?;
        let account = hash_key_account(&authority.id);
        secrets.set(&account, key.expose_secret())?;
        // Read back once: some keyrings accept a write they cannot return later.
        match secrets.get(&account)? {
            Some(v) if v.as_slice() == key.expose_secret() => {}
            _ => {
                let _ = secrets.delete(&account);
                return Err(Error::KeyringUnavailable(
                    "The system keyring accepted the hash key but did not return it. Check that it is unlocked and persistent.".into(),
                ));
            }
        }
        let dir_existed = opts.data_dir.exists();
        let owner = User {
            id: uuid::Uuid::now_v7().to_string(),
            display_name: opts.owner_name.clone(),
            email: None,
            kind: UserKind::Human,
            role: "owner".into(),
            status: UserStatus::Active,
            created_at: now,
        };
        let result = (|| {
            std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
                Error::Database(format!(
                    "cannot create the data directory {}: {e}",
                    opts.data_dir.display()
                ))
            })?;
            let store = Store::open(db_path, opts.busy_timeout)?;
            store.with_tx(|tx| {
                store::authority::insert(tx, &authority)?;
                users::insert(tx, &owner)?;
                let details = json!({ "name": authority.display_name, "prefix": authority.token_prefix, "owner": owner.display_name });
                store::insert_audit(tx, now, &owner.id, &owner.id, "authority.created", Some(&authority.id), &details)
            })?;
            Ok(store)
        })();
        match result {
            Ok(store) => {
                log::info!(
                    "created authority {} in {}",
                    authority.id,
                    db_path.display()
                );
                Ok(Tokendesk {
                    store,
                    key,
                    clock: opts.clock,
                    authority,
                    owner,
                    data_dir: opts.data_dir,
                })
            }
            Err(e) => {
                let _ = secrets.delete(&account);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
                }
                if !dir_existed {
                    let _ = std::fs::remove_dir(&opts.data_dir);
                }
                Err(e)
            }
        }
    }

    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// The local operator: the owner, acting for themselves.
    pub fn local_session(&self) -> Session {
        Session {
            actor_id: self.owner.id.clone(),
            subject_id: self.owner.id.clone(),
        }
    }

    pub fn info(&self, s: &Session) -> Result<AppInfo> {
        let user = self
            .store
            .read(|c| users::get(c, &s.subject_id))?
            .ok_or_else(|| Error::NotFound(s.subject_id.clone()))?;
        Ok(AppInfo {
            authority_id: self.authority.id.clone(),
            authority_name: self.authority.display_name.clone(),
            token_prefix: self.authority.token_prefix.clone(),
            user,
            policy: self.authority.policy.clone(),
            data_dir: self.data_dir.display().to_string(),
            now: self.now(),
        })
    }

    pub fn policy(&self) -> &ExpiryPolicy {
        &self.authority.policy
    }

    /// Kinds the session's subject must not see in their own list (impersonation tokens are
    /// shown to admins only, never to the person they were made for).
    fn hidden_kinds(s: &Session) -> &'static [TokenKind] {
        if s.actor_id == s.subject_id {
            &[TokenKind::Impersonation]
        } else {
            &[]
        }
    }

    fn visible(s: &Session, t: &TokenMeta) -> bool {
        !Self::hidden_kinds(s).contains(&t.kind)
    }

    pub fn create_token(&self, s: &Session, req: CreateTokenRequest) -> Result<CreatedToken> {
        let name = validate::name(&req.name)?;
        let description = validate::free_text(
            req.description.as_deref().unwrap_or(""),
            "description",
            validate::DESCRIPTION_MAX,
        )?;
        let now = self.now();
        let expires_at = self.authority.policy.resolve(req.expiry, now)?;
        let kind = if s.actor_id == s.subject_id {
            TokenKind::Personal
        } else {
            TokenKind::Impersonation
        };
        let plain = token::mint(&self.authority.token_prefix)?;
        let hash = token::hash_secret(&self.key, &plain);
        let meta = TokenMeta {
            id: uuid::Uuid::now_v7().to_string(),
            owner_id: s.subject_id.clone(),
            created_by: s.actor_id.clone(),
            kind,
            name,
            description,
            created_at: now,
            expires_at,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            last_used_at: None,
            use_count: 0,
            display_hint: token::display_hint(plain.expose_secret()),
            status: TokenStatus::Active,
        };
        self.store.with_tx(|tx| {
            if tokens::live_name_taken(tx, &meta.owner_id, &meta.name, None)? {
                return Err(Error::NameTaken(meta.name.clone()));
            }
            tokens::insert(
                tx,
                tokens::NewToken {
                    meta: &meta,
                    hash: &hash,
                },
            )?;
            let details = json!({
                "name": meta.name, "kind": meta.kind.as_str(), "owner_id": meta.owner_id,
                "expires_at": meta.expires_at.map(format_utc), "hint": meta.display_hint,
            });
            store::insert_audit(
                tx,
                now,
                &s.actor_id,
                &s.subject_id,
                "token.created",
                Some(&meta.id),
                &details,
            )
        })?;
        log::info!(
            "token {} created (kind {}, owner {})",
            meta.id,
            meta.kind.as_str(),
            meta.owner_id
        );
        Ok(CreatedToken { meta, token: plain })
    }

    pub fn list_tokens(&self, s: &Session, q: &ListQuery) -> Result<ListPage> {
        let now = self.now();
        self.store
            .read(|c| tokens::list(c, &s.subject_id, Self::hidden_kinds(s), q, now))
    }

    fn load_visible(
        &self,
        conn: &rusqlite::Connection,
        s: &Session,
        id: &str,
    ) -> Result<TokenMeta> {
        tokens::get(conn, &s.subject_id, id, self.now())?
            .filter(|t| Self::visible(s, t))
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    pub fn get_token(&self, s: &Session, id: &str) -> Result<TokenMeta> {
        self.store.read(|c| self.load_visible(c, s, id))
    }

    pub fn rename_token(&self, s: &Session, id: &str, new_name: &str) -> Result<TokenMeta> {
        let name = validate::name(new_name)?;
        let now = self.now();
        let meta = self.store.with_tx(|tx| {
            let mut t = self.load_visible(tx, s, id)?;
            if t.status == TokenStatus::Revoked {
                return Err(Error::TokenRevoked);
            }
            if t.name == name {
                return Ok(t);
            }
            if tokens::live_name_taken(tx, &t.owner_id, &name, Some(id))? {
                return Err(Error::NameTaken(name.clone()));
            }
            tokens::rename(tx, id, &name)?;
            store::insert_audit(
                tx,
                now,
                &s.actor_id,
                &s.subject_id,
                "token.renamed",
                Some(id),
                &json!({ "from": t.name, "to": name }),
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
            let mut t = self.load_visible(tx, s, id)?;
            if t.revoked_at.is_some() {
                return Err(Error::AlreadyRevoked);
            }
            tokens::revoke(tx, id, now, &s.actor_id, reason.as_deref())?;
            store::insert_audit(
                tx,
                now,
                &s.actor_id,
                &s.subject_id,
                "token.revoked",
                Some(id),
                &json!({ "name": t.name, "reason": reason }),
            )?;
            t.revoked_at = Some(now);
            t.revoked_by = Some(s.actor_id.clone());
            t.revoke_reason = reason.clone();
            t.status = TokenStatus::Revoked;
            Ok(t)
        })?;
        log::info!("token {id} revoked");
        Ok(meta)
    }

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
        let found = self.store.read(|c| tokens::get_by_hash(c, &hash, now))?;
        Ok(match found {
            None => Verification::Rejected(RejectReason::Unknown),
            Some(t) => match t.status {
                TokenStatus::Revoked => Verification::Rejected(RejectReason::Revoked),
                TokenStatus::Expired => Verification::Rejected(RejectReason::Expired),
                TokenStatus::Active => Verification::Active(Box::new(t)),
            },
        })
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
        let account = format!("{}/{}", self.authority.id, t.id);
        secrets.set(&account, presented.expose_secret().as_bytes())?;
        Ok(KeyringCopy {
            service: secrets.service().to_string(),
            lookup_command: secrets.lookup_command(&account),
            account,
        })
    }

    pub fn audit_events(&self, target_id: Option<&str>) -> Result<Vec<AuditEvent>> {
        self.store.read(|c| store::list_audit(c, target_id))
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
        self.store.with_tx(|tx| {
            for i in 0..n {
                let plain = token::mint(&self.authority.token_prefix)?;
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
                };
                tokens::insert(
                    tx,
                    tokens::NewToken {
                        meta: &meta,
                        hash: &hash,
                    },
                )?;
                each(i, &plain);
            }
            Ok(())
        })
    }
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
mod tests {
    use super::*;
    use crate::clock::{FakeClock, DAY, SECOND};
    use crate::policy::{ExpiryChoice, ExpiryPreset};
    use crate::secret_store::MemorySecretStore;
    use crate::ErrorCode;

    const T0: Millis = 1_800_000_000_000;

    struct Fixture {
        td: Tokendesk,
        clock: FakeClock,
        secrets: MemorySecretStore,
        _dir: tempfile::TempDir,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(T0);
        let secrets = MemorySecretStore::new();
        let mut opts = OpenOptions::new(dir.path().join("data"), Arc::new(clock.clone()));
        opts.owner_name = "Ada".into();
        let td = Tokendesk::open(opts, &secrets).unwrap();
        Fixture {
            td,
            clock,
            secrets,
            _dir: dir,
        }
    }

    fn req(name: &str, expiry: ExpiryChoice) -> CreateTokenRequest {
        CreateTokenRequest {
            name: name.into(),
            description: None,
            expiry,
        }
    }

    fn thirty() -> ExpiryChoice {
        ExpiryChoice::Preset {
            preset: ExpiryPreset::ThirtyDays,
        }
    }

    /// Counts rows so a failed operation can be shown to have written nothing.
    fn counts(td: &Tokendesk) -> (i64, i64, String) {
        td.store()
            .read(|c| {
                let t: i64 = c.query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))?;
                let a: i64 = c.query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))?;
                let names: String = c.query_row(
                    "SELECT coalesce(group_concat(name || '|' || coalesce(revoked_at, ''), ','), '') FROM tokens",
                    [],
                    |r| r.get(0),
                )?;
                Ok((t, a, names))
            })
            .unwrap()
    }

    #[test]
    fn first_run_creates_owner_authority_and_keyring_key() {
        let f = fixture();
        let s = f.td.local_session();
        let info = f.td.info(&s).unwrap();
        assert_eq!(info.token_prefix, "tkd");
        assert_eq!(info.user.display_name, "Ada");
        assert_eq!(info.user.role, "owner");
        assert_eq!(f.secrets.len(), 1);
        let events = f.td.audit_events(None).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "authority.created");
    }

    #[test]
    fn create_returns_the_token_once_and_verify_accepts_it() {
        let f = fixture();
        let s = f.td.local_session();
        let c = f.td.create_token(&s, req("CI", thirty())).unwrap();
        assert_eq!(c.meta.kind, TokenKind::Personal);
        assert_eq!(c.meta.owner_id, s.subject_id);
        assert_eq!(c.meta.created_by, s.actor_id);
        assert_eq!(c.meta.expires_at, Some(T0 + 30 * DAY));
        assert_eq!(c.meta.status, TokenStatus::Active);
        let plain = c.token.expose_secret().to_string();
        assert!(c.meta.display_hint.ends_with(&plain[plain.len() - 4..]));
        match f.td.verify(&plain).unwrap() {
            Verification::Active(m) => assert_eq!(m.id, c.meta.id),
            other => panic!("{other:?}"),
        }
        let ev = f.td.audit_events(Some(&c.meta.id)).unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].action, "token.created");
        assert!(!ev[0].details.contains(&plain));
        // The reveal is the serialized create answer, and only that.
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(&plain));
        assert!(!format!("{c:?}").contains(&plain));
    }

    #[test]
    fn verify_reasons() {
        let f = fixture();
        let s = f.td.local_session();
        let c =
            f.td.create_token(
                &s,
                req(
                    "a",
                    ExpiryChoice::Preset {
                        preset: ExpiryPreset::OneHour,
                    },
                ),
            )
            .unwrap();
        let plain = c.token.expose_secret().to_string();
        let v = |t: &str| f.td.verify(t).unwrap();
        assert_eq!(v("nope"), Verification::Rejected(RejectReason::Malformed));
        let mut typo = plain.clone().into_bytes();
        let i = 10;
        typo[i] = if typo[i] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            v(std::str::from_utf8(&typo).unwrap()),
            Verification::Rejected(RejectReason::BadChecksum)
        );
        let unknown = token::mint("tkd").unwrap();
        assert_eq!(
            v(unknown.expose_secret()),
            Verification::Rejected(RejectReason::Unknown)
        );
        // Expiry edge: active one second before, expired at the instant and after.
        f.clock.set(T0 + 3600 * SECOND - SECOND);
        assert!(matches!(v(&plain), Verification::Active(_)));
        f.clock.set(T0 + 3600 * SECOND);
        assert_eq!(v(&plain), Verification::Rejected(RejectReason::Expired));
        f.clock.set(T0 + 3600 * SECOND + SECOND);
        assert_eq!(v(&plain), Verification::Rejected(RejectReason::Expired));
        assert_eq!(
            f.td.get_token(&s, &c.meta.id).unwrap().status,
            TokenStatus::Expired
        );
        f.clock.set(T0);
        f.td.revoke_token(&s, &c.meta.id, Some("leaked")).unwrap();
        assert_eq!(v(&plain), Verification::Rejected(RejectReason::Revoked));
    }

    #[test]
    fn bad_names_change_nothing() {
        let f = fixture();
        let s = f.td.local_session();
        let before = counts(&f.td);
        for bad in ["", "   ", &"n".repeat(101), "two\nlines", "ctl\u{7}"] {
            let e = f.td.create_token(&s, req(bad, thirty())).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidName, "{bad:?}");
        }
        assert_eq!(counts(&f.td), before);
    }

    #[test]
    fn duplicate_live_name_is_refused_but_revoked_name_can_be_reused() {
        let f = fixture();
        let s = f.td.local_session();
        let first = f.td.create_token(&s, req("deploy", thirty())).unwrap();
        let before = counts(&f.td);
        let e = f.td.create_token(&s, req("Deploy ", thirty())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NameTaken);
        assert_eq!(counts(&f.td), before);
        f.td.revoke_token(&s, &first.meta.id, None).unwrap();
        f.td.create_token(&s, req("deploy", thirty())).unwrap();
    }

    #[test]
    fn expiry_outside_policy_changes_nothing() {
        let f = fixture();
        let s = f.td.local_session();
        let before = counts(&f.td);
        for choice in [
            ExpiryChoice::Custom { at: T0 - SECOND },
            ExpiryChoice::Custom { at: T0 },
            ExpiryChoice::Custom {
                at: T0 + 365 * DAY + SECOND,
            },
            ExpiryChoice::Never,
        ] {
            let e = f.td.create_token(&s, req("x", choice)).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidExpiry, "{choice:?}");
        }
        assert_eq!(counts(&f.td), before);
        let ok =
            f.td.create_token(&s, req("x", ExpiryChoice::Custom { at: T0 + SECOND }))
                .unwrap();
        assert_eq!(ok.meta.expires_at, Some(T0 + SECOND));
    }

    #[test]
    fn description_rules() {
        let f = fixture();
        let s = f.td.local_session();
        let before = counts(&f.td);
        let mut r = req("x", thirty());
        r.description = Some("d".repeat(1001));
        assert_eq!(
            f.td.create_token(&s, r).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(counts(&f.td), before);
    }

    #[test]
    fn rename_rules() {
        let f = fixture();
        let s = f.td.local_session();
        let a = f.td.create_token(&s, req("a", thirty())).unwrap().meta;
        let b = f.td.create_token(&s, req("b", thirty())).unwrap().meta;
        let before = counts(&f.td);
        assert_eq!(
            f.td.rename_token(&s, &a.id, "B").unwrap_err().code(),
            ErrorCode::NameTaken
        );
        assert_eq!(
            f.td.rename_token(&s, &a.id, " ").unwrap_err().code(),
            ErrorCode::InvalidName
        );
        assert_eq!(
            f.td.rename_token(&s, "no-such-id", "z").unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(counts(&f.td), before);
        let renamed = f.td.rename_token(&s, &a.id, "  a2 ").unwrap();
        assert_eq!(renamed.name, "a2");
        assert_eq!(f.td.get_token(&s, &a.id).unwrap().name, "a2");
        let ev = f.td.audit_events(Some(&a.id)).unwrap();
        assert_eq!(ev.last().unwrap().action, "token.renamed");
        f.td.revoke_token(&s, &b.id, None).unwrap();
        let before = counts(&f.td);
        assert_eq!(
            f.td.rename_token(&s, &b.id, "b2").unwrap_err().code(),
            ErrorCode::TokenRevoked
        );
        assert_eq!(counts(&f.td), before);
    }

    #[test]
    fn revoke_rules() {
        let f = fixture();
        let s = f.td.local_session();
        let a = f.td.create_token(&s, req("a", thirty())).unwrap().meta;
        assert_eq!(
            f.td.revoke_token(&s, "missing", None).unwrap_err().code(),
            ErrorCode::NotFound
        );
        let r = f.td.revoke_token(&s, &a.id, Some(" rotated ")).unwrap();
        assert_eq!(r.status, TokenStatus::Revoked);
        assert_eq!(r.revoke_reason.as_deref(), Some("rotated"));
        assert_eq!(r.revoked_by.as_deref(), Some(s.actor_id.as_str()));
        let before = counts(&f.td);
        assert_eq!(
            f.td.revoke_token(&s, &a.id, None).unwrap_err().code(),
            ErrorCode::AlreadyRevoked
        );
        assert_eq!(counts(&f.td), before);
        let ev = f.td.audit_events(Some(&a.id)).unwrap();
        assert_eq!(
            ev.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["token.created", "token.revoked"]
        );
    }

    #[test]
    fn keyring_unavailable_on_first_run_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secrets = MemorySecretStore::new();
        secrets.set_unavailable(true);
        let e = Tokendesk::open(
            OpenOptions::new(&data, Arc::new(FakeClock::new(T0))),
            &secrets,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
        assert!(e.to_string().contains("keyring"));
        assert!(!data.exists(), "no data directory may be created");
        secrets.set_unavailable(false);
        assert!(secrets.is_empty());
    }

    #[test]
    fn reopening_needs_the_keyring_key() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secrets = MemorySecretStore::new();
        let clock = Arc::new(FakeClock::new(T0));
        let td = Tokendesk::open(OpenOptions::new(&data, clock.clone()), &secrets).unwrap();
        let id = td.info(&td.local_session()).unwrap().authority_id;
        drop(td);
        let db_before = std::fs::read(data.join(DB_FILE)).unwrap();
        secrets.set_unavailable(true);
        let e = Tokendesk::open(OpenOptions::new(&data, clock.clone()), &secrets).unwrap_err();
        assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
        let db_after = std::fs::read(data.join(DB_FILE)).unwrap();
        assert!(db_after == db_before, "the database is unchanged");
        secrets.set_unavailable(false);
        secrets.delete(&hash_key_account(&id)).unwrap();
        let e = Tokendesk::open(OpenOptions::new(&data, clock), &secrets).unwrap_err();
        assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
        assert!(e.to_string().contains("no hash key"));
    }

    #[test]
    fn corrupt_database_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"this is not an sqlite database, just text ".repeat(100);
        std::fs::write(dir.path().join(DB_FILE), &garbage).unwrap();
        let secrets = MemorySecretStore::new();
        let e = Tokendesk::open(
            OpenOptions::new(dir.path(), Arc::new(FakeClock::new(T0))),
            &secrets,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::DatabaseCorrupt, "{e}");
        assert!(secrets.is_empty());
        let after = std::fs::read(dir.path().join(DB_FILE)).unwrap();
        assert!(after == garbage, "the file is left as it was");
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, [DB_FILE], "no WAL or other file was created");
    }

    #[test]
    fn save_copy_only_for_the_matching_token() {
        let f = fixture();
        let s = f.td.local_session();
        let a = f.td.create_token(&s, req("a", thirty())).unwrap();
        let b = f.td.create_token(&s, req("b", thirty())).unwrap();
        let user = MemorySecretStore::new();
        let e =
            f.td.save_token_copy(&s, &user, &a.meta.id, &b.token)
                .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidToken);
        assert!(user.is_empty());
        let copy =
            f.td.save_token_copy(&s, &user, &a.meta.id, &a.token)
                .unwrap();
        let stored = user.get(&copy.account).unwrap().unwrap();
        assert_eq!(stored.as_slice(), a.token.expose_secret().as_bytes());
    }

    #[test]
    fn list_filters_sorts_and_pages() {
        let f = fixture();
        let s = f.td.local_session();
        let mut ids = vec![];
        for i in 0..7 {
            f.clock.advance(SECOND);
            let mut r = req(
                &format!("tok {i}"),
                ExpiryChoice::Preset {
                    preset: ExpiryPreset::OneDay,
                },
            );
            if i == 3 {
                r.description = Some("the Deploy bot".into());
            }
            if i == 5 {
                r.expiry = ExpiryChoice::Preset {
                    preset: ExpiryPreset::OneHour,
                };
            }
            ids.push(f.td.create_token(&s, r).unwrap().meta.id);
        }
        f.td.revoke_token(&s, &ids[1], None).unwrap();
        f.clock.advance(2 * crate::clock::HOUR); // token 5 is now expired
        let q = |sort, dir, status: Option<TokenStatus>, search: Option<&str>| ListQuery {
            search: search.map(String::from),
            status,
            sort,
            dir,
            limit: 3,
            cursor: None,
        };
        // Paging through created-desc yields every token exactly once, newest first.
        let mut seen = vec![];
        let mut query = q(SortKey::Created, SortDir::Desc, None, None);
        loop {
            let page = f.td.list_tokens(&s, &query).unwrap();
            assert!(page.items.len() <= 3);
            seen.extend(page.items.iter().map(|t| t.id.clone()));
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => break,
            }
        }
        let mut expected = ids.clone();
        expected.reverse();
        assert_eq!(seen, expected);

        let all = |sort, dir, status, search| {
            let mut out = vec![];
            let mut query = q(sort, dir, status, search);
            loop {
                let page = f.td.list_tokens(&s, &query).unwrap();
                out.extend(page.items);
                match page.next_cursor {
                    Some(c) => query.cursor = Some(c),
                    None => return out,
                }
            }
        };
        let revoked = all(
            SortKey::Name,
            SortDir::Asc,
            Some(TokenStatus::Revoked),
            None,
        );
        assert_eq!(
            revoked.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            [ids[1].as_str()]
        );
        let expired = all(
            SortKey::Name,
            SortDir::Asc,
            Some(TokenStatus::Expired),
            None,
        );
        assert_eq!(
            expired.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["tok 5"]
        );
        assert_eq!(
            all(SortKey::Name, SortDir::Asc, Some(TokenStatus::Active), None).len(),
            5
        );
        let found = all(SortKey::Created, SortDir::Asc, None, Some("deploy"));
        assert_eq!(
            found.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["tok 3"]
        );
        assert!(all(SortKey::Created, SortDir::Asc, None, Some("100%_")).is_empty());
        let by_status = all(SortKey::Status, SortDir::Asc, None, None);
        let statuses: Vec<_> = by_status.iter().map(|t| t.status).collect();
        let mut sorted = statuses.clone();
        sorted.sort_by_key(|s| *s as u8);
        assert_eq!(statuses, sorted, "active, then expired, then revoked");
        let names: Vec<_> = all(SortKey::Name, SortDir::Desc, None, None)
            .into_iter()
            .map(|t| t.name)
            .collect();
        let mut want = names.clone();
        want.sort();
        want.reverse();
        assert_eq!(names, want);
        assert_eq!(
            all(SortKey::Expires, SortDir::Asc, None, None)[0].name,
            "tok 5"
        );
        assert_eq!(all(SortKey::LastUsed, SortDir::Desc, None, None).len(), 7);

        let bad_cursor = ListQuery {
            cursor: Some("garbage".into()),
            ..q(SortKey::Name, SortDir::Asc, None, None)
        };
        assert_eq!(
            f.td.list_tokens(&s, &bad_cursor).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        let first =
            f.td.list_tokens(&s, &q(SortKey::Name, SortDir::Asc, None, None))
                .unwrap();
        let replay = ListQuery {
            cursor: first.next_cursor,
            ..q(SortKey::Created, SortDir::Asc, None, None)
        };
        assert_eq!(
            f.td.list_tokens(&s, &replay).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        let too_many = ListQuery {
            limit: 201,
            ..Default::default()
        };
        assert_eq!(
            f.td.list_tokens(&s, &too_many).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn search_matches_substrings_and_follows_renames() {
        let f = fixture();
        let s = f.td.local_session();
        let mut r = req("Production deploy", thirty());
        r.description = Some("Used by the \"release\" job: AND/OR * -x".into());
        let prod = f.td.create_token(&s, r).unwrap().meta;
        f.td.create_token(&s, req("staging", thirty())).unwrap();
        f.td.create_token(&s, req("Ünïcode naïve", thirty()))
            .unwrap();
        let find = |text: &str| -> Vec<String> {
            let q = ListQuery {
                search: Some(text.into()),
                sort: SortKey::Name,
                dir: SortDir::Asc,
                ..Default::default()
            };
            f.td.list_tokens(&s, &q)
                .unwrap()
                .items
                .into_iter()
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(find("DEPLOY"), ["Production deploy"]);
        assert_eq!(find("uction dep"), ["Production deploy"]);
        assert_eq!(find("\"release\""), ["Production deploy"]);
        assert_eq!(find("AND/OR * -x"), ["Production deploy"]);
        assert_eq!(find("st"), ["staging"]); // under three characters: the LIKE path
        assert_eq!(find("o"), ["Production deploy", "Ünïcode naïve"]);
        assert_eq!(find("naïve"), ["Ünïcode naïve"]);
        assert!(find("nothing like this").is_empty());
        assert!(find("ab\"").is_empty());
        f.td.rename_token(&s, &prod.id, "Blue green").unwrap();
        assert!(find("Production").is_empty());
        assert_eq!(find("green"), ["Blue green"]);
        assert_eq!(find("release"), ["Blue green"]);
    }

    #[test]
    fn search_plans_for_few_and_many_hits_agree_with_a_plain_filter() {
        let f = fixture();
        let s = f.td.local_session();
        f.td.seed_tokens(&s, 2_100, |_, _| {}).unwrap();
        let all_names: Vec<String> = {
            let q = ListQuery {
                sort: SortKey::Name,
                dir: SortDir::Asc,
                limit: 200,
                ..Default::default()
            };
            let mut out = vec![];
            let mut q = q;
            loop {
                let p = f.td.list_tokens(&s, &q).unwrap();
                out.extend(p.items.into_iter().map(|t| t.name));
                match p.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break out,
                }
            }
        };
        assert_eq!(all_names.len(), 2_100);
        for (text, plan) in [("seed 1", "few"), ("seed", "many"), ("d 20", "few")] {
            let mut q = ListQuery {
                search: Some(text.into()),
                sort: SortKey::Name,
                dir: SortDir::Asc,
                limit: 200,
                ..Default::default()
            };
            let mut got = vec![];
            loop {
                let p = f.td.list_tokens(&s, &q).unwrap();
                got.extend(p.items.into_iter().map(|t| t.name));
                match p.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            let want: Vec<_> = all_names
                .iter()
                .filter(|n| n.contains(text))
                .cloned()
                .collect();
            assert_eq!(got, want, "search {text:?} ({plan} hits)");
        }
    }

    #[test]
    fn impersonation_tokens_are_hidden_from_their_subject() {
        let f = fixture();
        let owner = f.td.local_session();
        let admin_as_owner = Session {
            actor_id: "some-admin".into(),
            subject_id: owner.subject_id.clone(),
        };
        // The actor must exist as a user for the foreign key; insert one directly.
        f.td.store()
            .with_tx(|tx| {
                users::insert(
                    tx,
                    &User {
                        id: "some-admin".into(),
                        display_name: "Admin".into(),
                        email: None,
                        kind: UserKind::Human,
                        role: "admin".into(),
                        status: UserStatus::Active,
                        created_at: T0,
                    },
                )
            })
            .unwrap();
        let imp =
            f.td.create_token(&admin_as_owner, req("imp", thirty()))
                .unwrap()
                .meta;
        assert_eq!(imp.kind, TokenKind::Impersonation);
        assert_eq!(imp.created_by, "some-admin");
        let own_view = f.td.list_tokens(&owner, &ListQuery::default()).unwrap();
        assert!(own_view.items.is_empty());
        assert_eq!(
            f.td.get_token(&owner, &imp.id).unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            f.td.revoke_token(&owner, &imp.id, None).unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            f.td.rename_token(&owner, &imp.id, "x").unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            f.td.list_tokens(&admin_as_owner, &ListQuery::default())
                .unwrap()
                .items
                .len(),
            1
        );
    }
}
