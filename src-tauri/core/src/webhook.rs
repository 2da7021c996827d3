//! Webhook messages as the Standard Webhooks specification has them
//! (<https://www.standardwebhooks.com>): each endpoint's `whsec_` secret, derived from the
//! authority's secret and a stored salt so no database ever holds it; the signature of
//! `id.timestamp.body`; the payload, which describes a token and never contains one; the retry
//! schedule; which URLs may receive them.

use crate::clock::{format_utc, Millis, DAY};
use crate::model::{TokenMeta, WebhookEvent};
use crate::secret::{ExposeSecret, HashKey, SecretString};
use crate::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use zeroize::Zeroizing;

pub const SECRET_PREFIX: &str = "whsec_";
const DERIVATION_INFO: &[u8] = b"tokendesk webhook endpoint secret v1";
const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
/// Waits before each retry (the schedule the specification suggests): a message is tried
/// eight times over about a day and a day and a half, then marked failed.
pub const RETRY_AFTER: [Millis; 7] = [
    5_000,
    5 * MINUTE,
    30 * MINUTE,
    2 * HOUR,
    5 * HOUR,
    10 * HOUR,
    10 * HOUR,
];
/// How long a server that took a message may spend sending it before another one may: a
/// server killed mid-send delays a message by this much, never loses it.
pub const LEASE: Millis = MINUTE;
/// After a roll the previous secret also signs for this long, so receivers can switch over.
pub const OLD_SECRET_SIGNS_FOR: Millis = DAY;
pub const URL_MAX: usize = 2000;

/// An endpoint's secret: 32 bytes from HKDF-SHA256 of the authority's secret with `salt`.
pub fn derive_secret(key: &HashKey, salt: &[u8]) -> Zeroizing<[u8; 32]> {
    use ring::hkdf::{Salt, HKDF_SHA256};
    let mut out = Zeroizing::new([0u8; 32]);
    Salt::new(HKDF_SHA256, salt)
        .extract(key.expose_secret())
        .expand(&[DERIVATION_INFO], HKDF_SHA256)
        .and_then(|okm| okm.fill(&mut out[..]))
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// The secret as receivers configure it: `whsec_` and the bytes in base64.
pub fn secret_text(secret: &[u8; 32]) -> SecretString {
    SecretString::from(format!("{SECRET_PREFIX}{}", B64.encode(secret)))
}

/// One `v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>` signature.
pub fn sign(secret: &[u8; 32], id: &str, timestamp_secs: i64, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp_secs.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body.as_bytes());
    format!("v1,{}", B64.encode(ctx.sign().as_ref()))
}

/// When to try again after `attempts` failed attempts; `None`: give up.
pub fn next_attempt(attempts: u32, now: Millis) -> Option<Millis> {
    let wait = RETRY_AFTER.get(attempts.checked_sub(1)? as usize)?;
    Some(now + wait)
}

/// A new message id (`msg_` and a time-ordered UUID): the `webhook-id` of every attempt.
pub fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::now_v7().simple())
}

/// The URL normalised, if a webhook may go there: `https://`, or plain `http://` only to this
/// computer (a test receiver); no user name or password in it (they would be stored and shown
/// in clear), no fragment.
pub fn check_url(url: &str) -> Result<String> {
    let bad = |why: &str| Err(Error::InvalidInput(format!("The webhook URL {why}.")));
    let url = url.trim();
    if url.is_empty() || url.len() > URL_MAX {
        return bad(&format!(
            "is an https:// address of at most {URL_MAX} characters"
        ));
    }
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return bad(&format!("cannot be read ({e})")),
    };
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return bad("names no host"),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return bad("must use https:// (plain http:// only to this computer)"),
        _ => return bad("must start with https://"),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return bad("must not contain a user name or password");
    }
    if parsed.fragment().is_some() {
        return bad("must not contain a #fragment");
    }
    Ok(parsed.to_string())
}

/// The message body: `type`, `timestamp` and the token's metadata in `data` — never the token,
/// nor its display hint.
pub fn payload(
    event: WebhookEvent,
    t: &TokenMeta,
    at: Millis,
    days_left: Option<u32>,
) -> serde_json::Value {
    let mut data = serde_json::json!({
        "id": t.id,
        "name": t.name,
        "kind": t.kind.as_str(),
        "ownerId": t.owner_id,
        "ownerName": t.owner_name,
        "createdBy": t.created_by,
        "createdAt": format_utc(t.created_at),
        "expiresAt": t.expires_at.map(format_utc),
        "scopes": t.scopes.as_ref().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "tenantIds": t.tenant_ids,
    });
    let extra = [
        ("revokedAt", t.revoked_at.map(format_utc).map(Into::into)),
        ("revokedBy", t.revoked_by.clone().map(Into::into)),
        ("revokeReason", t.revoke_reason.clone().map(Into::into)),
        ("rotatedFrom", t.rotated_from.clone().map(Into::into)),
        ("rotatedTo", t.rotated_to.clone().map(Into::into)),
        ("daysLeft", days_left.map(Into::into)),
    ];
    for (k, v) in extra {
        if let Some(v) = v {
            data[k] = v;
        }
    }
    serde_json::json!({ "type": event.as_str(), "timestamp": format_utc(at), "data": data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_id_timestamp_body() {
        let key = [7u8; 32];
        let sig = sign(&key, "msg_1", 1_700_000_000, "{\"a\":1}");
        let expected = {
            use hmac::{Hmac, Mac};
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            m.update(b"msg_1.1700000000.{\"a\":1}");
            format!("v1,{}", B64.encode(m.finalize().into_bytes()))
        };
        assert_eq!(sig, expected);
    }

    #[test]
    fn secrets_differ_by_salt_and_key_and_read_as_whsec() {
        let k1 = HashKey::new(Box::new([1u8; 32]));
        let k2 = HashKey::new(Box::new([2u8; 32]));
        let a = derive_secret(&k1, b"salt-a");
        assert_eq!(*a, *derive_secret(&k1, b"salt-a"));
        assert_ne!(*a, *derive_secret(&k1, b"salt-b"));
        assert_ne!(*a, *derive_secret(&k2, b"salt-a"));
        let text = secret_text(&a);
        let b = B64
            .decode(text.expose_secret().strip_prefix("whsec_").unwrap())
            .unwrap();
        assert_eq!(b, a.to_vec());
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        assert_eq!(next_attempt(0, 0), None);
        assert_eq!(next_attempt(1, 100), Some(5_100));
        assert_eq!(next_attempt(2, 0), Some(5 * MINUTE));
        assert_eq!(next_attempt(7, 0), Some(10 * HOUR));
        assert_eq!(next_attempt(8, 0), None);
    }

    #[test]
    fn urls_are_https_or_loopback() {
        assert_eq!(
            check_url(" https://hooks.example.com/td ").unwrap(),
            "https://hooks.example.com/td"
        );
        assert!(check_url("http://127.0.0.1:9000/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:80/").is_ok());
        for bad in [
            "",
            "hooks.example.com",
            "http://hooks.example.com/",
            "ftp://127.0.0.1/",
            "https://user:pw@example.com/",
            "https://example.com/#x",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(check_url(bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(URL_MAX))).is_err());
    }
}
