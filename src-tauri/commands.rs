//! Tauri commands: unpack state, call core, map the error. No rules live here.

use crate::clipboard;
use crate::state::AppState;
use tauri::{AppHandle, State};
use tokendesk_core::model::*;
use tokendesk_core::secret::SecretString;
use tokendesk_core::ApiError;

type Res<T> = Result<T, ApiError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    let r = state.ready()?;
    Ok(r.core.info(&r.session)?)
}

#[tauri::command]
pub fn retry_open(state: State<'_, AppState>) -> Res<AppInfo> {
    let r = state.retry()?;
    Ok(r.core.info(&r.session)?)
}

#[tauri::command]
pub fn list_tokens(state: State<'_, AppState>, query: ListQuery) -> Res<ListPage> {
    let r = state.ready()?;
    Ok(r.core.list_tokens(&r.session, &query)?)
}

#[tauri::command]
pub fn create_token(state: State<'_, AppState>, request: CreateTokenRequest) -> Res<CreatedToken> {
    let r = state.ready()?;
    Ok(r.core.create_token(&r.session, request)?)
}

#[tauri::command]
pub fn rename_token(state: State<'_, AppState>, id: String, name: String) -> Res<TokenMeta> {
    let r = state.ready()?;
    Ok(r.core.rename_token(&r.session, &id, &name)?)
}

#[tauri::command]
pub fn revoke_token(
    state: State<'_, AppState>,
    id: String,
    reason: Option<String>,
) -> Res<TokenMeta> {
    let r = state.ready()?;
    Ok(r.core.revoke_token(&r.session, &id, reason.as_deref())?)
}

#[tauri::command]
pub fn copy_token(app: AppHandle, token: String) -> Res<()> {
    clipboard::copy_and_clear_later(&app, SecretString::from(token))
}

#[tauri::command]
pub fn save_token_to_keyring(
    state: State<'_, AppState>,
    id: String,
    token: String,
) -> Res<KeyringCopy> {
    let r = state.ready()?;
    Ok(r.core.save_token_copy(
        &r.session,
        &state.user_keyring,
        &id,
        &SecretString::from(token),
    )?)
}
