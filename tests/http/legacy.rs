//! Legacy API keys over HTTP on 127.0.0.1 (both engines): the import endpoint and its report,
//! the settings, a key in `X-Api-Key` or an `Authorization` scheme accepted only while
//! emulating, the `Deprecation` / `Sunset` / `Link` headers on every legacy answer (and on no
//! other), the distinct `legacy_key_sunset` refusal, a replacement bearer token, retiring.

use super::common::{self, T0};
use super::harness::*;
use reqwest::header::{HeaderMap, AUTHORIZATION};
use reqwest::Method;
use serde_json::{json, Value};
use tokendesk_core::clock::DAY;

const MIA_KEY: &str = "0123456789abcdef-mia";

struct Legacy {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Server {
    /// `GET /api/users/me` with `header: value` (a legacy key) and no bearer token; the JSON
    /// answer checked against the committed OpenAPI document.
    async fn me_with(&self, header: &str, value: &str) -> Legacy {
        let resp = http_client()
            .get(format!("{}/api/users/me", self.base))
            .header(header, value)
            .header("user-agent", "old-client/1.0")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body: Value = resp.json().await.unwrap();
        doc()
            .check_response("get", "/api/users/me", status, &body)
            .unwrap();
        Legacy {
            status,
            headers,
            body,
        }
    }

