//! One interface to an authority for the faces that work either on this computer's own or as a
//! client of a team server (the desktop app, the CLI): what a signed-in person can do, with the
//! session held inside. `LocalAuthority` calls the core in this process; the client crate
//! (`tokendesk-client`) calls a server's REST API, whose handlers call the same core methods.
//! Errors are the boundary shape `{ code, message }`, the same from either.

use crate::model::*;
use crate::secret::{ExposeSecret, SecretString};
use crate::secret_store::SecretStore;
use crate::{ApiError, Tokendesk};
use std::sync::{Arc, RwLock};

pub type Answer<T> = std::result::Result<T, ApiError>;

/// Every operation of the desktop app and the CLI, for the signed-in person.
pub trait Authority: Send + Sync {
    /// The session, the authority and its policy.
    fn info(&self) -> Answer<AppInfo>;
    fn list_tokens(&self, q: &ListQuery) -> Answer<ListPage>;
    fn get_token(&self, id: &str) -> Answer<TokenMeta>;
    fn create_token(&self, r: CreateTokenRequest) -> Answer<CreatedToken>;
    fn rename_token(&self, id: &str, name: &str) -> Answer<TokenMeta>;
    fn revoke_token(&self, id: &str, reason: Option<&str>) -> Answer<TokenMeta>;
    /// A successor shown this once; the old token works for `grace`, then expires.
    fn rotate_token(&self, id: &str, grace: RotationGrace) -> Answer<CreatedToken>;
    /// The tokens named or matched, revoked (or, dry run, only counted and listed).
    fn bulk_revoke(&self, r: &BulkRevokeRequest) -> Answer<BulkRevokeResult>;
    /// The expiry alerts due to the person now, each claimed once per threshold.
    fn claim_expiry_alerts(&self) -> Answer<ExpiryAlerts>;
    fn token_usage(&self, id: &str, days: u32) -> Answer<TokenUsage>;
    fn list_users(&self) -> Answer<Vec<User>>;
    fn create_user(&self, u: NewUser) -> Answer<User>;
    fn update_user(&self, id: &str, u: UserUpdate) -> Answer<User>;
    fn set_user_active(&self, id: &str, active: bool) -> Answer<User>;
    fn remove_user(&self, id: &str) -> Answer<User>;
    fn set_password(&self, id: &str, pw: &SecretString) -> Answer<User>;
    fn change_own_password(&self, current: Option<&SecretString>, new: &SecretString)
        -> Answer<()>;
    fn list_roles(&self) -> Answer<Vec<Role>>;
    fn update_role(&self, id: &str, p: Permissions) -> Answer<Role>;
    fn settings(&self) -> Answer<Settings>;
    fn update_settings(&self, s: Settings) -> Answer<Settings>;
    fn list_audit(&self, q: &AuditQuery) -> Answer<AuditPage>;
    fn verify_audit_chain(&self) -> Answer<ChainReport>;
    fn list_tenants(&self) -> Answer<Vec<Tenant>>;
    fn create_tenant(&self, name: &str) -> Answer<Tenant>;
    fn rename_tenant(&self, id: &str, name: &str) -> Answer<Tenant>;
    fn set_tenant_member(&self, tenant_id: &str, user_id: &str, member: bool) -> Answer<User>;
    /// Acts as `user_id` from now on (audited); the answer is the new session.
    fn start_impersonation(&self, user_id: &str) -> Answer<AppInfo>;
    /// Acts as oneself again (audited).
    fn stop_impersonation(&self) -> Answer<AppInfo>;
    /// An impersonation token owned by `user_id`, with the caller as `act`.
    fn create_token_for(&self, user_id: &str, r: CreateTokenRequest) -> Answer<CreatedToken>;
    /// A service user's client credentials (new, or a new secret), shown this once.
    fn set_client_credentials(&self, user_id: &str) -> Answer<ClientCredentials>;
    /// The keys that sign JWT access tokens, newest first.
    fn signing_keys(&self) -> Answer<Vec<SigningKeyInfo>>;
    /// A new signing key from now on; the old one stays published while its tokens live.
    fn rotate_signing_key(&self) -> Answer<Vec<SigningKeyInfo>>;
    /// Owners only: the endpoints a team server sends token events to.
    fn list_webhooks(&self) -> Answer<Vec<WebhookEndpoint>>;
    /// A new endpoint with its signing secret, shown this once.
    fn create_webhook(&self, e: NewWebhookEndpoint) -> Answer<WebhookSecret>;
    fn update_webhook(&self, id: &str, u: WebhookEndpointUpdate) -> Answer<WebhookEndpoint>;
    fn delete_webhook(&self, id: &str) -> Answer<WebhookEndpoint>;
    /// A new signing secret, shown this once; the old one also signs for a day.
    fn roll_webhook_secret(&self, id: &str) -> Answer<WebhookSecret>;
    /// The latest messages to an endpoint, newest first.
    fn webhook_deliveries(&self, id: &str) -> Answer<Vec<WebhookDelivery>>;
    fn legacy_settings(&self) -> Answer<LegacySettings>;
    fn update_legacy_settings(&self, s: LegacySettings) -> Answer<LegacySettings>;
    /// Imports the legacy keys of an import file (CSV or JSON, as read from disk).
    fn import_legacy_keys(&self, file: &[u8]) -> Answer<LegacyImportReport>;
    fn list_legacy_keys(&self, q: &ListQuery) -> Answer<ListPage>;
    fn retire_legacy_key(&self, id: &str) -> Answer<TokenMeta>;
    /// A bearer token for the integration behind a legacy key, shown this once.
    fn replace_legacy_key(&self, id: &str, r: CreateTokenRequest) -> Answer<CreatedToken>;

