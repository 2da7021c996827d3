//! A typed client of a Tokendesk server's REST API, for the desktop app and the CLI as clients
//! of a team server. It sends and reads the very Rust types the server's handlers use, so the
//! two cannot drift; it implements core's `Authority`, so a face works the same on a local
//! authority or a server. TLS is rustls (ring), verified against the system's roots plus, for a
//! server with a private CA, that CA's certificate.

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use std::sync::RwLock;
use std::time::Duration;
use tokendesk_core::authority::{Answer, Authority};
use tokendesk_core::model::*;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{ApiError, Error};

/// The header with which a client acts as the user it impersonates (see the server's `Caller`).
const ACT_AS: &str = "Tokendesk-Act-As";

/// How long a call may take before the server counts as unreachable. Argon2 checks on the
/// server take well under a second; this leaves room for a slow network.
const TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

fn unreachable(message: String) -> ApiError {
    Error::ServerUnreachable(message).into()
}

/// A server: its address and an HTTP client that trusts the system's roots and the given CA.
#[derive(Clone)]
pub struct Server {
    base: String,
    http: Client,
}

impl Server {
    /// `url` as a person typed it (checked by `tokendesk_core::authority::server_url`); `ca_pem`
    /// the certificate of a private CA that signed the server's certificate, if any.
    pub fn new(url: &str, ca_pem: Option<&[u8]>) -> Answer<Server> {
        let base = tokendesk_core::authority::server_url(url)?;
        // The process-wide provider: ring, as the server uses. Already installed is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("tokendesk/", env!("CARGO_PKG_VERSION")))
            .https_only(!base.starts_with("http://"));
        if let Some(pem) = ca_pem {
            let bad = |why: String| {
                ApiError::from(Error::InvalidInput(format!(
                    "The CA certificate file holds no PEM certificate ({why})."
                )))
            };
            let cas = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| bad(e.to_string()))?;
            if cas.is_empty() {
                return Err(bad("no BEGIN CERTIFICATE block".into()));
            }
            b = b.tls_certs_merge(cas);
        }
        let http = b
            .build()
            .map_err(|e| unreachable(format!("Cannot set up the connection: {e}")))?;
        Ok(Server { base, http })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// Credential exchange: a new session token for `email` and `password`.
    pub fn sign_in(&self, email: &str, password: &SecretString) -> Answer<SecretString> {
        // No name: the server names each sign-in uniquely ("Sign-in …"), so signing in again
        // from the same machine never collides with the session before.
        let body = json!({
            "email": email,
            "password": password.expose_secret(),
        });
        let created: CreatedToken = self.send(
            self.http
                .post(format!("{}/api/auth/token", self.base))
                .json(&body),
        )?;
        Ok(created.token)
    }

    /// "Test it": what `GET /api/users/me` answers for `token` (a use of it, as for any client).
    pub fn test_token(&self, token: &SecretString) -> Answer<TestResult> {
        let url = format!("{}/api/users/me", self.base);
        let resp = self
            .http
            .get(&url)
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::USER_AGENT, "Tokendesk Test it")
            .send()
            .map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .map_err(|e| unreachable(format!("The server's answer was cut off ({e}).")))?;
        let body = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text);
        Ok(TestResult { url, status, body })
    }

    /// The session of `token` on this server (no call is made until the first operation).
    pub fn session(&self, token: SecretString) -> RemoteAuthority {
        RemoteAuthority {
            server: self.clone(),
            token,
            act_as: RwLock::new(None),
        }
    }

    fn send<T: DeserializeOwned>(&self, r: RequestBuilder) -> Answer<T> {
        let resp = r.send().map_err(|e| self.transport(e))?;
        read(resp)
    }

    fn transport(&self, e: reqwest::Error) -> ApiError {
        // The innermost cause says what happened (refused, no route, certificate not trusted);
        // the layers above it only repeat the request's URL. Never a header or a body.
        let cause = if e.is_timeout() {
            format!("no answer within {} s", TIMEOUT.as_secs())
        } else {
            let e = e.without_url();
            let mut cause = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause = s.to_string();
                source = s.source();
            }
            cause
        };
        unreachable(format!(
            "The server {} cannot be reached ({cause}).",
            self.base
        ))
    }
}

