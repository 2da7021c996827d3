//! Secrets in memory: redacted in Debug, never Display or Serialize, zeroized on drop.
//! A thin layer over `secrecy` so the rest of the crate names what it holds.

pub use secrecy::{ExposeSecret, SecretBox, SecretString};

/// The authority's 256-bit HMAC key for token hashes.
pub type HashKey = SecretBox<[u8; 32]>;

/// Fills a fresh secret buffer from the OS CSPRNG without an unzeroized intermediate copy.
pub fn random_key() -> crate::Result<HashKey> {
    let mut failed = None;
    let key = SecretBox::init_with_mut(|k: &mut [u8; 32]| {
        if let Err(e) = getrandom::fill(k) {
            failed = Some(e);
        }
    });
    match failed {
        Some(e) => Err(crate::Error::Internal(format!(
            "OS random generator failed: {e}"
        ))),
        None => Ok(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let s = SecretString::from("tkd_supersecretvalue".to_string());
        let printed = format!("{s:?}");
        assert!(!printed.contains("supersecret"), "{printed}");
        assert!(printed.contains("REDACTED"));
        let k = random_key().unwrap();
        assert!(format!("{k:?}").contains("REDACTED"));
    }
}
