//! Benchmark (figures reported, not asserted): how long after a revoke returns on server A
//! server B refuses the token, on one PostgreSQL database. Two authorities opened on the same
//! database as two servers would be (each its own pool, follower thread and cache), 1,000
//! distinct active tokens verified on B meanwhile, and A creating tokens meanwhile.
//! Usage: propagation URL [rounds=300] (an empty database; `make bench-postgres` makes one).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokendesk_core::model::{CreateTokenRequest, Verification};
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::secret_store::MemorySecretStore;
use tokendesk_core::store::Store;
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};
use tokendesk_postgres::PgEngine;

fn request(name: String) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name,
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
        scopes: None,
        tenant_ids: None,
    }
}

fn server(url: &str, secrets: &MemorySecretStore, create: bool) -> Arc<Tokendesk> {
    let mut opts = OpenOptions::new(url, Arc::new(SystemClock));
    let url = url.to_string();
    opts.database = Some(Arc::new(move || Ok(Store::new(PgEngine::connect(&url)?))));
    opts.create_if_missing = create;
    Arc::new(Tokendesk::open(opts, secrets).expect("open"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("usage: propagation URL [rounds]");
    let rounds: usize = args.get(2).map_or(300, |r| r.parse().expect("rounds"));
    let secrets = MemorySecretStore::new();
    let a = server(url, &secrets, true);
    let b = server(url, &secrets, false);
    let s = a.local_session();

    // Load on B: 1,000 distinct active tokens verified in a loop (a cache that holds them).
    let load: Vec<SecretString> = (0..1000)
        .map(|i| {
            a.create_token(&s, request(format!("load {i}")))
                .unwrap()
                .token
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let verified = Arc::new(AtomicU64::new(0));
    let loaders: Vec<_> = (0..2)
        .map(|k| {
            let (b, stop, verified, load) =
                (b.clone(), stop.clone(), verified.clone(), load.clone());
            std::thread::spawn(move || {
                let mut i = k;
                while !stop.load(Ordering::Relaxed) {
                    let t = &load[i % load.len()];
                    assert!(matches!(
                        b.verify(t.expose_secret()).unwrap(),
                        Verification::Active(_)
                    ));
                    verified.fetch_add(1, Ordering::Relaxed);
                    i += 7;
                }
            })
        })
        .collect();
    // Writes meanwhile on A: 10 creates a second.
    let writer = {
        let (a, stop) = (a.clone(), stop.clone());
        std::thread::spawn(move || {
            let s = a.local_session();
            for n in 0u64.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                a.create_token(&s, request(format!("meanwhile {n}")))
                    .unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let started = Instant::now();
    let mut lat = Vec::with_capacity(rounds);
    for round in 0..rounds {
        if started.elapsed() > Duration::from_secs(120) {
            break;
        }
        let c = a
            .create_token(&s, request(format!("round {round}")))
            .unwrap();
        let plain = c.token.expose_secret().to_string();
        assert!(matches!(b.verify(&plain).unwrap(), Verification::Active(_)));
        a.revoke_token(&s, &c.meta.id, None).unwrap();
        let revoked = Instant::now();
        loop {
            if !matches!(b.verify(&plain).unwrap(), Verification::Active(_)) {
                break;
            }
            assert!(revoked.elapsed() < Duration::from_secs(2), "never refused");
            std::thread::sleep(Duration::from_micros(200));
        }
        lat.push(revoked.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    loaders.into_iter().for_each(|l| l.join().unwrap());
    writer.join().unwrap();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let secs = started.elapsed().as_secs_f64();
    println!(
        "revoke on A -> refused by B: {} rounds, p50 {:.2?}, p99 {:.2?}, max {:.2?}; meanwhile B verified {:.0}/s over 1,000 tokens and A created 10/s",
        lat.len(),
        pct(0.50),
        pct(0.99),
        lat[lat.len() - 1],
        verified.load(Ordering::Relaxed) as f64 / secs
    );
}
