//! Signed access tokens: short-lived JWTs (RFC 9068 profile, EdDSA over Ed25519) that a
//! Tokendesk token is exchanged for (RFC 8693), so services can check them offline against the
//! published keys while the long-lived credential stays opaque and revocable.
//!
//! Private keys are derived, never stored: HKDF-SHA256 of the authority's secret (the hash key
//! in the OS keyring or a team server's key file) with a random per-key salt kept in the
//! database. Every server holding that secret therefore signs with the same key, a rotation
//! made on one server applies on all of them, and the database alone signs nothing.
//! Signing and checking go through `jsonwebtoken` (header, claims, audience and issuer rules)
//! with ring as its crypto backend: the one the TLS stack already brings in.

use crate::clock::Millis;
use crate::secret::{ExposeSecret, HashKey};
use crate::store::signing_keys::SigningKeyRow;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{new_error, ErrorKind, Result as JwtResult};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{Error as SigError, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use zeroize::Zeroizing;

/// The JOSE header `typ` of an access token (RFC 9068 §2.1).
pub const TYP: &str = "at+jwt";
/// RFC 8693 token type of what the exchange takes and gives.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Lifetime bounds of a signed token, in minutes (the expiry policy picks within them).
pub const DEFAULT_MINUTES: u32 = 5;
pub const MAX_MINUTES: u32 = 60;
/// A retired key stays published this long: no token it signed can outlive it.
pub const PUBLISHED_AFTER_RETIREMENT: Millis = MAX_MINUTES as Millis * 60_000;

const DERIVATION_INFO: &[u8] = b"tokendesk jwt signing key v1";
/// PKCS#8 v1 wrapping of an Ed25519 seed (RFC 8410): this prefix, then the 32 bytes.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

// --- jsonwebtoken's crypto backend: ring, EdDSA only -------------------------------------

struct RingSigner(Ed25519KeyPair);

impl Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, SigError> {
        Ok(self.0.sign(msg).as_ref().to_vec())
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

struct RingVerifier(Vec<u8>);

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), SigError> {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(msg, sig)
            .map_err(|_| SigError::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> JwtResult<Box<dyn JwtSigner>> {
    if *alg != Algorithm::EdDSA || key.family() != AlgorithmFamily::Ed {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(key.as_bytes())
        .map_err(|_| new_error(ErrorKind::InvalidEddsaKey))?;
    Ok(Box::new(RingSigner(pair)))
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
    if *alg != Algorithm::EdDSA || key.family() != AlgorithmFamily::Ed {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    let public = key.try_get_as_bytes()?;
    if public.len() != 32 {
        return Err(new_error(ErrorKind::InvalidEddsaKey));
    }
    Ok(Box::new(RingVerifier(public.to_vec())))
}

fn ed_public_from_private(der: &[u8], crv: &EllipticCurve) -> JwtResult<Vec<u8>> {
    match crv {
        EllipticCurve::Ed25519 => Ok(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|_| new_error(ErrorKind::InvalidEddsaKey))?
            .public_key()
            .as_ref()
            .to_vec()),
        _ => Err(new_error(ErrorKind::InvalidAlgorithm)),
    }
}

fn digest(data: &[u8], h: ThumbprintHash) -> JwtResult<Vec<u8>> {
    let alg = match h {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
        #[allow(unreachable_patterns)]
        _ => return Err(new_error(ErrorKind::InvalidAlgorithm)),
    };
    Ok(ring::digest::digest(alg, data).as_ref().to_vec())
}

static RING_EDDSA: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        ed_pub_components_from_private_key: ed_public_from_private,
        compute_digest: digest,
        ..KeyUtils::new_unimplemented()
    },
};

fn install_provider() {
    // Process-wide, once; a second call finds it installed.
    let _ = RING_EDDSA.install_default();
}

// --- keys ---------------------------------------------------------------------------------

/// A signing key pair derived in memory from the authority's secret.
pub struct SigningKey {
    pub kid: String,
    pub public_key: [u8; 32],
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The RFC 7638 thumbprint of an Ed25519 public key: its `kid`.
pub fn thumbprint(public_key: &[u8]) -> String {
    // Members in lexicographic order, no whitespace (RFC 7638 §3).
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public_key)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

impl SigningKey {
    /// The key for `salt` under `secret`.
    pub fn derive(secret: &HashKey, salt: &[u8]) -> SigningKey {
        use ring::hkdf::{Salt, HKDF_SHA256};
        install_provider();
        let mut seed = Zeroizing::new([0u8; 32]);
        Salt::new(HKDF_SHA256, salt)
            .extract(secret.expose_secret())
            .expand(&[DERIVATION_INFO], HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut seed[..]))
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..])
            .expect("any 32 bytes are an Ed25519 seed");
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(pair.public_key().as_ref());
        let mut pkcs8 = Zeroizing::new(Vec::with_capacity(48));
        pkcs8.extend_from_slice(&PKCS8_ED25519_PREFIX);
        pkcs8.extend_from_slice(&seed[..]);
        SigningKey {
            kid: thumbprint(&public_key),
            public_key,
            encoding: EncodingKey::from_ed_der(&pkcs8),
            // Despite the name: the raw 32-byte public key.
            decoding: DecodingKey::from_ed_der(&public_key),
        }
    }

    /// Whether this is the key the database row describes: a key file or keyring holding
    /// another authority's secret derives a different one.
    pub fn matches(&self, row: &SigningKeyRow) -> bool {
        row.kid == self.kid && row.public_key == self.public_key
    }

    pub fn sign(&self, claims: &AccessClaims) -> crate::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(TYP.to_string());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| crate::Error::Internal(format!("cannot sign a token: {e}")))
    }

    /// The claims of `token` if this key signed it for `issuer` (and `audience`, when given);
    /// `exp` is the caller's to check against its own clock.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: Option<&str>,
    ) -> Result<AccessClaims, JwtRejection> {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.validate_exp = false;
        v.leeway = 0;
        v.set_issuer(&[issuer]);
        match audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&["iss", "aud", "sub"]);
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => JwtRejection::NotForUs,
                ErrorKind::InvalidSignature => JwtRejection::BadSignature,
                _ => JwtRejection::Malformed,
            })
    }

    /// The public key as a JWK (RFC 8037 OKP), for the JWKS.
    pub fn jwk(&self) -> Jwk {
        public_jwk(&self.kid, &self.public_key)
    }
}

