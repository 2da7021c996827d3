//! The desktop app's state as a client of a team server (a real `tokendesk serve` on
//! 127.0.0.1): connect (session token into the OS keyring, nowhere else), work on the server,
//! reconnect silently on the next launch, a session gone from the keyring asks to sign in
//! again, sign out ends the session on the server and returns to this computer's authority.
//! Needs a Secret Service: run through `make test-keyring`.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use bin::http_get;
use std::time::Duration;
use tokendesk_app::state::AppState;
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::secret_store::{KeyringStore, SecretStore};
use tokendesk_core::ErrorCode;

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn the_app_connects_reconnects_and_signs_out_of_a_team_server() {
    let server_dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = bin::serve_with_owner(server_dir.path());
    let url = format!("http://{addr}");
    let keyring = KeyringStore::new("tokendesk-session", Duration::from_secs(10));
    let account = format!("{url}/ada@example.org");

    let client = tempfile::tempdir().unwrap();
    let data = client.path().join("data");
    let st = AppState::open(data.clone());
    assert_eq!(
        st.connection().server,
        None,
        "a first run works on this computer"
    );

    let e = st
        .connect(&url, "ada@example.org", &pw("not it"), None)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCredentials);
    assert!(keyring.get(&account).unwrap().is_none());
    assert!(!data.join("server.json").exists());

    let info = st
        .connect(&url, "Ada@Example.org", &pw("Ada's password"), None)
        .unwrap();
    assert_eq!(info.user.display_name, "Ada");
    assert_eq!(info.data_dir, url);
    let conn = st.connection();
    assert_eq!(conn.server.as_deref(), Some(url.as_str()));
    assert_eq!(conn.email.as_deref(), Some("ada@example.org"));
    assert!(conn.signed_in);
    let a = st.authority().unwrap();
    let listed = a
        .list_tokens(&ListQuery {
            scope: ListScope::All,
            ..Default::default()
        })
        .unwrap();
    assert!(listed.items.iter().any(|t| t.name == "on the server"));
    let made = a
        .create_token(CreateTokenRequest {
            for_user: None,
            name: "from the app".into(),
            description: None,
            expiry: ExpiryChoice::Preset {
                preset: ExpiryPreset::OneDay,
            },
            scopes: None,
            tenant_ids: None,
        })
        .unwrap();
    let bearer = format!("Bearer {}", made.token.expose_secret());
    assert!(http_get(&addr, "/api/users/me", &bearer).starts_with("HTTP/1.1 200"));

    // The session token: in the keyring, in no file of the app.
    let session = String::from_utf8(keyring.get(&account).unwrap().unwrap().to_vec()).unwrap();
    for entry in walk(&data) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes
                .windows(session.len())
                .any(|w| w == session.as_bytes()),
            "the session token is in {}",
            entry.display()
        );
    }
    drop(a);
    drop(st);

    // The next launch reconnects silently, without opening this computer's authority.
    let st = AppState::open(data.clone());
    assert_eq!(
        st.authority().unwrap().info().unwrap().user.display_name,
        "Ada"
    );
    assert_eq!(st.ready().unwrap_err().code, ErrorCode::InvalidInput);
    drop(st);

    // A session gone from the keyring: the app asks to sign in again.
    keyring.delete(&account).unwrap();
    let st = AppState::open(data.clone());
    assert!(!st.connection().signed_in);
    let e = st.authority().err().unwrap();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    assert!(e.message.contains("sign in again"), "{}", e.message);
    st.connect(&url, "ada@example.org", &pw("Ada's password"), None)
        .unwrap();
    let session = String::from_utf8(keyring.get(&account).unwrap().unwrap().to_vec()).unwrap();

    // Sign out: the session ends on the server and leaves the keyring; back to this computer.
    assert!(st.sign_out().unwrap(), "the server confirmed");
    assert!(keyring.get(&account).unwrap().is_none());
    assert!(!data.join("server.json").exists());
    assert!(
        http_get(&addr, "/api/users/me", &format!("Bearer {session}")).starts_with("HTTP/1.1 401")
    );
    assert_eq!(st.connection().server, None);
    assert!(st.authority().unwrap().info().unwrap().session.local_owner);

    child.kill().unwrap();
    child.wait().unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
