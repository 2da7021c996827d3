//! The shared harness of the HTTP suites: a real server on 127.0.0.1 (random port) over a
//! fresh database of either engine, and calls whose JSON answers are checked against the
//! committed OpenAPI document.

#![allow(dead_code)]

use super::common::{req, Env};
use super::openapi_check::OpenApiDoc;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use tokendesk_core::model::*;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::Tokendesk;
use tokendesk_http::{serve, HttpConfig};

pub const COMMITTED: &str = include_str!("../../docs/openapi.json");

pub fn doc() -> &'static OpenApiDoc {
    static DOC: OnceLock<OpenApiDoc> = OnceLock::new();
    DOC.get_or_init(|| OpenApiDoc::parse(COMMITTED))
}

pub struct Server {
    pub base: String,
    pub td: Arc<Tokendesk>,
    pub env: Env,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn start() -> Server {
    start_with(HttpConfig::default()).await
}

pub async fn start_with(cfg: HttpConfig) -> Server {
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

pub enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub challenge: String,
    pub retry_after: Option<String>,
}

impl Server {
    pub fn owner(&self) -> Session {
        self.td.local_session()
    }

    pub fn token_with(&self, s: &Session, r: CreateTokenRequest) -> String {
        self.td
            .create_token(s, r)
            .unwrap()
            .token
            .expose_secret()
            .to_string()
    }

    /// Calls `method path` (documented as `template`) and checks the answer against the
    /// committed OpenAPI document.
    pub async fn call(
        &self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> Resp {
        self.call_as(method, template, path, token, None, body)
            .await
    }

    /// `call`, acting as the user `act_as` (the `Tokendesk-Act-As` header) if given.
    pub async fn call_as(
        &self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        act_as: Option<&str>,
        body: Body,
    ) -> Resp {
        let mut r = http_client().request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(id) = act_as {
            r = r.header("Tokendesk-Act-As", id);
        }
        r = match body {
            Body::None => r,
            Body::Json(v) => r
                .header("content-type", "application/json")
                .body(v.to_string()),
            Body::Form(kv) => {
                let enc: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect();
                r.header("content-type", "application/x-www-form-urlencoded")
                    .body(enc.join("&"))
            }
        };
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
        };
        let challenge = header(WWW_AUTHENTICATE).unwrap_or_default();
        let retry_after = header(RETRY_AFTER);
        let is_json = header(reqwest::header::CONTENT_TYPE)
            .is_some_and(|c| c.starts_with("application/json"));
        let text = resp.text().await.unwrap();
        let m = method.as_str().to_lowercase();
        let body = if is_json {
            let v: Value = serde_json::from_str(&text).unwrap();
            if let Err(e) = doc().check_response(&m, template, status, &v) {
                panic!("{e}\nbody: {text}");
            }
            v
        } else {
            assert!(
                doc().has_response(&m, template, status),
                "{m} {template} -> {status} is not documented"
            );
            Value::Null
        };
        Resp {
            status,
            body,
            challenge,
            retry_after,
        }
    }

    pub async fn me(&self, token: &str) -> Resp {
        self.call(
            Method::GET,
            "/api/users/me",
            "/api/users/me",
            Some(token),
            Body::None,
        )
        .await
    }

    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.done.await.unwrap().unwrap();
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn scoped(name: &str, scopes: &[Scope]) -> CreateTokenRequest {
    CreateTokenRequest {
        scopes: Some(scopes.to_vec()),
        ..req(name)
    }
}

pub fn create_body(name: &str) -> Value {
    json!({ "name": name, "expiry": { "kind": "preset", "preset": "seven_days" } })
}

/// A reqwest client, with ring installed as the rustls provider first (see `install_crypto`).
pub fn http_client() -> reqwest::Client {
    tokendesk_http::install_crypto();
    reqwest::Client::new()
}

/// A request a webhook receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: String,
}

/// A webhook receiver on 127.0.0.1: records every request, answers with the statuses given
/// in turn, then 204.
pub struct Receiver {
    pub url: String,
    got: Arc<std::sync::Mutex<Vec<Received>>>,
}

pub async fn receiver(answers: &[u16]) -> Receiver {
    use axum::http::{HeaderMap, StatusCode};
    let got = Arc::new(std::sync::Mutex::new(Vec::<Received>::new()));
    let answers = Arc::new(std::sync::Mutex::new(
        answers
            .iter()
            .copied()
            .collect::<std::collections::VecDeque<u16>>(),
    ));
    let (g, a) = (got.clone(), answers.clone());
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
        let (g, a) = (g.clone(), a.clone());
        async move {
            let headers = headers
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            g.lock().unwrap().push(Received { headers, body });
            let code = a.lock().unwrap().pop_front().unwrap_or(204);
            StatusCode::from_u16(code).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/tokendesk", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, got }
}

impl Receiver {
    /// The requests so far, once there are at least `n` (waits at most 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            {
                let got = self.got.lock().unwrap();
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} requests, not {n}",
            self.got.lock().unwrap().len()
        );
    }

    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
}

/// Whether `r` carries a Standard Webhooks signature by `secret` (`whsec_…`).
pub fn signed_with(r: &Received, secret: &str) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let signed = format!(
        "{}.{}.{}",
        r.headers["webhook-id"], r.headers["webhook-timestamp"], r.body
    );
    let want = format!(
        "v1,{}",
        b64.encode(ring::hmac::sign(&key, signed.as_bytes()).as_ref())
    );
    r.headers["webhook-signature"].split(' ').any(|s| s == want)
}
