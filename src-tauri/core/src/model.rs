//! Domain types shared by every face. Those deriving `TS` are exported to the UI as TypeScript,
//! so the UI never hand-types a shape that Rust owns.

use crate::clock::Millis;
use crate::policy::{ExpiryChoice, ExpiryPolicy};
use crate::secret::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenKind {
    /// Created by its owner for themselves.
    Personal,
    /// Created by an admin on behalf of the owner (RFC 8693 `act` = the admin).
    Impersonation,
    /// Held by a non-human service user.
    Service,
    /// A static API key imported from the system the organisation moves from: accepted only
    /// in the header its old clients send, while the authority emulates legacy keys; never
    /// listed with tokens, only on the Migration screen.
    Legacy,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Personal => "personal",
            TokenKind::Impersonation => "impersonation",
            TokenKind::Service => "service",
            TokenKind::Legacy => "legacy",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(TokenKind::Personal),
            "impersonation" => Some(TokenKind::Impersonation),
            "service" => Some(TokenKind::Service),
            "legacy" => Some(TokenKind::Legacy),
            _ => None,
        }
    }
}

/// Derived from the clock on every read, never stored, so it cannot go stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
    /// Not revoked or expired, but unusable: its owner is disabled or removed, or (for a token
    /// from credential exchange) the owner's password changed since it was issued.
    Suspended,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
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
    pub owner_name: String,
    pub created_by_name: String,
    /// `None`: the owner's full rights. Otherwise the read-only scopes the token is limited to.
    pub scopes: Option<Vec<Scope>>,
    /// `None`: all of the owner's tenants. Otherwise the tenants the token is limited to.
    pub tenant_ids: Option<Vec<String>>,
    /// The token this one replaced by rotation.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_from: Option<String>,
    /// The token that replaced this one by rotation; this one works until its grace ends
    /// (its `expires_at`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_to: Option<String>,
}

/// How long a rotated token keeps working beside its successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RotationGrace {
    /// The old token stops at once.
    None,
    OneHour,
    OneDay,
    SevenDays,
}

impl RotationGrace {
    pub fn millis(self) -> Millis {
        use crate::clock::DAY;
        match self {
            RotationGrace::None => 0,
            RotationGrace::OneHour => DAY / 24,
            RotationGrace::OneDay => DAY,
            RotationGrace::SevenDays => 7 * DAY,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RotationGrace::None => "none",
            RotationGrace::OneHour => "1h",
            RotationGrace::OneDay => "1d",
            RotationGrace::SevenDays => "7d",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RotateRequest {
    pub grace: RotationGrace,
}

/// A read-only right a token can be limited to (a "page right"). A token without scopes has
/// its owner's full rights except `introspect`, which is only ever granted explicitly.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS, ToSchema,
)]
#[ts(export)]
pub enum Scope {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "tokens:read")]
    TokensRead,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "introspect")]
    Introspect,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::UsersRead,
        Scope::TokensRead,
        Scope::AuditRead,
        Scope::Introspect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::TokensRead => "tokens:read",
            Scope::AuditRead => "audit:read",
            Scope::Introspect => "introspect",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Does a role with `p` hold this scope? A token can only get scopes its creator holds.
    pub fn held_by(self, p: &Permissions) -> bool {
        match self {
            Scope::UsersRead => p.manage_users,
            Scope::TokensRead | Scope::Introspect => p.api_access,
            Scope::AuditRead => p.view_audit,
        }
    }
}

/// A client or company; users belong to any number of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CreateTokenRequest {
    /// Create for this user instead of the session's subject (needs `create_tokens_for_others`).
    #[serde(default)]
    #[ts(optional)]
    pub for_user: Option<String>,
    /// The text policy's `pattern` is added to the document (openapi.rs).
    #[schema(max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    pub expiry: ExpiryChoice,
    /// Limit the token to these read-only scopes; absent: the owner's full rights.
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_items = 1)]
    pub scopes: Option<Vec<Scope>>,
    /// Limit the token to these of the owner's tenants; absent: all of them.
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_items = 1)]
    pub tenant_ids: Option<Vec<String>>,
}

/// The result of a create: the plain token exists here and nowhere else, once. Serializing it
/// is the single deliberate reveal (the answer to the creating request); Debug stays redacted.
#[derive(Debug, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CreatedToken {
    pub meta: TokenMeta,
    #[serde(serialize_with = "reveal_once")]
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub token: SecretString,
}

