//! The client crate against a real server on 127.0.0.1 (SQLite, or PostgreSQL under
//! `make test-postgres`): every operation the desktop app uses, through `Authority`, with the
//! server's rules; sign-in, sign-out, impersonation, TLS with a private CA, and the errors a
//! person meets (wrong password, unreachable server, untrusted certificate, plain http).

#[path = "../core/common.rs"]
mod common;

use common::{person, Env};
use std::sync::Arc;
use tokendesk_client::{RemoteAuthority, Server};
use tokendesk_core::authority::{Answer, Authority};
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{ErrorCode, Tokendesk};
use tokendesk_http::HttpConfig;

/// `tokendesk serve` in this process, on its own runtime (the client blocks).
struct Running {
    base: String,
    td: Arc<Tokendesk>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _env: Env,
}

fn start(cfg: HttpConfig, scheme: &str) -> Running {
    let env = Env::new();
    let td = Arc::new(env.open());
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = td.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(l.local_addr().unwrap()).unwrap();
            tokendesk_http::serve(served, cfg, l, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    Running {
        base: format!("{scheme}://{addr}"),
        td,
        stop: Some(stop),
        thread: Some(thread),
        _env: env,
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        let _ = self.thread.take().unwrap().join();
    }
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn code<T: std::fmt::Debug>(a: Answer<T>) -> ErrorCode {
    a.unwrap_err().code
}

fn seven_days(name: &str) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name: name.into(),
        description: Some("made by the client".into()),
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::SevenDays,
        },
        scopes: None,
        tenant_ids: None,
    }
}

fn sign_in(srv: &Running, email: &str, password: &str) -> RemoteAuthority {
    let server = Server::new(&srv.base, None).unwrap();
    let token = server.sign_in(email, &pw(password)).unwrap();
    server.session(token)
}

