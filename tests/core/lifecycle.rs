//! Token lifecycle (issue 13) against a real database (SQLite file, or PostgreSQL under
//! `make test-postgres`): rotation with a grace period — the successor's likeness, the old
//! token working until its grace ends and not after (in this process and another), the links,
//! the rules on who and what may be rotated.

mod common;

use common::{person, req, req_for, session_of, Env, T0};
use tokendesk_core::clock::{DAY, SECOND};
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::{ErrorCode, Tokendesk};

fn status(td: &Tokendesk, t: &CreatedToken) -> Result<(), RejectReason> {
    match td.verify(t.token.expose_secret()).unwrap() {
        Verification::Active(_) => Ok(()),
        Verification::Rejected(r) => Err(r),
    }
}

fn code<T: std::fmt::Debug>(r: tokendesk_core::Result<T>) -> ErrorCode {
    r.unwrap_err().code()
}

#[test]
fn a_rotated_token_works_through_its_grace_beside_a_successor_just_like_it() {
    let env = Env::new();
    let td = env.open();
    let other_process = env.open();
    let owner = td.local_session();
    let tenant = td.create_tenant(&owner, "Acme").unwrap();
    let me = td.info(&owner).unwrap().user;
    td.set_tenant_member(&owner, &tenant.id, &me.id, true)
        .unwrap();
    let mut r = req("deploy");
    r.scopes = Some(vec![Scope::TokensRead]);
    r.tenant_ids = Some(vec![tenant.id.clone()]);
    let old = td.create_token(&owner, r).unwrap();
    // Ten days into its 30-day life.
    env.clock.advance(10 * DAY);
    assert_eq!(status(&td, &old), Ok(()));
    assert_eq!(
        status(&other_process, &old),
        Ok(()),
        "cached in the other process"
    );

    let new = td
        .rotate_token(&owner, &old.meta.id, RotationGrace::OneDay)
        .unwrap();
    let (o, n) = (&old.meta, &new.meta);
    assert_ne!(old.token.expose_secret(), new.token.expose_secret());
    assert_eq!(
        (
            &n.name,
            &n.description,
            &n.scopes,
            &n.tenant_ids,
            &n.owner_id,
            n.kind
        ),
        (
            &o.name,
            &o.description,
            &o.scopes,
            &o.tenant_ids,
            &o.owner_id,
            o.kind
        )
    );
    assert_eq!(n.created_at, T0 + 10 * DAY);
    assert_eq!(
        n.expires_at,
        Some(T0 + 40 * DAY),
        "the same 30-day length, from now"
    );
    assert_eq!(n.rotated_from.as_deref(), Some(o.id.as_str()));
    let linked = td.get_token(&owner, &o.id).unwrap();
    assert_eq!(linked.rotated_to.as_deref(), Some(n.id.as_str()));
    assert_eq!(linked.expires_at, Some(T0 + 11 * DAY), "works one more day");
    assert_eq!(linked.status, TokenStatus::Active);

    // Both work during the grace, everywhere; the old one stops when it ends.
    assert_eq!(status(&td, &old), Ok(()));
    assert_eq!(status(&other_process, &old), Ok(()));
    assert_eq!(status(&td, &new), Ok(()));
    env.clock.advance(DAY - SECOND);
    assert_eq!(status(&other_process, &old), Ok(()));
    env.clock.advance(SECOND);
    assert_eq!(status(&td, &old), Err(RejectReason::Expired));
    assert_eq!(status(&other_process, &old), Err(RejectReason::Expired));
    assert_eq!(status(&other_process, &new), Ok(()));

    // The successor holds the name: another live token cannot take it.
    assert_eq!(
        code(td.create_token(&owner, req("deploy"))),
        ErrorCode::NameTaken
    );
    // Audited once, with the successor and the grace.
    let events = td
        .list_audit(
            &owner,
            &AuditQuery {
                action: Some(AuditAction::TokenRotated),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(events.items.len(), 1);
    assert!(events.items[0].details.contains(&n.id));
    assert!(events.items[0].details.contains("\"1d\""));
    assert!(!events.items[0].details.contains(new.token.expose_secret()));
}

#[test]
fn without_grace_the_old_token_stops_at_once_and_a_grace_never_extends_a_life() {
    let env = Env::new();
    let td = env.open();
    let other_process = env.open();
    let owner = td.local_session();
    let old = td.create_token(&owner, req("now")).unwrap();
    assert_eq!(status(&other_process, &old), Ok(()));
    let new = td
        .rotate_token(&owner, &old.meta.id, RotationGrace::None)
        .unwrap();
    assert_eq!(status(&td, &old), Err(RejectReason::Expired));
    assert_eq!(status(&other_process, &old), Err(RejectReason::Expired));
    assert_eq!(status(&other_process, &new), Ok(()));

    let mut short = req("short");
    short.expiry = ExpiryChoice::Preset {
        preset: ExpiryPreset::OneHour,
    };
    let settings = td.settings(&owner).unwrap();
    let mut policy = settings.policy.clone();
    policy.presets.push(ExpiryPreset::OneHour);
    td.update_settings(&owner, Settings { policy, ..settings })
        .unwrap();
    let short = td.create_token(&owner, short).unwrap();
    td.rotate_token(&owner, &short.meta.id, RotationGrace::SevenDays)
        .unwrap();
    let after = td.get_token(&owner, &short.meta.id).unwrap();
    assert_eq!(
        after.expires_at, short.meta.expires_at,
        "not past its own expiry"
    );
}

#[test]
fn what_may_not_be_rotated_is_refused_and_changes_nothing() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let as_mia = session_of(&mia);
    let t = td.create_token(&owner, req("ops")).unwrap();

    td.rotate_token(&owner, &t.meta.id, RotationGrace::OneHour)
        .unwrap();
    assert_eq!(
        code(td.rotate_token(&owner, &t.meta.id, RotationGrace::OneHour)),
        ErrorCode::AlreadyRotated
    );
    let revoked = td.create_token(&owner, req("gone")).unwrap();
    td.revoke_token(&owner, &revoked.meta.id, None).unwrap();
    assert_eq!(
        code(td.rotate_token(&owner, &revoked.meta.id, RotationGrace::None)),
        ErrorCode::AlreadyRevoked
    );
    let expired = td.create_token(&owner, req("old")).unwrap();
    env.clock.advance(31 * DAY);
    assert_eq!(
        code(td.rotate_token(&owner, &expired.meta.id, RotationGrace::None)),
        ErrorCode::InvalidExpiry
    );
    // A member cannot see, so cannot rotate, someone else's token.
    let owners = td.create_token(&owner, req("owner's")).unwrap();
    assert_eq!(
        code(td.rotate_token(&as_mia, &owners.meta.id, RotationGrace::None)),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(td.rotate_token(&owner, "no-such-id", RotationGrace::None)),
        ErrorCode::NotFound
    );
    // A lifetime today's policy no longer allows.
    let mut never = req("forever");
    never.expiry = ExpiryChoice::Never;
    let settings = td.settings(&owner).unwrap();
    let mut policy = settings.policy.clone();
    policy.allow_never = true;
    td.update_settings(
        &owner,
        Settings {
            policy: policy.clone(),
            ..settings.clone()
        },
    )
    .unwrap();
    let forever = td.create_token(&owner, never).unwrap();
    policy.allow_never = false;
    td.update_settings(&owner, Settings { policy, ..settings })
        .unwrap();
    assert_eq!(
        code(td.rotate_token(&owner, &forever.meta.id, RotationGrace::None)),
        ErrorCode::InvalidExpiry
    );
    assert!(
        td.get_token(&owner, &forever.meta.id)
            .unwrap()
            .rotated_to
            .is_none(),
        "nothing changed"
    );
    // A member rotates their own token; an admin rotates someone's and it stays theirs.
    let own = td.create_token(&as_mia, req("mine")).unwrap();
    let by_mia = td
        .rotate_token(&as_mia, &own.meta.id, RotationGrace::None)
        .unwrap();
    assert_eq!(by_mia.meta.owner_id, mia.id);
    let for_mia = td
        .create_token(&owner, req_for("made for mia", &mia))
        .unwrap();
    let by_admin = td
        .rotate_token(&owner, &for_mia.meta.id, RotationGrace::None)
        .unwrap();
    assert_eq!(by_admin.meta.owner_id, mia.id);
}

#[test]
fn an_impersonation_token_stays_one_and_a_read_only_token_cannot_rotate() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let imp = td
        .create_impersonation_token(&owner, &mia.id, req("support"))
        .unwrap();
    let next = td
        .rotate_token(&owner, &imp.meta.id, RotationGrace::OneHour)
        .unwrap();
    assert_eq!(next.meta.kind, TokenKind::Impersonation);
    assert_eq!(next.meta.owner_id, mia.id);

    let mut ro = req("reader");
    ro.scopes = Some(vec![Scope::TokensRead]);
    let reader = td.create_token(&owner, ro).unwrap();
    let Verification::Active(v) = td.verify(reader.token.expose_secret()).unwrap() else {
        panic!()
    };
    let target = td.create_token(&owner, req("target")).unwrap();
    assert_eq!(
        code(td.rotate_token(&v.session(), &target.meta.id, RotationGrace::None)),
        ErrorCode::InsufficientScope
    );
}