fn reveal_once<S: serde::Serializer>(t: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    use crate::secret::ExposeSecret;
    s.serialize_str(t.expose_secret())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, ToSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

/// Whose tokens a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ListScope {
    /// The session's subject: your own, or (while impersonating) the impersonated user's.
    #[default]
    Own,
    /// Everyone's (admins): the "All authorizations" view.
    All,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListQuery {
    pub scope: ListScope,
    /// With scope `all`: only this owner's tokens.
    #[ts(optional)]
    pub owner_id: Option<String>,
    #[ts(optional)]
    pub kind: Option<TokenKind>,
    /// Active tokens that expire within this many days (not those already rotated, which
    /// expire at the end of their grace by design).
    #[ts(optional)]
    #[param(maximum = 36500)]
    pub expiring_within_days: Option<u32>,
    /// Tokens not used (or never used) for this many days.
    #[ts(optional)]
    #[param(maximum = 36500)]
    pub unused_for_days: Option<u32>,
    /// Tokens limited to this tenant.
    #[ts(optional)]
    pub tenant_id: Option<String>,
    /// Tokens that expire before this time (ms since the epoch); never-expiring ones do not.
    #[ts(optional)]
    pub expiring_before: Option<Millis>,
    /// Matches name or description, case-insensitively, anywhere in the text.
    #[ts(optional)]
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// `None` lists every status.
    #[ts(optional)]
    pub status: Option<TokenStatus>,
    pub sort: SortKey,
    pub dir: SortDir,
    /// 1..=200; 0 means the default of 50.
    #[param(maximum = 200)]
    pub limit: u32,
    /// Opaque; from the previous page's `nextCursor`; empty means the first page.
    #[ts(optional)]
    pub cursor: Option<String>,
    /// Opaque; from a page's `prevCursor`: the page before that one (instead of `cursor`).
    #[ts(optional)]
    pub before: Option<String>,
    /// The last page (instead of a cursor).
    #[ts(as = "Option<bool>", optional)]
    pub last: bool,
}

/// Bulk revoke: the tokens named, or every token a filter matches (the filters of the token
/// lists); with `dryRun`, only what would be revoked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct BulkRevokeRequest {
    /// These tokens; absent: the tokens `filter` matches.
    #[ts(optional)]
    #[schema(min_items = 1, max_items = 10000)]
    pub ids: Option<Vec<String>>,
    #[ts(optional)]
    pub filter: Option<TokenFilter>,
    pub dry_run: bool,
    #[ts(optional)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Which tokens a bulk revoke takes: the filters of the token lists.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct TokenFilter {
    /// `own` (the default) or `all` (admins).
    pub scope: ListScope,
    /// With scope `all`: only this owner's tokens.
    #[ts(optional)]
    pub owner_id: Option<String>,
    #[ts(optional)]
    pub kind: Option<TokenKind>,
    /// Not used (or, never used, created) in the last this many days.
    #[ts(optional)]
    #[schema(maximum = 36500)]
    pub unused_for_days: Option<u32>,
    /// Limited to this tenant.
    #[ts(optional)]
    pub tenant_id: Option<String>,
    /// Expiring before this time (ms since the epoch).
    #[ts(optional)]
    pub expiring_before: Option<Millis>,
    #[ts(optional)]
    #[schema(maximum = 36500)]
    pub expiring_within_days: Option<u32>,
    /// Name or description contains this text.
    #[ts(optional)]
    #[schema(max_length = 200)]
    pub search: Option<String>,
}

impl TokenFilter {
    /// The list query showing the same tokens (first page, oldest first).
    pub fn to_query(&self, limit: u32) -> ListQuery {
        ListQuery {
            scope: self.scope,
            owner_id: self.owner_id.clone(),
            kind: self.kind,
            expiring_within_days: self.expiring_within_days,
            unused_for_days: self.unused_for_days,
            tenant_id: self.tenant_id.clone(),
            expiring_before: self.expiring_before,
            search: self.search.clone(),
            status: None,
            sort: SortKey::Created,
            dir: SortDir::Asc,
            limit,
            cursor: None,
            before: None,
            last: false,
        }
    }
}

