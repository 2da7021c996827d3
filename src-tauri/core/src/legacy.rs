//! Legacy API keys from the system an organisation moves away from: the two shapes of an
//! import file, what a key may look like, the header old clients send it in, and the
//! deprecation headers (RFC 9745, RFC 8594) every answer to such a request carries.

use crate::clock::Millis;
use crate::model::{LegacyImportProblem, LegacySettings};
use crate::secret::{HashKey, SecretString};
use crate::{Error, Result};
use zeroize::Zeroizing;

pub const DEFAULT_HEADER: &str = "X-Api-Key";
pub const KEY_MIN: usize = 8;
pub const KEY_MAX: usize = 512;
/// Rows one import takes; a larger export is imported in parts.
pub const IMPORT_MAX_ROWS: usize = 100_000;
/// The name a key without a label gets.
pub const UNLABELLED: &str = "Legacy API key";
/// Where a server publishes the migration notes (the `Link` of legacy answers by default).
pub const NOTES_PATH: &str = "/docs/legacy-api-keys";

/// One row of an import file, its key held as a secret from the moment it is read.
pub struct ImportRow {
    pub row: u32,
    pub email: String,
    pub key: SecretString,
    pub label: Option<String>,
    pub created_at: Option<String>,
}

pub type ParsedRow = std::result::Result<ImportRow, LegacyImportProblem>;

fn problem(row: u32, email: &str, reason: &str) -> LegacyImportProblem {
    LegacyImportProblem {
        row,
        email: email.to_string(),
        reason: reason.to_string(),
    }
}

/// The rows of an import file: a JSON array of objects (`email`, `key`, optional `label` and
/// `created_at`), or CSV whose header names those columns. A file-level fault (neither shape,
/// no `email` or `key` column, an unknown column) is an error; a bad row is a problem of that
/// row. No message ever repeats a value from the file other than an email address.
pub fn parse_import(file: &[u8]) -> Result<Vec<ParsedRow>> {
    let file = file.strip_prefix(b"\xef\xbb\xbf").unwrap_or(file);
    let first = file.iter().find(|b| !b.is_ascii_whitespace());
    let rows = match first {
        None => return Err(Error::InvalidInput("The import file is empty.".into())),
        Some(b'[') => parse_json(file)?,
        Some(_) => parse_csv(file)?,
    };
    if rows.is_empty() {
        return Err(Error::InvalidInput(
            "The import file has no rows after its header.".into(),
        ));
    }
    if rows.len() > IMPORT_MAX_ROWS {
        return Err(Error::InvalidInput(format!(
            "An import takes at most {IMPORT_MAX_ROWS} keys; split the file."
        )));
    }
    Ok(rows)
}

const COLUMNS: [&str; 4] = ["email", "key", "label", "created_at"];

fn parse_csv(file: &[u8]) -> Result<Vec<ParsedRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|_| Error::InvalidInput("The CSV header cannot be read.".into()))?
        .clone();
    let mut at = [None; 4];
    for (i, name) in header.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(c) if at[c].is_none() => at[c] = Some(i),
            Some(_) => {
                return Err(Error::InvalidInput(format!(
                    "The CSV header names the column {name} twice."
                )))
            }
            None => {
                return Err(Error::InvalidInput(format!(
                    "The CSV header has a column \u{201c}{}\u{201d}; it takes email,key[,label][,created_at].",
                    name.chars().take(40).collect::<String>()
                )))
            }
        }
    }
    let (Some(email_at), Some(key_at)) = (at[0], at[1]) else {
        return Err(Error::InvalidInput(
            "The import file needs a header naming at least the columns email and key (CSV), or a JSON array of objects.".into(),
        ));
    };
    let mut rows = vec![];
    let mut record = csv::StringRecord::new();
    loop {
        let before = reader.position().line() as u32;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                rows.push(Err(problem(
                    before,
                    "",
                    "This row cannot be read (not UTF-8, or a quote is not closed).",
                )));
                // A damaged quote can swallow the rest of the file: stop at the first fault.
                break;
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        // csv's own line count skips blank lines; the byte offset does not.
        let line = record.position().map_or(before, |p| {
            let mut at = p.byte() as usize;
            while matches!(file.get(at), Some(b'\n' | b'\r')) {
                at += 1;
            }
            1 + file[..at].iter().filter(|b| **b == b'\n').count() as u32
        });
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).filter(|v| !v.is_empty());
        let email = field(Some(email_at)).unwrap_or("").to_string();
        if record.len() != header.len() {
            rows.push(Err(problem(
                line,
                &email,
                &format!(
                    "This row has {} fields; the header has {}.",
                    record.len(),
                    header.len()
                ),
            )));
            continue;
        }
        let key = Zeroizing::new(field(Some(key_at)).unwrap_or("").to_string());
        rows.push(Ok(ImportRow {
            row: line,
            email,
            key: SecretString::from(key.as_str().to_string()),
            label: field(at[2]).map(str::to_string),
            created_at: field(at[3]).map(str::to_string),
        }));
    }
    Ok(rows)
}

