//! The text policy over HTTP: each refused class of character in each field the API takes gets
//! the same typed error as in core, and writes nothing.

#[path = "../core/common.rs"]
mod common;

use common::{req, Env};
use serde_json::{json, Value};
use std::sync::Arc;
use tokendesk_core::model::*;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::Tokendesk;
use tokendesk_http::{serve, HttpConfig};

/// One of each class the policy refuses (the characters the issue found accepted included).
const REFUSED: &[(&str, char)] = &[
    ("word joiner", '\u{2060}'),
    ("soft hyphen", '\u{00AD}'),
    ("Mongolian vowel separator", '\u{180E}'),
    ("Hangul filler", '\u{3164}'),
    ("Arabic letter mark", '\u{061C}'),
    ("invisible times", '\u{2062}'),
    ("variation selector", '\u{FE0F}'),
    ("tag character", '\u{E0041}'),
    ("line separator", '\u{2028}'),
    ("right-to-left override", '\u{202E}'),
    ("NUL", '\0'),
];

/// Everything a refused write could have touched.
fn snapshot(td: &Tokendesk) -> (usize, usize, usize, usize, String) {
    let owner = td.local_session();
    let tokens = td
        .list_tokens(
            &owner,
            &ListQuery {
                scope: ListScope::All,
                limit: 200,
                ..Default::default()
            },
        )
        .unwrap()
        .items;
    let names: Vec<String> = tokens
        .iter()
        .map(|t| format!("{}|{:?}|{:?}", t.name, t.description, t.revoked_at))
        .collect();
    (
        tokens.len(),
        td.audit_events(None).unwrap().len(),
        td.list_users(&owner).unwrap().len(),
        td.list_tenants(&owner).unwrap().len(),
        names.join(",") + &td.settings(&owner).unwrap().authority_name,
    )
}

#[tokio::test]
async fn over_http_the_same_fields_get_the_same_errors() {
    let env = Env::new();
    let td = Arc::new(env.open());
    let owner = td.local_session();
    let caller = td.create_token(&owner, req("caller")).unwrap();
    let target = td.create_token(&owner, req("target")).unwrap().meta;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(td.clone(), HttpConfig::default(), listener, async {
        let _ = rx.await;
    }));
    let c = http_client();
    let auth = format!("Bearer {}", caller.token.expose_secret());
    let before = snapshot(&td);
    for (what, ch) in REFUSED {
        let text = format!("ad{ch}min");
        let enc: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
        let body = |name: &str, description: Option<&str>| json!({"name": name, "description": description, "expiry": {"kind": "preset", "preset": "seven_days"}});
        let cases = [
            (
                "name",
                c.post(format!("{base}/api/tokens"))
                    .json(&body(&text, None)),
                "invalid_name",
            ),
            (
                "description",
                c.post(format!("{base}/api/tokens"))
                    .json(&body("x", Some(&text))),
                "invalid_input",
            ),
            (
                "rename",
                c.patch(format!("{base}/api/tokens/{}", target.id))
                    .json(&json!({"name": text})),
                "invalid_name",
            ),
            (
                "reason",
                c.delete(format!("{base}/api/tokens/{}?reason={enc}", target.id)),
                "invalid_input",
            ),
        ];
        for (field, rq, code) in cases {
            let resp = rq.header("authorization", &auth).send().await.unwrap();
            assert_eq!(resp.status(), 400, "{what} in the {field}");
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["code"], code, "{what} in the {field}: {v}");
        }
    }
    assert_eq!(snapshot(&td), before, "nothing written");
    let _ = tx.send(());
    server.await.unwrap().unwrap();
}

/// A reqwest client, with ring installed as the rustls provider first (see `install_crypto`).
fn http_client() -> reqwest::Client {
    tokendesk_http::install_crypto();
    reqwest::Client::new()
}