fn bulk(td: &Tokendesk, s: &Session, filter: TokenFilter, dry_run: bool) -> BulkRevokeResult {
    td.bulk_revoke(
        s,
        &BulkRevokeRequest {
            filter: Some(filter),
            dry_run,
            reason: Some("clean-up".into()),
            ..Default::default()
        },
    )
    .unwrap()
}

fn names(r: &BulkRevokeResult) -> Vec<&str> {
    let mut v: Vec<&str> = r.tokens.iter().map(|t| t.name.as_str()).collect();
    v.sort_unstable();
    v
}

#[test]
fn bulk_revoke_by_filter_counts_first_then_revokes_exactly_that() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let mut forever = req("never used, old");
    forever.expiry = ExpiryChoice::Preset {
        preset: ExpiryPreset::NinetyDays,
    };
    let old_unused = td.create_token(&owner, forever.clone()).unwrap();
    let mut used_long_ago = forever.clone();
    used_long_ago.name = "used long ago".into();
    let used_long_ago = td.create_token(&owner, used_long_ago).unwrap();
    td.record_use(&used_long_ago.meta.id, None, None);
    td.flush_usage().unwrap();
    env.clock.advance(40 * DAY);
    let mut fresh = forever.clone();
    fresh.name = "fresh".into();
    let fresh = td.create_token(&owner, fresh).unwrap();
    let mias = td.create_token(&owner, req_for("mia's", &mia)).unwrap();
    let gone = td.create_token(&owner, req("already revoked")).unwrap();
    td.revoke_token(&owner, &gone.meta.id, None).unwrap();
    env.clock.advance(DAY);

    // Unused for 30 days, everyone's: the two old ones. A dry run changes nothing.
    let filter = TokenFilter {
        scope: ListScope::All,
        unused_for_days: Some(30),
        ..Default::default()
    };
    let dry = bulk(&td, &owner, filter.clone(), true);
    assert!(dry.dry_run);
    assert_eq!(dry.count, 2);
    assert_eq!(names(&dry), ["never used, old", "used long ago"]);
    assert_eq!(status(&td, &old_unused), Ok(()));
    let done = bulk(&td, &owner, filter, false);
    assert_eq!(names(&done), names(&dry));
    assert!(done.tokens.iter().all(|t| t.status == TokenStatus::Revoked));
    assert_eq!(status(&td, &old_unused), Err(RejectReason::Revoked));
    assert_eq!(status(&td, &used_long_ago), Err(RejectReason::Revoked));
    assert_eq!(status(&td, &fresh), Ok(()));
    let events = td
        .list_audit(
            &owner,
            &AuditQuery {
                action: Some(AuditAction::TokenRevoked),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        events.items.len(),
        3,
        "one event per token (and the single revoke)"
    );

    // By user; by kind; expiring before a date; nothing left to match is a count of 0.
    let by_user = bulk(
        &td,
        &owner,
        TokenFilter {
            scope: ListScope::All,
            owner_id: Some(mia.id.clone()),
            ..Default::default()
        },
        true,
    );
    assert_eq!(names(&by_user), ["mia's"]);
    let before = bulk(
        &td,
        &owner,
        TokenFilter {
            scope: ListScope::All,
            expiring_before: Some(T0 + 75 * DAY),
            ..Default::default()
        },
        true,
    );
    assert_eq!(
        names(&before),
        ["mia's"],
        "30 days from day 40; not the 90-day one"
    );
    let none = bulk(
        &td,
        &owner,
        TokenFilter {
            scope: ListScope::All,
            kind: Some(TokenKind::Impersonation),
            ..Default::default()
        },
        false,
    );
    assert_eq!(none.count, 0);
    assert_eq!(status(&td, &mias), Ok(()));
}

