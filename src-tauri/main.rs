//! Entry point: the desktop app, or a headless subcommand (see cli.rs).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;

fn main() {
    let cli = tokendesk_app::cli::Cli::parse();
    match cli.command {
        None => tokendesk_app::run(cli.data_dir),
        Some(command) => std::process::exit(tokendesk_app::cli::run(cli.data_dir, command)),
    }
}
