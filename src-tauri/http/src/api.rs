//! The HTTP endpoints. Each one calls the same service method as the desktop and the CLI,
//! with the session of the token's owner carrying the token and its limits (scopes, tenants),
//! which core checks, so rules cannot differ by face.
//! The `#[utoipa::path]` attributes are the OpenAPI document (openapi.rs); tests check the
//! server's answers against the committed copy.

use super::errors::ErrorBody;
use super::{AppState, Bearer, Caller, CoreError};
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tokendesk_core::model::*;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{ApiError, Error, ErrorCode};
use utoipa::{IntoParams, ToSchema};

/// Why a handler did not answer 2xx; each becomes an `ErrorBody` (errors.rs).
pub(crate) enum Reject {
    /// RFC 6749 §5.2 `invalid_request` of the OAuth endpoints.
    OAuth(&'static str),
    Core(Box<CoreError>),
    /// Any other error answer, e.g. RFC 6749 §5.2 codes of the token endpoint.
    Body(ErrorBody),
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        match self {
            Reject::OAuth(d) => ErrorBody::new(ErrorCode::InvalidInput, d)
                .oauth("invalid_request")
                .into_response(),
            Reject::Core(c) => c.into_response(),
            Reject::Body(b) => b.into_response(),
        }
    }
}

impl From<Error> for Reject {
    fn from(e: Error) -> Self {
        Reject::Core(Box::new(CoreError::from(e)))
    }
}

pub(super) type Answer<T> = Result<T, Reject>;

/// Runs a core call on the blocking pool: it may wait for SQLite's lock (up to the busy
/// timeout) or for Argon2, and the async workers must keep serving meanwhile.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> tokendesk_core::Result<T> + Send + 'static,
) -> Answer<T> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(e.to_string()))??)
}

fn bad_body(e: impl std::fmt::Display) -> Reject {
    Error::InvalidInput(format!("The request is not valid: {e}")).into()
}

/// A body over the limit is 413 whether it announced its length or came chunked.
fn too_large() -> Reject {
    Reject::Core(Box::new(CoreError {
        error: ApiError {
            code: ErrorCode::PayloadTooLarge,
            message: super::errors::TOO_LARGE.into(),
        },
        retry_after: None,
    }))
}

pub(super) fn json_body<T>(r: Result<Json<T>, JsonRejection>) -> Answer<T> {
    r.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad_body(e.body_text())
        }
    })
}

pub(super) fn query<T>(r: Result<Query<T>, QueryRejection>) -> Answer<T> {
    r.map(|Query(v)| v).map_err(|e| bad_body(e.body_text()))
}

/// Liveness, without authentication (also the benchmark's no-op baseline).
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The service is up", body = String, content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document of this service", content_type = "application/json")))]
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        super::openapi::document(),
    )
        .into_response()
}

/// Who the token acts for: the user, the token, the tenant, the scopes, and `act` (RFC 8693)
/// when an admin created it by impersonation.
#[utoipa::path(get, path = "/api/users/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is active", body = Me),
        (status = 400, description = "Malformed Authorization header", body = ErrorBody),
        (status = 401, description = "No token, or not an active token", body = ErrorBody),
    ))]
pub async fn me(Bearer(v): Bearer) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        v.me_json().to_string(),
    )
        .into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// The token to introspect or revoke. Anything that is not an active token, the empty
    /// string included, introspects as `{"active": false}` and revokes as a no-op.
    #[schema(value_type = String, required = true)]
    pub token: Option<SecretString>,
    /// Ignored: Tokendesk has one kind of token.
    #[allow(dead_code)]
    pub token_type_hint: Option<String>,
}

fn form_token(r: Result<Form<TokenForm>, FormRejection>) -> Answer<SecretString> {
    let Form(f) = r.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Reject::OAuth("Send application/x-www-form-urlencoded with a token parameter.")
        }
    })?;
    f.token
        .ok_or(Reject::OAuth("The token parameter is missing."))
}

/// RFC 7662 introspection response. Only `active` is present for a token that is not active.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// The owner's user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The owner's email address, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Expiry, seconds since the epoch; absent for tokens that never expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Space-separated scopes; absent for a full-access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// The token's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_kind: Option<TokenKind>,
    /// The tenant (client) the token acts in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Every tenant the token may act in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
    /// RFC 8693: the admin who created an impersonation token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act: Option<Act>,
    /// Signed tokens (JWT): who it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Signed tokens: who signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Signed tokens: the token it was exchanged from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// RFC 7662 token introspection, for services that accept Tokendesk tokens. The caller
