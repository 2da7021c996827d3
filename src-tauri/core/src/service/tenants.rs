//! Tenants (clients, companies): who belongs to which, and which one a user works in. Managed by
//! those who manage users; a user may switch their own active tenant.

use super::{user_not_found, Need, Tokendesk};
use crate::feed::Change;
use crate::model::*;
use crate::permissions::Action;
use crate::store::Conn;
use crate::store::{tenants as tenant_store, users as user_store};
use crate::{validate, Error, Result};
use serde_json::json;

fn tenant_not_found(id: &str) -> Error {
    Error::NotFound(format!("No tenant with id {id} was found."))
}

fn get_tenant(c: &dyn Conn, id: &str) -> Result<Tenant> {
    tenant_store::get(c, id)?.ok_or_else(|| tenant_not_found(id))
}

impl Tokendesk {
    /// Every tenant, for those who manage users; everyone else sees their own.
    pub fn list_tenants(&self, s: &Session) -> Result<Vec<Tenant>> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Read(Scope::UsersRead))?;
            let mut all = if ctx.can(Action::ManageUsers) || ctx.can(Action::ListAll) {
                tenant_store::list(c)?
            } else {
                tenant_store::get_many(c, &ctx.subject.tenant_ids)?
            };
            // A token limited to tenants sees only those, even when its owner sees them all.
            all.retain(|t| ctx.shows_tenant(&t.id));
            Ok(all)
        })
    }

    pub fn create_tenant(&self, s: &Session, name: &str) -> Result<Tenant> {
        let name = validate::name(name)?;
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageUsers)?;
            if let Some(other) = tenant_store::name_taken(tx, &name, None)? {
                return Err(Error::NameTaken(other));
            }
            let t = Tenant {
                id: uuid::Uuid::now_v7().to_string(),
                name: name.clone(),
                created_at: self.now(),
            };
            tenant_store::insert(tx, &t)?;
            self.changed(tx, Change::tenant(&t.id))?;
            self.audit(
                tx,
                s,
                AuditAction::TenantCreated,
                Some(&t.id),
                json!({ "name": t.name }),
            )?;
            Ok(t)
        })
    }

    pub fn rename_tenant(&self, s: &Session, id: &str, name: &str) -> Result<Tenant> {
        let name = validate::name(name)?;
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageUsers)?;
            let mut t = get_tenant(tx, id)?;
            if t.name == name {
                return Ok(t);
            }
            if let Some(other) = tenant_store::name_taken(tx, &name, Some(id))? {
                return Err(Error::NameTaken(other));
            }
            tenant_store::rename(tx, id, &name)?;
            self.changed(tx, Change::tenant(id))?;
            self.audit(
                tx,
                s,
                AuditAction::TenantRenamed,
                Some(id),
                json!({ "from": t.name, "to": name }),
            )?;
            t.name = name;
            Ok(t)
        })
    }

    /// Adds or removes a membership. Leaving a tenant also ends the use of tokens limited to it.
    pub fn set_tenant_member(
        &self,
        s: &Session,
        tenant_id: &str,
        user_id: &str,
        member: bool,
    ) -> Result<User> {
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageUsers)?;
            let t = get_tenant(tx, tenant_id)?;
            let u = user_store::get(tx, user_id)?.ok_or_else(|| user_not_found(user_id))?;
            let changed = if member {
                if u.status == UserStatus::Removed {
                    return Err(Error::UserInactive(format!(
                        "{} was removed and cannot join a tenant.",
                        u.display_name
                    )));
                }
                tenant_store::add_member(tx, tenant_id, user_id)?
            } else {
                tenant_store::remove_member(tx, tenant_id, user_id)?
            };
            if changed {
                self.changed(tx, Change::user(user_id))?;
                let action = if member {
                    AuditAction::TenantMemberAdded
                } else {
                    AuditAction::TenantMemberRemoved
                };
                self.audit(
                    tx,
                    s,
                    action,
                    Some(user_id),
                    json!({ "tenant_id": t.id, "tenant": t.name, "user": u.display_name }),
                )?;
            }
            user_store::get(tx, user_id)?.ok_or_else(|| user_not_found(user_id))
        })
    }

    /// Switches the tenant a user works in: their own, or anyone's for those who manage users.
    pub fn set_active_tenant(&self, s: &Session, user_id: &str, tenant_id: &str) -> Result<User> {
        self.write(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            ctx.require_tenant(tenant_id)?;
            if user_id != ctx.subject.id {
                ctx.require(Action::ManageUsers)?;
            }
            let u = user_store::get(tx, user_id)?.ok_or_else(|| user_not_found(user_id))?;
            let t = get_tenant(tx, tenant_id)?;
            if !u.tenant_ids.contains(&t.id) {
                return Err(Error::NotFound(format!(
                    "{} is not a member of {}.",
                    u.display_name, t.name
                )));
            }
            if u.active_tenant_id.as_deref() != Some(tenant_id) {
                tenant_store::set_active(tx, user_id, tenant_id)?;
                self.changed(tx, Change::user(user_id))?;
                self.audit(
                    tx,
                    s,
                    AuditAction::TenantSwitched,
                    Some(user_id),
                    json!({ "from": u.active_tenant_id, "to": t.id, "tenant": t.name }),
                )?;
            }
            user_store::get(tx, user_id)?.ok_or_else(|| user_not_found(user_id))
        })
    }
}
