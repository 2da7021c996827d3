//! The permission matrix: every role × every action, run against the core operations (the same
//! functions every face calls), each cell asserted. Plus impersonation-token visibility from
//! each role's point of view.

mod common;

use common::{person, req, req_for, session_of, Env};
use tokendesk_core::model::*;
use tokendesk_core::{ErrorCode, Result, Tokendesk};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Allow,
    Deny,
}
use Cell::*;

const ACTIONS: [&str; 11] = [
    "list own",
    "list all",
    "create own",
    "create for other",
    "create impersonation",
    "rename/revoke own",
    "rename/revoke other's",
    "rename/revoke impersonation",
    "manage users",
    "manage settings",
    "view audit",
];

/// Expected outcome per role, in ACTIONS order.
const MATRIX: [(&str, [Cell; 11]); 4] = [
    (
        "owner",
        [
            Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow,
        ],
    ),
    (
        "admin",
        [
            Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Deny, Allow,
        ],
    ),
    (
        "member",
        [
            Allow, Deny, Allow, Deny, Deny, Allow, Deny, Deny, Deny, Deny, Deny,
        ],
    ),
    (
        "no_api",
        [
            Deny, Deny, Deny, Deny, Deny, Deny, Deny, Deny, Deny, Deny, Deny,
        ],
    ),
];

fn outcome<T>(r: Result<T>) -> Cell {
    match r {
        Ok(_) => Allow,
        // Invisible tokens are "not found": that is a denial too.
        Err(e) if matches!(e.code(), ErrorCode::PermissionDenied | ErrorCode::NotFound) => Deny,
        Err(e) => panic!("unexpected error {:?}: {e}", e.code()),
    }
}

/// The fixtures one role needs: an own token, another person's token and an impersonation
/// token, all made while the actor was still a member, then the actor's role is changed.
struct World {
    td: Tokendesk,
    owner: Session,
    actor: User,
    other: User,
    own_token: String,
    others_token: String,
    impersonation_token: String,
    _env: Env,
}

fn world(role: &str) -> World {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let actor = person(&td, &owner, "Actor", "member");
    let other = person(&td, &owner, "Other", "member");
    let own_token = td
        .create_token(&owner, req_for("actor's", &actor))
        .unwrap()
        .meta
        .id;
    let others_token = td
        .create_token(&owner, req_for("other's", &other))
        .unwrap()
        .meta
        .id;
    let imp = td.start_impersonation(&owner, &other.id).unwrap();
    let impersonation_token = td.create_token(&imp, req("for other")).unwrap().meta.id;
    td.stop_impersonation(&imp).unwrap();
    let actor = td
        .update_user(
            &owner,
            &actor.id,
            UserUpdate {
                role: Some(role.into()),
                ..Default::default()
            },
        )
        .unwrap();
    World {
        td,
        owner,
        actor,
        other,
        own_token,
        others_token,
        impersonation_token,
        _env: env,
    }
}

fn run(w: &World, action: &str) -> Cell {
    let td = &w.td;
    let s = session_of(&w.actor);
    let both = |id: &str| -> Result<()> {
        td.rename_token(&s, id, "renamed by actor")?;
        td.revoke_token(&s, id, None)?;
        Ok(())
    };
    match action {
        "list own" => outcome(td.list_tokens(&s, &ListQuery::default())),
        "list all" => outcome(td.list_tokens(
            &s,
            &ListQuery {
                scope: ListScope::All,
                ..Default::default()
            },
        )),
        "create own" => outcome(td.create_token(&s, req("mine"))),
        "create for other" => outcome(td.create_token(&s, req_for("made for other", &w.other))),
        "create impersonation" => outcome(
            td.start_impersonation(&s, &w.other.id)
                .and_then(|imp| td.create_token(&imp, req("as other"))),
        ),
        "rename/revoke own" => outcome(both(&w.own_token)),
        "rename/revoke other's" => outcome(both(&w.others_token)),
        "rename/revoke impersonation" => outcome(both(&w.impersonation_token)),
        "manage users" => outcome(td.create_user(
            &s,
            NewUser {
                display_name: "New".into(),
                email: Some("new@example.org".into()),
                kind: UserKind::Human,
                role: "member".into(),
                password: None,
            },
        )),
        "manage settings" => outcome(td.settings(&s).and_then(|cur| td.update_settings(&s, cur))),
        "view audit" => outcome(td.list_audit(&s, &AuditQuery::default())),
        other => panic!("unknown action {other}"),
    }
}

