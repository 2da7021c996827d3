//! The verification service: services that accept Tokendesk tokens check them over HTTP. Same
//! core and store as the desktop app; runs embedded or headless (`tokendesk serve`).

mod admin;
mod api;
pub mod auth;
mod errors;
mod host;
mod legacy;
mod oauth;
pub mod openapi;
mod webhooks;

use auth::AuthError;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokendesk_core::legacy as legacy_rules;
use tokendesk_core::model::{RejectReason, Session, Verification, Verified};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{ApiError, ErrorCode, Tokendesk};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use api::Introspection;
pub use errors::{status_of, ErrorBody};
pub use host::{test_token, Host};

pub const DEFAULT_BIND: &str = "127.0.0.1:7878";

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Scheme names accepted besides `Bearer`, e.g. `SalureToken`.
    pub extra_schemes: Vec<String>,
    pub request_timeout: Duration,
    pub body_limit: usize,
    /// Total bytes of all header names and values; more is answered 431.
    pub header_limit: usize,
    /// TLS for the service itself (`--tls-cert` / `--tls-key`); `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trust-proxy CIDR`): usage
    /// and rate limits then see the real client address, but only for requests from them.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The `iss` of signed tokens and the base of the RFC 8414 metadata (`--issuer`): the URL
    /// clients reach the service at. `None`: the scheme and address it listens on.
    pub issuer: Option<String>,
    /// Deliver webhooks while serving (`tokendesk serve`); the desktop's embedded service
    /// does not: a team server sends them.
    pub deliver_webhooks: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            extra_schemes: vec![],
            request_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
            header_limit: 16 * 1024,
            tls: None,
            trusted_proxies: vec![],
            issuer: None,
            deliver_webhooks: false,
        }
    }
}

#[derive(Clone)]
pub(crate) struct AppState {
    td: Arc<Tokendesk>,
    cfg: Arc<HttpConfig>,
    /// `cfg.issuer`, settled.
    issuer: Arc<str>,
}