#[test]
fn bulk_revoke_by_selection_or_tenant_keeps_to_what_the_caller_may_revoke() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let as_mia = session_of(&mia);
    let a = td.create_token(&as_mia, req("a")).unwrap();
    let b = td.create_token(&as_mia, req("b")).unwrap();
    let owners = td.create_token(&owner, req("owner's")).unwrap();

    // A member's filter reaches only their own tokens, whatever scope they ask for.
    let own = bulk(&td, &as_mia, TokenFilter::default(), true);
    assert_eq!(names(&own), ["a", "b"]);
    let all = td.bulk_revoke(
        &as_mia,
        &BulkRevokeRequest {
            filter: Some(TokenFilter {
                scope: ListScope::All,
                ..Default::default()
            }),
            dry_run: true,
            ..Default::default()
        },
    );
    assert_eq!(all.unwrap_err().code(), ErrorCode::PermissionDenied);
    // Selecting someone else's token: not found, and nothing revoked.
    let sel = |ids: Vec<&str>| BulkRevokeRequest {
        ids: Some(ids.into_iter().map(String::from).collect()),
        ..Default::default()
    };
    assert_eq!(
        code(td.bulk_revoke(&as_mia, &sel(vec![&a.meta.id, &owners.meta.id]))),
        ErrorCode::NotFound
    );
    assert_eq!(status(&td, &a), Ok(()));
    let r = td
        .bulk_revoke(&as_mia, &sel(vec![&a.meta.id, &b.meta.id, &a.meta.id]))
        .unwrap();
    assert_eq!(r.count, 2);
    assert_eq!(status(&td, &b), Err(RejectReason::Revoked));
    // Both ids and a filter, or neither: refused.
    let both = BulkRevokeRequest {
        filter: Some(TokenFilter::default()),
        ..sel(vec![&owners.meta.id])
    };
    assert_eq!(code(td.bulk_revoke(&owner, &both)), ErrorCode::InvalidInput);
    assert_eq!(
        code(td.bulk_revoke(&owner, &BulkRevokeRequest::default())),
        ErrorCode::InvalidInput
    );

    // By tenant: only the tokens limited to it.
    let tenant = td.create_tenant(&owner, "Acme").unwrap();
    let me = td.info(&owner).unwrap().user;
    td.set_tenant_member(&owner, &tenant.id, &me.id, true)
        .unwrap();
    let mut limited = req("acme only");
    limited.tenant_ids = Some(vec![tenant.id.clone()]);
    td.create_token(&owner, limited).unwrap();
    let r = bulk(
        &td,
        &owner,
        TokenFilter {
            scope: ListScope::All,
            tenant_id: Some(tenant.id.clone()),
            ..Default::default()
        },
        false,
    );
    assert_eq!(names(&r), ["acme only"]);
    assert_eq!(status(&td, &owners), Ok(()));
}

