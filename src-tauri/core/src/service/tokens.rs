//! Token operations: create (own, for another user, by impersonation), list, read, rename,
//! revoke, usage, and a person's own keyring copy.

use super::*;
use crate::store::usage as usage_store;

impl Tokendesk {
    /// The token detail panel: the token, its last client, and uses per day over `days` days.
    pub fn token_usage(&self, s: &Session, id: &str, days: u32) -> Result<TokenUsage> {
        if !(1..=366).contains(&days) {
            return Err(Error::InvalidInput("Usage goes back 1 to 366 days.".into()));
        }
        let today = self.now().div_euclid(crate::clock::DAY);
        let from = today - days as i64 + 1;
        // The uses this process has counted but not yet written (they go out every few
        // seconds) are part of the answer: write them first, it is a no-op when there are none.
        self.flush_usage()?;
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::TokensRead))?;
            let token = self.load_visible(c, &ctx, id)?;
            let (last_client, last_user_agent) = usage_store::last_client(c, id)?;
            let counts = usage_store::per_day(c, id, from, today)?;
            Ok(TokenUsage {
                token,
                last_client,
                last_user_agent,
                days: (from..=today)
                    .map(|day| UsageDay {
                        day,
                        count: counts.get(&day).copied().unwrap_or(0),
                    })
                    .collect(),
            })
        })
    }

    pub fn create_token(&self, s: &Session, req: CreateTokenRequest) -> Result<CreatedToken> {
        self.create_token_as(s, req, false)
    }

    /// `from_credentials`: the token comes from credential exchange and ends when the owner's
    /// password changes or the owner is disabled.
    pub(super) fn create_token_as(
        &self,
        s: &Session,
        req: CreateTokenRequest,
        from_credentials: bool,
    ) -> Result<CreatedToken> {
        let created = self.write(|tx| self.create_token_in(tx, s, &req, from_credentials))?;
        log::info!(
            "token {} created (kind {}, owner {})",
            created.meta.id,
            created.meta.kind.as_str(),
            created.meta.owner_id
        );
        Ok(created)
    }

    /// `create_token_as` inside a write transaction another operation holds.
    pub(super) fn create_token_in(
        &self,
        tx: &dyn Conn,
        s: &Session,
        req: &CreateTokenRequest,
        from_credentials: bool,
    ) -> Result<CreatedToken> {
        let name = validate::name(&req.name)?;
        let scopes = req.scopes.as_deref().map(validate_scopes).transpose()?;
        let description = validate::free_text(
            req.description.as_deref().unwrap_or(""),
            "description",
            validate::DESCRIPTION_MAX,
        )?;
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
        let owner_perms = may_hold_tokens(tx, &owner)?;
        for scope in scopes.iter().flatten() {
            if !scope.held_by(&c.perms) || !scope.held_by(&owner_perms) {
                return Err(Error::PermissionDenied(format!(
                    "The scope {} needs a right that {} does not hold, so the token cannot get it.",
                    scope.as_str(),
                    if scope.held_by(&c.perms) {
                        owner.display_name.as_str()
                    } else {
                        "your role"
                    }
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
            let parent = self.making_token(tx, via)?;
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
            inherit_epoch = token_store::credential_epoch(tx, &parent.id)?.is_some()
                && owner.id == parent.owner_id;
        }
        let now = self.now();
        let expires_at = authority.policy.resolve(req.expiry, now)?;
        if let Some(other) = token_store::live_name_taken(tx, &owner.id, &name, None)? {
            return Err(Error::NameTaken(other));
        }
        let credential_epoch = if from_credentials || inherit_epoch {
            Some(user_store::credential_epoch(tx, &owner.id)?)
        } else {
            None
        };
        let spec = NewSpec {
            id: uuid::Uuid::now_v7().to_string(),
            owner: &owner,
            kind,
            name,
            description,
            expires_at,
            scopes,
            tenant_ids,
            credential_epoch,
            rotated_from: None,
        };
        self.insert_token(
            tx,
            s,
            &c.actor,
            &authority.token_prefix,
            spec,
            from_credentials,
        )
    }

    /// The token a session acts through, when it makes a token: never an impersonation token.
    fn making_token(&self, tx: &dyn Conn, via: &ViaToken) -> Result<TokenMeta> {
        let parent =
            token_store::get(tx, &via.id, self.now())?.ok_or_else(|| token_not_found(&via.id))?;
        if parent.kind == TokenKind::Impersonation {
            return Err(Error::PermissionDenied(
                "An impersonation token cannot create tokens.".into(),
            ));
        }
        Ok(parent)
    }

    /// Mints the token described by `spec`, stores its hash and audits its creation.
    fn insert_token(
        &self,
        tx: &dyn Conn,
        s: &Session,
        actor: &User,
        prefix: &str,
        spec: NewSpec<'_>,
        from_credentials: bool,
    ) -> Result<CreatedToken> {
        let plain = token::mint(prefix)?;
        let hash = token::hash_secret(&self.key, &plain);
        let meta = TokenMeta {
            id: spec.id,
            owner_id: spec.owner.id.clone(),
            created_by: actor.id.clone(),
            kind: spec.kind,
            name: spec.name,
            description: spec.description,
            created_at: self.now(),
            expires_at: spec.expires_at,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            last_used_at: None,
            use_count: 0,
            display_hint: token::display_hint(plain.expose_secret()),
            status: TokenStatus::Active,
            owner_name: spec.owner.display_name.clone(),
            created_by_name: actor.display_name.clone(),
            scopes: spec.scopes,
            tenant_ids: spec.tenant_ids,
            rotated_from: spec.rotated_from,
            rotated_to: None,
        };
        token_store::insert(
            tx,
            token_store::NewToken {
                meta: &meta,
                hash: &hash,
                credential_epoch: spec.credential_epoch,
            },
        )?;
        let details = json!({
            "name": meta.name, "kind": meta.kind.as_str(), "owner_id": meta.owner_id,
            "expires_at": meta.expires_at.map(format_utc), "hint": meta.display_hint,
            "scopes": meta.scopes.as_deref().map(token_store::scopes_text),
            "tenant_ids": meta.tenant_ids, "credential_exchange": from_credentials,
            "rotated_from": meta.rotated_from,
        });
        self.changed(tx, Change::token_created(&meta.id))?;
        self.audit(tx, s, AuditAction::TokenCreated, Some(&meta.id), details)?;
        self.enqueue_webhook(tx, WebhookEvent::TokenCreated, &meta, None)?;
        Ok(CreatedToken { meta, token: plain })
    }

    /// Rotation: a successor with the same name, description, scopes, tenants, owner, kind and
    /// lifetime length (from now, within today's policy), shown once; the old token keeps
    /// working for `grace`, then expires. Who may revoke a token and create its like may rotate it.
    pub fn rotate_token(
        &self,
        s: &Session,
        id: &str,
        grace: RotationGrace,
    ) -> Result<CreatedToken> {
        let created = self.write(|tx| {
            let authority = authority_row(tx)?;
            let c = self.ctx(tx, s, Need::Change)?;
            let old = self.load_visible(tx, &c, id)?;
            c.may_manage(&old)?;
            match old.status {
                TokenStatus::Revoked => return Err(Error::AlreadyRevoked),
                TokenStatus::Expired => {
                    return Err(Error::InvalidExpiry(
                        "This authorization expired; create a new one instead.".into(),
                    ))
                }
                TokenStatus::Active | TokenStatus::Suspended => {}
            }
            if old.rotated_to.is_some() {
                return Err(Error::AlreadyRotated);
            }
            c.require(match old.kind {
                TokenKind::Impersonation => Action::CreateImpersonation,
                _ if old.owner_id == c.actor.id => Action::CreateOwn,
                _ => Action::CreateForOther,
            })?;
            if let Some(via) = &s.via_token {
                self.making_token(tx, via)?;
            }
            let owner =
                user_store::get(tx, &old.owner_id)?.ok_or_else(|| user_not_found(&old.owner_id))?;
            may_hold_tokens(tx, &owner)?;
            let now = self.now();
            let lifetime = old.expires_at.map(|e| e - old.created_at);
            let expires_at = authority.policy.renew(lifetime, now)?;
            // The old token leaves the one-live-name rule before its successor takes the name.
            let successor = uuid::Uuid::now_v7().to_string();
            let ends = old
                .expires_at
                .map_or(now + grace.millis(), |e| e.min(now + grace.millis()));
            token_store::mark_rotated(tx, &old.id, &successor, ends)?;
            let spec = NewSpec {
                id: successor,
                owner: &owner,
                kind: old.kind,
                name: old.name.clone(),
                description: old.description.clone(),
                expires_at,
                scopes: old.scopes.clone(),
                tenant_ids: old.tenant_ids.clone(),
                credential_epoch: token_store::credential_epoch(tx, &old.id)?,
                rotated_from: Some(old.id.clone()),
            };
            let created =
                self.insert_token(tx, s, &c.actor, &authority.token_prefix, spec, false)?;
            self.changed(tx, Change::token(&old.id))?;
            self.audit(
                tx,
                s,
                AuditAction::TokenRotated,
                Some(&old.id),
                json!({ "name": old.name, "owner_id": old.owner_id, "successor": created.meta.id,
                        "grace": grace.as_str(), "works_until": format_utc(ends) }),
            )?;
            Ok(created)
        })?;
        log::info!(
            "token {id} rotated: successor {} (grace {})",
            created.meta.id,
            grace.as_str()
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
        self.store.read(|c| self.list_tokens_in(c, s, q, true))
    }

    /// `list_tokens` in a transaction another operation holds; `counted`: with the counts.
    pub(super) fn list_tokens_in(
        &self,
        c: &dyn Conn,
        s: &Session,
        q: &ListQuery,
        counted: bool,
    ) -> Result<ListPage> {
        let now = self.now();
        let ctx = self.ctx(c, s, Need::Read(Scope::TokensRead))?;
        let v = Self::visibility(&ctx, q.scope, q.owner_id.as_deref())?;
        token_store::list(c, v, q, now, counted)
    }

    /// Which tokens a list of `scope` shows the session: its own (impersonation tokens made
    /// for it never), or everyone's — optionally one owner's — with the permission to.
    pub(super) fn visibility<'a>(
        ctx: &'a Ctx,
        scope: ListScope,
        owner_id: Option<&'a str>,
    ) -> Result<token_store::Visibility<'a>> {
        Ok(match scope {
            ListScope::Own if ctx.impersonating() => token_store::Visibility {
                owner_id: Some(&ctx.subject.id),
                hidden_kinds: &[],
                hide_impersonation_of: None,
                legacy: false,
            },
            ListScope::Own => {
                ctx.require(Action::ListOwn)?;
                token_store::Visibility {
                    owner_id: Some(&ctx.actor.id),
                    hidden_kinds: &[TokenKind::Impersonation],
                    hide_impersonation_of: None,
                    legacy: false,
                }
            }
            ListScope::All => {
                ctx.require(Action::ListAll)?;
                let hidden: &[TokenKind] = if ctx.perms.impersonate {
                    &[]
                } else {
                    &[TokenKind::Impersonation]
                };
                // Never the impersonation tokens made for the actor themselves.
                token_store::Visibility {
                    owner_id,
                    hidden_kinds: hidden,
                    hide_impersonation_of: Some(&ctx.actor.id),
                    legacy: false,
                }
            }
        })
    }

    /// A token the session may see, or "not found" (whether it exists or not).
    pub(super) fn load_visible(&self, conn: &dyn Conn, ctx: &Ctx, id: &str) -> Result<TokenMeta> {
        token_store::get(conn, id, self.now())?
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
        let meta = self.write(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            let mut t = self.load_visible(tx, &ctx, id)?;
            ctx.may_manage(&t)?;
            if t.status == TokenStatus::Revoked {
                return Err(Error::TokenRevoked);
            }
            if t.name == name {
                return Ok(t);
            }
            if let Some(other) = token_store::live_name_taken(tx, &t.owner_id, &name, Some(id))? {
                return Err(Error::NameTaken(other));
            }
            token_store::rename(tx, id, &name)?;
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
        let meta = self.write(|tx| {
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
    pub(super) fn revoke_row(
        &self,
        tx: &dyn Conn,
        s: &Session,
        t: &mut TokenMeta,
        now: Millis,
        reason: Option<String>,
        by_possession: bool,
    ) -> Result<()> {
        token_store::revoke(tx, &t.id, now, &s.actor_id, reason.as_deref())?;
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
        self.enqueue_webhook(tx, WebhookEvent::TokenRevoked, t, None)?;
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
            .read(|c| token_store::get_by_hash(c, &hash, self.now()))?
            .is_some_and(|m| m.id == t.id);
        if !matches {
            return Err(Error::InvalidToken(
                "This is not the token of that authorization.".into(),
            ));
        }
        keyring_copy(
            secrets,
            format!("{}/{}", self.authority_id, t.id),
            presented,
        )
    }
}

/// Writes a person's copy of their token and says where it is and how to read it back.
pub fn keyring_copy(
    secrets: &dyn SecretStore,
    account: String,
    token: &SecretString,
) -> Result<KeyringCopy> {
    secrets.set(&account, token.expose_secret().as_bytes())?;
    Ok(KeyringCopy {
        service: secrets.service().to_string(),
        lookup_command: secrets.lookup_command(&account),
        account,
    })
}

/// What a new token is made of, its rights already checked.
struct NewSpec<'a> {
    id: String,
    owner: &'a User,
    kind: TokenKind,
    name: String,
    description: String,
    expires_at: Option<Millis>,
    scopes: Option<Vec<Scope>>,
    tenant_ids: Option<Vec<String>>,
    credential_epoch: Option<i64>,
    rotated_from: Option<String>,
}

/// The owner may hold tokens: active, and their role has API access. Their permissions.
fn may_hold_tokens(tx: &dyn Conn, owner: &User) -> Result<Permissions> {
    if owner.status != UserStatus::Active {
        return Err(Error::UserInactive(format!(
            "{} is disabled or removed and cannot hold tokens.",
            owner.display_name
        )));
    }
    let perms = user_store::permissions_of(tx, &owner.role)?;
    if !perms.api_access {
        return Err(Error::PermissionDenied(format!(
            "{}'s role has no API access, so they cannot hold tokens.",
            owner.display_name
        )));
    }
    Ok(perms)
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
