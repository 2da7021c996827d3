//! The app's managed state: the opened authority (or the reason it could not be opened, for
//! example a locked keyring, which the UI shows with a Retry button) and the current session.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokendesk_core::authority::{Authority, LocalAuthority};
use tokendesk_core::model::Session;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ApiError, OpenOptions, SystemClock, Tokendesk};

pub struct AppState {
    data_dir: PathBuf,
    keyring: KeyringStore,
    /// The person's own keyring entries (copies of their tokens), apart from the authority's.
    pub user_keyring: KeyringStore,
    /// The authority on this computer with the session of whoever uses the window (the local
    /// owner at first), or why it could not be opened.
    opened: RwLock<Result<Arc<LocalAuthority>, ApiError>>,
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
        let opened = Self::try_open(&data_dir, &keyring);
        let state = AppState {
            data_dir,
            keyring,
            user_keyring,
            opened: RwLock::new(opened),
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
        self.opened
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the window works on: every operation of the signed-in person.
    pub fn authority(&self) -> Result<Arc<dyn Authority>, ApiError> {
        Ok(self.local()?)
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
            let was_closed = slot.is_err();
            if was_closed {
                *slot = Self::try_open(&self.data_dir, &self.keyring);
            }
            was_closed && slot.is_ok()
        };
        if reopened {
            self.start_service();
        }
        self.authority()
    }
}
