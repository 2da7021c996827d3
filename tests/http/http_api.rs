//! The HTTP API over real HTTP on 127.0.0.1 (random port): every endpoint, scopes, tenants,
//! credential exchange and its rate limit, the permission matrix, and concurrency with revoke.
//! Every JSON answer is checked against the committed OpenAPI document.

#[path = "../core/common.rs"]
mod common;
mod harness;
mod openapi_check;

use common::{person, req, req_for, Env, T0};
use harness::*;
use reqwest::header::AUTHORIZATION;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokendesk_core::clock::{DAY, SECOND};
use tokendesk_core::model::*;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_http::{openapi, serve, HttpConfig};

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = openapi::document();
    if std::env::var_os("TOKENDESK_WRITE_OPENAPI").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(
        generated == COMMITTED,
        "docs/openapi.json is stale: run `make openapi` and commit it"
    );
    let v: Value = serde_json::from_str(&generated).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/healthz",
        "/openapi.json",
        "/api/users/me",
        "/oauth/introspect",
        "/oauth/revoke",
        "/api/tokens",
        "/api/tokens/{id}",
        "/api/users/{id}/tokens",
        "/api/auth/token",
        "/api/users/{id}/active-tenant/{tenant_id}",
    ] {
        assert!(v["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn the_service_serves_its_openapi_document() {
    let srv = start().await;
    let resp = reqwest::get(format!("{}/openapi.json", srv.base))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.unwrap(), COMMITTED);
    srv.shutdown().await;
}

#[tokio::test]
async fn introspection_needs_the_introspect_scope_and_reports_rfc_7662_fields() {
    let srv = start().await;
    let owner = srv.owner();
    let full = srv.token_with(&owner, req("full"));
    let rs = srv.token_with(&owner, scoped("resource server", &[Scope::Introspect]));
    let subject = srv.token_with(&owner, scoped("reader", &[Scope::TokensRead]));
    let introspect = |caller: String, token: String| {
        let srv = &srv;
        async move {
            srv.call(
                Method::POST,
                "/oauth/introspect",
                "/oauth/introspect",
                Some(&caller),
                Body::Form(vec![
                    ("token", token),
                    ("token_type_hint", "access_token".into()),
                ]),
            )
            .await
        }
    };

    // A full-access token does not imply introspect.
    let r = introspect(full.clone(), subject.clone()).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.body["error"], "insufficient_scope");
    assert!(r.challenge.contains("error=\"insufficient_scope\""));

    let r = introspect(rs.clone(), subject.clone()).await;
    assert_eq!(r.status, 200, "{r:?}");
    let b = &r.body;
    assert_eq!(b["active"], true);
    assert_eq!(b["sub"], owner.actor_id.as_str());
    assert_eq!(b["scope"], "tokens:read");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["iat"], T0 / 1000);
    assert_eq!(b["exp"], (T0 + 30 * DAY) / 1000);
    assert!(b.get("act").is_none());
    assert!(
        !b.to_string().contains(&subject[4..]),
        "the token is not echoed"
    );

    // A full-access token has no `scope`; an impersonation token carries `act`.
    let mia = person(&srv.td, &owner, "Mia", "member");
    let imp = srv.td.start_impersonation(&owner, &mia.id).unwrap();
    let mias = srv.token_with(&imp, req("support"));
    let r = introspect(rs.clone(), mias).await;
    assert_eq!(r.body["sub"], mia.id.as_str());
    assert_eq!(r.body["act"]["sub"], owner.actor_id.as_str());
    assert_eq!(r.body["token_kind"], "impersonation");
    assert!(r.body.get("scope").is_none());

    // Anything not active is just {"active": false}.
    let revoked = srv.td.create_token(&owner, req("gone")).unwrap();
    srv.td.revoke_token(&owner, &revoked.meta.id, None).unwrap();
    for t in [
        revoked.token.expose_secret().to_string(),
        "tkd_unknown".into(),
        // The last character changed (to one it surely is not), so the checksum fails.
        format!(
            "{}{}",
            &full[..full.len() - 1],
            if full.ends_with('x') { 'y' } else { 'x' }
        ),
    ] {
        let r = introspect(rs.clone(), t).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, json!({ "active": false }));
    }

    // No token parameter: 400 invalid_request.
    let r = srv
        .call(
            Method::POST,
            "/oauth/introspect",
            "/oauth/introspect",
            Some(&rs),
            Body::Form(vec![("nothing", "here".into())]),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_request");
    srv.shutdown().await;
}

#[tokio::test]
async fn revocation_is_by_possession_and_answers_200_for_unknown_tokens() {
    let srv = start().await;
    let owner = srv.owner();
    let mia = person(&srv.td, &owner, "Mia", "member");
    let caller = srv.token_with(&owner, scoped("reader", &[Scope::TokensRead]));
    let mias = srv.td.create_token(&owner, req_for("mia's", &mia)).unwrap();
    let revoke = |t: String| {
        let (srv, caller) = (&srv, caller.clone());
        async move {
            srv.call(
                Method::POST,
                "/oauth/revoke",
                "/oauth/revoke",
                Some(&caller),
                Body::Form(vec![("token", t)]),
            )
            .await
        }
    };
    let plain = mias.token.expose_secret().to_string();
    assert_eq!(srv.me(&plain).await.status, 200);
    assert_eq!(revoke(plain.clone()).await.status, 200);
    assert_eq!(srv.me(&plain).await.status, 401, "revoked at once");
    let events = srv.td.audit_events(Some(&mias.meta.id)).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, "token.revoked");
    assert_eq!(last.actor_id, owner.actor_id);
    assert!(last.details.contains("by_possession"), "{}", last.details);
    // Unknown, malformed, already revoked: 200 and nothing changes.
    let before = srv.td.audit_events(None).unwrap().len();
    for t in [plain, "tkd_unknown".into(), "nonsense".into()] {
        assert_eq!(revoke(t).await.status, 200);
    }
    assert_eq!(srv.td.audit_events(None).unwrap().len(), before);
    // Without a token parameter: 400; without authentication: 401.
    let r = srv
        .call(
            Method::POST,
            "/oauth/revoke",
            "/oauth/revoke",
            Some(&caller),
            Body::Form(vec![]),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = srv
        .call(
            Method::POST,
            "/oauth/revoke",
            "/oauth/revoke",
            None,
            Body::Form(vec![("token", caller.clone())]),
        )
        .await;
    assert_eq!(r.status, 401);
    srv.shutdown().await;
}

