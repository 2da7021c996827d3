//! The built `tokendesk` binary, headless: `serve` answers over HTTP with the same database and
//! keyring as the app, stops gracefully on SIGTERM, and fails with a coded error and exit 1.
//! Needs a Secret Service: run through `make test-keyring` (.ci/with-keyring.sh).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::model::CreateTokenRequest;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::{KeyringStore, SecretStore};
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
use bin::{http_get, BIN};

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn serve_answers_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    // The first run creates the authority; the log line names the bound address.
    let (mut child, addr) = bin::serve(dir.path());
    assert!(addr.starts_with("127.0.0.1:"));

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
        scopes: None,
        tenant_ids: None,
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

/// An authority as a headless server has it: SQLite in `data/` and a 0600 key file, named on
/// every command line (no keyring).
struct Headless {
    dir: tempfile::TempDir,
    base: [String; 4],
}

impl Headless {
    fn new() -> Headless {
        let dir = tempfile::tempdir().unwrap();
        let base = [
            "--database".to_string(),
            format!("sqlite:{}", dir.path().join("data").display()),
            "--key-file".to_string(),
            dir.path().join("authority.key").display().to_string(),
        ];
        Headless { dir, base }
    }

    /// A new headless authority: `server init` with the owner root@example.org; its output.
    fn init() -> (Headless, String) {
        let h = Headless::new();
        let (code, out, err) = h.run(
            &["server", "init", "--owner-email", "root@example.org"],
            "a long enough password\n",
        );
        assert_eq!(code, 0, "{err}");
        (h, out)
    }

    fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let all: Vec<&str> = args
            .iter()
            .copied()
            .chain(self.base.iter().map(String::as_str))
            .collect();
        tokendesk(self.dir.path(), &all, stdin)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }
}

/// Runs the binary with `args` against `dir`, feeding `stdin`; returns (exit code, stdout, stderr).
fn tokendesk(dir: &std::path::Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    tokendesk_env(dir, args, stdin, &[])
}