/// What a bulk revoke revoked, or (dry run) would revoke: active and suspended tokens only
/// (expired and revoked ones are left as they are).
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkRevokeResult {
    pub dry_run: bool,
    pub count: u32,
    pub tokens: Vec<TokenMeta>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ListPage {
    pub items: Vec<TokenMeta>,
    pub next_cursor: Option<String>,
    /// Present when rows come before this page: ask with `before` for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub prev_cursor: Option<String>,
    /// How many tokens the list may show, whatever the filters (absent where not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub total: Option<ListCount>,
    /// How many of them the filters and the search match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub matching: Option<ListCount>,
}

/// A count that stops at 10,000: `n`, and `more` when there are more than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ListCount {
    pub n: u32,
    pub more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserKind {
    Human,
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserStatus {
    Active,
    Disabled,
    /// Removed users stay in the database so the audit history keeps their names.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: UserKind,
    /// A role id (`owner`, `admin`, `member`, `no_api`, …).
    pub role: String,
    pub status: UserStatus,
    pub created_at: Millis,
    pub has_password: bool,
    /// The tenants the user belongs to.
    pub tenant_ids: Vec<String>,
    /// The tenant the user currently works in (one of `tenant_ids`).
    pub active_tenant_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Permissions {
    /// "REST API access enabled for the role": may hold and create own tokens.
    pub api_access: bool,
    pub create_tokens_for_others: bool,
    pub impersonate: bool,
    pub manage_users: bool,
    pub manage_settings: bool,
    pub view_audit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub builtin: bool,
    pub permissions: Permissions,
}

#[derive(Clone, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewUser {
    pub display_name: String,
    #[ts(optional)]
    pub email: Option<String>,
    pub kind: UserKind,
    pub role: String,
    /// Initial password (humans only); the user can change it later.
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
}

/// Debug without the initial password.
impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("kind", &self.kind)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct UserUpdate {
    #[ts(optional)]
    pub display_name: Option<String>,
    #[ts(optional)]
    pub email: Option<String>,
    #[ts(optional)]
    pub role: Option<String>,
}

/// Who is signed in, whose view is shown, and what they may do.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionInfo {
    pub actor: User,
    pub subject: User,
    pub impersonating: bool,
    /// The actor's permissions (the "super-admin only" setting already applied to creation).
    pub permissions: Permissions,
    pub can_create_own: bool,
    /// Signed in as the local owner (the OS user), not through Switch user.
    pub local_owner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Settings {
    pub authority_name: String,
    /// Applies to new tokens only.
    pub token_prefix: String,
    pub policy: ExpiryPolicy,
    /// "Super-admin only": only owners may create tokens at all.
    pub only_owners_create_tokens: bool,
    /// When people hear that a token expires. Always in an answer; absent in a request (a
    /// client that predates it): left as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub alerts: Option<AlertSettings>,
}

/// When a token's coming expiry is announced to its owner and to admins on the desktop:
/// `firstDays` before, then `lastDays` before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertSettings {
    #[schema(minimum = 2, maximum = 90)]
    pub first_days: u32,
    #[schema(minimum = 1, maximum = 89)]
    pub last_days: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            first_days: 7,
            last_days: 1,
        }
    }
}

impl AlertSettings {
    pub const MAX_DAYS: u32 = 90;

    pub fn validate(&self) -> crate::Result<()> {
        if self.last_days < 1
            || self.first_days > Self::MAX_DAYS
            || self.last_days >= self.first_days
        {
            return Err(crate::Error::InvalidInput(format!(
                "Expiry alerts need a first alert of at most {} days before the last one, which is at least a day before the expiry (given: {} and {} days).",
                Self::MAX_DAYS,
                self.first_days,
                self.last_days
            )));
        }
        Ok(())
    }
}

/// A token to tell the person about: it expires within `days` days (a threshold of the
/// alert settings), and they have not heard so at that threshold.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryAlert {
    pub token: TokenMeta,
    pub days: u32,
}

/// What a person is due to hear about expiring tokens, claimed once: every alert is returned
/// to one caller only, and never again at the same threshold.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryAlerts {
    /// The soonest ones, one notification each.
    pub alerts: Vec<ExpiryAlert>,
    /// Claimed too, beyond `alerts`: one summary notification.
    pub more: u32,
    /// Active tokens the person is shown (their own; everyone's for admins) expiring within
    /// the first threshold: the tray's number.
    pub expiring_soon: ListCount,
    pub settings: AlertSettings,
    /// The authority's clock when claimed, for "expires in 3 hours".
    pub now: Millis,
}

