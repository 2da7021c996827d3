//! The built `tokendesk` binary, headless: `serve` answers over HTTP with the same database and
//! keyring as the app, stops gracefully on SIGTERM, and fails with a coded error and exit 1.
//! Needs a Secret Service: run through `make test-keyring` (.ci/with-keyring.sh).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::model::CreateTokenRequest;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};

const BIN: &str = env!("CARGO_BIN_EXE_tokendesk");

fn http_get(addr: &str, path: &str, auth: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn serve_answers_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first run creates the authority; the log line names the bound address.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_string();
        }
    };
    assert!(addr.starts_with("127.0.0.1:"));
    std::thread::spawn(move || lines.for_each(drop));

    // Same data directory and keyring from this process, as the desktop app would use them.
    let keyring = KeyringStore::new("tokendesk", Duration::from_secs(10));
    let td = Tokendesk::open(
        OpenOptions::new(dir.path(), Arc::new(SystemClock)),
        &keyring,
    )
    .unwrap();
    let s = td.local_session();
    let req = CreateTokenRequest {
        for_user: None,
        name: "cli".into(),
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
    };
    let token = td
        .create_token(&s, req)
        .unwrap()
        .token
        .expose_secret()
        .to_string();

    assert!(http_get(&addr, "/healthz", "none").starts_with("HTTP/1.1 200"));
    let me = http_get(&addr, "/api/users/me", &format!("Bearer {token}"));
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    assert!(me.contains("\"name\":\"cli\""), "{me}");
    let bad = http_get(&addr, "/api/users/me", "Bearer tkd_nope");
    assert!(
        bad.starts_with("HTTP/1.1 401") && bad.contains("invalid_token"),
        "{bad}"
    );

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "graceful shutdown exits 0");
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn serve_errors_are_coded_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            &taken.local_addr().unwrap().to_string(),
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[internal]: cannot serve on"), "{err}");

    // No keyring: a clear coded error, and nothing written.
    let fresh = dir.path().join("fresh");
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&fresh)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/tokendesk-cli-bus",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[keyring_unavailable]"));
    assert!(!fresh.exists());

    let out = Command::new(BIN)
        .args(["serve", "--bind", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap usage error");
}