    /// Every event matching `q`, oldest first, as CSV or JSON; returns how many.
    fn export_audit(
        &self,
        q: &AuditQuery,
        format: ExportFormat,
        out: &mut dyn std::io::Write,
    ) -> Answer<usize> {
        let events = crate::service::audit::every_event(q, |page| self.list_audit(page))?;
        Ok(crate::service::audit::write_export(&events, format, out)?)
    }

    /// Keeps a copy of a token the caller just received in `secrets` (the person's own keyring),
    /// under `<authority id>/<token id>`. A client of a server cannot hash the token as the
    /// server does, so it checks what it can without a use of the token: its format and checksum,
    /// and that its hint is that authorization's; the local authority checks the keyed hash.
    fn save_token_copy(
        &self,
        secrets: &dyn SecretStore,
        id: &str,
        presented: &SecretString,
    ) -> Answer<KeyringCopy> {
        let t = self.get_token(id)?;
        let token = presented.expose_secret();
        if crate::token::check_format(token).is_err()
            || crate::token::display_hint(token) != t.display_hint
        {
            return Err(crate::Error::InvalidToken(
                "This is not the token of that authorization.".into(),
            )
            .into());
        }
        let account = format!("{}/{}", self.info()?.authority_id, t.id);
        Ok(crate::service::keyring_copy(secrets, account, presented)?)
    }

    /// The user with this email address (case-insensitive), among those the caller may list.
    fn user_by_email(&self, email: &str) -> Answer<User> {
        let email = email.trim().to_lowercase();
        self.list_users()?
            .into_iter()
            .find(|u| u.email.as_deref() == Some(email.as_str()))
            .ok_or_else(|| {
                crate::Error::NotFound(format!("No user has the email address {email}.")).into()
            })
    }
}

/// The authority in this process, with the session of whoever uses this window or command.
pub struct LocalAuthority {
    td: Arc<Tokendesk>,
    session: RwLock<Session>,
}

impl LocalAuthority {
    pub fn new(td: Arc<Tokendesk>, session: Session) -> LocalAuthority {
        LocalAuthority {
            td,
            session: RwLock::new(session),
        }
    }

    pub fn core(&self) -> &Arc<Tokendesk> {
        &self.td
    }

