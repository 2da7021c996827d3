//! The app's managed state: the opened authority, or the reason it could not be opened (for
//! example a locked keyring), which the UI shows with a Retry button.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokendesk_core::model::Session;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ApiError, OpenOptions, SystemClock, Tokendesk};

pub struct Ready {
    pub core: Tokendesk,
    pub session: Session,
}

pub struct AppState {
    data_dir: PathBuf,
    keyring: KeyringStore,
    /// The person's own keyring entries (copies of their tokens), apart from the authority's.
    pub user_keyring: KeyringStore,
    opened: RwLock<Result<Arc<Ready>, ApiError>>,
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
        let opened = RwLock::new(Self::try_open(&data_dir, &keyring));
        AppState {
            data_dir,
            keyring,
            user_keyring,
            opened,
        }
    }

    fn try_open(
        data_dir: &std::path::Path,
        keyring: &KeyringStore,
    ) -> Result<Arc<Ready>, ApiError> {
        let opts = OpenOptions::new(data_dir, Arc::new(SystemClock));
        let core = Tokendesk::open(opts, keyring).map_err(|e| {
            log::error!("cannot open the authority: {e}");
            ApiError::from(e)
        })?;
        let session = core.local_session();
        Ok(Arc::new(Ready { core, session }))
    }

    /// The opened authority, or the error that keeps it closed.
    pub fn ready(&self) -> Result<Arc<Ready>, ApiError> {
        self.opened
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Tries again after the person fixed the cause (e.g. unlocked the keyring).
    pub fn retry(&self) -> Result<Arc<Ready>, ApiError> {
        let mut slot = self.opened.write().unwrap_or_else(|p| p.into_inner());
        if slot.is_err() {
            *slot = Self::try_open(&self.data_dir, &self.keyring);
        }
        slot.clone()
    }
}
