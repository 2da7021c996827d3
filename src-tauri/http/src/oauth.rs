//! The signed-token endpoints: token exchange (RFC 8693) at the token endpoint, the published
//! keys (RFC 7517), the server's metadata (RFC 8414), and the signing keys' admin endpoints.
//! Rules live in core (`service/signing.rs`); this maps them to the OAuth wire format.

use super::api::{blocking, Answer, Reject};
use super::errors::ErrorBody;
use super::{AppState, Caller, CoreError};
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tokendesk_core::jwt::{self, JwkSet};
use tokendesk_core::model::*;
use tokendesk_core::secret::SecretString;
use tokendesk_core::ErrorCode;
use utoipa::ToSchema;

/// RFC 8693 §2.1 token exchange, or RFC 6749 §4.4 client credentials (form-encoded). Other
/// parameters are ignored (RFC 6749 §3.2).
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `urn:ietf:params:oauth:grant-type:token-exchange` or `client_credentials`.
    #[schema(
        required = true,
        pattern = "^(urn:ietf:params:oauth:grant-type:token-exchange|client_credentials)$"
    )]
    pub grant_type: Option<String>,
    /// Token exchange: the Tokendesk token to exchange.
    #[schema(value_type = String, min_length = 1)]
    pub subject_token: Option<SecretString>,
    /// Token exchange: `urn:ietf:params:oauth:token-type:access_token`.
    #[schema(pattern = "^urn:ietf:params:oauth:token-type:access_token$")]
    pub subject_token_type: Option<String>,
    /// Client credentials, when not sent with HTTP Basic authentication.
    pub client_id: Option<String>,
    #[schema(value_type = String)]
    pub client_secret: Option<SecretString>,
    /// Space-separated; a subset of the subject token's scopes. Absent: the same scopes.
    pub scope: Option<String>,
    /// The `aud` of the signed token; absent: this server's own API (the issuer).
    pub audience: Option<String>,
    /// `urn:ietf:params:oauth:token-type:access_token` or `…:jwt`, if given.
    #[schema(pattern = "^urn:ietf:params:oauth:token-type:(access_token|jwt)$")]
    pub requested_token_type: Option<String>,
}

/// An RFC 6749 §5.2 error answer (400) with the `{code, message}` every answer carries.
fn oauth_error(error: &str, message: impl Into<String>) -> Reject {
    Reject::Body(ErrorBody::new(ErrorCode::InvalidInput, message).oauth(error))
}

/// A core refusal of an exchange in RFC 6749 / RFC 8693 terms: a bad subject token is
/// `invalid_request` (RFC 8693 §2.2.2), a scope beyond it `invalid_scope`.
fn exchange_error(e: Reject) -> Reject {
    let Reject::Core(c) = e else { return e };
    let CoreError { error, .. } = *c;
    match error.code {
        ErrorCode::InvalidToken | ErrorCode::InvalidInput => {
            oauth_error("invalid_request", error.message)
        }
        ErrorCode::InsufficientScope => oauth_error("invalid_scope", error.message),
        _ => Reject::Core(Box::new(CoreError {
            error,
            retry_after: None,
        })),
    }
}

const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// Scopes as a space-separated `scope` parameter names them; an unknown one is `invalid_scope`.
fn scopes(text: Option<&str>) -> Result<Option<Vec<Scope>>, Reject> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| {
                Scope::parse(s)
                    .ok_or_else(|| oauth_error("invalid_scope", format!("Unknown scope {s}.")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// RFC 6749 §2.3.1: `client_id:client_secret`, each form-urlencoded, in HTTP Basic.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, SecretString)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, SecretString::from(decode(secret)?)))
}

/// RFC 6749 §5.2 `invalid_client`: 401, with a Basic challenge (§2.3.1).
fn invalid_client(message: &str) -> Response {
    let mut res = ErrorBody::new(ErrorCode::InvalidCredentials, message)
        .oauth("invalid_client")
        .into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"tokendesk\""),
    );
    res
}

