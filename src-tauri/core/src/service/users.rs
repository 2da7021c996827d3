//! Managing users and roles, with the rules that keep the authority administrable: at least
//! one active owner, and no change that takes away the operator's own `manage_settings`.

use super::{user_not_found, Ctx, Need, Tokendesk};
use crate::feed::Change;
use crate::model::*;
use crate::password;
use crate::permissions::{Action, OWNER_ROLE};
use crate::secret::SecretString;
use crate::store::users as user_store;
use crate::store::Conn;
use crate::{validate, Error, Result};
use serde_json::json;

/// A service user's password is an API password: it is sent with the email to the credential
/// exchange (`POST /api/auth/token`), never to sign in to the app.
const API_PASSWORD_NEEDS_EMAIL: &str =
    "A service user's API password goes with its email address to POST /api/auth/token: give it an email address first.";

impl Tokendesk {
    pub(super) fn users_ctx(&self, c: &dyn Conn, s: &Session) -> Result<Ctx> {
        let ctx = self.ctx(c, s, Need::Change)?;
        ctx.require(Action::ManageUsers)?;
        Ok(ctx)
    }

    /// Users are listed to those who manage users or see everyone's tokens (owner filters).
    pub fn list_users(&self, s: &Session) -> Result<Vec<User>> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::UsersRead))?;
            if !(ctx.can(Action::ManageUsers) || ctx.can(Action::ListAll)) {
                ctx.require(Action::ManageUsers)?;
            }
            user_store::list(c)
        })
    }

    pub fn list_roles(&self, s: &Session) -> Result<Vec<Role>> {
        self.store.read(|c| {
            self.ctx(c, s, Need::Read(Scope::UsersRead))?;
            user_store::roles(c)
        })
    }

    fn check_role_exists(c: &dyn Conn, role: &str) -> Result<Role> {
        user_store::role(c, role)?
            .ok_or_else(|| Error::NotFound(format!("There is no role \u{201c}{role}\u{201d}.")))
    }

    fn check_email_free(c: &dyn Conn, email: &str, except: Option<&str>) -> Result<()> {
        match user_store::get_by_email(c, email)? {
            Some(u) if Some(u.id.as_str()) != except => Err(Error::EmailTaken(email.to_string())),
            _ => Ok(()),
        }
    }

    pub fn create_user(&self, s: &Session, new: NewUser) -> Result<User> {
        let display_name = validate::name(&new.display_name)?;
        let email = match new
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(e) => Some(validate::email(e)?),
            None if new.kind == UserKind::Human => {
                return Err(Error::InvalidEmail(
                    "A person needs an email address to sign in.".into(),
                ))
            }
            None => None,
        };
        let pw = new.password.map(SecretString::from);
        if let Some(pw) = &pw {
            if new.kind == UserKind::Service && email.is_none() {
                return Err(Error::InvalidPassword(API_PASSWORD_NEEDS_EMAIL.into()));
            }
            password::check_rules(pw)?;
        }
        // Hash before taking the database lock: Argon2 is slow on purpose.
        let pw_hash = pw.as_ref().map(password::hash).transpose()?;
        self.write(|tx| {
            self.users_ctx(tx, s)?;
            Self::check_role_exists(tx, &new.role)?;
            if let Some(e) = &email {
                Self::check_email_free(tx, e, None)?;
            }
            let user = User {
                id: uuid::Uuid::now_v7().to_string(),
                display_name,
                email,
                kind: new.kind,
                role: new.role.clone(),
                status: UserStatus::Active,
                created_at: self.now(),
                has_password: pw_hash.is_some(),
                tenant_ids: vec![],
                active_tenant_id: None,
            };
            user_store::insert(tx, &user, pw_hash.as_deref())?;
            self.changed(tx, Change::user(&user.id))?;
            let details = json!({ "name": user.display_name, "email": user.email, "kind": user.kind, "role": user.role });
            self.audit(tx, s, AuditAction::UserCreated, Some(&user.id), details)?;
            Ok(user)
        })
    }

    pub fn update_user(&self, s: &Session, id: &str, up: UserUpdate) -> Result<User> {
        let name = up.display_name.as_deref().map(validate::name).transpose()?;
        let email = up
            .email
            .as_deref()
            .map(|e| e.trim())
            .map(|e| {
                if e.is_empty() {
                    Ok(None)
                } else {
                    validate::email(e).map(Some)
                }
            })
            .transpose()?;
        self.write(|tx| {
            let ctx = self.users_ctx(tx, s)?;
            let user = user_store::get(tx, id)?.filter(|u| u.status != UserStatus::Removed).ok_or_else(|| user_not_found(id))?;
            let role = up.role.clone().unwrap_or_else(|| user.role.clone());
            if role != user.role {
                let new_role = Self::check_role_exists(tx, &role)?;
                if user.role == OWNER_ROLE && user.status == UserStatus::Active && user_store::active_owner_count(tx)? <= 1 {
                    return Err(Error::LastOwner(format!("{} is the last owner; make someone else an owner first.", user.display_name)));
                }
                if id == ctx.actor.id && ctx.perms.manage_settings && !new_role.permissions.manage_settings {
                    return Err(Error::SelfLockout("This would take away your own permission to change settings.".into()));
                }
            }
            let email = match email.clone() {
                Some(e) => e,
                None => user.email.clone(),
            };
            if email.is_none() && user.kind == UserKind::Human && user.email.is_some() {
                return Err(Error::InvalidEmail("A person needs an email address to sign in.".into()));
            }
            if let Some(e) = &email {
                Self::check_email_free(tx, e, Some(id))?;
            }
            let name = name.clone().unwrap_or_else(|| user.display_name.clone());
            user_store::update(tx, id, &name, email.as_deref(), &role)?;
            self.changed(tx, Change::user(id))?;
            let details = json!({
                "name": [user.display_name, name], "email": [user.email, email], "role": [user.role, role],
            });
            self.audit(tx, s, AuditAction::UserUpdated, Some(id), details)?;
            user_store::get(tx, id)?.ok_or_else(|| user_not_found(id))
        })
    }

    /// The checks shared by disable and remove: not yourself, not the last owner.
    fn check_can_deactivate(tx: &dyn Conn, ctx: &Ctx, user: &User, verb: &str) -> Result<()> {
        if user.id == ctx.actor.id {
            return Err(Error::SelfLockout(format!("You cannot {verb} yourself.")));
        }
        if user.role == OWNER_ROLE
            && user.status == UserStatus::Active
            && user_store::active_owner_count(tx)? <= 1
        {
            return Err(Error::LastOwner(format!(
                "{} is the last owner and cannot be {verb}d.",
                user.display_name
            )));
        }
        Ok(())
    }

    /// Disable (`active = false`) or re-enable a user. A disabled user's tokens stop verifying
    /// at once, and work again when the user is re-enabled.
    pub fn set_user_active(&self, s: &Session, id: &str, active: bool) -> Result<User> {
        self.write(|tx| {
            let ctx = self.users_ctx(tx, s)?;
            let user = user_store::get(tx, id)?
                .filter(|u| u.status != UserStatus::Removed)
                .ok_or_else(|| user_not_found(id))?;
            if !active {
                Self::check_can_deactivate(tx, &ctx, &user, "disable")?;
            }
            if (user.status == UserStatus::Active) == active {
                return Ok(user);
            }
            user_store::set_status(tx, id, active)?;
            self.changed(tx, Change::user(id))?;
            self.audit(
                tx,
                s,
                if active {
                    AuditAction::UserEnabled
                } else {
                    AuditAction::UserDisabled
                },
                Some(id),
                json!({ "name": user.display_name }),
            )?;
            user_store::get(tx, id)?.ok_or_else(|| user_not_found(id))
        })
    }

    /// Removes a user for good: their tokens stop verifying, their password and email are
    /// dropped, and the row stays so the audit history keeps its names.
    pub fn remove_user(&self, s: &Session, id: &str) -> Result<User> {
        self.write(|tx| {
            let ctx = self.users_ctx(tx, s)?;
            let user = user_store::get(tx, id)?
                .filter(|u| u.status != UserStatus::Removed)
                .ok_or_else(|| user_not_found(id))?;
            Self::check_can_deactivate(tx, &ctx, &user, "remove")?;
            user_store::mark_removed(tx, id, self.now())?;
            self.changed(tx, Change::user(id))?;
            self.audit(
                tx,
                s,
                AuditAction::UserRemoved,
                Some(id),
                json!({ "name": user.display_name, "email": user.email }),
            )?;
            user_store::get(tx, id)?.ok_or_else(|| user_not_found(id))
        })
    }

    /// An admin sets (or resets) a person's password.
    pub fn set_password(&self, s: &Session, id: &str, pw: &SecretString) -> Result<User> {
        password::check_rules(pw)?;
        let hash = password::hash(pw)?;
        self.write(|tx| {
            self.users_ctx(tx, s)?;
            let user = user_store::get(tx, id)?
                .filter(|u| u.status != UserStatus::Removed)
                .ok_or_else(|| user_not_found(id))?;
            if user.kind == UserKind::Service && user.email.is_none() {
                return Err(Error::InvalidPassword(API_PASSWORD_NEEDS_EMAIL.into()));
            }
            user_store::set_password_hash(tx, id, &hash)?;
            self.changed(tx, Change::user(id))?;
            self.audit(
                tx,
                s,
                AuditAction::UserPasswordSet,
                Some(id),
                json!({ "name": user.display_name }),
            )?;
            user_store::get(tx, id)?.ok_or_else(|| user_not_found(id))
        })
    }

    /// The signed-in person changes their own password (the current one is required if set).
    pub fn change_own_password(
        &self,
        s: &Session,
        current: Option<&SecretString>,
        new: &SecretString,
    ) -> Result<()> {
        password::check_rules(new)?;
        let existing = self.store.read(|c| {
            self.ctx(c, s, Need::Change)?;
            user_store::password_hash(c, &s.actor_id)
        })?;
        if let Some(h) = existing {
            if !current.is_some_and(|pw| password::verify(pw, &h)) {
                return Err(Error::InvalidCredentials);
            }
        }
        let hash = password::hash(new)?;
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?;
            user_store::set_password_hash(tx, &s.actor_id, &hash)?;
            self.changed(tx, Change::user(&s.actor_id))?;
            self.audit(
                tx,
                s,
                AuditAction::UserPasswordChanged,
                Some(&s.actor_id),
                json!({}),
            )
        })
    }

    /// Changes a role's permissions. The Owner role always has every permission.
    pub fn update_role(&self, s: &Session, id: &str, perms: Permissions) -> Result<Role> {
        self.write(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            ctx.require(Action::ManageSettings)?;
            let role = Self::check_role_exists(tx, id)?;
            if id == OWNER_ROLE {
                return Err(Error::LastOwner(
                    "The Owner role always has every permission.".into(),
                ));
            }
            if ctx.actor.role == id && !perms.manage_settings {
                return Err(Error::SelfLockout(
                    "This would take away your own permission to change settings.".into(),
                ));
            }
            user_store::update_role(tx, id, &perms)?;
            self.changed(tx, Change::role(id))?;
            self.audit(
                tx,
                s,
                AuditAction::RoleUpdated,
                Some(id),
                json!({ "role": role.name, "from": role.permissions, "to": perms }),
            )?;
            Self::check_role_exists(tx, id)
        })
    }
}
