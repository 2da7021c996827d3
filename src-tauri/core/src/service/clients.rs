//! OAuth client credentials of service users (RFC 6749 §4.4): an integration holds a client id
//! and a secret (shown once, kept as a keyed hash like tokens) and obtains tokens of its service
//! user with them, limited like that user's role. Replacing the secret ends those tokens.

use super::{user_not_found, Tokendesk};
use crate::feed::Change;
use crate::model::*;
use crate::secret::SecretString;
use crate::store::{clients as client_store, users as user_store};
use crate::{token, Error, Result};
use serde_json::json;

/// The prefix of client secrets: they look like tokens (checksum included) but are not ones.
const SECRET_PREFIX: &str = "tkdcs";

impl Tokendesk {
    /// Sets a service user's client credentials, or replaces the secret (same client id): every
    /// token obtained with the old secret (or the API password) ends. Audited. The secret is
    /// returned this once.
    pub fn set_client_credentials(&self, s: &Session, user_id: &str) -> Result<ClientCredentials> {
        let secret = token::mint(SECRET_PREFIX)?;
        let hash = token::hash_secret(&self.key, &secret);
        let now = self.now();
        let client_id = self.write(|tx| {
            self.users_ctx(tx, s)?;
            let user = user_store::get(tx, user_id)?
                .filter(|u| u.status != UserStatus::Removed)
                .ok_or_else(|| user_not_found(user_id))?;
            if user.kind != UserKind::Service {
                return Err(Error::InvalidInput(
                    "Only a service user has client credentials; a person signs in with a password."
                        .into(),
                ));
            }
            let client_id = match client_store::of_user(tx, user_id)? {
                Some((id, _)) => id,
                None => format!("tdc-{}", uuid::Uuid::now_v7().simple()),
            };
            client_store::put(tx, &client_id, user_id, &hash, now)?;
            user_store::end_credential_tokens(tx, user_id)?;
            self.changed(tx, Change::user(user_id))?;
            self.audit(
                tx,
                s,
                AuditAction::UserClientSecretSet,
                Some(user_id),
                json!({ "name": user.display_name, "client_id": client_id }),
            )?;
            Ok(client_id)
        })?;
        Ok(ClientCredentials {
            client_id,
            client_secret: secret,
        })
    }

    /// The client id of a service user, if it has client credentials (for those who manage
    /// users).
    pub fn client_id(&self, s: &Session, user_id: &str) -> Result<Option<String>> {
        self.store.read(|c| {
            self.users_ctx(c, s)?;
            Ok(client_store::of_user(c, user_id)?.map(|(id, _)| id))
        })
    }

    /// RFC 6749 §4.4: a new token of the client's service user, with `scope` if given (only
    /// what the user's role allows), bound to the current secret. Rate-limited per client id
    /// and per address like sign-in; a wrong id or secret is one `InvalidCredentials`.
    pub fn client_credentials_grant(
        &self,
        client_id: &str,
        secret: &SecretString,
        scope: Option<Vec<Scope>>,
        client: Option<&str>,
    ) -> Result<CreatedToken> {
        let id = client_id.trim();
        let account = if id.len() <= 64 {
            format!("client:{id}")
        } else {
            "client:(too long)".to_string()
        };
        let user = self.guarded(&account, client, || {
            let found = if id.len() <= 64 {
                self.store.read(|c| client_store::get(c, id))?
            } else {
                None
            };
            let Some((user_id, stored)) = found else {
                return Ok(None);
            };
            let matches = token::hash_matches(&self.key, secret, &stored);
            let user = self.store.read(|c| user_store::get(c, &user_id))?;
            match user {
                Some(u) if matches && u.status == UserStatus::Active => Ok(Some(u)),
                Some(u) => {
                    self.audit_failure(&u, client)?;
                    Ok(None)
                }
                None => Ok(None),
            }
        })?;
        let s = Session::of_user(&user.id);
        let expiry = self.authority()?.policy.default_choice;
        let suffix = uuid::Uuid::now_v7().simple().to_string();
        let req = CreateTokenRequest {
            for_user: None,
            name: format!("Client credentials {}", &suffix[suffix.len() - 8..]),
            description: Some(match client {
                Some(c) => format!("Client credentials grant from {c}"),
                None => "Client credentials grant".into(),
            }),
            expiry,
            scopes: scope,
            tenant_ids: None,
        };
        self.create_token_as(&s, req, true)
    }
}
