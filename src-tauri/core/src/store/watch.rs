//! Noticing commits made by other processes (the CLI revoking a token while `tokendesk serve`
//! runs), so cached answers can be dropped the moment the database changes under us.
//!
//! The fast way reads the header of SQLite's WAL index (the `-shm` file, mapped read-only):
//! every commit by any connection changes it (`iChange`, `mxFrame`, the salts), and reading it
//! costs no lock and no system call. Its layout is part of SQLite's documented file format
//! (walformat.html §2.1) because all SQLite versions sharing a database must agree on it. If
//! the file cannot be mapped or does not look like a WAL index, `PRAGMA data_version` on a few
//! read-only connections does the same job at the price of file locks on every check.

use crate::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The first copy of the 48-byte `WalIndexHdr`, as twelve native-endian words.
pub(super) type Fingerprint = [u32; 12];

const WAL_INDEX_VERSION: u32 = 3007000;
/// Connections of the fallback: more than the service's worker threads.
const WATCHERS: usize = 4;

pub(super) enum ForeignWatch {
    /// An in-memory database: no one else can write it.
    Nobody,
    Shm(memmap2::MmapRaw),
    Pragma {
        watchers: Vec<Mutex<Watcher>>,
        /// Bumped whenever a watcher sees its `data_version` move.
        seen: AtomicU64,
    },
}

pub(super) struct Watcher {
    conn: Connection,
    last: Option<i64>,
}

impl ForeignWatch {
    /// For the database at `path`, whose `-shm` file exists because the caller holds an open
    /// connection in WAL mode (which also keeps SQLite from truncating it while mapped).
    pub(super) fn open(path: &Path, busy_timeout: Duration) -> Result<ForeignWatch> {
        match Self::map_shm(path) {
            Some(map) => Ok(ForeignWatch::Shm(map)),
            None => {
                log::info!("watching the database with PRAGMA data_version (no usable -shm map)");
                Self::pragma(path, busy_timeout)
            }
        }
    }

    fn map_shm(path: &Path) -> Option<memmap2::MmapRaw> {
        let mut shm = path.as_os_str().to_owned();
        shm.push("-shm");
        let file = std::fs::File::open(&shm).ok()?;
        if file.metadata().ok()?.len() < 96 {
            return None;
        }
        let map = memmap2::MmapOptions::new()
            .len(96)
            .map_raw_read_only(&file)
            .ok()?;
        // iVersion first; isInit is the byte after iChange (the third word).
        (shm_words(&map)[0] == WAL_INDEX_VERSION && shm_byte(&map, 12) == 1).then_some(map)
    }

    pub(super) fn pragma(path: &Path, busy_timeout: Duration) -> Result<ForeignWatch> {
        let mut watchers = Vec::with_capacity(WATCHERS);
        for _ in 0..WATCHERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(busy_timeout)?;
            watchers.push(Mutex::new(Watcher { conn, last: None }));
        }
        Ok(ForeignWatch::Pragma {
            watchers,
            seen: AtomicU64::new(0),
        })
    }

    /// Changes whenever another connection has committed since the last call.
    pub(super) fn fingerprint(&self) -> Result<Fingerprint> {
        match self {
            ForeignWatch::Nobody => Ok([0; 12]),
            ForeignWatch::Shm(map) => Ok(shm_words(map)),
            ForeignWatch::Pragma { watchers, seen } => {
                let mut w = watchers
                    .iter()
                    .find_map(|w| w.try_lock().ok())
                    .unwrap_or_else(|| watchers[0].lock().unwrap_or_else(|p| p.into_inner()));
                let v: i64 = w
                    .conn
                    .prepare_cached("PRAGMA data_version")?
                    .query_row([], |r| r.get(0))?;
                // Each connection has its own numbering, so a change seen by any of them bumps
                // one shared counter — while still holding that watcher, so whoever uses it
                // next also reads the bumped counter.
                if w.last != Some(v) {
                    w.last = Some(v);
                    seen.fetch_add(1, Ordering::AcqRel);
                }
                let n = seen.load(Ordering::Acquire);
                drop(w);
                Ok([n as u32, (n >> 32) as u32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            }
        }
    }

    #[cfg(test)]
    pub(super) fn kind(&self) -> &'static str {
        match self {
            ForeignWatch::Nobody => "nobody",
            ForeignWatch::Shm(_) => "shm",
            ForeignWatch::Pragma { .. } => "pragma",
        }
    }
}

fn shm_words(map: &memmap2::MmapRaw) -> Fingerprint {
    let base = map.as_ptr() as *mut u32;
    let mut out = [0u32; 12];
    for (i, w) in out.iter_mut().enumerate() {
        // Safety: the map is page-aligned and 96 bytes long, so every word is in bounds and
        // aligned; SQLite writes this memory from other processes, which is why it is only
        // ever read with atomic loads through raw pointers (no Rust reference into it).
        // The file is not truncated while our own connection holds its shared lock.
        *w = unsafe { std::sync::atomic::AtomicU32::from_ptr(base.add(i)) }.load(Ordering::Acquire);
    }
    out
}

fn shm_byte(map: &memmap2::MmapRaw, offset: usize) -> u8 {
    debug_assert!(offset < 96);
    // Safety: as in `shm_words`.
    unsafe { std::sync::atomic::AtomicU8::from_ptr(map.as_ptr().add(offset) as *mut u8) }
        .load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(conn: &Connection, id: &str) {
        conn.execute(
            "INSERT INTO audit_events (id, at, actor_id, subject_id, action) VALUES (?1, 1, 'x', 'x', 't')",
            [id],
        )
        .unwrap();
    }

    /// Both ways notice a commit by another connection (standing for another process) and
    /// stay put without one.
    #[test]
    fn both_ways_see_commits_of_other_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let store = super::super::Store::open(&path, Duration::from_secs(1)).unwrap();
        let other = Connection::open(&path).unwrap();
        let shm = ForeignWatch::open(&path, Duration::from_secs(1)).unwrap();
        assert_eq!(
            shm.kind(),
            "shm",
            "a WAL database on a local disk is mapped"
        );
        let pragma = ForeignWatch::pragma(&path, Duration::from_secs(1)).unwrap();
        for (i, watch) in [shm, pragma].iter().enumerate() {
            let a = watch.fingerprint().unwrap();
            assert_eq!(
                watch.fingerprint().unwrap(),
                a,
                "{}: no commit, no change",
                watch.kind()
            );
            write(&other, &format!("e{i}"));
            let b = watch.fingerprint().unwrap();
            assert_ne!(b, a, "{}: another connection's commit", watch.kind());
            store
                .with_tx(|tx| {
                    write(tx, &format!("f{i}"));
                    Ok(())
                })
                .unwrap();
            assert_ne!(
                watch.fingerprint().unwrap(),
                b,
                "{}: our commit",
                watch.kind()
            );
        }
    }
}
