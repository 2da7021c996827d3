//! Who is signed in: Switch user (password, rate-limited), impersonation start and stop.

use super::{user_not_found, Need, Tokendesk};
use crate::clock::{Millis, SECOND};
use crate::model::*;
use crate::password;
use crate::permissions::Action;
use crate::secret::SecretString;
use crate::store::{sign_in as sign_in_store, users as user_store, Conn};
use crate::{validate, Error, Result};
use serde_json::json;

/// Failed sign-ins allowed before each further attempt must wait (1 s, 2 s, 4 s, … 15 min).
pub const SIGN_IN_FREE_ATTEMPTS: u32 = 5;
/// The same, per client address of credential exchange: higher, as many people may share one
/// address behind a NAT.
pub const ADDRESS_FREE_ATTEMPTS: u32 = 20;
const MAX_DELAY: Millis = 15 * 60 * SECOND;
/// Counts not touched for this long are forgotten.
const FORGET_AFTER: Millis = crate::clock::DAY;

impl Tokendesk {
    pub fn session_info(&self, s: &Session) -> Result<SessionInfo> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s, Need::Nothing)?;
            Ok(SessionInfo {
                can_create_own: ctx.can(Action::CreateOwn),
                impersonating: ctx.impersonating(),
                permissions: ctx.perms,
                actor: ctx.actor,
                subject: ctx.subject,
                local_owner: s.local_owner,
            })
        })
    }

    /// Switch user: signs in as another human user with their password. After
    /// `SIGN_IN_FREE_ATTEMPTS` failures for an address, each attempt must wait twice as long as
    /// the last; the error never says whether the address or the password was wrong.
    pub fn sign_in(&self, email: &str, pw: &SecretString) -> Result<Session> {
        let u = self.check_password(email, pw, None, false)?;
        let s = Session::of_user(&u.id);
        self.write(|tx| {
            self.audit(
                tx,
                &s,
                AuditAction::UserSignedIn,
                Some(&u.id),
                json!({ "name": u.display_name }),
            )
        })?;
        Ok(s)
    }

    /// Credential exchange (`POST /api/auth/token`): email and password for a new token of
    /// that user (a person, or a service user with an API password). Rate-limited like
    /// `sign_in`, and also per client address. The token ends when the password changes or
    /// the user is disabled or removed.
    pub fn exchange_credentials(
        &self,
        email: &str,
        pw: &SecretString,
        client: Option<&str>,
        name: Option<&str>,
    ) -> Result<CreatedToken> {
        // Input errors first: an answer after the password check would confirm the password.
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            validate::name(n)?;
        }
        let u = self.check_password(email, pw, client, true)?;
        let s = Session::of_user(&u.id);
        let expiry = self.authority()?.policy.default_choice;
        // A fresh name each time: calling again must give a second working token.
        let id = uuid::Uuid::now_v7().simple().to_string();
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => format!("Sign-in {}", &id[id.len() - 8..]),
        };
        let req = CreateTokenRequest {
            for_user: None,
            name,
            description: Some(match client {
                Some(c) => format!("Credential exchange from {c}"),
                None => "Credential exchange".into(),
            }),
            expiry,
            scopes: None,
            tenant_ids: None,
        };
        self.create_token_as(&s, req, true)
    }

    /// The user with this email and password, or `InvalidCredentials` (never saying which part
    /// was wrong), or `RateLimited` once the account or the client address failed too often.
    /// `api`: a service user's API password counts too (credential exchange, not the app).
    fn check_password(
        &self,
        email: &str,
        pw: &SecretString,
        client: Option<&str>,
        api: bool,
    ) -> Result<User> {
        let email = email.trim().to_lowercase();
        // No valid address is longer; capping the key also caps the memory an attacker can
        // fill with made-up addresses.
        let account = if email.len() <= 254 {
            format!("account:{email}")
        } else {
            "account:(too long)".to_string()
        };
        self.guarded(&account, client, || {
            let user = if email.len() <= 254 {
                self.store.read(|c| user_store::get_by_email(c, &email))?
            } else {
                None
            };
            let hash = match &user {
                Some(u)
                    if (u.kind == UserKind::Human || (api && u.kind == UserKind::Service))
                        && u.status == UserStatus::Active =>
                {
                    self.store.read(|c| user_store::password_hash(c, &u.id))?
                }
                _ => None,
            };
            // The same work whether or not there is a hash, so timing does not tell which part
            // was wrong (or that a user has no password).
            let ok = match &hash {
                Some(h) => password::verify(pw, h),
                None => {
                    let _ = password::verify(pw, DUMMY_HASH);
                    false
                }
            };
            if !ok {
                if let Some(u) = &user {
                    self.audit_failure(u, client)?;
                }
                return Ok(None);
            }
            Ok(user)
        })
    }

    pub(super) fn audit_failure(&self, u: &User, client: Option<&str>) -> Result<()> {
        let s = Session::of_user(&u.id);
        let details = json!({ "client": client });
        self.write(|tx| self.audit(tx, &s, AuditAction::UserSignInFailed, Some(&u.id), details))
    }

    /// Runs `attempt` (a credential check: `Some` on success) under the sign-in rate limit of
    /// `account` and the client address: refused without checking while either must wait; a
    /// failure counts against both, a success clears the account's count.
    pub(super) fn guarded<T>(
        &self,
        account: &str,
        client: Option<&str>,
        attempt: impl FnOnce() -> Result<Option<T>>,
    ) -> Result<T> {
        let account = account.to_string();
        let address = client.map(address_key);
        let now = self.now();
        // In the database, so every process and server on it shares the counts; one write
        // transaction, so attempts sent in parallel (to any server) are counted one by one.
        let wait = self.store.with_tx(|tx| {
            let mut wait = 0;
            for key in [Some(&account), address.as_ref()].into_iter().flatten() {
                if let Some((_, next)) = sign_in_store::get(tx, key)? {
                    wait = wait.max(next - now);
                }
            }
            if wait > 0 {
                return Ok(wait);
            }
            // Counted as a failure *before* the (slow) check, so attempts sent in parallel
            // cannot all slip under the limit; a success gives it back below.
            count_failure(tx, &account, SIGN_IN_FREE_ATTEMPTS, now)?;
            if let Some(a) = &address {
                count_failure(tx, a, ADDRESS_FREE_ATTEMPTS, now)?;
            }
            sign_in_store::prune(tx, now - FORGET_AFTER)?;
            Ok(0)
        })?;
        if wait > 0 {
            return Err(Error::RateLimited((wait as u64).div_ceil(1000)));
        }
        let Some(found) = attempt()? else {
            return Err(Error::InvalidCredentials);
        };
        // Success clears the account's count; the address only gets this attempt back, so one
        // good password does not reset a spray across many accounts from that address.
        self.store.with_tx(|tx| {
            sign_in_store::delete(tx, &account)?;
            if let Some(a) = &address {
                if let Some((count, next)) = sign_in_store::get(tx, a)? {
                    let count = count.saturating_sub(1);
                    let next = if count < ADDRESS_FREE_ATTEMPTS {
                        0
                    } else {
                        next
                    };
                    sign_in_store::put(tx, a, count, next, now)?;
                }
            }
            Ok(())
        })?;
        Ok(found)
    }

    pub fn start_impersonation(&self, s: &Session, user_id: &str) -> Result<Session> {
        self.write(|tx| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            if ctx.impersonating() {
                return Err(Error::InvalidInput(
                    "Stop the current impersonation first.".into(),
                ));
            }
            if !ctx.perms.impersonate {
                return Err(Error::PermissionDenied(
                    "Your role does not allow impersonation.".into(),
                ));
            }
            if user_id == ctx.actor.id {
                return Err(Error::InvalidInput(
                    "You cannot impersonate yourself.".into(),
                ));
            }
            let user = user_store::get(tx, user_id)?.ok_or_else(|| user_not_found(user_id))?;
            if user.status != UserStatus::Active {
                return Err(Error::UserInactive(format!(
                    "{} is disabled or removed and cannot be impersonated.",
                    user.display_name
                )));
            }
            let next = Session {
                actor_id: ctx.actor.id.clone(),
                subject_id: user.id.clone(),
                local_owner: s.local_owner,
                via_token: None,
            };
            self.audit(
                tx,
                &next,
                AuditAction::ImpersonationStarted,
                Some(&user.id),
                json!({ "admin": ctx.actor.display_name, "user": user.display_name }),
            )?;
            Ok(next)
        })
    }

    /// Ends impersonation; always possible, even if the admin lost the permission meanwhile.
    pub fn stop_impersonation(&self, s: &Session) -> Result<Session> {
        let next = Session {
            actor_id: s.actor_id.clone(),
            subject_id: s.actor_id.clone(),
            local_owner: s.local_owner,
            via_token: None,
        };
        if s.actor_id != s.subject_id {
            self.write(|tx| {
                self.audit(
                    tx,
                    s,
                    AuditAction::ImpersonationStopped,
                    Some(&s.subject_id),
                    json!({}),
                )
            })?;
        }
        Ok(next)
    }
}

