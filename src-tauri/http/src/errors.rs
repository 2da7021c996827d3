//! One error shape for every non-2xx answer of the service: `{code, message}` with a code of
//! the closed set (docs/errors.md), whatever produced it: a core rule, a bearer check, an
//! extractor, a tower layer (body limit, timeout) or the router (no route, wrong method).

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tokendesk_core::{ApiError, ErrorCode};
use utoipa::ToSchema;

/// The body of every error answer. The RFC 6749 §5.2 and RFC 6750 §3.1 answers (OAuth
/// endpoints, bearer failures) also carry that standard's `error` and `error_description`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// The RFC 6749 / RFC 6750 error code, on OAuth and bearer-authentication failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// The message of a `payload_too_large` answer, whoever noticed the size.
pub(crate) const TOO_LARGE: &str = "The request body is larger than the service accepts.";

/// The status each code is answered with; one table so a code always means one status.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::InvalidInput
        | C::InvalidName
        | C::InvalidToken
        | C::InvalidEmail
        | C::InvalidPassword => StatusCode::BAD_REQUEST,
        // The request is well formed but conflicts with the expiry policy or the clock.
        C::InvalidExpiry
        | C::NameTaken
        | C::EmailTaken
        | C::AlreadyRevoked
        | C::TokenRevoked
        | C::AlreadyRotated
        | C::LastOwner
        | C::SelfLockout => StatusCode::CONFLICT,
        C::NotFound => StatusCode::NOT_FOUND,
        C::PermissionDenied | C::UserInactive | C::InsufficientScope => StatusCode::FORBIDDEN,
        C::InvalidCredentials | C::Unauthenticated | C::LegacyKeySunset => StatusCode::UNAUTHORIZED,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        C::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        C::DatabaseBusy | C::DatabaseUnavailable | C::KeyringUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        C::DatabaseCorrupt | C::Database | C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        // Made by a client about the server it calls; a server never answers it.
        C::ServerUnreachable => StatusCode::BAD_GATEWAY,
    }
}

/// The RFC 6750 error name of a bearer failure with this code, if it is one.
fn bearer_error(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::Unauthenticated | ErrorCode::LegacyKeySunset => Some("invalid_token"),
        ErrorCode::InsufficientScope => Some("insufficient_scope"),
        _ => None,
    }
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
            error: None,
            error_description: None,
        }
    }

    /// Adds the RFC 6749 / 6750 `error` name; its description is the message.
    pub fn oauth(mut self, error: &str) -> ErrorBody {
        self.error = Some(error.into());
        self.error_description = Some(self.message.clone());
        self
    }
}

impl From<ApiError> for ErrorBody {
    fn from(e: ApiError) -> Self {
        let body = ErrorBody::new(e.code, e.message);
        match bearer_error(body.code) {
            Some(name) => body.oauth(name),
            None => body,
        }
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> Response {
        let status = status_of(self.code);
        let challenge = match (status, self.error.as_deref()) {
            // RFC 6750 §3: a 401, and a bearer failure, name the scheme and what went wrong.
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, Some(error)) => Some(format!(
                "Bearer realm=\"{}\", error=\"{error}\", error_description=\"{}\"",
                super::auth::REALM,
                self.message.replace(['"', '\\'], "'")
            )),
            (StatusCode::UNAUTHORIZED, None) => {
                Some(format!("Bearer realm=\"{}\"", super::auth::REALM))
            }
            _ => None,
        };
        let mut res = (status, Json(self)).into_response();
        if let Some(c) = challenge {
            let value =
                HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

/// The answer for a request that matched no route.
pub async fn no_route() -> ErrorBody {
    ErrorBody::new(ErrorCode::NotFound, "There is no such endpoint.")
}

/// The outermost layer: an error answer that is not JSON yet (from tower layers, the router
/// or an extractor) becomes `{code, message}` by its status, headers such as `Allow` kept.
/// The original text is not copied: it can quote the request (a path, a header).
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "There is no such endpoint."),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "This endpoint does not take this method; the Allow header lists those it takes.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, TOO_LARGE),
        StatusCode::REQUEST_TIMEOUT => (
            ErrorCode::RequestTimeout,
            "The request took longer than the service waits.",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            ErrorCode::HeadersTooLarge,
            "The request headers are larger than the service accepts.",
        ),
        s if s.is_server_error() => (ErrorCode::Internal, "The service failed to answer."),
        _ => (
            ErrorCode::InvalidInput,
            "The request is not valid: check its URL (UTF-8 after percent-decoding), headers and body.",
        ),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&ErrorBody::new(code, message)).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// hyper answers a request it cannot parse (a NUL byte in a header, a malformed request line,
/// an oversized head) by itself, before any service runs, with an empty body. This connection
/// wrapper gives that answer the JSON body too. It recognises hyper's answer by what the
/// service never sends: a 4xx head with `content-length: 0` (json_errors gives every error a
/// body). Each write is checked by its first bytes only, so other answers pass untouched.
pub(crate) struct ParseErrorsAsJson<T> {
    io: T,
    /// The rewritten answer and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> ParseErrorsAsJson<T> {
    pub(crate) fn new(io: T) -> Self {
        ParseErrorsAsJson { io, pending: None }
    }
}

/// hyper's own error answer rewritten with a body, or None if `buf` is not one.
fn rewrite_parse_error(buf: &[u8]) -> Option<Vec<u8>> {
    if !buf.starts_with(b"HTTP/1.1 4") {
        return None;
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if head_end + 4 != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut empty = false;
    let mut kept = Vec::new();
    for line in lines {
        if line.eq_ignore_ascii_case("content-length: 0") {
            empty = true;
        } else {
            kept.push(line);
        }
    }
    if !empty {
        return None;
    }
    let status: u16 = status_line.get(9..12)?.parse().ok()?;
    let (code, message) = match status {
        431 => (
            ErrorCode::HeadersTooLarge,
            "The request headers are larger than the service accepts.",
        ),
        _ => (
            ErrorCode::InvalidInput,
            "The request is malformed HTTP: check the request line and that no header holds a control character (such as NUL).",
        ),
    };
    let body = serde_json::to_vec(&ErrorBody::new(code, message)).ok()?;
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for line in kept {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for ParseErrorsAsJson<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for ParseErrorsAsJson<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::task::Poll;
        let this = &mut *self;
        if this.pending.is_none() {
            match rewrite_parse_error(buf) {
                Some(out) => this.pending = Some((out, 0)),
                None => return std::pin::Pin::new(&mut this.io).poll_write(cx, buf),
            }
        }
        // hyper calls again with the same buffer until it is reported written, so the
        // rewritten answer is reported as `buf` once all of it is out.
        let (out, done) = this.pending.as_mut().expect("set above");
        while *done < out.len() {
            match std::pin::Pin::new(&mut this.io).poll_write(cx, &out[*done..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => *done += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        this.pending = None;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }

    // Not vectored: hyper then hands each answer's head over as one buffer.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_error_answers_are_rewritten() {
        let auto = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite_parse_error(auto).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"));
        assert!(out.contains("date: x\r\n"));
        assert!(out.ends_with("}"), "{out}");
        let body: ErrorBody = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body.code, ErrorCode::InvalidInput);
        for other in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 20\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            b"{\"code\":\"x\"}",
        ] {
            assert!(rewrite_parse_error(other).is_none());
        }
    }
}
