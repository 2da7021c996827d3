//! Authority settings: name, token prefix (new tokens only), expiry policy, "owners only",
//! when expiry alerts come.

use super::{Need, Tokendesk};
use crate::feed::Change;
use crate::model::{AuditAction, ServiceSettings, Session, Settings};
use crate::permissions::Action;
use crate::store::authority as authority_store;
use crate::{token, validate, Error, Result};
use serde_json::json;

impl Tokendesk {
    pub fn settings(&self, s: &Session) -> Result<Settings> {
        let alerts = self.store.read(|c| {
            self.ctx(c, s, Need::Nothing)?;
            authority_store::alert_settings(c)
        })?;
        let a = self.authority()?;
        Ok(Settings {
            authority_name: a.display_name,
            token_prefix: a.token_prefix,
            policy: a.policy,
            only_owners_create_tokens: a.only_owners_create_tokens,
            alerts: Some(alerts),
        })
    }

    /// Changing the policy or prefix never alters existing tokens.
    pub fn update_settings(&self, s: &Session, new: Settings) -> Result<Settings> {
        let name = validate::name(&new.authority_name)?;
        token::validate_prefix(&new.token_prefix)?;
        new.policy.validate()?;
        if let Some(alerts) = &new.alerts {
            alerts.validate()?;
        }
        // Read and written in one transaction, under the store's lock alone.
        self.write(|tx| {
            let before = super::authority_row(tx)?;
            let ctx = self.ctx_with(tx, s, Need::Change, before.only_owners_create_tokens)?;
            ctx.require(Action::ManageSettings)?;
            let mut next = before.clone();
            next.display_name = name;
            next.token_prefix = new.token_prefix.clone();
            next.policy = new.policy.clone();
            next.only_owners_create_tokens = new.only_owners_create_tokens;
            authority_store::update_settings(tx, &next)?;
            let alerts_before = authority_store::alert_settings(tx)?;
            let alerts = new.alerts.unwrap_or(alerts_before);
            authority_store::set_alert_settings(tx, &alerts)?;
            self.changed(tx, Change::Authority)?;
            let details = json!({
                "authority_name": [before.display_name, next.display_name],
                "token_prefix": [before.token_prefix, next.token_prefix],
                "policy": [before.policy, next.policy],
                "only_owners_create_tokens": [before.only_owners_create_tokens, next.only_owners_create_tokens],
                "alerts": [alerts_before, alerts],
            });
            self.audit(tx, s, AuditAction::SettingsChanged, None, details)
        })?;
        self.settings(s)
    }

    pub fn service_settings(&self, s: &Session) -> Result<ServiceSettings> {
        self.store.read(|c| {
            self.ctx(c, s, Need::Nothing)?;
            authority_store::service_settings(c)
        })
    }

    /// The embedded verification service's settings; the desktop applies them (tokendesk_http::Host).
    pub fn update_service_settings(
        &self,
        s: &Session,
        new: ServiceSettings,
    ) -> Result<ServiceSettings> {
        let bind = new.bind.trim().to_string();
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(Error::InvalidInput(format!(
                "\u{201c}{bind}\u{201d} is not an IP address with a port, like 127.0.0.1:7878 or [::1]:7878 (a host name is not accepted)."
            )));
        }
        let mut schemes = vec![];
        for scheme in &new.extra_schemes {
            let scheme = scheme.trim();
            let ok = !scheme.is_empty()
                && scheme.len() <= 40
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !ok {
                return Err(Error::InvalidInput(format!(
                    "\u{201c}{scheme}\u{201d} is not a scheme name (letters, digits, - _ . only)."
                )));
            }
            if !scheme.eq_ignore_ascii_case("bearer") && !schemes.contains(&scheme.to_string()) {
                schemes.push(scheme.to_string());
            }
        }
        let next = ServiceSettings {
            enabled: new.enabled,
            bind,
            extra_schemes: schemes,
        };
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageSettings)?;
            let before = authority_store::service_settings(tx)?;
            if before != next {
                authority_store::set_service_settings(tx, &next)?;
                self.changed(tx, Change::Authority)?;
                self.audit(
                    tx,
                    s,
                    AuditAction::ServiceSettingsChanged,
                    None,
                    json!({ "before": before, "after": next }),
                )?;
            }
            Ok(())
        })?;
        Ok(next)
    }
}
