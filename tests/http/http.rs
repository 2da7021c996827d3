//! The verification service over real HTTP on 127.0.0.1 (random port), with reqwest: every
//! RFC 6750 error case, `/api/users/me` with and without impersonation, and the limits.

#[path = "../core/common.rs"]
mod common;

use common::{person, req, req_for, Env};
use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use std::sync::Arc;
use tokendesk_core::clock::DAY;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::store::ConnExt;
use tokendesk_core::Tokendesk;
use tokendesk_http::{serve, HttpConfig};

struct Server {
    base: String,
    td: Arc<Tokendesk>,
    env: Env,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(cfg: HttpConfig) -> Server {
    let env = Env::new();
    let td = Arc::new(env.open());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(serve(td.clone(), cfg, listener, async {
        let _ = rx.await;
    }));
    Server {
        base,
        td,
        env,
        stop: Some(tx),
        done,
    }
}

impl Server {
    fn token(&self, name: &str) -> String {
        let s = self.td.local_session();
        self.td
            .create_token(&s, req(name))
            .unwrap()
            .token
            .expose_secret()
            .to_string()
    }
    /// Stops the server; returns its environment, whose temp dir holds the database: keep it
    /// while the authority is still used.
    async fn shutdown(mut self) -> Env {
        let _ = self.stop.take().unwrap().send(());
        self.done.await.unwrap().unwrap();
        self.env
    }
}

async fn get_me(base: &str, auth: &[&[u8]], query: &str) -> (StatusCode, String, String) {
    let mut r = http_client().get(format!("{base}/api/users/me{query}"));
    for a in auth {
        r = r.header(AUTHORIZATION, HeaderValue::from_bytes(a).unwrap());
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let challenge = resp
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, challenge, resp.text().await.unwrap())
}

fn bearer(t: &str) -> Vec<u8> {
    format!("Bearer {t}").into_bytes()
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let srv = start(HttpConfig::default()).await;
    let resp = reqwest::get(format!("{}/healthz", srv.base)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ok");
    srv.shutdown().await;
}

#[tokio::test]
async fn me_answers_for_an_active_token() {
    let srv = start(HttpConfig::default()).await;
    let t = srv.token("svc");
    let (status, _, body) = get_me(&srv.base, &[&bearer(&t)], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["user"]["displayName"], "Test Owner");
    assert_eq!(v["token"]["name"], "svc");
    assert_eq!(v["token"]["kind"], "personal");
    assert!(v.get("act").is_none(), "no act claim for a personal token");
    assert!(!body.contains(&t[4..]), "the token is not echoed");
    srv.shutdown().await;
}

#[tokio::test]
async fn an_impersonation_token_reports_the_admin_as_act() {
    let srv = start(HttpConfig::default()).await;
    let owner = srv.td.local_session();
    let mia = person(&srv.td, &owner, "Mia", "member");
    let imp = srv.td.start_impersonation(&owner, &mia.id).unwrap();
    let t = srv
        .td
        .create_token(&imp, req("support"))
        .unwrap()
        .token
        .expose_secret()
        .to_string();
    let (status, _, body) = get_me(&srv.base, &[&bearer(&t)], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["user"]["id"], mia.id.as_str());
    assert_eq!(v["token"]["kind"], "impersonation");
    assert_eq!(v["act"]["sub"], owner.actor_id.as_str());
    srv.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_400_invalid_request() {
    let srv = start(HttpConfig::default()).await;
    let t = srv.token("a");
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        (
            "two Authorization headers",
            vec![bearer(&t), bearer(&t)],
            "",
        ),
        ("empty token", vec![b"Bearer ".to_vec()], ""),
        ("scheme without token", vec![b"Bearer".to_vec()], ""),
        ("wrong scheme", vec![format!("Basic {t}").into_bytes()], ""),
        (
            "non-ASCII",
            vec![b"Bearer tkd_\xc3\xa9t\xc3\xa9".to_vec()],
            "",
        ),
        (
            "token in the query string",
            vec![bearer(&t)],
            "?access_token=x",
        ),
    ];
    for (what, headers, query) in cases {
        let hs: Vec<&[u8]> = headers.iter().map(Vec::as_slice).collect();
        let (status, challenge, body) = get_me(&srv.base, &hs, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert!(
            challenge.starts_with(
                r#"Bearer realm="tokendesk", error="invalid_request", error_description=""#
            ),
            "{what}: {challenge}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "invalid_request", "{what}");
    }
    // The query string alone, without a header, is refused the same way.
    let (status, _, _) = get_me(&srv.base, &[], &format!("?access_token={t}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    srv.shutdown().await;
}

#[tokio::test]
async fn no_credential_gets_a_bare_challenge() {
    let srv = start(HttpConfig::default()).await;
    let (status, challenge, _) = get_me(&srv.base, &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge, r#"Bearer realm="tokendesk""#);
    srv.shutdown().await;
}

#[tokio::test]
async fn tokens_that_are_not_active_get_401_invalid_token() {
    let srv = start(HttpConfig::default()).await;
    let owner = srv.td.local_session();
    let revoked = srv.td.create_token(&owner, req("revoked")).unwrap();
    srv.td.revoke_token(&owner, &revoked.meta.id, None).unwrap();
    let mia = person(&srv.td, &owner, "Mia", "member");
    let ninety = tokendesk_core::policy::ExpiryChoice::Preset {
        preset: tokendesk_core::policy::ExpiryPreset::NinetyDays,
    };
    let suspended = srv
        .td
        .create_token(
            &owner,
            tokendesk_core::model::CreateTokenRequest {
                expiry: ninety,
                ..req_for("mia's", &mia)
            },
        )
        .unwrap();
    srv.td.set_user_active(&owner, &mia.id, false).unwrap();
    let expiring = srv.token("expiring");
    let unknown = tokendesk_core::token::mint("tkd")
        .unwrap()
        .expose_secret()
        .to_string();
    let mut typo = expiring.clone().into_bytes();
    typo[8] = if typo[8] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    srv.env.clock.advance(31 * DAY);
    let cases = [
        ("unknown", unknown.as_str(), "not known"),
        ("mistyped", typo.as_str(), "checksum"),
        ("malformed", "not-a-tokendesk-token", "malformed"),
        ("revoked", revoked.token.expose_secret(), "revoked"),
        (
            "owner disabled",
            suspended.token.expose_secret(),
            "suspended",
        ),
        ("expired", expiring.as_str(), "expired"),
    ];
    for (what, token, says) in cases {
        let (status, challenge, body) = get_me(&srv.base, &[&bearer(token)], "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert!(
            challenge.starts_with(r#"Bearer realm="tokendesk", error="invalid_token""#),
            "{what}: {challenge}"
        );
        assert!(challenge.contains(says), "{what}: {challenge}");
        assert!(!body.contains(token), "{what}: the token is not echoed");
    }
    srv.shutdown().await;
}

#[tokio::test]
async fn revoking_takes_effect_on_the_next_request() {
    let srv = start(HttpConfig::default()).await;
    let owner = srv.td.local_session();
    let c = srv.td.create_token(&owner, req("short-lived")).unwrap();
    let t = c.token.expose_secret().to_string();
    assert_eq!(
        get_me(&srv.base, &[&bearer(&t)], "").await.0,
        StatusCode::OK
    );
    srv.td.revoke_token(&owner, &c.meta.id, None).unwrap();
    assert_eq!(
        get_me(&srv.base, &[&bearer(&t)], "").await.0,
        StatusCode::UNAUTHORIZED
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn extra_scheme_names_are_accepted_when_configured() {
    let cfg = HttpConfig {
        extra_schemes: vec!["SalureToken".into()],
        ..Default::default()
    };
    let srv = start(cfg).await;
    let t = srv.token("legacy client");
    let (status, _, body) = get_me(&srv.base, &[format!("SalureToken {t}").as_bytes()], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = get_me(&srv.base, &[format!("salutetoken {t}").as_bytes()], "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "only the configured names");
    srv.shutdown().await;
}

/// Sends `raw` on a fresh connection and returns the answer's status line, headers and body.
async fn raw(base: &str, raw: &[u8]) -> (u16, String, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    // Each request here ends with `connection: close` or makes the server close.
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let body = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {head}\r\n\r\n{body}"));
    (status, head.to_lowercase(), body)
}

/// Every error answer is `{code, message}` JSON, whoever produced it: the body limit (with a
/// length or chunked), the router, the path decoder, the timeout, hyper's own parser.
#[tokio::test]
async fn every_error_answer_is_code_and_message_json() {
    let cfg = HttpConfig {
        body_limit: 1024,
        request_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let srv = start(cfg).await;
    let t = srv.token("a");
    let host = srv.base.trim_start_matches("http://").to_string();
    let big = "x".repeat(10_000);
    let chunked = format!(
        "POST /api/tokens HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {t}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "body over the limit with a length",
            format!("POST /api/tokens HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {t}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{big}", big.len()),
            413,
            "payload_too_large",
        ),
        ("body over the limit, chunked", chunked, 413, "payload_too_large"),
        (
            "a path that is not UTF-8",
            format!("GET /api/tokens/%FF HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {t}\r\nconnection: close\r\n\r\n"),
            400,
            "invalid_input",
        ),
        (
            "no such route",
            format!("GET /api/nothing HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"),
            404,
            "not_found",
        ),
        (
            "a method the route does not take",
            format!("PUT /api/tokens HTTP/1.1\r\nhost: {host}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
            405,
            "method_not_allowed",
        ),
        (
            "a NUL byte in a header",
            format!("GET /api/users/me HTTP/1.1\r\nhost: {host}\r\nx-note: a\0b\r\nconnection: close\r\n\r\n"),
            400,
            "invalid_input",
        ),
        (
            "a body that never arrives",
            format!("POST /api/tokens HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {t}\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{{\"na"),
            408,
            "request_timeout",
        ),
        (
            "no token",
            format!("GET /api/users/me HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"),
            401,
            "unauthenticated",
        ),
    ];
    for (what, request, status, code) in cases {
        let (got, head, body) = raw(&srv.base, request.as_bytes()).await;
        assert_eq!(got, status, "{what}: {head} {body}");
        assert!(
            head.contains("content-type: application/json"),
            "{what}: {head}"
        );
        assert_eq!(body["code"], code, "{what}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        if status == 405 {
            assert!(head.contains("\r\nallow: "), "{what}: {head}");
        }
    }
    // None of the refused creates wrote anything: the one token made above is all there is.
    let page = srv
        .td
        .list_tokens(&srv.td.local_session(), &Default::default())
        .unwrap();
    assert_eq!(page.items.len(), 1);
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_use_is_counted_and_none_lost_on_a_clean_shutdown() {
    let srv = start(HttpConfig::default()).await;
    let owner = srv.td.local_session();
    let c = srv.td.create_token(&owner, req("busy")).unwrap();
    let t = c.token.expose_secret().to_string();
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (base, t) = (srv.base.clone(), t.clone());
            tokio::spawn(async move {
                let client = http_client();
                for _ in 0..20 {
                    let r = client
                        .get(format!("{base}/api/users/me"))
                        .header(AUTHORIZATION, format!("Bearer {t}"))
                        .header("user-agent", "usage-test/1")
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), StatusCode::OK);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    // A rejected request is not a use.
    assert_eq!(
        get_me(&srv.base, &[b"Bearer tkd_wrong"], "").await.0,
        StatusCode::UNAUTHORIZED
    );
    let td = srv.td.clone();
    // The database files must outlive `td`: a write to a deleted SQLite file fails.
    let _env = srv.shutdown().await;
    let m = td.get_token(&owner, &c.meta.id).unwrap();
    assert_eq!(m.use_count, 100);
    assert_eq!(m.last_used_at, Some(td.now()));
    let (client, agent): (Option<String>, Option<String>) = td
        .store()
        .read(|c| {
            c.query_row(
                "SELECT last_client, last_user_agent FROM tokens WHERE id = ?1",
                tokendesk_core::params![m.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    assert_eq!(
        (client.as_deref(), agent.as_deref()),
        (Some("127.0.0.1"), Some("usage-test/1"))
    );
    let today = td.now().div_euclid(DAY);
    let usage = td.token_usage(&owner, &m.id, 30).unwrap();
    assert_eq!(usage.days.len(), 30, "every day, zeros included");
    assert_eq!(
        usage.days.last(),
        Some(&tokendesk_core::model::UsageDay {
            day: today,
            count: 100
        })
    );
    assert_eq!(usage.days.iter().map(|d| d.count).sum::<i64>(), 100);
    assert_eq!(usage.last_client.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn uses_reach_the_database_within_the_flush_interval_without_a_shutdown() {
    let srv = start(HttpConfig::default()).await;
    let owner = srv.td.local_session();
    let c = srv.td.create_token(&owner, req("ticking")).unwrap();
    let t = c.token.expose_secret().to_string();
    for _ in 0..3 {
        assert_eq!(
            get_me(&srv.base, &[&bearer(&t)], "").await.0,
            StatusCode::OK
        );
    }
    // Bounded poll (twice the flush interval); the flusher writes at least once per interval.
    let mut seen = 0;
    let polls = 2 * tokendesk_core::usage::FLUSH_EVERY.as_millis() / 100;
    for _ in 0..polls {
        seen = srv.td.get_token(&owner, &c.meta.id).unwrap().use_count;
        if seen == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 3);
    srv.shutdown().await;
}

/// A self-signed certificate for 127.0.0.1 and localhost, as PEM files in `dir`.
fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key, ck.cert.der().to_vec())
}

/// One HTTP/1.1 request over TLS, trusting only `root`; the whole answer.
async fn https_get(addr: &str, root: &[u8], path: &str, auth: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.to_vec().into()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await?;
    let mut out = String::new();
    tls.read_to_string(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn https_is_served_with_the_given_certificate_and_plain_http_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(dir.path());
    let cfg = HttpConfig {
        tls: Some(tokendesk_http::tls_config(&cert, &key).unwrap()),
        ..Default::default()
    };
    let srv = start(cfg).await;
    let addr = srv.base.trim_start_matches("http://").to_string();
    let t = srv.token("over tls");
    let answer = https_get(&addr, &der, "/api/users/me", &format!("Bearer {t}"))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let refused = https_get(&addr, &der, "/api/users/me", "Bearer tkd_nope")
        .await
        .unwrap();
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    // Plain HTTP to the TLS port gets no answer from the service.
    let plain = http_client()
        .get(format!("{}/healthz", srv.base))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    // A client that trusts another certificate does not get through.
    let elsewhere = tempfile::tempdir().unwrap();
    let (_, _, other) = self_signed(elsewhere.path());
    assert!(https_get(&addr, &other, "/healthz", "x").await.is_err());
    srv.shutdown().await;
}

#[test]
fn tls_files_that_do_not_make_an_identity_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = self_signed(dir.path());
    let missing = tokendesk_http::tls_config(&dir.path().join("none.pem"), &key).unwrap_err();
    assert!(missing.contains("none.pem"), "{missing}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    assert!(tokendesk_http::tls_config(&empty, &key)
        .unwrap_err()
        .contains("no PEM certificate"));
    let other = tempfile::tempdir().unwrap();
    let (_, other_key, _) = self_signed(other.path());
    let mismatch = tokendesk_http::tls_config(&cert, &other_key).unwrap_err();
    assert!(
        mismatch.contains("do not make a TLS identity"),
        "{mismatch}"
    );
}

#[test]
fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    use axum::http::HeaderMap;
    use tokendesk_http::forwarded_client;
    let trusted: Vec<ipnet::IpNet> =
        vec!["10.0.0.0/24".parse().unwrap(), "::1/128".parse().unwrap()];
    let proxy: std::net::SocketAddr = "10.0.0.5:4000".parse().unwrap();
    let stranger: std::net::SocketAddr = "198.51.100.9:4000".parse().unwrap();
    let xff = |v: &[&str]| {
        let mut h = HeaderMap::new();
        for x in v {
            h.append("x-forwarded-for", x.parse().unwrap());
        }
        h
    };
    let ip = |a: std::net::SocketAddr| a.ip().to_string();
    // From the proxy: the nearest address that is not a proxy.
    assert_eq!(
        ip(forwarded_client(proxy, &xff(&["203.0.113.7"]), &trusted)),
        "203.0.113.7"
    );
    assert_eq!(
        ip(forwarded_client(
            proxy,
            &xff(&["1.2.3.4, 203.0.113.7, 10.0.0.9"]),
            &trusted
        )),
        "203.0.113.7",
        "a client cannot choose its address by sending its own header first"
    );
    assert_eq!(
        ip(forwarded_client(
            proxy,
            &xff(&["1.2.3.4", "203.0.113.7"]),
            &trusted
        )),
        "203.0.113.7"
    );
    // From anyone else, or without trust, or unparsable: the peer.
    assert_eq!(
        ip(forwarded_client(stranger, &xff(&["203.0.113.7"]), &trusted)),
        "198.51.100.9"
    );
    assert_eq!(
        ip(forwarded_client(proxy, &xff(&["203.0.113.7"]), &[])),
        "10.0.0.5"
    );
    assert_eq!(
        ip(forwarded_client(proxy, &xff(&["not an address"]), &trusted)),
        "10.0.0.5"
    );
    assert_eq!(
        ip(forwarded_client(proxy, &HeaderMap::new(), &trusted)),
        "10.0.0.5"
    );
    assert_eq!(
        ip(forwarded_client(proxy, &xff(&["10.0.0.8"]), &trusted)),
        "10.0.0.8"
    );
}

#[tokio::test]
async fn usage_records_the_forwarded_client_behind_a_trusted_proxy_only() {
    for (trusted, want) in [(true, "203.0.113.7"), (false, "127.0.0.1")] {
        let cfg = HttpConfig {
            trusted_proxies: if trusted {
                vec!["127.0.0.0/8".parse().unwrap()]
            } else {
                vec![]
            },
            ..Default::default()
        };
        let srv = start(cfg).await;
        let s = srv.td.local_session();
        let c = srv.td.create_token(&s, req("proxied")).unwrap();
        let resp = http_client()
            .get(format!("{}/api/users/me", srv.base))
            .bearer_auth(c.token.expose_secret())
            .header("X-Forwarded-For", "203.0.113.7")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let usage = srv.td.token_usage(&s, &c.meta.id, 30).unwrap();
        assert_eq!(
            usage.last_client.as_deref(),
            Some(want),
            "trusted: {trusted}"
        );
        srv.shutdown().await;
    }
}

/// A reqwest client, with ring installed as the rustls provider first (see `install_crypto`).
fn http_client() -> reqwest::Client {
    tokendesk_http::install_crypto();
    reqwest::Client::new()
}
