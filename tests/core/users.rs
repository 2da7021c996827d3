//! Users, roles, sessions and settings on a real database file: every bad input gets a clear
//! typed error and changes nothing; disabling or removing a user stops their tokens at once.

mod common;

use common::{person, req, req_for, session_of, Env, T0};
use tokendesk_core::clock::{DAY, SECOND};
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::store::ConnExt;
use tokendesk_core::{params, ErrorCode, Tokendesk};

/// Everything that a failed operation must leave untouched.
fn snapshot(td: &Tokendesk) -> String {
    td.store()
        .read(|c| {
            let q = |sql: &str| -> tokendesk_core::Result<String> { c.query_row(sql, params![], |r| r.get(0)) };
            Ok([
                q("SELECT string_agg(id || display_name || coalesce(email,'') || role || status || coalesce(CAST(removed_at AS TEXT),'') || coalesce(password_hash,'') || credential_epoch, '|' ORDER BY id) FROM users")?,
                q("SELECT string_agg(id || api_access || create_tokens_for_others || impersonate || manage_users || manage_settings || view_audit, '|' ORDER BY id) FROM roles")?,
                q("SELECT display_name || token_prefix || expiry_policy || only_owners_create_tokens FROM authority")?,
                q("SELECT count(*) || '' FROM audit_events")?,
                q("SELECT coalesce(string_agg(id || name || coalesce(CAST(revoked_at AS TEXT), ''), '|' ORDER BY id), '') FROM tokens")?,
            ]
            .join("\n"))
        })
        .unwrap()
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn new_user(name: &str, email: Option<&str>, role: &str) -> NewUser {
    NewUser {
        display_name: name.into(),
        email: email.map(String::from),
        kind: UserKind::Human,
        role: role.into(),
        password: Some("long enough".into()),
    }
}

#[test]
fn bad_user_input_is_refused_and_changes_nothing() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    person(&td, &owner, "Ada", "member");
    let before = snapshot(&td);
    let cases: Vec<(NewUser, ErrorCode)> = vec![
        (
            new_user("Dup", Some("ADA@example.org"), "member"),
            ErrorCode::EmailTaken,
        ),
        (
            new_user("Bad", Some("not-an-email"), "member"),
            ErrorCode::InvalidEmail,
        ),
        (new_user("NoMail", None, "member"), ErrorCode::InvalidEmail),
        (
            new_user("", Some("x@example.org"), "member"),
            ErrorCode::InvalidName,
        ),
        (
            new_user("Role", Some("y@example.org"), "emperor"),
            ErrorCode::NotFound,
        ),
        (
            NewUser {
                password: Some("short".into()),
                ..new_user("Pw", Some("z@example.org"), "member")
            },
            ErrorCode::InvalidPassword,
        ),
        (
            NewUser {
                kind: UserKind::Service,
                ..new_user("Svc", None, "member")
            },
            ErrorCode::InvalidPassword,
        ),
    ];
    for (u, code) in cases {
        let name = u.display_name.clone();
        assert_eq!(
            td.create_user(&owner, u).unwrap_err().code(),
            code,
            "{name}"
        );
    }
    assert_eq!(snapshot(&td), before);
    // A service user without email or password is fine.
    td.create_user(
        &owner,
        NewUser {
            kind: UserKind::Service,
            password: None,
            ..new_user("CI bot", None, "member")
        },
    )
    .unwrap();
}

#[test]
fn the_last_owner_cannot_be_removed_disabled_or_demoted() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let admin = person(&td, &owner, "Admin", "admin");
    let admin_s = session_of(&admin);
    let owner_id = owner.actor_id.clone();
    let before = snapshot(&td);
    let demote = UserUpdate {
        role: Some("member".into()),
        ..Default::default()
    };
    assert_eq!(
        td.update_user(&admin_s, &owner_id, demote.clone())
            .unwrap_err()
            .code(),
        ErrorCode::LastOwner
    );
    assert_eq!(
        td.remove_user(&admin_s, &owner_id).unwrap_err().code(),
        ErrorCode::LastOwner
    );
    assert_eq!(
        td.set_user_active(&admin_s, &owner_id, false)
            .unwrap_err()
            .code(),
        ErrorCode::LastOwner
    );
    assert_eq!(
        td.update_role(&owner, "owner", Permissions::default())
            .unwrap_err()
            .code(),
        ErrorCode::LastOwner
    );
    // Yourself: never.
    assert_eq!(
        td.remove_user(&owner, &owner_id).unwrap_err().code(),
        ErrorCode::SelfLockout
    );
    assert_eq!(
        td.set_user_active(&owner, &owner_id, false)
            .unwrap_err()
            .code(),
        ErrorCode::SelfLockout
    );
    assert_eq!(snapshot(&td), before);
    // With a second owner, demoting the first is fine.
    td.update_user(
        &owner,
        &admin.id,
        UserUpdate {
            role: Some("owner".into()),
            ..Default::default()
        },
    )
    .unwrap();
    td.update_user(&admin_s, &owner_id, demote).unwrap();
}

