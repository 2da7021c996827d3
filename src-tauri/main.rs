//! Entry point: the desktop app, or a headless subcommand (see cli.rs).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;

// `tokendesk serve` allocates a little per request; glibc's allocator spent about a fifth of a
// busy server's time (docs/benchmarks.md), mimalloc a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = tokendesk_app::cli::Cli::parse();
    if cli.command.is_none() {
        tokendesk_app::run(cli.data_dir);
    } else {
        std::process::exit(tokendesk_app::cli::run(cli));
    }
}
