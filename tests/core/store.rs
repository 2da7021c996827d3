//! Integration tests on a real SQLite file: durability, atomicity and locking.

mod common;

use common::{req, Env};
use std::time::Duration;
use tokendesk_core::model::{ListQuery, RejectReason, TokenStatus, Verification};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::ErrorCode;

fn count(env: &Env, table: &str) -> i64 {
    let c = rusqlite::Connection::open(env.data().join("tokendesk.db")).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn revoke_takes_effect_at_once() {
    let env = Env::new();
    let td = env.open();
    let s = td.local_session();
    let c = td.create_token(&s, req("ci")).unwrap();
    let plain = c.token.expose_secret().to_string();
    assert!(matches!(
        td.verify(&plain).unwrap(),
        Verification::Active(_)
    ));
    td.revoke_token(&s, &c.meta.id, None).unwrap();
    assert_eq!(
        td.verify(&plain).unwrap(),
        Verification::Rejected(RejectReason::Revoked)
    );
}

#[test]
fn reopening_keeps_everything() {
    let env = Env::new();
    let (plain, id, authority) = {
        let td = env.open();
        let s = td.local_session();
        let c = td.create_token(&s, req("kept")).unwrap();
        let other = td.create_token(&s, req("gone")).unwrap();
        td.revoke_token(&s, &other.meta.id, Some("test")).unwrap();
        td.rename_token(&s, &c.meta.id, "kept renamed").unwrap();
        (
            c.token.expose_secret().to_string(),
            c.meta.id,
            td.info(&s).unwrap().authority_id,
        )
    };
    let td = env.open();
    let s = td.local_session();
    assert_eq!(td.info(&s).unwrap().authority_id, authority);
    match td.verify(&plain).unwrap() {
        Verification::Active(m) => {
            assert_eq!(m.token.id, id);
            assert_eq!(m.token.name, "kept renamed");
        }
        other => panic!("{other:?}"),
    }
    let page = td.list_tokens(&s, &ListQuery::default()).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items
            .iter()
            .filter(|t| t.status == TokenStatus::Revoked)
            .count(),
        1
    );
    let actions: Vec<_> = td
        .audit_events(None)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "authority.created",
            "token.created",
            "token.created",
            "token.revoked",
            "token.renamed"
        ]
    );
}

#[test]
fn failure_mid_create_leaves_no_row_and_no_audit_event() {
    let env = Env::new();
    let td = env.open();
    let s = td.local_session();
    td.create_token(&s, req("before")).unwrap();
    let (tokens, events) = (count(&env, "tokens"), count(&env, "audit_events"));
    // Make the audit insert (the last statement of a create) fail from another connection.
    let c = rusqlite::Connection::open(env.data().join("tokendesk.db")).unwrap();
    c.execute_batch("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END;").unwrap();
    let e = td.create_token(&s, req("doomed")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Database);
    assert_eq!(count(&env, "tokens"), tokens);
    assert_eq!(count(&env, "audit_events"), events);
    c.execute_batch("DROP TRIGGER fail_audit").unwrap();
    td.create_token(&s, req("doomed")).unwrap();
}

#[test]
fn locked_database_gives_a_busy_error_and_writes_nothing() {
    let env = Env::new();
    let mut opts = env.options();
    opts.busy_timeout = Duration::from_millis(50);
    let td = tokendesk_core::Tokendesk::open(opts, &env.secrets).unwrap();
    let s = td.local_session();
    let c = td.create_token(&s, req("x")).unwrap();
    let tokens = count(&env, "tokens");
    let mut other = rusqlite::Connection::open(env.data().join("tokendesk.db")).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .unwrap();
    assert_eq!(
        td.create_token(&s, req("y")).unwrap_err().code(),
        ErrorCode::DatabaseBusy
    );
    assert_eq!(
        td.revoke_token(&s, &c.meta.id, None).unwrap_err().code(),
        ErrorCode::DatabaseBusy
    );
    assert_eq!(
        td.rename_token(&s, &c.meta.id, "z").unwrap_err().code(),
        ErrorCode::DatabaseBusy
    );
    tx.rollback().unwrap();
    assert_eq!(count(&env, "tokens"), tokens);
    assert_eq!(
        td.get_token(&s, &c.meta.id).unwrap().status,
        TokenStatus::Active
    );
}

#[test]
fn database_is_in_wal_mode_with_the_documented_columns() {
    let env = Env::new();
    let _td = env.open();
    let c = rusqlite::Connection::open(env.data().join("tokendesk.db")).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut stmt = c
        .prepare("SELECT name FROM pragma_table_info('tokens')")
        .unwrap();
    let cols: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for want in [
        "id",
        "owner_id",
        "created_by",
        "kind",
        "name",
        "description",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "last_used_at",
        "use_count",
        "token_hash",
        "display_hint",
    ] {
        assert!(cols.iter().any(|c| c == want), "missing column {want}");
    }
}

/// Many threads verify while another revokes: once `revoke_token` has returned, no
/// verification started afterwards succeeds, although answers are cached in between.
#[test]
fn no_verification_succeeds_after_the_revoke_returned() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let env = Env::new();
    let td = std::sync::Arc::new(env.open());
    let owner = td.local_session();
    for round in 0..20 {
        let c = td
            .create_token(&owner, req(&format!("raced {round}")))
            .unwrap();
        let plain = c.token.expose_secret().to_string();
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (td, plain, done) = (td.clone(), plain.clone(), done.clone());
                std::thread::spawn(move || {
                    let (mut before, mut after) = (0, 0);
                    // Bounded: at most 20,000 checks, 200 of them after the revoke.
                    for _ in 0..20_000 {
                        let started_after = done.load(Ordering::SeqCst);
                        let ok = matches!(td.verify(&plain).unwrap(), Verification::Active(_));
                        if started_after {
                            assert!(!ok, "a verification succeeded after the revoke returned");
                            after += 1;
                            if after == 200 {
                                break;
                            }
                        } else if ok {
                            before += 1;
                        }
                    }
                    before
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(2));
        td.revoke_token(&owner, &c.meta.id, None).unwrap();
        done.store(true, Ordering::SeqCst);
        let before: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(
            before > 0,
            "round {round}: the race ran (verifications before the revoke)"
        );
    }
}