/// Whether legacy API keys are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LegacyMode {
    /// Refused.
    #[default]
    Off,
    /// Accepted in their header until the sunset date, each answer saying they are deprecated.
    Emulate,
}

/// How the authority treats legacy API keys during a migration (Settings → Legacy API keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LegacySettings {
    pub mode: LegacyMode,
    /// After this moment legacy keys are refused with `legacy_key_sunset`; required to emulate.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunset_at: Option<Millis>,
    /// The header old clients send the key in: a header name (`X-Api-Key`, the default), or
    /// `Authorization: <scheme>` for clients that send `Authorization: <scheme> <key>`.
    pub header: String,
    /// Where the `Link` header of legacy answers points: the organisation's migration notes.
    /// Empty: the notes this server publishes at `/docs/legacy-api-keys`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes_url: Option<String>,
    /// Set by the authority when emulation was first turned on: the `Deprecation` date.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_at: Option<Millis>,
}

impl Default for LegacySettings {
    fn default() -> Self {
        LegacySettings {
            mode: LegacyMode::Off,
            sunset_at: None,
            header: "X-Api-Key".into(),
            notes_url: None,
            deprecated_at: None,
        }
    }
}

/// One row of a legacy-key import file that was not imported, and why. Never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LegacyImportProblem {
    /// The row's line in a CSV file (the header is line 1), its position (1-based) in JSON.
    pub row: u32,
    pub email: String,
    pub reason: String,
}

/// What an import did: how many keys it kept, and every row it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LegacyImportReport {
    pub imported: u32,
    pub problems: Vec<LegacyImportProblem>,
}

/// The verification service inside the desktop app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ServiceSettings {
    pub enabled: bool,
    /// `address:port`; loopback (127.0.0.1) unless a proxy in front adds TLS.
    pub bind: String,
    /// Authorization scheme names accepted besides `Bearer`, e.g. `SalureToken`.
    pub extra_schemes: Vec<String>,
}

impl ServiceSettings {
    /// Whether the address keeps the service on this computer (also `::ffff:127.x.x.x`).
    pub fn stays_local(&self) -> bool {
        match self.bind.trim().parse::<std::net::SocketAddr>() {
            Ok(std::net::SocketAddr::V4(a)) => a.ip().is_loopback(),
            Ok(std::net::SocketAddr::V6(a)) => {
                a.ip().is_loopback() || a.ip().to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Err(_) => false,
        }
    }
}

/// What the desktop shows about its verification service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ServiceStatus {
    pub settings: ServiceSettings,
    pub running: bool,
    /// The base URL while running, e.g. `http://127.0.0.1:7878`.
    pub url: Option<String>,
    /// Why it is not running although enabled (e.g. the port is in use).
    pub error: Option<String>,
    /// The address keeps the service on this computer (127.0.0.0/8, `::1`); otherwise other
    /// machines can reach it and the desktop warns.
    pub loopback: bool,
}

/// "Test it": what `GET /api/users/me` answered for a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TestResult {
    pub url: String,
    pub status: u16,
    /// The answer's body, pretty-printed when it is JSON.
    pub body: String,
}

/// Uses of a token on one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UsageDay {
    /// Days since the Unix epoch.
    pub day: i64,
    pub count: i64,
}

/// The token detail panel: the token, where it was last used from, and a count per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TokenUsage {
    pub token: TokenMeta,
    pub last_client: Option<String>,
    pub last_user_agent: Option<String>,
    /// Every one of the last `days` days, oldest first, zeros included.
    pub days: Vec<UsageDay>,
}

/// Who acts and on whose behalf. While an admin impersonates a user, `actor` is the admin and
/// `subject` the user; a token created then is an impersonation token owned by the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor_id: String,
    pub subject_id: String,
    /// Signed in as the local owner (the OS user) rather than through Switch user.
    pub local_owner: bool,
    /// The API token the request came with (HTTP API, CLI with `TOKENDESK_TOKEN`): recorded in
    /// audit events, and what a token may create is bounded by it.
    pub via_token: Option<ViaToken>,
}

