//! The app's managed state: what the window works on — the authority on this computer (or the
//! reason it could not be opened, for example a locked keyring, which the UI shows with a
//! Retry button) with the current session, or a team server this app is connected to with the
//! session kept in the OS keyring (`login.rs`).

use crate::login::Login;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokendesk_client::{RemoteAuthority, Server};
use tokendesk_core::authority::{Authority, LocalAuthority};
use tokendesk_core::model::{AppInfo, Connection, Session};
use tokendesk_core::secret::SecretString;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ApiError, Error, ErrorCode, OpenOptions, SystemClock, Tokendesk};

pub struct AppState {
    data_dir: PathBuf,
    keyring: KeyringStore,
    /// The person's own keyring entries (copies of their tokens), apart from the authority's.
    pub user_keyring: KeyringStore,
    /// The authority on this computer with the session of whoever uses the window (the local
    /// owner at first), or why it could not be opened.
    /// `None` while the app is connected to a team server and never opened it.
    opened: RwLock<Option<Result<Arc<LocalAuthority>, ApiError>>>,
    /// The team server this app is connected to, if any.
    remote: RwLock<Option<Remote>>,
    /// The embedded verification service (Settings → Verification service).
    pub service: tokendesk_http::Host,
}

impl AppState {
    pub fn open(data_dir: PathBuf) -> AppState {
        let keyring = KeyringStore::new(
            tokendesk_core::service::KEYRING_SERVICE,
            Duration::from_secs(15),
        );
        let user_keyring = KeyringStore::new(
            tokendesk_core::service::USER_COPY_SERVICE,
            Duration::from_secs(15),
        );
        let remote = match Login::load(&data_dir) {
            Ok(login) => login.map(|l| Remote::resume(&data_dir, l)),
            Err(e) => {
                log::warn!("ignoring the stored login: {}", e.message);
                None
            }
        };
        // Connected to a server: this computer's authority is opened only when needed.
        let opened = remote
            .is_none()
            .then(|| Self::try_open(&data_dir, &keyring));
        let state = AppState {
            data_dir,
            keyring,
            user_keyring,
            opened: RwLock::new(opened),
            remote: RwLock::new(remote),
            service: Default::default(),
        };
        state.start_service();
        state
    }

    /// Starts the verification service if its settings say so (at start and after Retry).
    fn start_service(&self) {
        if let Ok((core, s)) = self.ready() {
            match core.service_settings(&s) {
                Ok(settings) if settings.enabled => {
                    self.service.apply(&core, &settings);
                }
                Ok(_) => {}
                Err(e) => log::warn!("cannot read the verification service settings: {e}"),
            }
        }
    }

    fn try_open(
        data_dir: &std::path::Path,
        keyring: &KeyringStore,
    ) -> Result<Arc<LocalAuthority>, ApiError> {
        let opts = OpenOptions::new(data_dir, Arc::new(SystemClock));
        match Tokendesk::open(opts, keyring) {
            Ok(td) => {
                let owner = td.local_session();
                Ok(Arc::new(LocalAuthority::new(Arc::new(td), owner)))
            }
            Err(e) => {
                log::error!("cannot open the authority: {e}");
                Err(ApiError::from(e))
            }
        }
    }

    fn local(&self) -> Result<Arc<LocalAuthority>, ApiError> {
        match &*self.opened.read().unwrap_or_else(|p| p.into_inner()) {
            Some(opened) => opened.clone(),
            None => Err(Error::InvalidInput(
                "This app is connected to a team server; that is only for an authority on this computer.".into(),
            )
            .into()),
        }
    }

    /// What the window works on: every operation of the signed-in person.
    pub fn authority(&self) -> Result<Arc<dyn Authority>, ApiError> {
        if let Some(r) = &*self.remote.read().unwrap_or_else(|p| p.into_inner()) {
            return match &r.session {
                Some(s) => Ok(s.clone()),
                None => Err(ApiError {
                    code: ErrorCode::Unauthenticated,
                    message: format!(
                        "Your session on {} has ended: sign in again.",
                        r.login.server
                    ),
                }),
            };
        }
        Ok(self.local()?)
    }

