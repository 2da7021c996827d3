//! Integration tests on a real database (a SQLite file, or PostgreSQL): durability, atomicity
//! and locking, seen from another connection as another process would.

mod common;

use common::{on_postgres, req, Env};
use std::time::Duration;
use tokendesk_core::model::{ListQuery, RejectReason, TokenStatus, Verification};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::store::ConnExt;
use tokendesk_core::{params, ErrorCode};

fn count(env: &Env, table: &str) -> i64 {
    env.second_store(Duration::from_secs(3))
        .read(|c| {
            c.query_row(&format!("SELECT count(*) FROM {table}"), params![], |r| {
                r.get(0)
            })
        })
        .unwrap()
}

/// Runs statements on another connection, committed.
fn sql(env: &Env, statements: &[&str]) {
    env.second_store(Duration::from_secs(3))
        .with_tx(|tx| {
            for s in statements {
                tx.execute(s, params![])?;
            }
            Ok(())
        })
        .unwrap();
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
    if on_postgres() {
        sql(&env, &[
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail()",
        ]);
    } else {
        sql(&env, &["CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END"]);
    }
    let e = td.create_token(&s, req("doomed")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Database);
    assert!(e.to_string().contains("injected failure"), "{e}");
    assert_eq!(count(&env, "tokens"), tokens);
    assert_eq!(count(&env, "audit_events"), events);
    let drop = if on_postgres() {
        "DROP TRIGGER fail_audit ON audit_events"
    } else {
        "DROP TRIGGER fail_audit"
    };
    sql(&env, &[drop]);
    td.create_token(&s, req("doomed")).unwrap();
}

#[test]
fn locked_database_gives_a_busy_error_and_writes_nothing() {
    let env = Env::new();
    let opts = env.options_with_busy_timeout(Duration::from_millis(50));
    let td = tokendesk_core::Tokendesk::open(opts, &env.secrets).unwrap();
    let s = td.local_session();
    let c = td.create_token(&s, req("x")).unwrap();
    let tokens = count(&env, "tokens");
    // Another process holds a write transaction open meanwhile.
    let other = env.second_store(Duration::from_secs(3));
    let (held, release) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            other
                .with_tx(|tx| {
                    tx.execute(
                        "UPDATE authority SET display_name = display_name",
                        params![],
                    )?;
                    held.wait();
                    release.wait();
                    Ok(())
                })
                .unwrap()
        });
        held.wait();
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
        release.wait();
    });
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
    let store = env.second_store(Duration::from_secs(3));
    let columns = if on_postgres() {
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_name = 'tokens'"
    } else {
        let mode: String = store
            .read(|c| c.query_row("PRAGMA journal_mode", params![], |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "wal");
        "SELECT name FROM pragma_table_info('tokens')"
    };
    let cols: Vec<String> = store
        .read(|c| c.query_map(columns, params![], |r| r.get(0)))
        .unwrap();
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
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (td, plain, done, seen) =
                    (td.clone(), plain.clone(), done.clone(), seen.clone());
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
                            seen.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    before
                })
            })
            .collect();
        // Revoke while the workers are verifying (once they have answers, cached or not).
        let waited = std::time::Instant::now();
        while seen.load(Ordering::SeqCst) < 4 && waited.elapsed() < Duration::from_secs(5) {
            std::thread::yield_now();
        }
        td.revoke_token(&owner, &c.meta.id, None).unwrap();
        done.store(true, Ordering::SeqCst);
        let before: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(
            before > 0,
            "round {round}: the race ran (verifications before the revoke)"
        );
    }
}
