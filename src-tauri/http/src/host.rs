//! The verification service inside the desktop app: started, stopped and restarted from
//! Settings, on its own thread and runtime so the window never waits on it.

use super::{serve, HttpConfig};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tokendesk_core::model::{ServiceSettings, ServiceStatus, TestResult};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{Error, Result, Tokendesk};

struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

/// Holds the running service, if any, and why it is not running when it should be.
#[derive(Default)]
pub struct Host {
    running: Mutex<Option<Running>>,
    error: Mutex<Option<String>>,
}

impl Host {
    /// Makes the service match `settings`: stops it, then starts it again if enabled. A bind
    /// failure (port in use, bad address) is reported in the status, not as an error, so the
    /// settings are kept and the person sees why.
    pub fn apply(&self, td: &Arc<Tokendesk>, settings: &ServiceSettings) -> ServiceStatus {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = running.take() {
            let _ = r.stop.send(());
            let _ = r.thread.join();
            log::info!("verification service on {} stopped", r.addr);
        }
        let mut error = None;
        if settings.enabled {
            match start(td.clone(), settings) {
                Ok(r) => {
                    log::info!("verification service listening on http://{}", r.addr);
                    *running = Some(r);
                }
                Err(e) => {
                    log::warn!("verification service not started: {e}");
                    error = Some(e);
                }
            }
        }
        *self.error.lock().unwrap_or_else(|p| p.into_inner()) = error;
        drop(running);
        self.status(settings)
    }

    pub fn status(&self, settings: &ServiceSettings) -> ServiceStatus {
        let url = self.url();
        ServiceStatus {
            settings: settings.clone(),
            running: url.is_some(),
            url,
            error: self.error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            loopback: settings.stays_local(),
        }
    }

    /// The base URL while running.
    pub fn url(&self) -> Option<String> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|r| format!("http://{}", r.addr))
    }

    /// Where this machine reaches the service: loopback when it listens on every address.
    fn local_url(&self) -> Option<String> {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let mut addr = running.as_ref()?.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Some(format!("http://{addr}"))
    }

    /// "Test it" against the running service.
    pub async fn test(&self, token: &SecretString) -> Result<TestResult> {
        let url = self.local_url().ok_or_else(|| {
            Error::InvalidInput(
                "The verification service is off. Turn it on in Settings \u{2192} Verification service to test a token."
                    .into(),
            )
        })?;
        test_token(&url, token).await
    }

    /// Stops the service (the app is closing); its usage counts are written first.
    pub fn shutdown(&self) {
        if let Some(r) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = r.stop.send(());
            let _ = r.thread.join();
        }
    }
}

fn start(td: Arc<Tokendesk>, settings: &ServiceSettings) -> std::result::Result<Running, String> {
    let bind: SocketAddr = settings
        .bind
        .parse()
        .map_err(|_| format!("{} is not an address and port", settings.bind))?;
    // Bound here, so "address in use" is known before this returns.
    let listener =
        std::net::TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let cfg = HttpConfig {
        extra_schemes: settings.extra_schemes.clone(),
        ..Default::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Built here, so a failure is reported instead of a "running" service that is not.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("verification-service-worker")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the service's runtime: {e}"))?;
    let thread = std::thread::Builder::new()
        .name("verification-service".into())
        .spawn(move || {
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        log::error!("verification service listener: {e}");
                        return;
                    }
                };
                let shutdown = async {
                    let _ = stopped.await;
                };
                if let Err(e) = serve(td, cfg, listener, shutdown).await {
                    log::error!("verification service failed: {e}");
                }
            });
        })
        .map_err(|e| e.to_string())?;
    Ok(Running { addr, stop, thread })
}

/// "Test it": calls `GET /api/users/me` on `base_url` with the token, as a client would.
pub async fn test_token(base_url: &str, token: &SecretString) -> Result<TestResult> {
    let url = format!("{}/api/users/me", base_url.trim_end_matches('/'));
    super::install_crypto();
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Internal(e.to_string()))?
        .get(&url)
        .header(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", token.expose_secret()),
        )
        .header(reqwest::header::USER_AGENT, "Tokendesk Test it")
        .send()
        .await
        .map_err(|e| Error::InvalidInput(format!("{url} did not answer: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp
        .text()
        .await
        .map_err(|e| Error::InvalidInput(format!("{url} sent no readable answer: {e}")))?;
    let body = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    Ok(TestResult { url, status, body })
}
