//! Shared set-up for the core and HTTP integration tests: a real SQLite file in a temp dir, or,
//! when `TOKENDESK_TEST_POSTGRES` names a PostgreSQL server (`make test-postgres` starts one), a
//! fresh database of its own there.

#![allow(dead_code)]

use std::sync::Arc;
use tokendesk_core::clock::FakeClock;
use tokendesk_core::model::CreateTokenRequest;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret_store::MemorySecretStore;
use tokendesk_core::{OpenOptions, Tokendesk};

pub const T0: i64 = 1_800_000_000_000;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub clock: FakeClock,
    pub secrets: MemorySecretStore,
    /// The PostgreSQL database of this test, if the suite runs on PostgreSQL.
    pub postgres: Option<String>,
}

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os("TOKENDESK_TEST_POSTGRES").is_some_and(|v| !v.is_empty())
}

impl Env {
    pub fn new() -> Env {
        let postgres = on_postgres().then(|| {
            let server = std::env::var("TOKENDESK_TEST_POSTGRES").unwrap();
            tokendesk_postgres::create_scratch_database(&server).unwrap()
        });
        Env {
            dir: tempfile::tempdir().unwrap(),
            clock: FakeClock::new(T0),
            secrets: MemorySecretStore::new(),
            postgres,
        }
    }
    pub fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }
    pub fn options(&self) -> OpenOptions {
        let mut o = OpenOptions::new(self.data(), Arc::new(self.clock.clone()));
        o.owner_name = "Test Owner".into();
        if let Some(url) = self.postgres.clone() {
            o.database = Some(Arc::new(move || {
                Ok(tokendesk_core::store::Store::new(
                    tokendesk_postgres::PgEngine::connect(&url)?,
                ))
            }));
        }
        o
    }

    /// `options` with a short wait for another writer (busy timeout, lock timeout).
    pub fn options_with_busy_timeout(&self, busy: std::time::Duration) -> OpenOptions {
        let mut o = self.options();
        o.busy_timeout = busy;
        if let Some(url) = self.postgres.clone() {
            o.database = Some(Arc::new(move || {
                Ok(tokendesk_core::store::Store::new(
                    tokendesk_postgres::PgEngine::connect(&url)?.with_lock_timeout(busy),
                ))
            }));
        }
        o
    }
    /// The same database opened again, as another process would, with this busy timeout.
    pub fn second_store(&self, busy: std::time::Duration) -> tokendesk_core::store::Store {
        use tokendesk_core::store::Store;
        match &self.postgres {
            Some(url) => Store::new(
                tokendesk_postgres::PgEngine::connect(url)
                    .unwrap()
                    .with_lock_timeout(busy),
            ),
            None => Store::open(&self.data().join("tokendesk.db"), busy).unwrap(),
        }
    }

    pub fn open(&self) -> Tokendesk {
        Tokendesk::open(self.options(), &self.secrets).unwrap()
    }
}

pub fn req(name: &str) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name: name.into(),
        description: Some(format!("description of {name}")),
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::ThirtyDays,
        },
        scopes: None,
        tenant_ids: None,
    }
}

use tokendesk_core::model::{NewUser, Session, User, UserKind};

pub fn session_of(u: &User) -> Session {
    Session::of_user(&u.id)
}

/// Creates a person with `role` (as the owner) and returns them.
pub fn person(td: &Tokendesk, owner: &Session, name: &str, role: &str) -> User {
    td.create_user(
        owner,
        NewUser {
            display_name: name.into(),
            email: Some(format!(
                "{}@example.org",
                name.to_lowercase().replace(' ', ".")
            )),
            kind: UserKind::Human,
            role: role.into(),
            password: Some(format!("{name} password")),
        },
    )
    .unwrap()
}

pub fn req_for(name: &str, user: &User) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: Some(user.id.clone()),
        ..req(name)
    }
}