/// authenticates with a token that has the `introspect` scope.
#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth", security(("bearer" = [])),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`{\"active\": false}` for anything that is not an active token", body = Introspection),
        (status = 400, description = "No token parameter, or a malformed Authorization header", body = ErrorBody),
        (status = 401, description = "The caller's token is not active", body = ErrorBody),
        (status = 403, description = "The caller's token lacks the introspect scope", body = ErrorBody),
    ))]
pub async fn introspect(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Bearer(caller): Bearer,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Answer<Json<Introspection>> {
    let presented = form_token(form)?;
    let (td, issuer) = (st.td.clone(), st.issuer.clone());
    let session = caller.session();
    let (Verification::Active(v), claims) =
        blocking(move || td.introspect(&session, presented.expose_secret(), &issuer)).await?
    else {
        return Ok(Json(Introspection::default()));
    };
    // The resource server presented it to us: its address and agent are the last client.
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|h| h.to_str().ok());
    st.td.record_use(&v.token.id, Some(addr.ip()), agent);
    let t = &v.token;
    if let Some(c) = claims {
        // A signed token: its own lifetime, scopes and id; the parent says who and what kind.
        return Ok(Json(Introspection {
            active: true,
            sub: Some(c.sub),
            username: v.user.email.clone(),
            exp: Some(c.exp),
            iat: Some(c.iat),
            scope: c.scope,
            token_type: Some("Bearer".into()),
            jti: Some(c.jti),
            token_kind: Some(t.kind),
            tenant: c.tenant,
            tenants: Some(v.tenants.iter().map(|x| x.id.clone()).collect()),
            act: c.act.map(|a| Act { sub: a.sub }),
            aud: Some(c.aud),
            iss: Some(c.iss),
            client_id: Some(c.client_id),
        }));
    }
    Ok(Json(Introspection {
        active: true,
        sub: Some(v.user.id.clone()),
        username: v.user.email.clone(),
        exp: t.expires_at.map(|e| e.div_euclid(1000)),
        iat: Some(t.created_at.div_euclid(1000)),
        scope: t
            .scopes
            .as_deref()
            .map(tokendesk_core::store::tokens::scopes_text),
        token_type: Some("Bearer".into()),
        jti: Some(t.id.clone()),
        token_kind: Some(t.kind),
        tenant: v.tenant.as_ref().map(|x| x.id.clone()),
        tenants: Some(v.tenants.iter().map(|x| x.id.clone()).collect()),
        act: (t.kind == TokenKind::Impersonation).then(|| Act {
            sub: t.created_by.clone(),
        }),
        ..Default::default()
    }))
}

/// RFC 7009 revocation: whoever holds a token may revoke it. Answers 200 also for unknown,
/// expired or already revoked tokens, so it tells nothing about them.
#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth", security(("bearer" = [])),
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token is revoked, or was not an active token"),
        (status = 400, description = "No token parameter, or a malformed Authorization header", body = ErrorBody),
        (status = 401, description = "The caller's token is not active", body = ErrorBody),
    ))]
pub async fn revoke(
    State(st): State<AppState>,
    Bearer(caller): Bearer,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Answer<StatusCode> {
    let presented = form_token(form)?;
    let (td, s) = (st.td.clone(), caller.session());
    blocking(move || td.revoke_presented(&s, &presented)).await?;
    Ok(StatusCode::OK)
}

/// The tokens the caller's user may see: their own (`scope=own`, the default) or everyone's
/// (`scope=all`, for admins). Impersonation tokens are never shown to their subject.
#[utoipa::path(get, path = "/api/tokens", tag = "tokens", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "One page; pass `nextCursor` as `cursor` for the next", body = ListPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing the tokens:read scope, or not allowed by the user's role", body = ErrorBody),
    ))]
pub async fn list_tokens(
    State(st): State<AppState>,
    Caller(s): Caller,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Answer<Json<ListPage>> {
    let q = query(q)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_tokens(&s, &q)).await?))
}

