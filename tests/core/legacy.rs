//! Legacy API keys (issue 12, part 2) against a real database (SQLite file, or PostgreSQL under
//! `make test-postgres`): import with its report, the settings (emulate needs a sunset), the
//! key accepted only while emulating and before the sunset, retire and a disabled owner taking
//! effect at once, keys absent from every token page, a replacement bearer token, usage counted.

mod common;

use common::{person, req, session_of, Env, T0};
use tokendesk_core::clock::DAY;
use tokendesk_core::model::*;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::{ErrorCode, Tokendesk};

const MIA_KEY: &str = "mia-legacy-key-0001";
const BOT_KEY: &str = "bot-legacy-key-0002";

fn emulate(td: &Tokendesk, sunset_in_days: i64) -> LegacySettings {
    td.update_legacy_settings(
        &td.local_session(),
        LegacySettings {
            mode: LegacyMode::Emulate,
            sunset_at: Some(T0 + sunset_in_days * DAY),
            ..Default::default()
        },
    )
    .unwrap()
}

fn check(td: &Tokendesk, key: &str) -> Verification {
    let settings = td.legacy_settings_now().unwrap();
    td.verify_legacy_since(&settings, key, td.arrival())
        .unwrap()
}

fn rejected(td: &Tokendesk, key: &str) -> RejectReason {
    match check(td, key) {
        Verification::Rejected(r) => r,
        Verification::Active(v) => panic!("accepted for {}", v.user.display_name),
    }
}

fn all_legacy(td: &Tokendesk) -> Vec<TokenMeta> {
    td.list_legacy_keys(&td.local_session(), &ListQuery::default())
        .unwrap()
        .items
}

/// Mia (member) and Eve (member), and a file with Mia's and Eve's keys plus bad rows.
fn imported(td: &Tokendesk) -> (User, LegacyImportReport) {
    let owner = td.local_session();
    let mia = person(td, &owner, "Mia", "member");
    person(td, &owner, "Eve", "member");
    let file = format!(
        "email,key,label,created_at\n\
         mia@example.org,{MIA_KEY},CI deploy,2024-05-01\n\
         EVE@example.org,{BOT_KEY},,\n\
         nobody@example.org,unmatched-key-123,x,\n\
         mia@example.org,short,x,\n\
         mia@example.org,{MIA_KEY},again,\n\
         mia@example.org,future-key-12345,x,2999-01-01\n\
         mia@example.org,labelled-key-123,\u{202e}evil,\n"
    );
    let report = td.import_legacy_keys(&owner, file.as_bytes()).unwrap();
    (mia, report)
}