impl Session {
    /// A user acting for themselves, signed in with their password (not the local owner).
    pub fn of_user(id: &str) -> Session {
        Session {
            actor_id: id.to_string(),
            subject_id: id.to_string(),
            local_owner: false,
            via_token: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViaToken {
    pub id: String,
    /// RFC 8693 actor: the admin who created the impersonation token, recorded next to its
    /// subject (who acts, with their own rights).
    pub act: Option<String>,
    /// The token's read-only scopes; `None` for a full-access token.
    pub scopes: Option<Vec<Scope>>,
    /// The tenants the token is limited to; `None` for all of its owner's.
    pub tenant_ids: Option<Vec<String>>,
}

impl ViaToken {
    /// Does the token allow a call that needs `scope`? A full-access token allows every
    /// scope but `introspect`, which is only ever granted by name.
    pub fn allows(&self, scope: Scope) -> bool {
        match &self.scopes {
            None => scope != Scope::Introspect,
            Some(list) => list.contains(&scope),
        }
    }

    /// May the token act in this tenant?
    pub fn allows_tenant(&self, tenant_id: &str) -> bool {
        self.tenant_ids
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|t| t == tenant_id))
    }
}

/// What the UI needs to start: the authority, the signed-in user and the policy.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub authority_id: String,
    pub authority_name: String,
    pub token_prefix: String,
    /// The session's subject: whose authorizations the main page shows.
    pub user: User,
    pub session: SessionInfo,
    pub policy: ExpiryPolicy,
    /// When expiry alerts come: the "Expiring soon" view lists the first threshold's tokens.
    /// (Absent from an older server: the defaults.)
    #[serde(default)]
    pub alerts: AlertSettings,
    pub data_dir: String,
    pub now: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub at: Millis,
    pub actor_id: String,
    pub subject_id: String,
    pub action: AuditAction,
    pub target_id: Option<String>,
    /// JSON object; never contains a secret.
    pub details: String,
    /// SHA-256 of the previous event's hash and this event's canonical content (hex).
    pub hash: String,
}

/// Everything the audit log records: a closed set, exported to TypeScript like `ErrorCode`, so
/// the Audit page's filter offers exactly these and a new one fails the UI's typecheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub enum AuditAction {
    #[serde(rename = "authority.created")]
    AuthorityCreated,
    #[serde(rename = "token.created")]
    TokenCreated,
    #[serde(rename = "token.renamed")]
    TokenRenamed,
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    #[serde(rename = "token.rotated")]
    TokenRotated,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "user.disabled")]
    UserDisabled,
    #[serde(rename = "user.enabled")]
    UserEnabled,
    #[serde(rename = "user.removed")]
    UserRemoved,
    #[serde(rename = "user.password_set")]
    UserPasswordSet,
    #[serde(rename = "user.password_changed")]
    UserPasswordChanged,
    #[serde(rename = "user.signed_in")]
    UserSignedIn,
    #[serde(rename = "user.sign_in_failed")]
    UserSignInFailed,
    #[serde(rename = "impersonation.started")]
    ImpersonationStarted,
    #[serde(rename = "impersonation.stopped")]
    ImpersonationStopped,
    #[serde(rename = "role.updated")]
    RoleUpdated,
    #[serde(rename = "settings.changed")]
    SettingsChanged,
    #[serde(rename = "service.settings_changed")]
    ServiceSettingsChanged,
    #[serde(rename = "tenant.created")]
    TenantCreated,
    #[serde(rename = "tenant.renamed")]
    TenantRenamed,
    #[serde(rename = "tenant.member_added")]
    TenantMemberAdded,
    #[serde(rename = "tenant.member_removed")]
    TenantMemberRemoved,
    #[serde(rename = "tenant.switched")]
    TenantSwitched,
    #[serde(rename = "signing_key.rotated")]
    SigningKeyRotated,
    #[serde(rename = "user.client_secret_set")]
    UserClientSecretSet,
    #[serde(rename = "legacy_key.imported")]
    LegacyKeyImported,
    #[serde(rename = "legacy_key.retired")]
    LegacyKeyRetired,
    #[serde(rename = "legacy_key.replaced")]
    LegacyKeyReplaced,
    #[serde(rename = "legacy.settings_changed")]
    LegacySettingsChanged,
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    #[serde(rename = "webhook.updated")]
    WebhookUpdated,
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    #[serde(rename = "webhook.secret_rolled")]
    WebhookSecretRolled,
}

