//! Signed tokens checked by third-party verifiers, as services would check them offline:
//! PyJWT (Python) and jose (JavaScript) fetch the JWKS of a real server on 127.0.0.1 and verify
//! a JWT from token exchange; a tampered, expired, wrong-audience or unknown-key token is refused
//! by them and by Tokendesk; after a rotation both keys verify their own tokens. Webhooks a
//! real receiver got are checked by the Standard Webhooks reference libraries (Python, npm).
//! Needs PyJWT, jose and standardwebhooks: `make test-verifiers` installs them and sets `TOKENDESK_PYTHON` and
//! `TOKENDESK_VERIFIERS`.

#[path = "../core/common.rs"]
mod common;
mod harness;
mod openapi_check;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::req;
use harness::*;
use reqwest::Method;
use secrecy::SecretBox;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};
use tokendesk_core::jwt::{self, AccessClaims, SigningKey};
use tokendesk_core::secret::ExposeSecret;

const AUD: &str = "https://api.example.org";

struct Verifiers {
    python: String,
    dir: String,
}

impl Verifiers {
    /// Runs `script` of the verifiers' folder with `program`: what it printed, `ok …` (exit 0)
    /// or `refused …` (exit 1), both checked.
    fn run(&self, program: &str, script: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .arg(format!("{}/{script}", self.dir))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            text.starts_with("ok ") || text.starts_with("refused "),
            "{script}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.status.success(),
            text.starts_with("ok "),
            "{script}: {text}"
        );
        text
    }

    fn from_env() -> Verifiers {
        let get = |name: &str| {
            std::env::var(name)
                .unwrap_or_else(|_| panic!("{name} is not set: run `make test-verifiers`"))
        };
        Verifiers {
            python: get("TOKENDESK_PYTHON"),
            dir: get("TOKENDESK_VERIFIERS"),
        }
    }

    /// What each verifier says of `token`: ("ok <sub>" | "refused <why>") for PyJWT and jose.
    fn check(&self, srv: &Server, aud: &str, token: &str) -> [String; 2] {
        let jwks = format!("{}/.well-known/jwks.json", srv.base);
        let args = [jwks.as_str(), &srv.base, aud, token];
        [
            self.run(&self.python, "verify.py", &args),
            self.run("node", "verify.mjs", &args),
        ]
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl Server {
    async fn signed(&self, subject: &str, aud: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/oauth/token",
                "/oauth/token",
                None,
                Body::Form(vec![
                    ("grant_type", jwt::TOKEN_EXCHANGE_GRANT.into()),
                    ("subject_token", subject.into()),
                    ("subject_token_type", jwt::ACCESS_TOKEN_TYPE.into()),
                    ("audience", aud.into()),
                ]),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    /// Whether Tokendesk accepts the token for `aud` (introspection checks signature, expiry
    /// and the parent; the audience is the resource server's to check, so compare it here).
    async fn accepts(&self, inspector: &str, token: &str, aud: &str) -> bool {
        let r = self
            .call(
                Method::POST,
                "/oauth/introspect",
                "/oauth/introspect",
                Some(inspector),
                Body::Form(vec![("token", token.into())]),
            )
            .await;
        r.body["active"] == true && r.body["aud"] == aud
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PyJWT and jose: run `make test-verifiers`"]
async fn pyjwt_and_jose_verify_signed_tokens_through_the_jwks() {
    let v = Verifiers::from_env();
    let srv = start().await;
    // Third parties use the real clock: so does this server here.
    srv.env.clock.set(now_ms());
    let owner = srv.owner();
    let parent = srv.token_with(&owner, req("integration"));
    let inspector = srv.token_with(
        &owner,
        scoped("inspector", &[tokendesk_core::model::Scope::Introspect]),
    );

    let good = srv.signed(&parent, AUD).await;
    let sub = format!("ok {}", owner.actor_id);
    assert_eq!(v.check(&srv, AUD, &good), [sub.clone(), sub.clone()]);
    assert!(srv.accepts(&inspector, &good, AUD).await);

    // Wrong audience: the verifier expects another service.
    let elsewhere = "https://other.example.org";
    assert_eq!(
        v.check(&srv, elsewhere, &good),
        [
            "refused InvalidAudienceError".to_string(),
            "refused ERR_JWT_CLAIM_VALIDATION_FAILED".into()
        ]
    );
    assert!(!srv.accepts(&inspector, &good, elsewhere).await);

    // Tampered: the payload names someone else; the signature no longer matches.
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "someone-else".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        v.check(&srv, AUD, &tampered),
        [
            "refused InvalidSignatureError".to_string(),
            "refused ERR_JWS_SIGNATURE_VERIFICATION_FAILED".into()
        ]
    );
    assert!(!srv.accepts(&inspector, &tampered, AUD).await);

    // Expired: exchanged two hours ago (five minutes of life).
    srv.env.clock.set(now_ms() - 2 * 3_600_000);
    let old = srv.signed(&parent, AUD).await;
    srv.env.clock.set(now_ms());
    assert_eq!(
        v.check(&srv, AUD, &old),
        [
            "refused ExpiredSignatureError".to_string(),
            "refused ERR_JWT_EXPIRED".into()
        ]
    );
    assert!(!srv.accepts(&inspector, &old, AUD).await);

    // Signed by a key this server never published (another authority's secret).
    let stranger = SigningKey::derive(&SecretBox::new(Box::new([7u8; 32])), b"elsewhere");
    let claims: AccessClaims = serde_json::from_value(
        serde_json::from_slice::<serde_json::Value>(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap())
            .unwrap(),
    )
    .unwrap();
    let forged = stranger.sign(&claims).unwrap();
    assert_eq!(
        v.check(&srv, AUD, &forged),
        [
            "refused PyJWKClientError".to_string(),
            "refused ERR_JWKS_NO_MATCHING_KEY".into()
        ]
    );
    assert!(!srv.accepts(&inspector, &forged, AUD).await);

    // After a rotation both keys verify their own tokens.
    srv.td.rotate_signing_key(&owner).unwrap();
    let after = srv.signed(&parent, AUD).await;
    assert_ne!(jwt::kid_of(&after), jwt::kid_of(&good));
    for token in [&good, &after] {
        assert_eq!(v.check(&srv, AUD, token), [sub.clone(), sub.clone()]);
        assert!(srv.accepts(&inspector, token, AUD).await);
    }

    // Revoking the parent: Tokendesk refuses at once; offline verifiers only see the signature
    // and accept until `exp` — the documented trade-off.
    let parent_id = srv.me(&parent).await.body["token"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    srv.td.revoke_token(&owner, &parent_id, None).unwrap();
    assert!(!srv.accepts(&inspector, &after, AUD).await);
    assert_eq!(v.check(&srv, AUD, &after), [sub.clone(), sub]);
    srv.shutdown().await;
}

/// What the Standard Webhooks reference libraries (PyPI and npm `standardwebhooks`) say of a
/// request a receiver got: `["ok <type>", "ok <type>"]` or `refused …`.
fn standard_webhooks(v: &Verifiers, secret: &str, r: &Received) -> [String; 2] {
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("headers.json");
    let body = dir.path().join("body");
    std::fs::write(&headers, serde_json::to_string(&r.headers).unwrap()).unwrap();
    std::fs::write(&body, &r.body).unwrap();
    let (headers, body) = (headers.display().to_string(), body.display().to_string());
    let args = [secret, &headers, &body];
    [
        v.run(&v.python, "verify_webhook.py", &args),
        v.run("node", "verify_webhook.mjs", &args),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs standardwebhooks for Python and JavaScript: run `make test-verifiers`"]
async fn standard_webhooks_libraries_verify_delivered_webhooks() {
    let v = Verifiers::from_env();
    let srv = start_with(tokendesk_http::HttpConfig {
        deliver_webhooks: true,
        ..Default::default()
    })
    .await;
    // The libraries check the timestamp against the real clock.
    srv.env.clock.set(now_ms());
    let owner = srv.owner();
    let rx = receiver(&[]).await;
    let hook = srv
        .td
        .create_webhook(
            &owner,
            tokendesk_core::model::NewWebhookEndpoint {
                url: rx.url.clone(),
                description: None,
                events: tokendesk_core::model::WebhookEvent::ALL.to_vec(),
            },
        )
        .unwrap();
    let secret = hook.secret.expose_secret().to_string();
    let t = srv.td.create_token(&owner, req("deploy")).unwrap();
    srv.td.revoke_token(&owner, &t.meta.id, None).unwrap();
    let got = rx.wait_for(2).await;
    let ok = |t: &str| [format!("ok {t}"), format!("ok {t}")];
    let mut types: Vec<[String; 2]> = got
        .iter()
        .map(|r| standard_webhooks(&v, &secret, r))
        .collect();
    types.sort();
    assert_eq!(types, [ok("token.created"), ok("token.revoked")]);

    // A changed body, another secret, an old timestamp: refused by both.
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replace("deploy", "deplox");
    let other = srv
        .td
        .roll_webhook_secret(&owner, &hook.endpoint.id)
        .unwrap();
    let mut stale = got[0].clone();
    stale.headers.insert(
        "webhook-timestamp".into(),
        (now_ms() / 1000 - 3600).to_string(),
    );
    for (secret, r) in [
        (secret.as_str(), &tampered),
        (other.secret.expose_secret(), &got[0]),
        (secret.as_str(), &stale),
    ] {
        let said = standard_webhooks(&v, secret, r);
        assert!(said.iter().all(|s| s.starts_with("refused ")), "{said:?}");
    }
    // After a roll both secrets sign for a day: receivers on either accept the next message.
    srv.td.create_token(&owner, req("after roll")).unwrap();
    let third = rx.wait_for(3).await.pop().unwrap();
    assert_eq!(standard_webhooks(&v, &secret, &third), ok("token.created"));
    assert_eq!(
        standard_webhooks(&v, other.secret.expose_secret(), &third),
        ok("token.created")
    );
    srv.shutdown().await;
}