#[test]
fn every_desktop_operation_works_through_the_client_with_the_servers_rules() {
    let srv = start(HttpConfig::default(), "http");
    let owner = srv.td.local_session();
    person(&srv.td, &owner, "Ada", "owner");

    let ada = sign_in(&srv, "ADA@example.org", "Ada password");
    let info = ada.info().unwrap();
    assert_eq!(info.user.display_name, "Ada");
    assert_eq!(info.session.actor.role, "owner");
    assert!(!info.session.local_owner);
    assert_eq!(
        info.data_dir, srv.base,
        "a client shows the server, not the server's files"
    );

    // Users, roles, settings, tenants.
    let mia = ada
        .create_user(NewUser {
            display_name: "Mia".into(),
            email: Some("mia@example.org".into()),
            kind: UserKind::Human,
            role: "member".into(),
            password: Some("Mia's first password".into()),
        })
        .unwrap();
    assert_eq!(
        code(ada.create_user(NewUser {
            display_name: "Mia again".into(),
            email: Some("MIA@example.org".into()),
            kind: UserKind::Human,
            role: "member".into(),
            password: None,
        })),
        ErrorCode::EmailTaken
    );
    let renamed = ada
        .update_user(
            &mia.id,
            UserUpdate {
                display_name: Some("Mia M".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(renamed.display_name, "Mia M");
    assert!(ada.list_users().unwrap().iter().any(|u| u.id == mia.id));
    let member = ada
        .list_roles()
        .unwrap()
        .into_iter()
        .find(|r| r.id == "member")
        .unwrap();
    let role = ada
        .update_role(
            "member",
            Permissions {
                view_audit: true,
                ..member.permissions
            },
        )
        .unwrap();
    assert!(role.permissions.view_audit);
    assert_eq!(
        code(ada.update_role("no-such-role", member.permissions)),
        ErrorCode::NotFound
    );
    let mut settings = ada.settings().unwrap();
    settings.authority_name = "Team authority".into();
    assert_eq!(
        ada.update_settings(settings).unwrap().authority_name,
        "Team authority"
    );
    let blue = ada.create_tenant("Blue").unwrap();
    assert_eq!(ada.rename_tenant(&blue.id, "Navy").unwrap().name, "Navy");
    let joined = ada.set_tenant_member(&blue.id, &mia.id, true).unwrap();
    assert!(joined.tenant_ids.contains(&blue.id));
    assert!(ada.list_tenants().unwrap().iter().any(|t| t.id == blue.id));

    // Tokens: the one-time reveal comes through; it verifies on the server.
    let made = ada.create_token(seven_days("deploy")).unwrap();
    let plain = made.token.expose_secret().to_string();
    assert!(plain.starts_with("tkd_"));
    assert!(matches!(
        srv.td.verify(&plain).unwrap(),
        Verification::Active(_)
    ));
    assert_eq!(
        code(ada.create_token(seven_days("deploy"))),
        ErrorCode::NameTaken
    );
    let page = ada.list_tokens(&ListQuery::default()).unwrap();
    assert!(page.items.iter().any(|t| t.id == made.meta.id));
    let searched = ada
        .list_tokens(&ListQuery {
            search: Some("deplo".into()),
            status: Some(TokenStatus::Active),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(searched.items.len(), 1);
    assert_eq!(searched.matching, Some(ListCount { n: 1, more: false }));
    // A seven-day token is due for its expiry alert at once, and announced once.
    let alerts = ada.claim_expiry_alerts().unwrap();
    assert!(alerts
        .alerts
        .iter()
        .any(|a| a.token.id == made.meta.id && a.days == 7));
    assert!(ada
        .claim_expiry_alerts()
        .unwrap()
        .alerts
        .iter()
        .all(|a| a.token.id != made.meta.id));
    assert_eq!(ada.get_token(&made.meta.id).unwrap().name, "deploy");
    assert_eq!(
        ada.rename_token(&made.meta.id, "deploy ci").unwrap().name,
        "deploy ci"
    );
    srv.td.record_use(&made.meta.id, None, Some("curl/8"));
    srv.td.flush_usage().unwrap();
    let usage = ada.token_usage(&made.meta.id, 7).unwrap();
    assert_eq!((usage.days.len(), usage.token.use_count), (7, 1));
    assert_eq!(usage.last_user_agent.as_deref(), Some("curl/8"));
    assert_eq!(
        code(ada.token_usage(&made.meta.id, 0)),
        ErrorCode::InvalidInput
    );
    let revoked = ada.revoke_token(&made.meta.id, Some("rotated")).unwrap();
    assert_eq!(revoked.status, TokenStatus::Revoked);
    assert_eq!(revoked.revoke_reason.as_deref(), Some("rotated"));
    assert!(matches!(
        srv.td.verify(&plain).unwrap(),
        Verification::Rejected(RejectReason::Revoked)
    ));
    assert_eq!(
        code(ada.revoke_token(&made.meta.id, None)),
        ErrorCode::AlreadyRevoked
    );
    assert_eq!(code(ada.get_token("no-such-token")), ErrorCode::NotFound);

    // A member sees and does only what the role allows.
    let mia_s = sign_in(&srv, "mia@example.org", "Mia's first password");
    assert_eq!(mia_s.info().unwrap().user.id, mia.id);
    let hers = mia_s.create_token(seven_days("mine")).unwrap();
    // Hers only: the token made and the session of her sign-in.
    let listed = mia_s.list_tokens(&ListQuery::default()).unwrap();
    assert!(listed.items.iter().any(|t| t.id == hers.meta.id));
    assert!(
        listed.items.iter().all(|t| t.owner_id == mia.id),
        "{:?}",
        listed.items
    );
    assert_eq!(
        code(mia_s.create_tenant("Red")),
        ErrorCode::PermissionDenied
    );
    assert_eq!(
        code(mia_s.start_impersonation(&info.user.id)),
        ErrorCode::PermissionDenied
    );
    assert!(
        mia_s.verify_audit_chain().unwrap().ok,
        "view_audit was granted above"
    );

    // Impersonation: the admin acts as the member; the token made so is hidden from her.
    let as_mia = ada.start_impersonation(&mia.id).unwrap();
    assert!(as_mia.session.impersonating);
    assert_eq!(as_mia.user.id, mia.id);
    let theirs = ada.list_tokens(&ListQuery::default()).unwrap();
    assert!(theirs.items.iter().any(|t| t.id == hers.meta.id));
    let imp = ada.create_token(seven_days("support")).unwrap();
    assert_eq!(imp.meta.kind, TokenKind::Impersonation);
    assert_eq!(imp.meta.owner_id, mia.id);
    let back = ada.stop_impersonation().unwrap();
    assert!(!back.session.impersonating);
    assert_eq!(back.user.display_name, "Ada");
    assert!(mia_s
        .list_tokens(&ListQuery::default())
        .unwrap()
        .items
        .iter()
        .all(|t| t.kind != TokenKind::Impersonation));
    let audit = ada.list_audit(&AuditQuery::default()).unwrap();
    let actions: Vec<_> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"impersonation.started"), "{actions:?}");
    assert!(ada.verify_audit_chain().unwrap().ok);

    // Passwords end sign-in sessions: the member's own change ends hers.
    assert_eq!(
        code(mia_s.change_own_password(Some(&pw("not it")), &pw("Mia's second password"))),
        ErrorCode::InvalidCredentials
    );
    mia_s
        .change_own_password(
            Some(&pw("Mia's first password")),
            &pw("Mia's second password"),
        )
        .unwrap();
    assert_eq!(code(mia_s.info()), ErrorCode::Unauthenticated);
    let mia_s = sign_in(&srv, "mia@example.org", "Mia's second password");
    ada.set_password(&mia.id, &pw("Mia's third password"))
        .unwrap();
    assert_eq!(
        code(mia_s.list_tokens(&ListQuery::default())),
        ErrorCode::Unauthenticated
    );

    // Disabling, leaving a tenant, removing.
    ada.set_tenant_member(&blue.id, &mia.id, false).unwrap();
    assert_eq!(
        ada.set_user_active(&mia.id, false).unwrap().status,
        UserStatus::Disabled
    );
    assert_eq!(
        ada.remove_user(&mia.id).unwrap().status,
        UserStatus::Removed
    );
    assert_eq!(code(ada.remove_user(&info.user.id)), ErrorCode::SelfLockout);

    // "Test it" in the reveal dialog, against the server: who the token is, and a refusal
    // for one that ended.
    let tested = ada.create_token(seven_days("tested")).unwrap();
    let result = ada.server().test_token(&tested.token).unwrap();
    assert_eq!(result.status, 200, "{}", result.body);
    assert_eq!(result.url, format!("{}/api/users/me", srv.base));
    assert!(result.body.contains("\"Ada\""), "{}", result.body);
    ada.revoke_token(&tested.meta.id, None).unwrap();
    assert_eq!(ada.server().test_token(&tested.token).unwrap().status, 401);

    // Signing keys and a service user's client credentials, as Settings and Users use them.
    assert!(ada.signing_keys().unwrap().is_empty());
    let keys = ada.rotate_signing_key().unwrap();
    assert!(keys.len() == 1 && keys[0].current);
    assert_eq!(ada.signing_keys().unwrap(), keys);
    let bot = ada
        .create_user(NewUser {
            display_name: "Bot".into(),
            email: None,
            kind: UserKind::Service,
            role: "member".into(),
            password: None,
        })
        .unwrap();
    let creds = ada.set_client_credentials(&bot.id).unwrap();
    assert!(creds.client_secret.expose_secret().starts_with("tkdcs_"));
    assert_eq!(
        ada.set_client_credentials(&bot.id).unwrap().client_id,
        creds.client_id
    );
    assert_eq!(
        code(ada.set_client_credentials(&info.user.id)),
        ErrorCode::InvalidInput
    );

    // The Migration screen and Settings → Legacy API keys: import (CSV and JSON), the
    // settings, the list, a replacement token, retire.
    let report = ada
        .import_legacy_keys(b"email,key,label\nada@example.org,ada-legacy-key-1,CI\nnone@example.org,no-one-legacy-1,x\n")
        .unwrap();
    assert_eq!((report.imported, report.problems.len()), (1, 1));
    let json = ada
        .import_legacy_keys(br#"[{"email": "ada@example.org", "key": "ada-legacy-key-2"}]"#)
        .unwrap();
    assert_eq!(json.imported, 1);
    assert_eq!(
        code(ada.import_legacy_keys(b"nonsense")),
        ErrorCode::InvalidInput
    );
    let keys = ada.list_legacy_keys(&ListQuery::default()).unwrap().items;
    assert_eq!(keys.len(), 2);
    assert!(ada
        .list_tokens(&ListQuery::default())
        .unwrap()
        .items
        .iter()
        .all(|t| t.kind != TokenKind::Legacy));
    let sunset = srv.td.legacy_settings_now().unwrap();
    assert_eq!(sunset.mode, LegacyMode::Off);
    let set = ada
        .update_legacy_settings(LegacySettings {
            mode: LegacyMode::Emulate,
            sunset_at: Some(common::T0 + 86_400_000),
            ..sunset
        })
        .unwrap();
    assert_eq!(ada.legacy_settings().unwrap(), set);
    let replaced = ada
        .replace_legacy_key(&keys[0].id, seven_days("CI (bearer)"))
        .unwrap();
    assert_eq!(replaced.meta.owner_id, info.user.id);
    assert_eq!(
        ada.retire_legacy_key(&keys[0].id).unwrap().status,
        TokenStatus::Revoked
    );
    assert_eq!(
        code(ada.retire_legacy_key(&keys[0].id)),
        ErrorCode::AlreadyRevoked
    );

    // Sign-out revokes the session token on the server; twice is fine.
    ada.sign_out().unwrap();
    assert_eq!(code(ada.info()), ErrorCode::Unauthenticated);
    ada.sign_out().unwrap();
}

#[test]
fn sign_in_and_connection_errors_are_typed_and_say_what_to_do() {
    let srv = start(HttpConfig::default(), "http");
    let owner = srv.td.local_session();
    person(&srv.td, &owner, "Ada", "owner");
    let server = Server::new(&srv.base, None).unwrap();
    assert_eq!(
        code(server.sign_in("ada@example.org", &pw("wrong password"))),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(
        code(server.sign_in("nobody@example.org", &pw("Ada password"))),
        ErrorCode::InvalidCredentials
    );
    // A token that is not a session (never valid) is refused on first use.
    let stranger = server.session(pw("tkd_not_a_token"));
    assert_eq!(code(stranger.info()), ErrorCode::Unauthenticated);

    for bad in [
        "http://tokendesk.example.org",
        "tokendesk.example.org",
        "https://u:p@h.example.org",
    ] {
        assert_eq!(
            Server::new(bad, None).err().unwrap().code,
            ErrorCode::InvalidInput,
            "{bad}"
        );
    }
    assert_eq!(
        Server::new("https://h.example.org", Some(b"not a pem"))
            .err()
            .unwrap()
            .code,
        ErrorCode::InvalidInput
    );

    // Nothing listens: unreachable, with the address in the message.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let gone = Server::new(&format!("http://{addr}"), None).unwrap();
    let e = gone
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerUnreachable);
    assert!(e.message.contains(&addr.to_string()), "{}", e.message);
    assert!(!e.message.contains("Ada password"));

    // Something that is not a Tokendesk server answers: said so, not a parse error.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_addr = other.local_addr().unwrap();
    let web = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut c, _) = other.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf);
        c.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 13\r\nconnection: close\r\n\r\n<h1>502</h1>\n")
            .unwrap();
    });
    let e = Server::new(&format!("http://{other_addr}"), None)
        .unwrap()
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap_err();
    web.join().unwrap();
    assert_eq!(e.code, ErrorCode::ServerUnreachable);
    assert!(e.message.contains("proxy"), "{}", e.message);
}

#[test]
fn a_server_with_a_private_ca_is_trusted_only_with_that_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let cfg = HttpConfig {
        tls: Some(tokendesk_http::tls_config(&cert, &key).unwrap()),
        ..Default::default()
    };
    let srv = start(cfg, "https");
    let owner = srv.td.local_session();
    person(&srv.td, &owner, "Ada", "owner");

    let untrusted = Server::new(&srv.base, None).unwrap();
    let e = untrusted
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ServerUnreachable);
    assert!(
        e.message.to_lowercase().contains("certificate"),
        "{}",
        e.message
    );

    let trusted = Server::new(&srv.base, Some(ck.cert.pem().as_bytes())).unwrap();
    let token = trusted
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap();
    let ada = trusted.session(token);
    assert_eq!(ada.info().unwrap().user.display_name, "Ada");
    assert!(ada.create_token(seven_days("over tls")).is_ok());
}
