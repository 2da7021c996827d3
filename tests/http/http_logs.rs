//! The service's logs (tracing, forwarded to `log` here) at trace level: one structured line per
//! request, and never a token — not from the header, the query string or a form body.

#[path = "../core/common.rs"]
mod common;

use common::{req, Env};
use std::sync::{Arc, Mutex};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_http::{serve, HttpConfig};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        LINES
            .lock()
            .unwrap()
            .push(format!("{} {} {}", r.level(), r.target(), r.args()));
    }
    fn flush(&self) {}
}

#[tokio::test]
async fn request_logs_are_structured_and_never_hold_a_token() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let env = Env::new();
    let td = Arc::new(env.open());
    let owner = td.local_session();
    let plain = td
        .create_token(&owner, req("logged"))
        .unwrap()
        .token
        .expose_secret()
        .to_string();
    let other = td
        .create_token(&owner, req("caller"))
        .unwrap()
        .token
        .expose_secret()
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(td.clone(), HttpConfig::default(), listener, async {
        let _ = rx.await;
    }));
    let c = http_client();
    let auth = format!("Bearer {plain}");
    let statuses = [
        c.get(format!("{base}/api/users/me"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .status(),
        c.get(format!("{base}/api/users/me?access_token={plain}"))
            .send()
            .await
            .unwrap()
            .status(),
        c.post(format!("{base}/oauth/revoke"))
            .header("authorization", &auth)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={plain}"))
            .send()
            .await
            .unwrap()
            .status(),
        c.get(format!("{base}/api/users/me"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .status(),
        // A token pasted where an id belongs, in the path, a query parameter and a header.
        c.get(format!("{base}/api/tokens/{plain}?reason={plain}"))
            .header("authorization", format!("Bearer {other}"))
            .header("x-forwarded-token", &plain)
            .send()
            .await
            .unwrap()
            .status(),
        // And in a JSON body.
        c.post(format!("{base}/api/tokens"))
            .header("authorization", format!("Bearer {other}"))
            .header("content-type", "application/json")
            .body(format!(
                "{{\"name\":\"{plain}\",\"expiry\":{{\"kind\":\"nope\"}}}}"
            ))
            .send()
            .await
            .unwrap()
            .status(),
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [200, 400, 200, 401, 404, 400]);
    let _ = tx.send(());
    server.await.unwrap().unwrap();

    let lines = LINES.lock().unwrap().clone();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{lines:#?}");
    }
    let requests: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("tokendesk::http"))
        .collect();
    assert_eq!(requests.len(), 6, "one line per request: {lines:#?}");
    assert!(
        requests[0].contains(r#"route="/api/users/me""#),
        "{}",
        requests[0]
    );
    // The route template, never the path that carried the token.
    assert!(
        requests[4].contains(r#"route="/api/tokens/{id}""#),
        "{}",
        requests[4]
    );
    assert!(requests[0].contains("status=200"), "{}", requests[0]);
    assert!(requests[1].contains("status=400"), "{}", requests[1]);
    let secret = &plain[4..];
    for l in &lines {
        assert!(!l.contains(secret), "a log line holds the token: {l}");
        assert!(
            !l.contains("access_token"),
            "the query string is not logged: {l}"
        );
    }
}

/// A reqwest client, with ring installed as the rustls provider first (see `install_crypto`).
fn http_client() -> reqwest::Client {
    tokendesk_http::install_crypto();
    reqwest::Client::new()
}
