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
