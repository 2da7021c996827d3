//! Where a client's login to a team server lives, for the CLI (and the desktop app in server
//! mode): the server's address, the email and the server's CA certificate in the data
//! directory (`server.json`, `server-ca.pem`: nothing secret), the session token in the OS
//! keyring (service `tokendesk-session`, account `<server URL>/<email>`), never in a file.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::secret_store::{KeyringStore, SecretStore};
use tokendesk_core::{ApiError, Error};

pub const KEYRING_SERVICE: &str = "tokendesk-session";
const FILE: &str = "server.json";
const CA_FILE: &str = "server-ca.pem";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub server: String,
    pub email: String,
    /// Whether `server-ca.pem` next to `server.json` is the server's CA.
    #[serde(default)]
    pub private_ca: bool,
}

fn keyring() -> KeyringStore {
    KeyringStore::new(KEYRING_SERVICE, Duration::from_secs(15))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> ApiError {
    Error::Internal(format!("cannot {what} {}: {e}", path.display())).into()
}

impl Login {
    fn account(&self) -> String {
        format!("{}/{}", self.server, self.email)
    }

    /// The stored login of this data directory, if any.
    pub fn load(data_dir: &Path) -> Result<Option<Login>, ApiError> {
        let path = data_dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::Internal(format!(
                    "{} is damaged ({e}); sign out or delete it",
                    path.display()
                ))
                .into()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", &path, e)),
        }
    }

    /// The CA certificate to trust for this server, if one was given at login.
    pub fn ca_pem(&self, data_dir: &Path) -> Result<Option<Vec<u8>>, ApiError> {
        if !self.private_ca {
            return Ok(None);
        }
        let path = data_dir.join(CA_FILE);
        std::fs::read(&path)
            .map(Some)
            .map_err(|e| io("read", &path, e))
    }

    /// The session token from the keyring; `None` if it is gone (signed out elsewhere).
    pub fn token(&self) -> Result<Option<SecretString>, ApiError> {
        Ok(keyring()
            .get(&self.account())?
            .map(|bytes| SecretString::from(String::from_utf8_lossy(&bytes).into_owned())))
    }

    /// Keeps the token in the keyring first, then the (non-secret) rest in the data directory.
    pub fn save(
        &self,
        data_dir: &Path,
        token: &SecretString,
        ca_pem: Option<&[u8]>,
    ) -> Result<(), ApiError> {
        keyring().set(&self.account(), token.expose_secret().as_bytes())?;
        std::fs::create_dir_all(data_dir).map_err(|e| io("create", data_dir, e))?;
        if let Some(pem) = ca_pem {
            let path = data_dir.join(CA_FILE);
            std::fs::write(&path, pem).map_err(|e| io("write", &path, e))?;
        }
        let path = data_dir.join(FILE);
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Internal(e.to_string()))?;
        std::fs::write(&path, json).map_err(|e| io("write", &path, e))
    }

    /// Deletes the session token (the server refused it) and keeps the rest, to sign in again.
    pub fn forget_token(&self) -> Result<(), ApiError> {
        Ok(keyring().delete(&self.account())?)
    }

    /// Deletes the keyring entry, then the files.
    pub fn forget(&self, data_dir: &Path) -> Result<(), ApiError> {
        keyring().delete(&self.account())?;
        for f in [FILE, CA_FILE] {
            match std::fs::remove_file(data_dir.join(f)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io("remove", &data_dir.join(f), e))
                }
                _ => {}
            }
        }
        Ok(())
    }
}