/// The answer's body as `T`, or its `{ code, message }` as the error.
fn read<T: DeserializeOwned>(resp: Response) -> Answer<T> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .map_err(|e| unreachable(format!("The server's answer was cut off ({e}).")))?;
    if status.is_success() {
        let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        return serde_json::from_slice(body).map_err(|e| {
            unreachable(format!(
                "The server answered {status} with a body this version cannot read ({e}): is it a Tokendesk server of the same version?"
            ))
        });
    }
    serde_json::from_slice::<ApiError>(&bytes).map_err(|_| {
        unreachable(format!(
            "The server answered {status} without a Tokendesk error: is the address a Tokendesk server, or is a proxy in the way?"
        ))
    })
    .and_then(Err)
}

/// The signed-in person's session on a server: the session token (a bearer token from the
/// credential exchange) and, while impersonating, whom they act as.
pub struct RemoteAuthority {
    server: Server,
    token: SecretString,
    act_as: RwLock<Option<String>>,
}

impl RemoteAuthority {
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Ends the session on the server (RFC 7009 revocation of the session token).
    pub fn sign_out(&self) -> Answer<()> {
        let r = self
            .server
            .http
            .post(format!("{}/oauth/revoke", self.server.base))
            .bearer_auth(self.token.expose_secret())
            .form(&[("token", self.token.expose_secret())]);
        let resp = r.send().map_err(|e| self.server.transport(e))?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            // Already ended (expired, revoked, password changed): signed out all the same.
            reqwest::StatusCode::UNAUTHORIZED => Ok(()),
            _ => read::<serde_json::Value>(resp).map(drop),
        }
    }

    /// The session token itself: who it acts for and when it expires (`GET /api/users/me`).
    pub fn me(&self) -> Answer<Me> {
        self.server.send(
            self.server
                .http
                .get(format!("{}/api/users/me", self.server.base))
                .bearer_auth(self.token.expose_secret()),
        )
    }

    fn acting_as(&self) -> Option<String> {
        self.act_as
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut r = self
            .server
            .http
            .request(method, format!("{}{path}", self.server.base))
            .bearer_auth(self.token.expose_secret());
        if let Some(id) = self.acting_as() {
            r = r.header(ACT_AS, id);
        }
        r
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Answer<T> {
        self.without_body(Method::GET, path)
    }

    fn get_query<T: DeserializeOwned>(&self, path: &str, q: &impl Serialize) -> Answer<T> {
        self.server.send(self.request(Method::GET, path).query(q))
    }

    fn with_body<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Answer<T> {
        self.server.send(self.request(method, path).json(body))
    }

    fn without_body<T: DeserializeOwned>(&self, method: Method, path: &str) -> Answer<T> {
        self.server.send(self.request(method, path))
    }
}