/// RFC 6749 §4.4: a service user's client id and secret for a new token of that user.
async fn client_credentials(
    st: AppState,
    addr: SocketAddr,
    headers: &HeaderMap,
    f: TokenRequest,
) -> Answer<Response> {
    let (id, secret) = match (basic_credentials(headers), f.client_id, f.client_secret) {
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        (Some(_), _, _) => {
            return Err(oauth_error(
                "invalid_request",
                "Send the client credentials once: in HTTP Basic or in the form, not both.",
            ))
        }
        _ => {
            return Ok(invalid_client(
                "Send client_id and client_secret (HTTP Basic, or form parameters).",
            ))
        }
    };
    let scope = scopes(f.scope.as_deref())?;
    let client = addr.ip().to_string();
    let td = st.td.clone();
    let issued =
        blocking(move || td.client_credentials_grant(&id, &secret, scope, Some(&client))).await;
    let created = match issued {
        Ok(c) => c,
        Err(Reject::Core(c)) if c.error.code == ErrorCode::InvalidCredentials => {
            return Ok(invalid_client("The client id or secret is not correct."))
        }
        Err(e) => return Err(exchange_error(e)),
    };
    let now = st.td.now();
    let answer = ExchangedToken {
        issued_token_type: None,
        token_type: "Bearer".into(),
        expires_in: created.meta.expires_at.map(|e| (e - now) / 1000),
        scope: created
            .meta
            .scopes
            .as_deref()
            .map(tokendesk_core::store::tokens::scopes_text),
        access_token: created.token,
    };
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(answer),
    )
        .into_response())
}

/// The token endpoint. RFC 8693 token exchange: a Tokendesk token for a short-lived signed
/// access token (JWT, RFC 9068); revoking the Tokendesk token refuses new exchanges at once,
/// and Tokendesk refuses the JWTs it obtained; offline verifiers accept a JWT until its `exp`.
/// RFC 6749 §4.4 client credentials: a service user's client id and secret (HTTP Basic or form)
/// for a new Tokendesk token of that user.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The signed token (RFC 8693 §2.2.1), or the service user's token (RFC 6749 §5.1)", body = ExchangedToken),
        (status = 400, description = "RFC 6749 §5.2: `unsupported_grant_type`, `invalid_request` (missing or inactive subject token, bad audience), `invalid_scope`", body = ErrorBody),
        (status = 401, description = "`invalid_client`: wrong or missing client credentials", body = ErrorBody),
        (status = 403, description = "The service user's role may not hold tokens", body = ErrorBody),
        (status = 429, description = "Too many failed client authentications; see Retry-After", body = ErrorBody),
    ))]
pub async fn token(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Answer<Response> {
    let Form(f) = form.map_err(|_| {
        oauth_error(
            "invalid_request",
            "Send application/x-www-form-urlencoded parameters (RFC 6749 §4.1.3).",
        )
    })?;
    match f.grant_type.as_deref() {
        Some(jwt::TOKEN_EXCHANGE_GRANT) => {}
        Some(CLIENT_CREDENTIALS) => return client_credentials(st, addr, &headers, f).await,
        None => {
            return Err(oauth_error(
                "invalid_request",
                "The grant_type parameter is missing.",
            ))
        }
        Some(_) => {
            return Err(oauth_error(
                "unsupported_grant_type",
                format!(
                    "This server supports grant_type={} and {CLIENT_CREDENTIALS}.",
                    jwt::TOKEN_EXCHANGE_GRANT
                ),
            ))
        }
    }
    let subject = f
        .subject_token
        .ok_or_else(|| oauth_error("invalid_request", "The subject_token parameter is missing."))?;
    if f.subject_token_type.as_deref() != Some(jwt::ACCESS_TOKEN_TYPE) {
        return Err(oauth_error(
            "invalid_request",
            format!("subject_token_type must be {}.", jwt::ACCESS_TOKEN_TYPE),
        ));
    }
    if let Some(t) = f.requested_token_type.as_deref() {
        if t != jwt::ACCESS_TOKEN_TYPE && t != JWT_TYPE {
            return Err(oauth_error(
                "invalid_request",
                format!(
                    "requested_token_type may be {} or {JWT_TYPE}.",
                    jwt::ACCESS_TOKEN_TYPE
                ),
            ));
        }
    }
    let scope = scopes(f.scope.as_deref())?;
    let req = ExchangeRequest {
        scope,
        audience: f.audience,
    };
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (td, issuer) = (st.td.clone(), st.issuer.clone());
    let mut issued = blocking(move || {
        td.exchange_token(&subject, &req, &issuer, Some(addr.ip()), agent.as_deref())
    })
    .await
    .map_err(exchange_error)?;
    if f.requested_token_type.as_deref() == Some(JWT_TYPE) {
        issued.issued_token_type = Some(JWT_TYPE.to_string());
    }
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(issued),
    )
        .into_response())
}

