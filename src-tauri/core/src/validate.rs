//! Input rules for what people type (names, descriptions, reasons), shared by every face.

use crate::{Error, Result};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1_000;
pub const REASON_MAX: usize = 500;

/// Characters that are invisible or reorder text: a name using them can impersonate another
/// name in a list (the "Trojan Source" trick), so they are refused like control characters.
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Returns the trimmed name, or why it is not acceptable.
pub fn name(raw: &str) -> Result<String> {
    let n = raw.trim();
    if n.is_empty() {
        return Err(Error::InvalidName("A name is required.".into()));
    }
    if n.chars().count() > NAME_MAX {
        return Err(Error::InvalidName(format!(
            "A name has at most {NAME_MAX} characters."
        )));
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(Error::InvalidName(
            "A name cannot contain line breaks, tabs or other control characters.".into(),
        ));
    }
    if n.chars().any(is_deceptive) {
        return Err(Error::InvalidName(
            "A name cannot contain invisible or text-direction characters.".into(),
        ));
    }
    Ok(n.to_string())
}

/// Free text such as a description: line breaks and tabs allowed, other control characters not.
pub fn free_text(raw: &str, what: &str, max: usize) -> Result<String> {
    let t = raw.trim();
    if t.chars().count() > max {
        return Err(Error::InvalidInput(format!(
            "The {what} has at most {max} characters."
        )));
    }
    if t.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_deceptive(c))
    {
        return Err(Error::InvalidInput(format!(
            "The {what} cannot contain control, invisible or text-direction characters."
        )));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(name("  CI deploy ").unwrap(), "CI deploy");
        assert_eq!(name(&"é".repeat(100)).unwrap().chars().count(), 100);
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        for bad in [
            "",
            "   ",
            "\t\n",
            &"x".repeat(101),
            "a\nb",
            "a\rb",
            "tab\there",
            "nul\0",
            "esc\u{1b}[31m",
            "rtl\u{202E}gpj.exe",
            "zero\u{200B}width",
        ] {
            let e = name(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidName, "{bad:?}");
        }
    }

    #[test]
    fn html_is_just_text() {
        assert_eq!(
            name("<script>alert(1)</script>").unwrap(),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn free_text_allows_newlines_but_not_other_controls() {
        assert_eq!(
            free_text("line1\nline2", "description", 100).unwrap(),
            "line1\nline2"
        );
        assert!(free_text("bell\u{7}", "description", 100).is_err());
        assert!(free_text(&"x".repeat(101), "description", 100).is_err());
    }
}
