//! RFC 6750 bearer authentication: reading the credential from exactly one Authorization
//! header, and its error answers (400 invalid_request, 401 invalid_token).

use super::errors::ErrorBody;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use tokendesk_core::ErrorCode;

pub const REALM: &str = "tokendesk";
const OTHER_SCHEME: &str = "Use the Bearer scheme: Authorization: Bearer <token>.";

/// Why a request is not authenticated, mapped to its RFC 6750 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No credential at all: 401 with a bare challenge (RFC 6750 §3.1, no error code).
    Missing,
    /// The request itself is wrong: 400 invalid_request.
    InvalidRequest(&'static str),
    /// The credential is not an active token: 401 invalid_token.
    InvalidToken(&'static str),
    /// An Authorization scheme other than Bearer and the configured ones: 400
    /// invalid_request, unless it is the one legacy API keys are sent with.
    OtherScheme,
}

impl AuthError {
    /// The `{code, message, error, error_description}` body this failure is answered with.
    pub fn body(&self) -> ErrorBody {
        match self {
            AuthError::Missing => ErrorBody::new(
                ErrorCode::Unauthenticated,
                "Send a token: Authorization: Bearer <token>.",
            ),
            AuthError::InvalidRequest(d) => {
                ErrorBody::new(ErrorCode::InvalidInput, *d).oauth("invalid_request")
            }
            AuthError::InvalidToken(d) => {
                ErrorBody::new(ErrorCode::Unauthenticated, *d).oauth("invalid_token")
            }
            AuthError::OtherScheme => AuthError::InvalidRequest(OTHER_SCHEME).body(),
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut res = self.body().into_response();
        if let AuthError::InvalidRequest(_) | AuthError::OtherScheme = self {
            // RFC 6750 §3: an invalid_request is a 400 that still names the scheme.
            let challenge = format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_request\", error_description=\"{}\"",
                self.body().message
            );
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        res
    }
}

/// The token68 characters of RFC 7235 §2.1, which is what a bearer credential may contain.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~+/".contains(&c))
}

/// The credential from the request's single Authorization header. `schemes` are the accepted
/// scheme names besides `Bearer` (for clients that send another word), compared
/// case-insensitively as RFC 7235 requires.
pub fn credential<'a>(
    headers: &'a HeaderMap,
    query: Option<&str>,
    schemes: &[String],
) -> Result<&'a str, AuthError> {
    if query.is_some_and(|q| {
        q.split('&')
            .any(|kv| kv.split('=').next() == Some("access_token"))
    }) {
        return Err(AuthError::InvalidRequest(
            "Tokens in the query string are refused; send an Authorization header.",
        ));
    }
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::Missing);
    };
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest(
            "Send exactly one Authorization header.",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::InvalidRequest("The Authorization header must be ASCII."))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let accepted = scheme.eq_ignore_ascii_case("Bearer")
        || schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme));
    if !accepted {
        return Err(AuthError::OtherScheme);
    }
    let token = rest.trim_matches(' ');
    if token.is_empty() {
        return Err(AuthError::InvalidRequest("The bearer token is empty."));
    }
    if !is_token68(token) {
        return Err(AuthError::InvalidRequest(
            "The bearer token contains characters a token cannot have.",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_one_bearer_credential() {
        assert_eq!(
            credential(&headers(&[b"Bearer tkd_abc"]), None, &[]),
            Ok("tkd_abc")
        );
        assert_eq!(
            credential(&headers(&[b"bearer tkd_abc"]), None, &[]),
            Ok("tkd_abc")
        );
        let extra = vec!["SalureToken".to_string()];
        assert_eq!(
            credential(&headers(&[b"SalureToken tkd_abc"]), None, &extra),
            Ok("tkd_abc")
        );
    }

    #[test]
    fn each_malformed_request_is_invalid_request() {
        let bad = |h: HeaderMap, q: Option<&str>| {
            matches!(credential(&h, q, &[]), Err(AuthError::InvalidRequest(_)))
        };
        assert_eq!(
            credential(&HeaderMap::new(), None, &[]),
            Err(AuthError::Missing)
        );
        assert!(
            bad(headers(&[b"Bearer a", b"Bearer b"]), None),
            "two headers"
        );
        assert!(bad(headers(&[b"Bearer "]), None), "empty token");
        assert!(bad(headers(&[b"Bearer"]), None), "no token");
        for other in [&b"Basic dXNlcjpwYXNz"[..], b"SalureToken tkd_abc"] {
            assert_eq!(
                credential(&headers(&[other]), None, &[]),
                Err(AuthError::OtherScheme),
                "a scheme neither Bearer nor configured"
            );
        }
        assert!(bad(headers(&[b"Bearer tkd_\xc3\xa9"]), None), "non-ASCII");
        assert!(bad(headers(&[b"Bearer a b"]), None), "a space inside");
        assert!(
            bad(
                headers(&[b"Bearer tkd_abc"]),
                Some("x=1&access_token=tkd_abc")
            ),
            "query string"
        );
    }
}
