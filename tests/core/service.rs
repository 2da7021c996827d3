//! The service operations (create, list, rename, revoke, verify, audit) against a real database:
//! a SQLite file in a temp dir, or PostgreSQL under `make test-postgres`.

mod common;

use common::{Env, T0};
use tokendesk_core::clock::{FakeClock, DAY, SECOND};
use tokendesk_core::model::*;
use tokendesk_core::params;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::secret_store::{MemorySecretStore, SecretStore};
use tokendesk_core::store::ConnExt;
use tokendesk_core::{ErrorCode, Tokendesk};

struct Fixture {
    td: Tokendesk,
    clock: FakeClock,
    env: Env,
}

fn fixture() -> Fixture {
    let env = Env::new();
    let mut opts = env.options();
    opts.owner_name = "Ada".into();
    let td = Tokendesk::open(opts, &env.secrets).unwrap();
    Fixture {
        td,
        clock: env.clock.clone(),
        env,
    }
}

fn req(name: &str, expiry: ExpiryChoice) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name: name.into(),
        description: None,
        expiry,
        scopes: None,
        tenant_ids: None,
    }
}

fn thirty() -> ExpiryChoice {
    ExpiryChoice::Preset {
        preset: ExpiryPreset::ThirtyDays,
    }
}

/// Counts rows so a failed operation can be shown to have written nothing.
fn counts(td: &Tokendesk) -> (i64, i64, String) {
    td.store()
        .read(|c| {
            let t: i64 = c.query_row("SELECT count(*) FROM tokens", params![], |r| r.get(0))?;
            let a: i64 = c.query_row("SELECT count(*) FROM audit_events", params![], |r| r.get(0))?;
            let names: String = c.query_row(
                "SELECT coalesce(string_agg(name || '|' || coalesce(CAST(revoked_at AS TEXT), ''), ','), '') FROM tokens",
                params![],
                |r| r.get(0),
            )?;
            Ok((t, a, names))
        })
        .unwrap()
}

#[test]
fn first_run_creates_owner_authority_and_keyring_key() {
    let f = fixture();
    let s = f.td.local_session();
    let info = f.td.info(&s).unwrap();
    assert_eq!(info.token_prefix, "tkd");
    assert_eq!(info.user.display_name, "Ada");
    assert_eq!(info.user.role, "owner");
    assert_eq!(f.env.secrets.len(), 1);
    let events = f.td.audit_events(None).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "authority.created");
}

#[test]
fn create_returns_the_token_once_and_verify_accepts_it() {
    let f = fixture();
    let s = f.td.local_session();
    let c = f.td.create_token(&s, req("CI", thirty())).unwrap();
    assert_eq!(c.meta.kind, TokenKind::Personal);
    assert_eq!(c.meta.owner_id, s.subject_id);
    assert_eq!(c.meta.created_by, s.actor_id);
    assert_eq!(c.meta.expires_at, Some(T0 + 30 * DAY));
    assert_eq!(c.meta.status, TokenStatus::Active);
    let plain = c.token.expose_secret().to_string();
    assert!(c.meta.display_hint.ends_with(&plain[plain.len() - 4..]));
    match f.td.verify(&plain).unwrap() {
        Verification::Active(m) => assert_eq!(m.token.id, c.meta.id),
        other => panic!("{other:?}"),
    }
    let ev = f.td.audit_events(Some(&c.meta.id)).unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].action, "token.created");
    assert!(!ev[0].details.contains(&plain));
    // The reveal is the serialized create answer, and only that.
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains(&plain));
    assert!(!format!("{c:?}").contains(&plain));
}