/// RFC 7517: the public keys that verify this server's signed tokens. A retired key stays
/// here until every token it signed has expired.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "oauth",
    responses((status = 200, description = "The JWK Set", body = JwkSet)))]
pub async fn jwks(State(st): State<AppState>) -> Answer<Response> {
    let td = st.td.clone();
    let set = blocking(move || td.jwks()).await?;
    // Verifiers cache it; a rotation publishes the new key before it signs anything.
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(set)).into_response())
}

/// RFC 8414 authorization server metadata.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub introspection_endpoint: String,
    pub revocation_endpoint: String,
    pub grant_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub service_documentation: String,
}

#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "RFC 8414 metadata", body = ServerMetadata)))]
pub async fn metadata(State(st): State<AppState>) -> Json<ServerMetadata> {
    let base = st.issuer.trim_end_matches('/').to_string();
    Json(ServerMetadata {
        issuer: st.issuer.to_string(),
        token_endpoint: format!("{base}/oauth/token"),
        jwks_uri: format!("{base}/.well-known/jwks.json"),
        introspection_endpoint: format!("{base}/oauth/introspect"),
        revocation_endpoint: format!("{base}/oauth/revoke"),
        grant_types_supported: vec![jwt::TOKEN_EXCHANGE_GRANT.into(), CLIENT_CREDENTIALS.into()],
        // The subject token authenticates an exchange; client credentials come in HTTP Basic
        // or the form. Introspection and revocation take a bearer token (RFC 6750).
        token_endpoint_auth_methods_supported: vec![
            "none".into(),
            "client_secret_basic".into(),
            "client_secret_post".into(),
        ],
        introspection_endpoint_auth_methods_supported: vec!["bearer".into()],
        revocation_endpoint_auth_methods_supported: vec!["bearer".into()],
        scopes_supported: Scope::ALL.iter().map(|s| s.as_str().to_string()).collect(),
        service_documentation: format!("{base}/openapi.json"),
    })
}

#[utoipa::path(get, path = "/api/signing-keys", tag = "settings", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every signing key, newest first", body = Vec<SigningKeyInfo>),
        (status = 401, description = "Not an active token", body = ErrorBody),
    ))]
pub async fn signing_keys(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<Vec<SigningKeyInfo>>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.signing_keys(&s)).await?))
}

/// A new key signs from now on; the previous one stays published until every token it signed
/// has expired (an hour at most). Audited.
#[utoipa::path(post, path = "/api/signing-keys/rotate", tag = "settings", security(("bearer" = [])),
    responses(
        (status = 200, description = "The keys after the rotation, newest first", body = Vec<SigningKeyInfo>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "A read-only token, or not allowed to manage settings", body = ErrorBody),
    ))]
pub async fn rotate_signing_key(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<(StatusCode, Json<Vec<SigningKeyInfo>>)> {
    let td = st.td.clone();
    Ok((
        StatusCode::OK,
        Json(blocking(move || td.rotate_signing_key(&s)).await?),
    ))
}
