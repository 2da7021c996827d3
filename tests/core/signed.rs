//! Signed access tokens (issue 12, part 1) against a real database (SQLite file, or PostgreSQL
//! under `make test-postgres`): token exchange, the claims, scopes only narrowed, lifetime from
//! the policy and never past the parent, the parent's revocation refusing the JWT at once,
//! expiry by the authority's clock, rotation with the old key still published for an hour.

mod common;

use common::{person, req, session_of, Env, T0};
use tokendesk_core::clock::SECOND;

const MINUTE: i64 = 60 * SECOND;
use tokendesk_core::jwt::{self, AccessClaims};
use tokendesk_core::model::*;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::service::SignedVerification;
use tokendesk_core::{ErrorCode, Tokendesk};

const ISS: &str = "https://td.example.org";

fn exchange(td: &Tokendesk, token: &SecretString, req: ExchangeRequest) -> ExchangedToken {
    td.exchange_token(token, &req, ISS, None, Some("test"))
        .unwrap()
}

fn check(td: &Tokendesk, jwt: &str, aud: Option<&str>) -> SignedVerification {
    td.verify_signed_since(jwt, ISS, aud, td.arrival()).unwrap()
}

fn claims_of(td: &Tokendesk, jwt: &str) -> (std::sync::Arc<Verified>, AccessClaims) {
    match check(td, jwt, None) {
        SignedVerification::Active(v, c) => (v, *c),
        other => panic!("not active: {other:?}"),
    }
}

fn rejected(td: &Tokendesk, jwt: &str, aud: Option<&str>) -> RejectReason {
    match check(td, jwt, aud) {
        SignedVerification::Rejected(r) => r,
        other => panic!("active: {other:?}"),
    }
}

#[test]
fn an_exchange_signs_a_short_lived_token_with_the_claims_of_rfc_9068() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    assert!(
        td.jwks().unwrap().keys.is_empty(),
        "no key before the first exchange"
    );
    let parent = td.create_token(&owner, req("ci")).unwrap();
    let out = exchange(&td, &parent.token, ExchangeRequest::default());
    assert_eq!(out.token_type, "Bearer");
    assert_eq!(
        out.issued_token_type.as_deref(),
        Some(jwt::ACCESS_TOKEN_TYPE)
    );
    assert_eq!(out.expires_in, Some(5 * 60), "five minutes by default");
    assert_eq!(out.scope, None, "full access stays full access");
    let token = out.access_token.expose_secret().to_string();
    assert!(jwt::looks_like_jwt(&token));

    let (v, c) = claims_of(&td, &token);
    assert_eq!(v.token.id, parent.meta.id);
    assert_eq!(c.iss, ISS);
    assert_eq!(c.aud, ISS, "by default for this authority's own API");
    assert_eq!(c.sub, parent.meta.owner_id);
    assert_eq!(c.client_id, parent.meta.id);
    assert_eq!(c.parent, parent.meta.id);
    assert_eq!(c.iat, T0 / 1000);
    assert_eq!(c.exp, T0 / 1000 + 300);
    assert_eq!(c.act, None);
    let again = exchange(&td, &parent.token, ExchangeRequest::default());
    assert_ne!(
        claims_of(&td, again.access_token.expose_secret()).1.jti,
        c.jti
    );

    // The one key is published, under the token's kid.
    let set = td.jwks().unwrap();
    assert_eq!(set.keys.len(), 1);
    assert_eq!(
        Ok(set.keys[0].kid.clone()),
        jwt::kid_of(&token).map_err(|_| ())
    );
    assert_eq!(
        (set.keys[0].kty.as_str(), set.keys[0].crv.as_str()),
        ("OKP", "Ed25519")
    );

    // Each exchange counts as a use of the parent.
    td.flush_usage().unwrap();
    let meta = td.get_token(&owner, &parent.meta.id).unwrap();
    assert_eq!(meta.use_count, 2);
    assert_eq!(meta.last_used_at, Some(T0));

    // Audience and issuer are checked when asked for.
    assert!(matches!(
        check(&td, &token, Some(ISS)),
        SignedVerification::Active(..)
    ));
    assert_eq!(
        rejected(&td, &token, Some("https://other.example")),
        RejectReason::NotForUs
    );
    let elsewhere = td.verify_signed_since(&token, "https://elsewhere", None, td.arrival());
    assert_eq!(
        elsewhere.unwrap(),
        SignedVerification::Rejected(RejectReason::NotForUs)
    );
}

