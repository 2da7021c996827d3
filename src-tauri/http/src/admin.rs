//! The endpoints that make a team server usable from the desktop app and the CLI as clients:
//! the session, impersonation, users, roles, settings, tenants, the audit chain and token
//! usage. Like every endpoint, each calls the same core method as the desktop, which checks
//! the rules; the session comes from the bearer token and `Tokendesk-Act-As` (`Caller`).

use super::api::{blocking, json_body, query, Answer};
use super::errors::ErrorBody;
use super::{AppState, Caller};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tokendesk_core::model::*;
use tokendesk_core::secret::SecretString;
use utoipa::{IntoParams, ToSchema};

/// Who is signed in, whose view is shown, the authority and its expiry policy.
#[utoipa::path(get, path = "/api/session", tag = "session", security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = AppInfo),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Impersonation no longer allowed", body = ErrorBody),
    ))]
pub async fn session(State(st): State<AppState>, Caller(s): Caller) -> Answer<Json<AppInfo>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.client_info(&s)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Impersonate {
    /// The user to act as.
    pub user_id: String,
}

/// Starts impersonating a user (audited). The client then sends `Tokendesk-Act-As: <userId>`
/// with every request, and core checks on each one that the caller may still do so.
#[utoipa::path(post, path = "/api/impersonation", tag = "session", security(("bearer" = [])),
    request_body = Impersonate,
    responses(
        (status = 200, description = "The session as the impersonated user", body = AppInfo),
        (status = 400, description = "Invalid request, yourself, or already impersonating", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "No impersonate permission, a read-only token, or the user is disabled or removed", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn start_impersonation(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<Impersonate>, JsonRejection>,
) -> Answer<Json<AppInfo>> {
    let r = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || {
            let next = td.start_impersonation(&s, &r.user_id)?;
            td.client_info(&Session {
                subject_id: next.subject_id,
                ..s
            })
        })
        .await?,
    ))
}

/// Stops impersonating (audited); send it with the `Tokendesk-Act-As` header in use.
#[utoipa::path(delete, path = "/api/impersonation", tag = "session", security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as yourself again", body = AppInfo),
        (status = 401, description = "Not an active token", body = ErrorBody),
    ))]
pub async fn stop_impersonation(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<AppInfo>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || {
            let next = td.stop_impersonation(&s)?;
            td.client_info(&Session {
                subject_id: next.subject_id,
                ..s
            })
        })
        .await?,
    ))
}

/// Adds a user. A human may be given a password; a service user never is.
#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 409, description = "The email is taken", body = ErrorBody),
    ))]
pub async fn create_user(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Answer<(StatusCode, Json<User>)> {
    let u = json_body(body)?;
    let td = st.td.clone();
    let user = blocking(move || td.create_user(&s, u)).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "Changed", body = User),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such user or role", body = ErrorBody),
        (status = 409, description = "The email is taken, or the last owner would be lost", body = ErrorBody),
    ))]
pub async fn update_user(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<UserUpdate>, JsonRejection>,
) -> Answer<Json<User>> {
    let u = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.update_user(&s, &id, u)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Active {
    /// false disables the user: their tokens stop working until enabled again.
    pub active: bool,
}

#[utoipa::path(put, path = "/api/users/{id}/active", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = Active,
    responses(
        (status = 200, description = "Changed", body = User),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The last owner, yourself, or a removed user", body = ErrorBody),
    ))]
pub async fn set_user_active(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<Active>, JsonRejection>,
) -> Answer<Json<User>> {
    let a = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.set_user_active(&s, &id, a.active)).await?,
    ))
}

/// Removes a user for good: their tokens are revoked; the audit log keeps their name.
#[utoipa::path(delete, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Removed", body = User),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The last owner, or yourself", body = ErrorBody),
    ))]
pub async fn remove_user(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<User>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.remove_user(&s, &id)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPassword {
    #[schema(value_type = String)]
    pub password: SecretString,
}

/// Sets a service user's OAuth client credentials (RFC 6749 §4.4), or replaces its secret (the
/// client id stays): the tokens obtained with the old secret or the API password stop working.
/// The secret is in this answer only.
#[utoipa::path(post, path = "/api/users/{id}/client-credentials", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The service user's id")),
    responses(
        (status = 200, description = "The client id and its new secret, shown this once", body = ClientCredentials),
        (status = 400, description = "Not a service user", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn set_client_credentials(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<ClientCredentials>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.set_client_credentials(&s, &id)).await?,
    ))
}

/// Sets another user's password (admins); their sign-in tokens stop working. A service user's
/// password is its API password, for the credential exchange only.
#[utoipa::path(put, path = "/api/users/{id}/password", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    request_body = NewPassword,
    responses(
        (status = 200, description = "Set", body = User),
        (status = 400, description = "Invalid request, a weak password, or a service user without an email address", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub async fn set_password(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<NewPassword>, JsonRejection>,
) -> Answer<Json<User>> {
    let p = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.set_password(&s, &id, &p.password)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The current password; needed whenever one is set.
    #[schema(value_type = Option<String>)]
    pub current: Option<SecretString>,
    #[schema(value_type = String)]
    pub new: SecretString,
}

/// Changes the signed-in user's own password. Every token obtained by signing in with the old
/// one stops working, this session's included: sign in again.
#[utoipa::path(put, path = "/api/users/me/password", tag = "users", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Invalid request, or a weak password", body = ErrorBody),
        (status = 401, description = "Not an active token, or the current password is wrong", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
    ))]