#[tokio::test]
async fn tokens_can_be_listed_created_renamed_and_revoked_over_http() {
    let srv = start().await;
    let owner = srv.owner();
    let t = srv.token_with(&owner, req("admin key"));
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&t),
            Body::Json(create_body("ci")),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.body["meta"]["id"].as_str().unwrap().to_string();
    let plain = r.body["token"].as_str().unwrap().to_string();
    assert_eq!(srv.me(&plain).await.body["token"]["name"], "ci");
    let created = srv.td.audit_events(Some(&id)).unwrap();
    assert!(
        created[0].details.contains("via_token"),
        "the API token is on record"
    );

    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&t),
            Body::Json(create_body("CI")),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("name_taken"))
    );
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&t),
            Body::Json(
                json!({ "name": "", "expiry": { "kind": "preset", "preset": "seven_days" } }),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_name"))
    );
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&t),
            Body::Json(json!({ "nope": 1 })),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_input"))
    );

    let r = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens?sort=name&dir=asc&limit=1",
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["name"], "admin key");
    let cursor = r.body["nextCursor"].as_str().unwrap().to_string();
    let r = srv
        .call(
            Method::GET,
            "/api/tokens",
            &format!(
                "/api/tokens?sort=name&dir=asc&limit=1&cursor={}",
                urlencode(&cursor)
            ),
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(r.body["items"][0]["name"], "ci");
    let r = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens?limit=9999",
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(r.status, 400);

    let path = format!("/api/tokens/{id}");
    let r = srv
        .call(
            Method::PATCH,
            "/api/tokens/{id}",
            &path,
            Some(&t),
            Body::Json(json!({ "name": "ci deploy" })),
        )
        .await;
    assert_eq!(
        (r.status, r.body["name"].as_str()),
        (200, Some("ci deploy"))
    );
    let r = srv
        .call(Method::GET, "/api/tokens/{id}", &path, Some(&t), Body::None)
        .await;
    assert_eq!(r.body["name"], "ci deploy");
    let r = srv
        .call(
            Method::DELETE,
            "/api/tokens/{id}",
            &format!("{path}?reason=rotated"),
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("revoked"))
    );
    assert_eq!(r.body["revokeReason"], "rotated");
    assert_eq!(srv.me(&plain).await.status, 401);
    let r = srv
        .call(
            Method::DELETE,
            "/api/tokens/{id}",
            &path,
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("already_revoked"))
    );
    let r = srv
        .call(
            Method::GET,
            "/api/tokens/{id}",
            "/api/tokens/nope",
            Some(&t),
            Body::None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("not_found"))
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn impersonation_tokens_are_created_per_user_and_never_shown_to_their_subject() {
    let srv = start().await;
    let owner = srv.owner();
    let admin_user = person(&srv.td, &owner, "Ann", "admin");
    let mia = person(&srv.td, &owner, "Mia", "member");
    let admin = srv.token_with(&owner, req_for("ann's", &admin_user));
    let mias = srv.token_with(&owner, req_for("mia's", &mia));
    let path = format!("/api/users/{}/tokens", mia.id);
    let r = srv
        .call(
            Method::POST,
            "/api/users/{id}/tokens",
            &path,
            Some(&admin),
            Body::Json(create_body("support")),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["meta"]["kind"], "impersonation");
    assert_eq!(r.body["meta"]["ownerId"], mia.id.as_str());
    let imp_id = r.body["meta"]["id"].as_str().unwrap().to_string();
    let imp = r.body["token"].as_str().unwrap().to_string();
    let me = srv.me(&imp).await;
    assert_eq!(me.body["user"]["id"], mia.id.as_str());
    assert_eq!(me.body["act"]["sub"], admin_user.id.as_str());

    // Mia cannot see it, listed or by id, not even with the impersonation token itself.
    for t in [&mias, &imp] {
        let r = srv
            .call(
                Method::GET,
                "/api/tokens",
                "/api/tokens",
                Some(t),
                Body::None,
            )
            .await;
        let names: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["mia's"]);
        let r = srv
            .call(
                Method::GET,
                "/api/tokens/{id}",
                &format!("/api/tokens/{imp_id}"),
                Some(t),
                Body::None,
            )
            .await;
        assert_eq!(r.status, 404);
    }
    // A member cannot impersonate.
    let path = format!("/api/users/{}/tokens", admin_user.id);
    let r = srv
        .call(
            Method::POST,
            "/api/users/{id}/tokens",
            &path,
            Some(&mias),
            Body::Json(create_body("x")),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn scopes_limit_what_a_token_may_call() {
    let srv = start().await;
    let owner = srv.owner();
    let reader = srv.token_with(&owner, scoped("reader", &[Scope::TokensRead]));
    let auditor = srv.token_with(
        &owner,
        scoped("auditor", &[Scope::AuditRead, Scope::UsersRead]),
    );
    let get = |t: String, template: &'static str| {
        let srv = &srv;
        async move {
            srv.call(Method::GET, template, template, Some(&t), Body::None)
                .await
        }
    };
    assert_eq!(get(reader.clone(), "/api/tokens").await.status, 200);
    assert_eq!(get(reader.clone(), "/api/users/me").await.status, 200);
    for (t, template) in [
        (&reader, "/api/users"),
        (&reader, "/api/audit"),
        (&reader, "/api/tenants"),
        (&auditor, "/api/tokens"),
    ] {
        let r = get(t.clone(), template).await;
        assert_eq!(r.status, 403, "{template}");
        assert_eq!(r.body["error"], "insufficient_scope");
    }
    assert_eq!(get(auditor.clone(), "/api/audit").await.status, 200);
    assert_eq!(get(auditor.clone(), "/api/users").await.status, 200);
    // Read-only tokens change nothing.
    let id = srv.td.create_token(&owner, req("victim")).unwrap().meta.id;
    let path = format!("/api/tokens/{id}");
    for r in [
        srv.call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&reader),
            Body::Json(create_body("x")),
        )
        .await,
        srv.call(
            Method::PATCH,
            "/api/tokens/{id}",
            &path,
            Some(&reader),
            Body::Json(json!({"name": "y"})),
        )
        .await,
        srv.call(
            Method::DELETE,
            "/api/tokens/{id}",
            &path,
            Some(&reader),
            Body::None,
        )
        .await,
    ] {
        assert_eq!(r.status, 403, "{r:?}");
        assert_eq!(r.body["error"], "insufficient_scope");
    }
    assert_eq!(srv.td.get_token(&owner, &id).unwrap().name, "victim");

    // Scopes never exceed the creator's rights: a member holds neither users:read nor audit:read.
    let mia = person(&srv.td, &owner, "Mia", "member");
    let mias = srv.token_with(&owner, req_for("mia's", &mia));
    let body = json!({ "name": "peek", "expiry": { "kind": "preset", "preset": "seven_days" }, "scopes": ["users:read"] });
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&mias),
            Body::Json(body),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    // Nor does a token grant introspect, which a full-access token does not hold itself.
    let body = json!({ "name": "rs", "expiry": { "kind": "preset", "preset": "seven_days" }, "scopes": ["tokens:read", "introspect"] });
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&mias),
            Body::Json(body),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let body = json!({ "name": "ok", "expiry": { "kind": "preset", "preset": "seven_days" }, "scopes": ["tokens:read"] });
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&mias),
            Body::Json(body),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["meta"]["scopes"], json!(["tokens:read"]));
    let body = json!({ "name": "none", "expiry": { "kind": "preset", "preset": "seven_days" }, "scopes": [] });
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&mias),
            Body::Json(body),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let body = json!({ "name": "bad", "expiry": { "kind": "preset", "preset": "seven_days" }, "scopes": ["admin"] });
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&mias),
            Body::Json(body),
        )
        .await;
    assert_eq!(r.status, 400);
    srv.shutdown().await;
}

