//! Unit tests of what only the embedded engine has (the database file) or only the core sees
//! (the first-run marker, the key in memory). Everything else about the service runs against both
//! engines in tests/core/service.rs.

use super::*;
use crate::clock::FakeClock;
use crate::params;
use crate::policy::{ExpiryChoice, ExpiryPreset};
use crate::secret_store::MemorySecretStore;
use crate::store::ConnExt;
use crate::ErrorCode;

const T0: Millis = 1_800_000_000_000;

fn req(name: &str) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name: name.into(),
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::ThirtyDays,
        },
        scopes: None,
        tenant_ids: None,
    }
}

#[test]
fn keyring_unavailable_on_first_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secrets = MemorySecretStore::new();
    secrets.set_unavailable(true);
    let e = Tokendesk::open(
        OpenOptions::new(&data, Arc::new(FakeClock::new(T0))),
        &secrets,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
    assert!(e.to_string().contains("keyring"));
    assert!(!data.exists(), "no data directory may be created");
    secrets.set_unavailable(false);
    assert!(secrets.is_empty());
}

#[test]
fn reopening_needs_the_keyring_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secrets = MemorySecretStore::new();
    let clock = Arc::new(FakeClock::new(T0));
    let td = Tokendesk::open(OpenOptions::new(&data, clock.clone()), &secrets).unwrap();
    let id = td.info(&td.local_session()).unwrap().authority_id;
    drop(td);
    let db_before = std::fs::read(data.join(DB_FILE)).unwrap();
    secrets.set_unavailable(true);
    let e = Tokendesk::open(OpenOptions::new(&data, clock.clone()), &secrets).unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
    let db_after = std::fs::read(data.join(DB_FILE)).unwrap();
    assert!(db_after == db_before, "the database is unchanged");
    secrets.set_unavailable(false);
    secrets.delete(&hash_key_account(&id)).unwrap();
    let e = Tokendesk::open(OpenOptions::new(&data, clock), &secrets).unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
    assert!(e.to_string().contains("no hash key"));
}

#[test]
fn corrupt_database_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not an sqlite database, just text ".repeat(100);
    std::fs::write(dir.path().join(DB_FILE), &garbage).unwrap();
    let secrets = MemorySecretStore::new();
    let e = Tokendesk::open(
        OpenOptions::new(dir.path(), Arc::new(FakeClock::new(T0))),
        &secrets,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::DatabaseCorrupt, "{e}");
    assert!(secrets.is_empty());
    let after = std::fs::read(dir.path().join(DB_FILE)).unwrap();
    assert!(after == garbage, "the file is left as it was");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, [DB_FILE], "no WAL or other file was created");
}

/// A first run killed after writing its key to the keyring, before creating the authority,
/// leaves a database without one; the next run finishes it and reuses that keyring entry.
#[test]
fn an_interrupted_first_run_is_finished_by_the_next_and_reuses_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = MemorySecretStore::new();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::open(&data.join(DB_FILE), Duration::from_secs(1)).unwrap();
    let id = store
        .with_tx(|tx| store::authority::pending_first_run(tx, "left-behind"))
        .unwrap();
    assert_eq!(id, "left-behind");
    let left = [7u8; 32];
    secrets.set(&hash_key_account(&id), &left).unwrap();
    drop(store);
    let td = Tokendesk::open(
        OpenOptions::new(&data, Arc::new(FakeClock::new(T0))),
        &secrets,
    )
    .unwrap();
    assert_eq!(td.authority_id, "left-behind");
    assert_eq!(
        td.key.expose_secret(),
        &left,
        "the entry left behind is reused"
    );
    let s = td.local_session();
    let t = td.create_token(&s, req("works")).unwrap();
    drop(td);
    let td = Tokendesk::open(
        OpenOptions::new(&data, Arc::new(FakeClock::new(T0))),
        &secrets,
    )
    .unwrap();
    assert!(matches!(
        td.verify(t.token.expose_secret()).unwrap(),
        Verification::Active(_)
    ));
    let n: (i64, i64) = td
        .store()
        .read(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM authority), (SELECT count(*) FROM first_run)",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    assert_eq!(n, (1, 0));
}
