//! The token format `<prefix>_<body><checksum>`: 32 random bytes in base62 and a CRC32 of
//! everything before it, as GitHub's secret-scanning format does. A typo is rejected before any
//! database lookup, and a leaked token is recognisable by a regular expression.

use crate::secret::{ExposeSecret, HashKey, SecretString};
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 62^43 > 2^256, so 43 base62 digits hold any 32-byte body.
pub const BODY_LEN: usize = 43;
/// 62^6 > 2^32, so 6 digits hold any CRC32.
pub const CHECKSUM_LEN: usize = 6;
pub const DEFAULT_PREFIX: &str = "tkd";
pub const PREFIX_MAX: usize = 10;

/// The regular expression a secret scanner can use to find leaked Tokendesk tokens.
pub const SCAN_REGEX: &str = r"\b[a-z][a-z0-9]{1,9}_[0-9A-Za-z]{49}\b";

/// Why a string is not a well-formed token; checked before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    Malformed,
    BadChecksum,
}

pub fn validate_prefix(prefix: &str) -> Result<()> {
    let b = prefix.as_bytes();
    let ok = (2..=PREFIX_MAX).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "A token prefix is 2 to {PREFIX_MAX} characters: a lowercase letter, then lowercase letters or digits."
        )))
    }
}

/// Writes `bytes` (big-endian) as exactly `width` base62 digits into `out`.
/// Works on a zeroizing copy because the input is the token body.
fn push_base62(bytes: &[u8], width: usize, out: &mut String) {
    let mut num = Zeroizing::new(bytes.to_vec());
    let mut digits = Zeroizing::new([0u8; BODY_LEN]);
    debug_assert!(width <= BODY_LEN);
    for slot in digits[..width].iter_mut().rev() {
        let mut rem: u32 = 0;
        for b in num.iter_mut() {
            let acc = (rem << 8) | *b as u32;
            *b = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    for &d in &digits[..width] {
        out.push(d as char);
    }
}

fn checksum_of(head: &str, out: &mut String) {
    let crc = crc32fast::hash(head.as_bytes());
    push_base62(&crc.to_be_bytes(), CHECKSUM_LEN, out);
}

/// Mints a new token with 256 bits from the OS CSPRNG.
pub fn mint(prefix: &str) -> Result<SecretString> {
    validate_prefix(prefix)?;
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(raw.as_mut())
        .map_err(|e| Error::Internal(format!("OS random generator failed: {e}")))?;
    // Exact capacity: the String never reallocates, so no unzeroized copy is left behind.
    let mut s = String::with_capacity(prefix.len() + 1 + BODY_LEN + CHECKSUM_LEN);
    s.push_str(prefix);
    s.push('_');
    push_base62(raw.as_ref(), BODY_LEN, &mut s);
    let mut check = String::with_capacity(CHECKSUM_LEN);
    checksum_of(&s, &mut check);
    s.push_str(&check);
    Ok(SecretString::from(s))
}

/// Checks shape and checksum without touching the database.
pub fn check_format(token: &str) -> std::result::Result<(), FormatError> {
    let Some(sep) = token.rfind('_') else {
        return Err(FormatError::Malformed);
    };
    let (prefix, rest) = (&token[..sep], &token[sep + 1..]);
    if validate_prefix(prefix).is_err()
        || rest.len() != BODY_LEN + CHECKSUM_LEN
        || !rest.bytes().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(FormatError::Malformed);
    }
    let head = &token[..token.len() - CHECKSUM_LEN];
    let mut expected = String::with_capacity(CHECKSUM_LEN);
    checksum_of(head, &mut expected);
    if expected.as_bytes() == &token.as_bytes()[token.len() - CHECKSUM_LEN..] {
        Ok(())
    } else {
        Err(FormatError::BadChecksum)
    }
}

/// `prefix_…last4`: enough to recognise a token in a list, useless to an attacker.
pub fn display_hint(token: &str) -> String {
    let prefix = token.rsplit_once('_').map(|(p, _)| p).unwrap_or("");
    let tail: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{prefix}_\u{2026}{tail}")
}

/// HMAC-SHA256 under the authority's key: a stolen database alone cannot confirm a guess.
pub fn hash(key: &HashKey, token: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose_secret())
        .expect("HMAC accepts any key length");
    mac.update(token.as_bytes());
    mac.finalize().into_bytes().into()
}