#[tokio::test]
async fn tenants_limit_tokens_and_the_active_tenant_can_be_switched() {
    let srv = start().await;
    let owner = srv.owner();
    let td = &srv.td;
    let acme = td.create_tenant(&owner, "Acme").unwrap();
    let globex = td.create_tenant(&owner, "Globex").unwrap();
    let ada = person(td, &owner, "Ada", "member");
    td.set_tenant_member(&owner, &acme.id, &ada.id, true)
        .unwrap();
    let ada = td
        .set_tenant_member(&owner, &globex.id, &ada.id, true)
        .unwrap();
    assert_eq!(
        ada.active_tenant_id.as_deref(),
        Some(acme.id.as_str()),
        "the first tenant is active"
    );
    let full = srv.token_with(&owner, req_for("ada all", &ada));
    let only_globex = srv.token_with(
        &owner,
        CreateTokenRequest {
            tenant_ids: Some(vec![globex.id.clone()]),
            ..req_for("ada globex", &ada)
        },
    );
    let me = srv.me(&full).await;
    assert_eq!(me.body["tenant"]["name"], "Acme");
    assert_eq!(me.body["tenants"].as_array().unwrap().len(), 2);
    let me = srv.me(&only_globex).await;
    assert_eq!(
        me.body["tenant"]["name"], "Globex",
        "the token's tenant, not the user's active one"
    );
    assert_eq!(me.body["tenants"].as_array().unwrap().len(), 1);

    let rs = srv.token_with(&owner, scoped("rs", &[Scope::Introspect]));
    let r = srv
        .call(
            Method::POST,
            "/oauth/introspect",
            "/oauth/introspect",
            Some(&rs),
            Body::Form(vec![("token", only_globex.clone())]),
        )
        .await;
    assert_eq!(r.body["tenant"], globex.id.as_str());
    assert_eq!(r.body["tenants"], json!([globex.id]));

    // An admin's token limited to Globex lists only Globex.
    let admin_user = person(td, &owner, "Ann", "admin");
    td.set_tenant_member(&owner, &globex.id, &admin_user.id, true)
        .unwrap();
    let admin_globex = srv.token_with(
        &owner,
        CreateTokenRequest {
            tenant_ids: Some(vec![globex.id.clone()]),
            ..req_for("ann globex", &admin_user)
        },
    );
    let admin_all = srv.token_with(&owner, req_for("ann all", &admin_user));
    let names = |r: &Resp| -> Vec<String> {
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = srv
        .call(
            Method::GET,
            "/api/tenants",
            "/api/tenants",
            Some(&admin_globex),
            Body::None,
        )
        .await;
    assert_eq!(names(&r), ["Globex"]);
    let r = srv
        .call(
            Method::GET,
            "/api/tenants",
            "/api/tenants",
            Some(&admin_all),
            Body::None,
        )
        .await;
    assert_eq!(names(&r), ["Acme", "Globex"]);

    // Switching: a token limited to Globex cannot switch to Acme; a full token can.
    let to = |t: &Tenant| format!("/api/users/{}/active-tenant/{}", ada.id, t.id);
    let template = "/api/users/{id}/active-tenant/{tenant_id}";
    let r = srv
        .call(Method::PUT, template, &to(&globex), Some(&full), Body::None)
        .await;
    assert_eq!(
        (r.status, r.body["activeTenantId"].as_str()),
        (200, Some(globex.id.as_str()))
    );
    assert_eq!(srv.me(&full).await.body["tenant"]["name"], "Globex");
    let r = srv
        .call(
            Method::PUT,
            template,
            &to(&acme),
            Some(&only_globex),
            Body::None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let stranger = td.create_tenant(&owner, "Initech").unwrap();
    let r = srv
        .call(
            Method::PUT,
            template,
            &to(&stranger),
            Some(&full),
            Body::None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("not_found"))
    );
    // Another user's active tenant: only for those who manage users.
    let mia = person(td, &owner, "Mia", "member");
    td.set_tenant_member(&owner, &acme.id, &mia.id, true)
        .unwrap();
    let path = format!("/api/users/{}/active-tenant/{}", mia.id, acme.id);
    let r = srv
        .call(Method::PUT, template, &path, Some(&full), Body::None)
        .await;
    assert_eq!(r.status, 403);

    // Restricting to a tenant the owner is not in is refused; leaving the only allowed tenant
    // suspends the token.
    let err = td
        .create_token(
            &owner,
            CreateTokenRequest {
                tenant_ids: Some(vec![stranger.id.clone()]),
                ..req_for("nope", &ada)
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), tokendesk_core::ErrorCode::NotFound);
    td.set_tenant_member(&owner, &globex.id, &ada.id, false)
        .unwrap();
    assert_eq!(srv.me(&only_globex).await.status, 401);
    assert_eq!(
        srv.me(&full).await.body["tenant"]["name"],
        "Acme",
        "active tenant moved back"
    );
    srv.shutdown().await;
}

fn creds(email: &str, pw: &str) -> Body {
    Body::Json(json!({ "email": email, "password": pw }))
}

#[tokio::test]
async fn credential_exchange_gives_new_tokens_that_end_with_the_password() {
    let srv = start().await;
    let owner = srv.owner();
    let ada = person(&srv.td, &owner, "Ada", "member");
    let ex = |b: Body| {
        let srv = &srv;
        async move {
            srv.call(Method::POST, "/api/auth/token", "/api/auth/token", None, b)
                .await
        }
    };
    let first = ex(creds("ADA@example.org", "Ada password")).await;
    assert_eq!(first.status, 201, "{first:?}");
    let second = ex(creds("ada@example.org", "Ada password")).await;
    assert_eq!(second.status, 201);
    let (t1, t2) = (
        first.body["token"].as_str().unwrap().to_string(),
        second.body["token"].as_str().unwrap().to_string(),
    );
    assert_ne!(t1, t2);
    for t in [&t1, &t2] {
        assert_eq!(srv.me(t).await.body["user"]["id"], ada.id.as_str());
    }
    let manual = srv.token_with(&owner, req_for("manual", &ada));

    // Wrong password and unknown email: the same answer.
    let wrong = ex(creds("ada@example.org", "not it")).await;
    let unknown = ex(creds("nobody@example.org", "Ada password")).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body["code"], "invalid_credentials");

    // A password change ends both exchanged tokens but not the manual one.
    srv.td
        .set_password(
            &owner,
            &ada.id,
            &SecretString::from("a new password".to_string()),
        )
        .unwrap();
    assert_eq!(srv.me(&t1).await.status, 401);
    assert_eq!(srv.me(&t2).await.status, 401);
    assert_eq!(srv.me(&manual).await.status, 200);

    // Disabling ends exchanged tokens for good; enabling brings back only the manual one.
    let t3 = ex(creds("ada@example.org", "a new password")).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(srv.me(&t3).await.status, 200);
    srv.td.set_user_active(&owner, &ada.id, false).unwrap();
    assert_eq!(srv.me(&t3).await.status, 401);
    assert_eq!(
        ex(creds("ada@example.org", "a new password")).await.status,
        401
    );
    srv.td.set_user_active(&owner, &ada.id, true).unwrap();
    assert_eq!(srv.me(&t3).await.status, 401);
    assert_eq!(srv.me(&manual).await.status, 200);
    // Removal too.
    let t4 = ex(creds("ada@example.org", "a new password")).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    srv.td.remove_user(&owner, &ada.id).unwrap();
    assert_eq!(srv.me(&t4).await.status, 401);
    srv.shutdown().await;
}