pub fn public_jwk(kid: &str, public_key: &[u8]) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: URL_SAFE_NO_PAD.encode(public_key),
        kid: kid.into(),
        alg: "EdDSA".into(),
        key_use: "sig".into(),
    }
}

/// Why a presented JWT is refused before its parent token is even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtRejection {
    /// Not a well-formed access token of ours (structure, `typ`, `alg`, claims).
    Malformed,
    /// Signed by no key this authority publishes, or the signature does not verify.
    BadSignature,
    /// Another issuer, or not meant for this audience.
    NotForUs,
    Expired,
}

/// The header of a compact JWT, unverified: which key to check it with, if it is one of ours.
pub fn kid_of(token: &str) -> Result<String, JwtRejection> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| JwtRejection::Malformed)?;
    let typ_ok = header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case(TYP) || t.eq_ignore_ascii_case("application/at+jwt")
    });
    if !typ_ok || header.alg != Algorithm::EdDSA {
        return Err(JwtRejection::Malformed);
    }
    header.kid.ok_or(JwtRejection::Malformed)
}

/// Whether a presented credential has the shape of a compact JWS (three base64url parts),
/// so it is checked as a signed token and not looked up as an opaque one.
pub fn looks_like_jwt(presented: &str) -> bool {
    presented.len() < 8192
        && presented.split('.').count() == 3
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

// --- claims and the published keys ----------------------------------------------------------

/// RFC 8693 §4.1: who acts, for impersonation tokens (the admin who made it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    pub sub: String,
}

/// The claims of a Tokendesk access token (RFC 9068 and RFC 8693).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessClaims {
    pub iss: String,
    /// The user the parent token acts for.
    pub sub: String,
    pub aud: String,
    /// Seconds since the epoch.
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The credential that obtained this token: the parent token's id (token exchange).
    pub client_id: String,
    /// Space-separated; absent: the parent's full access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The tenant the user works in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Impersonation tokens: the admin who made the parent token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    /// The parent token's id, checked on every use at Tokendesk (revoked parent: refused).
    pub parent: String,
}

/// One public key of the JWKS (RFC 7517, RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

