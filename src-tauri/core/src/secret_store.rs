//! Where the authority's secrets live: the OS keyring (Secret Service, Keychain, Credential
//! Manager) behind a trait, so unit tests can use memory and integration tests the real thing.

use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<Vec<u8>>>>;
    fn set(&self, account: &str, secret: &[u8]) -> Result<()>;
    fn delete(&self, account: &str) -> Result<()>;
    /// The command a person can type to read an entry back, for the UI to show.
    fn lookup_command(&self, account: &str) -> String;
    fn service(&self) -> &str;
}

const HOW_TO_FIX: &str = if cfg!(target_os = "linux") {
    "Tokendesk keeps its hash key in the system keyring (Secret Service). Start and unlock a keyring \
     daemon such as GNOME Keyring or KWallet (log in to a desktop session, or run \
     `gnome-keyring-daemon --unlock` in your session), then try again."
} else if cfg!(target_os = "macos") {
    "Tokendesk keeps its hash key in the macOS Keychain. Unlock your login keychain in Keychain Access, then try again."
} else {
    "Tokendesk keeps its hash key in Windows Credential Manager. Make sure you are signed in to a normal user session, then try again."
};

fn unavailable(detail: impl std::fmt::Display) -> Error {
    Error::KeyringUnavailable(format!(
        "The system keyring is not available or is locked ({detail}). {HOW_TO_FIX}"
    ))
}

/// The OS keyring through the `keyring` crate. Every call runs on a helper thread with a time
/// limit: a locked Secret Service can wait forever on an unlock prompt nobody sees.
pub struct KeyringStore {
    service: String,
    timeout: Duration,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>, timeout: Duration) -> Self {
        KeyringStore {
            service: service.into(),
            timeout,
        }
    }

    fn call<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>> {
        let entry = keyring::Entry::new(&self.service, account).map_err(unavailable)?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || {
                let _ = tx.send(op(entry));
            })
            .map_err(|e| Error::Internal(e.to_string()))?;
        rx.recv_timeout(self.timeout)
            .map_err(|_| unavailable(format!("no answer within {} s", self.timeout.as_secs())))
    }
}

fn map_err(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoStorageAccess(inner) => unavailable(inner),
        keyring::Error::PlatformFailure(inner) => unavailable(inner),
        other => unavailable(other),
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match self.call(account, |e| e.get_secret())? {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn set(&self, account: &str, secret: &[u8]) -> Result<()> {
        let secret = Zeroizing::new(secret.to_vec());
        self.call(account, move |e| e.set_secret(&secret))?
            .map_err(map_err)
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.call(account, |e| e.delete_credential())? {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    fn lookup_command(&self, account: &str) -> String {
        let s = &self.service;
        if cfg!(target_os = "macos") {
            format!("security find-generic-password -s '{s}' -a '{account}' -w")
        } else if cfg!(target_os = "windows") {
            format!("Get-StoredCredential -Target '{account}.{s}'  # PowerShell module CredentialManager")
        } else {
            format!("secret-tool lookup service '{s}' username '{account}'")
        }
    }

    fn service(&self) -> &str {
        &self.service
    }
}

/// In-memory secrets for unit tests; can be switched to behave like a locked keyring.
#[derive(Default)]
pub struct MemorySecretStore {
    entries: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
    unavailable: AtomicBool,
}

impl MemorySecretStore {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set_unavailable(&self, yes: bool) {
        self.unavailable.store(yes, Ordering::SeqCst);
    }
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn check(&self) -> Result<()> {
        if self.unavailable.load(Ordering::SeqCst) {
            Err(unavailable("test keyring switched off"))
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        self.check()?;
        Ok(self.entries.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, secret: &[u8]) -> Result<()> {
        self.check()?;
        self.entries
            .lock()
            .unwrap()
            .insert(account.into(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<()> {
        self.check()?;
        self.entries.lock().unwrap().remove(account);
        Ok(())
    }
    fn lookup_command(&self, account: &str) -> String {
        format!("(memory store) {account}")
    }
    fn service(&self) -> &str {
        "memory"
    }
}
