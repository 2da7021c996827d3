//! Passwords for Switch user (and later credential exchange): Argon2id hashes in PHC format.

use crate::secret::{ExposeSecret, SecretString};
use crate::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 1024;

pub fn check_rules(pw: &SecretString) -> Result<()> {
    let n = pw.expose_secret().chars().count();
    if n < MIN_LEN {
        return Err(Error::InvalidPassword(format!(
            "A password has at least {MIN_LEN} characters."
        )));
    }
    if n > MAX_LEN {
        return Err(Error::InvalidPassword(format!(
            "A password has at most {MAX_LEN} characters."
        )));
    }
    Ok(())
}

/// At most this many Argon2 computations at once: each takes 19 MiB, so a flood of sign-in
/// attempts queues here instead of exhausting memory.
const PARALLEL: usize = 2;

static RUNNING: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();

/// A slot for one Argon2 computation, given back when dropped.
struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut n = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        while *n >= PARALLEL {
            n = FREED.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        FREED.notify_one();
    }
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: the OWASP recommendation).
pub fn hash(pw: &SecretString) -> Result<String> {
    let _slot = Slot::take();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| Error::Internal(format!("OS random generator failed: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(pw.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

pub fn verify(pw: &SecretString, phc: &str) -> bool {
    let _slot = Slot::take();
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(pw.expose_secret().as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let pw = SecretString::from("correct horse battery".to_string());
        let h = hash(&pw).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("correct horse"));
        assert!(verify(&pw, &h));
        assert!(!verify(
            &SecretString::from("wrong password".to_string()),
            &h
        ));
        assert!(!verify(&pw, "not a phc string"));
        assert_ne!(hash(&pw).unwrap(), h, "salted");
    }

    #[test]
    fn length_rules() {
        assert!(check_rules(&SecretString::from("short".to_string())).is_err());
        assert!(check_rules(&SecretString::from("x".repeat(1025))).is_err());
        assert!(check_rules(&SecretString::from("long enough".to_string())).is_ok());
    }
}
