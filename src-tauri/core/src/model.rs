//! Domain types shared by every face. Those deriving `TS` are exported to the UI as TypeScript,
//! so the UI never hand-types a shape that Rust owns.

use crate::clock::Millis;
use crate::policy::{ExpiryChoice, ExpiryPolicy};
use crate::secret::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenKind {
    /// Created by its owner for themselves.
    Personal,
    /// Created by an admin on behalf of the owner (RFC 8693 `act` = the admin).
    Impersonation,
    /// Held by a non-human service user.
    Service,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Personal => "personal",
            TokenKind::Impersonation => "impersonation",
            TokenKind::Service => "service",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(TokenKind::Personal),
            "impersonation" => Some(TokenKind::Impersonation),
            "service" => Some(TokenKind::Service),
            _ => None,
        }
    }
}

/// Derived from the clock on every read, never stored, so it cannot go stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn derive(revoked_at: Option<Millis>, expires_at: Option<Millis>, now: Millis) -> Self {
        match (revoked_at, expires_at) {
            (Some(_), _) => TokenStatus::Revoked,
            (None, Some(exp)) if exp <= now => TokenStatus::Expired,
            _ => TokenStatus::Active,
        }
    }
}

/// Everything Tokendesk knows about a token except the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TokenMeta {
    pub id: String,
    pub owner_id: String,
    pub created_by: String,
    pub kind: TokenKind,
    pub name: String,
    pub description: String,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub last_used_at: Option<Millis>,
    pub use_count: i64,
    /// Prefix and last four characters, e.g. `tkd_…x9Qa`.
    pub display_hint: String,
    pub status: TokenStatus,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CreateTokenRequest {
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    pub description: Option<String>,
    pub expiry: ExpiryChoice,
}

/// The result of a create: the plain token exists here and nowhere else, once. Serializing it
/// is the single deliberate reveal (the answer to the creating request); Debug stays redacted.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct CreatedToken {
    pub meta: TokenMeta,
    #[serde(serialize_with = "reveal_once")]
    #[ts(type = "string")]
    pub token: SecretString,
}

fn reveal_once<S: serde::Serializer>(t: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    use crate::secret::ExposeSecret;
    s.serialize_str(t.expose_secret())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortKey {
    Name,
    #[default]
    Created,
    Expires,
    Status,
    LastUsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ListQuery {
    /// Matches name or description, case-insensitively, anywhere in the text.
    #[ts(optional)]
    pub search: Option<String>,
    /// `None` lists every status.
    #[ts(optional)]
    pub status: Option<TokenStatus>,
    pub sort: SortKey,
    pub dir: SortDir,
    /// 1..=200; 0 means the default of 50.
    pub limit: u32,
    /// Opaque; from the previous page's `nextCursor`.
    #[ts(optional)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ListPage {
    pub items: Vec<TokenMeta>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserKind {
    Human,
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserStatus {
    Active,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: UserKind,
    pub role: String,
    pub status: UserStatus,
    pub created_at: Millis,
}

/// Who acts and on whose behalf. Both are the local owner until impersonation exists; a token
/// created with `actor != subject` is an impersonation token owned by the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor_id: String,
    pub subject_id: String,
}

/// What the UI needs to start: the authority, the signed-in user and the policy.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub authority_id: String,
    pub authority_name: String,
    pub token_prefix: String,
    pub user: User,
    pub policy: ExpiryPolicy,
    pub data_dir: String,
    pub now: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub at: Millis,
    pub actor_id: String,
    pub subject_id: String,
    pub action: String,
    pub target_id: Option<String>,
    /// JSON object; never contains a secret.
    pub details: String,
}

/// Why a presented token is not accepted, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RejectReason {
    Malformed,
    BadChecksum,
    Unknown,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Active(Box<TokenMeta>),
    Rejected(RejectReason),
}

/// Where a copy of a token was saved in the person's own keyring, and how to read it back.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyringCopy {
    pub service: String,
    pub account: String,
    pub lookup_command: String,
}
