//! The audit log's hash chain on a real database: editing, deleting or rewriting rows with
//! plain SQL (bypassing Tokendesk's rules) is detected, and the report names the exact broken
//! event.

mod common;

use common::{on_postgres, req, Env};
use rusqlite::Connection;
use tokendesk_core::model::ChainReport;
use tokendesk_core::store::sql::ToParam;
use tokendesk_core::store::ConnExt;
use tokendesk_core::{params, Tokendesk};

fn fixture() -> (Env, Tokendesk, Vec<i64>) {
    let env = Env::new();
    let td = env.open();
    let s = td.local_session();
    for i in 0..4 {
        let t = td.create_token(&s, req(&format!("t{i}"))).unwrap();
        td.rename_token(&s, &t.meta.id, &format!("t{i} renamed"))
            .unwrap();
    }
    let seqs = td
        .audit_events(None)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    (env, td, seqs)
}

fn raw(env: &Env) -> Connection {
    Connection::open(env.data().join("tokendesk.db")).unwrap()
}

/// Runs one statement on the database as someone with write access to it would.
fn tamper(td: &Tokendesk, sql: &str, params: &[&dyn ToParam]) {
    td.store().with_tx(|tx| tx.execute(sql, params)).unwrap();
}

/// seq, id, at, actor, subject, action, target, details
type RawEvent = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn check(td: &Tokendesk) -> ChainReport {
    td.verify_audit_chain(&td.local_session()).unwrap()
}

#[test]
fn an_untouched_log_verifies() {
    let (_env, td, seqs) = fixture();
    assert_eq!(
        check(&td),
        ChainReport {
            ok: true,
            events_checked: seqs.len() as i64,
            broken_at: None,
            problem: None
        }
    );
    assert!(td
        .audit_events(None)
        .unwrap()
        .iter()
        .all(|e| e.hash.len() == 64));
}

#[test]
fn an_edited_row_is_reported_exactly() {
    let (_env, td, seqs) = fixture();
    let victim = seqs[4];
    tamper(
        &td,
        "UPDATE audit_events SET details = '{\"name\":\"innocent\"}' WHERE seq = ?1",
        params![victim],
    );
    let r = check(&td);
    assert!(!r.ok);
    assert_eq!(r.broken_at, Some(victim));
    assert!(r.problem.unwrap().contains("changed"));
}

#[test]
fn an_edited_actor_or_time_is_reported_too() {
    let (_env, td, seqs) = fixture();
    tamper(
        &td,
        "UPDATE audit_events SET at = at + 1 WHERE seq = ?1",
        params![seqs[2]],
    );
    assert_eq!(check(&td).broken_at, Some(seqs[2]));
}

#[test]
fn a_deleted_row_breaks_the_next_link() {
    let (_env, td, seqs) = fixture();
    tamper(
        &td,
        "DELETE FROM audit_events WHERE seq = ?1",
        params![seqs[3]],
    );
    let r = check(&td);
    assert_eq!(r.broken_at, Some(seqs[4]), "the event after the gap");
    assert!(r.problem.unwrap().contains("does not follow"));
}

#[test]
fn deleting_the_newest_rows_is_detected_by_the_signed_head() {
    let (_env, td, seqs) = fixture();
    tamper(
        &td,
        "DELETE FROM audit_events WHERE seq >= ?1",
        params![seqs[seqs.len() - 2]],
    );
    let r = check(&td);
    assert!(!r.ok);
    assert_eq!(r.broken_at, None);
    assert!(r.problem.unwrap().contains("signed head"));
}

#[test]
fn a_rewritten_chain_without_the_keyring_key_is_detected() {
    let (_env, td, seqs) = fixture();
    // The attacker edits a row and recomputes every SHA-256 link, but cannot sign the head.
    tamper(
        &td,
        "UPDATE audit_events SET details = '{}' WHERE seq = ?1",
        params![seqs[1]],
    );
    let rows: Vec<RawEvent> = td
        .store()
        .read(|c| {
            c.query_map(
                "SELECT seq, id, at, actor_id, subject_id, action, target_id, details FROM audit_events ORDER BY seq",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
        })
        .unwrap();
    let mut prev = vec![0u8; 32];
    for (seq, id, at, actor, subject, action, target, details) in rows {
        use sha2::Digest;
        let content = serde_json::to_vec(&serde_json::json!([
            id, at, actor, subject, action, target, details
        ]))
        .unwrap();
        let mut h = sha2::Sha256::new();
        h.update(&prev);
        h.update(&content);
        let hash = h.finalize().to_vec();
        tamper(
            &td,
            "UPDATE audit_events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![seq, prev, hash],
        );
        prev = hash;
    }
    let r = check(&td);
    assert!(!r.ok, "{r:?}");
    assert!(r.problem.unwrap().contains("signed head"));
}

#[test]
fn a_schema_1_database_is_migrated_and_its_history_chained() {
    if on_postgres() {
        return; // SQLite's upgrade path: a PostgreSQL database never had schema 1.
    }
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    // A database as Tokendesk's first release wrote it: schema 1, unchained events.
    let c = raw(&env);
    c.execute_batch(include_str!(
        "../../src-tauri/core/migrations/0001_init.sql"
    ))
    .unwrap();
    c.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO authority (id, display_name, token_prefix, expiry_policy, created_at)
           VALUES ('auth1', 'Old', 'tkd', '{\"presets\":[\"thirty_days\"],\"allowCustom\":true,\"allowNever\":false,\"maxLifetimeDays\":365,\"defaultChoice\":{\"kind\":\"preset\",\"preset\":\"thirty_days\"}}', 1);
         INSERT INTO users (id, display_name, kind, role, created_at) VALUES ('u1', 'Old Owner', 'human', 'owner', 1);
         INSERT INTO audit_events (id, at, actor_id, subject_id, action, target_id, details)
           VALUES ('e1', 1, 'u1', 'u1', 'authority.created', 'auth1', '{}'),
                  ('e2', 2, 'u1', 'u1', 'token.created', 't1', '{\"name\":\"x\"}');",
    )
    .unwrap();
    drop(c);
    use tokendesk_core::secret_store::SecretStore;
    env.secrets
        .set("authority/auth1/hash-key", &[7u8; 32])
        .unwrap();
    let td = env.open();
    let r = check(&td);
    assert_eq!((r.ok, r.events_checked), (true, 2), "{r:?}");
    let v: i64 = raw(&env)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, tokendesk_core::store::sqlite::SCHEMA_VERSION);
    assert_eq!(td.list_roles(&td.local_session()).unwrap().len(), 4);
}
