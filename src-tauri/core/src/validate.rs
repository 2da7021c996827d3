//! One text policy for everything people type that others will read (token, tenant, user and
//! authority names, descriptions, revoke reasons, email addresses), shared by every face.
//!
//! Text is NFC-normalised, then refused if it holds characters that hide or reorder what is
//! shown: bidirectional controls ("Trojan Source"), default-ignorable code points (invisible:
//! joiners, soft hyphen, fillers, variation selectors, tag characters), control characters and
//! line or paragraph separators. Two names that look alike (UTS #39 skeletons: `admin` and
//! `аdmin` with a Cyrillic а) are the same name where names must be unique. The Unicode data
//! comes from maintained crates (icu_properties, unicode-normalization, unicode-security).

use crate::{Error, Result};
use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};
use unicode_normalization::UnicodeNormalization;

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1_000;
pub const REASON_MAX: usize = 500;
/// RFC 5321 §4.5.3.1.3: the longest usable address.
pub const EMAIL_MAX: usize = 254;

/// Why a character is refused, in words for the person who typed it.
fn refused(c: char, line_breaks_allowed: bool) -> Option<&'static str> {
    if line_breaks_allowed && (c == '\n' || c == '\t') {
        return None;
    }
    if CodePointSetData::new::<BidiControl>().contains(c) {
        return Some("text-direction characters");
    }
    match CodePointMapData::<GeneralCategory>::new().get(c) {
        GeneralCategory::Control => {
            return Some(if line_breaks_allowed {
                "control characters other than line breaks and tabs"
            } else {
                "line breaks, tabs or other control characters"
            })
        }
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            return Some("line or paragraph separators")
        }
        _ => {}
    }
    if CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c) {
        return Some("invisible characters");
    }
    None
}

/// NFC, trimmed, at most `max` characters, no refused character; `what` names the field.
fn clean(raw: &str, what: &str, max: usize, line_breaks_allowed: bool) -> Result<String, String> {
    // Counted as typed: normalising can lengthen a few scripts' text, and the limit the API
    // document states (`maxLength`) is of the characters sent.
    if raw.chars().count() > max {
        return Err(format!("The {what} has at most {max} characters."));
    }
    let t: String = raw.trim().nfc().collect();
    if let Some(c) = t
        .chars()
        .find(|c| refused(*c, line_breaks_allowed).is_some())
    {
        let why = refused(c, line_breaks_allowed).unwrap_or_default();
        return Err(format!(
            "The {what} cannot contain {why} (it has U+{:04X}).",
            c as u32
        ));
    }
    Ok(t)
}

/// A name (token, tenant, user, authority): required, one line. Returns it normalised.
pub fn name(raw: &str) -> Result<String> {
    let n = clean(raw, "name", NAME_MAX, false).map_err(Error::InvalidName)?;
    if n.is_empty() {
        return Err(Error::InvalidName("A name is required.".into()));
    }
    Ok(n)
}

/// Free text such as a description or a revoke reason: line breaks and tabs allowed.
pub fn free_text(raw: &str, what: &str, max: usize) -> Result<String> {
    clean(raw, what, max, true).map_err(Error::InvalidInput)
}

/// What makes two names the same where names are unique: case-insensitive, and the UTS #39
/// skeleton, so names that only differ by look-alike characters collide.
pub fn name_key(name: &str) -> String {
    let folded: String = name.nfc().flat_map(char::to_lowercase).collect();
    unicode_security::skeleton(&folded)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where a name sorts in the lists, as people read names: case folded, and each run of ASCII
/// digits by its value, so `tok-2` comes before `tok-10`. A digit run is written as its length
/// in two digits and then the digits without leading zeros; as digits sort below letters and
/// above spaces and most punctuation, comparing the keys byte by byte (both engines do) keeps
/// every other character where plain byte order puts it.
pub fn sort_key(name: &str) -> String {
    let folded: String = name.nfc().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(folded.len() + 4);
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        let mut run = String::from(c);
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            run.push(d);
        }
        let digits = match run.trim_start_matches('0') {
            "" => "0",
            d => d,
        };
        // A name holds at most NAME_MAX characters, so 99 only caps runs nobody types.
        out.push_str(&format!("{:02}", digits.len().min(99)));
        out.push_str(digits);
    }
    out
}

