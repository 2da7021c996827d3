//! Shared set-up for the core integration tests: a real database file in a temp dir.

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
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            clock: FakeClock::new(T0),
            secrets: MemorySecretStore::new(),
        }
    }
    pub fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }
    pub fn options(&self) -> OpenOptions {
        let mut o = OpenOptions::new(self.data(), Arc::new(self.clock.clone()));
        o.owner_name = "Test Owner".into();
        o
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
