//! The verification service: services that accept Tokendesk tokens check them over HTTP. Same
//! core and store as the desktop app; runs embedded or headless (`tokendesk serve`).

pub mod auth;

use crate::model::{Me, RejectReason, TokenMeta, Verification};
use crate::secret::{ExposeSecret, SecretString};
use crate::{ApiError, Tokendesk};
use auth::AuthError;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub const DEFAULT_BIND: &str = "127.0.0.1:7878";

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Scheme names accepted besides `Bearer`, e.g. `SalureToken`.
    pub extra_schemes: Vec<String>,
    pub request_timeout: Duration,
    pub body_limit: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            extra_schemes: vec![],
            request_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
        }
    }
}

#[derive(Clone)]
struct AppState {
    td: Arc<Tokendesk>,
    cfg: Arc<HttpConfig>,
}

pub fn router(td: Arc<Tokendesk>, cfg: HttpConfig) -> Router {
    let layers = (
        RequestBodyLimitLayer::new(cfg.body_limit),
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, cfg.request_timeout),
    );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/users/me", get(me))
        .layer(layers)
        .with_state(AppState {
            td,
            cfg: Arc::new(cfg),
        })
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    td: Arc<Tokendesk>,
    cfg: HttpConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(td.clone(), cfg).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    // The requests in flight are done: write their usage before returning.
    td.flush_usage()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A core failure (database busy, ...) as a JSON `{ code, message }` answer.
struct CoreError(ApiError);

impl IntoResponse for CoreError {
    fn into_response(self) -> Response {
        let status = match self.0.code {
            crate::ErrorCode::DatabaseBusy => StatusCode::SERVICE_UNAVAILABLE,
            crate::ErrorCode::NotFound => StatusCode::NOT_FOUND,
            crate::ErrorCode::PermissionDenied => StatusCode::FORBIDDEN,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(self.0)).into_response()
    }
}

impl From<crate::Error> for CoreError {
    fn from(e: crate::Error) -> Self {
        CoreError(e.into())
    }
}

/// The request's verified token. Rejections never echo the presented token.
pub struct Bearer(pub TokenMeta);

fn describe(r: RejectReason) -> &'static str {
    match r {
        RejectReason::Malformed => "The access token is malformed.",
        RejectReason::BadChecksum => "The access token is mistyped (its checksum does not match).",
        RejectReason::Unknown => "The access token is not known.",
        RejectReason::Expired => "The access token expired.",
        RejectReason::Revoked => "The access token was revoked.",
        RejectReason::Suspended => "The access token is suspended: its owner is disabled or removed, or their password changed.",
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let presented = auth::credential(&parts.headers, parts.uri.query(), &st.cfg.extra_schemes)
            .map_err(IntoResponse::into_response)?;
        let presented = SecretString::from(presented.to_string());
        // A verify is a few microseconds of SQLite: cheaper inline than a blocking-pool hop.
        match st.td.verify(presented.expose_secret()) {
            Ok(Verification::Active(meta)) => {
                let client = parts
                    .extensions
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip().to_string());
                let agent = parts
                    .headers
                    .get(axum::http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok());
                st.td.record_use(&meta.id, client.as_deref(), agent);
                Ok(Bearer(*meta))
            }
            Ok(Verification::Rejected(r)) => {
                Err(AuthError::InvalidToken(describe(r)).into_response())
            }
            Err(e) => Err(CoreError::from(e).into_response()),
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// The token's user, the token, and `act` (RFC 8693) when an admin made it by impersonation.
async fn me(State(st): State<AppState>, Bearer(token): Bearer) -> Result<Json<Me>, CoreError> {
    Ok(Json(st.td.me(&token)?))
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