pub fn router(td: Arc<Tokendesk>, cfg: HttpConfig) -> Router {
    let layers = (
        RequestBodyLimitLayer::new(cfg.body_limit),
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, cfg.request_timeout),
    );
    let header_limit = cfg.header_limit;
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/openapi.json", get(api::openapi))
        .route("/api/users/me", get(api::me))
        .route("/api/session", get(admin::session))
        .route(
            "/api/impersonation",
            post(admin::start_impersonation).delete(admin::stop_impersonation),
        )
        .route("/api/users", get(api::list_users).post(admin::create_user))
        .route(
            "/api/users/{id}",
            patch(admin::update_user).delete(admin::remove_user),
        )
        .route("/api/users/{id}/active", put(admin::set_user_active))
        .route("/api/users/{id}/password", put(admin::set_password))
        .route(
            "/api/users/{id}/client-credentials",
            post(admin::set_client_credentials),
        )
        .route("/api/users/me/password", put(admin::change_own_password))
        .route("/api/roles", get(admin::list_roles))
        .route("/api/roles/{id}/permissions", put(admin::update_role))
        .route(
            "/api/settings",
            get(admin::get_settings).put(admin::update_settings),
        )
        .route("/api/audit/verify", get(admin::verify_audit_chain))
        .route("/api/tokens/{id}/usage", get(admin::token_usage))
        .route("/api/tokens/{id}/rotate", post(api::rotate_token))
        .route("/api/tokens/bulk-revoke", post(api::bulk_revoke))
        .route("/api/alerts/claim", post(api::claim_expiry_alerts))
        .route("/api/tenants/{id}", patch(admin::rename_tenant))
        .route(
            "/api/tenants/{id}/members/{user_id}",
            put(admin::add_tenant_member).delete(admin::remove_tenant_member),
        )
        .route("/api/users/{id}/tokens", post(api::create_token_for_user))
        .route(
            "/api/users/{id}/active-tenant/{tenant_id}",
            put(api::set_active_tenant),
        )
        .route(
            "/api/tenants",
            get(api::list_tenants).post(admin::create_tenant),
        )
        .route("/api/tokens", get(api::list_tokens).post(api::create_token))
        .route(
            "/api/tokens/{id}",
            get(api::get_token)
                .patch(api::rename_token)
                .delete(api::revoke_token),
        )
        .route("/api/auth/token", post(api::exchange))
        .route("/api/audit", get(api::list_audit))
        .route("/oauth/introspect", post(api::introspect))
        .route("/oauth/revoke", post(api::revoke))
        .route("/oauth/token", post(oauth::token))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route("/api/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/api/webhooks/{id}",
            patch(webhooks::update).delete(webhooks::delete),
        )
        .route(
            "/api/webhooks/{id}/roll-secret",
            post(webhooks::roll_secret),
        )
        .route("/api/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/api/signing-keys", get(oauth::signing_keys))
        .route("/api/signing-keys/rotate", post(oauth::rotate_signing_key))
        .route(legacy_rules::NOTES_PATH, get(legacy::notes))
        .route(
            "/api/legacy/settings",
            get(legacy::get_settings).put(legacy::put_settings),
        )
        .route("/api/legacy-keys", get(legacy::list))
        .route("/api/legacy-keys/{id}/retire", post(legacy::retire))
        .route("/api/legacy-keys/{id}/tokens", post(legacy::replace))
        .fallback(errors::no_route)
        .layer(layers)
        // An import file is larger than any other body; it gets a limit of its own.
        .route(
            "/api/legacy-keys/import",
            post(legacy::import).layer((
                RequestBodyLimitLayer::new(legacy::IMPORT_LIMIT),
                TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, cfg.request_timeout),
            )),
        )
        .layer(axum::middleware::from_fn(legacy::notice_headers))
        .layer(axum::middleware::from_fn(move |req, next| {
            limit_headers(header_limit, req, next)
        }))
        .layer(axum::middleware::from_fn(errors::json_errors))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(AppState {
            td,
            issuer: cfg
                .issuer
                .as_deref()
                .unwrap_or("http://127.0.0.1")
                .trim_end_matches('/')
                .into(),
            cfg: Arc::new(cfg),
        })
}

/// hyper bounds the header block only loosely (hundreds of KiB); this is the service's limit.
async fn limit_headers(limit: usize, req: Request, next: Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if size > limit {
        return ErrorBody::new(
            ErrorCode::HeadersTooLarge,
            format!("The request headers are larger than {limit} bytes."),
        )
        .into_response();
    }
    next.run(req).await
}

/// One structured line per request: method, route template (`/api/tokens/{id}`, never the
/// path itself, which may hold a token pasted in the wrong place, nor the query string),
/// status, time, client. Headers and bodies are never logged.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let client = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let client = Client(client);
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    let route = route.as_ref().map_or("(no route)", MatchedPath::as_str);
    if res.status().is_server_error() {
        tracing::warn!(target: "tokendesk::http", %method, route, status, micros, %client, "request failed");
    } else {
        tracing::debug!(target: "tokendesk::http", %method, route, status, micros, %client, "request");
    }
    res
}

/// The client address for a log line, formatted only if the line is written.
struct Client(Option<std::net::IpAddr>);

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("-"),
        }
    }
}

