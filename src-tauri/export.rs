//! Audit export: the OS save dialog (dialog plugin) picks the file, core writes it. The path
//! never comes from the web view, so the page cannot make the app write elsewhere.

use std::io::BufWriter;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tokendesk_core::authority::Authority;
use tokendesk_core::model::{AuditQuery, ExportFormat};
use tokendesk_core::{ApiError, ErrorCode};

/// Runs on the async runtime (never the main thread), where the blocking dialog is allowed.
pub fn audit_to_chosen_file<R: Runtime>(
    app: &AppHandle<R>,
    a: &dyn Authority,
    format: ExportFormat,
    q: &AuditQuery,
) -> Result<Option<String>, ApiError> {
    // Permission first, so a person without view_audit is not asked for a file.
    a.list_audit(&AuditQuery {
        limit: 1,
        ..Default::default()
    })?;
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    };
    let chosen = app
        .dialog()
        .file()
        .add_filter(ext.to_uppercase(), &[ext])
        .set_file_name(format!("tokendesk-audit.{ext}"))
        .blocking_save_file();
    let Some(path) = chosen else { return Ok(None) };
    let path = path
        .into_path()
        .map_err(|e| internal(format!("not a file path: {e}")))?;
    let file = std::fs::File::create(&path)
        .map_err(|e| internal(format!("cannot create {}: {e}", path.display())))?;
    a.export_audit(q, format, &mut BufWriter::new(file))?;
    Ok(Some(path.display().to_string()))
}

fn internal(message: String) -> ApiError {
    ApiError {
        code: ErrorCode::Internal,
        message,
    }
}
