//! After 1,000 creates and an import of 200 legacy keys, no plain token or key appears in the database, its WAL, or the log file (on
//! PostgreSQL: the database's own files and the cluster's WAL).

mod common;

use aho_corasick::AhoCorasick;
use common::{on_postgres, req, Env};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use tokendesk_core::params;
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::store::ConnExt;

/// Captures every log record (all levels) into a file, as a deployed app's log would.
struct FileLogger(Mutex<std::fs::File>);

impl log::Log for FileLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let mut f = self.0.lock().unwrap();
        let _ = writeln!(
            f,
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        );
    }
    fn flush(&self) {
        let _ = self.0.lock().unwrap().flush();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn plain_tokens_occur_in_no_file() {
    let env = Env::new();
    let log_path = env.dir.path().join("tokendesk.log");
    let logger = Box::leak(Box::new(FileLogger(Mutex::new(
        std::fs::File::create(&log_path).unwrap(),
    ))));
    log::set_logger(logger).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    // WAL segments last written before this point cannot hold this test's tokens.
    let started = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let td = env.open();
    let s = td.local_session();
    let mut plains = Vec::with_capacity(1000);
    for i in 0..1000 {
        let c = td.create_token(&s, req(&format!("token {i}"))).unwrap();
        if i % 3 == 0 {
            td.rename_token(&s, &c.meta.id, &format!("renamed {i}"))
                .unwrap();
        }
        if i % 5 == 0 {
            td.revoke_token(&s, &c.meta.id, Some("rotation")).unwrap();
        }
        plains.push(c.token.expose_secret().to_string());
    }
    // Legacy keys come in plain from an import file; only their keyed hashes may stay.
    let lena = common::person(&td, &s, "Lena", "member");
    let legacy: Vec<String> = (0..200)
        .map(|i| format!("legacy-{i:03}-{}", uuid_like(i)))
        .collect();
    let file: String = std::iter::once("email,key,label".to_string())
        .chain(
            legacy
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{},{k},integration {i}", lena.email.as_deref().unwrap())),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let report = td.import_legacy_keys(&s, file.as_bytes()).unwrap();
    assert_eq!(report.imported, 200, "{:?}", report.problems.first());
    log::logger().flush();

    let mut files = vec![log_path.clone()];
    if on_postgres() {
        files.extend(postgres_files(&td, started));
    } else {
        for e in std::fs::read_dir(env.data()).unwrap() {
            files.push(e.unwrap().path());
        }
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n == "tokendesk.db-wal"),
            "the WAL must be scanned too: {names:?}"
        );
    }
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log_text.lines().count() >= 1000,
        "the logger captured the creates"
    );

    let contents: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(contents.iter().map(Vec::len).sum::<usize>() > 100_000);
    // Everything after the prefix (body + checksum); finding it anywhere would be a leak. One
    // automaton for all of them: the PostgreSQL WAL alone is tens of megabytes.
    let secret_parts = AhoCorasick::new(plains.iter().map(|p| &p.as_bytes()[4..])).unwrap();
    let legacy_keys = AhoCorasick::new(&legacy).unwrap();
    let planted = format!("x{}y", &plains[7][4..]);
    assert_eq!(secret_parts.find_iter(planted.as_bytes()).count(), 1);
    for (path, bytes) in files.iter().zip(&contents) {
        assert_eq!(
            secret_parts.find_iter(bytes).count(),
            0,
            "plain tokens found in {}",
            path.display()
        );
        assert_eq!(
            legacy_keys.find_iter(bytes).count(),
            0,
            "legacy keys found in {}",
            path.display()
        );
    }
    // The scan can see what is stored: the display hints (prefix + last 4) are found.
    let hint = format!("tkd_\u{2026}{}", &plains[1][plains[1].len() - 4..]);
    assert!(
        contents.iter().any(|b| contains(b, hint.as_bytes())),
        "the scanner reads the files"
    );
}

/// The files of this test's PostgreSQL database and the cluster's WAL segments written since it
/// started, after a checkpoint (so the tables' pages are on disk too).
fn postgres_files(td: &tokendesk_core::Tokendesk, since: std::time::SystemTime) -> Vec<PathBuf> {
    let data =
        PathBuf::from(std::env::var("TOKENDESK_TEST_PG_DATA").expect("set by with-postgres.sh"));
    let oid: String = td
        .store()
        .with_tx(|c| {
            c.execute("CHECKPOINT", params![])?;
            c.query_row(
                "SELECT CAST(oid AS TEXT) FROM pg_database WHERE datname = current_database()",
                params![],
                |r| r.get(0),
            )
        })
        .unwrap();
    let mut files = Vec::new();
    for dir in [data.join("base").join(oid), data.join("pg_wal")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let meta = e.metadata().unwrap();
            let wal = dir.ends_with("pg_wal");
            if meta.is_file() && (!wal || meta.modified().unwrap() >= since) {
                files.push(p);
            }
        }
    }
    assert!(
        files.len() > 10,
        "the database's files are found: {files:?}"
    );
    files
}

/// 24 characters that differ per key and look random enough not to occur by chance.
fn uuid_like(i: usize) -> String {
    let mut x = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..24)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize] as char
        })
        .collect()
}
