//! Benchmarks: mint, hash, create, verify against 100,000 and 1,000,000 stored tokens, and list
//! pages at 100,000. Run with `make bench` (cargo bench -p tokendesk-core --bench core); figures in
//! docs/benchmarks.md. TOKENDESK_BENCH_BIG=0 skips the 1,000,000-token part (about a minute to seed).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Arc;
use tokendesk_core::model::{
    CreateTokenRequest, ListQuery, ListScope, SortDir, SortKey, TokenStatus, Verification,
};
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::{random_key, ExposeSecret};
use tokendesk_core::secret_store::MemorySecretStore;
use tokendesk_core::{token, OpenOptions, SystemClock, Tokendesk};

const N: usize = 100_000;

fn benches(c: &mut Criterion) {
    c.bench_function("mint", |b| {
        b.iter(|| token::mint(black_box("tkd")).unwrap())
    });
    let key = random_key().unwrap();
    let sample = token::mint("tkd").unwrap();
    c.bench_function("hash (HMAC-SHA256)", |b| {
        b.iter(|| token::hash(&key, black_box(sample.expose_secret())))
    });
    c.bench_function("check_format (checksum)", |b| {
        b.iter(|| token::check_format(black_box(sample.expose_secret())))
    });

    let (_dir, td, mut active) = seeded(N);
    active.truncate(1000);
    let s = td.local_session();
    assert!(matches!(
        td.verify(&active[0]).unwrap(),
        Verification::Active(_)
    ));

    let mut i = 0;
    c.bench_function("verify (100k tokens stored)", |b| {
        b.iter(|| {
            i = (i + 1) % active.len();
            td.verify(black_box(&active[i])).unwrap()
        })
    });
    let unknown = token::mint("tkd").unwrap();
    c.bench_function("verify unknown (100k stored)", |b| {
        b.iter(|| td.verify(black_box(unknown.expose_secret())).unwrap())
    });

    let first = ListQuery {
        sort: SortKey::Created,
        dir: SortDir::Desc,
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list first page (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&first)).unwrap())
    });
    let second = ListQuery {
        cursor: td.list_tokens(&s, &first).unwrap().next_cursor,
        ..first.clone()
    };
    c.bench_function("list second page via cursor (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&second)).unwrap())
    });
    let by_name = ListQuery {
        sort: SortKey::Name,
        dir: SortDir::Asc,
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list sorted by name (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&by_name)).unwrap())
    });
    let by_status = ListQuery {
        sort: SortKey::Status,
        dir: SortDir::Asc,
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list sorted by status (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&by_status)).unwrap())
    });
    let filtered = ListQuery {
        status: Some(TokenStatus::Revoked),
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list filtered: revoked (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&filtered)).unwrap())
    });
    let searched = ListQuery {
        search: Some("deploy".into()),
        status: Some(TokenStatus::Active),
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list filtered: search + active (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&searched)).unwrap())
    });
    let rare = ListQuery {
        search: Some("seed 99999".into()),
        limit: 50,
        ..Default::default()
    };
    let all_scope = ListQuery {
        scope: ListScope::All,
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list all owners, first page (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&all_scope)).unwrap())
    });
    let all_by_name = ListQuery {
        scope: ListScope::All,
        sort: SortKey::Name,
        dir: SortDir::Asc,
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list all owners, sorted by name (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&all_by_name)).unwrap())
    });
    let every = ListQuery {
        search: Some("seed".into()),
        limit: 50,
        ..Default::default()
    };
    c.bench_function("list filtered: search matching all (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&every)).unwrap())
    });
    c.bench_function("list filtered: search, 1 match (100k)", |b| {
        b.iter(|| td.list_tokens(&s, black_box(&rare)).unwrap())
    });
    // Last: the tokens it adds would shift the list figures above.
    let mut n = 0;
    c.bench_function("create token (durable commit, 100k stored)", |b| {
        b.iter(|| {
            n += 1;
            let req = CreateTokenRequest {
                for_user: None,
                name: format!("bench create {n}"),
                description: None,
                expiry: ExpiryChoice::Preset {
                    preset: ExpiryPreset::OneDay,
                },
                scopes: None,
                tenant_ids: None,
            };
            td.create_token(&s, req).unwrap()
        })
    });
}

/// A fresh authority in a temp dir with `n` seeded tokens, and the active ones in plain.
fn seeded(n: usize) -> (tempfile::TempDir, Tokendesk, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = MemorySecretStore::new();
    let td = Tokendesk::open(
        OpenOptions::new(dir.path(), Arc::new(SystemClock)),
        &secrets,
    )
    .unwrap();
    let mut active = Vec::new();
    td.seed_tokens(&td.local_session(), n, |i, t| {
        // seed_tokens revokes every 7th and lets i % 400 <= 30 expire.
        if i % 7 != 0 && i % 400 > 31 {
            active.push(t.expose_secret().to_string());
        }
    })
    .unwrap();
    (dir, td, active)
}

/// Verification at 1,000,000 stored tokens: a cached answer (a working set of 1,000 tokens), and
/// misses (cycling through every active token, far more than the cache holds).
fn big(c: &mut Criterion) {
    if std::env::var("TOKENDESK_BENCH_BIG").as_deref() == Ok("0") {
        return;
    }
    let (_dir, td, active) = seeded(1_000_000);
    let hot = &active[..1000];
    for t in hot {
        assert!(matches!(td.verify(t).unwrap(), Verification::Active(_)));
    }
    let mut i = 0;
    c.bench_function("verify cached (1M stored)", |b| {
        b.iter(|| {
            i = (i + 1) % hot.len();
            td.verify(black_box(&hot[i])).unwrap()
        })
    });
    let mut j = 0;
    c.bench_function("verify miss (1M stored, cycling all active)", |b| {
        b.iter(|| {
            j = (j + 7919) % active.len();
            td.verify(black_box(&active[j])).unwrap()
        })
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = benches, big
}
criterion_main!(core);