#[test]
fn verify_reasons() {
    let f = fixture();
    let s = f.td.local_session();
    let c =
        f.td.create_token(
            &s,
            req(
                "a",
                ExpiryChoice::Preset {
                    preset: ExpiryPreset::OneHour,
                },
            ),
        )
        .unwrap();
    let plain = c.token.expose_secret().to_string();
    let v = |t: &str| f.td.verify(t).unwrap();
    assert_eq!(v("nope"), Verification::Rejected(RejectReason::Malformed));
    let mut typo = plain.clone().into_bytes();
    let i = 10;
    typo[i] = if typo[i] == b'a' { b'b' } else { b'a' };
    assert_eq!(
        v(std::str::from_utf8(&typo).unwrap()),
        Verification::Rejected(RejectReason::BadChecksum)
    );
    let unknown = tokendesk_core::token::mint("tkd").unwrap();
    assert_eq!(
        v(unknown.expose_secret()),
        Verification::Rejected(RejectReason::Unknown)
    );
    // Expiry edge: active one second before, expired at the instant and after.
    f.clock.set(T0 + 3600 * SECOND - SECOND);
    assert!(matches!(v(&plain), Verification::Active(_)));
    f.clock.set(T0 + 3600 * SECOND);
    assert_eq!(v(&plain), Verification::Rejected(RejectReason::Expired));
    f.clock.set(T0 + 3600 * SECOND + SECOND);
    assert_eq!(v(&plain), Verification::Rejected(RejectReason::Expired));
    assert_eq!(
        f.td.get_token(&s, &c.meta.id).unwrap().status,
        TokenStatus::Expired
    );
    f.clock.set(T0);
    f.td.revoke_token(&s, &c.meta.id, Some("leaked")).unwrap();
    assert_eq!(v(&plain), Verification::Rejected(RejectReason::Revoked));
}

#[test]
fn bad_names_change_nothing() {
    let f = fixture();
    let s = f.td.local_session();
    let before = counts(&f.td);
    for bad in ["", "   ", &"n".repeat(101), "two\nlines", "ctl\u{7}"] {
        let e = f.td.create_token(&s, req(bad, thirty())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidName, "{bad:?}");
    }
    assert_eq!(counts(&f.td), before);
}

#[test]
fn duplicate_live_name_is_refused_but_revoked_name_can_be_reused() {
    let f = fixture();
    let s = f.td.local_session();
    let first = f.td.create_token(&s, req("deploy", thirty())).unwrap();
    let before = counts(&f.td);
    let e = f.td.create_token(&s, req("Deploy ", thirty())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NameTaken);
    assert_eq!(counts(&f.td), before);
    f.td.revoke_token(&s, &first.meta.id, None).unwrap();
    f.td.create_token(&s, req("deploy", thirty())).unwrap();
}

#[test]
fn expiry_outside_policy_changes_nothing() {
    let f = fixture();
    let s = f.td.local_session();
    let before = counts(&f.td);
    for choice in [
        ExpiryChoice::Custom { at: T0 - SECOND },
        ExpiryChoice::Custom { at: T0 },
        ExpiryChoice::Custom {
            at: T0 + 365 * DAY + SECOND,
        },
        ExpiryChoice::Never,
    ] {
        let e = f.td.create_token(&s, req("x", choice)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidExpiry, "{choice:?}");
    }
    assert_eq!(counts(&f.td), before);
    let ok =
        f.td.create_token(&s, req("x", ExpiryChoice::Custom { at: T0 + SECOND }))
            .unwrap();
    assert_eq!(ok.meta.expires_at, Some(T0 + SECOND));
}