    pub fn session(&self) -> Session {
        self.session
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_session(&self, s: Session) {
        *self.session.write().unwrap_or_else(|p| p.into_inner()) = s;
    }

    fn with<T>(&self, f: impl FnOnce(&Tokendesk, &Session) -> crate::Result<T>) -> Answer<T> {
        Ok(f(&self.td, &self.session())?)
    }
}

impl Authority for LocalAuthority {
    fn info(&self) -> Answer<AppInfo> {
        self.with(|c, s| c.info(s))
    }
    fn list_tokens(&self, q: &ListQuery) -> Answer<ListPage> {
        self.with(|c, s| c.list_tokens(s, q))
    }
    fn get_token(&self, id: &str) -> Answer<TokenMeta> {
        self.with(|c, s| c.get_token(s, id))
    }
    fn create_token(&self, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with(|c, s| c.create_token(s, r))
    }
    fn rename_token(&self, id: &str, name: &str) -> Answer<TokenMeta> {
        self.with(|c, s| c.rename_token(s, id, name))
    }
    fn revoke_token(&self, id: &str, reason: Option<&str>) -> Answer<TokenMeta> {
        self.with(|c, s| c.revoke_token(s, id, reason))
    }
    fn token_usage(&self, id: &str, days: u32) -> Answer<TokenUsage> {
        self.with(|c, s| c.token_usage(s, id, days))
    }
    fn rotate_token(&self, id: &str, grace: RotationGrace) -> Answer<CreatedToken> {
        self.with(|c, s| c.rotate_token(s, id, grace))
    }
    fn bulk_revoke(&self, r: &BulkRevokeRequest) -> Answer<BulkRevokeResult> {
        self.with(|c, s| c.bulk_revoke(s, r))
    }
    fn claim_expiry_alerts(&self) -> Answer<ExpiryAlerts> {
        self.with(|c, s| c.claim_expiry_alerts(s))
    }
    fn list_users(&self) -> Answer<Vec<User>> {
        self.with(|c, s| c.list_users(s))
    }
    fn create_user(&self, u: NewUser) -> Answer<User> {
        self.with(|c, s| c.create_user(s, u))
    }
    fn update_user(&self, id: &str, u: UserUpdate) -> Answer<User> {
        self.with(|c, s| c.update_user(s, id, u))
    }
    fn set_user_active(&self, id: &str, active: bool) -> Answer<User> {
        self.with(|c, s| c.set_user_active(s, id, active))
    }
    fn remove_user(&self, id: &str) -> Answer<User> {
        self.with(|c, s| c.remove_user(s, id))
    }
    fn set_password(&self, id: &str, pw: &SecretString) -> Answer<User> {
        self.with(|c, s| c.set_password(s, id, pw))
    }
    fn change_own_password(
        &self,
        current: Option<&SecretString>,
        new: &SecretString,
    ) -> Answer<()> {
        self.with(|c, s| c.change_own_password(s, current, new))
    }
    fn list_roles(&self) -> Answer<Vec<Role>> {
        self.with(|c, s| c.list_roles(s))
    }
    fn update_role(&self, id: &str, p: Permissions) -> Answer<Role> {
        self.with(|c, s| c.update_role(s, id, p))
    }
    fn settings(&self) -> Answer<Settings> {
        self.with(|c, s| c.settings(s))
    }
    fn update_settings(&self, new: Settings) -> Answer<Settings> {
        self.with(|c, s| c.update_settings(s, new))
    }
    fn list_audit(&self, q: &AuditQuery) -> Answer<AuditPage> {
        self.with(|c, s| c.list_audit(s, q))
    }
    fn verify_audit_chain(&self) -> Answer<ChainReport> {
        self.with(|c, s| c.verify_audit_chain(s))
    }
    fn list_tenants(&self) -> Answer<Vec<Tenant>> {
        self.with(|c, s| c.list_tenants(s))
    }
    fn create_tenant(&self, name: &str) -> Answer<Tenant> {
        self.with(|c, s| c.create_tenant(s, name))
    }
    fn rename_tenant(&self, id: &str, name: &str) -> Answer<Tenant> {
        self.with(|c, s| c.rename_tenant(s, id, name))
    }
    fn set_tenant_member(&self, tenant_id: &str, user_id: &str, member: bool) -> Answer<User> {
        self.with(|c, s| c.set_tenant_member(s, tenant_id, user_id, member))
    }
    fn start_impersonation(&self, user_id: &str) -> Answer<AppInfo> {
        let next = self.with(|c, s| c.start_impersonation(s, user_id))?;
        self.set_session(next);
        self.info()
    }
    fn create_token_for(&self, user_id: &str, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with(|c, s| c.create_impersonation_token(s, user_id, r))
    }
    fn stop_impersonation(&self) -> Answer<AppInfo> {
        let next = self.with(|c, s| c.stop_impersonation(s))?;
        self.set_session(next);
        self.info()
    }
    fn save_token_copy(
        &self,
        secrets: &dyn SecretStore,
        id: &str,
        presented: &SecretString,
    ) -> Answer<KeyringCopy> {
        self.with(|c, s| c.save_token_copy(s, secrets, id, presented))
    }
    fn signing_keys(&self) -> Answer<Vec<SigningKeyInfo>> {
        self.with(|c, s| c.signing_keys(s))
    }
    fn set_client_credentials(&self, user_id: &str) -> Answer<ClientCredentials> {
        self.with(|c, s| c.set_client_credentials(s, user_id))
    }
    fn rotate_signing_key(&self) -> Answer<Vec<SigningKeyInfo>> {
        self.with(|c, s| c.rotate_signing_key(s))
    }
    fn list_webhooks(&self) -> Answer<Vec<WebhookEndpoint>> {
        self.with(|c, s| c.list_webhooks(s))
    }
    fn create_webhook(&self, e: NewWebhookEndpoint) -> Answer<WebhookSecret> {
        self.with(|c, s| c.create_webhook(s, e))
    }
    fn update_webhook(&self, id: &str, u: WebhookEndpointUpdate) -> Answer<WebhookEndpoint> {
        self.with(|c, s| c.update_webhook(s, id, u))
    }
    fn delete_webhook(&self, id: &str) -> Answer<WebhookEndpoint> {
        self.with(|c, s| c.delete_webhook(s, id))
    }
    fn roll_webhook_secret(&self, id: &str) -> Answer<WebhookSecret> {
        self.with(|c, s| c.roll_webhook_secret(s, id))
    }
    fn webhook_deliveries(&self, id: &str) -> Answer<Vec<WebhookDelivery>> {
        self.with(|c, s| c.webhook_deliveries(s, id, crate::service::DELIVERIES_MAX))
    }
    fn legacy_settings(&self) -> Answer<LegacySettings> {
        self.with(|c, s| c.legacy_settings(s))
    }
    fn update_legacy_settings(&self, new: LegacySettings) -> Answer<LegacySettings> {
        self.with(|c, s| c.update_legacy_settings(s, new))
    }
    fn import_legacy_keys(&self, file: &[u8]) -> Answer<LegacyImportReport> {
        self.with(|c, s| c.import_legacy_keys(s, file))
    }
    fn list_legacy_keys(&self, q: &ListQuery) -> Answer<ListPage> {
        self.with(|c, s| c.list_legacy_keys(s, q))
    }
    fn retire_legacy_key(&self, id: &str) -> Answer<TokenMeta> {
        self.with(|c, s| c.retire_legacy_key(s, id))
    }
    fn replace_legacy_key(&self, id: &str, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with(|c, s| c.replace_legacy_key(s, id, r))
    }
}

/// A team server's address as a person typed it: `https://host[:port][/path]`, or plain
/// `http://` only to a loopback address (127.0.0.0/8, `::1`), for local use and tests; no
/// user, password, query or fragment. Returned without a trailing slash.
pub fn server_url(raw: &str) -> crate::Result<String> {
    use crate::Error;
    let bad = |why: &str| {
        Error::InvalidInput(format!("{why} A server address looks like https://tokendesk.example.org or https://10.0.0.5:7878."))
    };
    let u = url::Url::parse(raw.trim()).map_err(|_| bad("That is not a URL."))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("A server address carries no user or password."));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("A server address has no query or fragment."));
    }
    let loopback = match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(_)) => false,
        None => return Err(bad("The address has no host.")),
    };
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "Plain http:// sends the session token unencrypted; it is allowed only to this computer (127.0.0.1 or ::1). Use https://.",
            ))
        }
        _ => return Err(bad("The address must start with https://.")),
    }
    Ok(u.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::server_url;

    #[test]
    fn server_urls_are_https_or_loopback_http() {
        for (raw, want) in [
            ("https://td.example.org", "https://td.example.org"),
            (
                "https://td.example.org:8443/",
                "https://td.example.org:8443",
            ),
            (
                " https://10.0.0.5:7878/tokendesk/ ",
                "https://10.0.0.5:7878/tokendesk",
            ),
            ("http://127.0.0.1:7878", "http://127.0.0.1:7878"),
            ("http://127.9.9.9", "http://127.9.9.9"),
            ("http://[::1]:7878/", "http://[::1]:7878"),
        ] {
            assert_eq!(server_url(raw).unwrap(), want, "{raw}");
        }
        for raw in [
            "td.example.org",
            "http://td.example.org",
            "http://localhost:7878",
            "http://10.0.0.5",
            "ftp://td.example.org",
            "https://user:pw@td.example.org",
            "https://td.example.org/?x=1",
            "https://td.example.org/#top",
            "",
        ] {
            let e = server_url(raw).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidInput, "{raw}");
        }
    }
}