/// One more failure for `key`; from the `free`-th on, the next attempt waits twice as long as
/// the one before (1 s, 2 s, 4 s, … at most `MAX_DELAY`).
fn count_failure(tx: &dyn Conn, key: &str, free: u32, now: Millis) -> Result<()> {
    let (count, next) = sign_in_store::get(tx, key)?.unwrap_or((0, 0));
    let count = count.saturating_add(1);
    let next = if count >= free {
        let delay = SECOND << (count - free).min(20);
        now + delay.min(MAX_DELAY)
    } else {
        next
    };
    sign_in_store::put(tx, key, count, next, now)
}

/// The rate-limit key of a client address: IPv6 clients are grouped by /64, the block one
/// subscriber usually gets, so rotating addresses within it does not reset the count.
fn address_key(client: &str) -> String {
    match client.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => format!("address:{client}"),
    }
}

/// A valid Argon2id hash of a random string, verified against when no user matches.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Yl+Gp4L6vQGmB2+OrS2wE3Tn6H9zAUdqDPm4QJv5e4s";

#[cfg(test)]
mod tests {
    use super::DUMMY_HASH;
    use argon2::password_hash::PasswordHash;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash_with_default_cost() {
        let h = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(h.algorithm.as_str(), "argon2id");
        assert_eq!(
            h.params.get_str("m"),
            Some("19456"),
            "same cost as real hashes"
        );
    }

    #[test]
    fn new_user_debug_hides_the_password() {
        let u = crate::model::NewUser {
            display_name: "Ada".into(),
            email: None,
            kind: crate::model::UserKind::Human,
            role: "member".into(),
            password: Some("hunter2 hunter2".into()),
        };
        let printed = format!("{u:?}");
        assert!(
            !printed.contains("hunter2") && printed.contains("REDACTED"),
            "{printed}"
        );
    }
}