#[test]
fn scopes_only_narrow_and_the_jwt_acts_with_its_own() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let full = td.create_token(&owner, req("full")).unwrap();
    let narrow = exchange(
        &td,
        &full.token,
        ExchangeRequest {
            scope: Some(vec![Scope::TokensRead, Scope::TokensRead]),
            audience: Some("https://api.example.org".into()),
        },
    );
    assert_eq!(narrow.scope.as_deref(), Some("tokens:read"));
    let (v, c) = claims_of(&td, narrow.access_token.expose_secret());
    assert_eq!(c.aud, "https://api.example.org");
    assert_eq!(
        v.token.scopes,
        Some(vec![Scope::TokensRead]),
        "acts with the JWT's scopes"
    );

    // Introspect is never part of full access: it cannot be asked for.
    let e = td
        .exchange_token(
            &full.token,
            &ExchangeRequest {
                scope: Some(vec![Scope::Introspect]),
                audience: None,
            },
            ISS,
            None,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InsufficientScope);

    // A read-only token cannot widen itself.
    let read_only = td
        .create_token(
            &owner,
            CreateTokenRequest {
                scopes: Some(vec![Scope::UsersRead]),
                ..req("reader")
            },
        )
        .unwrap();
    let e = td
        .exchange_token(
            &read_only.token,
            &ExchangeRequest {
                scope: Some(vec![Scope::AuditRead]),
                audience: None,
            },
            ISS,
            None,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InsufficientScope);
    let same = exchange(&td, &read_only.token, ExchangeRequest::default());
    assert_eq!(same.scope.as_deref(), Some("users:read"));

    for bad in ["", " ", "a b", &"x".repeat(257)] {
        let e = td
            .exchange_token(
                &full.token,
                &ExchangeRequest {
                    scope: None,
                    audience: Some(bad.to_string()),
                },
                ISS,
                None,
                None,
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "audience {bad:?}");
    }
}

#[test]
fn the_lifetime_follows_the_policy_and_never_outlives_the_parent() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mut settings = td.settings(&owner).unwrap();
    settings.policy.signed_token_minutes = 61;
    let e = td.update_settings(&owner, settings.clone()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    settings.policy.signed_token_minutes = 60;
    td.update_settings(&owner, settings).unwrap();
    let parent = td.create_token(&owner, req("hourly")).unwrap();
    assert_eq!(
        exchange(&td, &parent.token, ExchangeRequest::default()).expires_in,
        Some(3600)
    );

    let soon = td
        .create_token(
            &owner,
            CreateTokenRequest {
                expiry: tokendesk_core::policy::ExpiryChoice::Custom {
                    at: T0 + 10 * MINUTE,
                },
                ..req("soon")
            },
        )
        .unwrap();
    let out = exchange(&td, &soon.token, ExchangeRequest::default());
    assert_eq!(out.expires_in, Some(600), "bounded by the parent's expiry");
    env.clock.set(T0 + 10 * MINUTE - 500);
    let last = exchange(&td, &soon.token, ExchangeRequest::default());
    assert_eq!(
        last.expires_in,
        Some(1),
        "whole seconds, as JWTs count them"
    );
    env.clock.set(T0 + 10 * MINUTE);
    let e = td
        .exchange_token(&soon.token, &ExchangeRequest::default(), ISS, None, None)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidToken, "nothing left to sign");
}

#[test]
fn revoking_the_parent_refuses_its_jwts_and_new_exchanges_at_once() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let parent = td.create_token(&owner, req("parent")).unwrap();
    let out = exchange(&td, &parent.token, ExchangeRequest::default());
    let token = out.access_token.expose_secret().to_string();
    claims_of(&td, &token);
    td.revoke_token(&owner, &parent.meta.id, Some("leaked"))
        .unwrap();
    assert_eq!(rejected(&td, &token, None), RejectReason::Revoked);
    let e = td
        .exchange_token(&parent.token, &ExchangeRequest::default(), ISS, None, None)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidToken);
    assert!(e.to_string().contains("revoked"), "{e}");
    let garbage = SecretString::from("tkd_nope".to_string());
    let e = td
        .exchange_token(&garbage, &ExchangeRequest::default(), ISS, None, None)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidToken);
}