/// An email address, as RFC 5322 / 6532 parse it (by the email_address crate), with a dot in
/// the domain and none of the refused characters; returned in lower case.
pub fn email(raw: &str) -> Result<String> {
    let e = clean(raw, "email address", EMAIL_MAX, false)
        .map_err(Error::InvalidEmail)?
        .to_lowercase();
    let options = email_address::Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    // RFC 5322 lets a domain hold any atom; a mail host name is letters, digits and hyphens.
    let host_name = |d: &str| {
        d.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
    };
    match email_address::EmailAddress::parse_with_options(&e, options) {
        Ok(a) if !e.chars().any(char::is_whitespace) && host_name(a.domain()) => Ok(e),
        _ => Err(Error::InvalidEmail(format!(
            "\u{201c}{}\u{201d} is not a valid email address.",
            raw.trim().escape_default()
        ))),
    }
}

/// The code points `refused` refuses, as ranges, read from the same Unicode data.
fn refused_ranges(line_breaks_allowed: bool) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        if refused(c, line_breaks_allowed).is_none() {
            continue;
        }
        match out.last_mut() {
            Some((_, end)) if *end + 1 == c as u32 => *end = c as u32,
            _ => out.push((c as u32, c as u32)),
        }
    }
    out
}

/// A character class body for these ranges that ECMA-262 (the JSON Schema dialect), Python's
/// `re` and Rust's `regex` read alike: `\uXXXX` in the Basic Multilingual Plane, the
/// character itself above it (none of them has a common escape for those).
fn class(ranges: &[(u32, u32)]) -> String {
    let one = |c: u32| match char::from_u32(c) {
        Some(ch) if c > 0xFFFF => ch.to_string(),
        _ => format!("\\u{c:04X}"),
    };
    ranges
        .iter()
        .map(|&(a, b)| {
            if a == b {
                one(a)
            } else {
                format!("{}-{}", one(a), one(b))
            }
        })
        .collect()
}

/// The whitespace `str::trim` removes (Unicode White_Space), as ranges.
fn whitespace_ranges() -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for c in (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
    {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == c as u32 => *end = c as u32,
            _ => out.push((c as u32, c as u32)),
        }
    }
    out
}

/// The JSON Schema `pattern` of a name: at least one character that is not whitespace, and
/// none that `name` refuses. The API document states it, so clients can check before sending.
pub fn name_pattern() -> String {
    let r = class(&refused_ranges(false));
    let w = class(&whitespace_ranges());
    format!("^[^{r}]*[^{r}{w}][^{r}]*$")
}