/// `GET /.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Whether the key of `row` is still published at `now`: signing, or retired less than the
/// longest token lifetime ago.
pub fn published(row: &SigningKeyRow, now: Millis) -> bool {
    row.retired_at
        .is_none_or(|r| now < r.saturating_add(PUBLISHED_AFTER_RETIREMENT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretBox;

    fn secret(b: u8) -> HashKey {
        SecretBox::new(Box::new([b; 32]))
    }

    #[test]
    fn derivation_is_deterministic_per_secret_and_salt() {
        let a = SigningKey::derive(&secret(1), b"salt-one");
        let again = SigningKey::derive(&secret(1), b"salt-one");
        assert_eq!(a.kid, again.kid);
        assert_eq!(a.public_key, again.public_key);
        assert_ne!(SigningKey::derive(&secret(1), b"salt-two").kid, a.kid);
        assert_ne!(SigningKey::derive(&secret(2), b"salt-one").kid, a.kid);
        assert_eq!(a.kid, thumbprint(&a.public_key));
        assert_eq!(a.kid.len(), 43, "base64url of SHA-256");
    }

    #[test]
    fn the_rfc_7638_thumbprint_matches_an_independent_computation() {
        // x and its thumbprint computed with Python's `cryptography` from HKDF("secret").
        let x = URL_SAFE_NO_PAD
            .decode("SzHritfZpCdYIh2rPm4oncDvUaXCqaeFU4OO_uE3moo")
            .unwrap();
        assert_eq!(
            thumbprint(&x),
            "W5n02cNgyUKnT-9wett8vV1443E5I1KTkqcPyqAdUI0"
        );
    }

    fn claims(iss: &str, aud: &str) -> AccessClaims {
        AccessClaims {
            iss: iss.into(),
            sub: "user".into(),
            aud: aud.into(),
            exp: 2_000_000_000,
            iat: 1_900_000_000,
            jti: "j".into(),
            client_id: "t".into(),
            scope: Some("tokens:read".into()),
            tenant: None,
            act: Some(Actor {
                sub: "admin".into(),
            }),
            parent: "t".into(),
        }
    }

    #[test]
    fn a_signed_token_verifies_with_its_key_only_and_for_its_audience_and_issuer() {
        let k = SigningKey::derive(&secret(1), b"s");
        let other = SigningKey::derive(&secret(1), b"t");
        let c = claims("https://td.example", "api");
        let jwt = k.sign(&c).unwrap();
        assert!(looks_like_jwt(&jwt));
        assert_eq!(kid_of(&jwt).unwrap(), k.kid);
        assert_eq!(
            k.verify(&jwt, "https://td.example", Some("api")).unwrap(),
            c
        );
        assert_eq!(k.verify(&jwt, "https://td.example", None).unwrap(), c);
        assert_eq!(
            other.verify(&jwt, "https://td.example", Some("api")),
            Err(JwtRejection::BadSignature)
        );
        assert_eq!(
            k.verify(&jwt, "https://td.example", Some("other")),
            Err(JwtRejection::NotForUs)
        );
        assert_eq!(
            k.verify(&jwt, "https://elsewhere", Some("api")),
            Err(JwtRejection::NotForUs)
        );
        // One changed character in the payload: the signature no longer matches.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        let payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
        let forged = String::from_utf8(payload)
            .unwrap()
            .replace("tokens:read", "audit:read");
        parts[1] = URL_SAFE_NO_PAD.encode(forged);
        let tampered = parts.join(".");
        assert_eq!(
            k.verify(&tampered, "https://td.example", Some("api")),
            Err(JwtRejection::BadSignature)
        );
        assert_eq!(kid_of("a.b.c"), Err(JwtRejection::Malformed));
        assert!(!looks_like_jwt("tkd_abc"));
    }

    #[test]
    fn retired_keys_stay_published_for_the_longest_lifetime() {
        let row = |retired_at| SigningKeyRow {
            kid: "k".into(),
            salt: vec![],
            public_key: vec![],
            created_at: 0,
            retired_at,
        };
        assert!(published(&row(None), i64::MAX));
        assert!(published(
            &row(Some(1000)),
            1000 + PUBLISHED_AFTER_RETIREMENT - 1
        ));
        assert!(!published(
            &row(Some(1000)),
            1000 + PUBLISHED_AFTER_RETIREMENT
        ));
    }
}
