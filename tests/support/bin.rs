//! Running the built `tokendesk` binary from tests: one command with a data directory, a server
//! on a free loopback port, and a plain HTTP/1.1 GET to it. Shared by tests/cli.rs and tests/processes.rs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_tokendesk");

/// Runs the binary with `args` against the data directory `dir`, feeding `stdin`.
pub fn run(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .env("TOKENDESK_DATA_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Starts `tokendesk serve` on 127.0.0.1, port 0, for `dir`; returns it with its address once
/// it listens (its log goes on being read, so the server never blocks on a full pipe).
pub fn serve(dir: &Path) -> (Child, String) {
    let dir = dir.to_str().unwrap();
    serve_with(&["--data-dir", dir])
}

/// `tokendesk serve` on 127.0.0.1, port 0, with these extra arguments (see `serve`).
pub fn serve_with(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().split("://").last().unwrap().to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

/// GET `path` with one Authorization header on a fresh connection; the whole answer as text.
pub fn http_get(addr: &str, path: &str, auth: &str) -> String {
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

/// A blocking HTTP client builder, with ring installed as the rustls provider first (see
/// `tokendesk_http::install_crypto`).
pub fn http() -> reqwest::blocking::ClientBuilder {
    tokendesk_http::install_crypto();
    reqwest::blocking::Client::builder()
}

/// A running `tokendesk serve` on `dir` whose authority has an owner Ada (ada@example.org,
/// password "Ada's password") and one token, "on the server": what a client signs in to.
pub fn serve_with_owner(dir: &Path) -> (Child, String) {
    let served = serve(dir);
    for (args, stdin) in [
        (
            &[
                "users",
                "create",
                "--name",
                "Ada",
                "--email",
                "ada@example.org",
                "--role",
                "owner",
            ][..],
            "",
        ),
        (
            &["users", "set-password", "ada@example.org"][..],
            "Ada's password\n",
        ),
        (&["tokens", "create", "--name", "on the server"][..], ""),
    ] {
        let out = run(dir, args, stdin, &[]);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    served
}
