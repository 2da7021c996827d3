//! Usage tracking off the request path: a verification only adds to an in-memory aggregate;
//! a background thread writes the aggregates in one transaction at least every 5 seconds, when
//! the aggregate grows past its bound, and on shutdown, so a clean stop loses nothing. Each
//! write costs a row update per distinct token: with thousands of tokens in use, writing every
//! second took 8 % of a 2-core server's time; every 5 seconds keeps "last used" current enough.

use crate::clock::{Millis, DAY};
use crate::store::{usage as usage_store, Store};
use crate::Result;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Distinct tokens held before a flush is forced: memory stays bounded under any load.
pub const MAX_PENDING: usize = 50_000;
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Pending tokens by id. foldhash: the map is hit on every verification, and its keys are
/// server-made ids, not attacker-chosen text.
type ByToken = HashMap<String, Aggregate, foldhash::fast::RandomState>;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Aggregate {
    count: i64,
    last_used_at: Millis,
    /// Kept as an address and formatted when written: no allocation per request.
    last_client: Option<IpAddr>,
    last_user_agent: Option<String>,
    /// (day, count): nearly always one day, so a short list beats a map.
    per_day: Vec<(i64, i64)>,
}

impl Aggregate {
    fn add_day(&mut self, day: i64, n: i64) {
        match self.per_day.iter_mut().find(|(d, _)| *d == day) {
            Some((_, count)) => *count += n,
            None => self.per_day.push((day, n)),
        }
    }

    /// Adds `other` (an older or newer batch of the same token) into this one.
    fn merge(&mut self, other: Aggregate) {
        self.count += other.count;
        for (day, n) in other.per_day {
            self.add_day(day, n);
        }
        if other.last_used_at > self.last_used_at {
            self.last_used_at = other.last_used_at;
            self.last_client = other.last_client;
            self.last_user_agent = other.last_user_agent;
        }
    }
}

#[derive(Default)]
struct Pending {
    by_token: ByToken,
    stopping: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Held from taking a batch until it is written, so a `flush` that returns has seen every
    /// earlier batch committed (none is "taken but not yet written").
    writing: Mutex<()>,
}

impl Shared {
    fn write_pending(&self, store: &Store) -> Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let batch = std::mem::take(
            &mut self
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .by_token,
        );
        if batch.is_empty() {
            return Ok(());
        }
        let n = batch.len();
        write(store, &batch).inspect_err(|e| {
            log::warn!("could not write usage for {n} tokens, keeping it for the next try: {e}");
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (id, a) in batch {
                pending.by_token.entry(id).or_default().merge(a);
            }
        })
    }
}

/// At most `max` characters of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Records uses; clones share one flusher. `shutdown` (or dropping the last handle's owner)
/// writes what is left.
pub struct UsageRecorder {
    shared: Arc<Shared>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

impl UsageRecorder {
    pub fn start(store: Arc<Store>) -> UsageRecorder {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            writing: Mutex::new(()),
        });
        let s = shared.clone();
        let flusher = std::thread::Builder::new()
            .name("usage-flush".into())
            .spawn(move || loop {
                let stopping = {
                    let guard = s.pending.lock().unwrap_or_else(|p| p.into_inner());
                    let (guard, _) = s
                        .wake
                        .wait_timeout_while(guard, FLUSH_EVERY, |p| {
                            !p.stopping && p.by_token.len() < MAX_PENDING
                        })
                        .unwrap_or_else(|p| p.into_inner());
                    guard.stopping
                };
                // Counts are statistics, not security state: a failed write is logged, not fatal.
                let _ = s.write_pending(&store);
                if stopping {
                    break;
                }
            })
            .expect("spawn the usage flusher");
        UsageRecorder {
            shared,
            flusher: Mutex::new(Some(flusher)),
        }
    }

    /// Counts one successful use of `token_id`. Never touches the database.
    pub fn record(
        &self,
        token_id: &str,
        at: Millis,
        client: Option<IpAddr>,
        user_agent: Option<&str>,
    ) {
        let mut p = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // No allocation for a token, client or agent already pending: the common case under load.
        let a = match p.by_token.get_mut(token_id) {
            Some(a) => a,
            None => p.by_token.entry(token_id.to_string()).or_default(),
        };
        a.count += 1;
        a.add_day(at.div_euclid(DAY), 1);
        if at >= a.last_used_at {
            a.last_used_at = at;
            a.last_client = client;
            let agent = user_agent.map(|u| truncate(u, 300));
            if a.last_user_agent.as_deref() != agent {
                a.last_user_agent = agent.map(str::to_string);
            }
        }
        if p.by_token.len() >= MAX_PENDING {
            self.shared.wake.notify_one();
        }
    }

    /// Writes everything recorded so far, now, from the caller's thread.
    pub fn flush(&self, store: &Store) -> Result<()> {
        self.shared.write_pending(store)
    }

    /// Writes everything recorded so far and stops the flusher; later records are dropped.
    pub fn shutdown(&self) {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stopping = true;
        self.shared.wake.notify_one();
        if let Some(h) = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = h.join();
        }
    }
}