#[tokio::test]
async fn credential_exchange_is_rate_limited_per_account_and_per_address() {
    let srv = start().await;
    let owner = srv.owner();
    let _ada = person(&srv.td, &owner, "Ada", "member");
    let ex = |b: Body| {
        let srv = &srv;
        async move {
            srv.call(Method::POST, "/api/auth/token", "/api/auth/token", None, b)
                .await
        }
    };
    let free = tokendesk_core::service::SIGN_IN_FREE_ATTEMPTS;
    for _ in 0..free {
        assert_eq!(ex(creds("ada@example.org", "wrong")).await.status, 401);
    }
    // Now even the right password waits, with a growing delay in Retry-After.
    let r = ex(creds("ada@example.org", "Ada password")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(r.retry_after.as_deref(), Some("1"));
    srv.env.clock.advance(SECOND);
    assert_eq!(ex(creds("ada@example.org", "wrong")).await.status, 401);
    let r = ex(creds("ada@example.org", "Ada password")).await;
    assert_eq!(r.retry_after.as_deref(), Some("2"), "the delay doubles");
    srv.env.clock.advance(2 * SECOND);
    assert_eq!(
        ex(creds("ada@example.org", "Ada password")).await.status,
        201
    );

    // Per address: spraying many accounts from one address is limited too.
    let per_address = tokendesk_core::service::ADDRESS_FREE_ATTEMPTS;
    let mut limited = false;
    for i in 0..per_address + 1 {
        let r = ex(creds(&format!("user{i}@example.org"), "guess")).await;
        if r.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(r.status, 401);
    }
    assert!(
        limited,
        "the address is limited after {per_address} failures"
    );
    let r = ex(creds("fresh@example.org", "guess")).await;
    assert_eq!(
        r.status, 429,
        "a never-tried account from the same address waits too"
    );
    srv.shutdown().await;
}

/// Who may call what, through HTTP, with a full-access token of each role.
#[tokio::test]
async fn the_permission_matrix_holds_over_http() {
    let srv = start().await;
    let owner = srv.owner();
    let target = person(&srv.td, &owner, "Target", "member");
    let target_token = srv
        .td
        .create_token(&owner, req_for("target's", &target))
        .unwrap();
    let mut tokens = vec![("owner", srv.token_with(&owner, req("owner's")))];
    for role in ["admin", "member"] {
        let u = person(&srv.td, &owner, &format!("A {role}"), role);
        tokens.push((
            role,
            srv.token_with(&owner, req_for(&format!("{role}'s"), &u)),
        ));
    }
    let for_other = |role: &str| json!({ "name": format!("{role} for"), "expiry": { "kind": "preset", "preset": "seven_days" }, "forUser": target.id });
    let imp_path = format!("/api/users/{}/tokens", target.id);
    let other_path = format!("/api/tokens/{}", target_token.meta.id);
    // (role, [all list, users, audit, create own, create for other, impersonate, rename other's])
    let expected: [(&str, [u16; 7]); 3] = [
        ("owner", [200, 200, 200, 201, 201, 201, 200]),
        ("admin", [200, 200, 200, 201, 201, 201, 200]),
        ("member", [403, 403, 403, 201, 403, 403, 404]),
    ];
    for ((role, t), (erole, want)) in tokens.iter().zip(expected) {
        assert_eq!(*role, erole);
        let t = Some(t.as_str());
        let got = [
            srv.call(
                Method::GET,
                "/api/tokens",
                "/api/tokens?scope=all",
                t,
                Body::None,
            )
            .await
            .status,
            srv.call(Method::GET, "/api/users", "/api/users", t, Body::None)
                .await
                .status,
            srv.call(
                Method::GET,
                "/api/audit",
                "/api/audit?limit=5",
                t,
                Body::None,
            )
            .await
            .status,
            srv.call(
                Method::POST,
                "/api/tokens",
                "/api/tokens",
                t,
                Body::Json(create_body(&format!("{role} own"))),
            )
            .await
            .status,
            srv.call(
                Method::POST,
                "/api/tokens",
                "/api/tokens",
                t,
                Body::Json(for_other(role)),
            )
            .await
            .status,
            srv.call(
                Method::POST,
                "/api/users/{id}/tokens",
                &imp_path,
                t,
                Body::Json(create_body(&format!("{role} imp"))),
            )
            .await
            .status,
            srv.call(
                Method::PATCH,
                "/api/tokens/{id}",
                &other_path,
                t,
                Body::Json(json!({ "name": format!("renamed by {role}") })),
            )
            .await
            .status,
        ];
        assert_eq!(got, want, "{role}");
    }
    srv.shutdown().await;
}

#[tokio::test]
async fn oversized_headers_are_refused_with_431() {
    let srv = start().await;
    let t = srv.token_with(&srv.owner(), req("a"));
    let resp = http_client()
        .get(format!("{}/api/users/me", srv.base))
        .header(AUTHORIZATION, format!("Bearer {t}"))
        .header("x-padding", "p".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 431);
    srv.shutdown().await;
}

/// Verifications race a revoke: once the revoke has returned, no request started afterwards
/// may succeed (the verified-token cache must not outlive the commit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_verification_succeeds_after_a_revoke_has_committed() {
    let srv = Arc::new(start().await);
    let owner = srv.owner();
    for round in 0..5 {
        let created = srv
            .td
            .create_token(&owner, req(&format!("raced {round}")))
            .unwrap();
        let plain = created.token.expose_secret().to_string();
        let revoked = Arc::new(AtomicBool::new(false));
        let late_successes = Arc::new(AtomicUsize::new(0));
        let mut tasks = vec![];
        for _ in 0..4 {
            let (srv, plain, revoked, late) = (
                srv.clone(),
                plain.clone(),
                revoked.clone(),
                late_successes.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let client = http_client();
                let mut after = 0;
                // Bounded: at most 400 requests, and 20 after the revoke was seen.
                for _ in 0..400 {
                    let started_after = revoked.load(Ordering::SeqCst);
                    let status = client
                        .get(format!("{}/api/users/me", srv.base))
                        .header(AUTHORIZATION, format!("Bearer {plain}"))
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16();
                    if started_after {
                        if status == 200 {
                            late.fetch_add(1, Ordering::SeqCst);
                        }
                        assert_eq!(status, 401);
                        after += 1;
                        if after == 20 {
                            break;
                        }
                    }
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let (td, id, owner2) = (srv.td.clone(), created.meta.id.clone(), owner.clone());
        tokio::task::spawn_blocking(move || td.revoke_token(&owner2, &id, None).unwrap())
            .await
            .unwrap();
        revoked.store(true, Ordering::SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(late_successes.load(Ordering::SeqCst), 0, "round {round}");
    }
    let srv = Arc::into_inner(srv).expect("tasks are done");
    srv.shutdown().await;
}

/// The same against a revoke by another process (the CLI): the server's cache must see it —
/// on SQLite before the next answer; on PostgreSQL as soon as the change is announced, and
/// within the trust window (1 s) at the latest.
#[tokio::test]
async fn a_revoke_by_another_process_takes_effect_at_once() {
    let srv = start().await;
    let owner = srv.owner();
    let created = srv.td.create_token(&owner, req("shared")).unwrap();
    let plain = created.token.expose_secret().to_string();
    for _ in 0..3 {
        assert_eq!(srv.me(&plain).await.status, 200, "cached now");
    }
    // A second, independent opening of the same data directory stands for `tokendesk tokens revoke`.
    let cli = srv.env.open();
    cli.revoke_token(&cli.local_session(), &created.meta.id, None)
        .unwrap();
    drop(cli);
    let revoked = std::time::Instant::now();
    if common::on_postgres() {
        while srv.me(&plain).await.status == 200 {
            assert!(
                revoked.elapsed() < tokendesk_core::service::TRUST,
                "still accepted after the trust window"
            );
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    assert_eq!(srv.me(&plain).await.status, 401);
    srv.shutdown().await;
}

/// The desktop's embedded service: Settings turn it on and off, a busy port is reported, and
/// "Test it" calls it like any client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_service_follows_its_settings_and_test_it_calls_it() {
    use tokendesk_http::{test_token, Host};
    let env = Env::new();
    let td = Arc::new(env.open());
    let owner = td.local_session();
    let defaults = td.service_settings(&owner).unwrap();
    assert_eq!(
        (defaults.enabled, defaults.bind.as_str()),
        (false, "127.0.0.1:7878"),
        "off and loopback-only by default"
    );
    let on = ServiceSettings {
        enabled: true,
        bind: "127.0.0.1:0".into(),
        extra_schemes: vec![" SalureToken ".into(), "Bearer".into()],
    };
    let saved = td.update_service_settings(&owner, on).unwrap();
    assert_eq!(
        saved.extra_schemes,
        ["SalureToken"],
        "trimmed, Bearer implied"
    );
    let host = Host::default();
    let st = host.apply(&td, &saved);
    assert!(st.running && st.error.is_none(), "{st:?}");
    let url = st.url.clone().unwrap();

    let created = td.create_token(&owner, req("tested")).unwrap();
    let tested = test_token(&url, &created.token).await.unwrap();
    assert_eq!(tested.status, 200, "{tested:?}");
    assert!(
        tested.body.contains("\"name\": \"tested\""),
        "{}",
        tested.body
    );
    let resp = http_client()
        .get(format!("{url}/api/users/me"))
        .header(
            AUTHORIZATION,
            format!("SalureToken {}", created.token.expose_secret()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "the extra scheme is in effect");
    td.revoke_token(&owner, &created.meta.id, None).unwrap();
    let tested = test_token(&url, &created.token).await.unwrap();
    assert_eq!(tested.status, 401);
    assert!(tested.body.contains("invalid_token"));

    // A busy port: not running, the reason shown, the settings kept.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = ServiceSettings {
        bind: busy.local_addr().unwrap().to_string(),
        ..saved.clone()
    };
    let taken = td.update_service_settings(&owner, taken).unwrap();
    let st = {
        let (host, td) = (&host, &td);
        tokio::task::block_in_place(|| host.apply(td, &taken))
    };
    assert!(!st.running && st.url.is_none());
    assert!(
        st.error.as_deref().unwrap().contains("cannot listen"),
        "{st:?}"
    );
    assert!(
        reqwest::get(format!("{url}/healthz")).await.is_err(),
        "the old one stopped"
    );
    assert_eq!(td.service_settings(&owner).unwrap(), taken);

    // Off: nothing listens. Bad input and members are refused, nothing changes.
    let off = ServiceSettings {
        enabled: false,
        ..saved.clone()
    };
    let st = tokio::task::block_in_place(|| host.apply(&td, &off));
    assert!(!st.running && st.error.is_none());
    for bad in [
        ServiceSettings {
            bind: "localhost".into(),
            ..saved.clone()
        },
        ServiceSettings {
            extra_schemes: vec!["two words".into()],
            ..saved.clone()
        },
    ] {
        let e = td.update_service_settings(&owner, bad).unwrap_err();
        assert_eq!(e.code(), tokendesk_core::ErrorCode::InvalidInput);
    }
    let mia = person(&td, &owner, "Mia", "member");
    let e = td
        .update_service_settings(&common::session_of(&mia), saved.clone())
        .unwrap_err();
    assert_eq!(e.code(), tokendesk_core::ErrorCode::PermissionDenied);
    assert_eq!(td.service_settings(&owner).unwrap(), taken);
    let changes = td
        .audit_events(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "service.settings_changed")
        .count();
    assert_eq!(changes, 2, "each change audited once");
    host.shutdown();
}

/// A token never makes a token with more than it has: tenants, password binding, impersonation.
#[tokio::test]
async fn tokens_made_with_a_token_inherit_its_limits() {
    let srv = start().await;
    let owner = srv.owner();
    let td = &srv.td;
    let acme = td.create_tenant(&owner, "Acme").unwrap();
    let globex = td.create_tenant(&owner, "Globex").unwrap();
    let ada = person(td, &owner, "Ada", "member");
    td.set_tenant_member(&owner, &acme.id, &ada.id, true)
        .unwrap();
    td.set_tenant_member(&owner, &globex.id, &ada.id, true)
        .unwrap();
    let only_acme = srv.token_with(
        &owner,
        CreateTokenRequest {
            tenant_ids: Some(vec![acme.id.clone()]),
            ..req_for("acme only", &ada)
        },
    );
    let create = |t: String, body: Value| {
        let srv = &srv;
        async move {
            srv.call(
                Method::POST,
                "/api/tokens",
                "/api/tokens",
                Some(&t),
                Body::Json(body),
            )
            .await
        }
    };
    let r = create(only_acme.clone(), create_body("child")).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        r.body["meta"]["tenantIds"],
        json!([acme.id]),
        "limited like its parent"
    );
    let mut wider = create_body("wider");
    wider["tenantIds"] = json!([globex.id]);
    let r = create(only_acme.clone(), wider).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );

    // A child of a credential-exchange token ends with the same password.
    let ex = srv
        .call(
            Method::POST,
            "/api/auth/token",
            "/api/auth/token",
            None,
            creds("ada@example.org", "Ada password"),
        )
        .await;
    let exchanged = ex.body["token"].as_str().unwrap().to_string();
    let child = create(exchanged, create_body("from a sign-in")).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(srv.me(&child).await.status, 200);
    td.set_password(
        &owner,
        &ada.id,
        &SecretString::from("changed password".to_string()),
    )
    .unwrap();
    assert_eq!(srv.me(&child).await.status, 401);

    // An impersonation token cannot create tokens (they would look like the subject's own).
    let imp = td.start_impersonation(&owner, &ada.id).unwrap();
    let imp_token = srv.token_with(&imp, req("support"));
    let r = create(imp_token, create_body("laundered")).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    srv.shutdown().await;
}

/// Impersonation tokens act with their subject's rights, name the admin in the audit log, end
/// when the admin may no longer impersonate, and are never listed to their subject.
#[tokio::test]
async fn impersonation_tokens_depend_on_their_creator_and_stay_hidden_from_their_subject() {
    let srv = start().await;
    let owner = srv.owner();
    let td = &srv.td;
    let ann = person(td, &owner, "Ann", "admin");
    let ben = person(td, &owner, "Ben", "admin");
    let anns = srv.token_with(&owner, req_for("ann's", &ann));
    let bens = srv.token_with(&owner, req_for("ben's", &ben));
    // Ann makes an impersonation token for Ben (an admin too).
    let path = format!("/api/users/{}/tokens", ben.id);
    let r = srv
        .call(
            Method::POST,
            "/api/users/{id}/tokens",
            &path,
            Some(&anns),
            Body::Json(create_body("for ben")),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let imp = r.body["token"].as_str().unwrap().to_string();
    let imp_id = r.body["meta"]["id"].as_str().unwrap().to_string();
    // Ben lists everyone's tokens: not the one made for him.
    let r = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens?scope=all&limit=200",
            Some(&bens),
            Body::None,
        )
        .await;
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&imp_id.as_str()), "{ids:?}");
    // Used by the admin, as Ben: the audit names both.
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&imp),
            Body::Json(create_body("x")),
        )
        .await;
    assert_eq!(r.status, 403, "an impersonation token creates nothing");
    let r = srv
        .call(
            Method::PUT,
            "/api/users/{id}/active-tenant/{tenant_id}",
            &format!("/api/users/{}/active-tenant/nope", ben.id),
            Some(&imp),
            Body::None,
        )
        .await;
    assert_eq!(r.status, 404);
    // What the impersonation token does is audited as Ben, with Ann as `act`.
    let victim = td.create_token(&owner, req_for("ben's old", &ben)).unwrap();
    let r = srv
        .call(
            Method::POST,
            "/oauth/revoke",
            "/oauth/revoke",
            Some(&imp),
            Body::Form(vec![("token", victim.token.expose_secret().to_string())]),
        )
        .await;
    assert_eq!(r.status, 200);
    let event = td
        .audit_events(Some(&victim.meta.id))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (event.action.as_str(), event.actor_id.as_str()),
        ("token.revoked", ben.id.as_str())
    );
    let details: Value = serde_json::from_str(&event.details).unwrap();
    assert_eq!(details["act"], ann.id.as_str());
    assert_eq!(details["via_token"], imp_id.as_str());
    // Ann loses impersonate: the token stops at once.
    assert_eq!(srv.me(&imp).await.status, 200);
    td.update_user(
        &owner,
        &ann.id,
        UserUpdate {
            role: Some("member".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(srv.me(&imp).await.status, 401);
    srv.shutdown().await;
}

/// A role without API access holds no working tokens.
#[tokio::test]
async fn tokens_stop_when_the_role_loses_api_access() {
    let srv = start().await;
    let owner = srv.owner();
    let mia = person(&srv.td, &owner, "Mia", "member");
    let t = srv.token_with(&owner, req_for("mia's", &mia));
    assert_eq!(srv.me(&t).await.status, 200);
    srv.td
        .update_user(
            &owner,
            &mia.id,
            UserUpdate {
                role: Some("no_api".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(srv.me(&t).await.status, 401);
    srv.shutdown().await;
}

/// Failed attempts sent all at once are counted before their (slow) password checks, so a
/// burst gets no more tries than a sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_credential_guesses_is_limited_like_a_sequence() {
    let srv = Arc::new(start().await);
    let owner = srv.owner();
    let _ada = person(&srv.td, &owner, "Ada", "member");
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let srv = srv.clone();
            tokio::spawn(async move {
                http_client()
                    .post(format!("{}/api/auth/token", srv.base))
                    .header("content-type", "application/json")
                    .body(json!({ "email": "ada@example.org", "password": "guess" }).to_string())
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            401 => checked += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        checked <= tokendesk_core::service::SIGN_IN_FREE_ATTEMPTS as usize,
        "{checked} guesses were checked"
    );
    let srv = Arc::into_inner(srv).unwrap();
    srv.shutdown().await;
}

/// A client that connects and never finishes its headers is closed by the header timeout, and
/// does not hold a shutdown open.
#[tokio::test]
async fn a_silent_client_is_disconnected_and_does_not_block_shutdown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = Env::new();
    let td = Arc::new(env.open());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let cfg = HttpConfig {
        request_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let server = tokio::spawn(serve(td, cfg, listener, async {
        let _ = rx.await;
    }));
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the server closed the connection by itself");
    // Another one stays silent while the server stops: the stop still completes.
    let _silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let _ = tx.send(());
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
    assert!(
        stopped.is_ok(),
        "shutdown finished despite the silent client"
    );
}

/// What the API fuzzer found (issue 9), each answered as the document says: `call` checks
/// every answer's status and body against the committed document.
#[tokio::test]
async fn the_fuzzers_findings_are_answered_as_documented() {
    let srv = start().await;
    let owner = srv.owner();
    let t = srv.token_with(&owner, req("caller"));
    let me = srv.td.session_info(&owner).unwrap().actor.id;
    let target = srv.td.create_token(&owner, req("target")).unwrap().meta.id;
    let expiry = |e: Value| json!({"name": "x", "expiry": e});
    // (method, documented path, path sent, body, status, code)
    type Case<'a> = (Method, &'a str, String, Body, u16, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(
                json!({"name": "f", "forUser": "nobody", "expiry": {"kind": "preset", "preset": "seven_days"}}),
            ),
            404,
            Some("not_found"),
        ),
        (
            Method::DELETE,
            "/api/tokens/{id}",
            format!("/api/tokens/{target}?reason=%E2%80%AE"),
            Body::None,
            400,
            Some("invalid_input"),
        ),
        (
            Method::GET,
            "/api/tokens",
            "/api/tokens?unusedForDays=2147483648".into(),
            Body::None,
            400,
            Some("invalid_input"),
        ),
        (
            Method::GET,
            "/api/tokens",
            "/api/tokens?unusedForDays=36501".into(),
            Body::None,
            400,
            Some("invalid_input"),
        ),
        (
            Method::GET,
            "/api/tokens",
            "/api/tokens?unusedForDays=36500".into(),
            Body::None,
            200,
            None,
        ),
        (
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(json!({"name": "", "expiry": {"kind": "preset", "preset": "seven_days"}})),
            400,
            Some("invalid_name"),
        ),
        (
            Method::PATCH,
            "/api/tokens/{id}",
            format!("/api/tokens/{target}"),
            Body::Json(json!({"name": ""})),
            400,
            Some("invalid_name"),
        ),
        (
            Method::GET,
            "/api/audit",
            "/api/audit?limit=2147483646".into(),
            Body::None,
            400,
            Some("invalid_input"),
        ),
        (
            Method::GET,
            "/api/audit",
            "/api/audit?limit=500".into(),
            Body::None,
            200,
            None,
        ),
        (
            Method::GET,
            "/api/tokens",
            "/api/tokens?cursor=".into(),
            Body::None,
            200,
            None,
        ),
        (
            Method::POST,
            "/oauth/revoke",
            "/oauth/revoke".into(),
            Body::Form(vec![("token", String::new())]),
            200,
            None,
        ),
        // A time in the past conflicts with the clock: 409, whatever the number's spelling.
        (
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(expiry(json!({"kind": "custom", "at": 0}))),
            409,
            Some("invalid_expiry"),
        ),
        (
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(expiry(json!({"kind": "custom", "at": 61801.0}))),
            409,
            Some("invalid_expiry"),
        ),
        (
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(expiry(json!({"kind": "custom", "at": 61801.5}))),
            400,
            Some("invalid_input"),
        ),
        (
            Method::POST,
            "/api/users/{id}/tokens",
            format!("/api/users/{me}/tokens"),
            Body::Json(
                json!({"name": "self", "expiry": {"kind": "preset", "preset": "seven_days"}}),
            ),
            403,
            Some("permission_denied"),
        ),
    ];
    for (method, template, path, body, status, code) in cases {
        let r = srv
            .call(method.clone(), template, &path, Some(&t), body)
            .await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        assert_eq!(r.body["code"].as_str(), code, "{method} {path}: {}", r.body);
    }
    // A custom expiry of an integer spelled as a float is that integer.
    let at = (T0 + 86_400_000) as f64;
    let r = srv
        .call(
            Method::POST,
            "/api/tokens",
            "/api/tokens",
            Some(&t),
            Body::Json(expiry(json!({"kind": "custom", "at": at}))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["meta"]["expiresAt"], json!(T0 + 86_400_000));
    // An empty token introspects as not active (with a caller that may introspect).
    let mut r = req("introspector");
    r.scopes = Some(vec![Scope::Introspect]);
    let introspector = srv.token_with(&owner, r);
    let r = srv
        .call(
            Method::POST,
            "/oauth/introspect",
            "/oauth/introspect",
            Some(&introspector),
            Body::Form(vec![("token", String::new())]),
        )
        .await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"active": false})));
    srv.shutdown().await;
}

