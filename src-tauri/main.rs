//! Entry point: the desktop app, or a headless subcommand (see cli.rs).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use clap::Parser;

fn main() {
    let cli = tokendesk_app::cli::Cli::parse();
    if cli.command.is_none() {
        tokendesk_app::run(cli.data_dir);
    } else {
        std::process::exit(tokendesk_app::cli::run(cli));
    }
}
