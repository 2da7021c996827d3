//! For tests/bench/verify.sh: a fresh authority in DIR with COUNT seeded tokens; one active
//! token written to DIR/token.txt and every active seeded token to DIR/tokens.txt; then the
//! verification service (the same router and serve loop as `tokendesk serve`) on ADDR until
//! SIGTERM. While the file DIR/create.on exists, a thread creates 10 tokens a second (the
//! "writes meanwhile" case). In-memory secret store: a benchmark must not touch anyone's keyring.
//! With TOKENDESK_BENCH_DATABASE=postgres://… the authority lives in that (empty) PostgreSQL
//! database instead of DIR, its secrets in the key file DIR/authority.key; then COUNT 0 starts
//! another server of the same authority (it seeds nothing, writes no files, creates nothing), as
//! a second team server would be.

use std::io::Write;

// The same allocator as the `tokendesk` binary, so the figures are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::key_file::KeyFileStore;
use tokendesk_core::model::CreateTokenRequest;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::{MemorySecretStore, SecretStore};
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};
use tokendesk_http::{run_until_signal, HttpConfig};

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, addr, count] = args.as_slice() else {
        eprintln!("usage: bench_server DIR ADDR COUNT");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("COUNT is a number");
    let mut opts = OpenOptions::new(dir, Arc::new(SystemClock));
    let postgres = std::env::var("TOKENDESK_BENCH_DATABASE")
        .ok()
        .filter(|u| !u.is_empty());
    let secrets: Box<dyn SecretStore> = match postgres {
        Some(url) => {
            opts.database = Some(Arc::new(move || {
                Ok(tokendesk_core::store::Store::new(
                    tokendesk_postgres::PgEngine::connect(&url)?,
                ))
            }));
            let key = std::path::Path::new(dir).join("authority.key");
            Box::new(if count == 0 {
                KeyFileStore::open(key).expect("the first server's key file")
            } else {
                KeyFileStore::create(key).expect("a new key file")
            })
        }
        None => Box::new(MemorySecretStore::new()),
    };
    let td = Arc::new(Tokendesk::open(opts, &*secrets).expect("open"));
    if count == 0 {
        return serve(td, addr);
    }
    let s = td.local_session();
    let mut all = std::io::BufWriter::new(
        std::fs::File::create(format!("{dir}/tokens.txt")).expect("tokens file"),
    );
    let seeding = std::time::Instant::now();
    // seed_tokens revokes every 7th and lets i % 400 <= 30 expire: write only the active ones.
    td.seed_tokens(&s, count, |i, t| {
        if i % 7 != 0 && i % 400 > 30 {
            writeln!(all, "{}", t.expose_secret()).expect("write tokens");
        }
    })
    .expect("seed");
    all.flush().expect("write tokens");
    eprintln!("seeded {count} tokens in {:.1?}", seeding.elapsed());
    let token = td
        .create_token(&s, request("bench".into()))
        .expect("create");
    std::fs::write(format!("{dir}/token.txt"), token.token.expose_secret()).expect("write token");
    let writer = td.clone();
    let switch = std::path::PathBuf::from(format!("{dir}/create.on"));
    std::thread::spawn(move || {
        let s = writer.local_session();
        for n in 0u64.. {
            std::thread::sleep(Duration::from_millis(100));
            if switch.exists() {
                writer
                    .create_token(&s, request(format!("meanwhile {n}")))
                    .expect("create meanwhile");
            }
        }
    });
    serve(td, addr);
}

fn serve(td: Arc<Tokendesk>, addr: &str) {
    run_until_signal(
        td,
        HttpConfig::default(),
        addr.parse().expect("ADDR"),
        |a| eprintln!("listening on http://{a}"),
    )
    .expect("serve");
}
