//! For tests/bench/ui-figures.sh: creates the desktop's authority in DIR (its hash key in the
//! OS keyring, as the app keeps it) with COUNT seeded tokens, so a release build of the app can
//! be measured on a large list. Run it in the same D-Bus session and keyring as the app.

use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::service::KEYRING_SERVICE;
use tokendesk_core::{OpenOptions, SystemClock, Tokendesk};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, count] = args.as_slice() else {
        eprintln!("usage: seed_desktop DIR COUNT");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("COUNT is a number");
    let keyring = KeyringStore::new(KEYRING_SERVICE, Duration::from_secs(10));
    let td = Tokendesk::open(OpenOptions::new(dir, Arc::new(SystemClock)), &keyring)
        .expect("the authority opens");
    let owner = td.local_session();
    let started = std::time::Instant::now();
    td.seed_tokens(&owner, count, |_, _| {}).expect("seeding");
    println!(
        "seeded {count} tokens in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