#[test]
fn a_jwt_expires_by_the_authoritys_clock_and_impersonation_shows_the_actor() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let imp = td
        .create_impersonation_token(&owner, &mia.id, req("support"))
        .unwrap();
    let out = exchange(&td, &imp.token, ExchangeRequest::default());
    let token = out.access_token.expose_secret().to_string();
    let (v, c) = claims_of(&td, &token);
    assert_eq!(c.sub, mia.id);
    assert_eq!(c.act.map(|a| a.sub), Some(owner.actor_id.clone()));
    assert_eq!(v.user.id, mia.id);
    env.clock.advance(5 * MINUTE - SECOND);
    claims_of(&td, &token);
    env.clock.advance(SECOND);
    assert_eq!(rejected(&td, &token, None), RejectReason::Expired);
    let _ = session_of(&mia);
}

#[test]
fn rotation_signs_with_a_new_key_and_keeps_the_old_one_published_for_an_hour() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let e = td.rotate_signing_key(&session_of(&mia)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);

    let parent = td.create_token(&owner, req("p")).unwrap();
    let old = exchange(&td, &parent.token, ExchangeRequest::default());
    let old_kid = jwt::kid_of(old.access_token.expose_secret()).unwrap();
    env.clock.advance(MINUTE);
    let keys = td.rotate_signing_key(&owner).unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].current && !keys[1].current);
    assert_eq!(keys[1].kid, old_kid);
    assert_eq!(keys[1].retired_at, Some(T0 + MINUTE));
    assert_eq!(
        keys[1].published_until,
        Some(T0 + MINUTE + jwt::PUBLISHED_AFTER_RETIREMENT)
    );
    assert_eq!(
        td.signing_keys(&session_of(&mia)).unwrap(),
        keys,
        "anyone signed in may read them"
    );

    let new = exchange(&td, &parent.token, ExchangeRequest::default());
    let new_kid = jwt::kid_of(new.access_token.expose_secret()).unwrap();
    assert_eq!(new_kid, keys[0].kid);
    assert_ne!(new_kid, old_kid);
    // Both verify, each with its own key; both are published.
    claims_of(&td, old.access_token.expose_secret());
    claims_of(&td, new.access_token.expose_secret());
    let published: Vec<String> = td.jwks().unwrap().keys.into_iter().map(|k| k.kid).collect();
    assert_eq!(published, vec![new_kid.clone(), old_kid.clone()]);

    // An hour after the rotation the old key is gone, and so is anything it signed.
    env.clock.advance(jwt::PUBLISHED_AFTER_RETIREMENT);
    let published: Vec<String> = td.jwks().unwrap().keys.into_iter().map(|k| k.kid).collect();
    assert_eq!(published, vec![new_kid]);
    assert_eq!(
        rejected(&td, old.access_token.expose_secret(), None),
        RejectReason::BadSignature
    );

    // A second process on the same database (another server) signs with the same new key.
    let events = td.audit_events(None).unwrap();
    let rotated: Vec<_> = events
        .iter()
        .filter(|e| e.action == AuditAction::SigningKeyRotated)
        .collect();
    assert_eq!(rotated.len(), 2, "the first key and the rotation");
    assert!(rotated[1].details.contains(&old_kid));
    assert!(td.verify_audit_chain(&owner).unwrap().ok);
}

#[test]
fn every_process_with_the_authoritys_secret_signs_and_checks_with_the_same_keys() {
    let env = Env::new();
    let a = env.open();
    let owner = a.local_session();
    let parent = a.create_token(&owner, req("shared")).unwrap();
    let from_a = exchange(&a, &parent.token, ExchangeRequest::default());
    let b = env.open();
    claims_of(&b, from_a.access_token.expose_secret());
    let from_b = exchange(&b, &parent.token, ExchangeRequest::default());
    assert_eq!(
        jwt::kid_of(from_a.access_token.expose_secret()),
        jwt::kid_of(from_b.access_token.expose_secret())
    );
    // A rotation on one is used by the other at its next exchange.
    a.rotate_signing_key(&owner).unwrap();
    let after = exchange(&b, &parent.token, ExchangeRequest::default());
    assert_ne!(
        jwt::kid_of(after.access_token.expose_secret()),
        jwt::kid_of(from_b.access_token.expose_secret())
    );
    claims_of(&a, after.access_token.expose_secret());
}
