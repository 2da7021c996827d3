//! Legacy key import: the OS open dialog (dialog plugin) picks the file and Rust reads it, so
//! the plain keys it holds never pass through the web view and are wiped after hashing.

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tokendesk_core::authority::Authority;
use tokendesk_core::model::{LegacyImportReport, ListQuery};
use tokendesk_core::{ApiError, ErrorCode};

/// Runs on the blocking pool (never the main thread), where the blocking dialog is allowed.
/// `None` when the person cancelled.
pub fn legacy_keys_from_chosen_file<R: Runtime>(
    app: &AppHandle<R>,
    a: &dyn Authority,
) -> Result<Option<LegacyImportReport>, ApiError> {
    // Permission first, so a person who may not import is not asked for a file.
    a.list_legacy_keys(&ListQuery {
        limit: 1,
        ..Default::default()
    })?;
    let chosen = app
        .dialog()
        .file()
        .set_title("Import legacy API keys")
        .add_filter("CSV or JSON", &["csv", "json"])
        .blocking_pick_file();
    let Some(path) = chosen else { return Ok(None) };
    let path = path.into_path().map_err(|e| ApiError {
        code: ErrorCode::InvalidInput,
        message: format!("Not a file path: {e}"),
    })?;
    let bytes = zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| ApiError {
        code: ErrorCode::InvalidInput,
        message: format!("Cannot read {}: {e}", path.display()),
    })?);
    Ok(Some(a.import_legacy_keys(&bytes)?))
}
