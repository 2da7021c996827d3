//! Clearing a copied token from the clipboard later without keeping the token: only its SHA-256
//! is remembered, and the clipboard is cleared only if it still holds the same text.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub const CLEAR_AFTER_SECS: u64 = 30;

/// The platform clipboard, as the desktop adapter provides it.
pub trait Clipboard {
    fn read_text(&self) -> Option<String>;
    fn clear(&self);
}

/// Remembers what was copied by digest only.
#[derive(Clone, PartialEq, Eq)]
pub struct CopiedDigest([u8; 32]);

impl std::fmt::Debug for CopiedDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CopiedDigest(..)")
    }
}

impl CopiedDigest {
    pub fn of(text: &str) -> Self {
        CopiedDigest(Sha256::digest(text.as_bytes()).into())
    }
}

/// Clears the clipboard if it still holds the copied text; returns whether it did.
/// Something the person copied since then is left alone.
pub fn clear_if_unchanged(clip: &dyn Clipboard, copied: &CopiedDigest) -> bool {
    let Some(now) = clip.read_text().map(Zeroizing::new) else {
        return false;
    };
    if CopiedDigest::of(&now) == *copied {
        clip.clear();
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Fake(RefCell<Option<String>>);
    impl Clipboard for Fake {
        fn read_text(&self) -> Option<String> {
            self.0.borrow().clone()
        }
        fn clear(&self) {
            *self.0.borrow_mut() = Some(String::new());
        }
    }

    #[test]
    fn clears_only_when_the_token_is_still_there() {
        let copied = CopiedDigest::of("tkd_secret");
        let clip = Fake(RefCell::new(Some("tkd_secret".into())));
        assert!(clear_if_unchanged(&clip, &copied));
        assert_eq!(clip.read_text().as_deref(), Some(""));

        let clip = Fake(RefCell::new(Some("something the user copied later".into())));
        assert!(!clear_if_unchanged(&clip, &copied));
        assert_eq!(
            clip.read_text().as_deref(),
            Some("something the user copied later")
        );

        let clip = Fake(RefCell::new(None));
        assert!(!clear_if_unchanged(&clip, &copied));
    }

    #[test]
    fn digest_debug_shows_nothing() {
        assert_eq!(
            format!("{:?}", CopiedDigest::of("tkd_secret")),
            "CopiedDigest(..)"
        );
    }
}