pub async fn change_own_password(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Answer<StatusCode> {
    let p = json_body(body)?;
    let td = st.td.clone();
    blocking(move || td.change_own_password(&s, p.current.as_ref(), &p.new)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/roles", tag = "settings", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every role and its permissions", body = Vec<Role>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing users:read, or not allowed", body = ErrorBody),
    ))]
pub async fn list_roles(State(st): State<AppState>, Caller(s): Caller) -> Answer<Json<Vec<Role>>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_roles(&s)).await?))
}

#[utoipa::path(put, path = "/api/roles/{id}/permissions", tag = "settings", security(("bearer" = [])),
    params(("id" = String, Path, description = "The role's id")),
    request_body = Permissions,
    responses(
        (status = 200, description = "Changed", body = Role),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage settings, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 409, description = "The Owner role always has every permission", body = ErrorBody),
    ))]
pub async fn update_role(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<Permissions>, JsonRejection>,
) -> Answer<Json<Role>> {
    let p = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.update_role(&s, &id, p)).await?))
}

#[utoipa::path(get, path = "/api/settings", tag = "settings", security(("bearer" = [])),
    responses(
        (status = 200, description = "The authority's settings", body = Settings),
        (status = 401, description = "Not an active token", body = ErrorBody),
    ))]
pub async fn get_settings(State(st): State<AppState>, Caller(s): Caller) -> Answer<Json<Settings>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.settings(&s)).await?))
}

#[utoipa::path(put, path = "/api/settings", tag = "settings", security(("bearer" = [])),
    request_body = Settings,
    responses(
        (status = 200, description = "Saved", body = Settings),
        (status = 400, description = "Invalid settings", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage settings, or a read-only token", body = ErrorBody),
    ))]
pub async fn update_settings(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<Settings>, JsonRejection>,
) -> Answer<Json<Settings>> {
    let v = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.update_settings(&s, v)).await?))
}

/// Recomputes the audit log's hash chain from the first event.
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit", security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether the chain is intact, and where it breaks", body = ChainReport),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing audit:read, or not allowed", body = ErrorBody),
    ))]
pub async fn verify_audit_chain(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<ChainReport>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.verify_audit_chain(&s)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// How many days back, today included (1 to 366; 30 if absent).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

/// Uses per day, the last client address and user agent.
#[utoipa::path(get, path = "/api/tokens/{id}/usage", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "The token's id"), UsageParams),
    responses(
        (status = 200, description = "The token's usage", body = TokenUsage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Missing tokens:read", body = ErrorBody),
        (status = 404, description = "No such token visible to the caller", body = ErrorBody),
    ))]
pub async fn token_usage(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    q: Result<Query<UsageParams>, QueryRejection>,
) -> Answer<Json<TokenUsage>> {
    let days = query(q)?.days.unwrap_or(30);
    let td = st.td.clone();
    Ok(Json(blocking(move || td.token_usage(&s, &id, days)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TenantName {
    pub name: String,
}

#[utoipa::path(post, path = "/api/tenants", tag = "users", security(("bearer" = [])),
    request_body = TenantName,
    responses(
        (status = 201, description = "Created", body = Tenant),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users, or a read-only token", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
pub async fn create_tenant(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<TenantName>, JsonRejection>,
) -> Answer<(StatusCode, Json<Tenant>)> {
    let t = json_body(body)?;
    let td = st.td.clone();
    let tenant = blocking(move || td.create_tenant(&s, &t.name)).await?;
    Ok((StatusCode::CREATED, Json(tenant)))
}

#[utoipa::path(patch, path = "/api/tenants/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The tenant's id")),
    request_body = TenantName,
    responses(
        (status = 200, description = "Renamed", body = Tenant),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such tenant", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
pub async fn rename_tenant(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<TenantName>, JsonRejection>,
) -> Answer<Json<Tenant>> {
    let t = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.rename_tenant(&s, &id, &t.name)).await?,
    ))
}

async fn membership(
    st: AppState,
    s: Session,
    tenant: String,
    user: String,
    member: bool,
) -> Answer<Json<User>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.set_tenant_member(&s, &tenant, &user, member)).await?,
    ))
}

#[utoipa::path(put, path = "/api/tenants/{id}/members/{user_id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The tenant's id"), ("user_id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user, now a member", body = User),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such tenant or user", body = ErrorBody),
    ))]
pub async fn add_tenant_member(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path((tenant, user)): Path<(String, String)>,
) -> Answer<Json<User>> {
    membership(st, s, tenant, user, true).await
}

/// The user's tokens limited to this tenant stop working there.
#[utoipa::path(delete, path = "/api/tenants/{id}/members/{user_id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "The tenant's id"), ("user_id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user, no longer a member", body = User),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such tenant or user", body = ErrorBody),
    ))]
pub async fn remove_tenant_member(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path((tenant, user)): Path<(String, String)>,
) -> Answer<Json<User>> {
    membership(st, s, tenant, user, false).await
}
