//! Authority settings: name, token prefix (new tokens only), expiry policy, "owners only".

use super::Tokendesk;
use crate::model::{Session, Settings};
use crate::permissions::Action;
use crate::store::authority as authority_store;
use crate::{token, validate, Result};
use serde_json::json;

impl Tokendesk {
    pub fn settings(&self, s: &Session) -> Result<Settings> {
        self.store.read(|c| self.ctx(c, s))?;
        let a = self.authority();
        Ok(Settings {
            authority_name: a.display_name,
            token_prefix: a.token_prefix,
            policy: a.policy,
            only_owners_create_tokens: a.only_owners_create_tokens,
        })
    }

    /// Changing the policy or prefix never alters existing tokens.
    pub fn update_settings(&self, s: &Session, new: Settings) -> Result<Settings> {
        let name = validate::name(&new.authority_name)?;
        token::validate_prefix(&new.token_prefix)?;
        new.policy.validate()?;
        let mut guard = self.authority.write().unwrap_or_else(|p| p.into_inner());
        let mut next = guard.clone();
        next.display_name = name;
        next.token_prefix = new.token_prefix.clone();
        next.policy = new.policy.clone();
        next.only_owners_create_tokens = new.only_owners_create_tokens;
        self.store.with_tx(|tx| {
            let ctx = self.ctx_with(tx, s, guard.only_owners_create_tokens)?;
            ctx.require(Action::ManageSettings)?;
            authority_store::update_settings(tx, &next)?;
            let details = json!({
                "authority_name": [guard.display_name, next.display_name],
                "token_prefix": [guard.token_prefix, next.token_prefix],
                "policy": [guard.policy, next.policy],
                "only_owners_create_tokens": [guard.only_owners_create_tokens, next.only_owners_create_tokens],
            });
            self.audit(tx, s, "settings.changed", None, details)
        })?;
        *guard = next;
        drop(guard);
        self.settings(s)
    }
}