#[utoipa::path(get, path = "/api/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 200, description = "The token's metadata (never the token)", body = TokenMeta),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing the tokens:read scope", body = ErrorBody),
        (status = 404, description = "No such token visible to the caller", body = ErrorBody),
    ))]
pub async fn get_token(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<TokenMeta>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.get_token(&s, &id)).await?))
}

/// Creates a token for the caller's user (or, with `forUser`, for another user: needs
/// `create_tokens_for_others`). The answer carries the plain token, once.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", security(("bearer" = [])),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = CreatedToken),
        (status = 400, description = "Invalid name, expiry, scopes or tenants", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or not allowed by the user's role", body = ErrorBody),
        (status = 404, description = "No such user (`forUser`), or a tenant the owner is not in", body = ErrorBody),
        (status = 409, description = "An active token with this name (or one that looks the same) exists, or the expiry conflicts with the policy or the clock (`invalid_expiry`)", body = ErrorBody),
    ))]
pub async fn create_token(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<CreateTokenRequest>, JsonRejection>,
) -> Answer<(StatusCode, Json<CreatedToken>)> {
    let req = json_body(body)?;
    let td = st.td.clone();
    let created = blocking(move || td.create_token(&s, req)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Rename {
    #[schema(max_length = 100)]
    pub name: String,
}

#[utoipa::path(patch, path = "/api/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id")),
    request_body = Rename,
    responses(
        (status = 200, description = "Renamed", body = TokenMeta),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or not allowed", body = ErrorBody),
        (status = 404, description = "No such token visible to the caller", body = ErrorBody),
        (status = 409, description = "Name taken, or the token is revoked", body = ErrorBody),
    ))]
pub async fn rename_token(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<Rename>, JsonRejection>,
) -> Answer<Json<TokenMeta>> {
    let r = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.rename_token(&s, &id, &r.name)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevokeParams {
    /// Why, for the audit log.
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

/// Revokes a token at once; irreversible and audited.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id"), RevokeParams),
    responses(
        (status = 200, description = "Revoked", body = TokenMeta),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or not allowed", body = ErrorBody),
        (status = 404, description = "No such token visible to the caller", body = ErrorBody),
        (status = 409, description = "Already revoked", body = ErrorBody),
    ))]
pub async fn revoke_token(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    q: Result<Query<RevokeParams>, QueryRejection>,
) -> Answer<Json<TokenMeta>> {
    let q = query(q)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.revoke_token(&s, &id, q.reason.as_deref())).await?,
    ))
}

/// Rotation: a successor with the same name, description, scopes, tenants, owner and lifetime
/// length; the answer carries its token, once. The old token keeps working for `grace` (none,
/// one hour, one day, seven days), then expires. Audited.
#[utoipa::path(post, path = "/api/tokens/{id}/rotate", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id")),
    request_body = RotateRequest,
    responses(
        (status = 201, description = "The successor; `token` is shown this once", body = CreatedToken),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or not allowed to manage or create this token", body = ErrorBody),
        (status = 404, description = "No such token visible to the caller", body = ErrorBody),
        (status = 409, description = "Revoked, expired, rotated already, or its lifetime is past today's policy", body = ErrorBody),
    ))]
pub async fn rotate_token(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<RotateRequest>, JsonRejection>,
) -> Answer<(StatusCode, Json<CreatedToken>)> {
    let req = json_body(body)?;
    let td = st.td.clone();
    let created = blocking(move || td.rotate_token(&s, &id, req.grace)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Bulk revoke: the tokens named in `ids`, or every token `filter` matches (the token lists'
/// filters); active and suspended tokens only, at most 10,000, one audit event each. With
/// `dryRun` nothing changes and the answer says what would be revoked.
#[utoipa::path(post, path = "/api/tokens/bulk-revoke", tag = "tokens", security(("bearer" = [])),
    request_body = BulkRevokeRequest,
    responses(
        (status = 200, description = "What was (or, dry run, would be) revoked", body = BulkRevokeResult),
        (status = 400, description = "Neither or both of ids and filter, too many tokens, or an invalid filter", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or a token the caller may not revoke", body = ErrorBody),
        (status = 404, description = "A named token is not visible to the caller", body = ErrorBody),
    ))]
pub async fn bulk_revoke(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<BulkRevokeRequest>, JsonRejection>,
) -> Answer<Json<BulkRevokeResult>> {
    let req = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.bulk_revoke(&s, &req)).await?))
}