/// A path segment: ids are UUIDs today, but nothing here relies on it.
fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Authority for RemoteAuthority {
    fn info(&self) -> Answer<AppInfo> {
        let mut info: AppInfo = self.get("/api/session")?;
        info.data_dir = self.server.base.clone();
        Ok(info)
    }
    fn list_tokens(&self, q: &ListQuery) -> Answer<ListPage> {
        self.get_query("/api/tokens", q)
    }
    fn get_token(&self, id: &str) -> Answer<TokenMeta> {
        self.get(&format!("/api/tokens/{}", seg(id)))
    }
    fn create_token(&self, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with_body(Method::POST, "/api/tokens", &r)
    }
    fn rename_token(&self, id: &str, name: &str) -> Answer<TokenMeta> {
        self.with_body(
            Method::PATCH,
            &format!("/api/tokens/{}", seg(id)),
            &json!({ "name": name }),
        )
    }
    fn revoke_token(&self, id: &str, reason: Option<&str>) -> Answer<TokenMeta> {
        let r = self.request(Method::DELETE, &format!("/api/tokens/{}", seg(id)));
        self.server.send(match reason {
            Some(reason) => r.query(&[("reason", reason)]),
            None => r,
        })
    }
    fn rotate_token(&self, id: &str, grace: RotationGrace) -> Answer<CreatedToken> {
        self.with_body(
            Method::POST,
            &format!("/api/tokens/{}/rotate", seg(id)),
            &RotateRequest { grace },
        )
    }
    fn bulk_revoke(&self, r: &BulkRevokeRequest) -> Answer<BulkRevokeResult> {
        self.with_body(Method::POST, "/api/tokens/bulk-revoke", r)
    }
    fn claim_expiry_alerts(&self) -> Answer<ExpiryAlerts> {
        self.without_body(Method::POST, "/api/alerts/claim")
    }
    fn token_usage(&self, id: &str, days: u32) -> Answer<TokenUsage> {
        self.get_query(&format!("/api/tokens/{}/usage", seg(id)), &[("days", days)])
    }
    fn list_users(&self) -> Answer<Vec<User>> {
        self.get("/api/users")
    }
    fn create_user(&self, u: NewUser) -> Answer<User> {
        self.with_body(Method::POST, "/api/users", &u)
    }
    fn update_user(&self, id: &str, u: UserUpdate) -> Answer<User> {
        self.with_body(Method::PATCH, &format!("/api/users/{}", seg(id)), &u)
    }
    fn set_user_active(&self, id: &str, active: bool) -> Answer<User> {
        self.with_body(
            Method::PUT,
            &format!("/api/users/{}/active", seg(id)),
            &json!({ "active": active }),
        )
    }
    fn remove_user(&self, id: &str) -> Answer<User> {
        self.without_body(Method::DELETE, &format!("/api/users/{}", seg(id)))
    }
    fn set_password(&self, id: &str, pw: &SecretString) -> Answer<User> {
        self.with_body(
            Method::PUT,
            &format!("/api/users/{}/password", seg(id)),
            &json!({ "password": pw.expose_secret() }),
        )
    }
    fn change_own_password(
        &self,
        current: Option<&SecretString>,
        new: &SecretString,
    ) -> Answer<()> {
        self.with_body(
            Method::PUT,
            "/api/users/me/password",
            &json!({
                "current": current.map(|c| c.expose_secret()),
                "new": new.expose_secret(),
            }),
        )
    }
    fn list_roles(&self) -> Answer<Vec<Role>> {
        self.get("/api/roles")
    }
    fn update_role(&self, id: &str, p: Permissions) -> Answer<Role> {
        self.with_body(
            Method::PUT,
            &format!("/api/roles/{}/permissions", seg(id)),
            &p,
        )
    }
    fn settings(&self) -> Answer<Settings> {
        self.get("/api/settings")
    }
    fn update_settings(&self, s: Settings) -> Answer<Settings> {
        self.with_body(Method::PUT, "/api/settings", &s)
    }
    fn list_audit(&self, q: &AuditQuery) -> Answer<AuditPage> {
        self.get_query("/api/audit", q)
    }
    fn verify_audit_chain(&self) -> Answer<ChainReport> {
        self.get("/api/audit/verify")
    }
    fn list_tenants(&self) -> Answer<Vec<Tenant>> {
        self.get("/api/tenants")
    }
    fn create_tenant(&self, name: &str) -> Answer<Tenant> {
        self.with_body(Method::POST, "/api/tenants", &json!({ "name": name }))
    }
    fn rename_tenant(&self, id: &str, name: &str) -> Answer<Tenant> {
        self.with_body(
            Method::PATCH,
            &format!("/api/tenants/{}", seg(id)),
            &json!({ "name": name }),
        )
    }
    fn set_tenant_member(&self, tenant_id: &str, user_id: &str, member: bool) -> Answer<User> {
        let method = if member { Method::PUT } else { Method::DELETE };
        self.without_body(
            method,
            &format!("/api/tenants/{}/members/{}", seg(tenant_id), seg(user_id)),
        )
    }
    fn start_impersonation(&self, user_id: &str) -> Answer<AppInfo> {
        let mut info: AppInfo = self.with_body(
            Method::POST,
            "/api/impersonation",
            &json!({ "userId": user_id }),
        )?;
        *self.act_as.write().unwrap_or_else(|p| p.into_inner()) = Some(user_id.to_string());
        info.data_dir = self.server.base.clone();
        Ok(info)
    }
    fn create_token_for(&self, user_id: &str, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with_body(
            Method::POST,
            &format!("/api/users/{}/tokens", seg(user_id)),
            &r,
        )
    }
    fn stop_impersonation(&self) -> Answer<AppInfo> {
        let mut info: AppInfo = self.without_body(Method::DELETE, "/api/impersonation")?;
        *self.act_as.write().unwrap_or_else(|p| p.into_inner()) = None;
        info.data_dir = self.server.base.clone();
        Ok(info)
    }
    fn signing_keys(&self) -> Answer<Vec<SigningKeyInfo>> {
        self.get("/api/signing-keys")
    }
    fn set_client_credentials(&self, user_id: &str) -> Answer<ClientCredentials> {
        self.without_body(
            Method::POST,
            &format!("/api/users/{}/client-credentials", seg(user_id)),
        )
    }
    fn rotate_signing_key(&self) -> Answer<Vec<SigningKeyInfo>> {
        self.without_body(Method::POST, "/api/signing-keys/rotate")
    }
    fn list_webhooks(&self) -> Answer<Vec<WebhookEndpoint>> {
        self.get("/api/webhooks")
    }
    fn create_webhook(&self, e: NewWebhookEndpoint) -> Answer<WebhookSecret> {
        self.with_body(Method::POST, "/api/webhooks", &e)
    }
    fn update_webhook(&self, id: &str, u: WebhookEndpointUpdate) -> Answer<WebhookEndpoint> {
        self.with_body(Method::PATCH, &format!("/api/webhooks/{}", seg(id)), &u)
    }
    fn delete_webhook(&self, id: &str) -> Answer<WebhookEndpoint> {
        self.without_body(Method::DELETE, &format!("/api/webhooks/{}", seg(id)))
    }
    fn roll_webhook_secret(&self, id: &str) -> Answer<WebhookSecret> {
        self.without_body(
            Method::POST,
            &format!("/api/webhooks/{}/roll-secret", seg(id)),
        )
    }
    fn webhook_deliveries(&self, id: &str) -> Answer<Vec<WebhookDelivery>> {
        self.get(&format!("/api/webhooks/{}/deliveries", seg(id)))
    }
    fn legacy_settings(&self) -> Answer<LegacySettings> {
        self.get("/api/legacy/settings")
    }
    fn update_legacy_settings(&self, s: LegacySettings) -> Answer<LegacySettings> {
        self.with_body(Method::PUT, "/api/legacy/settings", &s)
    }
    fn import_legacy_keys(&self, file: &[u8]) -> Answer<LegacyImportReport> {
        let json = file
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(file)
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b'[');
        let kind = if json { "application/json" } else { "text/csv" };
        self.server.send(
            self.request(Method::POST, "/api/legacy-keys/import")
                .header(reqwest::header::CONTENT_TYPE, kind)
                .body(file.to_vec()),
        )
    }
    fn list_legacy_keys(&self, q: &ListQuery) -> Answer<ListPage> {
        self.get_query("/api/legacy-keys", q)
    }
    fn retire_legacy_key(&self, id: &str) -> Answer<TokenMeta> {
        self.without_body(
            Method::POST,
            &format!("/api/legacy-keys/{}/retire", seg(id)),
        )
    }
    fn replace_legacy_key(&self, id: &str, r: CreateTokenRequest) -> Answer<CreatedToken> {
        self.with_body(
            Method::POST,
            &format!("/api/legacy-keys/{}/tokens", seg(id)),
            &r,
        )
    }
}
