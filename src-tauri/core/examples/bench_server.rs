//! For tests/bench/verify.sh: a fresh authority in DIR with COUNT seeded tokens, one active
//! token written to DIR/token.txt, then the verification service (the same router and serve
//! loop as `tokendesk serve`) on ADDR until SIGTERM. In-memory secret store: a benchmark must
//! not touch anyone's keyring.

use std::sync::Arc;
use tokendesk_core::http::{run_until_signal, HttpConfig};
use tokendesk_core::model::CreateTokenRequest;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::MemorySecretStore;
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, addr, count] = args.as_slice() else {
        eprintln!("usage: bench_server DIR ADDR COUNT");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("COUNT is a number");
    let secrets = MemorySecretStore::new();
    let td = Arc::new(
        Tokendesk::open(OpenOptions::new(dir, Arc::new(SystemClock)), &secrets).expect("open"),
    );
    let s = td.local_session();
    td.seed_tokens(&s, count, |_, _| {}).expect("seed");
    let req = CreateTokenRequest {
        for_user: None,
        name: "bench".into(),
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
        scopes: None,
        tenant_ids: None,
    };
    let token = td.create_token(&s, req).expect("create");
    std::fs::write(format!("{dir}/token.txt"), token.token.expose_secret()).expect("write token");
    run_until_signal(
        td,
        HttpConfig::default(),
        addr.parse().expect("ADDR"),
        |a| eprintln!("listening on http://{a}"),
    )
    .expect("serve");
}
