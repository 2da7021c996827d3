//! Entry point of the desktop app; everything else is in the library so tests can reach it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tokendesk_app::run();
}