impl Drop for UsageRecorder {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn write(store: &Store, batch: &ByToken) -> Result<()> {
    store.with_tx(|tx| {
        for (id, a) in batch {
            let uses = usage_store::Uses {
                count: a.count,
                last_used_at: a.last_used_at,
                last_client: a.last_client.map(|ip| ip.to_string()),
                last_user_agent: a.last_user_agent.as_deref(),
                per_day: &a.per_day,
            };
            usage_store::add(tx, id, uses)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_full_aggregate_is_flushed_without_waiting_for_the_tick() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let rec = UsageRecorder::start(store);
        for i in 0..MAX_PENDING {
            rec.record(&format!("t{i}"), 1, None, None);
        }
        // Bounded wait: the flusher was woken by the bound, not by its one-second tick.
        let mut drained = false;
        for _ in 0..500 {
            if rec.shared.pending.lock().unwrap().by_token.len() < MAX_PENDING {
                drained = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(drained, "the pending map was not drained");
        rec.shutdown();
        rec.record("after", 1, None, None);
        assert_eq!(
            rec.shared.pending.lock().unwrap().by_token.len(),
            1,
            "recording after shutdown is harmless"
        );
    }

    #[test]
    fn a_failed_write_keeps_the_counts_for_the_next_try() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let rec = UsageRecorder::start(store.clone());
        rec.record("t", DAY + 5, Some(ip("10.0.0.1")), Some("a"));
        // A write that cannot succeed: the table it updates is gone.
        store
            .with_tx(|tx| {
                tx.execute("ALTER TABLE tokens RENAME TO gone", crate::params![])?;
                Ok(())
            })
            .unwrap();
        assert!(rec.flush(&store).is_err());
        rec.record("t", DAY + 9, Some(ip("10.0.0.2")), Some("b"));
        let p = rec.shared.pending.lock().unwrap();
        let a = &p.by_token["t"];
        assert_eq!(
            (a.count, a.last_used_at, a.last_client),
            (2, DAY + 9, Some(ip("10.0.0.2"))),
            "the failed batch is merged back, nothing lost"
        );
        assert_eq!(a.per_day, [(1, 2)]);
        drop(p);
        rec.shutdown();
    }

    #[test]
    fn aggregates_keep_the_newest_client() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let rec = UsageRecorder::start(store);
        rec.record("t", 2 * DAY + 5, Some(ip("10.0.0.2")), Some("curl/8"));
        rec.record("t", DAY + 5, Some(ip("10.0.0.1")), Some("old"));
        let p = rec.shared.pending.lock().unwrap();
        let a = &p.by_token["t"];
        assert_eq!(
            (a.count, a.last_used_at, a.last_client),
            (2, 2 * DAY + 5, Some(ip("10.0.0.2")))
        );
        let mut days = a.per_day.clone();
        days.sort_unstable();
        assert_eq!(days, [(1, 1), (2, 1)]);
    }
}