fn page_names(p: &ListPage) -> Vec<&str> {
    p.items.iter().map(|t| t.name.as_str()).collect()
}

fn by_name(dir: SortDir, limit: u32) -> ListQuery {
    ListQuery {
        sort: SortKey::Name,
        dir,
        limit,
        ..Default::default()
    }
}

/// Every name in the list's order, read page by page.
fn every_name(td: &Tokendesk, s: &Session, mut q: ListQuery) -> Vec<String> {
    let mut out = vec![];
    loop {
        let p = td.list_tokens(s, &q).unwrap();
        out.extend(p.items.into_iter().map(|t| t.name));
        match p.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

#[test]
fn names_sort_as_people_read_them_in_pages_and_after_a_rename() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    for n in [
        "tok-100", "tok-9", "Tok-2", "tok-10", "alpha", "tok-1", "Beta 3", "beta 20",
    ] {
        td.create_token(&owner, req(n)).unwrap();
    }
    let read = [
        "alpha", "Beta 3", "beta 20", "tok-1", "Tok-2", "tok-9", "tok-10", "tok-100",
    ];
    // Pages of three, both ways, agree with the order people read.
    assert_eq!(every_name(&td, &owner, by_name(SortDir::Asc, 3)), read);
    let mut backwards: Vec<String> = read.iter().map(|s| s.to_string()).collect();
    backwards.reverse();
    assert_eq!(
        every_name(&td, &owner, by_name(SortDir::Desc, 3)),
        backwards
    );

    let id = |name: &str| {
        let all = td.list_tokens(&owner, &by_name(SortDir::Asc, 50)).unwrap();
        all.items.into_iter().find(|t| t.name == name).unwrap().id
    };
    td.rename_token(&owner, &id("tok-100"), "tok-3").unwrap();
    assert_eq!(
        every_name(&td, &owner, by_name(SortDir::Asc, 50)),
        ["alpha", "Beta 3", "beta 20", "tok-1", "Tok-2", "tok-3", "tok-9", "tok-10"]
    );

    // Keys written before the column existed are filled when the authority opens.
    td.store()
        .with_tx(|tx| tx.execute("UPDATE tokens SET sort_key = ''", tokendesk_core::params![]))
        .unwrap();
    drop(td);
    let td = env.open();
    assert_eq!(
        every_name(&td, &td.local_session(), by_name(SortDir::Asc, 3)),
        ["alpha", "Beta 3", "beta 20", "tok-1", "Tok-2", "tok-3", "tok-9", "tok-10"]
    );
}

#[test]
fn pages_go_to_the_first_and_last_and_back_with_bounded_counts() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    for i in 1..=7 {
        td.create_token(&owner, req(&format!("k{i}"))).unwrap();
    }
    td.create_token(&owner, req("other")).unwrap();
    let q = |f: &dyn Fn(&mut ListQuery)| {
        let mut q = ListQuery {
            search: Some("k".into()),
            ..by_name(SortDir::Asc, 3)
        };
        f(&mut q);
        td.list_tokens(&owner, &q).unwrap()
    };
    let count = |n| Some(ListCount { n, more: false });

    let first = q(&|_| {});
    assert_eq!(page_names(&first), ["k1", "k2", "k3"]);
    assert_eq!((first.total, first.matching), (count(8), count(7)));
    assert!(first.prev_cursor.is_none());

    let last = q(&|q| q.last = true);
    assert_eq!(page_names(&last), ["k5", "k6", "k7"]);
    assert!(last.next_cursor.is_none());
    assert_eq!(last.matching, count(7));
    // The last page cut where pages from the first end: one row.
    let short = q(&|q| {
        q.last = true;
        q.limit = 1;
    });
    assert_eq!(page_names(&short), ["k7"]);

    // Back from the last page, then forward again: the same rows.
    let back = q(&|q| q.before = last.prev_cursor.clone());
    assert_eq!(page_names(&back), ["k2", "k3", "k4"]);
    assert!(back.next_cursor.is_some() && back.prev_cursor.is_some());
    let start = q(&|q| q.before = back.prev_cursor.clone());
    assert_eq!(page_names(&start), ["k1"]);
    assert!(start.prev_cursor.is_none(), "nothing before the first row");
    let again = q(&|q| q.cursor = back.next_cursor.clone());
    assert_eq!(page_names(&again), ["k5", "k6", "k7"]);
    let second = q(&|q| q.cursor = first.next_cursor.clone());
    assert_eq!(page_names(&second), ["k4", "k5", "k6"]);
    assert!(second.prev_cursor.is_some());

    // Descending, the last page holds the smallest names.
    let last_desc = q(&|q| {
        q.dir = SortDir::Desc;
        q.last = true;
    });
    assert_eq!(page_names(&last_desc), ["k3", "k2", "k1"]);

    // One way to a page at a time.
    for bad in [
        q_err(&td, &owner, |q| {
            q.last = true;
            q.cursor = first.next_cursor.clone();
        }),
        q_err(&td, &owner, |q| {
            q.cursor = first.next_cursor.clone();
            q.before = last.prev_cursor.clone();
        }),
    ] {
        assert_eq!(bad, ErrorCode::InvalidInput);
    }
    // A cursor of one ordering is refused by the other, backwards too.
    assert_eq!(
        q_err(&td, &owner, |q| {
            q.dir = SortDir::Desc;
            q.before = last.prev_cursor.clone();
        }),
        ErrorCode::InvalidInput
    );

    // Past the bound, counts say "more".
    td.seed_tokens(&owner, 10_050, |_, _| {}).unwrap();
    let big = td.list_tokens(&owner, &by_name(SortDir::Asc, 50)).unwrap();
    let capped = Some(ListCount {
        n: 10_000,
        more: true,
    });
    assert_eq!((big.total, big.matching), (capped, capped));
    let few = q(&|_| {});
    assert_eq!((few.total, few.matching), (capped, count(7)));
    // Seeded names sort by their number: "seed 2" before "seed 10".
    let seeds = td
        .list_tokens(
            &owner,
            &ListQuery {
                search: Some("seed".into()),
                ..by_name(SortDir::Asc, 12)
            },
        )
        .unwrap();
    assert_eq!(
        page_names(&seeds),
        [
            "seed 0", "seed 1", "seed 2", "seed 3", "seed 4", "seed 5", "seed 6", "seed 7",
            "seed 8", "seed 9", "seed 10", "seed 11"
        ]
    );
}