#[test]
fn description_rules() {
    let f = fixture();
    let s = f.td.local_session();
    let before = counts(&f.td);
    let mut r = req("x", thirty());
    r.description = Some("d".repeat(1001));
    assert_eq!(
        f.td.create_token(&s, r).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(counts(&f.td), before);
}

#[test]
fn rename_rules() {
    let f = fixture();
    let s = f.td.local_session();
    let a = f.td.create_token(&s, req("a", thirty())).unwrap().meta;
    let b = f.td.create_token(&s, req("b", thirty())).unwrap().meta;
    let before = counts(&f.td);
    assert_eq!(
        f.td.rename_token(&s, &a.id, "B").unwrap_err().code(),
        ErrorCode::NameTaken
    );
    assert_eq!(
        f.td.rename_token(&s, &a.id, " ").unwrap_err().code(),
        ErrorCode::InvalidName
    );
    assert_eq!(
        f.td.rename_token(&s, "no-such-id", "z").unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(counts(&f.td), before);
    let renamed = f.td.rename_token(&s, &a.id, "  a2 ").unwrap();
    assert_eq!(renamed.name, "a2");
    assert_eq!(f.td.get_token(&s, &a.id).unwrap().name, "a2");
    let ev = f.td.audit_events(Some(&a.id)).unwrap();
    assert_eq!(ev.last().unwrap().action, "token.renamed");
    f.td.revoke_token(&s, &b.id, None).unwrap();
    let before = counts(&f.td);
    assert_eq!(
        f.td.rename_token(&s, &b.id, "b2").unwrap_err().code(),
        ErrorCode::TokenRevoked
    );
    assert_eq!(counts(&f.td), before);
}

#[test]
fn revoke_rules() {
    let f = fixture();
    let s = f.td.local_session();
    let a = f.td.create_token(&s, req("a", thirty())).unwrap().meta;
    assert_eq!(
        f.td.revoke_token(&s, "missing", None).unwrap_err().code(),
        ErrorCode::NotFound
    );
    let r = f.td.revoke_token(&s, &a.id, Some(" rotated ")).unwrap();
    assert_eq!(r.status, TokenStatus::Revoked);
    assert_eq!(r.revoke_reason.as_deref(), Some("rotated"));
    assert_eq!(r.revoked_by.as_deref(), Some(s.actor_id.as_str()));
    let before = counts(&f.td);
    assert_eq!(
        f.td.revoke_token(&s, &a.id, None).unwrap_err().code(),
        ErrorCode::AlreadyRevoked
    );
    assert_eq!(counts(&f.td), before);
    let ev = f.td.audit_events(Some(&a.id)).unwrap();
    assert_eq!(
        ev.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["token.created", "token.revoked"]
    );
}

#[test]
fn save_copy_only_for_the_matching_token() {
    let f = fixture();
    let s = f.td.local_session();
    let a = f.td.create_token(&s, req("a", thirty())).unwrap();
    let b = f.td.create_token(&s, req("b", thirty())).unwrap();
    let user = MemorySecretStore::new();
    let e =
        f.td.save_token_copy(&s, &user, &a.meta.id, &b.token)
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidToken);
    assert!(user.is_empty());
    let copy =
        f.td.save_token_copy(&s, &user, &a.meta.id, &a.token)
            .unwrap();
    let stored = user.get(&copy.account).unwrap().unwrap();
    assert_eq!(stored.as_slice(), a.token.expose_secret().as_bytes());
}

#[test]
fn list_filters_sorts_and_pages() {
    let f = fixture();
    let s = f.td.local_session();
    let mut ids = vec![];
    for i in 0..7 {
        f.clock.advance(SECOND);
        let mut r = req(
            &format!("tok {i}"),
            ExpiryChoice::Preset {
                preset: ExpiryPreset::OneDay,
            },
        );
        if i == 3 {
            r.description = Some("the Deploy bot".into());
        }
        if i == 5 {
            r.expiry = ExpiryChoice::Preset {
                preset: ExpiryPreset::OneHour,
            };
        }
        ids.push(f.td.create_token(&s, r).unwrap().meta.id);
    }
    f.td.revoke_token(&s, &ids[1], None).unwrap();
    f.clock.advance(2 * tokendesk_core::clock::HOUR); // token 5 is now expired
    let q = |sort, dir, status: Option<TokenStatus>, search: Option<&str>| ListQuery {
        search: search.map(String::from),
        status,
        sort,
        dir,
        limit: 3,
        cursor: None,
        ..Default::default()
    };
    // Paging through created-desc yields every token exactly once, newest first.
    let mut seen = vec![];
    let mut query = q(SortKey::Created, SortDir::Desc, None, None);
    loop {
        let page = f.td.list_tokens(&s, &query).unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|t| t.id.clone()));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    let all = |sort, dir, status, search| {
        let mut out = vec![];
        let mut query = q(sort, dir, status, search);
        loop {
            let page = f.td.list_tokens(&s, &query).unwrap();
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => return out,
            }
        }
    };
    let revoked = all(
        SortKey::Name,
        SortDir::Asc,
        Some(TokenStatus::Revoked),
        None,
    );
    assert_eq!(
        revoked.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        [ids[1].as_str()]
    );
    let expired = all(
        SortKey::Name,
        SortDir::Asc,
        Some(TokenStatus::Expired),
        None,
    );
    assert_eq!(
        expired.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["tok 5"]
    );
    assert_eq!(
        all(SortKey::Name, SortDir::Asc, Some(TokenStatus::Active), None).len(),
        5
    );
    let found = all(SortKey::Created, SortDir::Asc, None, Some("deploy"));
    assert_eq!(
        found.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["tok 3"]
    );
    assert!(all(SortKey::Created, SortDir::Asc, None, Some("100%_")).is_empty());
    let by_status = all(SortKey::Status, SortDir::Asc, None, None);
    let statuses: Vec<_> = by_status.iter().map(|t| t.status).collect();
    let mut sorted = statuses.clone();
    sorted.sort_by_key(|s| *s as u8);
    assert_eq!(statuses, sorted, "active, then expired, then revoked");
    let names: Vec<_> = all(SortKey::Name, SortDir::Desc, None, None)
        .into_iter()
        .map(|t| t.name)
        .collect();
    let mut want = names.clone();
    want.sort();
    want.reverse();
    assert_eq!(names, want);
    assert_eq!(
        all(SortKey::Expires, SortDir::Asc, None, None)[0].name,
        "tok 5"
    );
    assert_eq!(all(SortKey::LastUsed, SortDir::Desc, None, None).len(), 7);

    let bad_cursor = ListQuery {
        cursor: Some("garbage".into()),
        ..q(SortKey::Name, SortDir::Asc, None, None)
    };
    assert_eq!(
        f.td.list_tokens(&s, &bad_cursor).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let first =
        f.td.list_tokens(&s, &q(SortKey::Name, SortDir::Asc, None, None))
            .unwrap();
    let replay = ListQuery {
        cursor: first.next_cursor,
        ..q(SortKey::Created, SortDir::Asc, None, None)
    };
    assert_eq!(
        f.td.list_tokens(&s, &replay).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let too_many = ListQuery {
        limit: 201,
        ..Default::default()
    };
    assert_eq!(
        f.td.list_tokens(&s, &too_many).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

#[test]
fn search_matches_substrings_and_follows_renames() {
    let f = fixture();
    let s = f.td.local_session();
    let mut r = req("Production deploy", thirty());
    r.description = Some("Used by the \"release\" job: AND/OR * -x".into());
    let prod = f.td.create_token(&s, r).unwrap().meta;
    f.td.create_token(&s, req("staging", thirty())).unwrap();
    f.td.create_token(&s, req("Ünïcode naïve", thirty()))
        .unwrap();
    let find = |text: &str| -> Vec<String> {
        let q = ListQuery {
            search: Some(text.into()),
            sort: SortKey::Name,
            dir: SortDir::Asc,
            ..Default::default()
        };
        f.td.list_tokens(&s, &q)
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    assert_eq!(find("DEPLOY"), ["Production deploy"]);
    assert_eq!(find("uction dep"), ["Production deploy"]);
    assert_eq!(find("\"release\""), ["Production deploy"]);
    assert_eq!(find("AND/OR * -x"), ["Production deploy"]);
    assert_eq!(find("st"), ["staging"]); // under three characters: the LIKE path
    assert_eq!(find("o"), ["Production deploy", "Ünïcode naïve"]);
    assert_eq!(find("naïve"), ["Ünïcode naïve"]);
    assert!(find("nothing like this").is_empty());
    assert!(find("ab\"").is_empty());
    f.td.rename_token(&s, &prod.id, "Blue green").unwrap();
    assert!(find("Production").is_empty());
    assert_eq!(find("green"), ["Blue green"]);
    assert_eq!(find("release"), ["Blue green"]);
}

#[test]
fn search_plans_for_few_and_many_hits_agree_with_a_plain_filter() {
    let f = fixture();
    let s = f.td.local_session();
    f.td.seed_tokens(&s, 2_100, |_, _| {}).unwrap();
    let all_names: Vec<String> = {
        let q = ListQuery {
            sort: SortKey::Name,
            dir: SortDir::Asc,
            limit: 200,
            ..Default::default()
        };
        let mut out = vec![];
        let mut q = q;
        loop {
            let p = f.td.list_tokens(&s, &q).unwrap();
            out.extend(p.items.into_iter().map(|t| t.name));
            match p.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break out,
            }
        }
    };
    assert_eq!(all_names.len(), 2_100);
    for (text, plan) in [("seed 1", "few"), ("seed", "many"), ("d 20", "few")] {
        let mut q = ListQuery {
            search: Some(text.into()),
            sort: SortKey::Name,
            dir: SortDir::Asc,
            limit: 200,
            ..Default::default()
        };
        let mut got = vec![];
        loop {
            let p = f.td.list_tokens(&s, &q).unwrap();
            got.extend(p.items.into_iter().map(|t| t.name));
            match p.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        let want: Vec<_> = all_names
            .iter()
            .filter(|n| n.contains(text))
            .cloned()
            .collect();
        assert_eq!(got, want, "search {text:?} ({plan} hits)");
    }
}

/// The change feed's newest rows, oldest first: (kind, token, user, tenant, role).
type ChangeRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
fn changes_after(td: &Tokendesk, seq: u64) -> Vec<ChangeRow> {
    td.store()
        .read(|c| {
            c.query_map(
                "SELECT kind, token_id, user_id, tenant_id, role_id FROM changes WHERE seq > ?1 ORDER BY seq",
                params![seq as i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })
        .unwrap()
}
fn head(td: &Tokendesk) -> u64 {
    td.store()
        .read(tokendesk_core::store::changes::head)
        .unwrap()
}

/// Every operation that can change a verification answer records what it changed, in its own
/// transaction; reads, sign-in failures and usage record nothing.
#[test]
fn every_changing_operation_records_its_change() {
    let f = fixture();
    let (td, s) = (&f.td, f.td.local_session());
    let some = |x: &str| Some(x.to_string());
    let mut at = head(td);
    let mut expect = |what: &str, rows: Vec<ChangeRow>| {
        let got = changes_after(td, at);
        assert_eq!(got, rows, "{what}");
        at = head(td);
    };
    let t = td.create_token(&s, req("feed", thirty())).unwrap();
    expect(
        "create",
        vec![("token.created".into(), some(&t.meta.id), None, None, None)],
    );
    td.rename_token(&s, &t.meta.id, "feed 2").unwrap();
    expect(
        "rename",
        vec![("token".into(), some(&t.meta.id), None, None, None)],
    );
    let bob = td
        .create_user(
            &s,
            NewUser {
                display_name: "Bob".into(),
                email: Some("bob@example.org".into()),
                kind: UserKind::Human,
                role: "member".into(),
                password: None,
            },
        )
        .unwrap();
    expect(
        "create user",
        vec![("user".into(), None, some(&bob.id), None, None)],
    );
    td.update_user(
        &s,
        &bob.id,
        UserUpdate {
            display_name: None,
            email: None,
            role: Some("admin".into()),
        },
    )
    .unwrap();
    expect(
        "role of a user",
        vec![("user".into(), None, some(&bob.id), None, None)],
    );
    td.set_user_active(&s, &bob.id, false).unwrap();
    td.set_user_active(&s, &bob.id, true).unwrap();
    let user = |id: &str| ("user".to_string(), None, some(id), None, None);
    expect("disable, enable", vec![user(&bob.id), user(&bob.id)]);
    td.set_password(
        &s,
        &bob.id,
        &SecretString::from("a long enough password 1".to_string()),
    )
    .unwrap();
    expect("password", vec![user(&bob.id)]);
    let acme = td.create_tenant(&s, "Acme").unwrap();
    td.rename_tenant(&s, &acme.id, "Acme Inc").unwrap();
    let tenant = ("tenant".to_string(), None, None, some(&acme.id), None);
    expect("tenant created, renamed", vec![tenant.clone(), tenant]);
    let beta = td.create_tenant(&s, "Beta").unwrap();
    td.set_tenant_member(&s, &acme.id, &bob.id, true).unwrap();
    td.set_tenant_member(&s, &beta.id, &bob.id, true).unwrap();
    td.set_active_tenant(&s, &bob.id, &beta.id).unwrap();
    td.set_tenant_member(&s, &acme.id, &bob.id, false).unwrap();
    let beta_created = ("tenant".to_string(), None, None, some(&beta.id), None);
    let (b1, b2, b3, b4) = (user(&bob.id), user(&bob.id), user(&bob.id), user(&bob.id));
    expect(
        "membership, active tenant",
        vec![beta_created, b1, b2, b3, b4],
    );
    let perms = Permissions {
        api_access: true,
        create_tokens_for_others: false,
        impersonate: false,
        manage_users: false,
        manage_settings: false,
        view_audit: true,
    };
    td.update_role(&s, "member", perms).unwrap();
    expect(
        "role",
        vec![("role".into(), None, None, None, some("member"))],
    );
    let settings = td.settings(&s).unwrap();
    td.update_settings(&s, settings).unwrap();
    expect(
        "settings",
        vec![("authority".into(), None, None, None, None)],
    );
    td.revoke_token(&s, &t.meta.id, Some("done")).unwrap();
    expect(
        "revoke",
        vec![("token".into(), some(&t.meta.id), None, None, None)],
    );
    td.remove_user(&s, &bob.id).unwrap();
    expect("remove user", vec![user(&bob.id)]);

    // Nothing for reads, a refused write, or usage.
    let other = td.create_token(&s, req("other", thirty())).unwrap();
    expect(
        "create",
        vec![(
            "token.created".into(),
            some(&other.meta.id),
            None,
            None,
            None,
        )],
    );
    td.list_tokens(&s, &ListQuery::default()).unwrap();
    assert!(td.rename_token(&s, &other.meta.id, "").is_err());
    assert!(matches!(
        td.verify(other.token.expose_secret()).unwrap(),
        Verification::Active(_)
    ));
    td.record_use(&other.meta.id, "10.0.0.1".parse().ok(), None);
    td.flush_usage().unwrap();
    expect("reads, refused writes, usage", vec![]);
}

/// The cache keeps what a change does not affect: a revoke drops its own token only, a usage
/// flush drops nothing, an authority-wide change drops everything.
#[test]
fn the_cache_drops_only_what_a_change_affects() {
    let f = fixture();
    let (td, s) = (&f.td, f.td.local_session());
    let a = td.create_token(&s, req("a", thirty())).unwrap();
    let b = td.create_token(&s, req("b", thirty())).unwrap();
    let active = |t: &CreatedToken| {
        matches!(
            td.verify(t.token.expose_secret()).unwrap(),
            Verification::Active(_)
        )
    };
    assert!(active(&a) && active(&b));
    assert_eq!(td.verified_cache_len(), 2);
    td.record_use(&a.meta.id, None, None);
    td.flush_usage().unwrap();
    td.create_token(&s, req("c", thirty())).unwrap();
    assert!(active(&b));
    assert_eq!(
        td.verified_cache_len(),
        2,
        "a usage flush and a create drop nothing"
    );
    td.revoke_token(&s, &a.meta.id, None).unwrap();
    assert!(active(&b));
    assert_eq!(
        td.verified_cache_len(),
        1,
        "the revoke dropped its token only"
    );
    assert_eq!(
        td.verify(a.token.expose_secret()).unwrap(),
        Verification::Rejected(RejectReason::Revoked)
    );
    let settings = td.settings(&s).unwrap();
    td.update_settings(&s, settings).unwrap();
    td.verify(a.token.expose_secret()).unwrap();
    assert_eq!(
        td.verified_cache_len(),
        0,
        "an authority-wide change drops everything"
    );
}

/// The detail panel's usage includes the uses counted but not yet written by the background
/// flush (it runs every few seconds).
#[test]
fn token_usage_includes_uses_not_yet_flushed() {
    let f = fixture();
    let (td, s) = (&f.td, f.td.local_session());
    let t = td.create_token(&s, req("counted", thirty())).unwrap();
    td.record_use(&t.meta.id, "10.0.0.7".parse().ok(), Some("curl/8"));
    td.record_use(&t.meta.id, "10.0.0.7".parse().ok(), Some("curl/8"));
    let usage = td.token_usage(&s, &t.meta.id, 30).unwrap();
    assert_eq!(usage.days.iter().map(|d| d.count).sum::<i64>(), 2);
    assert_eq!(usage.last_client.as_deref(), Some("10.0.0.7"));
}

#[test]
fn a_token_kind_or_scope_this_version_does_not_know_is_an_error_not_a_guess() {
    let f = fixture();
    let s = f.td.local_session();
    let made = f.td.create_token(&s, req("odd", thirty())).unwrap();
    let id = made.meta.id.clone();
    // As a newer version with a wider CHECK would have written it.
    let (lift, restore) = if common::on_postgres() {
        // A scratch database of this test's own, so dropping the constraint touches nothing else.
        (
            "ALTER TABLE tokens DROP CONSTRAINT tokens_kind_check",
            "SELECT 1",
        )
    } else {
        (
            "PRAGMA ignore_check_constraints = ON",
            "PRAGMA ignore_check_constraints = OFF",
        )
    };
    f.td.store()
        .with_tx(|tx| {
            tx.execute(lift, params![])?;
            tx.execute(
                "UPDATE tokens SET kind = 'robot' WHERE id = ?1",
                params![id],
            )?;
            tx.execute(restore, params![])
        })
        .unwrap();
    let e = f.td.get_token(&s, &id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Database, "{e}");
    assert!(e.to_string().contains("robot"), "{e}");
    assert!(f.td.verify(made.token.expose_secret()).is_err());
    f.td.store()
        .with_tx(|tx| {
            tx.execute(
                "UPDATE tokens SET kind = 'personal', scopes = 'tokens:read admin' WHERE id = ?1",
                params![id],
            )
        })
        .unwrap();
    let e = f.td.get_token(&s, &id).unwrap_err();
    assert!(e.to_string().contains("admin"), "{e}");
}

#[test]
fn a_search_with_a_nul_byte_is_a_search_not_a_database_error() {
    // Found by the API fuzzer: FTS5 stops reading a query at a NUL ("unterminated string").
    let f = fixture();
    let s = f.td.local_session();
    for i in 0..30 {
        f.td.create_token(&s, req(&format!("t{i}"), thirty()))
            .unwrap();
    }
    for text in ["\0\u{19}\n>", "a\0b", "ab\0", "\0"] {
        let q = ListQuery {
            search: Some(text.into()),
            ..Default::default()
        };
        let page = f.td.list_tokens(&s, &q).unwrap();
        assert!(page.items.is_empty(), "no name holds a NUL: {text:?}");
    }
}

/// An async face verifies inline only what cannot wait on a database across the network: with
/// SQLite everything; with PostgreSQL a malformed token or a cached answer, never a miss.
#[test]
fn verify_at_once_leaves_to_the_caller_only_what_would_wait_on_a_remote_database() {
    let f = fixture();
    let (td, s) = (&f.td, f.td.local_session());
    let t = td.create_token(&s, req("a", thirty())).unwrap();
    let plain = t.token.expose_secret();
    let at_once = |p: &str| td.verify_at_once(p, td.arrival());
    assert_eq!(
        at_once("nope").unwrap().unwrap(),
        Verification::Rejected(RejectReason::Malformed)
    );
    let active = |v: Option<tokendesk_core::Result<Verification>>| {
        matches!(v, Some(Ok(Verification::Active(_))))
    };
    if common::on_postgres() {
        assert!(at_once(plain).is_none(), "a miss is left to the caller");
        assert!(active(Some(td.verify(plain))));
        assert!(active(at_once(plain)), "a cached answer comes at once");
        td.revoke_token(&s, &t.meta.id, None).unwrap();
        assert!(
            at_once(plain).is_none(),
            "the revoke dropped the cached answer"
        );
    } else {
        assert!(active(at_once(plain)));
        td.revoke_token(&s, &t.meta.id, None).unwrap();
        assert_eq!(
            at_once(plain).unwrap().unwrap(),
            Verification::Rejected(RejectReason::Revoked)
        );
    }
    assert_eq!(
        td.verify(plain).unwrap(),
        Verification::Rejected(RejectReason::Revoked)
    );
}
