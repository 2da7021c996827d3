//! First run with no reachable Secret Service: a clear typed error and nothing written. In its
//! own test binary because libdbus keeps one shared session connection per process, so the bus
//! address can only be changed before the first keyring call.

mod common;

use common::Env;
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ErrorCode, OpenOptions, Tokendesk};

#[test]
fn unreachable_secret_service_on_first_run_writes_nothing() {
    // A D-Bus address where nothing listens: the same failure as a machine without a keyring.
    let env = Env::new();
    let saved = std::env::var_os("DBUS_SESSION_BUS_ADDRESS");
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/tokendesk-test-bus",
    );
    let opts = OpenOptions::new(
        env.data(),
        Arc::new(tokendesk_core::clock::FakeClock::new(common::T0)),
    );
    let result = Tokendesk::open(
        opts,
        &KeyringStore::new("tokendesk", Duration::from_secs(10)),
    );
    match saved {
        Some(v) => std::env::set_var("DBUS_SESSION_BUS_ADDRESS", v),
        None => std::env::remove_var("DBUS_SESSION_BUS_ADDRESS"),
    }
    let e = result.unwrap_err();
    assert_eq!(e.code(), ErrorCode::KeyringUnavailable);
    assert!(e.to_string().contains("keyring"), "{e}");
    assert!(!env.data().exists(), "nothing may be written");
}