#[test]
fn every_role_times_every_action() {
    let mut failures = vec![];
    for (role, expected) in MATRIX {
        for (action, want) in ACTIONS.iter().zip(expected) {
            let w = world(role);
            let got = run(&w, action);
            if got != want {
                failures.push(format!("{role} × {action}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "permission matrix mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn owners_only_setting_stops_admins_creating_tokens() {
    let w = world("admin");
    let mut settings = w.td.settings(&w.owner).unwrap();
    settings.only_owners_create_tokens = true;
    w.td.update_settings(&w.owner, settings).unwrap();
    let s = session_of(&w.actor);
    assert_eq!(outcome(w.td.create_token(&s, req("admin's"))), Deny);
    assert_eq!(
        outcome(w.td.create_token(&s, req_for("for other", &w.other))),
        Deny
    );
    assert_eq!(
        outcome(w.td.list_tokens(&s, &ListQuery::default())),
        Allow,
        "listing is unaffected"
    );
    assert_eq!(outcome(w.td.create_token(&w.owner, req("owner's"))), Allow);
}

#[test]
fn a_role_change_applies_at_once() {
    let w = world("member");
    let s = session_of(&w.actor);
    assert_eq!(outcome(w.td.create_token(&s, req("before"))), Allow);
    w.td.update_role(&w.owner, "member", Permissions::default())
        .unwrap();
    assert_eq!(outcome(w.td.create_token(&s, req("after"))), Deny);
}

/// Who sees the impersonation token made for `other`, and where.
#[test]
fn impersonation_tokens_are_visible_only_to_impersonating_admins() {
    let w = world("member");
    let td = &w.td;
    let ids = |s: &Session, scope: ListScope| -> Vec<String> {
        td.list_tokens(
            s,
            &ListQuery {
                scope,
                ..Default::default()
            },
        )
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.id)
        .collect()
    };
    let imp = &w.impersonation_token;

    // The person it was made for: not listed, not fetchable, not manageable.
    let subject = session_of(&w.other);
    assert!(!ids(&subject, ListScope::Own).contains(imp));
    assert!(
        ids(&subject, ListScope::Own).contains(&w.others_token),
        "their own token is listed"
    );
    assert_eq!(
        td.get_token(&subject, imp).unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        td.rename_token(&subject, imp, "mine now")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        td.revoke_token(&subject, imp, None).unwrap_err().code(),
        ErrorCode::NotFound
    );

    // Another member: nothing.
    let member = session_of(&w.actor);
    assert_eq!(
        td.get_token(&member, imp).unwrap_err().code(),
        ErrorCode::NotFound
    );

    // The owner (impersonate): in All authorizations, and while impersonating the subject.
    assert!(ids(&w.owner, ListScope::All).contains(imp));
    assert!(!ids(&w.owner, ListScope::Own).contains(imp));
    let as_other = td.start_impersonation(&w.owner, &w.other.id).unwrap();
    let seen = ids(&as_other, ListScope::Own);
    assert!(seen.contains(imp) && seen.contains(&w.others_token));
    let t = td.get_token(&as_other, imp).unwrap();
    assert_eq!(
        (t.kind, t.owner_id.as_str(), t.created_by.as_str()),
        (
            TokenKind::Impersonation,
            w.other.id.as_str(),
            w.owner.actor_id.as_str()
        )
    );

    // An admin whose role loses `impersonate` no longer sees it, even in All authorizations.
    let admin = person(td, &w.owner, "Second Admin", "admin");
    let admin_s = session_of(&admin);
    assert!(ids(&admin_s, ListScope::All).contains(imp));
    let mut p = td
        .list_roles(&w.owner)
        .unwrap()
        .into_iter()
        .find(|r| r.id == "admin")
        .unwrap()
        .permissions;
    p.impersonate = false;
    td.update_role(&w.owner, "admin", p).unwrap();
    assert!(!ids(&admin_s, ListScope::All).contains(imp));
    assert!(ids(&admin_s, ListScope::All).contains(&w.others_token));
    assert_eq!(
        td.revoke_token(&admin_s, imp, None).unwrap_err().code(),
        ErrorCode::NotFound
    );

    // Admins with `impersonate` can revoke it at any time, without impersonating.
    td.revoke_token(&w.owner, imp, Some("cleanup")).unwrap();
}

#[test]
fn impersonation_is_audited_with_both_identities() {
    let w = world("member");
    let td = &w.td;
    let s = td.start_impersonation(&w.owner, &w.other.id).unwrap();
    let t = td.create_token(&s, req("audited")).unwrap().meta;
    td.stop_impersonation(&s).unwrap();
    let events = td.audit_events(None).unwrap();
    let find = |action: &str| {
        events
            .iter()
            .rev()
            .find(|e| e.action == action)
            .unwrap()
            .clone()
    };
    for e in [find("impersonation.started"), find("impersonation.stopped")] {
        assert_eq!(
            (e.actor_id.as_str(), e.subject_id.as_str()),
            (w.owner.actor_id.as_str(), w.other.id.as_str())
        );
    }
    let created = events
        .iter()
        .find(|e| e.target_id.as_deref() == Some(&t.id))
        .unwrap();
    assert_eq!(
        (created.actor_id.as_str(), created.subject_id.as_str()),
        (w.owner.actor_id.as_str(), w.other.id.as_str())
    );
    assert!(created.details.contains("impersonation"));
}