    async fn import(&self, token: &str, file: &str) -> Resp {
        let resp = http_client()
            .post(format!("{}/api/legacy-keys/import", self.base))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header("content-type", "text/csv")
            .body(file.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        doc()
            .check_response("post", "/api/legacy-keys/import", status, &body)
            .unwrap();
        Resp {
            status,
            body,
            challenge: String::new(),
            retry_after: None,
        }
    }

    async fn retire(&self, token: &str, id: &str) -> Resp {
        self.call(
            Method::POST,
            "/api/legacy-keys/{id}/retire",
            &format!("/api/legacy-keys/{id}/retire"),
            Some(token),
            Body::None,
        )
        .await
    }

    async fn legacy_keys(&self, token: &str) -> Resp {
        self.call(
            Method::GET,
            "/api/legacy-keys",
            "/api/legacy-keys",
            Some(token),
            Body::None,
        )
        .await
    }

    async fn set_legacy(&self, token: &str, body: Value) -> Resp {
        self.call(
            Method::PUT,
            "/api/legacy/settings",
            "/api/legacy/settings",
            Some(token),
            Body::Json(body),
        )
        .await
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn legacy_keys_work_in_their_header_until_the_sunset_with_deprecation_headers() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, common::req("admin"));
    let mia = common::person(&srv.td, &owner, "Mia", "member");

    // Import: one key matched, one row naming nobody.
    let r = srv
        .import(
            &admin,
            &format!("email,key,label\nmia@example.org,{MIA_KEY},CI deploy\nghost@example.org,0123456789-ghost,x\n"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["imported"], 1);
    assert_eq!(r.body["problems"][0]["row"], 3);
    assert_eq!(r.body["problems"][0]["email"], "ghost@example.org");
    assert!(!r.body.to_string().contains("0123456789-ghost"));
    let not_a_file = srv.import(&admin, "name,secret\nx,y\n").await;
    assert_eq!(not_a_file.status, 400);

    // Off (the default): refused, and said so.
    let off = srv.me_with("X-Api-Key", MIA_KEY).await;
    assert_eq!(off.status, 401);
    assert_eq!(off.body["code"], "unauthenticated");
    assert!(off.body["message"].as_str().unwrap().contains("legacy"));

    // Emulating needs a sunset.
    let sunset = T0 + 30 * DAY;
    let r = srv
        .set_legacy(&admin, json!({ "mode": "emulate", "header": "X-Api-Key" }))
        .await;
    assert_eq!(r.status, 400);
    let r = srv
        .set_legacy(
            &admin,
            json!({ "mode": "emulate", "sunsetAt": sunset, "header": "X-Api-Key" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["deprecatedAt"], T0);

    let ok = srv.me_with("x-api-key", MIA_KEY).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["user"]["id"], mia.id.as_str());
    assert_eq!(
        header(&ok.headers, "deprecation"),
        Some(format!("@{}", T0 / 1000).as_str())
    );
    assert_eq!(
        header(&ok.headers, "sunset"),
        tokendesk_core::legacy::http_date(sunset).as_deref()
    );
    let link = header(&ok.headers, "link").unwrap();
    assert!(
        link.contains("/docs/legacy-api-keys>; rel=\"deprecation\""),
        "{link}"
    );
    // The notes are where the link says.
    let notes_url = link.split('>').next().unwrap().trim_start_matches('<');
    let notes = http_client().get(notes_url).send().await.unwrap();
    assert_eq!(notes.status(), 200);
    assert!(notes
        .text()
        .await
        .unwrap()
        .contains("Authorization: Bearer"));

    // An unknown key is refused with the headers too; a bearer answer has none of them.
    let unknown = srv.me_with("X-Api-Key", "0123456789-unknown").await;
    assert_eq!(unknown.status, 401);
    assert!(header(&unknown.headers, "sunset").is_some());
    let bearer = http_client()
        .get(format!("{}/api/users/me", srv.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);
    assert!(bearer.headers().get("deprecation").is_none());
    assert!(bearer.headers().get("sunset").is_none());

    // An Authorization scheme instead of a header of its own.
    let r = srv
        .set_legacy(
            &admin,
            json!({ "mode": "emulate", "sunsetAt": sunset, "header": "Authorization: ApiKey" }),
        )
        .await;
    assert_eq!(r.body["header"], "Authorization: ApiKey");
    let scheme = srv
        .me_with("Authorization", &format!("apikey {MIA_KEY}"))
        .await;
    assert_eq!(scheme.status, 200, "{}", scheme.body);
    assert!(header(&scheme.headers, "deprecation").is_some());
    let old_header = srv.me_with("X-Api-Key", MIA_KEY).await;
    assert_eq!(old_header.status, 401, "only the configured header");
    let other_scheme = srv
        .me_with("Authorization", &format!("Token {MIA_KEY}"))
        .await;
    assert_eq!(other_scheme.status, 400);
    assert_eq!(other_scheme.body["error"], "invalid_request");

    // Uses are counted like token uses.
    srv.td.flush_usage().unwrap();
    let list = srv.legacy_keys(&admin).await;
    assert_eq!(list.status, 200);
    let key = &list.body["items"][0];
    assert_eq!(key["kind"], "legacy");
    assert_eq!(key["useCount"], 2);
    assert_eq!(key["ownerName"], "Mia");

    // Past the sunset: the distinct refusal, still with the headers.
    srv.env.clock.advance(31 * DAY);
    let late = srv
        .me_with("Authorization", &format!("ApiKey {MIA_KEY}"))
        .await;
    assert_eq!(late.status, 401);
    assert_eq!(late.body["code"], "legacy_key_sunset");
    assert_eq!(late.body["error"], "invalid_token");
    assert!(header(&late.headers, "sunset").is_some());
    srv.shutdown().await;
}

#[tokio::test]
async fn an_integration_moves_to_a_bearer_token_and_its_key_is_retired() {
    let srv = start().await;
    let owner = srv.owner();
    let admin = srv.token_with(&owner, common::req("admin"));
    let mia = common::person(&srv.td, &owner, "Mia", "member");
    let member = srv.token_with(&common::session_of(&mia), common::req("mine"));
    srv.import(&admin, &format!("email,key\nmia@example.org,{MIA_KEY}\n"))
        .await;
    srv.set_legacy(
        &admin,
        json!({ "mode": "emulate", "sunsetAt": T0 + DAY, "header": "X-Api-Key" }),
    )
    .await;
    let list = srv.legacy_keys(&admin).await;
    let id = list.body["items"][0]["id"].as_str().unwrap().to_string();

    // Members see no Migration endpoints and no legacy key among their tokens.
    for (method, template, path) in [
        (
            Method::GET,
            "/api/legacy-keys",
            "/api/legacy-keys".to_string(),
        ),
        (
            Method::POST,
            "/api/legacy-keys/{id}/retire",
            format!("/api/legacy-keys/{id}/retire"),
        ),
    ] {
        let r = srv
            .call(method, template, &path, Some(&member), Body::None)
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    let mine = srv
        .call(
            Method::GET,
            "/api/tokens",
            "/api/tokens",
            Some(&member),
            Body::None,
        )
        .await;
    assert!(mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["kind"] != "legacy"));

    let created = srv
        .call(
            Method::POST,
            "/api/legacy-keys/{id}/tokens",
            &format!("/api/legacy-keys/{id}/tokens"),
            Some(&admin),
            Body::Json(create_body("CI deploy (bearer)")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["meta"]["ownerId"], mia.id.as_str());
    let token = created.body["token"].as_str().unwrap();
    assert_eq!(srv.me(token).await.status, 200);

    let retired = srv.retire(&admin, &id).await;
    assert_eq!(retired.status, 200);
    assert_eq!(retired.body["status"], "revoked");
    let refused = srv.me_with("X-Api-Key", MIA_KEY).await;
    assert_eq!(refused.status, 401);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("retired"));
    assert_eq!(srv.me(token).await.status, 200, "the new token stays");
    let again = srv.retire(&admin, &id).await;
    assert_eq!(again.status, 409);
    srv.shutdown().await;
}
