//! Team mode with the built binary on a real PostgreSQL cluster: `server init`, two `serve`
//! processes on one database, command lines writing at once, and the database going away.
//! Needs `TOKENDESK_TEST_POSTGRES` and `TOKENDESK_TEST_PG_CTL` (`make test-team` starts a
//! cluster of its own, since this test stops and restarts it).

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use bin::{http_get, serve_with, BIN};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

struct Team {
    url: String,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

impl Team {
    fn db_args<'a>(&'a self, key: &'a Path) -> Vec<&'a str> {
        vec!["--database", &self.url, "--key-file", key.to_str().unwrap()]
    }

    /// Runs the CLI on the team database with `key` as the key file.
    fn cli_with(&self, key: &Path, args: &[&str], stdin: &str) -> Output {
        let all = [args, &self.db_args(key)].concat();
        bin::run(self._dir.path(), &all, stdin, &[])
    }

    fn cli(&self, args: &[&str]) -> Output {
        self.cli_with(&self.key, args, "")
    }

    fn serve(&self, key: &Path) -> (Server, String) {
        let (child, addr) = serve_with(&self.db_args(key));
        (Server(Some(child)), addr)
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// The status and body of `GET /api/users/me` with `token`.
fn me(addr: &str, token: &str) -> (u16, String) {
    let answer = http_get(addr, "/api/users/me", &format!("Bearer {token}"));
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, body.to_string())
}

fn create(team: &Team, name: &str) -> (String, String) {
    let v = json(&team.cli(&["tokens", "create", "--name", name, "--json"]));
    (
        v["id"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

/// A server process, killed if the test fails before stopping it.
struct Server(Option<Child>);

impl Server {
    /// SIGKILL, as a crash or an OOM kill would stop it.
    fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn stop(mut server: Server) {
    let mut child = server.0.take().unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "the server stopped badly: {exit:?}");
}

fn pg_ctl(args: &str) {
    let base = std::env::var("TOKENDESK_TEST_PG_CTL").expect("set by .ci/with-postgres.sh");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{base} -w {args} >/dev/null"))
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args}");
}

#[test]
fn two_servers_and_several_command_lines_share_one_authority_on_postgres() {
    let Ok(server) = std::env::var("TOKENDESK_TEST_POSTGRES") else {
        panic!("TOKENDESK_TEST_POSTGRES is not set: run `make test-team`");
    };
    let dir = tempfile::tempdir().unwrap();
    let team = Team {
        url: tokendesk_postgres::create_scratch_database(&server).unwrap(),
        key: dir.path().join("authority.key"),
        _dir: dir,
    };
    let key2 = team.key.with_file_name("copy.key");

    // server init: creates the authority and a 0600 key file; refuses to do it twice.
    let pw = format!("{PASSWORD}\n");
    let init = |key: &Path| {
        team.cli_with(
            key,
            &["server", "init", "--owner-email", "Owner@Example.org"],
            &pw,
        )
    };
    let first = ok(&init(&team.key));
    assert!(first.contains("owner@example.org"), "{first}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&team.key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = init(&team.key);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
    let other = init(&key2);
    assert!(String::from_utf8_lossy(&other.stderr).contains("already holds an authority"));
    assert!(!key2.exists(), "a refused init writes no key file");

    // A copy readable by others is refused with the fix; a 0600 copy serves.
    std::fs::copy(&team.key, &key2).unwrap();
    std::fs::set_permissions(&key2, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = team.cli_with(&key2, &["serve", "--bind", "127.0.0.1:0"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("chmod 600"));
    std::fs::set_permissions(&key2, std::fs::Permissions::from_mode(0o600)).unwrap();

    // The owner signs in with the password given to init.
    let signed_in = team.cli_with(
        &team.key,
        &["--as", "owner@example.org", "tokens", "list", "--json"],
        &pw,
    );
    ok(&signed_in);

    let (mut a, mut addr_a) = team.serve(&team.key);
    let (b, addr_b) = team.serve(&key2);

    // Created by one process, accepted by both servers. Revoked by another process (even
    // rounds) or through server A (odd rounds): A refuses at once when the revoke went through
    // it, and every server refuses within the trust window (1 s) at the latest — in practice
    // within milliseconds, as the change is announced (figures: docs/benchmarks.md).
    let http = bin::http().build().unwrap();
    let mut slowest = Duration::ZERO;
    for round in 0..10 {
        let (id, token) = create(&team, &format!("round {round}"));
        assert_eq!(me(&addr_a, &token).0, 200, "A accepts a new token");
        assert_eq!(me(&addr_b, &token).0, 200, "B accepts a new token");
        if round % 2 == 0 {
            ok(&team.cli(&["tokens", "revoke", &id]));
        } else {
            let r = http
                .post(format!("http://{addr_a}/oauth/revoke"))
                .bearer_auth(&token) // RFC 7009: the caller authenticates; here with the token itself
                .form(&[("token", token.as_str())])
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            assert_eq!(
                me(&addr_a, &token).0,
                401,
                "A accepted a token revoked through it"
            );
        }
        let revoked = Instant::now();
        for addr in [&addr_b, &addr_a] {
            loop {
                let (status, body) = me(addr, &token);
                if status == 401 {
                    break;
                }
                assert_eq!(status, 200, "{body}");
                assert!(
                    revoked.elapsed() < Duration::from_secs(1),
                    "round {round}: {addr} still accepts a revoked token after 1 s"
                );
            }
        }
        slowest = slowest.max(revoked.elapsed());
    }
    eprintln!("every server refused a revoked token within {slowest:?}");

    // Several processes create at once; the audit chain stays one line.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (url, key) = (team.url.clone(), team.key.clone());
            std::thread::spawn(move || {
                for i in 0..5 {
                    let out = Command::new(BIN)
                        .args(["tokens", "create", "--name", &format!("w{w} t{i}")])
                        .args(["--database", &url, "--key-file", key.to_str().unwrap()])
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "{out:?}");
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
    let chain = ok(&team.cli(&["audit", "verify"]));
    assert!(chain.contains("intact"), "{chain}");
    let all = json(&team.cli(&["tokens", "list", "--json"]));
    assert_eq!(all.as_array().unwrap().len(), 10 + 20);

    // Both servers create through the REST API at once; A is killed (SIGKILL) in the middle.
    // B keeps serving, and no write is half there: every token has its audit event, every
    // event its token, and the chain is intact.
    let (_, admin) = create(&team, "admin");
    let body = |name: String| serde_json::json!({ "name": name, "expiry": { "kind": "preset", "preset": "one_day" } });
    let created = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = [addr_a.clone(), addr_b.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, addr)| {
            let (admin, created, http) = (admin.clone(), created.clone(), http.clone());
            std::thread::spawn(move || {
                // Bounded: 200 creates per server, or until the server is gone.
                for i in 0..200 {
                    let r = http
                        .post(format!("http://{addr}/api/tokens"))
                        .bearer_auth(&admin)
                        .json(&body(format!("rest {w} {i}")))
                        .send();
                    match r {
                        Ok(r) if r.status().as_u16() == 201 => {
                            created.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(r) => panic!("{addr}: create answered {}", r.status()),
                        Err(_) if w == 0 => break, // A was killed
                        Err(e) => panic!("{addr}: {e}"),
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while created.load(Ordering::SeqCst) < 40 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    a.kill();
    writers.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(me(&addr_b, &admin).0, 200, "B keeps serving");
    let chain = ok(&team.cli(&["audit", "verify"]));
    assert!(chain.contains("intact"), "{chain}");
    let tokens = json(&team.cli(&["tokens", "list", "--json"]));
    let events = json(&team.cli(&[
        "audit",
        "export",
        "--format",
        "json",
        "--action",
        "token.created",
    ]));
    let token_ids: std::collections::BTreeSet<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let event_targets: std::collections::BTreeSet<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["targetId"].as_str().unwrap())
        .collect();
    assert_eq!(
        token_ids, event_targets,
        "every token has its audit event and no event lacks its token"
    );
    assert!(token_ids.len() >= 10 + 20 + 1 + created.load(Ordering::SeqCst));
    eprintln!(
        "{} REST creates on two servers, A killed in the middle: {} tokens, each with its event",
        created.load(Ordering::SeqCst),
        token_ids.len()
    );
    (a, addr_a) = team.serve(&team.key);

    // Uses counted on both servers add up: nothing lost when both flush.
    let (id, token) = create(&team, "counted");
    for _ in 0..25 {
        assert_eq!(me(&addr_a, &token).0, 200);
        assert_eq!(me(&addr_b, &token).0, 200);
    }

    // The database goes away: a server answers from its cache only while it is inside the
    // trust window (1 s after its last read of the feed), then 503 with the error shape —
    // never a success again until the database is back.
    pg_ctl("stop -m fast");
    let stopped = Instant::now();
    let mut served_from_cache = 0;
    for addr in [&addr_a, &addr_b] {
        loop {
            let sent = stopped.elapsed();
            let (status, body) = me(addr, &token);
            if status == 503 {
                let e: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(e["code"], "database_unavailable", "{body}");
                break;
            }
            assert_eq!(status, 200, "{body}");
            assert!(
                sent < Duration::from_secs(1),
                "{addr} answered from its cache {sent:?} after the database went away"
            );
            served_from_cache += 1;
        }
        assert_eq!(me(addr, &token).0, 503, "{addr}: once distrusted, stays so");
    }
    pg_ctl("restart");
    let back = Instant::now();
    for addr in [&addr_a, &addr_b] {
        loop {
            if me(addr, &token).0 == 200 {
                break;
            }
            assert!(
                back.elapsed() < Duration::from_secs(30),
                "{addr} never recovered"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    stop(a);
    stop(b);
    let list = json(&team.cli(&["tokens", "list", "--json"]));
    let counted = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    let uses = counted
        .get("useCount")
        .or_else(|| counted.get("use_count"))
        .and_then(|v| v.as_i64());
    assert_eq!(
        uses,
        Some(52 + served_from_cache),
        "50 uses before the outage, {served_from_cache} during it, 2 after: {counted}"
    );
}

/// A server without a keyring or PostgreSQL: `server init` and `serve` on a SQLite directory with
/// a key file, over TLS with `--tls-cert`/`--tls-key`. Bad `--database` URLs and TLS files are
/// refused with a coded error before anything is written.
#[test]
fn a_key_file_server_serves_https_and_refuses_bad_databases_and_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let key = d.join("authority.key");
    let db = format!("sqlite:{}", data.display());
    // No Secret Service: everything must come from the key file.
    let no_bus = [(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/tokendesk-team-bus",
    )];
    let run = |args: &[&str], stdin: &str| bin::run(d, args, stdin, &no_bus);
    let refused = |out: &Output, code: &str, words: &str| {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("error[{code}]")) && err.contains(words),
            "{err}"
        );
    };
    let key_arg = key.to_str().unwrap();

    for bad in [
        "mysql://db.example.org/tokens",
        "sqlite:",
        "/var/lib/tokendesk",
    ] {
        let out = run(
            &["tokens", "list", "--database", bad, "--key-file", key_arg],
            "",
        );
        refused(&out, "invalid_input", "--database takes postgres://");
    }
    // The password never appears in a message about the URL.
    let out = run(
        &[
            "audit",
            "verify",
            "--database",
            "mssql://admin:hunter2@db/x",
        ],
        "",
    );
    refused(&out, "invalid_input", "admin:***@db");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
    assert!(!data.exists() && !key.exists(), "nothing written");

    let init = run(
        &[
            "server",
            "init",
            "--database",
            &db,
            "--key-file",
            key_arg,
            "--owner-email",
            "o@example.org",
        ],
        &format!("{PASSWORD}\n"),
    );
    ok(&init);
    let token = json(&run(
        &[
            "tokens",
            "create",
            "--name",
            "over tls",
            "--json",
            "--database",
            &db,
            "--key-file",
            key_arg,
        ],
        "",
    ))["token"]
        .as_str()
        .unwrap()
        .to_string();

    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, tls_key) = (d.join("cert.pem"), d.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&tls_key, ck.signing_key.serialize_pem()).unwrap();
    let (cert_arg, tls_key_arg) = (cert.to_str().unwrap(), tls_key.to_str().unwrap());
    let serve_tls = |cert: &str, key: &str| {
        run(
            &[
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database",
                &db,
                "--key-file",
                key_arg,
                "--tls-cert",
                cert,
                "--tls-key",
                key,
            ],
            "",
        )
    };

    // A missing or mismatched certificate stops serve before it listens.
    let missing = d.join("none.pem");
    let out = serve_tls(missing.to_str().unwrap(), tls_key_arg);
    refused(&out, "invalid_input", "none.pem");
    let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let other_key = d.join("other-key.pem");
    std::fs::write(&other_key, other.signing_key.serialize_pem()).unwrap();
    let out = serve_tls(cert_arg, other_key.to_str().unwrap());
    refused(&out, "invalid_input", "");
    let out = run(&["serve", "--tls-cert", cert_arg], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "--tls-cert without --tls-key is a usage error"
    );

    let (server, addr) = serve_with(&[
        "--database",
        &db,
        "--key-file",
        key_arg,
        "--tls-cert",
        cert_arg,
        "--tls-key",
        tls_key_arg,
    ]);
    let server = Server(Some(server));
    let port = addr.rsplit(':').next().unwrap();
    let https = bin::http()
        .tls_certs_only([reqwest::Certificate::from_pem(ck.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let me = https
        .get(format!("https://localhost:{port}/api/users/me"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    assert_eq!(
        me.json::<serde_json::Value>().unwrap()["token"]["name"],
        "over tls"
    );
    let bad = https
        .get(format!("https://localhost:{port}/api/users/me"))
        .bearer_auth("tkd_nope")
        .send()
        .unwrap();
    assert_eq!(bad.status().as_u16(), 401);
    // Plain HTTP to the TLS port gets no answer from the service, and a client that does not
    // trust the certificate does not get through.
    let plain = bin::http()
        .build()
        .unwrap()
        .get(format!("http://{addr}/healthz"))
        .send();
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    let untrusting = bin::http()
        .tls_certs_only([reqwest::Certificate::from_pem(other.cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .is_err());
    stop(server);
}
