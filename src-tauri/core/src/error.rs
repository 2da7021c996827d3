//! One error type for the whole core, with a closed set of codes that every face (desktop IPC,
//! HTTP, CLI) reports identically, so a client can branch on `code` and show `message`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The closed set of error codes. Adding one is an API change: the TypeScript union is
/// generated from this enum and the UI's `switch` must handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    InvalidInput,
    InvalidName,
    NameTaken,
    InvalidExpiry,
    InvalidToken,
    NotFound,
    AlreadyRevoked,
    TokenRevoked,
    DatabaseBusy,
    DatabaseUnavailable,
    DatabaseCorrupt,
    Database,
    KeyringUnavailable,
    PermissionDenied,
    InvalidEmail,
    EmailTaken,
    InvalidPassword,
    InvalidCredentials,
    RateLimited,
    LastOwner,
    SelfLockout,
    UserInactive,
    Internal,
    /// HTTP: no token, or not an active token (401).
    Unauthenticated,
    /// The token acting lacks a scope, or is read-only and the call changes something (403).
    InsufficientScope,
    /// HTTP: no such endpoint is the `not_found` code; an endpoint without this method is this (405).
    MethodNotAllowed,
    /// HTTP: the body is over the service's limit, with or without a Content-Length (413).
    PayloadTooLarge,
    /// HTTP: the request took longer than the service's timeout (408).
    RequestTimeout,
    /// HTTP: the header block is over the service's limit (431).
    HeadersTooLarge,
    /// The token was rotated already: rotate its successor (409).
    AlreadyRotated,
    /// HTTP: a legacy API key presented after the authority's sunset date for them (401).
    LegacyKeySunset,
    /// A client of a team server: the server cannot be reached, its certificate is not
    /// trusted, or it answered without Tokendesk's error shape. Never answered by a server.
    ServerUnreachable,
}

/// Messages are written for the person who will read them and never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    InvalidName(String),
    #[error("Another active authorization is already named \u{201c}{0}\u{201d}. Choose another name, or revoke the other one first.")]
    NameTaken(String),
    #[error("{0}")]
    InvalidExpiry(String),
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    NotFound(String),
    #[error("This authorization is already revoked.")]
    AlreadyRevoked,
    #[error("A revoked authorization cannot be renamed.")]
    TokenRevoked,
    #[error("This authorization was rotated already; rotate its successor instead.")]
    AlreadyRotated,
    #[error("The database is busy: another process holds a lock on it. Close other Tokendesk windows or commands and try again.")]
    DatabaseBusy,
    #[error("The database file is damaged or is not a Tokendesk database ({0}). Restore it from a backup or move it away to start fresh.")]
    DatabaseCorrupt(String),
    #[error("The database cannot be reached ({0}). Try again when it is back.")]
    DatabaseUnavailable(String),
    #[error("Database error: {0}")]
    Database(String),
    #[error("{0}")]
    KeyringUnavailable(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    InvalidEmail(String),
    #[error("Another user already has the email address {0}.")]
    EmailTaken(String),
    #[error("{0}")]
    InvalidPassword(String),
    /// Deliberately does not say whether the email or the password was wrong.
    #[error("The email address or the password is not correct.")]
    InvalidCredentials,
    #[error("Too many failed attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    #[error("{0}")]
    LastOwner(String),
    #[error("{0}")]
    SelfLockout(String),
    #[error("{0}")]
    UserInactive(String),
    #[error("Internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    InsufficientScope(String),
    #[error("{0}")]
    ServerUnreachable(String),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::InvalidName(_) => ErrorCode::InvalidName,
            Error::NameTaken(_) => ErrorCode::NameTaken,
            Error::InvalidExpiry(_) => ErrorCode::InvalidExpiry,
            Error::InvalidToken(_) => ErrorCode::InvalidToken,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::AlreadyRevoked => ErrorCode::AlreadyRevoked,
            Error::TokenRevoked => ErrorCode::TokenRevoked,
            Error::AlreadyRotated => ErrorCode::AlreadyRotated,
            Error::DatabaseBusy => ErrorCode::DatabaseBusy,
            Error::DatabaseCorrupt(_) => ErrorCode::DatabaseCorrupt,
            Error::DatabaseUnavailable(_) => ErrorCode::DatabaseUnavailable,
            Error::Database(_) => ErrorCode::Database,
            Error::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::InvalidEmail(_) => ErrorCode::InvalidEmail,
            Error::EmailTaken(_) => ErrorCode::EmailTaken,
            Error::InvalidPassword(_) => ErrorCode::InvalidPassword,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::LastOwner(_) => ErrorCode::LastOwner,
            Error::SelfLockout(_) => ErrorCode::SelfLockout,
            Error::UserInactive(_) => ErrorCode::UserInactive,
            Error::Internal(_) => ErrorCode::Internal,
            Error::InsufficientScope(_) => ErrorCode::InsufficientScope,
            Error::ServerUnreachable(_) => ErrorCode::ServerUnreachable,
        }
    }
}

/// What crosses a process boundary (Tauri IPC, HTTP body, CLI `--json`): `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}