/// Everything the desktop app does, over HTTP as a client of a server: the session, users,
/// roles, settings, tenants, the audit chain, token usage and impersonation with
/// `Tokendesk-Act-As`; a member gets only what their role allows.
#[tokio::test]
async fn the_desktop_operations_work_over_http_with_the_same_rules() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("owner session"));
    let call = |m: Method, template: &'static str, path: String, token: &str, body: Body| {
        let srv = &srv;
        let token = token.to_string();
        async move { srv.call(m, template, &path, Some(&token), body).await }
    };
    let ok = |r: Resp, status: u16| {
        assert_eq!(r.status, status, "{r:?}");
        r.body
    };

    let me = ok(
        call(
            Method::GET,
            "/api/session",
            "/api/session".into(),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(me["user"]["role"], "owner");
    assert_eq!(me["session"]["impersonating"], false);
    assert_eq!(
        me["dataDir"], "",
        "a client is not told where the server keeps its data"
    );

    // Users.
    let mia = ok(
        call(
            Method::POST,
            "/api/users",
            "/api/users".into(),
            &admin,
            Body::Json(json!({
                "displayName": "Mia", "email": "mia@example.org", "kind": "human", "role": "member",
                "password": "Mia's first password"
            })),
        )
        .await,
        201,
    );
    let mia_id = mia["id"].as_str().unwrap().to_string();
    let dup = call(
        Method::POST,
        "/api/users",
        "/api/users".into(),
        &admin,
        Body::Json(json!({
            "displayName": "Mia 2", "email": "MIA@example.org", "kind": "human", "role": "member"
        })),
    )
    .await;
    assert_eq!(dup.status, 409, "{dup:?}");
    let renamed = ok(
        call(
            Method::PATCH,
            "/api/users/{id}",
            format!("/api/users/{mia_id}"),
            &admin,
            Body::Json(json!({ "displayName": "Mia M" })),
        )
        .await,
        200,
    );
    assert_eq!(renamed["displayName"], "Mia M");

    // Roles and settings.
    let roles = ok(
        call(
            Method::GET,
            "/api/roles",
            "/api/roles".into(),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    let member = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "member")
        .unwrap()
        .clone();
    let mut perms = member["permissions"].clone();
    perms["viewAudit"] = json!(true);
    let changed = ok(
        call(
            Method::PUT,
            "/api/roles/{id}/permissions",
            "/api/roles/member/permissions".into(),
            &admin,
            Body::Json(perms),
        )
        .await,
        200,
    );
    assert_eq!(changed["permissions"]["viewAudit"], true);
    let owner_role = call(
        Method::PUT,
        "/api/roles/{id}/permissions",
        "/api/roles/owner/permissions".into(),
        &admin,
        Body::Json(member["permissions"].clone()),
    )
    .await;
    assert_eq!(owner_role.status, 409, "{owner_role:?}");
    let mut settings = ok(
        call(
            Method::GET,
            "/api/settings",
            "/api/settings".into(),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    settings["authorityName"] = json!("Team authority");
    let saved = ok(
        call(
            Method::PUT,
            "/api/settings",
            "/api/settings".into(),
            &admin,
            Body::Json(settings),
        )
        .await,
        200,
    );
    assert_eq!(saved["authorityName"], "Team authority");

    // Tenants.
    let blue = ok(
        call(
            Method::POST,
            "/api/tenants",
            "/api/tenants".into(),
            &admin,
            Body::Json(json!({ "name": "Blue" })),
        )
        .await,
        201,
    );
    let blue_id = blue["id"].as_str().unwrap().to_string();
    ok(
        call(
            Method::PATCH,
            "/api/tenants/{id}",
            format!("/api/tenants/{blue_id}"),
            &admin,
            Body::Json(json!({ "name": "Navy" })),
        )
        .await,
        200,
    );
    let joined = ok(
        call(
            Method::PUT,
            "/api/tenants/{id}/members/{user_id}",
            format!("/api/tenants/{blue_id}/members/{mia_id}"),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    assert!(joined["tenantIds"]
        .as_array()
        .unwrap()
        .contains(&json!(blue_id)));

    // The member signs in and sees only what the role allows.
    let signed_in = srv
        .call(
            Method::POST,
            "/api/auth/token",
            "/api/auth/token",
            None,
            creds("mia@example.org", "Mia's first password"),
        )
        .await;
    let mia_token = ok(signed_in, 201)["token"].as_str().unwrap().to_string();
    let hers = ok(
        call(
            Method::GET,
            "/api/session",
            "/api/session".into(),
            &mia_token,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(hers["user"]["id"], mia_id.as_str());
    assert_eq!(hers["session"]["permissions"]["manageUsers"], false);
    for (m, t, p, body) in [
        (
            Method::PUT,
            "/api/roles/{id}/permissions",
            "/api/roles/member/permissions".to_string(),
            Body::Json(perms_all_true()),
        ),
        (
            Method::POST,
            "/api/tenants",
            "/api/tenants".to_string(),
            Body::Json(json!({ "name": "Red" })),
        ),
    ] {
        assert_eq!(call(m, t, p, &mia_token, body).await.status, 403);
    }
    let forbidden = call(
        Method::PATCH,
        "/api/users/{id}",
        format!("/api/users/{}", owner.actor_id),
        &mia_token,
        Body::Json(json!({ "displayName": "Mine now" })),
    )
    .await;
    assert_eq!(forbidden.status, 403, "{forbidden:?}");
    let acting = srv
        .call_as(
            Method::GET,
            "/api/tokens",
            "/api/tokens",
            Some(&mia_token),
            Some(&owner.actor_id),
            Body::None,
        )
        .await;
    assert_eq!(
        acting.status, 403,
        "a member cannot act as anyone: {acting:?}"
    );
    let chain = ok(
        call(
            Method::GET,
            "/api/audit/verify",
            "/api/audit/verify".into(),
            &mia_token,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(chain["ok"], true, "viewAudit was granted to members above");
    let own = ok(
        call(
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            &mia_token,
            Body::Json(create_body("mia's")),
        )
        .await,
        201,
    );
    let own_id = own["meta"]["id"].as_str().unwrap().to_string();
    srv.me(own["token"].as_str().unwrap()).await;
    srv.td.flush_usage().unwrap();
    let usage = ok(
        call(
            Method::GET,
            "/api/tokens/{id}/usage",
            format!("/api/tokens/{own_id}/usage?days=7"),
            &mia_token,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(usage["days"].as_array().unwrap().len(), 7);
    assert_eq!(usage["token"]["useCount"], 1);

    // The owner impersonates the member: the header carries it; core checks it on each call.
    let unknown = srv
        .call_as(
            Method::GET,
            "/api/session",
            "/api/session",
            Some(&admin),
            Some("no-such-user"),
            Body::None,
        )
        .await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    let started = ok(
        call(
            Method::POST,
            "/api/impersonation",
            "/api/impersonation".into(),
            &admin,
            Body::Json(json!({ "userId": mia_id })),
        )
        .await,
        200,
    );
    assert_eq!(started["user"]["id"], mia_id.as_str());
    assert_eq!(started["session"]["impersonating"], true);
    let as_mia = |m: Method, t: &'static str, p: String, body: Body| {
        let (srv, admin, mia_id) = (&srv, admin.clone(), mia_id.clone());
        async move {
            srv.call_as(m, t, &p, Some(&admin), Some(&mia_id), body)
                .await
        }
    };
    let view = ok(
        as_mia(
            Method::GET,
            "/api/session",
            "/api/session".into(),
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(view["session"]["impersonating"], true);
    let listed = ok(
        as_mia(Method::GET, "/api/tokens", "/api/tokens".into(), Body::None).await,
        200,
    );
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == own_id.as_str()));
    let made = ok(
        as_mia(
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(create_body("made for mia")),
        )
        .await,
        201,
    );
    assert_eq!(made["meta"]["kind"], "impersonation");
    assert_eq!(made["meta"]["ownerId"], mia_id.as_str());
    let stopped = ok(
        as_mia(
            Method::DELETE,
            "/api/impersonation",
            "/api/impersonation".into(),
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(stopped["user"]["role"], "owner");
    let theirs = ok(
        call(
            Method::GET,
            "/api/tokens",
            "/api/tokens".into(),
            &mia_token,
            Body::None,
        )
        .await,
        200,
    );
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["kind"] != "impersonation"),
        "the member never sees a token made by impersonating them: {theirs}"
    );
    let audit = srv.td.audit_events(Some(&mia_id)).unwrap();
    let actions: Vec<_> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"impersonation.started") && actions.contains(&"impersonation.stopped"),
        "{actions:?}"
    );

    // Passwords: the member's own change ends her sign-in token; an admin's reset ends the next.
    let wrong = call(
        Method::PUT,
        "/api/users/me/password",
        "/api/users/me/password".into(),
        &mia_token,
        Body::Json(json!({ "current": "not it", "new": "Mia's second password" })),
    )
    .await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let changed = call(
        Method::PUT,
        "/api/users/me/password",
        "/api/users/me/password".into(),
        &mia_token,
        Body::Json(json!({ "current": "Mia's first password", "new": "Mia's second password" })),
    )
    .await;
    assert_eq!(changed.status, 204, "{changed:?}");
    assert_eq!(srv.me(&mia_token).await.status, 401);
    let again = srv
        .call(
            Method::POST,
            "/api/auth/token",
            "/api/auth/token",
            None,
            creds("mia@example.org", "Mia's second password"),
        )
        .await;
    let second = ok(again, 201)["token"].as_str().unwrap().to_string();
    ok(
        call(
            Method::PUT,
            "/api/users/{id}/password",
            format!("/api/users/{mia_id}/password"),
            &admin,
            Body::Json(json!({ "password": "Mia's third password" })),
        )
        .await,
        200,
    );
    assert_eq!(srv.me(&second).await.status, 401);

    // Disable, then remove; leaving the tenant first.
    ok(
        call(
            Method::DELETE,
            "/api/tenants/{id}/members/{user_id}",
            format!("/api/tenants/{blue_id}/members/{mia_id}"),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    let off = ok(
        call(
            Method::PUT,
            "/api/users/{id}/active",
            format!("/api/users/{mia_id}/active"),
            &admin,
            Body::Json(json!({ "active": false })),
        )
        .await,
        200,
    );
    assert_eq!(off["status"], "disabled");
    let gone = ok(
        call(
            Method::DELETE,
            "/api/users/{id}",
            format!("/api/users/{mia_id}"),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(gone["status"], "removed");
    let chain = ok(
        call(
            Method::GET,
            "/api/audit/verify",
            "/api/audit/verify".into(),
            &admin,
            Body::None,
        )
        .await,
        200,
    );
    assert_eq!(chain["ok"], true);
    srv.shutdown().await;
}

fn perms_all_true() -> Value {
    json!({
        "apiAccess": true, "createTokensForOthers": true, "impersonate": true,
        "manageUsers": true, "manageSettings": true, "viewAudit": true
    })
}

/// Rotation over REST: the successor answered once (201), both tokens working during the
/// grace, the old one refused after it, a second rotation of it refused (409), bad grace 400.
#[tokio::test]
async fn rotation_keeps_the_old_token_working_for_its_grace_only() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("admin"));
    let old = srv.td.create_token(&owner, req("deploy")).unwrap();
    let path = format!("/api/tokens/{}/rotate", old.meta.id);
    let rotate = |grace: Value| {
        srv.call(
            Method::POST,
            "/api/tokens/{id}/rotate",
            &path,
            Some(&admin),
            Body::Json(json!({ "grace": grace })),
        )
    };
    assert_eq!(rotate(json!("two_weeks")).await.status, 400);
    let r = rotate(json!("one_hour")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["meta"]["name"], "deploy");
    assert_eq!(r.body["meta"]["rotatedFrom"], old.meta.id.as_str());
    let new = r.body["token"].as_str().unwrap().to_string();
    let old_plain = old.token.expose_secret();
    assert_eq!(srv.me(old_plain).await.status, 200);
    assert_eq!(srv.me(&new).await.status, 200);
    let detail = srv
        .call(
            Method::GET,
            "/api/tokens/{id}",
            &format!("/api/tokens/{}", old.meta.id),
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(detail.body["rotatedTo"], r.body["meta"]["id"]);
    srv.env.clock.advance(3600 * SECOND);
    let late = srv.me(old_plain).await;
    assert_eq!(late.status, 401);
    assert!(late.body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(srv.me(&new).await.status, 200);
    let again = rotate(json!("none")).await;
    assert_eq!(again.status, 409);
    srv.shutdown().await;
}

/// Bulk revoke over REST: a dry run lists and changes nothing, the real run revokes exactly
/// those (their tokens answer 401 at once); both ids and a filter is a 400.
#[tokio::test]
async fn bulk_revoke_dry_runs_then_revokes_what_the_filter_matches() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("admin"));
    let mia = person(&srv.td, &owner, "Mia", "member");
    let mias: Vec<String> = (0..3)
        .map(|i| srv.token_with(&owner, req_for(&format!("mia {i}"), &mia)))
        .collect();
    let bulk = |body: Value| {
        srv.call(
            Method::POST,
            "/api/tokens/bulk-revoke",
            "/api/tokens/bulk-revoke",
            Some(&admin),
            Body::Json(body),
        )
    };
    let filter = json!({ "scope": "all", "ownerId": mia.id });
    let dry = bulk(json!({ "filter": filter, "dryRun": true })).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.body["count"], 3);
    assert_eq!(dry.body["dryRun"], true);
    assert_eq!(
        srv.me(&mias[0]).await.status,
        200,
        "a dry run changes nothing"
    );
    let done = bulk(json!({ "filter": filter, "reason": "left the team" })).await;
    assert_eq!(done.body["count"], 3);
    assert_eq!(done.body["tokens"][0]["status"], "revoked");
    for t in &mias {
        assert_eq!(srv.me(t).await.status, 401);
    }
    assert_eq!(srv.me(&admin).await.status, 200);
    let both = bulk(json!({ "ids": ["x"], "filter": filter })).await;
    assert_eq!(both.status, 400);
    let again = bulk(json!({ "filter": filter })).await;
    assert_eq!(again.body["count"], 0, "revoked ones are not revoked twice");
    srv.shutdown().await;
}

/// Expiry alerts over REST (the desktop as a client of a server): claimed once per threshold,
/// a member hears of their own tokens only, and every list answer carries the counts and the
/// cursor back.
#[tokio::test]
async fn expiry_alerts_and_list_counts_over_rest() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, req("admin"));
    let mia = person(&srv.td, &owner, "Mia", "member");
    let mias = srv.token_with(&owner, req_for("mia's", &mia));
    srv.env.clock.advance(24 * DAY);
    let claim = |t: &str| {
        let t = t.to_string();
        let srv = &srv;
        async move {
            srv.call(
                Method::POST,
                "/api/alerts/claim",
                "/api/alerts/claim",
                Some(&t),
                Body::None,
            )
            .await
        }
    };
    let first = claim(&admin).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let names: Vec<&str> = first.body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["token"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "mia's"]);
    assert_eq!(first.body["alerts"][0]["days"], 7);
    assert_eq!(first.body["expiringSoon"], json!({ "n": 2, "more": false }));
    assert_eq!(
        first.body["settings"],
        json!({ "firstDays": 7, "lastDays": 1 })
    );
    assert_eq!(claim(&admin).await.body["alerts"], json!([]));
    let own = claim(&mias).await;
    assert_eq!(own.body["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["alerts"][0]["token"]["name"], "mia's");
    assert_eq!(own.body["expiringSoon"]["n"], 1);

    let list = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens?scope=all&sort=name&dir=asc&limit=1&last=true",
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["items"][0]["name"], "mia's");
    assert_eq!(list.body["total"], json!({ "n": 2, "more": false }));
    assert!(list.body["nextCursor"].is_null());
    let before = list.body["prevCursor"].as_str().unwrap();
    let back = srv
        .call(
            Method::GET,
            "/api/tokens",
            &format!(
                "/api/tokens?scope=all&sort=name&dir=asc&limit=1&before={}",
                urlencode(before)
            ),
            Some(&admin),
            Body::None,
        )
        .await;
    assert_eq!(back.body["items"][0]["name"], "admin");
    srv.shutdown().await;
}

/// Webhooks end to end: an owner configures an endpoint over REST (others may not), a token
/// made over REST reaches a real receiver signed (Standard Webhooks headers), a 503 is retried
/// 5 s later with the same id, and the delivery log says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_configured_by_owners_delivered_signed_retried_and_logged() {
    let srv = start_with(HttpConfig {
        deliver_webhooks: true,
        ..HttpConfig::default()
    })
    .await;
    let owner = srv.owner();
    let owners = srv.token_with(&owner, req("owner's"));
    let ada = person(&srv.td, &owner, "Ada", "admin");
    let adas = srv.token_with(&owner, req_for("ada's", &ada));
    let rx = receiver(&[503]).await;
    let body =
        json!({ "url": rx.url, "description": "CI", "events": ["token.created", "token.revoked"] });
    let call = |method: Method, template: &'static str, path: String, token: String, b: Body| {
        let srv = &srv;
        async move { srv.call(method, template, &path, Some(&token), b).await }
    };
    let denied = call(
        Method::POST,
        "/api/webhooks",
        "/api/webhooks".into(),
        adas.clone(),
        Body::Json(body.clone()),
    )
    .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    let plain_http = json!({ "url": "http://hooks.example.com/x", "events": ["token.created"] });
    let bad = call(
        Method::POST,
        "/api/webhooks",
        "/api/webhooks".into(),
        owners.clone(),
        Body::Json(plain_http),
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let made = call(
        Method::POST,
        "/api/webhooks",
        "/api/webhooks".into(),
        owners.clone(),
        Body::Json(body),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let secret = made.body["secret"].as_str().unwrap().to_string();
    let id = made.body["endpoint"]["id"].as_str().unwrap().to_string();
    let listed = call(
        Method::GET,
        "/api/webhooks",
        "/api/webhooks".into(),
        owners.clone(),
        Body::None,
    )
    .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert!(!listed.body.to_string().contains(&secret), "shown once");

    let created = call(
        Method::POST,
        "/api/tokens",
        "/api/tokens".into(),
        owners.clone(),
        Body::Json(create_body("deploy")),
    )
    .await;
    assert_eq!(created.status, 201);
    let token = created.body["token"].as_str().unwrap().to_string();
    let first = rx.wait_for(1).await;
    let r = &first[0];
    assert!(signed_with(r, &secret), "{r:?}");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        r.headers["webhook-timestamp"],
        (srv.td.now() / 1000).to_string()
    );
    let payload: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(payload["type"], "token.created");
    assert_eq!(payload["data"]["name"], "deploy");
    assert!(!r.body.contains(&token) && !r.body.contains(&token[4..]));
    // The 503 is retried after 5 s (by the authority's clock), under the same id.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(rx.count(), 1, "not before its time");
    srv.env.clock.advance(5 * SECOND);
    let both = rx.wait_for(2).await;
    assert_eq!(both[1].headers["webhook-id"], r.headers["webhook-id"]);
    assert!(signed_with(&both[1], &secret));
    let path = format!("/api/webhooks/{id}/deliveries");
    let mut log = Value::Null;
    for _ in 0..100 {
        log = call(
            Method::GET,
            "/api/webhooks/{id}/deliveries",
            path.clone(),
            owners.clone(),
            Body::None,
        )
        .await
        .body;
        if log[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(log[0]["status"], "delivered", "{log}");
    assert_eq!(
        (log[0]["attempts"].as_u64(), log[0]["lastStatus"].as_u64()),
        (Some(2), Some(204))
    );

    // Disabled, then deleted; the secret rolled over REST is a new one.
    let patch = call(
        Method::PATCH,
        "/api/webhooks/{id}",
        format!("/api/webhooks/{id}"),
        owners.clone(),
        Body::Json(json!({ "enabled": false })),
    )
    .await;
    assert_eq!(
        (patch.status, patch.body["enabled"].as_bool()),
        (200, Some(false))
    );
    let rolled = call(
        Method::POST,
        "/api/webhooks/{id}/roll-secret",
        format!("/api/webhooks/{id}/roll-secret"),
        owners.clone(),
        Body::None,
    )
    .await;
    assert_eq!(rolled.status, 200);
    assert_ne!(rolled.body["secret"].as_str().unwrap(), secret);
    let gone = call(
        Method::DELETE,
        "/api/webhooks/{id}",
        format!("/api/webhooks/{id}"),
        owners.clone(),
        Body::None,
    )
    .await;
    assert_eq!(gone.status, 200);
    let missing = call(
        Method::GET,
        "/api/webhooks/{id}/deliveries",
        path,
        owners.clone(),
        Body::None,
    )
    .await;
    assert_eq!(missing.status, 404);
    srv.shutdown().await;
}