fn parse_json(file: &[u8]) -> Result<Vec<ParsedRow>> {
    // Parsed as a value first: serde's type errors quote the offending value, which could be
    // a key; syntax errors only say where. Each key string is moved, not copied, into a secret.
    let value: Vec<serde_json::Value> = serde_json::from_slice(file).map_err(|e| {
        Error::InvalidInput(format!(
            "The import file is not a JSON array (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    let mut rows = vec![];
    for (i, mut item) in value.into_iter().enumerate() {
        let row = i as u32 + 1;
        let Some(obj) = item.as_object_mut() else {
            rows.push(Err(problem(row, "", "This item is not an object.")));
            continue;
        };
        let mut take = |name: &str| -> std::result::Result<Option<String>, String> {
            match obj.remove(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(serde_json::Value::String(s)) if s.trim().len() == s.len() => Ok(Some(s)),
                Some(serde_json::Value::String(s)) => {
                    let s = Zeroizing::new(s);
                    Ok(Some(s.trim().to_string()))
                }
                Some(_) => Err(format!("Its {name} is not a string.")),
            }
        };
        let email = take("email");
        let key = take("key");
        let label = take("label");
        let created_at = take("created_at");
        let shown_email = email.clone().ok().flatten().unwrap_or_default();
        if let Some(other) = obj.keys().next() {
            let name: String = other.chars().take(40).collect();
            rows.push(Err(problem(
                row,
                &shown_email,
                &format!("It has a field \u{201c}{name}\u{201d}; an item takes email, key, label, created_at."),
            )));
            continue;
        }
        match (email, key, label, created_at) {
            (Ok(_), Ok(key), Ok(label), Ok(created_at)) => rows.push(Ok(ImportRow {
                row,
                email: shown_email,
                key: SecretString::from(key.unwrap_or_default()),
                label,
                created_at,
            })),
            (a, b, c, d) => {
                let why = [a.err(), b.err(), c.err(), d.err()]
                    .into_iter()
                    .flatten()
                    .next();
                rows.push(Err(problem(row, &shown_email, &why.unwrap_or_default())));
            }
        }
    }
    Ok(rows)
}

/// Whether a string can be a legacy key: 8 to 512 visible ASCII characters (what an HTTP
/// header carries), no spaces.
pub fn check_key(key: &str) -> std::result::Result<(), &'static str> {
    if key.is_empty() {
        return Err("It has no key.");
    }
    if !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err("Its key has a space or a character other than visible ASCII, which no HTTP header carries.");
    }
    if key.len() < KEY_MIN {
        return Err("Its key is shorter than 8 characters.");
    }
    if key.len() > KEY_MAX {
        return Err("Its key is longer than 512 characters.");
    }
    Ok(())
}

/// The keyed hash a legacy key is kept and looked up as: HMAC over a message no Tokendesk
/// token can be, so a key never finds a token and a token never finds a key.
pub fn hash(key: &HashKey, legacy_key: &str) -> [u8; 32] {
    crate::token::hash(key, &format!("legacy:{legacy_key}"))
}

/// `…` and the last four characters: enough to tell keys apart on the Migration screen.
pub fn display_hint(legacy_key: &str) -> String {
    let tail = &legacy_key[legacy_key.len().saturating_sub(4)..];
    format!("\u{2026}{tail}")
}

/// An import file's `created_at`: RFC 3339, or a date (midnight UTC).
pub fn parse_created_at(raw: &str) -> Option<Millis> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(t.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// Where old clients put the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyHeader {
    /// A header of its own whose whole value is the key, e.g. `X-Api-Key`.
    Named(String),
    /// `Authorization: <scheme> <key>`.
    Scheme(String),
}

fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers a legacy key may not be read from: they mean something else to HTTP, to a proxy,
/// or to this service.
const RESERVED: [&str; 14] = [
    "host",
    "cookie",
    "connection",
    "content-length",
    "content-type",
    "transfer-encoding",
    "user-agent",
    "forwarded",
    "x-forwarded-for",
    "x-real-ip",
    "proxy-authorization",
    "tokendesk-act-as",
    "accept",
    "te",
];

impl LegacyHeader {
    /// `X-Api-Key`, or `Authorization: ApiKey` (also `Authorization ApiKey`).
    pub fn parse(raw: &str) -> Result<LegacyHeader> {
        let raw = raw.trim();
        let bad = |why: &str| {
            Error::InvalidInput(format!(
                "{why} Give a header name like X-Api-Key, or Authorization: <scheme> for clients that send Authorization: <scheme> <key>."
            ))
        };
        let lower = raw.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("authorization") {
            let rest = rest.trim_start_matches(':').trim();
            if rest.is_empty() {
                return Err(bad("Authorization alone carries bearer tokens."));
            }
            let scheme = raw[raw.len() - rest.len()..].to_string();
            if !is_http_token(&scheme) || scheme.len() > 40 {
                return Err(bad("That is not a scheme name."));
            }
            if ["bearer", "basic"].contains(&rest) {
                return Err(bad(
                    "Bearer and Basic are taken by tokens and client credentials.",
                ));
            }
            return Ok(LegacyHeader::Scheme(scheme));
        }
        if !is_http_token(raw) || raw.len() > 64 {
            return Err(bad("That is not a header name."));
        }
        if RESERVED.contains(&lower.as_str()) {
            return Err(bad(
                "That header means something else to HTTP or to this service.",
            ));
        }
        Ok(LegacyHeader::Named(raw.to_string()))
    }

    /// The stored and shown form.
    pub fn canonical(&self) -> String {
        match self {
            LegacyHeader::Named(n) => n.clone(),
            LegacyHeader::Scheme(s) => format!("Authorization: {s}"),
        }
    }
}

/// The headers every answer to a legacy-key request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyNotice {
    /// RFC 9745: `@<unix seconds>`.
    pub deprecation: Option<String>,
    /// RFC 8594: an HTTP-date.
    pub sunset: Option<String>,
    /// RFC 8288 links to the migration notes, `rel="deprecation"` and `rel="sunset"`.
    pub link: String,
}

/// `issuer`: the server's own base URL, for the notes it publishes when no other is set.
pub fn notice(settings: &LegacySettings, issuer: &str) -> LegacyNotice {
    let notes = settings
        .notes_url
        .clone()
        .unwrap_or_else(|| format!("{}{NOTES_PATH}", issuer.trim_end_matches('/')));
    LegacyNotice {
        deprecation: settings
            .deprecated_at
            .map(|t| format!("@{}", t.div_euclid(1000))),
        sunset: settings.sunset_at.and_then(http_date),
        link: format!("<{notes}>; rel=\"deprecation\", <{notes}>; rel=\"sunset\""),
    }
}

/// RFC 9110 IMF-fixdate, e.g. `Wed, 31 Mar 2027 00:00:00 GMT`.
pub fn http_date(t: Millis) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

/// A notes URL as an admin typed it: https (or http) with a host, nothing that breaks a header.
pub fn notes_url(raw: &str) -> Result<Option<String>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let ok = url::Url::parse(raw).is_ok_and(|u| {
        matches!(u.scheme(), "https" | "http") && u.host().is_some() && raw.len() <= 500
    }) && raw.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'>');
    if ok {
        Ok(Some(raw.to_string()))
    } else {
        Err(Error::InvalidInput(
            "The migration notes address must be an http(s) URL.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ExposeSecret;

    fn ok(rows: Vec<ParsedRow>) -> Vec<ImportRow> {
        rows.into_iter().map(|r| r.ok().unwrap()).collect()
    }

    #[test]
    fn csv_with_any_column_order_bom_and_blank_lines() {
        let rows = ok(parse_import(
            b"\xef\xbb\xbfkey,Email,label\n abcdefgh1 ,a@example.org,CI\n\nzyxwvuts2,b@example.org,\n",
        )
        .unwrap());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].email, "a@example.org");
        assert_eq!(rows[0].key.expose_secret(), "abcdefgh1");
        assert_eq!(rows[0].label.as_deref(), Some("CI"));
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[1].label, None);
        assert_eq!(rows[1].row, 4);
    }

    #[test]
    fn csv_faults_never_repeat_a_key() {
        for (file, want) in [
            (&b"email,secret\nx@y.z,abc\n"[..], "column"),
            (b"email,label\nx@y.z,abc\n", "email and key"),
            (b"email,key,key\n", "twice"),
            (b"", "empty"),
            (b"email,key\n", "no rows"),
        ] {
            let e = parse_import(file).err().unwrap().to_string();
            assert!(e.contains(want), "{e}");
        }
        let rows = parse_import(b"email,key\nx@y.z,supersecret1,extra\n").unwrap();
        let p = rows.into_iter().next().unwrap().err().unwrap();
        assert_eq!((p.row, p.email.as_str()), (2, "x@y.z"));
        assert!(!p.reason.contains("supersecret1"));
    }

    #[test]
    fn json_rows_and_their_problems() {
        let rows = parse_import(
            br#"[{"email":"a@x.org","key":"k-123456789","label":"CI","created_at":"2024-01-02"},
                 {"email":"b@x.org","key":12345678},
                 {"email":"c@x.org","key":"abcdefgh","extra":"supersecret"},
                 "nope"]"#,
        )
        .unwrap();
        assert_eq!(rows.len(), 4);
        let first = rows[0].as_ref().ok().unwrap();
        assert_eq!(first.created_at.as_deref(), Some("2024-01-02"));
        let p = rows[1].as_ref().err().unwrap();
        assert_eq!((p.row, p.email.as_str()), (2, "b@x.org"));
        assert!(!p.reason.contains("12345678"), "{}", p.reason);
        assert!(rows[2].as_ref().err().unwrap().reason.contains("extra"));
        assert!(rows[3].is_err());
        let e = parse_import(br#"[{"email": "a", "key": "supersecret"#)
            .err()
            .unwrap()
            .to_string();
        assert!(!e.contains("supersecret"), "{e}");
    }

    #[test]
    fn keys_are_visible_ascii_of_a_sane_length() {
        assert!(check_key("abcdefgh").is_ok());
        assert!(check_key("a-b_c.d~e+f/g=").is_ok());
        for bad in [
            "",
            "short",
            "has space 123",
            "ключключключ",
            &"x".repeat(513),
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_and_schemes() {
        assert_eq!(
            LegacyHeader::parse(" X-Api-Key ").unwrap(),
            LegacyHeader::Named("X-Api-Key".into())
        );
        assert_eq!(
            LegacyHeader::parse("Authorization: ApiKey").unwrap(),
            LegacyHeader::Scheme("ApiKey".into())
        );
        assert_eq!(
            LegacyHeader::parse("authorization Token")
                .unwrap()
                .canonical(),
            "Authorization: Token"
        );
        for bad in [
            "",
            "Authorization",
            "Authorization: Bearer",
            "Authorization: basic",
            "X Api Key",
            "Host",
            "Cookie",
            "Tokendesk-Act-As",
        ] {
            assert!(LegacyHeader::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn notice_headers() {
        let s = LegacySettings {
            sunset_at: Some(1_806_451_200_000), // 2027-03-31T00:00:00Z
            deprecated_at: Some(1_790_000_000_123),
            ..Default::default()
        };
        let n = notice(&s, "https://td.example.org/");
        assert_eq!(n.deprecation.as_deref(), Some("@1790000000"));
        assert_eq!(n.sunset.as_deref(), Some("Wed, 31 Mar 2027 00:00:00 GMT"));
        assert_eq!(
            n.link,
            "<https://td.example.org/docs/legacy-api-keys>; rel=\"deprecation\", <https://td.example.org/docs/legacy-api-keys>; rel=\"sunset\""
        );
    }

    #[test]
    fn created_at_and_hints() {
        assert_eq!(parse_created_at("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_created_at("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_created_at("yesterday"), None);
        assert_eq!(display_hint("abcdefgh1234"), "\u{2026}1234");
    }
}