pub fn hash_secret(key: &HashKey, token: &SecretString) -> [u8; 32] {
    hash(key, token.expose_secret())
}

/// Whether `expected` is the keyed hash of `secret`, compared in constant time (for secrets
/// looked up by another key, such as a client id, where timing could tell how much matched).
pub fn hash_matches(key: &HashKey, secret: &SecretString, expected: &[u8]) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose_secret())
        .expect("HMAC accepts any key length");
    mac.update(secret.expose_secret().as_bytes());
    mac.verify_slice(expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        mint("tkd").unwrap().expose_secret().to_string()
    }

    #[test]
    fn minted_token_has_the_documented_shape() {
        let t = sample();
        assert_eq!(t.len(), 3 + 1 + BODY_LEN + CHECKSUM_LEN);
        assert!(t.starts_with("tkd_"));
        assert!(t[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(check_format(&t), Ok(()));
    }

    #[test]
    fn tokens_are_distinct() {
        let a = sample();
        let b = sample();
        assert_ne!(a, b);
    }

    #[test]
    fn base62_is_fixed_width_and_exact() {
        let mut s = String::new();
        push_base62(&[0u8; 32], BODY_LEN, &mut s);
        assert_eq!(s, "0".repeat(BODY_LEN));
        let mut s = String::new();
        push_base62(&[0xff; 32], BODY_LEN, &mut s);
        assert_eq!(s.len(), BODY_LEN);
        assert_ne!(&s[..1], "0"); // 2^256-1 needs all 43 digits
        let mut s = String::new();
        push_base62(&61u32.to_be_bytes(), CHECKSUM_LEN, &mut s);
        assert_eq!(s, "00000z");
        let mut s = String::new();
        push_base62(&62u32.to_be_bytes(), CHECKSUM_LEN, &mut s);
        assert_eq!(s, "000010");
    }

    #[test]
    fn checksum_rejects_every_single_character_change() {
        let t = sample();
        let bytes = t.as_bytes();
        let sep = t.rfind('_').unwrap();
        for i in 0..bytes.len() {
            if i == sep {
                continue;
            }
            for &c in ALPHABET.iter() {
                if c == bytes[i] || (i < sep && !(c.is_ascii_lowercase() || c.is_ascii_digit())) {
                    continue;
                }
                if i == 0 && !c.is_ascii_lowercase() {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = c;
                let changed = String::from_utf8(changed).unwrap();
                assert_eq!(
                    check_format(&changed),
                    Err(FormatError::BadChecksum),
                    "position {i} changed to {}",
                    c as char
                );
            }
        }
    }

    #[test]
    fn malformed_inputs_are_rejected_before_checksum() {
        let t = sample();
        for bad in [
            String::new(),
            "tkd".to_string(),
            "tkd_".to_string(),
            t[..t.len() - 1].to_string(),
            format!("{t}x"),
            t.replace('_', "-"),
            format!("T{}", &t[1..]),
            format!("{}é", &t[..t.len() - 1]),
            format!(" {t}"),
        ] {
            assert_eq!(check_format(&bad), Err(FormatError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn prefix_rules() {
        assert!(validate_prefix("tkd").is_ok());
        assert!(validate_prefix("ab1").is_ok());
        for bad in ["", "a", "1ab", "Tkd", "tk_d", "abcdefghijk", "tké"] {
            assert!(validate_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_hint_shows_prefix_and_last_four() {
        let t = sample();
        let hint = display_hint(&t);
        assert_eq!(hint, format!("tkd_\u{2026}{}", &t[t.len() - 4..]));
    }

    #[test]
    fn hash_depends_on_key_and_token() {
        let k1 = crate::secret::random_key().unwrap();
        let k2 = crate::secret::random_key().unwrap();
        let t = sample();
        assert_eq!(hash(&k1, &t), hash(&k1, &t));
        assert_ne!(hash(&k1, &t), hash(&k2, &t));
        assert_ne!(hash(&k1, &t), hash(&k1, &sample()));
    }
}
