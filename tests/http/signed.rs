//! Signed tokens over HTTP on 127.0.0.1 (both engines): RFC 8693 token exchange at
//! `/oauth/token` with its RFC 6749 errors, the JWKS and RFC 8414 metadata, a JWT as the bearer
//! of Tokendesk's own API (with its narrowed scopes), RFC 7662 introspection of a JWT before and
//! after its parent is revoked, rotation over the REST API, and a service user's API password
//! and client credentials (RFC 6749 §4.4, HTTP Basic or form). Every JSON answer is checked
//! against the committed OpenAPI document.

#[path = "../core/common.rs"]
mod common;
mod harness;
// Issue 12's other HTTP part, in this binary to spare a link of its own.
mod legacy;
mod openapi_check;

use common::req;
use harness::*;
use reqwest::Method;
use serde_json::Value;
use tokendesk_core::jwt;
use tokendesk_core::model::*;

fn exchange_form(subject: &str, extra: &[(&'static str, &str)]) -> Body {
    let mut kv = vec![
        ("grant_type", jwt::TOKEN_EXCHANGE_GRANT.to_string()),
        ("subject_token", subject.to_string()),
        ("subject_token_type", jwt::ACCESS_TOKEN_TYPE.to_string()),
    ];
    kv.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Body::Form(kv)
}

impl Server {
    async fn exchange(&self, subject: &str, extra: &[(&'static str, &str)]) -> Resp {
        self.call(
            Method::POST,
            "/oauth/token",
            "/oauth/token",
            None,
            exchange_form(subject, extra),
        )
        .await
    }
}

fn oauth_error(r: &Resp, error: &str) {
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["error"], error, "{:?}", r.body);
    assert!(r.body["error_description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn token_exchange_gives_a_signed_token_that_works_until_its_parent_is_revoked() {
    let srv = start().await;
    let owner = srv.owner();
    let parent = srv.token_with(&owner, req("ci"));

    // The metadata names this server as the issuer and where everything is.
    let meta = srv
        .call(
            Method::GET,
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server",
            None,
            Body::None,
        )
        .await;
    assert_eq!(meta.status, 200);
    let issuer = meta.body["issuer"].as_str().unwrap().to_string();
    assert_eq!(
        issuer, srv.base,
        "the scheme and address it listens on by default"
    );
    assert_eq!(
        meta.body["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json")
    );
    assert_eq!(meta.body["token_endpoint"], format!("{issuer}/oauth/token"));
    assert!(meta.body["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&Value::from(jwt::TOKEN_EXCHANGE_GRANT)));

    let out = srv.exchange(&parent, &[]).await;
    assert_eq!(out.status, 200, "{:?}", out.body);
    assert_eq!(out.body["token_type"], "Bearer");
    assert_eq!(out.body["issued_token_type"], jwt::ACCESS_TOKEN_TYPE);
    assert_eq!(out.body["expires_in"], 300);
    let signed = out.body["access_token"].as_str().unwrap().to_string();
    assert!(jwt::looks_like_jwt(&signed));

    let keys = srv
        .call(
            Method::GET,
            "/.well-known/jwks.json",
            "/.well-known/jwks.json",
            None,
            Body::None,
        )
        .await;
    assert_eq!(keys.status, 200);
    assert_eq!(keys.body["keys"][0]["kid"], jwt::kid_of(&signed).unwrap());
    assert_eq!(keys.body["keys"][0]["kty"], "OKP");
    assert_eq!(keys.body["keys"][0]["use"], "sig");

    // The JWT is a bearer of Tokendesk's own API (its audience is the issuer).
    let me = srv.me(&signed).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["user"]["id"], owner.actor_id);

    // Introspection of the JWT says what it is; the caller needs the introspect scope.
    let inspector = srv.token_with(&owner, scoped("inspector", &[Scope::Introspect]));
    let seen = srv
        .call(
            Method::POST,
            "/oauth/introspect",
            "/oauth/introspect",
            Some(&inspector),
            Body::Form(vec![("token", signed.clone())]),
        )
        .await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["active"], true);
    assert_eq!(seen.body["iss"], issuer);
    assert_eq!(seen.body["aud"], issuer);
    assert_eq!(seen.body["sub"], owner.actor_id);
    assert!(seen.body["client_id"].is_string());
    assert_ne!(seen.body["jti"], seen.body["client_id"], "the JWT's own id");

    // Revoking the parent: the JWT is refused here at once, and introspects as inactive.
    let parent_id = srv.me(&parent).await.body["token"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    srv.td.revoke_token(&owner, &parent_id, None).unwrap();
    let me = srv.me(&signed).await;
    assert_eq!(me.status, 401);
    assert!(me.challenge.contains("invalid_token"), "{}", me.challenge);
    let seen = srv
        .call(
            Method::POST,
            "/oauth/introspect",
            "/oauth/introspect",
            Some(&inspector),
            Body::Form(vec![("token", signed.clone())]),
        )
        .await;
    assert_eq!(seen.body, serde_json::json!({ "active": false }));
    oauth_error(&srv.exchange(&parent, &[]).await, "invalid_request");
    srv.shutdown().await;
}

#[tokio::test]
async fn exchange_errors_are_rfc_6749_and_scopes_only_narrow() {
    let srv = start().await;
    let owner = srv.owner();
    let full = srv.token_with(&owner, req("full"));

    let r = srv
        .call(
            Method::POST,
            "/oauth/token",
            "/oauth/token",
            None,
            Body::Form(vec![("grant_type", "client_secret".into())]),
        )
        .await;
    oauth_error(&r, "unsupported_grant_type");
    let r = srv
        .call(
            Method::POST,
            "/oauth/token",
            "/oauth/token",
            None,
            Body::Form(vec![("grant_type", jwt::TOKEN_EXCHANGE_GRANT.into())]),
        )
        .await;
    oauth_error(&r, "invalid_request");
    oauth_error(
        &srv.exchange(&full, &[("subject_token_type", "urn:x")])
            .await,
        "invalid_request",
    );
    oauth_error(&srv.exchange("tkd_garbage", &[]).await, "invalid_request");
    oauth_error(
        &srv.exchange(&full, &[("scope", "introspect")]).await,
        "invalid_scope",
    );
    oauth_error(
        &srv.exchange(&full, &[("scope", "everything")]).await,
        "invalid_scope",
    );
    oauth_error(
        &srv.exchange(&full, &[("audience", "two words")]).await,
        "invalid_request",
    );

    // A read-only JWT for another audience: refused by Tokendesk's own API (not for it) ...
    let other = srv
        .exchange(
            &full,
            &[
                ("scope", "tokens:read"),
                ("audience", "https://api.example"),
            ],
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["scope"], "tokens:read");
    let other = other.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(srv.me(&other).await.status, 401);

    // ... and for Tokendesk itself: reads, but cannot write.
    let reader = srv.exchange(&full, &[("scope", "tokens:read")]).await;
    let reader = reader.body["access_token"].as_str().unwrap().to_string();
    let listed = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens",
            Some(&reader),
            Body::None,
        )
        .await;
    assert_eq!(listed.status, 200);
    let made = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&reader),
            Body::Json(create_body("from a jwt")),
        )
        .await;
    assert_eq!(made.status, 403);
    assert_eq!(made.body["code"], "insufficient_scope");

    // A tampered JWT is refused.
    let mut parts: Vec<&str> = reader.split('.').collect();
    let sig = parts[2].to_string();
    let flipped = format!(
        "{}{}",
        &sig[..sig.len() - 2],
        if sig.ends_with("AA") { "BA" } else { "AA" }
    );
    parts[2] = &flipped;
    assert_eq!(srv.me(&parts.join(".")).await.status, 401);
    srv.shutdown().await;
}

#[tokio::test]
async fn rotation_over_the_api_keeps_the_old_key_published() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("admin"));
    let old = srv.exchange(&admin, &[]).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let rotated = srv
        .call(
            Method::POST,
            "/api/signing-keys/rotate",
            "/api/signing-keys/rotate",
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let keys = rotated.body.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["current"], true);
    assert_eq!(keys[1]["kid"], jwt::kid_of(&old).unwrap());
    assert!(keys[1]["publishedUntil"].is_number());
    let listed = srv
        .call(
            Method::GET,
            "/api/signing-keys",
            "/api/signing-keys",
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(&listed.body, &rotated.body);
    let set = srv
        .call(
            Method::GET,
            "/.well-known/jwks.json",
            "/.well-known/jwks.json",
            None,
            Body::None,
        )
        .await;
    assert_eq!(set.body["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        srv.me(&old).await.status,
        200,
        "the old key still verifies its tokens"
    );

    // A read-only token may not rotate.
    let reader = srv.token_with(&owner, scoped("reader", &[Scope::TokensRead]));
    let refused = srv
        .call(
            Method::POST,
            "/api/signing-keys/rotate",
            "/api/signing-keys/rotate",
            Some(&reader),
            Body::None,
        )
        .await;
    assert_eq!(refused.status, 403);
    srv.shutdown().await;
}

#[tokio::test]
async fn a_service_user_gets_tokens_with_its_api_password_or_client_credentials() {
    use base64::Engine;
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("admin"));
    let made = srv
        .call(
            Method::POST,
            "/api/users",
            "/api/users",
            Some(&admin),
            Body::Json(serde_json::json!({
                "displayName": "Billing sync", "email": "billing@example.org",
                "kind": "service", "role": "member", "password": "an API password"
            })),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let bot = made.body["id"].as_str().unwrap().to_string();

    // The API password, through the credential exchange.
    let by_password = srv
        .call(
            Method::POST,
            "/api/auth/token",
            "/api/auth/token",
            None,
            Body::Json(serde_json::json!({ "email": "billing@example.org", "password": "an API password" })),
        )
        .await;
    assert_eq!(by_password.status, 201, "{:?}", by_password.body);
    let t = by_password.body["token"].as_str().unwrap().to_string();
    assert_eq!(srv.me(&t).await.body["user"]["id"], bot);

    // Client credentials: set by an admin, the secret shown once.
    let path = format!("/api/users/{bot}/client-credentials");
    let creds = srv
        .call(
            Method::POST,
            "/api/users/{id}/client-credentials",
            &path,
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(creds.status, 200, "{:?}", creds.body);
    let id = creds.body["clientId"].as_str().unwrap().to_string();
    let secret = creds.body["clientSecret"].as_str().unwrap().to_string();

    // client_secret_post ...
    let post = srv
        .call(
            Method::POST,
            "/oauth/token",
            "/oauth/token",
            None,
            Body::Form(vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", id.clone()),
                ("client_secret", secret.clone()),
                ("scope", "tokens:read".into()),
            ]),
        )
        .await;
    assert_eq!(post.status, 200, "{:?}", post.body);
    assert_eq!(post.body["token_type"], "Bearer");
    assert_eq!(post.body["scope"], "tokens:read");
    assert!(post.body["expires_in"].as_i64().unwrap() > 0);
    let via_post = post.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(srv.me(&via_post).await.body["user"]["id"], bot);

    // ... and client_secret_basic (RFC 6749 §2.3.1), with curl's -u.
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let raw = |auth: String| {
        let url = format!("{}/oauth/token", srv.base);
        async move {
            http_client()
                .post(url)
                .header("authorization", auth)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
                .send()
                .await
                .unwrap()
        }
    };
    let ok = raw(basic(&id, &secret)).await;
    assert_eq!(ok.status(), 200);
    let wrong = raw(basic(&id, "tkdcs_not_it")).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.headers()["www-authenticate"].to_str().unwrap(),
        "Basic realm=\"tokendesk\""
    );
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    // A new secret ends the tokens of the old one.
    let again = srv
        .call(
            Method::POST,
            "/api/users/{id}/client-credentials",
            &path,
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(again.body["clientId"], id.as_str());
    assert_eq!(srv.me(&via_post).await.status, 401);
    assert_eq!(raw(basic(&id, &secret)).await.status(), 401);

    // Only for service users; a member may not set them.
    let path = format!("/api/users/{}/client-credentials", owner.actor_id);
    let refused = srv
        .call(
            Method::POST,
            "/api/users/{id}/client-credentials",
            &path,
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(refused.status, 400);
    srv.shutdown().await;
}
