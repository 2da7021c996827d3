//! The desktop app: Tauri set-up, plugins and the command table over tokendesk-core.

mod alerts;
pub mod cli;
mod cli_admin;
mod clipboard;
mod commands;
mod export;
mod import;
pub mod login;
pub mod state;
mod window;

use std::path::PathBuf;
use tauri::Manager;

/// `--data-dir` / `TOKENDESK_DATA_DIR` (parsed by the CLI) override the platform app-data
/// directory; tests use temp dirs.
fn data_dir(app: &tauri::App, chosen: Option<PathBuf>) -> PathBuf {
    chosen.unwrap_or_else(|| {
        app.path()
            .app_data_dir()
            .expect("the platform has an app-data directory")
    })
}

pub fn run(chosen_data_dir: Option<PathBuf>) {
    window::software_compositing();
    tauri::Builder::default()
        // First, so a second launch only focuses the running window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir {
                        file_name: None,
                    }),
                ])
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let state = state::AppState::open(data_dir(app, chosen_data_dir.clone()));
            app.manage(state);
            window::fit_first_window(app);
            alerts::start(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::retry_open,
            commands::list_tokens,
            commands::get_token,
            commands::create_token,
            commands::rename_token,
            commands::revoke_token,
            commands::copy_token,
            commands::save_token_to_keyring,
            commands::list_users,
            commands::create_user,
            commands::update_user,
            commands::set_user_active,
            commands::remove_user,
            commands::set_password,
            commands::change_password,
            commands::list_roles,
            commands::update_role,
            commands::get_settings,
            commands::update_settings,
            commands::start_impersonation,
            commands::stop_impersonation,
            commands::switch_user,
            commands::switch_to_local_owner,
            commands::list_audit,
            commands::verify_audit_chain,
            commands::export_audit,
            commands::service_status,
            commands::update_service_settings,
            commands::test_token,
            commands::token_usage,
            commands::list_tenants,
            commands::create_tenant,
            commands::rename_tenant,
            commands::set_tenant_member,
            commands::connection_info,
            commands::connect_server,
            commands::sign_out_server,
            commands::create_local_authority,
            commands::signing_keys,
            commands::rotate_signing_key,
            commands::list_webhooks,
            commands::create_webhook,
            commands::update_webhook,
            commands::delete_webhook,
            commands::roll_webhook_secret,
            commands::webhook_deliveries,
            commands::set_client_credentials,
            commands::rotate_token,
            commands::bulk_revoke,
            commands::legacy_settings,
            commands::update_legacy_settings,
            commands::import_legacy_keys,
            commands::list_legacy_keys,
            commands::retire_legacy_key,
            commands::replace_legacy_key,
        ])
        .build(tauri::generate_context!())
        .expect("error while building Tokendesk")
        .run(|app, event| {
            // Stop the verification service cleanly so its last usage counts are written.
            if let tauri::RunEvent::Exit = event {
                app.state::<state::AppState>().service.shutdown();
            }
        });
}