impl AuditAction {
    pub const ALL: [AuditAction; 34] = [
        AuditAction::AuthorityCreated,
        AuditAction::TokenCreated,
        AuditAction::TokenRenamed,
        AuditAction::TokenRevoked,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::UserRemoved,
        AuditAction::UserPasswordSet,
        AuditAction::UserPasswordChanged,
        AuditAction::UserSignedIn,
        AuditAction::UserSignInFailed,
        AuditAction::ImpersonationStarted,
        AuditAction::ImpersonationStopped,
        AuditAction::RoleUpdated,
        AuditAction::SettingsChanged,
        AuditAction::ServiceSettingsChanged,
        AuditAction::TenantCreated,
        AuditAction::TenantRenamed,
        AuditAction::TenantMemberAdded,
        AuditAction::TenantMemberRemoved,
        AuditAction::TenantSwitched,
        AuditAction::SigningKeyRotated,
        AuditAction::UserClientSecretSet,
        AuditAction::LegacyKeyImported,
        AuditAction::LegacyKeyRetired,
        AuditAction::LegacyKeyReplaced,
        AuditAction::LegacySettingsChanged,
        AuditAction::TokenRotated,
        AuditAction::WebhookCreated,
        AuditAction::WebhookUpdated,
        AuditAction::WebhookDeleted,
        AuditAction::WebhookSecretRolled,
    ];

    /// The stored and wire name, e.g. `token.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AuthorityCreated => "authority.created",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRenamed => "token.renamed",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::TokenRotated => "token.rotated",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserUpdated => "user.updated",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::UserRemoved => "user.removed",
            AuditAction::UserPasswordSet => "user.password_set",
            AuditAction::UserPasswordChanged => "user.password_changed",
            AuditAction::UserSignedIn => "user.signed_in",
            AuditAction::UserSignInFailed => "user.sign_in_failed",
            AuditAction::ImpersonationStarted => "impersonation.started",
            AuditAction::ImpersonationStopped => "impersonation.stopped",
            AuditAction::RoleUpdated => "role.updated",
            AuditAction::SettingsChanged => "settings.changed",
            AuditAction::ServiceSettingsChanged => "service.settings_changed",
            AuditAction::TenantCreated => "tenant.created",
            AuditAction::TenantRenamed => "tenant.renamed",
            AuditAction::TenantMemberAdded => "tenant.member_added",
            AuditAction::TenantMemberRemoved => "tenant.member_removed",
            AuditAction::TenantSwitched => "tenant.switched",
            AuditAction::SigningKeyRotated => "signing_key.rotated",
            AuditAction::UserClientSecretSet => "user.client_secret_set",
            AuditAction::LegacyKeyImported => "legacy_key.imported",
            AuditAction::LegacyKeyRetired => "legacy_key.retired",
            AuditAction::LegacyKeyReplaced => "legacy_key.replaced",
            AuditAction::LegacySettingsChanged => "legacy.settings_changed",
            AuditAction::WebhookCreated => "webhook.created",
            AuditAction::WebhookUpdated => "webhook.updated",
            AuditAction::WebhookDeleted => "webhook.deleted",
            AuditAction::WebhookSecretRolled => "webhook.secret_rolled",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl PartialEq<&str> for AuditAction {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, IntoParams)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AuditQuery {
    #[ts(optional)]
    pub actor_id: Option<String>,
    #[ts(optional)]
    pub subject_id: Option<String>,
    /// Exact action, e.g. `token.created`.
    #[ts(optional)]
    pub action: Option<AuditAction>,
    /// Inclusive lower bound (ms since the epoch).
    #[ts(optional)]
    pub from: Option<Millis>,
    /// Exclusive upper bound.
    #[ts(optional)]
    pub to: Option<Millis>,
    /// 1..=500; 0 means 100. Newest first.
    #[param(maximum = 500)]
    pub limit: u32,
    /// From the previous page's `nextBefore`.
    #[ts(optional)]
    pub before_seq: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub next_before: Option<i64>,
}

/// The result of checking the audit hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChainReport {
    pub ok: bool,
    pub events_checked: i64,
    /// `seq` of the first event that does not match the chain.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Json,
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
    /// The owner is disabled or removed, or the password changed after credential exchange.
    Suspended,
    /// A signed token (JWT) whose signature does not verify, or whose key is unknown or no
    /// longer published.
    BadSignature,
    /// A signed token from another issuer, or for another audience.
    NotForUs,
    /// A legacy API key while the authority does not accept them (mode off).
    LegacyOff,
    /// A legacy API key after the sunset date.
    LegacySunset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Active(std::sync::Arc<Verified>),
    Rejected(RejectReason),
}