#[test]
fn no_change_may_remove_the_operators_own_manage_settings() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mut p = td
        .list_roles(&owner)
        .unwrap()
        .into_iter()
        .find(|r| r.id == "admin")
        .unwrap()
        .permissions;
    p.manage_settings = true;
    td.update_role(&owner, "admin", p).unwrap();
    let admin = person(&td, &owner, "Admin", "admin");
    let admin_s = session_of(&admin);
    let before = snapshot(&td);
    p.manage_settings = false;
    assert_eq!(
        td.update_role(&admin_s, "admin", p).unwrap_err().code(),
        ErrorCode::SelfLockout
    );
    let to_member = UserUpdate {
        role: Some("member".into()),
        ..Default::default()
    };
    assert_eq!(
        td.update_user(&admin_s, &admin.id, to_member.clone())
            .unwrap_err()
            .code(),
        ErrorCode::SelfLockout
    );
    assert_eq!(snapshot(&td), before);
    // Someone else may do it.
    td.update_user(&owner, &admin.id, to_member).unwrap();
}

#[test]
fn impersonating_yourself_or_an_inactive_user_is_refused() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    td.set_user_active(&owner, &ada.id, false).unwrap();
    let before = snapshot(&td);
    assert_eq!(
        td.start_impersonation(&owner, &owner.actor_id)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        td.start_impersonation(&owner, &ada.id).unwrap_err().code(),
        ErrorCode::UserInactive
    );
    assert_eq!(
        td.start_impersonation(&owner, "no-such-user")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    let member = person(&td, &owner, "Bob", "member");
    let before_bob = snapshot(&td);
    assert_eq!(
        td.start_impersonation(&session_of(&member), &owner.actor_id)
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );
    assert_eq!(snapshot(&td), before_bob);
    assert_ne!(before, before_bob);
}