/// The `pattern` of free text (descriptions, reasons) and of optional names: no refused
/// character; line breaks and tabs allowed in free text.
pub fn free_text_pattern(line_breaks_allowed: bool) -> String {
    format!("^[^{}]*$", class(&refused_ranges(line_breaks_allowed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    /// Every class the policy refuses, with examples the issue found accepted.
    pub const REFUSED: &[(&str, char)] = &[
        ("word joiner", '\u{2060}'),
        ("soft hyphen", '\u{00AD}'),
        ("Mongolian vowel separator", '\u{180E}'),
        ("Hangul filler", '\u{3164}'),
        ("Arabic letter mark", '\u{061C}'),
        ("invisible times", '\u{2062}'),
        ("variation selector 16", '\u{FE0F}'),
        ("tag A", '\u{E0041}'),
        ("tag B", '\u{E0042}'),
        ("line separator", '\u{2028}'),
        ("paragraph separator", '\u{2029}'),
        ("right-to-left override", '\u{202E}'),
        ("first strong isolate", '\u{2068}'),
        ("zero width space", '\u{200B}'),
        ("zero width joiner", '\u{200D}'),
        ("byte order mark", '\u{FEFF}'),
        ("NUL", '\0'),
        ("escape", '\u{1b}'),
        ("delete", '\u{7f}'),
        ("C1 control", '\u{85}'),
    ];

    #[test]
    fn names_are_trimmed_and_normalised() {
        assert_eq!(name("  CI deploy ").unwrap(), "CI deploy");
        assert_eq!(name(&"é".repeat(100)).unwrap().chars().count(), 100);
        // "e" + combining acute becomes the one precomposed character.
        assert_eq!(name("caf\u{65}\u{301}").unwrap(), "caf\u{e9}");
        assert_eq!(
            name("<script>alert(1)</script>").unwrap(),
            "<script>alert(1)</script>"
        );
        assert_eq!(name("日本語 トークン").unwrap(), "日本語 トークン");
    }

    #[test]
    fn every_refused_class_is_refused_in_every_field() {
        for (what, c) in REFUSED {
            let text = format!("ad{c}min");
            assert_eq!(
                name(&text).unwrap_err().code(),
                ErrorCode::InvalidName,
                "{what}"
            );
            if !matches!(c, '\n' | '\t') {
                let e = free_text(&text, "description", 100).unwrap_err();
                assert_eq!(e.code(), ErrorCode::InvalidInput, "{what}");
            }
            let e = email(&format!("eve{c}@example.org")).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidEmail, "{what}");
        }
        for bad in [
            "",
            "   ",
            "\t\n",
            &"x".repeat(101),
            "a\nb",
            "a\rb",
            "tab\there",
        ] {
            assert_eq!(
                name(bad).unwrap_err().code(),
                ErrorCode::InvalidName,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn free_text_allows_line_breaks_and_tabs_only() {
        assert_eq!(
            free_text("line1\nline2\tx", "description", 100).unwrap(),
            "line1\nline2\tx"
        );
        assert!(free_text("bell\u{7}", "description", 100).is_err());
        assert!(free_text("a\u{2028}b", "description", 100).is_err());
        assert!(free_text(&"x".repeat(101), "description", 100).is_err());
    }

    #[test]
    fn look_alike_names_have_one_key() {
        let admin = name_key("admin");
        assert_eq!(name_key("\u{430}dmin"), admin, "Cyrillic а");
        assert_eq!(name_key("ADMIN"), admin, "case");
        assert_eq!(name_key("аdmіn"), admin, "Cyrillic а and і");
        assert_ne!(name_key("admins"), admin);
        assert_eq!(name_key("caf\u{e9}"), name_key("cafe\u{301}"));
    }

    #[test]
    fn email_rules() {
        assert_eq!(email("  Ada@Example.ORG ").unwrap(), "ada@example.org");
        assert_eq!(
            email("o'brien+tag@mail.example.org").unwrap(),
            "o'brien+tag@mail.example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a da@example.org",
            "ada@example..org",
            "ada@.example.org",
            "ada@example.org.",
            "ada@exa_mple.org",
            "Ada <ada@example.org>",
            "ada@[127.0.0.1]",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_sort_as_people_read_them() {
        let mut names = vec![
            "tok-100", "Tok-9", "tok-10", "tok-1", "tok-1a", "TOK-2", "tok", "tok-02b", "alpha 10",
            "alpha 9", "Beta", "alpha-1", "v1.10.0", "v1.9.2", "007", "10", "x",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            [
                "007", "10", "alpha 9", "alpha 10", "alpha-1", "Beta", "tok", "tok-1", "tok-1a",
                "TOK-2", "tok-02b", "Tok-9", "tok-10", "tok-100", "v1.9.2", "v1.10.0", "x",
            ]
        );
        assert_eq!(sort_key("Tok-007"), sort_key("tok-7"));
        assert_eq!(sort_key("tok-0"), "tok-010");
        assert!(sort_key(&"9".repeat(120)).starts_with("99"));
    }
}
