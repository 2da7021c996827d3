//! Signed access tokens: token exchange (RFC 8693) of a Tokendesk token for a short-lived JWT,
//! the published keys (JWKS), rotation, and checking a presented JWT — its signature and
//! lifetime, then its parent token's status, so revoking the parent refuses it at once here.

use super::{Need, Tokendesk};
use crate::clock::Millis;
use crate::feed::Arrival;
use crate::jwt::{self, AccessClaims, Actor, JwkSet, JwtRejection, SigningKey};
use crate::model::*;
use crate::permissions::Action;
use crate::secret::{ExposeSecret, SecretString};
use crate::store::signing_keys::{self as key_store, SigningKeyRow};
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Keys derived so far, by kid, with when each was retired as last read: deriving costs an
/// HKDF and a key expansion, so once per process. A retirement by another process shows here
/// only when the key is read again; meanwhile its tokens still expire within the hour.
#[derive(Default)]
pub(super) struct Keys(RwLock<HashMap<String, Derived>>);

/// A derived key and when it was retired, as last read from the database.
type Derived = (Arc<SigningKey>, Option<Millis>);

fn info(row: &SigningKeyRow) -> SigningKeyInfo {
    SigningKeyInfo {
        kid: row.kid.clone(),
        created_at: row.created_at,
        retired_at: row.retired_at,
        published_until: row
            .retired_at
            .map(|r| r.saturating_add(jwt::PUBLISHED_AFTER_RETIREMENT)),
        current: row.retired_at.is_none(),
    }
}

/// `aud` as asked: a URI or a name, without spaces or control characters.
fn audience(requested: Option<&str>, issuer: &str) -> Result<String> {
    let Some(aud) = requested.map(str::trim) else {
        return Ok(issuer.to_string());
    };
    if aud.is_empty() || aud.len() > 256 || aud.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::InvalidInput(
            "The audience is a URI or a name of at most 256 characters, without spaces.".into(),
        ));
    }
    Ok(aud.to_string())
}

/// The scopes a token holds: its own list, or every page scope for full access (never
/// `introspect`, which is only granted by name).
fn held(token: &TokenMeta) -> Vec<Scope> {
    match &token.scopes {
        Some(s) => s.clone(),
        None => Scope::ALL
            .into_iter()
            .filter(|s| *s != Scope::Introspect)
            .collect(),
    }
}