/// Expiry alerts due to the caller now — their own tokens, everyone's for those who list
/// everyone's — each returned once per threshold to whichever of their apps asks first, with
/// the number of tokens expiring within the first threshold. The desktop app calls this.
#[utoipa::path(post, path = "/api/alerts/claim", tag = "tokens", security(("bearer" = [])),
    responses(
        (status = 200, description = "The alerts now claimed, and the tray's count", body = ExpiryAlerts),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A token without the tokens:read scope", body = ErrorBody),
    ))]
pub async fn claim_expiry_alerts(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<ExpiryAlerts>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.claim_expiry_alerts(&s)).await?))
}

/// "Create token for user": an impersonation token owned by the user, with the caller as
/// `act`. Needs `impersonate`. The answer carries the plain token, once.
#[utoipa::path(post, path = "/api/users/{id}/tokens", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = CreatedToken),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or no impersonate permission", body = ErrorBody),
        (status = 404, description = "No such user, or a tenant the user is not in", body = ErrorBody),
        (status = 409, description = "Name taken, or the expiry conflicts with the policy or the clock (`invalid_expiry`)", body = ErrorBody),
    ))]
pub async fn create_token_for_user(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(user_id): Path<String>,
    body: Result<Json<CreateTokenRequest>, JsonRejection>,
) -> Answer<(StatusCode, Json<CreatedToken>)> {
    let req = json_body(body)?;
    let td = st.td.clone();
    let created = blocking(move || td.create_impersonation_token(&s, &user_id, req)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub email: String,
    #[schema(value_type = String)]
    pub password: SecretString,
    /// A name for the new token; by default (also when empty) "Sign-in" and a unique suffix.
    #[schema(max_length = 100)]
    pub name: Option<String>,
}

/// Credential exchange: email and password for a new token. Each call gives a new token; such
/// tokens stop working when the password changes or the user is disabled or removed. Failed
/// attempts are rate-limited per account and per client address.
#[utoipa::path(post, path = "/api/auth/token", tag = "auth",
    request_body = Credentials,
    responses(
        (status = 201, description = "A new token, shown this once", body = CreatedToken),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Wrong email or password (never says which)", body = ErrorBody),
        (status = 403, description = "The user's role may not hold tokens", body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody),
    ))]
pub async fn exchange(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Answer<(StatusCode, Json<CreatedToken>)> {
    let c = json_body(body)?;
    let client = addr.ip().to_string();
    let td = st.td.clone();
    let created = blocking(move || {
        td.exchange_credentials(&c.email, &c.password, Some(&client), c.name.as_deref())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Switches the tenant a user works in: your own, or anyone's if you manage users. A token
/// limited to tenants can only switch to one of them.
#[utoipa::path(put, path = "/api/users/{id}/active-tenant/{tenant_id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id"), ("tenant_id" = String, Path, description = "The tenant's id")),
    responses(
        (status = 200, description = "Switched", body = User),

        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, a tenant outside the token's, or not allowed", body = ErrorBody),
        (status = 404, description = "No such user or tenant, or the user is not a member of it", body = ErrorBody),
    ))]
pub async fn set_active_tenant(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path((user_id, tenant_id)): Path<(String, String)>,
) -> Answer<Json<User>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.set_active_tenant(&s, &user_id, &tenant_id)).await?,
    ))
}

#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every user", body = Vec<User>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing users:read, or not allowed by the user's role", body = ErrorBody),
    ))]
pub async fn list_users(State(st): State<AppState>, Caller(s): Caller) -> Answer<Json<Vec<User>>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_users(&s)).await?))
}

#[utoipa::path(get, path = "/api/tenants", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every tenant (admins) or the user's own; only its own for a token limited to tenants", body = Vec<Tenant>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing users:read", body = ErrorBody),
    ))]
pub async fn list_tenants(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<Vec<Tenant>>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_tenants(&s)).await?))
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page; pass `nextBefore` as `beforeSeq` for the next", body = AuditPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing audit:read, or not allowed by the user's role", body = ErrorBody),
    ))]
pub async fn list_audit(
    State(st): State<AppState>,
    Caller(s): Caller,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Answer<Json<AuditPage>> {
    let q = query(q)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_audit(&s, &q)).await?))
}
