//! The authority's secrets in a file, for servers without a Secret Service: `tokendesk server
//! init` writes it once (mode 0600), every server sharing the database reads a copy. A file that
//! group or others can read is refused, and the secrets never go into the database.

use crate::secret_store::SecretStore;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The file's content: `{"tokendesk_key_file": 1, "secrets": {account: hex}}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Content {
    tokendesk_key_file: u32,
    secrets: BTreeMap<String, String>,
}

pub struct KeyFileStore {
    path: PathBuf,
}

fn unreadable(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::KeyringUnavailable(format!(
        "The key file {} cannot be used: {why}",
        path.display()
    ))
}

impl KeyFileStore {
    /// The key file at `path`, which must exist and be readable by its owner only.
    pub fn open(path: impl Into<PathBuf>) -> Result<KeyFileStore> {
        let store = KeyFileStore { path: path.into() };
        if !store.path.exists() {
            return Err(unreadable(
                &store.path,
                "it does not exist. Create the authority and its key file with `tokendesk server init`, or copy the key file from a server that has it.",
            ));
        }
        store.load()?;
        Ok(store)
    }

    /// A key file that does not exist yet, for `server init`: refused if one is already there,
    /// so an existing authority's secrets are never overwritten.
    pub fn create(path: impl Into<PathBuf>) -> Result<KeyFileStore> {
        let path = path.into();
        if path.exists() {
            return Err(Error::InvalidInput(format!(
                "The key file {} already exists; Tokendesk never overwrites one. Move it away first if it belongs to no authority.",
                path.display()
            )));
        }
        Ok(KeyFileStore { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<Content> {
        if !self.path.exists() {
            return Ok(Content {
                tokendesk_key_file: 1,
                secrets: BTreeMap::new(),
            });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.path)
                .map_err(|e| unreadable(&self.path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(unreadable(
                    &self.path,
                    format!(
                        "group or others may read it (mode {:04o}). Run `chmod 600 {}` and keep it readable by the server's user only.",
                        mode & 0o7777,
                        self.path.display()
                    ),
                ));
            }
        }
        let raw = Zeroizing::new(std::fs::read(&self.path).map_err(|e| unreadable(&self.path, e))?);
        serde_json::from_slice::<Content>(&raw)
            .ok()
            .filter(|c| c.tokendesk_key_file == 1)
            .ok_or_else(|| unreadable(&self.path, "it is not a Tokendesk key file"))
    }

    /// Writes a new file next to the old one (mode 0600 from the start) and renames it over.
    fn save(&self, content: &Content) -> Result<()> {
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(content).map_err(|e| Error::Internal(e.to_string()))?,
        );
        let tmp = self.path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let write = || -> std::io::Result<()> {
            let mut f = options.open(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            unreadable(&self.path, e)
        })
    }
}

impl SecretStore for KeyFileStore {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match self.load()?.secrets.get(account) {
            None => Ok(None),
            Some(h) => hex::decode(h)
                .map(|v| Some(Zeroizing::new(v)))
                .map_err(|_| unreadable(&self.path, format!("the entry {account} is not hex"))),
        }
    }

    fn set(&self, account: &str, secret: &[u8]) -> Result<()> {
        let mut c = self.load()?;
        c.secrets.insert(account.into(), hex::encode(secret));
        self.save(&c)
    }

    fn delete(&self, account: &str) -> Result<()> {
        let mut c = self.load()?;
        if c.secrets.remove(account).is_some() {
            self.save(&c)?;
        }
        Ok(())
    }

    fn lookup_command(&self, account: &str) -> String {
        format!("jq -r '.secrets[\"{account}\"]' {}", self.path.display())
    }

    fn service(&self) -> &str {
        "key file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_in_a_0600_file_and_a_second_create_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authority.key");
        let s = KeyFileStore::create(&path).unwrap();
        assert_eq!(s.get("a").unwrap(), None);
        s.set("a", &[1, 2, 3]).unwrap();
        s.set("b", &[9; 32]).unwrap();
        let again = KeyFileStore::open(&path).unwrap();
        assert_eq!(again.get("a").unwrap().unwrap().as_slice(), &[1, 2, 3]);
        assert_eq!(again.get("b").unwrap().unwrap().as_slice(), &[9; 32]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = KeyFileStore::create(&path).err().unwrap();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        again.delete("a").unwrap();
        assert_eq!(KeyFileStore::open(&path).unwrap().get("a").unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authority.key");
        KeyFileStore::create(&path).unwrap().set("a", &[1]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = KeyFileStore::open(&path).err().unwrap();
        assert_eq!(e.code(), crate::ErrorCode::KeyringUnavailable);
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(e.to_string().contains("0640"), "{e}");
    }

    #[test]
    fn a_missing_or_foreign_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = KeyFileStore::open(dir.path().join("none")).err().unwrap();
        assert!(missing.to_string().contains("server init"), "{missing}");
        let other = dir.path().join("other");
        std::fs::write(&other, b"{\"x\": 1}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let e = KeyFileStore::open(&other).err().unwrap();
        assert!(e.to_string().contains("not a Tokendesk key file"), "{e}");
    }
}
