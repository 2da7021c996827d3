//! Who acts and what they may do: the access context every operation starts from, and the
//! limits of the token a session acts through (its scopes and tenants), checked here for every
//! face (desktop, HTTP, CLI) so none can skip them.

use super::{token_not_found, user_not_found, Tokendesk};
use crate::model::*;
use crate::permissions::{self, Action};
use crate::store::users as user_store;
use crate::store::Conn;
use crate::{Error, Result};

/// What an operation needs of the token its session acts through. A session without a token
/// (the desktop, the CLI with a password) has no such limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Reads nothing a scope guards (the session itself, the settings the UI starts with).
    Nothing,
    /// A read that this scope allows.
    Read(Scope),
    /// Any change: only a full-access token, never one limited to read-only scopes.
    Change,
}

impl Need {
    pub fn check(self, s: &Session) -> Result<()> {
        let Some(via) = &s.via_token else {
            return Ok(());
        };
        match self {
            Need::Nothing => Ok(()),
            Need::Read(scope) if via.allows(scope) => Ok(()),
            Need::Read(scope) => Err(Error::InsufficientScope(match scope {
                Scope::Introspect => {
                    "Introspection needs a token with the introspect scope.".to_string()
                }
                _ => format!("This token lacks the {} scope.", scope.as_str()),
            })),
            Need::Change if via.scopes.is_none() => Ok(()),
            Need::Change => Err(Error::InsufficientScope(
                "This token is limited to read-only scopes; changes need a full-access token."
                    .into(),
            )),
        }
    }
}

/// The signed-in actor, whose view is shown (the subject), and what the actor may do; loaded
/// from the database for every operation so a role change or a disable applies at once.
pub(super) struct Ctx {
    pub(super) actor: User,
    pub(super) perms: Permissions,
    pub(super) subject: User,
    pub(super) owners_only: bool,
    /// The token the session acts through, with its limits.
    pub(super) via: Option<ViaToken>,
}

impl Ctx {
    pub(super) fn impersonating(&self) -> bool {
        self.actor.id != self.subject.id
    }
    pub(super) fn can(&self, a: Action) -> bool {
        permissions::allowed(&self.actor, &self.perms, self.owners_only, a)
    }
    pub(super) fn require(&self, a: Action) -> Result<()> {
        permissions::authorize(&self.actor, &self.perms, self.owners_only, a)
    }

    /// Impersonation tokens are shown only to admins holding `impersonate`, never to the
    /// person they were made for (GitLab issue 332410 leaked exactly these).
    pub(super) fn sees(&self, t: &TokenMeta) -> bool {
        match t.kind {
            // Legacy keys exist for no one's token pages, only for the Migration screen.
            TokenKind::Legacy => false,
            TokenKind::Impersonation => {
                self.perms.impersonate
                    && t.owner_id != self.actor.id
                    && ((self.impersonating() && t.owner_id == self.subject.id)
                        || self.can(Action::ListAll))
            }
            _ => t.owner_id == self.subject.id || self.can(Action::ListAll),
        }
    }

    /// May the actor rename or revoke `t`? Invisible tokens are "not found", not "forbidden".
    pub(super) fn may_manage(&self, t: &TokenMeta) -> Result<()> {
        if !self.sees(t) {
            return Err(token_not_found(&t.id));
        }
        match t.kind {
            TokenKind::Impersonation => self.require(Action::ManageImpersonation),
            _ if t.owner_id == self.actor.id && !self.impersonating() => {
                self.require(Action::ManageOwn)
            }
            // Acting as the impersonated user (the session already required `impersonate`).
            _ if self.impersonating() && t.owner_id == self.subject.id => Ok(()),
            _ => self.require(Action::ManageOthers),
        }
    }

    /// A token limited to tenants acts only in those.
    pub(super) fn require_tenant(&self, tenant_id: &str) -> Result<()> {
        match &self.via {
            Some(v) if !v.allows_tenant(tenant_id) => Err(Error::PermissionDenied(
                "This token is limited to other tenants.".into(),
            )),
            _ => Ok(()),
        }
    }

    /// The tenants a list may show: a token limited to tenants sees only those.
    pub(super) fn shows_tenant(&self, tenant_id: &str) -> bool {
        self.via.as_ref().is_none_or(|v| v.allows_tenant(tenant_id))
    }
}

impl Tokendesk {
    /// The local operator: the owner (the OS user), acting for themselves.
    pub fn local_session(&self) -> Session {
        Session {
            actor_id: self.local_owner_id.clone(),
            subject_id: self.local_owner_id.clone(),
            local_owner: true,
            via_token: None,
        }
    }

    /// The context of an operation that needs `need` of the token the session acts through
    /// (if any): checked here, before any data is read, for every face alike.
    pub(super) fn ctx(&self, conn: &dyn Conn, s: &Session, need: Need) -> Result<Ctx> {
        need.check(s)?;
        let owners_only = crate::store::authority::only_owners_create_tokens(conn)?;
        self.ctx_with(conn, s, need, owners_only)
    }

    /// `ctx` with the "owners only" setting given (a settings change checks the old value).
    pub(super) fn ctx_with(
        &self,
        conn: &dyn Conn,
        s: &Session,
        need: Need,
        owners_only: bool,
    ) -> Result<Ctx> {
        need.check(s)?;
        let actor = user_store::get(conn, &s.actor_id)?.ok_or_else(|| {
            Error::PermissionDenied("The signed-in user no longer exists.".into())
        })?;
        if actor.status != UserStatus::Active {
            return Err(Error::UserInactive(format!(
                "{} is disabled or removed; sign in as another user.",
                actor.display_name
            )));
        }
        let perms = user_store::permissions_of(conn, &actor.role)?;
        let subject = if s.subject_id == s.actor_id {
            actor.clone()
        } else {
            if !perms.impersonate {
                return Err(Error::PermissionDenied(
                    "Your role no longer allows impersonation.".into(),
                ));
            }
            let subject = user_store::get(conn, &s.subject_id)?
                .ok_or_else(|| user_not_found(&s.subject_id))?;
            if subject.status != UserStatus::Active {
                return Err(Error::UserInactive(format!(
                    "{} is disabled or removed; stop impersonating.",
                    subject.display_name
                )));
            }
            subject
        };
        Ok(Ctx {
            actor,
            perms,
            subject,
            owners_only,
            via: s.via_token.clone(),
        })
    }
}