fn q_err(td: &Tokendesk, s: &Session, f: impl FnOnce(&mut ListQuery)) -> ErrorCode {
    let mut q = by_name(SortDir::Asc, 3);
    f(&mut q);
    code(td.list_tokens(s, &q))
}

fn alerted(a: &ExpiryAlerts) -> Vec<(&str, u32)> {
    a.alerts
        .iter()
        .map(|x| (x.token.name.as_str(), x.days))
        .collect()
}

fn lasting(name: &str, preset: ExpiryPreset) -> CreateTokenRequest {
    CreateTokenRequest {
        expiry: ExpiryChoice::Preset { preset },
        ..req(name)
    }
}

#[test]
fn expiry_alerts_come_once_per_threshold_to_the_owner_and_to_admins() {
    let env = Env::new();
    let td = env.open();
    let other_app = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let as_mia = session_of(&mia);
    td.create_token(&owner, req("deploy")).unwrap();
    let mias = td.create_token(&as_mia, req("mia-ci")).unwrap();
    td.create_token(&owner, lasting("yearly", ExpiryPreset::OneYear))
        .unwrap();
    let none = td.claim_expiry_alerts(&owner).unwrap();
    assert!(none.alerts.is_empty());
    assert_eq!(none.expiring_soon, ListCount { n: 0, more: false });
    assert_eq!(none.settings, AlertSettings::default());

    // Six days left: inside the 7-day threshold. The admin hears of both, Mia of hers.
    env.clock.advance(24 * DAY);
    let first = td.claim_expiry_alerts(&owner).unwrap();
    assert_eq!(alerted(&first), [("deploy", 7), ("mia-ci", 7)]);
    assert_eq!(first.expiring_soon, ListCount { n: 2, more: false });
    assert_eq!(first.more, 0);
    // Once: not again, not from another app of the same person (another process).
    let again = other_app.claim_expiry_alerts(&owner).unwrap();
    assert!(again.alerts.is_empty());
    assert_eq!(again.expiring_soon.n, 2, "the tray still counts them");
    assert_eq!(
        alerted(&td.claim_expiry_alerts(&as_mia).unwrap()),
        [("mia-ci", 7)]
    );
    assert!(td.claim_expiry_alerts(&as_mia).unwrap().alerts.is_empty());

    // Half a day left: the last threshold, once more each — but not for a revoked token.
    td.revoke_token(&as_mia, &mias.meta.id, None).unwrap();
    env.clock.advance(5 * DAY + 12 * 3600 * SECOND);
    let last = td.claim_expiry_alerts(&owner).unwrap();
    assert_eq!(alerted(&last), [("deploy", 1)]);
    assert_eq!(last.expiring_soon.n, 1);
    assert!(td.claim_expiry_alerts(&owner).unwrap().alerts.is_empty());
    assert!(td.claim_expiry_alerts(&as_mia).unwrap().alerts.is_empty());

    // Expired: nothing more, and out of the count.
    env.clock.advance(DAY);
    let after = td.claim_expiry_alerts(&owner).unwrap();
    assert!(after.alerts.is_empty());
    assert_eq!(after.expiring_soon.n, 0);

    // A token born inside the last threshold is announced at it, and never at the first.
    td.create_token(&owner, lasting("hourly", ExpiryPreset::OneHour))
        .unwrap();
    assert_eq!(
        alerted(&td.claim_expiry_alerts(&owner).unwrap()),
        [("hourly", 1)]
    );
    assert!(td.claim_expiry_alerts(&owner).unwrap().alerts.is_empty());

    // A rotated token ends with its grace by design: no alert, not counted, while its
    // successor is announced when its own time comes.
    let monthly = td.create_token(&owner, req("monthly")).unwrap();
    td.rotate_token(&owner, &monthly.meta.id, RotationGrace::OneDay)
        .unwrap();
    let rotated = td.claim_expiry_alerts(&owner).unwrap();
    assert!(rotated.alerts.is_empty(), "{:?}", alerted(&rotated));
    assert_eq!(rotated.expiring_soon.n, 1, "the hourly one only");

    // Many at once: ten one by one, the rest as a number; all claimed.
    for i in 0..12 {
        td.create_token(&owner, lasting(&format!("batch {i}"), ExpiryPreset::OneDay))
            .unwrap();
    }
    let many = td.claim_expiry_alerts(&owner).unwrap();
    assert_eq!((many.alerts.len(), many.more), (10, 2));
    assert_eq!(many.expiring_soon.n, 13);
    // Read-only tokens cannot use up a person's alerts.
    let read_only = td
        .create_token(
            &owner,
            CreateTokenRequest {
                scopes: Some(vec![Scope::TokensRead]),
                ..req("reader")
            },
        )
        .unwrap();
    let Verification::Active(via) = td.verify(read_only.token.expose_secret()).unwrap() else {
        panic!("the reader is active")
    };
    assert_eq!(
        code(td.claim_expiry_alerts(&via.session())),
        ErrorCode::InsufficientScope
    );
    assert!(td.claim_expiry_alerts(&owner).unwrap().alerts.is_empty());
}

