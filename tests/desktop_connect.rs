//! The desktop app's state as a client of a team server (a real `tokendesk serve` on
//! 127.0.0.1): connect (session token into the OS keyring, nowhere else), work on the server,
//! reconnect silently on the next launch, a session gone from the keyring or refused by the
//! server asks to sign in again, a password change keeps the person signed in, sign out ends
//! the session on the server and returns to the first-run choice (nothing was created here).
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
    let first = st.connection();
    assert_eq!(
        first.mode,
        ConnectionMode::Choose,
        "a first run offers the choice"
    );
    assert_eq!(first.server, None);
    assert!(!data.exists(), "nothing is created before the choice");
    assert_eq!(st.authority().err().unwrap().code, ErrorCode::InvalidInput);

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
    assert_eq!(conn.mode, ConnectionMode::Server);
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

    // "Save a copy in my keyring" on a server: only the token of that authorization.
    let copies = KeyringStore::new("tokendesk-token-test", Duration::from_secs(10));
    let other = a.create_token(CreateTokenRequest {
        for_user: None,
        name: "another".into(),
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
        scopes: None,
        tenant_ids: None,
    });
    let other = other.unwrap();
    let e = a
        .save_token_copy(&copies, &made.meta.id, &other.token)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidToken);
    let copy = a
        .save_token_copy(&copies, &made.meta.id, &made.token)
        .unwrap();
    assert_eq!(
        copy.account,
        format!("{}/{}", info.authority_id, made.meta.id)
    );
    assert_eq!(
        copies.get(&copy.account).unwrap().unwrap().to_vec(),
        made.token.expose_secret().as_bytes()
    );
    copies.delete(&copy.account).unwrap();

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

    // A password change ends the person's sessions on the server; the app signs in again.
    let before = String::from_utf8(keyring.get(&account).unwrap().unwrap().to_vec()).unwrap();
    st.change_password(Some(&pw("Ada's password")), &pw("Ada's new password"))
        .unwrap();
    let session = String::from_utf8(keyring.get(&account).unwrap().unwrap().to_vec()).unwrap();
    assert_ne!(before, session);
    assert!(
        http_get(&addr, "/api/users/me", &format!("Bearer {before}")).starts_with("HTTP/1.1 401")
    );
    assert_eq!(
        st.authority().unwrap().info().unwrap().user.display_name,
        "Ada"
    );

    // The server refuses the session (here: revoked from elsewhere): the app drops it, says
    // why, and the dead token leaves the keyring; the next sign-in works as before.
    let a = st.authority().unwrap();
    let mine = a
        .list_tokens(&ListQuery::default())
        .unwrap()
        .items
        .into_iter()
        .find(|t| t.name.starts_with("Sign-in") && t.status == TokenStatus::Active)
        .unwrap();
    a.revoke_token(&mine.id, Some("lost laptop")).unwrap();
    let e = a.list_users().unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    st.session_refused(&a, &e);
    let conn = st.connection();
    assert!(!conn.signed_in);
    assert!(
        conn.ended.as_deref().unwrap().contains("sign in again"),
        "{conn:?}"
    );
    assert!(keyring.get(&account).unwrap().is_none());
    assert_eq!(
        st.authority().err().unwrap().code,
        ErrorCode::Unauthenticated
    );
    st.connect(&url, "ada@example.org", &pw("Ada's new password"), None)
        .unwrap();
    // A refusal seen by an older session does not end the new one.
    st.session_refused(&a, &e);
    assert!(st.connection().signed_in);
    let session = String::from_utf8(keyring.get(&account).unwrap().unwrap().to_vec()).unwrap();

    // Sign out: the session ends on the server and leaves the keyring; back to the choice,
    // since no authority was ever created on this computer.
    assert!(st.sign_out().unwrap(), "the server confirmed");
    assert!(keyring.get(&account).unwrap().is_none());
    assert!(!data.join("server.json").exists());
    assert!(
        http_get(&addr, "/api/users/me", &format!("Bearer {session}")).starts_with("HTTP/1.1 401")
    );
    assert_eq!(st.connection().mode, ConnectionMode::Choose);
    assert!(!data.join("tokendesk.db").exists());
    assert!(
        st.create_local()
            .unwrap()
            .info()
            .unwrap()
            .session
            .local_owner
    );
    assert_eq!(st.connection().mode, ConnectionMode::Local);

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