fn tokendesk_env(
    dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let out = bin::run(dir, args, stdin, env);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn tokens_users_verify_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // create --json: at least id, name, token, expires_at; the token shown once.
    let (code, out, err) = tokendesk(
        d,
        &[
            "tokens",
            "create",
            "--name",
            "deploy",
            "--expires",
            "7d",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let token = created["token"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(token.starts_with("tkd_") && token.len() == 53);
    assert_eq!(created["name"], "deploy");
    assert!(created["expires_at"].as_str().unwrap().ends_with('Z'));

    // Plain create prints only the token on stdout, so $(...) captures it.
    let (code, out, _) = tokendesk(
        d,
        &[
            "tokens",
            "create",
            "--name",
            "plain",
            "--expires",
            "2099-01-01T00:00:00Z",
        ],
        "",
    );
    assert_eq!(code, 1, "past the maximum lifetime");
    let (code, out2, _) = tokendesk(d, &["tokens", "create", "--name", "plain"], "");
    assert_eq!(code, 0);
    assert!(out.is_empty() && out2.trim().starts_with("tkd_") && out2.lines().count() == 1);

    let (code, out, _) = tokendesk(d, &["tokens", "list", "--json"], "");
    assert_eq!(code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(list.len(), 2);
    assert!(!out.contains(&token[4..]), "a list never shows a token");

    // verify - reads stdin: exit 0 active, 1 not.
    let (code, out, _) = tokendesk(d, &["verify", "-"], &format!("{token}\n"));
    assert_eq!(
        (code, out.starts_with("active: deploy")),
        (0, true),
        "{out}"
    );
    assert_eq!(
        tokendesk(d, &["tokens", "rename", &id, "deploy v2"], "").0,
        0
    );
    assert_eq!(
        tokendesk(d, &["tokens", "revoke", &id, "--reason", "rotated"], "").0,
        0
    );
    let (code, out, _) = tokendesk(d, &["verify", "-"], &format!("{token}\n"));
    assert_eq!((code, out.trim()), (1, "not active: revoked"));
    let (code, _, err) = tokendesk(d, &["tokens", "revoke", &id], "");
    assert_eq!(code, 1);
    assert!(err.starts_with("error[already_revoked]:"), "{err}");

    // Users, a password from stdin, then acting --as that user.
    let (code, _, err) = tokendesk(
        d,
        &[
            "users",
            "create",
            "--name",
            "Mia",
            "--email",
            "mia@example.org",
            "--role",
            "member",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tokendesk(
            d,
            &["users", "set-password", "mia@example.org"],
            "mia password 1\n"
        )
        .0,
        0
    );
    let (code, out, err) = tokendesk(
        d,
        &[
            "--as",
            "mia@example.org",
            "tokens",
            "create",
            "--name",
            "mia's",
            "--json",
        ],
        "mia password 1\n",
    );
    assert_eq!(code, 0, "{err}");
    let mias: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (_, list, _) = tokendesk(
        d,
        &["--as", "mia@example.org", "tokens", "list", "--json"],
        "mia password 1\n",
    );
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list.iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["mia's"]
    );
    let (code, _, err) = tokendesk(
        d,
        &["--as", "mia@example.org", "users", "list"],
        "mia password 1\n",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error[permission_denied]:"), "{err}");
    let (code, _, err) = tokendesk(
        d,
        &["--as", "mia@example.org", "tokens", "list"],
        "wrong password\n",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_credentials]:"), "{err}");

    // --for-user makes an impersonation token, hidden from Mia's own list.
    let (code, out, err) = tokendesk(
        d,
        &[
            "tokens",
            "create",
            "--name",
            "support",
            "--for-user",
            "mia@example.org",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let imp: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(imp["kind"], "impersonation");
    assert_eq!(imp["owner_id"], mias["owner_id"]);
    let (_, list, _) = tokendesk(
        d,
        &["--as", "mia@example.org", "tokens", "list", "--json"],
        "mia password 1\n",
    );
    assert!(!list.contains("support"));

    assert_eq!(
        tokendesk(d, &["users", "disable", "mia@example.org"], "").0,
        0
    );
    let (code, out, _) = tokendesk(
        d,
        &["verify", "-"],
        &format!("{}\n", mias["token"].as_str().unwrap()),
    );
    assert_eq!((code, out.trim()), (1, "not active: suspended"));

    // Bad input: coded errors and exit 1; usage errors exit 2.
    let (code, _, err) = tokendesk(d, &["tokens", "create", "--name", "  "], "");
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_name]:"), "{err}");
    let (code, _, err) = tokendesk(
        d,
        &["tokens", "create", "--name", "x", "--expires", "soon"],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_expiry]:"), "{err}");
    assert_eq!(tokendesk(d, &["tokens", "create"], "").0, 2);
    assert_eq!(
        tokendesk(d, &["verify", "token-on-the-command-line"], "").0,
        2,
        "tokens only on stdin"
    );
    let (code, _, err) = tokendesk(d, &["verify", "-"], "");
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_input]:"), "{err}");

    let (code, out, _) = tokendesk(d, &["audit", "verify"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("audit chain intact:"), "{out}");
    let db = rusqlite_free_tamper(d);
    let (code, out, _) = tokendesk(d, &["audit", "verify"], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at event #{db}")), "{out}");
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn scopes_and_acting_with_a_token_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str], stdin: &str| {
        let (code, out, err) = tokendesk(d, args, stdin);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    ok(
        &[
            "users",
            "create",
            "--name",
            "Mia",
            "--email",
            "mia@example.org",
            "--role",
            "member",
        ],
        "",
    );
    ok(
        &["users", "set-password", "mia@example.org"],
        "mia password 1\n",
    );
    fn as_mia<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["--as", "mia@example.org"];
        a.extend_from_slice(extra);
        a
    }

    // --scope (repeatable) limits the token; the JSON shows it.
    let out = ok(
        &as_mia(&[
            "tokens",
            "create",
            "--name",
            "reader",
            "--scope",
            "introspect",
            "--scope",
            "tokens:read",
            "--json",
        ]),
        "mia password 1\n",
    );
    let reader: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        reader["scopes"],
        serde_json::json!(["tokens:read", "introspect"])
    );
    // The text policy is core's: the command line gets the same typed refusals, for every
    // class of refused character in every field it takes.
    let (_, out, _) = tokendesk(d, &["tokens", "create", "--name", "target", "--json"], "");
    let target: serde_json::Value = serde_json::from_str(&out).unwrap();
    let target = target["id"].as_str().unwrap().to_string();
    for c in [
        '\u{2060}',
        '\u{00AD}',
        '\u{180E}',
        '\u{3164}',
        '\u{061C}',
        '\u{2062}',
        '\u{FE0F}',
        '\u{E0041}',
        '\u{2028}',
        '\u{202E}',
        '\u{1b}',
    ] {
        let text = format!("ad{c}min");
        let email = format!("eve{c}@example.org");
        for (args, code_name) in [
            (vec!["tokens", "create", "--name", &text], "invalid_name"),
            (
                vec!["tokens", "create", "--name", "x", "--description", &text],
                "invalid_input",
            ),
            (vec!["tokens", "rename", &target, &text], "invalid_name"),
            (
                vec!["tokens", "revoke", &target, "--reason", &text],
                "invalid_input",
            ),
            (
                vec![
                    "users",
                    "create",
                    "--name",
                    &text,
                    "--email",
                    "e@example.org",
                ],
                "invalid_name",
            ),
            (
                vec!["users", "create", "--name", "Eve", "--email", &email],
                "invalid_email",
            ),
        ] {
            let (code, _, err) = tokendesk(d, &args, "");
            assert_eq!(code, 1, "{args:?}");
            assert!(
                err.starts_with(&format!("error[{code_name}]:")),
                "{args:?}: {err}"
            );
        }
    }
    let (code, out, _) = tokendesk(d, &["users", "list", "--json"], "");
    assert_eq!(code, 0);
    assert!(
        !out.contains("Eve") && !out.contains("e@example.org"),
        "nothing written: {out}"
    );
    let (code, _, err) = tokendesk(
        d,
        &["tokens", "create", "--name", "x", "--scope", "admin"],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_input]:"), "{err}");
    // Never a scope the creator does not hold: a member has no users:read.
    let (code, _, err) = tokendesk(
        d,
        &as_mia(&[
            "tokens",
            "create",
            "--name",
            "peek",
            "--scope",
            "users:read",
        ]),
        "mia password 1\n",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error[permission_denied]:"), "{err}");

    // --as with TOKENDESK_TOKEN instead of a password: the token's scopes apply.
    let token = reader["token"].as_str().unwrap();
    let with_token = |args: &[&str]| tokendesk_env(d, args, "", &[("TOKENDESK_TOKEN", token)]);
    let (code, out, err) = with_token(&as_mia(&["tokens", "list", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"reader\""));
    let (code, _, err) = with_token(&as_mia(&["tokens", "create", "--name", "more"]));
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error[insufficient_scope]:") && err.contains("read-only"),
        "{err}"
    );
    let (code, _, err) = with_token(&as_mia(&["audit", "verify"]));
    assert_eq!(code, 1);
    assert!(err.contains("audit:read"), "{err}");
    let (code, _, err) = with_token(&["--as", "someone@example.org", "tokens", "list"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_credentials]:"), "{err}");
    let (code, _, err) = with_token(&["tokens", "list"]);
    assert_eq!(code, 1, "a token without --as is refused, not ignored");
    assert!(err.starts_with("error[invalid_input]:"), "{err}");
    ok(&["tokens", "revoke", reader["id"].as_str().unwrap()], "");
    let (code, _, err) = with_token(&as_mia(&["tokens", "list"]));
    assert_eq!(code, 1);
    assert!(err.starts_with("error[invalid_token]:"), "{err}");
}

/// Edits one audit row through the core's store (the test has no SQL client of its own).
fn rusqlite_free_tamper(dir: &std::path::Path) -> i64 {
    let keyring = KeyringStore::new("tokendesk", Duration::from_secs(10));
    let td = Tokendesk::open(OpenOptions::new(dir, Arc::new(SystemClock)), &keyring).unwrap();
    td.store()
        .with_tx(|tx| {
            tx.execute(
                "UPDATE audit_events SET details = '{}' WHERE seq = 3",
                tokendesk_core::params![],
            )?;
            Ok(3)
        })
        .unwrap()
}

/// The headless admin's commands on an authority created by `server init` with SQLite and a key
/// file (no keyring needed): tenants, roles, settings, audit list and export, each checked by
/// reading back what it changed, and bad input refused with a typed error.
#[test]
fn a_headless_admin_manages_tenants_roles_settings_and_the_audit_log() {
    let (h, out) = Headless::init();
    let (run, ok) = (
        |a: &[&str], stdin: &str| h.run(a, stdin),
        |a: &[&str]| h.ok(a),
    );
    assert!(out.contains("root@example.org"));

    // Tenants and members.
    let tenant = ok(&["tenants", "create", "Acme"]).trim().to_string();
    ok(&["tenants", "rename", &tenant, "Acme Corp"]);
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&["tenants", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["name"], "Acme Corp");
    ok(&[
        "users",
        "create",
        "--name",
        "Mia",
        "--email",
        "mia@example.org",
    ]);
    ok(&["tenants", "add-member", &tenant, "mia@example.org"]);
    let users: serde_json::Value = serde_json::from_str(&ok(&["users", "list", "--json"])).unwrap();
    let mia = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "mia@example.org")
        .unwrap();
    assert_eq!(mia["tenantIds"][0], tenant.as_str());
    ok(&["tenants", "remove-member", &tenant, "mia@example.org"]);
    let (code, _, err) = run(
        &["tenants", "add-member", &tenant, "nobody@example.org"],
        "",
    );
    assert_eq!((code, err.contains("error[not_found]")), (1, true), "{err}");
    let (code, _, err) = run(&["tenants", "create", "acme corp"], "");
    assert_eq!(
        (code, err.contains("error[name_taken]")),
        (1, true),
        "{err}"
    );

    // Roles.
    ok(&["roles", "set", "member", "--impersonate", "true"]);
    let roles: serde_json::Value = serde_json::from_str(&ok(&["roles", "list", "--json"])).unwrap();
    let member = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "member")
        .unwrap();
    assert_eq!(member["permissions"]["impersonate"], true);
    assert_eq!(member["permissions"]["apiAccess"], true, "untouched");
    let (code, _, err) = run(&["roles", "set", "ghost", "--view-audit", "true"], "");
    assert_eq!((code, err.contains("error[not_found]")), (1, true), "{err}");

    // Settings.
    ok(&[
        "settings",
        "set",
        "--presets",
        "1d,7d",
        "--default-expiry",
        "7d",
        "--max-lifetime-days",
        "90",
        "--owners-only",
        "true",
    ]);
    let set: serde_json::Value =
        serde_json::from_str(&ok(&["settings", "show", "--json"])).unwrap();
    assert_eq!(
        set["policy"]["presets"],
        serde_json::json!(["one_day", "seven_days"])
    );
    assert_eq!(set["policy"]["maxLifetimeDays"], 90);
    assert_eq!(set["onlyOwnersCreateTokens"], true);
    let (code, _, err) = run(&["settings", "set", "--default-expiry", "30d"], "");
    assert_eq!((code, err.contains("error[")), (1, true), "{err}");
    let (code, _, err) = run(&["settings", "set", "--presets", "never"], "");
    assert_eq!(
        (code, err.contains("error[invalid_input]")),
        (1, true),
        "{err}"
    );

    // Audit: list (filtered, JSON) and export to a new file, never over an existing one.
    let events: serde_json::Value = serde_json::from_str(&ok(&[
        "audit",
        "list",
        "--action",
        "role.updated",
        "--json",
    ]))
    .unwrap();
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(events[0]["action"], "role.updated");
    let all: serde_json::Value = serde_json::from_str(&ok(&["audit", "list", "--json"])).unwrap();
    let n = all.as_array().unwrap().len();
    assert!(n >= 8, "{n} events");
    let csv = h.dir.path().join("audit.csv");
    ok(&["audit", "export", "--output", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("seq,time,"));
    assert_eq!(text.lines().count(), n + 1, "a header and every event");
    let (code, _, err) = run(&["audit", "export", "--output", csv.to_str().unwrap()], "");
    assert_eq!((code, err.contains("File exists")), (1, true), "{err}");
    let json_export: serde_json::Value =
        serde_json::from_str(&ok(&["audit", "export", "--format", "json"])).unwrap();
    assert_eq!(json_export.as_array().unwrap().len(), n);
    assert_eq!(
        json_export[0]["action"], "authority.created",
        "oldest first"
    );
    let (code, _, err) = run(&["audit", "list", "--action", "nope"], "");
    assert_eq!(
        (code, err.contains("error[invalid_input]")),
        (1, true),
        "{err}"
    );
    assert!(ok(&["audit", "verify"]).contains("intact"));

    // A service user's client credentials: the secret printed once; again: the same client id.
    ok(&[
        "users",
        "create",
        "--name",
        "Sync bot",
        "--email",
        "sync@example.org",
        "--kind",
        "service",
    ]);
    let creds: serde_json::Value = serde_json::from_str(&ok(&[
        "users",
        "client-credentials",
        "sync@example.org",
        "--json",
    ]))
    .unwrap();
    assert!(creds["clientSecret"]
        .as_str()
        .unwrap()
        .starts_with("tkdcs_"));
    let again = ok(&["users", "client-credentials", "sync@example.org"]);
    assert!(
        again.contains(creds["clientId"].as_str().unwrap()),
        "{again}"
    );
    assert!(!again.contains(creds["clientSecret"].as_str().unwrap()));
    let (code, _, err) = run(&["users", "client-credentials", "mia@example.org"], "");
    assert_eq!(
        (code, err.contains("error[invalid_input]")),
        (1, true),
        "{err}"
    );

    // Signing keys: none before the first exchange; a rotation makes one, the next retires it.
    assert!(ok(&["keys", "list"]).contains("No signing key yet"));
    let first: serde_json::Value =
        serde_json::from_str(&ok(&["keys", "rotate", "--json"])).unwrap();
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["current"], true);
    let second: serde_json::Value =
        serde_json::from_str(&ok(&["keys", "rotate", "--json"])).unwrap();
    assert_eq!(second[1]["kid"], first[0]["kid"]);
    assert_eq!(second[1]["current"], false);
    assert!(second[1]["publishedUntil"].is_number());
    let listed = ok(&["keys", "list"]);
    assert!(
        listed.contains("signing") && listed.contains("retired, published until"),
        "{listed}"
    );
    let (code, _, err) = run(&["serve", "--issuer", "http://td.example.org"], "");
    assert_eq!(
        (code, err.contains("--issuer")),
        (1, true),
        "plain http only to loopback: {err}"
    );
}

/// `tokens rotate ID --grace 1h --json`: the successor printed like `tokens create --json`,
/// both tokens verifying during the grace; a grace the CLI does not know is a usage error.
#[test]
fn tokens_rotate_from_the_command_line() {
    let (h, _) = Headless::init();
    let created: serde_json::Value = serde_json::from_str(&h.ok(&[
        "tokens",
        "create",
        "--name",
        "deploy",
        "--expires",
        "30d",
        "--json",
    ]))
    .unwrap();
    let id = created["id"].as_str().unwrap();
    let rotated: serde_json::Value =
        serde_json::from_str(&h.ok(&["tokens", "rotate", id, "--grace", "1h", "--json"])).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&rotated),
        keys(&created),
        "shaped like tokens create --json"
    );
    assert_eq!(rotated["name"], "deploy");
    assert_ne!(rotated["token"], created["token"]);
    for t in [&created["token"], &rotated["token"]] {
        let (code, _, err) = h.run(&["verify", "-"], t.as_str().unwrap());
        assert_eq!(code, 0, "both work during the grace: {err}");
    }
    let (code, _, err) = h.run(&["tokens", "rotate", id, "--grace", "1h"], "");
    assert_eq!(code, 1);
    assert!(err.contains("already_rotated"), "{err}");
    let (code, _, _) = h.run(&["tokens", "rotate", id, "--grace", "2w"], "");
    assert_eq!(code, 2, "clap usage error");
}

/// `tokens revoke` with filters: --dry-run prints the number and the list and changes
/// nothing; the real run revokes those; an id and filters together is refused.
#[test]
fn tokens_revoke_with_filters_from_the_command_line() {
    let (h, _) = Headless::init();
    h.ok(&[
        "users",
        "create",
        "--name",
        "Mia",
        "--email",
        "mia@example.org",
        "--role",
        "member",
    ]);
    for name in ["one", "two"] {
        h.ok(&[
            "tokens",
            "create",
            "--name",
            name,
            "--for-user",
            "mia@example.org",
        ]);
    }
    h.ok(&["tokens", "create", "--name", "mine"]);
    let (code, out, err) = h.run(
        &["tokens", "revoke", "--user", "mia@example.org", "--dry-run"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 tokens would be revoked"), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let listed: serde_json::Value =
        serde_json::from_str(&h.ok(&["tokens", "list", "--all", "--json"])).unwrap();
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "active"));
    let done: serde_json::Value = serde_json::from_str(&h.ok(&[
        "tokens",
        "revoke",
        "--user",
        "mia@example.org",
        "--kind",
        "impersonation",
        "--json",
    ]))
    .unwrap();
    assert_eq!(done["count"], 2);
    let listed: serde_json::Value =
        serde_json::from_str(&h.ok(&["tokens", "list", "--all", "--json"])).unwrap();
    let active: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "active")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["mine"]);
    let id = listed[0]["id"].as_str().unwrap();
    let (code, _, err) = h.run(&["tokens", "revoke", id, "--kind", "personal"], "");
    assert_eq!(code, 1);
    assert!(err.contains("not both"), "{err}");
    let (code, _, err) = h.run(&["tokens", "revoke", "--unused-for", "soon"], "");
    assert_eq!(code, 1);
    assert!(err.contains("duration"), "{err}");
}

/// Legacy API keys from the command line: import (report and exit code 3 for skipped rows),
/// `settings legacy`, `legacy list`, a replacement token printed like `tokens create --json`,
/// `legacy retire`; the import file's keys are in no file the CLI wrote.
#[test]
fn legacy_keys_from_the_command_line() {
    let (h, _) = Headless::init();
    let (run, ok) = (|a: &[&str]| h.run(a, ""), |a: &[&str]| h.ok(a));
    let dir = &h.dir;
    let data = dir.path().join("data");
    ok(&[
        "users",
        "create",
        "--name",
        "Mia",
        "--email",
        "mia@example.org",
        "--role",
        "member",
    ]);

    let file = dir.path().join("keys.csv");
    std::fs::write(
        &file,
        "email,key,label\nmia@example.org,mia-legacy-secret-1,CI deploy\nghost@example.org,ghost-legacy-secret,x\n",
    )
    .unwrap();
    let (code, out, err) = run(&["legacy", "import", file.to_str().unwrap()]);
    assert_eq!(code, 3, "a skipped row: exit code 3; {err}");
    assert!(out.contains("Imported 1 legacy API keys."), "{out}");
    assert!(
        out.contains("row     3  ghost@example.org  No user"),
        "{out}"
    );
    let (code, out, _) = run(&["legacy", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 3);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["imported"], 0, "imported before");

    let listed: serde_json::Value =
        serde_json::from_str(&ok(&["legacy", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed[0]["name"], "CI deploy");
    assert!(ok(&["legacy", "list"]).contains("Mia"));
    // Never among tokens.
    assert!(!ok(&["tokens", "list", "--all"]).contains("CI deploy"));

    let (code, _, err) = run(&["settings", "legacy", "--mode", "emulate"]);
    assert_eq!(code, 1);
    assert!(err.contains("sunset"), "{err}");
    let set: serde_json::Value = serde_json::from_str(&ok(&[
        "settings",
        "legacy",
        "--mode",
        "emulate",
        "--sunset",
        "2099-03-31T00:00:00Z",
        "--header",
        "Authorization: ApiKey",
        "--json",
    ]))
    .unwrap();
    assert_eq!(set["mode"], "emulate");
    assert_eq!(set["header"], "Authorization: ApiKey");
    assert!(ok(&["settings", "legacy"]).contains("emulate"));

    let created: serde_json::Value = serde_json::from_str(&ok(&[
        "legacy",
        "token",
        &id,
        "--name",
        "CI deploy (bearer)",
        "--expires",
        "30d",
        "--json",
    ]))
    .unwrap();
    assert!(created["token"].as_str().unwrap().starts_with("tkd_"));
    assert_eq!(created["owner_id"], listed[0]["ownerId"]);
    let (code, _, err) = run(&["legacy", "retire", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Retired"), "{err}");
    let (code, _, err) = run(&["legacy", "retire", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("already_revoked"), "{err}");

    for f in std::fs::read_dir(&data).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("mia-legacy-secret-1"));
    }
}

/// The CLI as a client of a team server: `login` (password on stdin, session token into the
/// keyring), remote `tokens list --json` and `tokens create`, `status`, `logout` (the session
/// ends on the server). The keyring entry exists only between login and logout.
#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn login_works_remotely_and_logout_ends_the_session() {
    let server_dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = bin::serve_with_owner(server_dir.path());

    let client = tempfile::tempdir().unwrap();
    let c = client.path();
    let url = format!("http://{addr}");
    let keyring = KeyringStore::new("tokendesk-session", Duration::from_secs(10));
    let account = format!("{url}/ada@example.org");
    assert!(keyring.get(&account).unwrap().is_none());

    // A wrong password stores nothing.
    let (code, _, err) = tokendesk(
        c,
        &["login", "--server", &url, "--email", "ada@example.org"],
        "not it\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("error[invalid_credentials]"), "{err}");
    assert!(keyring.get(&account).unwrap().is_none());
    assert!(!c.join("server.json").exists());

    let (code, _, err) = tokendesk(
        c,
        &["login", "--server", &url, "--email", "ADA@example.org"],
        "Ada's password\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Signed in"), "{err}");
    let session = keyring
        .get(&account)
        .unwrap()
        .expect("the session is in the keyring");
    let session = String::from_utf8(session.to_vec()).unwrap();
    // Nowhere in the client's files.
    for f in std::fs::read_dir(c).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(&session));
    }

    let (code, out, err) = tokendesk(c, &["status", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["mode"], "server");
    assert_eq!(st["server"], url.as_str());
    assert_eq!(st["email"], "ada@example.org");
    assert_eq!(st["role"], "owner");
    assert!(st["sessionExpiresAt"].is_string());

    // Remote commands: the server's tokens, a token created there.
    let (code, out, err) = tokendesk(
        c,
        &["tokens", "create", "--name", "from afar", "--json"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let token = created["token"].as_str().unwrap();
    assert!(
        http_get(&addr, "/api/users/me", &format!("Bearer {token}")).starts_with("HTTP/1.1 200")
    );
    let (code, out, err) = tokendesk(c, &["tokens", "list", "--all", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"from afar") && names.contains(&"on the server"),
        "{names:?}"
    );
    // Legacy keys remotely: the file goes to the server, which keeps the hashes.
    let file = c.join("keys.json");
    std::fs::write(
        &file,
        r#"[{"email": "ada@example.org", "key": "remote-legacy-key-1"}]"#,
    )
    .unwrap();
    let (code, out, err) = tokendesk(
        c,
        &["legacy", "import", file.to_str().unwrap(), "--json"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["imported"],
        1
    );
    let (code, out, err) = tokendesk(c, &["legacy", "list", "--json"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()[0]["displayHint"],
        "\u{2026}ey-1"
    );
    let (code, _, err) = tokendesk_env(c, &["tokens", "list"], "", &[("TOKENDESK_TOKEN", token)]);
    assert_eq!(code, 1);
    assert!(err.contains("tokendesk login"), "{err}");
    let (code, _, err) = tokendesk(c, &["verify", "-"], token);
    assert_eq!(code, 1);
    assert!(
        err.contains("error[invalid_input]") && err.contains("introspect"),
        "{err}"
    );

    // Logout: the session ends on the server and leaves the keyring; commands are local again.
    let (code, _, err) = tokendesk(c, &["logout"], "");
    assert_eq!(code, 0, "{err}");
    assert!(keyring.get(&account).unwrap().is_none());
    assert!(
        http_get(&addr, "/api/users/me", &format!("Bearer {session}")).starts_with("HTTP/1.1 401")
    );
    let (_, out, _) = tokendesk(c, &["status", "--json"], "");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["mode"],
        "local"
    );
    let (code, _, err) = tokendesk(c, &["tokens", "list", "--server", &url], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("error[unauthenticated]") && err.contains("tokendesk login"),
        "{err}"
    );

    child.kill().unwrap();
    child.wait().unwrap();
}