/// An active token with everything a request needs about it, read in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub token: TokenMeta,
    pub user: User,
    /// The tenants the token may act in: the owner's, narrowed by the token's restriction.
    pub tenants: Vec<Tenant>,
    /// The one it acts in: the owner's active tenant if allowed, else the first allowed.
    pub tenant: Option<Tenant>,
    /// `me()` as JSON, made once per cached verification: the hot path of `GET /api/users/me`.
    pub me_json: std::sync::OnceLock<String>,
}

impl Verified {
    /// Full-access tokens hold every page scope; `introspect` is only ever granted explicitly.
    /// The session a request made with this token runs as: the owner, with the token on
    /// record. An impersonation token acts with its subject's rights, never its creator's.
    pub fn session(&self) -> Session {
        Session {
            actor_id: self.user.id.clone(),
            subject_id: self.user.id.clone(),
            local_owner: false,
            via_token: Some(ViaToken {
                id: self.token.id.clone(),
                act: (self.token.kind == TokenKind::Impersonation)
                    .then(|| self.token.created_by.clone()),
                scopes: self.token.scopes.clone(),
                tenant_ids: self.token.tenant_ids.clone(),
            }),
        }
    }

    pub fn me_json(&self) -> &str {
        self.me_json
            .get_or_init(|| serde_json::to_string(&self.me()).unwrap_or_default())
    }

    /// `GET /api/users/me`.
    pub fn me(&self) -> Me {
        let t = &self.token;
        let mut user = self.user.clone();
        if t.tenant_ids.is_some() {
            // A token limited to tenants does not reveal the owner's other memberships.
            user.tenant_ids = self.tenants.iter().map(|x| x.id.clone()).collect();
            user.active_tenant_id = self.tenant.as_ref().map(|x| x.id.clone());
        }
        Me {
            user,
            token: TokenInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                kind: t.kind,
                created_at: t.created_at,
                expires_at: t.expires_at,
            },
            act: (t.kind == TokenKind::Impersonation).then(|| Act {
                sub: t.created_by.clone(),
            }),
            tenant: self.tenant.clone(),
            tenants: self.tenants.clone(),
            scopes: t.scopes.clone(),
        }
    }
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

/// RFC 8693 actor claim: who really acted (the admin behind an impersonation token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Act {
    pub sub: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub kind: TokenKind,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
}

/// `GET /api/users/me`: who a token acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Me {
    pub user: User,
    pub token: TokenInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub act: Option<Act>,
    /// The tenant the token acts in: the user's active tenant if the token may use it.
    pub tenant: Option<Tenant>,
    /// Every tenant the token may act in.
    pub tenants: Vec<Tenant>,
    /// `null`: the owner's full rights.
    pub scopes: Option<Vec<Scope>>,
}

/// Where the app's authority is: this computer, or a team server the app is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Connection {
    pub mode: ConnectionMode,
    /// The team server's URL (server mode).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Who signed in to the server.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A session is in the keyring; false once it ended (sign in again).
    pub signed_in: bool,
    /// Why the session ended, when the app saw it end (revoked, expired, user disabled).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// The server's private CA certificate is kept in the data directory.
    pub private_ca: bool,
}

/// Where the desktop app's authority is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConnectionMode {
    /// First run: neither an authority on this computer nor a server yet; the person chooses.
    Choose,
    /// The authority on this computer.
    Local,
    /// A team server.
    Server,
}

#[cfg(test)]
mod tests {
    use super::ServiceSettings;

    #[test]
    fn only_loopback_addresses_keep_the_service_on_this_computer() {
        let at = |bind: &str| ServiceSettings {
            enabled: true,
            bind: bind.into(),
            extra_schemes: vec![],
        };
        for local in [
            "127.0.0.1:7878",
            "127.1.2.3:1",
            "[::1]:7878",
            "[::ffff:127.0.0.1]:7878",
        ] {
            assert!(at(local).stays_local(), "{local}");
        }
        for open in [
            "0.0.0.0:7878",
            "[::]:7878",
            "192.168.1.2:7878",
            "[::ffff:10.0.0.1]:7878",
            "localhost:7878",
            "nonsense",
        ] {
            assert!(!at(open).stays_local(), "{open}");
        }
    }
}