#[test]
fn switch_user_checks_the_password_and_slows_down_guessing() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    let s = td.sign_in("ADA@example.org", &pw("Ada password")).unwrap();
    assert_eq!(s.actor_id, ada.id);
    assert_eq!(td.info(&s).unwrap().session.actor.display_name, "Ada");

    // Unknown address and wrong password: the same generic error.
    assert_eq!(
        td.sign_in("nobody@example.org", &pw("whatever1"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    for _ in 0..5 {
        let e = td
            .sign_in("ada@example.org", &pw("wrong guess"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidCredentials);
        assert!(!e.to_string().to_lowercase().contains("password is wrong"));
    }
    // After five failures even the right password must wait, 1 s, then 2 s, ...
    let e = td
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    env.clock.advance(SECOND);
    assert_eq!(
        td.sign_in("ada@example.org", &pw("wrong again"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    env.clock.advance(SECOND);
    assert_eq!(
        td.sign_in("ada@example.org", &pw("Ada password"))
            .unwrap_err()
            .code(),
        ErrorCode::RateLimited,
        "the delay grew to 2 s"
    );
    env.clock.advance(SECOND);
    assert!(td.sign_in("ada@example.org", &pw("Ada password")).is_ok());
    // Success resets the counter.
    assert_eq!(
        td.sign_in("ada@example.org", &pw("wrong guess"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );

    // Disabled users, service users and users without a password cannot sign in.
    td.set_user_active(&owner, &ada.id, false).unwrap();
    env.clock.advance(DAY);
    assert_eq!(
        td.sign_in("ada@example.org", &pw("Ada password"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    let events: Vec<_> = td
        .audit_events(Some(&ada.id))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        events.contains(&AuditAction::UserSignedIn)
            && events.contains(&AuditAction::UserSignInFailed)
    );
    assert!(
        td.audit_events(None)
            .unwrap()
            .iter()
            .all(|e| !e.details.contains("password")),
        "no password in the audit log"
    );
}

#[test]
fn changing_a_password_needs_the_current_one() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    let s = session_of(&ada);
    assert_eq!(
        td.change_own_password(&s, Some(&pw("not current")), &pw("brand new pw"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(
        td.change_own_password(&s, Some(&pw("Ada password")), &pw("short"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidPassword
    );
    td.change_own_password(&s, Some(&pw("Ada password")), &pw("brand new pw"))
        .unwrap();
    assert!(td.sign_in("ada@example.org", &pw("brand new pw")).is_ok());
    assert!(td.sign_in("ada@example.org", &pw("Ada password")).is_err());
}

#[test]
fn disabling_or_removing_a_user_stops_their_tokens_at_once() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    let c = td.create_token(&owner, req_for("ada's", &ada)).unwrap();
    let plain = c.token.expose_secret().to_string();
    assert!(matches!(
        td.verify(&plain).unwrap(),
        Verification::Active(_)
    ));

    td.set_user_active(&owner, &ada.id, false).unwrap();
    assert_eq!(
        td.verify(&plain).unwrap(),
        Verification::Rejected(RejectReason::Suspended)
    );
    let all = ListQuery {
        scope: ListScope::All,
        status: Some(TokenStatus::Suspended),
        ..Default::default()
    };
    let listed = td.list_tokens(&owner, &all).unwrap().items;
    assert_eq!(
        listed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        [c.meta.id.as_str()]
    );
    assert_eq!(listed[0].owner_name, "Ada");
    let active = ListQuery {
        scope: ListScope::All,
        status: Some(TokenStatus::Active),
        ..Default::default()
    };
    assert!(td
        .list_tokens(&owner, &active)
        .unwrap()
        .items
        .iter()
        .all(|t| t.id != c.meta.id));

    td.set_user_active(&owner, &ada.id, true).unwrap();
    assert!(
        matches!(td.verify(&plain).unwrap(), Verification::Active(_)),
        "re-enabling restores the tokens"
    );

    td.remove_user(&owner, &ada.id).unwrap();
    assert_eq!(
        td.verify(&plain).unwrap(),
        Verification::Rejected(RejectReason::Suspended)
    );
    let removed = td
        .list_users(&owner)
        .unwrap()
        .into_iter()
        .find(|u| u.id == ada.id)
        .unwrap();
    assert_eq!(removed.status, UserStatus::Removed);
    assert_eq!(removed.email, None, "the address is free for a new user");
    assert!(
        td.audit_events(Some(&c.meta.id))
            .unwrap()
            .iter()
            .any(|e| e.action == "token.created"),
        "history kept"
    );
    assert_eq!(
        td.set_user_active(&owner, &ada.id, true)
            .unwrap_err()
            .code(),
        ErrorCode::NotFound,
        "removal is final"
    );
    person(&td, &owner, "Ada", "member");
}

#[test]
fn a_password_change_ends_tokens_from_credential_exchange_only() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    let exchanged = td.create_token(&owner, req_for("exchanged", &ada)).unwrap();
    let manual = td.create_token(&owner, req_for("manual", &ada)).unwrap();
    // Credential exchange (the HTTP API) marks its tokens with the owner's credential epoch.
    td.store()
        .with_tx(|tx| {
            tx.execute(
                "UPDATE tokens SET credential_epoch = (SELECT credential_epoch FROM users WHERE id = ?1) WHERE id = ?2",
                params![ada.id, exchanged.meta.id],
            )?;
            Ok(())
        })
        .unwrap();
    let v = |c: &CreatedToken| td.verify(c.token.expose_secret()).unwrap();
    assert!(matches!(v(&exchanged), Verification::Active(_)));
    td.set_password(&owner, &ada.id, &pw("a new password"))
        .unwrap();
    assert_eq!(
        v(&exchanged),
        Verification::Rejected(RejectReason::Suspended)
    );
    assert!(matches!(v(&manual), Verification::Active(_)));
}

#[test]
fn settings_are_validated_and_never_touch_existing_tokens() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let old = td.create_token(&owner, req("old")).unwrap();
    let before = snapshot(&td);
    let cur = td.settings(&owner).unwrap();
    let bad_policy = Settings {
        policy: tokendesk_core::policy::ExpiryPolicy {
            max_lifetime_days: 7,
            presets: vec![ExpiryPreset::OneDay, ExpiryPreset::SevenDays],
            ..cur.policy.clone()
        },
        ..cur.clone()
    };
    assert_eq!(
        td.update_settings(&owner, bad_policy).unwrap_err().code(),
        ErrorCode::InvalidInput,
        "max lifetime shorter than the default (30 days)"
    );
    assert_eq!(
        td.update_settings(
            &owner,
            Settings {
                token_prefix: "Bad_Prefix".into(),
                ..cur.clone()
            }
        )
        .unwrap_err()
        .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        td.update_settings(
            &owner,
            Settings {
                authority_name: " ".into(),
                ..cur.clone()
            }
        )
        .unwrap_err()
        .code(),
        ErrorCode::InvalidName
    );
    assert_eq!(snapshot(&td), before);

    let mut next = cur.clone();
    next.token_prefix = "acme".into();
    next.policy.allow_never = true;
    next.policy.default_choice = ExpiryChoice::Never;
    td.update_settings(&owner, next).unwrap();
    let new = td
        .create_token(
            &owner,
            CreateTokenRequest {
                expiry: ExpiryChoice::Never,
                ..req("new")
            },
        )
        .unwrap();
    assert!(new.token.expose_secret().starts_with("acme_"));
    assert_eq!(new.meta.expires_at, None);
    // The old token keeps its prefix, expiry, and still verifies.
    assert!(
        matches!(td.verify(old.token.expose_secret()).unwrap(), Verification::Active(m) if m.token.expires_at == Some(T0 + 30 * DAY))
    );
    let reopened = env.open();
    assert_eq!(
        reopened
            .settings(&reopened.local_session())
            .unwrap()
            .token_prefix,
        "acme",
        "settings persist"
    );
}

#[test]
fn all_authorizations_filters_by_owner_kind_expiry_and_use() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "member");
    let bot = td
        .create_user(
            &owner,
            NewUser {
                display_name: "CI bot".into(),
                email: None,
                kind: UserKind::Service,
                role: "member".into(),
                password: None,
            },
        )
        .unwrap();
    let one_day = |name: &str| CreateTokenRequest {
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
        ..req(name)
    };
    let mine = td.create_token(&owner, req("mine")).unwrap().meta; // 30 days
    let adas = td
        .create_token(
            &owner,
            CreateTokenRequest {
                for_user: Some(ada.id.clone()),
                ..one_day("ada's")
            },
        )
        .unwrap()
        .meta;
    let bots = td
        .create_token(&owner, req_for("bot's", &bot))
        .unwrap()
        .meta;
    assert_eq!(bots.kind, TokenKind::Service);
    let imp = td.start_impersonation(&owner, &ada.id).unwrap();
    let imps = td.create_token(&imp, one_day("support")).unwrap().meta;
    td.store()
        .with_tx(|tx| {
            tx.execute(
                "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2",
                params![T0 + 9 * DAY, mine.id],
            )?;
            Ok(())
        })
        .unwrap();
    env.clock.advance(10 * DAY);
    let find = |q: ListQuery| -> Vec<String> {
        let mut names: Vec<String> = td
            .list_tokens(
                &owner,
                &ListQuery {
                    scope: ListScope::All,
                    ..q
                },
            )
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        find(ListQuery::default()),
        ["ada's", "bot's", "mine", "support"]
    );
    assert_eq!(
        find(ListQuery {
            owner_id: Some(ada.id.clone()),
            ..Default::default()
        }),
        ["ada's", "support"]
    );
    assert_eq!(
        find(ListQuery {
            kind: Some(TokenKind::Impersonation),
            ..Default::default()
        }),
        ["support"]
    );
    assert_eq!(
        find(ListQuery {
            kind: Some(TokenKind::Service),
            ..Default::default()
        }),
        ["bot's"]
    );
    // After 10 days the 1-day tokens are expired; the 30-day ones expire within 20 days.
    assert_eq!(
        find(ListQuery {
            expiring_within_days: Some(21),
            ..Default::default()
        }),
        ["bot's", "mine"]
    );
    assert!(find(ListQuery {
        expiring_within_days: Some(19),
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        find(ListQuery {
            status: Some(TokenStatus::Expired),
            ..Default::default()
        }),
        ["ada's", "support"]
    );
    // "mine" was used a day ago; the others were never used since creation 10 days ago.
    assert_eq!(
        find(ListQuery {
            unused_for_days: Some(5),
            ..Default::default()
        }),
        ["ada's", "bot's", "support"]
    );
    assert!(find(ListQuery {
        unused_for_days: Some(11),
        ..Default::default()
    })
    .is_empty());
    let owners: Vec<String> = td
        .list_tokens(
            &owner,
            &ListQuery {
                scope: ListScope::All,
                owner_id: Some(bot.id.clone()),
                ..Default::default()
            },
        )
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.owner_name)
        .collect();
    assert_eq!(owners, ["CI bot"]);
    let _ = (adas, imps);
}

#[test]
fn audit_query_filters_pages_and_exports() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let ada = person(&td, &owner, "Ada", "admin");
    let ada_s = session_of(&ada);
    env.clock.advance(DAY);
    let t = td
        .create_token(&ada_s, req("=cmd|' /C calc'!A0"))
        .unwrap()
        .meta;
    td.revoke_token(&ada_s, &t.id, Some("done, \"really\""))
        .unwrap();
    let q = |q: AuditQuery| td.list_audit(&owner, &q).unwrap();
    let by_ada = q(AuditQuery {
        actor_id: Some(ada.id.clone()),
        ..Default::default()
    });
    assert_eq!(
        by_ada
            .items
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        ["token.revoked", "token.created"],
        "newest first"
    );
    assert_eq!(
        q(AuditQuery {
            action: Some(AuditAction::UserCreated),
            ..Default::default()
        })
        .items
        .len(),
        1
    );
    assert_eq!(
        q(AuditQuery {
            from: Some(T0 + DAY),
            ..Default::default()
        })
        .items
        .len(),
        2
    );
    assert_eq!(
        q(AuditQuery {
            to: Some(T0 + DAY),
            ..Default::default()
        })
        .items
        .len(),
        2,
        "authority.created and user.created"
    );
    assert_eq!(
        q(AuditQuery {
            subject_id: Some(owner.actor_id.clone()),
            ..Default::default()
        })
        .items
        .len(),
        2
    );
    let p1 = q(AuditQuery {
        limit: 3,
        ..Default::default()
    });
    assert_eq!(p1.items.len(), 3);
    let p2 = q(AuditQuery {
        limit: 3,
        before_seq: p1.next_before,
        ..Default::default()
    });
    assert_eq!(p2.items.len(), 1);
    assert_eq!(p2.next_before, None);
    assert_eq!(
        td.list_audit(
            &owner,
            &AuditQuery {
                limit: 501,
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        td.list_audit(
            &session_of(&person(&td, &owner, "Mo", "member")),
            &AuditQuery::default()
        )
        .unwrap_err()
        .code(),
        ErrorCode::PermissionDenied
    );

    let mut csv = Vec::new();
    let n = td
        .export_audit(
            &owner,
            &AuditQuery {
                actor_id: Some(ada.id.clone()),
                ..Default::default()
            },
            ExportFormat::Csv,
            &mut csv,
        )
        .unwrap();
    assert_eq!(n, 2);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "seq,time,actor_id,subject_id,action,target_id,details,hash"
    );
    assert!(
        lines[1].contains(",token.created,") && lines[2].contains(",token.revoked,"),
        "oldest first: {csv}"
    );
    assert!(
        lines[1].contains(r#","{""#) && lines[1].contains(r#"""name"":""=cmd|' /C calc'!A0"""#),
        "details quoted per RFC 4180: {}",
        lines[1]
    );
    let mut json = Vec::new();
    td.export_audit(
        &owner,
        &AuditQuery::default(),
        ExportFormat::Json,
        &mut json,
    )
    .unwrap();
    let events: Vec<AuditEvent> = serde_json::from_slice(&json).unwrap();
    assert_eq!(events.len(), td.audit_events(None).unwrap().len());
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}

/// The sign-in rate limit lives in the database: failures counted by one process (a server)
/// make another process on the same database wait too, and a success there clears them for all.
#[test]
fn failed_sign_ins_are_counted_for_every_process_on_the_database() {
    let env = Env::new();
    let a = env.open();
    let owner = a.local_session();
    person(&a, &owner, "Ada", "member");
    let b = env.open();
    for _ in 0..5 {
        let e = a
            .sign_in("ada@example.org", &pw("wrong guess"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    }
    let e = b
        .sign_in("ada@example.org", &pw("Ada password"))
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::RateLimited,
        "the other process waits too"
    );
    env.clock.advance(SECOND);
    assert!(b.sign_in("ada@example.org", &pw("Ada password")).is_ok());
    // The success on b reset the count for a as well: five more failures before a wait.
    for _ in 0..5 {
        let e = a
            .sign_in("ada@example.org", &pw("wrong guess"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    }
    assert_eq!(
        b.sign_in("ada@example.org", &pw("Ada password"))
            .unwrap_err()
            .code(),
        ErrorCode::RateLimited
    );
    // Nothing about the attempts leaks into the stored keys but the address itself.
    let keys: Vec<String> = a
        .store()
        .read(|c| c.query_map("SELECT key FROM sign_in_failures", params![], |r| r.get(0)))
        .unwrap();
    assert_eq!(keys, ["account:ada@example.org"]);
}

fn active_owner(td: &Tokendesk, token: &SecretString) -> Option<String> {
    match td.verify(token.expose_secret()).unwrap() {
        Verification::Active(v) => Some(v.user.id.clone()),
        Verification::Rejected(_) => None,
    }
}

/// Issue 12, part 3: a service user may hold an API password (credential exchange only, never
/// the app) and OAuth client credentials; replacing either ends the tokens obtained with it.
#[test]
fn service_users_have_an_api_password_and_client_credentials() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let bot = td
        .create_user(
            &owner,
            NewUser {
                kind: UserKind::Service,
                ..new_user("CI bot", Some("ci@example.org"), "member")
            },
        )
        .unwrap();

    // The API password: the credential exchange takes it, the app's sign-in does not.
    assert_eq!(
        td.sign_in("ci@example.org", &pw("long enough"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    let by_password = td
        .exchange_credentials("ci@example.org", &pw("long enough"), Some("10.0.0.9"), None)
        .unwrap();
    assert_eq!(by_password.meta.owner_id, bot.id);
    assert_eq!(active_owner(&td, &by_password.token), Some(bot.id.clone()));
    td.set_password(&owner, &bot.id, &pw("another long one"))
        .unwrap();
    assert_eq!(
        active_owner(&td, &by_password.token),
        None,
        "ended with the old password"
    );

    // Client credentials: only for service users, only by those who manage users.
    assert_eq!(
        td.set_client_credentials(&owner, &mia.id)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        td.set_client_credentials(&session_of(&mia), &bot.id)
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );
    let first = td.set_client_credentials(&owner, &bot.id).unwrap();
    assert_eq!(
        td.client_id(&owner, &bot.id).unwrap(),
        Some(first.client_id.clone())
    );
    let t = td
        .client_credentials_grant(
            &first.client_id,
            &first.client_secret,
            None,
            Some("10.0.0.9"),
        )
        .unwrap();
    assert_eq!(t.meta.owner_id, bot.id);
    assert_eq!(active_owner(&td, &t.token), Some(bot.id.clone()));
    let narrow = td
        .client_credentials_grant(
            &first.client_id,
            &first.client_secret,
            Some(vec![Scope::TokensRead]),
            None,
        )
        .unwrap();
    assert_eq!(narrow.meta.scopes, Some(vec![Scope::TokensRead]));
    for (id, secret) in [
        (first.client_id.as_str(), pw("tkdcs_wrong")),
        ("tdc-unknown", first.client_secret.clone()),
    ] {
        assert_eq!(
            td.client_credentials_grant(id, &secret, None, None)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidCredentials
        );
    }

    // A new secret: same client id; the old secret and its tokens end.
    let second = td.set_client_credentials(&owner, &bot.id).unwrap();
    assert_eq!(second.client_id, first.client_id);
    assert_ne!(
        second.client_secret.expose_secret(),
        first.client_secret.expose_secret()
    );
    assert_eq!(active_owner(&td, &t.token), None);
    assert_eq!(
        td.client_credentials_grant(&first.client_id, &first.client_secret, None, None)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );
    let fresh = td
        .client_credentials_grant(&second.client_id, &second.client_secret, None, None)
        .unwrap();
    assert_eq!(active_owner(&td, &fresh.token), Some(bot.id.clone()));

    // A disabled service user gets nothing.
    td.set_user_active(&owner, &bot.id, false).unwrap();
    env.clock.advance(DAY);
    assert_eq!(
        td.client_credentials_grant(&second.client_id, &second.client_secret, None, None)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidCredentials
    );

    // Audited, never with the secret; a service user without email has no API password.
    let set: Vec<_> = td
        .audit_events(Some(&bot.id))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::UserClientSecretSet)
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set.iter().all(
        |e| !e.details.contains(second.client_secret.expose_secret())
            && !e.details.contains(first.client_secret.expose_secret())
    ));
    let quiet = td
        .create_user(
            &owner,
            NewUser {
                kind: UserKind::Service,
                password: None,
                ..new_user("Quiet bot", None, "member")
            },
        )
        .unwrap();
    assert_eq!(
        td.set_password(&owner, &quiet.id, &pw("long enough"))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidPassword
    );
}