/// Connections served at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 1024;
/// How long a shutdown waits for requests in flight before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves until `shutdown` completes, then lets the requests in flight finish (at most
/// `SHUTDOWN_GRACE`) and writes the usage they counted.
///
/// Its own accept loop rather than `axum::serve`, which sets no timer: without one hyper never
/// times out a client that sends its headers slowly or not at all, and such a client would
/// also hold a graceful shutdown open for ever.
pub async fn serve(
    td: Arc<Tokendesk>,
    cfg: HttpConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let mut cfg = cfg;
    if cfg.issuer.is_none() {
        let scheme = if cfg.tls.is_some() { "https" } else { "http" };
        cfg.issuer = Some(format!("{scheme}://{}", listener.local_addr()?));
    }
    let header_timeout = cfg.request_timeout;
    let tls = cfg.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let trusted: Arc<[ipnet::IpNet]> = cfg.trusted_proxies.clone().into();
    let deliver = cfg.deliver_webhooks;
    let app = router(td.clone(), cfg);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let delivery = deliver.then(|| tokio::spawn(webhooks::deliver(td.clone(), stop_rx.clone())));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                // A connection that failed before we got it (reset, out of descriptors for a
                // moment): the listener itself is fine.
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let (tls, trusted) = (tls.clone(), trusted.clone());
        let stop = stop_rx.clone();
        connections.spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    let client = forwarded_client(peer, req.headers(), &trusted);
                    req.extensions_mut().insert(ConnectInfo(client));
                    app.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let http = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .clone();
            match tls {
                None => connection(http, TokioIo::new(stream), service, stop).await,
                // The handshake gets the same time limit as the headers.
                Some(acceptor) => {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => connection(http, TokioIo::new(s), service, stop).await,
                        Ok(Err(e)) => log::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => log::debug!("TLS handshake with {peer} timed out"),
                    }
                }
            }
        });
        // Finished connections are reaped as we go, so the set stays small.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        log::warn!(
            "{} connections still open after {:?}; closing them",
            connections.len(),
            SHUTDOWN_GRACE
        );
        connections.shutdown().await;
    }
    if let Some(d) = delivery {
        // Webhooks being sent meanwhile finish (or time out) and are recorded.
        let _ = d.await;
    }
    // The requests in flight are done: write their usage before returning.
    td.flush_usage()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Serves one connection (plain or TLS) until it ends or the server stops.
async fn connection<I, S>(
    http: hyper::server::conn::http1::Builder,
    io: I,
    service: S,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<hyper::body::Incoming> + Send,
    S::Future: Send,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Data: Send,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let conn = http.serve_connection(errors::ParseErrorsAsJson::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The client a request is from: the peer, or — when the peer is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy itself (walking from the
/// right, as each proxy appends the address it received the request from). A header that
/// does not parse is not believed.
pub fn forwarded_client(
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::SocketAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer.ip()) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for hop in text.split(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => return peer,
            }
        }
    }
    let client = hops
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer.ip());
    std::net::SocketAddr::new(client, peer.port())
}

/// The TLS configuration from a PEM certificate chain and a PEM private key (`--tls-cert`,
/// `--tls-key`): TLS 1.2 and 1.3 with rustls' safe defaults, HTTP/1.1.
/// Makes ring the process's rustls provider (once; later calls change nothing). reqwest is
/// built without a bundled provider (the client crate's choice, shared through Cargo's feature
/// unification), so every process that makes a reqwest client installs ring first.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read the certificate {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A core failure as a JSON `{ code, message }` answer with the matching status.
pub(crate) struct CoreError {
    pub(crate) error: ApiError,
    /// Seconds, for `rate_limited` (the Retry-After header).
    pub(crate) retry_after: Option<u64>,
}

impl IntoResponse for CoreError {
    fn into_response(self) -> Response {
        let mut res = ErrorBody::from(self.error).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<tokendesk_core::Error> for CoreError {
    fn from(e: tokendesk_core::Error) -> Self {
        let retry_after = match e {
            tokendesk_core::Error::RateLimited(secs) => Some(secs),
            _ => None,
        };
        CoreError {
            error: e.into(),
            retry_after,
        }
    }
}

/// The request's verified token. Rejections never echo the presented token.
pub struct Bearer(pub Arc<Verified>);

/// The header with which an admin's client acts as the user it impersonates (the desktop's
/// "view as"); core checks on every call that the caller may still impersonate that user.
pub const ACT_AS: &str = "tokendesk-act-as";

/// The session of a request: the token's owner, with the token's limits, acting as the user
/// named in `Tokendesk-Act-As` if the request carries it.
pub struct Caller(pub Session);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let Bearer(v) = Bearer::from_request_parts(parts, st).await?;
        let mut s = v.session();
        let mut named = parts.headers.get_all(ACT_AS).iter();
        if let Some(h) = named.next() {
            let id = h
                .to_str()
                .ok()
                .filter(|id| !id.is_empty() && named.next().is_none())
                .ok_or_else(|| {
                    CoreError::from(tokendesk_core::Error::InvalidInput(format!(
                        "{ACT_AS} takes one user id."
                    )))
                    .into_response()
                })?;
            s.subject_id = id.to_string();
        }
        Ok(Caller(s))
    }
}

