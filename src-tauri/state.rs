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
use tokendesk_core::model::{AppInfo, Connection, ConnectionMode, Session};
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
        // Connected to a server: this computer's authority is opened only when needed. On a
        // first run nothing is created until the person chooses (`create_local`).
        let opened = (remote.is_none() && Tokendesk::exists_in(&data_dir))
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
        if let Some(opened) = &*self.opened.read().unwrap_or_else(|p| p.into_inner()) {
            return opened.clone();
        }
        let connected = self
            .remote
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        Err(Error::InvalidInput(if connected {
            "This app is connected to a team server; that is only for an authority on this computer.".into()
        } else {
            "There is no authority on this computer yet: create one, or connect to a server.".into()
        })
        .into())
    }

    /// First run, "Create an authority on this computer": creates and opens it (or says why
    /// not, for example a locked keyring; Retry then tries again).
    pub fn create_local(&self) -> Result<Arc<dyn Authority>, ApiError> {
        if self
            .remote
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            return Err(Error::InvalidInput(
                "This app is connected to a team server: sign out first.".into(),
            )
            .into());
        }
        let created = {
            let mut slot = self.opened.write().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let opened = Self::try_open(&self.data_dir, &self.keyring);
                let ok = opened.is_ok();
                *slot = Some(opened);
                ok
            } else {
                false
            }
        };
        if created {
            self.start_service();
        }
        self.authority()
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
        if let Some(r) = &*self.remote.read().unwrap_or_else(|p| p.into_inner()) {
            return Connection {
                mode: ConnectionMode::Server,
                server: Some(r.login.server.clone()),
                email: Some(r.login.email.clone()),
                signed_in: r.session.is_some(),
                ended: r.ended.clone(),
                private_ca: r.login.private_ca,
            };
        }
        let chosen = self
            .opened
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        Connection {
            mode: if chosen {
                ConnectionMode::Local
            } else {
                ConnectionMode::Choose
            },
            server: None,
            email: None,
            signed_in: chosen,
            ended: None,
            private_ca: false,
        }
    }

    /// The server refused the session `seen` (revoked, expired, its user disabled or
    /// removed): it is dropped, with the server's reason for the sign-in screen, and its dead
    /// token leaves the keyring. A newer session (signed in meanwhile) is left alone.
    pub fn session_refused(&self, seen: &Arc<dyn Authority>, error: &ApiError) {
        if error.code != ErrorCode::Unauthenticated {
            return;
        }
        let mut remote = self.remote.write().unwrap_or_else(|p| p.into_inner());
        let Some(r) = remote.as_mut() else { return };
        let same = r
            .session
            .as_ref()
            .is_some_and(|s| std::ptr::addr_eq(Arc::as_ptr(s), Arc::as_ptr(seen)));
        if !same {
            return;
        }
        r.session = None;
        r.ended = Some(format!(
            "Your session on {} has ended ({}): sign in again.",
            r.login.server,
            error.message.trim_end_matches('.')
        ));
        if let Err(e) = r.login.forget_token() {
            log::warn!(
                "cannot remove the ended session from the keyring: {}",
                e.message
            );
        }
    }

    /// The server this app is signed in to, for calls outside a session ("Test it").
    pub fn server(&self) -> Option<Server> {
        self.remote
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()?
            .session
            .as_ref()
            .map(|s| s.server().clone())
    }

    /// Changes the signed-in person's password. On a server that ends their sessions, this one
    /// included, so the app signs in again with the new password: the person stays signed in.
    pub fn change_password(
        &self,
        current: Option<&SecretString>,
        new: &SecretString,
    ) -> Result<(), ApiError> {
        let authority = self.authority()?;
        authority.change_own_password(current, new)?;
        let again = self
            .remote
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|r| r.login.clone());
        if let Some(login) = again {
            let ca = login.ca_pem(&self.data_dir)?;
            self.connect(&login.server, &login.email, new, ca.as_deref())?;
        }
        Ok(())
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
            ended: None,
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
        // Back to this computer's authority if there is one; else to the first-run choice.
        let opened = {
            let mut slot = self.opened.write().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() && Tokendesk::exists_in(&self.data_dir) {
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
    /// Why the session ended, if the app saw the server refuse it.
    ended: Option<String>,
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
        let ended = session
            .is_none()
            .then(|| format!("Sign in to {} again.", login.server));
        Remote {
            login,
            session,
            ended,
        }
    }
}
