//! Who may do what. Every operation asks `authorize` before touching data, so a face that hides
//! a button is a convenience, never the protection.

use crate::model::{Permissions, User, UserStatus};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything an operator can attempt, as the permission matrix names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    ListOwn,
    ListAll,
    CreateOwn,
    CreateForOther,
    CreateImpersonation,
    ManageOwn,
    ManageOthers,
    ManageImpersonation,
    ManageUsers,
    ManageSettings,
    ViewAudit,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::ListOwn,
        Action::ListAll,
        Action::CreateOwn,
        Action::CreateForOther,
        Action::CreateImpersonation,
        Action::ManageOwn,
        Action::ManageOthers,
        Action::ManageImpersonation,
        Action::ManageUsers,
        Action::ManageSettings,
        Action::ViewAudit,
    ];

    fn describe(self) -> &'static str {
        match self {
            Action::ListOwn => "list your own authorizations",
            Action::ListAll => "list everyone's authorizations",
            Action::CreateOwn => "create authorizations",
            Action::CreateForOther => "create authorizations for other users",
            Action::CreateImpersonation => "create impersonation tokens",
            Action::ManageOwn => "rename or revoke your authorizations",
            Action::ManageOthers => "rename or revoke other users' authorizations",
            Action::ManageImpersonation => "rename or revoke impersonation tokens",
            Action::ManageUsers => "manage users",
            Action::ManageSettings => "change settings",
            Action::ViewAudit => "view the audit log",
        }
    }
}

pub const OWNER_ROLE: &str = "owner";

/// Is `actor` (with its role's permissions) allowed `action`? `owners_only_create` is the
/// "super-admin only" setting: when on, only owners may create tokens at all.
pub fn allowed(
    actor: &User,
    perms: &Permissions,
    owners_only_create: bool,
    action: Action,
) -> bool {
    if actor.status != UserStatus::Active {
        return false;
    }
    let creating = matches!(
        action,
        Action::CreateOwn | Action::CreateForOther | Action::CreateImpersonation
    );
    if creating && owners_only_create && actor.role != OWNER_ROLE {
        return false;
    }
    match action {
        Action::ListOwn | Action::CreateOwn | Action::ManageOwn => perms.api_access,
        Action::ListAll => {
            perms.manage_users || perms.impersonate || perms.create_tokens_for_others
        }
        Action::CreateForOther => perms.create_tokens_for_others,
        Action::CreateImpersonation | Action::ManageImpersonation => perms.impersonate,
        Action::ManageOthers => perms.create_tokens_for_others || perms.manage_users,
        Action::ManageUsers => perms.manage_users,
        Action::ManageSettings => perms.manage_settings,
        Action::ViewAudit => perms.view_audit,
    }
}

pub fn authorize(
    actor: &User,
    perms: &Permissions,
    owners_only_create: bool,
    action: Action,
) -> Result<()> {
    if allowed(actor, perms, owners_only_create, action) {
        Ok(())
    } else if actor.status != UserStatus::Active {
        Err(Error::PermissionDenied(format!(
            "{} is not an active user.",
            actor.display_name
        )))
    } else {
        Err(Error::PermissionDenied(format!(
            "Your role does not allow you to {}.",
            action.describe()
        )))
    }
}