fn scope_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Tokendesk {
    /// The derived key of a database row, checked against the row's public key.
    fn derived(&self, row: &SigningKeyRow) -> Result<Arc<SigningKey>> {
        if let Some((k, retired_at)) = self
            .signing
            .0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&row.kid)
        {
            if *retired_at == row.retired_at {
                return Ok(k.clone());
            }
        }
        let k = SigningKey::derive(&self.key, &row.salt);
        if !k.matches(row) {
            return Err(Error::Internal(format!(
                "the signing key {} does not derive from this authority's secret: is the key file or keyring entry another authority's?",
                row.kid
            )));
        }
        let k = Arc::new(k);
        self.signing
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(row.kid.clone(), (k.clone(), row.retired_at));
        Ok(k)
    }

    /// A new key that signs from now on; the one before stops signing and stays published.
    fn new_signing_key(
        &self,
        tx: &dyn crate::store::sql::Conn,
        now: Millis,
    ) -> Result<SigningKeyRow> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| Error::Internal(format!("no randomness for a signing key: {e}")))?;
        let k = SigningKey::derive(&self.key, &salt);
        key_store::retire_all(tx, now)?;
        // Read again with their retirement when next presented.
        self.signing
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let row = SigningKeyRow {
            kid: k.kid.clone(),
            salt: salt.to_vec(),
            public_key: k.public_key.to_vec(),
            created_at: now,
            retired_at: None,
        };
        key_store::insert(tx, &row)?;
        Ok(row)
    }

    /// The key that signs now, made on first use.
    fn current_signing_key(&self) -> Result<Arc<SigningKey>> {
        let row = match self.store.read(key_store::current)? {
            Some(row) => row,
            None => self.write(|tx| match key_store::current(tx)? {
                Some(row) => Ok(row), // another process made it meanwhile
                None => {
                    let row = self.new_signing_key(tx, self.now())?;
                    let event = super::audit_store::NewEvent {
                        at: self.now(),
                        actor_id: &self.local_owner_id,
                        subject_id: &self.local_owner_id,
                        action: AuditAction::SigningKeyRotated,
                        target_id: Some(&row.kid),
                        details: &serde_json::json!({ "kid": row.kid, "first": true }),
                    };
                    super::audit_store::append(tx, &self.key, event)?;
                    Ok(row)
                }
            })?,
        };
        self.derived(&row)
    }

    /// Settings → Signing keys: every key, newest first.
    pub fn signing_keys(&self, s: &Session) -> Result<Vec<SigningKeyInfo>> {
        self.store.read(|c| {
            self.ctx(c, s, Need::Nothing)?;
            Ok(key_store::list(c)?.iter().map(info).collect())
        })
    }

    /// Rotation: a new key signs from now on; the old one stays published until every token it
    /// signed has expired (the longest lifetime), then leaves the JWKS. Audited.
    pub fn rotate_signing_key(&self, s: &Session) -> Result<Vec<SigningKeyInfo>> {
        self.write(|tx| {
            self.ctx(tx, s, Need::Change)?
                .require(Action::ManageSettings)?;
            let before = key_store::current(tx)?;
            let row = self.new_signing_key(tx, self.now())?;
            self.audit(
                tx,
                s,
                AuditAction::SigningKeyRotated,
                Some(&row.kid),
                serde_json::json!({ "kid": row.kid, "previous": before.map(|b| b.kid) }),
            )?;
            Ok(key_store::list(tx)?.iter().map(info).collect())
        })
    }

    /// RFC 7517: the public keys a verifier needs now (signing, or retired but possibly still
    /// signing tokens that have not expired).
    pub fn jwks(&self) -> Result<JwkSet> {
        let now = self.now();
        let rows = self.store.read(key_store::list)?;
        Ok(JwkSet {
            keys: rows
                .iter()
                .filter(|r| jwt::published(r, now))
                .map(|r| jwt::public_jwk(&r.kid, &r.public_key))
                .collect(),
        })
    }

    /// RFC 8693: a signed access token for an active Tokendesk token. Its scopes are a subset
    /// of the subject token's, its lifetime the policy's (at most an hour) and never past the
    /// subject token's expiry; each exchange counts as a use of the subject token.
    pub fn exchange_token(
        &self,
        subject: &SecretString,
        req: &ExchangeRequest,
        issuer: &str,
        client: Option<std::net::IpAddr>,
        user_agent: Option<&str>,
    ) -> Result<ExchangedToken> {
        let parent = match self.verify(subject.expose_secret())? {
            Verification::Active(v) => v,
            Verification::Rejected(r) => {
                return Err(Error::InvalidToken(format!(
                    "The subject token is not active ({}).",
                    serde_json::to_value(r)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                        .replace('_', " ")
                )))
            }
        };
        let t = &parent.token;
        let scopes = match &req.scope {
            None => t.scopes.clone(),
            Some(asked) => {
                let have = held(t);
                if let Some(extra) = asked.iter().find(|s| !have.contains(s)) {
                    return Err(Error::InsufficientScope(format!(
                        "The subject token does not hold the scope {}: a signed token can only narrow its scopes.",
                        extra.as_str()
                    )));
                }
                let mut v = asked.clone();
                v.sort_unstable();
                v.dedup();
                Some(v)
            }
        };
        let aud = audience(req.audience.as_deref(), issuer)?;
        let now = self.now();
        let minutes = self
            .authority()?
            .policy
            .signed_token_minutes
            .clamp(1, jwt::MAX_MINUTES);
        let mut exp = now + Millis::from(minutes) * 60_000;
        if let Some(parent_exp) = t.expires_at {
            exp = exp.min(parent_exp);
        }
        let (iat, exp) = (now / 1000, exp / 1000);
        if exp <= iat {
            return Err(Error::InvalidToken(
                "The subject token expires within a second: there is nothing to sign.".into(),
            ));
        }
        let claims = AccessClaims {
            iss: issuer.to_string(),
            sub: t.owner_id.clone(),
            aud,
            exp,
            iat,
            jti: uuid::Uuid::now_v7().to_string(),
            client_id: t.id.clone(),
            scope: scopes.as_deref().map(scope_text),
            tenant: parent.tenant.as_ref().map(|x| x.id.clone()),
            act: (t.kind == TokenKind::Impersonation).then(|| Actor {
                sub: t.created_by.clone(),
            }),
            parent: t.id.clone(),
        };
        let signed = self.current_signing_key()?.sign(&claims)?;
        self.record_use(&t.id, client, user_agent);
        Ok(ExchangedToken {
            access_token: SecretString::from(signed),
            issued_token_type: Some(jwt::ACCESS_TOKEN_TYPE.to_string()),
            token_type: "Bearer".into(),
            expires_in: Some(exp - iat),
            scope: claims.scope,
        })
    }

    /// A presented JWT: published key, signature, issuer and audience (when given), expiry by
    /// this authority's clock; then its parent token, as fresh as any token check. Active: the
    /// parent's verification with the JWT's scopes and claims.
    pub fn verify_signed_since(
        &self,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
        arrived: Arrival,
    ) -> Result<SignedVerification> {
        let claims = match self.check_signature(presented, issuer, audience)? {
            Ok(c) => c,
            Err(r) => return Ok(SignedVerification::Rejected(r)),
        };
        let parent = self.verify_id_since(&claims.parent, arrived)?;
        Ok(narrowed(parent, claims))
    }

    /// `verify_signed_since` without waiting on a remote database (see `verify_at_once`);
    /// `None`: call that where blocking is fine.
    pub fn verify_signed_at_once(
        &self,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
        arrived: Arrival,
    ) -> Option<Result<SignedVerification>> {
        let claims = match self.check_signature_cached(presented, issuer, audience)? {
            Ok(Ok(c)) => c,
            Ok(Err(r)) => return Some(Ok(SignedVerification::Rejected(r))),
            Err(e) => return Some(Err(e)),
        };
        let parent = self.verify_id_at_once(&claims.parent, arrived)?;
        Some(parent.map(|p| narrowed(p, claims)))
    }

    /// A bearer credential presented to this authority's own API: an opaque token, or a signed
    /// token this issuer made for its own API (`aud` = the issuer), checked with its parent.
    pub fn verify_bearer_since(
        &self,
        presented: &str,
        issuer: &str,
        arrived: Arrival,
    ) -> Result<Verification> {
        if !jwt::looks_like_jwt(presented) {
            return self.verify_since(presented, arrived);
        }
        Ok(self
            .verify_signed_since(presented, issuer, Some(issuer), arrived)?
            .into())
    }

    /// `verify_bearer_since` without waiting on a remote database; `None`: call that where
    /// blocking is fine.
    pub fn verify_bearer_at_once(
        &self,
        presented: &str,
        issuer: &str,
        arrived: Arrival,
    ) -> Option<Result<Verification>> {
        if !jwt::looks_like_jwt(presented) {
            return self.verify_at_once(presented, arrived);
        }
        self.verify_signed_at_once(presented, issuer, Some(issuer), arrived)
            .map(|r| r.map(Verification::from))
    }

    /// The claims if the signature, issuer, audience and expiry hold; the key is read from the
    /// database when this process has not derived it yet.
    fn check_signature(
        &self,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
    ) -> Result<std::result::Result<AccessClaims, RejectReason>> {
        let kid = match jwt::kid_of(presented) {
            Ok(kid) => kid,
            Err(r) => return Ok(Err(reason(r))),
        };
        if let Some(answer) = self.check_with_derived(&kid, presented, issuer, audience) {
            return Ok(answer);
        }
        let row = self.store.read(|c| key_store::get(c, &kid))?;
        match row {
            Some(row) if jwt::published(&row, self.now()) => {
                let key = self.derived(&row)?;
                Ok(self.claims_with(&key, presented, issuer, audience))
            }
            _ => Ok(Err(RejectReason::BadSignature)),
        }
    }

    /// `check_signature` when the key is already derived here (no database); `None` otherwise.
    fn check_signature_cached(
        &self,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
    ) -> Option<Result<std::result::Result<AccessClaims, RejectReason>>> {
        let kid = match jwt::kid_of(presented) {
            Ok(kid) => kid,
            Err(r) => return Some(Ok(Err(reason(r)))),
        };
        self.check_with_derived(&kid, presented, issuer, audience)
            .map(Ok)
    }

    /// The claims checked with the key `kid` if this process has derived it; `None` otherwise.
    fn check_with_derived(
        &self,
        kid: &str,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
    ) -> Option<std::result::Result<AccessClaims, RejectReason>> {
        let (key, retired_at) = self
            .signing
            .0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(kid)
            .cloned()?;
        let published = retired_at
            .is_none_or(|r| self.now() < r.saturating_add(jwt::PUBLISHED_AFTER_RETIREMENT));
        if !published {
            return Some(Err(RejectReason::BadSignature));
        }
        Some(self.claims_with(&key, presented, issuer, audience))
    }

    fn claims_with(
        &self,
        key: &SigningKey,
        presented: &str,
        issuer: &str,
        audience: Option<&str>,
    ) -> std::result::Result<AccessClaims, RejectReason> {
        let claims = key.verify(presented, issuer, audience).map_err(reason)?;
        if claims.exp.saturating_mul(1000) <= self.now() {
            return Err(RejectReason::Expired);
        }
        Ok(claims)
    }
}

