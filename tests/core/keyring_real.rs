//! The keyring code against a real Secret Service. Run through `make test` (.ci/with-keyring.sh
//! starts gnome-keyring in a private D-Bus session with a throwaway XDG_DATA_HOME); ignored in a
//! plain `cargo test` because a developer's own keyring must never be touched by tests.

mod common;

use common::{req, Env};
use std::process::Command;
use std::time::Duration;
use tokendesk_core::model::Verification;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::{KeyringStore, SecretStore};
use tokendesk_core::Tokendesk;

fn store(service: &str) -> KeyringStore {
    KeyringStore::new(service, Duration::from_secs(10))
}

fn secret_tool_lookup(service: &str, account: &str) -> Vec<u8> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .expect("secret-tool is installed by make test");
    assert!(
        out.status.success(),
        "secret-tool lookup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
#[ignore = "needs a Secret Service: run `make test` or .ci/with-keyring.sh"]
fn round_trip_through_the_real_secret_service() {
    let ks = store("tokendesk-test");
    let account = format!("roundtrip/{}", std::process::id());
    assert!(ks.get(&account).unwrap().is_none());
    ks.set(&account, b"\x00\x01binary\xff").unwrap();
    assert_eq!(
        ks.get(&account).unwrap().unwrap().as_slice(),
        b"\x00\x01binary\xff"
    );
    ks.delete(&account).unwrap();
    assert!(ks.get(&account).unwrap().is_none());
    ks.delete(&account).unwrap(); // deleting twice is fine
}

#[test]
#[ignore = "needs a Secret Service: run `make test` or .ci/with-keyring.sh"]
fn authority_key_lives_in_the_keyring_and_survives_reopen() {
    let env = Env::new();
    let ks = store("tokendesk");
    let (plain, authority) = {
        let td = Tokendesk::open(env.options(), &ks).unwrap();
        let s = td.local_session();
        let c = td.create_token(&s, req("real keyring")).unwrap();
        (
            c.token.expose_secret().to_string(),
            td.info(&s).unwrap().authority_id,
        )
    };
    let key = secret_tool_lookup("tokendesk", &format!("authority/{authority}/hash-key"));
    assert_eq!(key.len(), 32, "a 256-bit key");
    let db = std::fs::read(env.data().join("tokendesk.db")).unwrap();
    assert!(
        !db.windows(32).any(|w| w == key.as_slice()),
        "the key is not in the database"
    );
    let td = Tokendesk::open(env.options(), &ks).unwrap();
    assert!(matches!(
        td.verify(&plain).unwrap(),
        Verification::Active(_)
    ));
}

#[test]
#[ignore = "needs a Secret Service: run `make test` or .ci/with-keyring.sh"]
fn saved_copy_reads_back_with_the_shown_command() {
    let env = Env::new();
    let td = Tokendesk::open(env.options(), &store("tokendesk")).unwrap();
    let s = td.local_session();
    let c = td.create_token(&s, req("copy me")).unwrap();
    let user = store(tokendesk_core::service::USER_COPY_SERVICE);
    let copy = td.save_token_copy(&s, &user, &c.meta.id, &c.token).unwrap();
    assert!(copy
        .lookup_command
        .starts_with("secret-tool lookup service 'tokendesk-token' username "));
    let back = secret_tool_lookup(&copy.service, &copy.account);
    assert_eq!(back, c.token.expose_secret().as_bytes());
}
