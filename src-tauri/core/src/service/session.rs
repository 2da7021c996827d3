//! Who is signed in: Switch user (password, rate-limited), impersonation start and stop.

use super::{user_not_found, Tokendesk};
use crate::clock::{Millis, SECOND};
use crate::model::*;
use crate::password;
use crate::permissions::Action;
use crate::secret::SecretString;
use crate::store::users as user_store;
use crate::{Error, Result};
use serde_json::json;

/// Failed sign-ins allowed before each further attempt must wait (1 s, 2 s, 4 s, … 15 min).
pub const SIGN_IN_FREE_ATTEMPTS: u32 = 5;
const MAX_DELAY: Millis = 15 * 60 * SECOND;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Failures {
    count: u32,
    next_allowed: Millis,
}

impl Tokendesk {
    pub fn session_info(&self, s: &Session) -> Result<SessionInfo> {
        self.store.read(|c| {
            let ctx = self.ctx(c, s)?;
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
        let key = email.trim().to_lowercase();
        let now = self.now();
        {
            let failures = self
                .sign_in_failures
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(f) = failures.get(&key) {
                if now < f.next_allowed {
                    return Err(Error::RateLimited(
                        ((f.next_allowed - now) as u64).div_ceil(1000),
                    ));
                }
            }
        }
        let user = self.store.read(|c| user_store::get_by_email(c, &key))?;
        let ok = match &user {
            Some(u) if u.kind == UserKind::Human && u.status == UserStatus::Active => self
                .store
                .read(|c| user_store::password_hash(c, &u.id))?
                .is_some_and(|h| password::verify(pw, &h)),
            _ => {
                // Same work as a real check, so timing does not tell which part was wrong.
                let _ = password::verify(pw, DUMMY_HASH);
                false
            }
        };
        let mut failures = self
            .sign_in_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !ok {
            let f = failures.entry(key).or_default();
            f.count += 1;
            if f.count >= SIGN_IN_FREE_ATTEMPTS {
                let delay = SECOND << (f.count - SIGN_IN_FREE_ATTEMPTS).min(20);
                f.next_allowed = now + delay.min(MAX_DELAY);
            }
            if let Some(u) = &user {
                let s = Session {
                    actor_id: u.id.clone(),
                    subject_id: u.id.clone(),
                    local_owner: false,
                };
                self.store.with_tx(|tx| {
                    self.audit(tx, &s, "user.sign_in_failed", Some(&u.id), json!({}))
                })?;
            }
            return Err(Error::InvalidCredentials);
        }
        failures.remove(&key);
        drop(failures);
        let u = user.expect("ok implies a user");
        let s = Session {
            actor_id: u.id.clone(),
            subject_id: u.id.clone(),
            local_owner: false,
        };
        self.store.with_tx(|tx| {
            self.audit(
                tx,
                &s,
                "user.signed_in",
                Some(&u.id),
                json!({ "name": u.display_name }),
            )
        })?;
        Ok(s)
    }

    pub fn start_impersonation(&self, s: &Session, user_id: &str) -> Result<Session> {
        self.store.with_tx(|tx| {
            let ctx = self.ctx(tx, s)?;
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
            };
            self.audit(
                tx,
                &next,
                "impersonation.started",
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
        };
        if s.actor_id != s.subject_id {
            self.store.with_tx(|tx| {
                self.audit(
                    tx,
                    s,
                    "impersonation.stopped",
                    Some(&s.subject_id),
                    json!({}),
                )
            })?;
        }
        Ok(next)
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