    /// Where the window's authority is.
    pub fn connection(&self) -> Connection {
        match &*self.remote.read().unwrap_or_else(|p| p.into_inner()) {
            Some(r) => Connection {
                server: Some(r.login.server.clone()),
                email: Some(r.login.email.clone()),
                signed_in: r.session.is_some(),
                private_ca: r.login.private_ca,
            },
            None => Connection {
                server: None,
                email: None,
                signed_in: true,
                private_ca: false,
            },
        }
    }

    /// Signs in to a team server and works on it from now on (also to sign in again after a
    /// session ended). The session token goes into the OS keyring, nowhere else.
    pub fn connect(
        &self,
        url: &str,
        email: &str,
        password: &SecretString,
        ca_pem: Option<&[u8]>,
    ) -> Result<AppInfo, ApiError> {
        let server = Server::new(url, ca_pem)?;
        let email = email.trim().to_lowercase();
        let token = server.sign_in(&email, password)?;
        let login = Login {
            server: server.url().to_string(),
            email,
            private_ca: ca_pem.is_some(),
        };
        // The session before (this server or another) ends first, as `tokendesk login` does.
        if let Some(old) = self
            .remote
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            Self::end(&self.data_dir, old);
        }
        login.save(&self.data_dir, &token, ca_pem)?;
        let session = Arc::new(server.session(token));
        let info = session.info()?;
        *self.remote.write().unwrap_or_else(|p| p.into_inner()) = Some(Remote {
            login,
            session: Some(session),
        });
        Ok(info)
    }

    /// Signs out of the team server: the session ends there (RFC 7009) and leaves the keyring;
    /// the window goes back to this computer's authority. `false` if the server could not
    /// confirm (then the session token expires on its own).
    pub fn sign_out(&self) -> Result<bool, ApiError> {
        let Some(r) = self
            .remote
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return Ok(true);
        };
        let confirmed = Self::end(&self.data_dir, r);
        let opened = {
            let mut slot = self.opened.write().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(Self::try_open(&self.data_dir, &self.keyring));
                true
            } else {
                false
            }
        };
        if opened {
            self.start_service();
        }
        Ok(confirmed)
    }

    fn end(data_dir: &std::path::Path, r: Remote) -> bool {
        let confirmed = match &r.session {
            Some(s) => s
                .sign_out()
                .inspect_err(|e| {
                    log::warn!("the server did not confirm the sign-out: {}", e.message)
                })
                .is_ok(),
            None => true,
        };
        if let Err(e) = r.login.forget(data_dir) {
            log::warn!("cannot remove the stored login: {}", e.message);
        }
        confirmed
    }

    /// The authority on this computer and the current session, for what only a local
    /// authority has (the embedded service, Switch user, keyring copies), or the error that
    /// keeps it closed.
    pub fn ready(&self) -> Result<(Arc<Tokendesk>, Session), ApiError> {
        let local = self.local()?;
        Ok((local.core().clone(), local.session()))
    }

    pub fn set_session(&self, s: Session) -> Result<(), ApiError> {
        self.local()?.set_session(s);
        Ok(())
    }

    /// Tries again after the person fixed the cause (e.g. unlocked the keyring).
    pub fn retry(&self) -> Result<Arc<dyn Authority>, ApiError> {
        let reopened = {
            let mut slot = self.opened.write().unwrap_or_else(|p| p.into_inner());
            match &*slot {
                Some(Err(_)) => {
                    let again = Self::try_open(&self.data_dir, &self.keyring);
                    let ok = again.is_ok();
                    *slot = Some(again);
                    ok
                }
                _ => false,
            }
        };
        if reopened {
            self.start_service();
        }
        self.authority()
    }
}

/// A team server this app is connected to: the stored login, and its session unless it ended.
struct Remote {
    login: Login,
    session: Option<Arc<RemoteAuthority>>,
}

impl Remote {
    /// At start: the session from the keyring, silently; none if it is gone or unreadable.
    fn resume(data_dir: &std::path::Path, login: Login) -> Remote {
        let session = (|| -> Result<Option<Arc<RemoteAuthority>>, ApiError> {
            let Some(token) = login.token()? else {
                return Ok(None);
            };
            let server = Server::new(&login.server, login.ca_pem(data_dir)?.as_deref())?;
            Ok(Some(Arc::new(server.session(token))))
        })()
        .unwrap_or_else(|e| {
            log::warn!(
                "cannot resume the session on {}: {}",
                login.server,
                e.message
            );
            None
        });
        Remote { login, session }
    }
}