fn reason(r: JwtRejection) -> RejectReason {
    match r {
        JwtRejection::Malformed => RejectReason::Malformed,
        JwtRejection::BadSignature => RejectReason::BadSignature,
        JwtRejection::NotForUs => RejectReason::NotForUs,
        JwtRejection::Expired => RejectReason::Expired,
    }
}

/// The answer for a presented JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedVerification {
    /// Its parent, acting with the JWT's scopes, and the JWT's claims.
    Active(Arc<Verified>, Box<AccessClaims>),
    Rejected(RejectReason),
}

impl From<SignedVerification> for Verification {
    fn from(s: SignedVerification) -> Verification {
        match s {
            SignedVerification::Active(v, _) => Verification::Active(v),
            SignedVerification::Rejected(r) => Verification::Rejected(r),
        }
    }
}

fn narrowed(parent: Verification, claims: AccessClaims) -> SignedVerification {
    match parent {
        Verification::Rejected(r) => SignedVerification::Rejected(r),
        Verification::Active(v) => {
            let scopes = claims
                .scope
                .as_deref()
                .map(|text| text.split(' ').filter_map(Scope::parse).collect::<Vec<_>>());
            let v = match scopes {
                // The JWT says what it may do; the parent's own limit was checked at exchange.
                Some(scopes) if v.token.scopes.as_ref() != Some(&scopes) => {
                    let mut token = v.token.clone();
                    token.scopes = Some(scopes);
                    Arc::new(Verified {
                        token,
                        user: v.user.clone(),
                        tenants: v.tenants.clone(),
                        tenant: v.tenant.clone(),
                        me_json: Default::default(),
                    })
                }
                _ => v,
            };
            SignedVerification::Active(v, Box::new(claims))
        }
    }
}