#[test]
fn alert_thresholds_are_settings_checked_and_used() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mut s = td.settings(&owner).unwrap();
    assert_eq!(s.alerts, Some(AlertSettings::default()));
    assert_eq!(AlertSettings::default().first_days, 7);
    assert_eq!(AlertSettings::default().last_days, 1);
    for (first_days, last_days) in [(1, 1), (3, 5), (91, 1), (7, 0)] {
        s.alerts = Some(AlertSettings {
            first_days,
            last_days,
        });
        assert_eq!(
            code(td.update_settings(&owner, s.clone())),
            ErrorCode::InvalidInput,
            "{first_days}/{last_days}"
        );
    }
    let fortnight = AlertSettings {
        first_days: 14,
        last_days: 3,
    };
    s.alerts = Some(fortnight);
    td.update_settings(&owner, s.clone()).unwrap();
    assert_eq!(td.settings(&owner).unwrap().alerts, Some(fortnight));
    // A client that predates the setting sends none: it stays as it is.
    s.alerts = None;
    s.authority_name = "Renamed".into();
    td.update_settings(&owner, s).unwrap();
    assert_eq!(td.settings(&owner).unwrap().alerts, Some(fortnight));
    let mia = person(&td, &owner, "Mia", "member");
    assert_eq!(
        td.settings(&session_of(&mia)).unwrap().alerts,
        Some(fortnight),
        "everyone's apps use them"
    );
    td.create_token(&owner, req("deploy")).unwrap();
    env.clock.advance(17 * DAY);
    assert_eq!(
        alerted(&td.claim_expiry_alerts(&owner).unwrap()),
        [("deploy", 14)]
    );
    env.clock.advance(11 * DAY);
    assert_eq!(
        alerted(&td.claim_expiry_alerts(&owner).unwrap()),
        [("deploy", 3)]
    );
}

/// Checks a message's Standard Webhooks signatures against `secrets` (each `whsec_…`), as a
/// receiver would: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, one per secret.
fn signed_by(m: &tokendesk_core::service::OutgoingWebhook, secrets: &[&str]) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let header = |n: &str| {
        m.headers
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let (id, ts, sigs) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    assert_eq!(id, m.message_id);
    let sigs: Vec<&str> = sigs.split(' ').collect();
    sigs.len() == secrets.len()
        && secrets.iter().zip(&sigs).all(|(secret, sig)| {
            let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
            let mac = ring::hmac::sign(&key, format!("{id}.{ts}.{}", m.body).as_bytes());
            *sig == format!("v1,{}", b64.encode(mac.as_ref()))
        })
}

fn body(m: &tokendesk_core::service::OutgoingWebhook) -> serde_json::Value {
    serde_json::from_str(&m.body).unwrap()
}

fn hook(events: &[WebhookEvent]) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: "http://127.0.0.1:9/hooks".into(),
        description: Some("CI".into()),
        events: events.to_vec(),
    }
}

