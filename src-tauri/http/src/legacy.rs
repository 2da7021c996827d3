//! Legacy API keys on the wire: reading a key from the header old clients send, the
//! `Deprecation` / `Sunset` / `Link` headers on every answer to such a request, the migration
//! notes, and the Migration screen's endpoints. Whether a key is accepted is core's rule
//! (`service/legacy.rs`); this maps it to HTTP.

use super::api::{blocking, json_body, query, Answer, Reject};
use super::errors::ErrorBody;
use super::{AppState, Caller};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::{Arc, OnceLock};
use tokendesk_core::legacy::{self as rules, LegacyHeader, LegacyNotice};
use tokendesk_core::model::*;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::ErrorCode;

/// The largest import file the service takes (a few hundred thousand keys' worth of CSV).
pub const IMPORT_LIMIT: usize = 16 << 20;

/// Filled by the bearer check when a request carries a legacy key, read by `notice_headers`
/// once the answer is made, whatever the answer is.
#[derive(Clone, Default)]
pub(crate) struct NoticeSlot(Arc<OnceLock<LegacyNotice>>);

/// Adds the deprecation headers to the answer of a request that came with a legacy key.
pub(crate) async fn notice_headers(mut req: Request, next: Next) -> Response {
    let slot = NoticeSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut res = next.run(req).await;
    if let Some(n) = slot.0.get() {
        let h = res.headers_mut();
        let mut put = |name: &'static str, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.append(HeaderName::from_static(name), v);
            }
        };
        if let Some(d) = &n.deprecation {
            put("deprecation", d);
        }
        if let Some(s) = &n.sunset {
            put("sunset", s);
        }
        put("link", &n.link);
    }
    res
}

/// The key in the configured header, if the request carries one: `Err` when it is there
/// but unusable (twice, not ASCII, empty).
fn read_key(headers: &HeaderMap, rule: &LegacyHeader) -> Option<Result<SecretString, ErrorBody>> {
    let bad = |why: String| ErrorBody::new(ErrorCode::InvalidInput, why).oauth("invalid_request");
    let (name, scheme) = match rule {
        LegacyHeader::Named(n) => (n.as_str(), None),
        LegacyHeader::Scheme(s) => ("authorization", Some(s.as_str())),
    };
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return Some(Err(bad(format!("Send exactly one {name} header."))));
    }
    let Ok(value) = value.to_str() else {
        return Some(Err(bad(format!("The {name} header must be ASCII."))));
    };
    let key = match scheme {
        None => value.trim(),
        Some(scheme) => {
            let (given, rest) = value.split_once(' ').unwrap_or((value, ""));
            if !given.eq_ignore_ascii_case(scheme) {
                return None;
            }
            rest.trim()
        }
    };
    if key.is_empty() {
        return Some(Err(bad(format!("The {name} header is empty."))));
    }
    Some(Ok(SecretString::from(key.to_string())))
}

fn refusal(r: RejectReason, settings: &LegacySettings) -> ErrorBody {
    let unauthenticated =
        |m: &str| ErrorBody::new(ErrorCode::Unauthenticated, m).oauth("invalid_token");
    match r {
        RejectReason::LegacyOff => unauthenticated(
            "This server does not accept legacy API keys; send a token: Authorization: Bearer <token>.",
        ),
        RejectReason::LegacySunset => {
            let when = settings
                .sunset_at
                .map(tokendesk_core::clock::format_utc)
                .unwrap_or_default();
            ErrorBody::new(
                ErrorCode::LegacyKeySunset,
                format!("Legacy API keys are no longer accepted (sunset {when}); send a token: Authorization: Bearer <token>."),
            )
            .oauth("invalid_token")
        }
        RejectReason::Revoked => unauthenticated("This legacy API key was retired; use the bearer token that replaces it."),
        RejectReason::Suspended => unauthenticated("This legacy API key is suspended: its owner is disabled, removed or without API access."),
        RejectReason::Malformed => unauthenticated("The legacy API key is malformed."),
        _ => unauthenticated("The legacy API key is not known."),
    }
}

/// For a request without a usable bearer credential: the legacy key in its header, checked.
/// `None`: the request carries no legacy key, so the bearer failure stands.
pub(crate) async fn authenticate(
    parts: &mut Parts,
    st: &AppState,
) -> Option<Result<Arc<Verified>, Response>> {
    let arrived = st.td.arrival();
    let td = st.td.clone();
    let settings = match blocking(move || td.legacy_settings_now()).await {
        Ok(s) => s,
        Err(e) => return Some(Err(e.into_response())),
    };
    let rule = LegacyHeader::parse(&settings.header).ok()?;
    let key = match read_key(&parts.headers, &rule)? {
        Ok(k) => k,
        Err(body) => return Some(Err(body.into_response())),
    };
    if let Some(slot) = parts.extensions.get::<NoticeSlot>() {
        let _ = slot.0.set(rules::notice(&settings, &st.issuer));
    }
    let td = st.td.clone();
    let checked = settings.clone();
    let answer =
        blocking(move || td.verify_legacy_since(&checked, key.expose_secret(), arrived)).await;
    Some(match answer {
        Ok(Verification::Active(v)) => {
            let client = parts
                .extensions
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            let agent = parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            st.td.record_use(&v.token.id, client, agent);
            Ok(v)
        }
        Ok(Verification::Rejected(r)) => Err(refusal(r, &settings).into_response()),
        Err(e) => Err(e.into_response()),
    })
}