#[test]
fn an_import_keeps_hashes_of_matched_rows_and_reports_the_rest() {
    let env = Env::new();
    let td = env.open();
    let (mia, report) = imported(&td);
    assert_eq!(report.imported, 2, "{report:?}");
    let rows: Vec<(u32, &str)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.email.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (4, "nobody@example.org"),
            (5, "mia@example.org"),
            (6, "mia@example.org"),
            (7, "mia@example.org"),
            (8, "mia@example.org")
        ]
    );
    assert!(report.problems[0].reason.contains("No user"));
    assert!(report.problems[2].reason.contains("repeated"));
    assert!(report.problems[3].reason.contains("future"));
    for p in &report.problems {
        assert!(!p.reason.contains("key-"), "a reason repeats a key: {p:?}");
    }

    let keys = all_legacy(&td);
    assert_eq!(keys.len(), 2);
    let k = keys.iter().find(|k| k.owner_id == mia.id).unwrap();
    assert_eq!(k.kind, TokenKind::Legacy);
    assert_eq!(k.name, "CI deploy");
    assert_eq!(k.display_hint, "\u{2026}0001");
    assert_eq!(k.created_at, 1_714_521_600_000, "created_at from the file");
    let eve_key = keys.iter().find(|k| k.owner_id != mia.id).unwrap();
    assert_eq!(eve_key.name, "Legacy API key", "no label: the default name");

    // Importing the same file again imports nothing new.
    let again = td
        .import_legacy_keys(
            &td.local_session(),
            format!("email,key\nmia@example.org,{MIA_KEY}\n").as_bytes(),
        )
        .unwrap();
    assert_eq!(again.imported, 0);
    assert!(again.problems[0].reason.contains("imported before"));

    // Audited, one event per key, never with the key.
    let audit = td
        .list_audit(
            &td.local_session(),
            &AuditQuery {
                action: Some(AuditAction::LegacyKeyImported),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(audit.items.len(), 2);
    assert!(!serde_json::to_string(&audit.items)
        .unwrap()
        .contains(MIA_KEY));

    // A file that is not an import file is one error, not a report.
    let e = td
        .import_legacy_keys(&td.local_session(), b"name,secret\nx,y\n")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let json = r#"[{"email":"mia@example.org","key":"json-key-00001","label":"From JSON"}]"#;
    let r = td
        .import_legacy_keys(&td.local_session(), json.as_bytes())
        .unwrap();
    assert_eq!((r.imported, r.problems.len()), (1, 0));
}

#[test]
fn only_admins_who_manage_users_import_list_and_retire() {
    let env = Env::new();
    let td = env.open();
    let (mia, _) = imported(&td);
    let as_mia = session_of(&mia);
    let denied = |e: tokendesk_core::Error| assert_eq!(e.code(), ErrorCode::PermissionDenied);
    denied(
        td.import_legacy_keys(&as_mia, b"email,key\nmia@example.org,another-key-1\n")
            .unwrap_err(),
    );
    denied(
        td.list_legacy_keys(&as_mia, &ListQuery::default())
            .unwrap_err(),
    );
    let id = all_legacy(&td)[0].id.clone();
    denied(td.retire_legacy_key(&as_mia, &id).unwrap_err());
    denied(
        td.update_legacy_settings(&as_mia, LegacySettings::default())
            .unwrap_err(),
    );
}

#[test]
fn legacy_keys_are_on_no_token_page_and_cannot_be_managed_there() {
    let env = Env::new();
    let td = env.open();
    let (mia, _) = imported(&td);
    let as_mia = session_of(&mia);
    // A label may repeat a name of the owner's tokens.
    td.create_token(&as_mia, req("CI deploy")).unwrap();
    let owner = td.local_session();
    for (s, scope) in [(&as_mia, ListScope::Own), (&owner, ListScope::All)] {
        let page = td
            .list_tokens(
                s,
                &ListQuery {
                    scope,
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(page.items.iter().all(|t| t.kind != TokenKind::Legacy));
    }
    let id = all_legacy(&td)
        .into_iter()
        .find(|k| k.owner_id == mia.id)
        .unwrap()
        .id;
    for s in [&as_mia, &owner] {
        assert_eq!(
            td.get_token(s, &id).unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            td.revoke_token(s, &id, None).unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            td.rename_token(s, &id, "x").unwrap_err().code(),
            ErrorCode::NotFound
        );
    }
    // Nor is a key a bearer token, or a token a legacy key.
    assert_eq!(
        td.verify(MIA_KEY).unwrap(),
        Verification::Rejected(RejectReason::Malformed)
    );
    emulate(&td, 30);
    let token = td.create_token(&as_mia, req("real")).unwrap();
    assert_eq!(
        rejected(&td, token.token.expose_secret()),
        RejectReason::Unknown
    );
}

#[test]
fn a_key_is_accepted_only_while_emulating_and_before_the_sunset() {
    let env = Env::new();
    let td = env.open();
    let (mia, _) = imported(&td);
    assert_eq!(
        td.legacy_settings_now().unwrap(),
        LegacySettings::default(),
        "off until set"
    );
    assert_eq!(rejected(&td, MIA_KEY), RejectReason::LegacyOff);

    let owner = td.local_session();
    let no_sunset = td
        .update_legacy_settings(
            &owner,
            LegacySettings {
                mode: LegacyMode::Emulate,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(no_sunset.code(), ErrorCode::InvalidInput);
    let bad_header = td
        .update_legacy_settings(
            &owner,
            LegacySettings {
                header: "Authorization: Bearer".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(bad_header.code(), ErrorCode::InvalidInput);

    let s = emulate(&td, 30);
    assert_eq!(
        s.deprecated_at,
        Some(T0),
        "deprecated from the first emulation"
    );
    match check(&td, MIA_KEY) {
        Verification::Active(v) => {
            assert_eq!(v.user.id, mia.id);
            assert_eq!(v.token.kind, TokenKind::Legacy);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rejected(&td, "not-a-known-key-1"), RejectReason::Unknown);
    assert_eq!(rejected(&td, "bad key"), RejectReason::Malformed);

    // The header setting takes a scheme; the deprecation date stays the first one.
    env.clock.advance(DAY);
    let s = td
        .update_legacy_settings(
            &owner,
            LegacySettings {
                header: "authorization apikey".into(),
                ..s
            },
        )
        .unwrap();
    assert_eq!(s.header, "Authorization: apikey");
    assert_eq!(s.deprecated_at, Some(T0));

    // Past the sunset: a distinct refusal.
    env.clock.advance(30 * DAY);
    assert_eq!(rejected(&td, MIA_KEY), RejectReason::LegacySunset);
    let changes = td
        .list_audit(
            &owner,
            &AuditQuery {
                action: Some(AuditAction::LegacySettingsChanged),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(changes.items.len(), 2);
}

#[test]
fn retiring_a_key_or_disabling_its_owner_refuses_it_at_once() {
    let env = Env::new();
    let td = env.open();
    let (mia, _) = imported(&td);
    emulate(&td, 30);
    let owner = td.local_session();
    assert!(matches!(check(&td, MIA_KEY), Verification::Active(_)));
    assert!(matches!(check(&td, BOT_KEY), Verification::Active(_)));

    // Another process (a second handle on the same database) sees it at once too.
    let other = env.open();
    let eve_key = all_legacy(&td)
        .into_iter()
        .find(|k| k.owner_id != mia.id)
        .unwrap();
    let retired = td.retire_legacy_key(&owner, &eve_key.id).unwrap();
    assert_eq!(retired.status, TokenStatus::Revoked);
    assert_eq!(rejected(&td, BOT_KEY), RejectReason::Revoked);
    assert_eq!(rejected(&other, BOT_KEY), RejectReason::Revoked);
    assert_eq!(
        td.retire_legacy_key(&owner, &eve_key.id)
            .unwrap_err()
            .code(),
        ErrorCode::AlreadyRevoked
    );
    assert_eq!(
        td.retire_legacy_key(&owner, "no-such-id")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    td.set_user_active(&owner, &mia.id, false).unwrap();
    assert_eq!(rejected(&td, MIA_KEY), RejectReason::Suspended);
    td.set_user_active(&owner, &mia.id, true).unwrap();
    assert!(matches!(check(&td, MIA_KEY), Verification::Active(_)));
}

#[test]
fn uses_are_counted_and_a_replacement_token_is_linked_in_the_audit_log() {
    let env = Env::new();
    let td = env.open();
    let (mia, _) = imported(&td);
    emulate(&td, 30);
    let owner = td.local_session();
    let key = all_legacy(&td)
        .into_iter()
        .find(|k| k.owner_id == mia.id)
        .unwrap();
    for _ in 0..3 {
        let Verification::Active(v) = check(&td, MIA_KEY) else {
            panic!()
        };
        td.record_use(&v.token.id, None, Some("old-client/1.0"));
    }
    td.flush_usage().unwrap();
    let used = all_legacy(&td)
        .into_iter()
        .find(|k| k.id == key.id)
        .unwrap();
    assert_eq!(used.use_count, 3);
    assert_eq!(used.last_used_at, Some(T0));

    let created = td
        .replace_legacy_key(&owner, &key.id, req("CI deploy (bearer)"))
        .unwrap();
    assert_eq!(created.meta.owner_id, mia.id);
    assert_eq!(created.meta.kind, TokenKind::Personal);
    assert!(matches!(
        td.verify(created.token.expose_secret()).unwrap(),
        Verification::Active(_)
    ));
    let mut no_description = req("second");
    no_description.description = None;
    let second = td
        .replace_legacy_key(&owner, &key.id, no_description)
        .unwrap();
    assert!(
        second.meta.description.contains("\u{2026}0001"),
        "{}",
        second.meta.description
    );
    let linked = td
        .list_audit(
            &owner,
            &AuditQuery {
                action: Some(AuditAction::LegacyKeyReplaced),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(linked.items.len(), 2);
    assert!(linked
        .items
        .iter()
        .any(|e| e.details.contains(&created.meta.id)));
    // The key still works until it is retired; a retired key gets no replacement.
    assert!(matches!(check(&td, MIA_KEY), Verification::Active(_)));
    td.retire_legacy_key(&owner, &key.id).unwrap();
    assert_eq!(
        td.replace_legacy_key(&owner, &key.id, req("third"))
            .unwrap_err()
            .code(),
        ErrorCode::AlreadyRevoked
    );
    // A member cannot make one (manage users), whatever the key.
    assert_eq!(
        td.replace_legacy_key(&session_of(&mia), &key.id, req("x"))
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );
}
