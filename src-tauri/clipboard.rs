//! The platform clipboard for core's clear-after-30-seconds rule; only a digest of the copied
//! token is kept while waiting.

use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tokendesk_core::clipboard::{clear_if_unchanged, Clipboard, CopiedDigest, CLEAR_AFTER_SECS};
use tokendesk_core::secret::{ExposeSecret, SecretString};
use tokendesk_core::{ApiError, ErrorCode};

struct Platform<'a, R: Runtime>(&'a AppHandle<R>);

impl<R: Runtime> Clipboard for Platform<'_, R> {
    fn read_text(&self) -> Option<String> {
        self.0.clipboard().read_text().ok()
    }
    fn clear(&self) {
        if let Err(e) = self.0.clipboard().clear() {
            log::warn!("could not clear the clipboard: {e}");
        }
    }
}

pub fn copy_and_clear_later<R: Runtime>(
    app: &AppHandle<R>,
    token: SecretString,
) -> Result<(), ApiError> {
    let digest = CopiedDigest::of(token.expose_secret());
    app.clipboard()
        .write_secret(token.expose_secret())
        .map_err(|e| ApiError {
            code: ErrorCode::Internal,
            message: format!("Could not copy to the clipboard: {e}"),
        })?;
    drop(token);
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(CLEAR_AFTER_SECS));
        if clear_if_unchanged(&Platform(&app), &digest) {
            log::info!("cleared the copied token from the clipboard");
        }
    });
    Ok(())
}