/// A key that signs (or signed) JWT access tokens, as Settings → Signing keys shows it. The
/// private key is never shown or stored: it is derived from the authority's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SigningKeyInfo {
    /// RFC 7638 thumbprint; the `kid` of the tokens it signs.
    pub kid: String,
    pub created_at: Millis,
    /// When it stopped signing (a rotation); absent: it signs new tokens now.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<Millis>,
    /// Until when the JWKS still publishes it, so tokens it signed keep verifying; absent
    /// while it signs.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_until: Option<Millis>,
    pub current: bool,
}

/// RFC 8693 token exchange: what the caller asks of the signed token, besides the subject
/// token it presents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExchangeRequest {
    /// A subset of the subject token's scopes; none: the same as the subject token.
    pub scope: Option<Vec<Scope>>,
    /// Who the token is for (`aud`); none: this authority's own API (the issuer).
    pub audience: Option<String>,
}

/// RFC 8693 §2.2.1: the answer of a token exchange. Serializing it is the one reveal of the
/// signed token, as with `CreatedToken`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExchangedToken {
    /// The signed access token (a JWT).
    #[serde(serialize_with = "reveal_once")]
    #[schema(value_type = String)]
    pub access_token: SecretString,
    /// Token exchange (RFC 8693): what was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires; absent for a token that never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Space-separated; absent: the subject token's full access.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A service user's OAuth client credentials (RFC 6749 §4.4), right after they were set: the
/// secret exists here and nowhere else, once (serializing it is the one reveal).
#[derive(Debug, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientCredentials {
    pub client_id: String,
    #[serde(serialize_with = "reveal_once")]
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub client_secret: SecretString,
}

/// What a webhook endpoint can be told about a token (the Standard Webhooks `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub enum WebhookEvent {
    #[serde(rename = "token.created")]
    TokenCreated,
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    /// Within the first, then the last, expiry-alert threshold (Settings → Expiry alerts).
    #[serde(rename = "token.expiring")]
    TokenExpiring,
    #[serde(rename = "token.expired")]
    TokenExpired,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 4] = [
        WebhookEvent::TokenCreated,
        WebhookEvent::TokenRevoked,
        WebhookEvent::TokenExpiring,
        WebhookEvent::TokenExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::TokenCreated => "token.created",
            WebhookEvent::TokenRevoked => "token.revoked",
            WebhookEvent::TokenExpiring => "token.expiring",
            WebhookEvent::TokenExpired => "token.expired",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookEvent> {
        WebhookEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A URL a team server sends token events to, signed with the endpoint's own secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<WebhookEvent>,
    /// A disabled endpoint keeps its messages waiting and gets them when enabled again.
    pub enabled: bool,
    pub created_at: Millis,
    /// When the secret was last rolled; the previous one also signs for a day after.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_rolled_at: Option<Millis>,
    /// Messages waiting to be delivered (retries included).
    pub pending: u32,
    /// Messages given up on after every retry.
    pub failed: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewWebhookEndpoint {
    /// `https://…`, or `http://` to this computer (localhost, 127.0.0.1, ::1).
    #[schema(max_length = 2000)]
    pub url: String,
    #[serde(default)]
    #[ts(optional)]
    pub description: Option<String>,
    #[schema(min_items = 1)]
    pub events: Vec<WebhookEvent>,
}

/// A change to an endpoint; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WebhookEndpointUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schema(min_items = 1)]
    pub events: Option<Vec<WebhookEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub enabled: Option<bool>,
}

/// An endpoint with its signing secret (`whsec_…`), shown this once: when the endpoint is
/// made and when the secret is rolled. The database never holds it.
#[derive(Debug, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WebhookSecret {
    pub endpoint: WebhookEndpoint,
    #[serde(serialize_with = "reveal_once")]
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub secret: SecretString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every retry failed; not sent again.
    Failed,
}

/// One message to one endpoint, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WebhookDelivery {
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub event: WebhookEvent,
    pub token_id: String,
    pub token_name: String,
    pub created_at: Millis,
    pub status: DeliveryStatus,
    pub attempts: u32,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Millis>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Millis>,
    /// The HTTP status of the last answer, if one came.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}