fn describe(r: RejectReason) -> &'static str {
    match r {
        RejectReason::Malformed => "The access token is malformed.",
        RejectReason::BadChecksum => "The access token is mistyped (its checksum does not match).",
        RejectReason::Unknown => "The access token is not known.",
        RejectReason::Expired => "The access token expired.",
        RejectReason::Revoked => "The access token was revoked.",
        RejectReason::Suspended => "The access token is suspended: its owner is disabled, removed or without API access, their password changed, they left its tenants, or (impersonation) its creator may no longer impersonate.",
        RejectReason::BadSignature => "The signed access token's signature does not verify, or its key is unknown or no longer published.",
        RejectReason::NotForUs => "The signed access token is from another issuer or for another audience.",
        RejectReason::LegacyOff | RejectReason::LegacySunset => "Legacy API keys are not accepted; send a token: Authorization: Bearer <token>.",
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let presented =
            match auth::credential(&parts.headers, parts.uri.query(), &st.cfg.extra_schemes) {
                Ok(p) => p,
                // No bearer credential: perhaps a legacy API key in the header old clients send.
                Err(e @ (AuthError::Missing | AuthError::OtherScheme)) => {
                    return match legacy::authenticate(parts, st).await {
                        Some(answer) => answer.map(Bearer),
                        None => Err(e.into_response()),
                    };
                }
                Err(e) => return Err(e.into_response()),
            };
        let presented = SecretString::from(presented.to_string());
        // Arrived now; yielding once lets this worker take in the other requests that are
        // ready, so one check of the change feed (run by whichever verifies first) serves all
        // of them. A verify is then a cache hit or a few microseconds of SQLite: cheaper
        // inline than a blocking-pool hop. What would wait on PostgreSQL goes to the pool.
        let arrived = st.td.arrival();
        tokio::task::yield_now().await;
        let at_once = st
            .td
            .verify_bearer_at_once(presented.expose_secret(), &st.issuer, arrived);
        let answer = match at_once {
            Some(answer) => answer,
            None => {
                let (td, issuer) = (st.td.clone(), st.issuer.clone());
                tokio::task::spawn_blocking(move || {
                    td.verify_bearer_since(presented.expose_secret(), &issuer, arrived)
                })
                .await
                .unwrap_or_else(|e| Err(tokendesk_core::Error::Internal(e.to_string())))
            }
        };
        match answer {
            Ok(Verification::Active(v)) => {
                let client = parts
                    .extensions
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip());
                let agent = parts
                    .headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok());
                st.td.record_use(&v.token.id, client, agent);
                Ok(Bearer(v))
            }
            Ok(Verification::Rejected(r)) => {
                Err(AuthError::InvalidToken(describe(r)).into_response())
            }
            Err(e) => Err(CoreError::from(e).into_response()),
        }
    }
}

/// Runs the service in the foreground until Ctrl-C or SIGTERM; for `tokendesk serve`.
/// `ready` receives the bound address (useful with port 0).
pub fn run_until_signal(
    td: Arc<Tokendesk>,
    cfg: HttpConfig,
    bind: std::net::SocketAddr,
    ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        ready(listener.local_addr()?);
        serve(td, cfg, listener, shutdown_signal()).await?;
        log::info!("verification service stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