#[test]
fn webhooks_are_signed_leased_retried_and_raised_once() {
    use tokendesk_core::service::AttemptOutcome::{Answered, NoAnswer};
    let env = Env::new();
    let td = env.open();
    let other_server = env.open();
    let owner = td.local_session();
    let admin = session_of(&person(&td, &owner, "Ada", "admin"));
    let before = td.create_token(&owner, req("before")).unwrap();
    // Owners only; URLs https (or http to this computer); at least one event.
    assert_eq!(code(td.list_webhooks(&admin)), ErrorCode::PermissionDenied);
    assert_eq!(
        code(td.create_webhook(&admin, hook(&WebhookEvent::ALL))),
        ErrorCode::PermissionDenied
    );
    for url in ["http://hooks.example.com/", "ftp://127.0.0.1/", "nope"] {
        let bad = NewWebhookEndpoint {
            url: url.into(),
            ..hook(&WebhookEvent::ALL)
        };
        assert_eq!(
            code(td.create_webhook(&owner, bad)),
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(
        code(td.create_webhook(&owner, hook(&[]))),
        ErrorCode::InvalidInput
    );
    let made = td.create_webhook(&owner, hook(&WebhookEvent::ALL)).unwrap();
    let secret = made.secret.expose_secret().to_string();
    assert!(secret.starts_with("whsec_"));
    let ep = made.endpoint.id.clone();
    let only_revokes = td
        .create_webhook(&owner, hook(&[WebhookEvent::TokenRevoked]))
        .unwrap();
    assert!(
        td.take_webhook_messages(16).unwrap().is_empty(),
        "nothing yet"
    );

    // token.created: to the endpoint that takes it, signed, metadata only.
    let deploy = td.create_token(&owner, req("deploy")).unwrap();
    let taken = td.take_webhook_messages(16).unwrap();
    assert_eq!(taken.len(), 1);
    let m = &taken[0];
    assert_eq!(m.endpoint_id, ep);
    assert!(signed_by(m, &[&secret]));
    let b = body(m);
    assert_eq!(b["type"], "token.created");
    assert_eq!(b["data"]["id"], deploy.meta.id.as_str());
    assert_eq!(b["data"]["name"], "deploy");
    assert!(!m.body.contains(deploy.token.expose_secret()));
    assert!(!m.body.contains(&deploy.meta.display_hint));
    // Leased: neither this server nor another takes it again meanwhile.
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    assert!(other_server.take_webhook_messages(16).unwrap().is_empty());

    // No answer → 5 s later again (same id); a 500 → 5 min later; a 204 → delivered.
    assert_eq!(
        td.record_webhook_attempt(m, &NoAnswer("could not connect".into()))
            .unwrap(),
        DeliveryStatus::Pending
    );
    env.clock.advance(4 * SECOND);
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    env.clock.advance(SECOND);
    let again = other_server.take_webhook_messages(16).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message_id, m.message_id);
    assert!(signed_by(&again[0], &[&secret]));
    other_server
        .record_webhook_attempt(&again[0], &Answered(500))
        .unwrap();
    env.clock.advance(299 * SECOND);
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    env.clock.advance(SECOND);
    let third = td.take_webhook_messages(16).unwrap();
    assert_eq!(
        td.record_webhook_attempt(&third[0], &Answered(204))
            .unwrap(),
        DeliveryStatus::Delivered
    );
    let log = td.webhook_deliveries(&owner, &ep, 50).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].status,
            log[0].attempts,
            log[0].last_status,
            log[0].next_attempt_at
        ),
        (DeliveryStatus::Delivered, 3, Some(204), None)
    );
    assert_eq!(log[0].token_name, "deploy");

    // A server killed mid-send: its lease runs out and another server sends the message.
    td.revoke_token(&owner, &before.meta.id, Some("leaving"))
        .unwrap();
    let revoked = td.take_webhook_messages(16).unwrap();
    assert_eq!(revoked.len(), 2, "to both endpoints");
    assert!(revoked.iter().all(|m| body(m)["type"] == "token.revoked"));
    assert_eq!(revoked[0].message_id, revoked[1].message_id);
    assert_eq!(body(&revoked[0])["data"]["revokeReason"], "leaving");
    env.clock.advance(61 * SECOND);
    let resent = other_server.take_webhook_messages(16).unwrap();
    assert_eq!(resent.len(), 2);
    // The first server's late answer does not count against the new lease.
    td.record_webhook_attempt(&revoked[0], &NoAnswer("late".into()))
        .unwrap();
    for m in &resent {
        other_server
            .record_webhook_attempt(m, &Answered(200))
            .unwrap();
    }
    let log = td.webhook_deliveries(&owner, &ep, 50).unwrap();
    let revoke_log = log
        .iter()
        .find(|d| d.event == WebhookEvent::TokenRevoked)
        .unwrap();
    assert_eq!(
        (
            revoke_log.status,
            revoke_log.attempts,
            revoke_log.last_error.as_deref()
        ),
        (DeliveryStatus::Delivered, 1, None)
    );

    // Every retry fails: eight attempts over the schedule, then failed, never sent again.
    let doomed = td.create_token(&owner, req("doomed")).unwrap();
    let mut attempts = 0;
    loop {
        let due = td.take_webhook_messages(16).unwrap();
        assert_eq!(due.len(), 1, "attempt {}", attempts + 1);
        attempts += 1;
        let st = td.record_webhook_attempt(&due[0], &Answered(410)).unwrap();
        if st == DeliveryStatus::Failed {
            break;
        }
        env.clock.advance(10 * 3600 * SECOND);
    }
    assert_eq!(attempts, 8);
    env.clock.advance(DAY);
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    let listed = td.list_webhooks(&owner).unwrap();
    assert_eq!((listed[0].failed, listed[0].pending), (1, 0));

    // Disabled: messages wait, and go when enabled again.
    let off = WebhookEndpointUpdate {
        enabled: Some(false),
        ..Default::default()
    };
    td.update_webhook(&owner, &ep, off).unwrap();
    let waiting = td.create_token(&owner, req("waiting")).unwrap();
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    let on = WebhookEndpointUpdate {
        enabled: Some(true),
        ..Default::default()
    };
    td.update_webhook(&owner, &ep, on).unwrap();
    let m = td.take_webhook_messages(16).unwrap();
    assert_eq!(body(&m[0])["data"]["id"], waiting.meta.id.as_str());
    td.record_webhook_attempt(&m[0], &Answered(200)).unwrap();

    // Expiry: raised by the sweep once per threshold (7 days, 1 day), then once expired —
    // whichever server sweeps first.
    let expiring = |td: &Tokendesk| -> Vec<(String, String, serde_json::Value)> {
        let ms = td.take_webhook_messages(64).unwrap();
        for m in &ms {
            td.record_webhook_attempt(m, &Answered(200)).unwrap();
        }
        let mut v: Vec<_> = ms
            .iter()
            .map(|m| {
                let b = body(m);
                (
                    b["type"].as_str().unwrap().to_string(),
                    b["data"]["name"].as_str().unwrap().to_string(),
                    b["data"]["daysLeft"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        v
    };
    // Only "deploy" stays active from here on.
    for t in [&waiting.meta.id, &doomed.meta.id] {
        td.revoke_token(&owner, t, None).unwrap();
    }
    assert_eq!(
        expiring(&td).len(),
        4,
        "their token.revoked, to both endpoints"
    );
    assert_eq!(td.sweep_webhook_expiries().unwrap(), 0);
    let ends = deploy.meta.expires_at.unwrap();
    env.clock.advance(ends - 6 * DAY + 3600 * SECOND - td.now());
    assert_eq!(td.sweep_webhook_expiries().unwrap(), 1);
    assert_eq!(other_server.sweep_webhook_expiries().unwrap(), 0);
    assert_eq!(
        expiring(&td),
        [("token.expiring".into(), "deploy".into(), 6.into())]
    );
    env.clock.advance(5 * DAY + 12 * 3600 * SECOND);
    assert_eq!(td.sweep_webhook_expiries().unwrap(), 1);
    assert_eq!(
        expiring(&td),
        [("token.expiring".into(), "deploy".into(), 1.into())]
    );
    assert_eq!(td.sweep_webhook_expiries().unwrap(), 0);
    env.clock.advance(DAY);
    assert_eq!(other_server.sweep_webhook_expiries().unwrap(), 1);
    assert_eq!(
        expiring(&td),
        [(
            "token.expired".into(),
            "deploy".into(),
            serde_json::Value::Null
        )]
    );
    assert_eq!(td.sweep_webhook_expiries().unwrap(), 0);

    // Rolling the secret: both sign for a day, then only the new one.
    let rolled = td.roll_webhook_secret(&owner, &ep).unwrap();
    let new_secret = rolled.secret.expose_secret().to_string();
    assert_ne!(new_secret, secret);
    td.create_token(&owner, req("after roll")).unwrap();
    let m = td.take_webhook_messages(16).unwrap();
    assert!(signed_by(&m[0], &[&new_secret, &secret]));
    td.record_webhook_attempt(&m[0], &NoAnswer("down".into()))
        .unwrap();
    env.clock.advance(DAY);
    let m = td.take_webhook_messages(16).unwrap();
    assert!(signed_by(&m[0], &[&new_secret]));
    td.record_webhook_attempt(&m[0], &Answered(200)).unwrap();

    // The log keeps 30 days of finished messages.
    assert!(!td.webhook_deliveries(&owner, &ep, 200).unwrap().is_empty());
    env.clock.advance(31 * DAY);
    td.sweep_webhook_expiries().unwrap();
    // What is left is what that sweep raised (the last token's expiry), nothing finished.
    let left = td.webhook_deliveries(&owner, &ep, 200).unwrap();
    assert!(
        left.iter()
            .all(|d| d.status == DeliveryStatus::Pending && d.created_at == td.now()),
        "{left:?}"
    );

    // Deleting an endpoint drops what it was still owed; all of it audited.
    td.delete_webhook(&owner, &ep).unwrap();
    td.delete_webhook(&owner, &only_revokes.endpoint.id)
        .unwrap();
    assert!(td.list_webhooks(&owner).unwrap().is_empty());
    env.clock.advance(DAY);
    assert!(td.take_webhook_messages(16).unwrap().is_empty());
    assert_eq!(
        code(td.webhook_deliveries(&owner, &ep, 10)),
        ErrorCode::NotFound
    );
    let audit = td.list_audit(&owner, &AuditQuery::default()).unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rolled",
        "webhook.deleted",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
