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
        name: name.into(),
        description: Some(format!("description of {name}")),
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::ThirtyDays,
        },
    }
}