/// How to move off legacy API keys (the `Link` of legacy answers points here by default).
#[utoipa::path(get, path = "/docs/legacy-api-keys", operation_id = "legacy_notes", tag = "legacy",
    responses((status = 200, description = "The migration notes", body = String, content_type = "text/markdown")))]
pub async fn notes() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        include_str!("../../../docs/legacy-api-keys.md"),
    )
}

#[utoipa::path(get, path = "/api/legacy/settings", operation_id = "get_legacy_settings", tag = "legacy", security(("bearer" = [])),
    responses(
        (status = 200, description = "How legacy API keys are treated", body = LegacySettings),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users or settings", body = ErrorBody),
    ))]
pub async fn get_settings(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<LegacySettings>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.legacy_settings(&s)).await?))
}

/// Off (refused) or Emulate (accepted in `header` until `sunsetAt`). Audited.
#[utoipa::path(put, path = "/api/legacy/settings", operation_id = "update_legacy_settings", tag = "legacy", security(("bearer" = [])),
    request_body = LegacySettings,
    responses(
        (status = 200, description = "Saved", body = LegacySettings),
        (status = 400, description = "Invalid settings (header, notes URL, emulating without a sunset)", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage settings, or a read-only token", body = ErrorBody),
    ))]
pub async fn put_settings(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<LegacySettings>, JsonRejection>,
) -> Answer<Json<LegacySettings>> {
    let new = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.update_legacy_settings(&s, new)).await?,
    ))
}

/// Imports legacy keys: the body is the file, CSV with the header `email,key[,label][,created_at]`
/// or a JSON array of objects with those fields. Only keyed hashes are kept. Rows that name no
/// user, repeat a key or are malformed are reported and skipped.
#[utoipa::path(post, path = "/api/legacy-keys/import", operation_id = "import_legacy_keys", tag = "legacy", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "The import file (CSV or JSON)"),
    responses(
        (status = 200, description = "What was imported and which rows were not", body = LegacyImportReport),
        (status = 400, description = "Not an import file (no email and key columns, not a JSON array, empty)", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users, or a read-only token", body = ErrorBody),
        (status = 413, description = "Larger than 16 MiB", body = ErrorBody),
    ))]
pub async fn import(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Answer<Json<LegacyImportReport>> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Reject::Body(ErrorBody::new(
                ErrorCode::PayloadTooLarge,
                super::errors::TOO_LARGE,
            ))
        } else {
            Reject::from(tokendesk_core::Error::InvalidInput(
                "The import file could not be read.".into(),
            ))
        }
    })?;
    let td = st.td.clone();
    // The body holds plain keys: it is wiped once core has hashed them.
    let file = zeroize::Zeroizing::new(body.to_vec());
    drop(body);
    Ok(Json(
        blocking(move || td.import_legacy_keys(&s, &file)).await?,
    ))
}

/// The legacy keys with their users, last use and use count; the query of `/api/tokens`
/// (`scope` is ignored).
#[utoipa::path(get, path = "/api/legacy-keys", operation_id = "list_legacy_keys", tag = "legacy", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "One page of legacy keys", body = ListPage),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users, or no users:read scope", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<AppState>,
    Caller(s): Caller,
    q: Result<axum::extract::Query<ListQuery>, QueryRejection>,
) -> Answer<Json<ListPage>> {
    let q = query(q)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_legacy_keys(&s, &q)).await?))
}

/// Refuses the key from now on, everywhere. Irreversible; audited.
#[utoipa::path(post, path = "/api/legacy-keys/{id}/retire", operation_id = "retire_legacy_key", tag = "legacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "The legacy key's id")),
    responses(
        (status = 200, description = "Retired", body = TokenMeta),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such legacy key", body = ErrorBody),
        (status = 409, description = "Already retired", body = ErrorBody),
    ))]
pub async fn retire(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<TokenMeta>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.retire_legacy_key(&s, &id)).await?))
}

/// "Create a bearer token for this integration": a token owned by the key's user (`forUser`
/// is ignored); the answer carries the plain token, once. The key keeps working until retired.
#[utoipa::path(post, path = "/api/legacy-keys/{id}/tokens", operation_id = "replace_legacy_key", tag = "legacy", security(("bearer" = [])),
    params(("id" = String, Path, description = "The legacy key's id")),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = CreatedToken),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not allowed to manage users or to create tokens for others, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such legacy key", body = ErrorBody),
        (status = 409, description = "The key is retired, the name is taken, or the expiry conflicts with the policy", body = ErrorBody),
    ))]
pub async fn replace(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<CreateTokenRequest>, JsonRejection>,
) -> Answer<(StatusCode, Json<CreatedToken>)> {
    let req = json_body(body)?;
    let td = st.td.clone();
    let created = blocking(move || td.replace_legacy_key(&s, &id, req)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
