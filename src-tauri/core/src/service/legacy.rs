//! Migration from legacy API keys: importing them as keyed hashes, accepting them in their old
//! header while the authority emulates them, and retiring each once its integration holds a
//! bearer token. A key is a token row of kind `legacy`, so usage, status (owner disabled),
//! revocation and the change feed treat it as any token; token pages never show it.

use super::*;
use crate::feed::Arrival;
use crate::legacy::{self, LegacyHeader};
use crate::store::authority as authority_store;

impl Tokendesk {
    /// The legacy settings, for admins who manage users or settings (the Migration screen).
    pub fn legacy_settings(&self, s: &Session) -> Result<LegacySettings> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Nothing)?;
            if !ctx.can(Action::ManageUsers) {
                ctx.require(Action::ManageSettings)?;
            }
            authority_store::legacy_settings(c)
        })
    }

    /// Emulating needs a sunset date; the first time emulation is turned on is the
    /// `Deprecation` date of every legacy answer from then on.
    pub fn update_legacy_settings(
        &self,
        s: &Session,
        new: LegacySettings,
    ) -> Result<LegacySettings> {
        let header = LegacyHeader::parse(&new.header)?.canonical();
        let notes_url = legacy::notes_url(new.notes_url.as_deref().unwrap_or(""))?;
        if new.mode == LegacyMode::Emulate && new.sunset_at.is_none() {
            return Err(Error::InvalidInput(
                "Emulating legacy API keys needs a sunset date, after which they are refused."
                    .into(),
            ));
        }
        if new
            .sunset_at
            .is_some_and(|t| chrono::DateTime::from_timestamp_millis(t).is_none() || t < 0)
        {
            return Err(Error::InvalidInput(
                "The sunset date is out of range.".into(),
            ));
        }
        let now = self.now();
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageSettings)?;
            let before = authority_store::legacy_settings(tx)?;
            let next = LegacySettings {
                mode: new.mode,
                sunset_at: new.sunset_at,
                header: header.clone(),
                notes_url: notes_url.clone(),
                deprecated_at: before.deprecated_at.or(match new.mode {
                    LegacyMode::Emulate => Some(now),
                    LegacyMode::Off => None,
                }),
            };
            if next != before {
                authority_store::set_legacy_settings(tx, &next)?;
                self.changed(tx, Change::Authority)?;
                self.audit(
                    tx,
                    s,
                    AuditAction::LegacySettingsChanged,
                    None,
                    json!({ "before": before, "after": next }),
                )?;
            }
            Ok(next)
        })
    }

    /// Imports the keys of `file` (CSV or JSON, see `legacy::parse_import`) as keyed hashes
    /// owned by the users their email addresses name; rows that do not match a user, repeat a
    /// key, or are malformed are reported and skipped. One transaction: all rows or none.
    pub fn import_legacy_keys(&self, s: &Session, file: &[u8]) -> Result<LegacyImportReport> {
        let rows = legacy::parse_import(file)?;
        let now = self.now();
        let report = self.write(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            ctx.require(Action::ManageUsers)?;
            let mut report = LegacyImportReport {
                imported: 0,
                problems: vec![],
            };
            let mut seen = std::collections::HashSet::new();
            for row in &rows {
                let row = match row {
                    Ok(r) => r,
                    Err(p) => {
                        report.problems.push(p.clone());
                        continue;
                    }
                };
                match self.import_row(tx, s, &ctx, row, now, &mut seen)? {
                    Ok(()) => report.imported += 1,
                    Err(reason) => report.problems.push(LegacyImportProblem {
                        row: row.row,
                        email: row.email.clone(),
                        reason,
                    }),
                }
            }
            Ok(report)
        })?;
        log::info!(
            "{} legacy API keys imported, {} rows skipped",
            report.imported,
            report.problems.len()
        );
        Ok(report)
    }

    /// One row: `Ok(Err(reason))` when the row is skipped.
    fn import_row(
        &self,
        tx: &dyn Conn,
        s: &Session,
        ctx: &Ctx,
        row: &legacy::ImportRow,
        now: Millis,
        seen: &mut std::collections::HashSet<[u8; 32]>,
    ) -> Result<std::result::Result<(), String>> {
        let skip = |why: &str| Ok(Err(why.to_string()));
        let key = row.key.expose_secret();
        if let Err(why) = legacy::check_key(key) {
            return skip(why);
        }
        if row.email.is_empty() {
            return skip("It has no email address.");
        }
        // Stored emails are normalized (lowercase); so is the file's before the lookup.
        let Ok(email) = validate::email(&row.email) else {
            return skip("It has no valid email address.");
        };
        let Some(owner) = user_store::get_by_email(tx, &email)? else {
            return skip("No user has this email address.");
        };
        if owner.status == UserStatus::Removed {
            return skip("This user was removed.");
        }
        let name = match &row.label {
            None => legacy::UNLABELLED.to_string(),
            Some(label) => match validate::name(label) {
                Ok(n) => n,
                Err(e) => return skip(&format!("Its label: {e}")),
            },
        };
        let created_at = match row.created_at.as_deref() {
            None => now,
            Some(raw) => match legacy::parse_created_at(raw) {
                Some(t) if t <= now => t,
                Some(_) => return skip("Its created_at is in the future."),
                None => {
                    return skip(
                        "Its created_at is neither an RFC 3339 time nor a YYYY-MM-DD date.",
                    )
                }
            },
        };
        let hash = legacy::hash(&self.key, key);
        if !seen.insert(hash) {
            return skip("Its key is repeated from an earlier row.");
        }
        if token_store::get_by_hash(tx, &hash, now)?.is_some() {
            return skip("Its key was imported before.");
        }
        let meta = TokenMeta {
            id: uuid::Uuid::now_v7().to_string(),
            owner_id: owner.id.clone(),
            created_by: ctx.actor.id.clone(),
            kind: TokenKind::Legacy,
            name,
            description: String::new(),
            created_at,
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            last_used_at: None,
            use_count: 0,
            display_hint: legacy::display_hint(key),
            status: TokenStatus::Active,
            owner_name: owner.display_name.clone(),
            created_by_name: ctx.actor.display_name.clone(),
            scopes: None,
            tenant_ids: None,
            rotated_from: None,
            rotated_to: None,
        };
        token_store::insert(
            tx,
            token_store::NewToken {
                meta: &meta,
                hash: &hash,
                credential_epoch: None,
            },
        )?;
        self.changed(tx, Change::token_created(&meta.id))?;
        self.audit(
            tx,
            s,
            AuditAction::LegacyKeyImported,
            Some(&meta.id),
            json!({ "owner_id": owner.id, "name": meta.name, "hint": meta.display_hint,
                    "created_at": format_utc(created_at) }),
        )?;
        Ok(Ok(()))
    }

    /// The legacy keys, as token pages list tokens (search, sort, status, owner, paging).
    pub fn list_legacy_keys(&self, s: &Session, q: &ListQuery) -> Result<ListPage> {
        let now = self.now();
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::UsersRead))?;
            ctx.require(Action::ManageUsers)?;
            token_store::list(
                c,
                token_store::Visibility {
                    owner_id: q.owner_id.as_deref(),
                    hidden_kinds: &[],
                    hide_impersonation_of: None,
                    legacy: true,
                },
                q,
                now,
                true,
            )
        })
    }

    fn load_legacy(&self, conn: &dyn Conn, id: &str) -> Result<TokenMeta> {
        token_store::get(conn, id, self.now())?
            .filter(|t| t.kind == TokenKind::Legacy)
            .ok_or_else(|| Error::NotFound(format!("No legacy API key has the id {id}.")))
    }

    /// Refuses the key from now on, in every process (the change feed); irreversible.
    pub fn retire_legacy_key(&self, s: &Session, id: &str) -> Result<TokenMeta> {
        let now = self.now();
        let t = self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageUsers)?;
            let mut t = self.load_legacy(tx, id)?;
            if t.revoked_at.is_some() {
                return Err(Error::AlreadyRevoked);
            }
            token_store::revoke(tx, id, now, &s.actor_id, Some("retired"))?;
            self.changed(tx, Change::token(id))?;
            self.audit(
                tx,
                s,
                AuditAction::LegacyKeyRetired,
                Some(id),
                json!({ "owner_id": t.owner_id, "name": t.name, "hint": t.display_hint }),
            )?;
            t.revoked_at = Some(now);
            t.revoked_by = Some(s.actor_id.clone());
            t.revoke_reason = Some("retired".into());
            t.status = TokenStatus::Revoked;
            Ok(t)
        })?;
        log::info!("legacy API key {id} retired");
        Ok(t)
    }

    /// "Create a bearer token for this integration": a token for the key's owner, made by the
    /// caller under the usual rules of making a token for someone, linked to the key in the
    /// audit log. The key keeps working until it is retired.
    pub fn replace_legacy_key(
        &self,
        s: &Session,
        id: &str,
        mut req: CreateTokenRequest,
    ) -> Result<CreatedToken> {
        let created = self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageUsers)?;
            let key = self.load_legacy(tx, id)?;
            if key.revoked_at.is_some() {
                return Err(Error::AlreadyRevoked);
            }
            req.for_user = Some(key.owner_id.clone());
            if req.description.as_deref().unwrap_or("").trim().is_empty() {
                req.description = Some(format!(
                    "Replaces the legacy API key {} ({})",
                    key.display_hint, key.name
                ));
            }
            let created = self.create_token_in(tx, s, &req, false)?;
            self.audit(
                tx,
                s,
                AuditAction::LegacyKeyReplaced,
                Some(id),
                json!({ "owner_id": key.owner_id, "token_id": created.meta.id, "hint": key.display_hint }),
            )?;
            Ok(created)
        })?;
        log::info!(
            "token {} created to replace legacy API key {id}",
            created.meta.id
        );
        Ok(created)
    }

    /// The legacy settings as they are now, for a face deciding which header to read and what
    /// to answer (no session: any request may carry a legacy key).
    pub fn legacy_settings_now(&self) -> Result<LegacySettings> {
        self.store.read(authority_store::legacy_settings)
    }

    /// A key from the legacy header, for a request that arrived at `arrived`: refused unless
    /// the authority emulates legacy keys and the sunset has not passed, then checked like a
    /// token (cached, following the change feed).
    pub fn verify_legacy_since(
        &self,
        settings: &LegacySettings,
        presented: &str,
        arrived: Arrival,
    ) -> Result<Verification> {
        let now = self.now();
        if settings.mode == LegacyMode::Off {
            return Ok(Verification::Rejected(RejectReason::LegacyOff));
        }
        if settings.sunset_at.is_none_or(|t| t <= now) {
            return Ok(Verification::Rejected(RejectReason::LegacySunset));
        }
        if legacy::check_key(presented).is_err() {
            return Ok(Verification::Rejected(RejectReason::Malformed));
        }
        let hash = legacy::hash(&self.key, presented);
        self.lookup(hash, arrived, |c| {
            Ok(token_store::get_by_hash(c, &hash, now)?.filter(|t| t.kind == TokenKind::Legacy))
        })
    }
}
