//! Tauri commands: unpack state, call core, map the error. No rules live here.

use crate::state::AppState;
use crate::{clipboard, export};
use tauri::{AppHandle, State};
use tokendesk_core::model::*;
use tokendesk_core::secret::SecretString;
use tokendesk_core::ApiError;

type Res<T> = Result<T, ApiError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    let (core, s) = state.ready()?;
    Ok(core.info(&s)?)
}

#[tauri::command]
pub fn retry_open(state: State<'_, AppState>) -> Res<AppInfo> {
    let (core, s) = state.retry()?;
    Ok(core.info(&s)?)
}

#[tauri::command]
pub fn list_tokens(state: State<'_, AppState>, query: ListQuery) -> Res<ListPage> {
    let (core, s) = state.ready()?;
    Ok(core.list_tokens(&s, &query)?)
}

#[tauri::command]
pub fn create_token(state: State<'_, AppState>, request: CreateTokenRequest) -> Res<CreatedToken> {
    let (core, s) = state.ready()?;
    Ok(core.create_token(&s, request)?)
}

#[tauri::command]
pub fn rename_token(state: State<'_, AppState>, id: String, name: String) -> Res<TokenMeta> {
    let (core, s) = state.ready()?;
    Ok(core.rename_token(&s, &id, &name)?)
}

#[tauri::command]
pub fn revoke_token(
    state: State<'_, AppState>,
    id: String,
    reason: Option<String>,
) -> Res<TokenMeta> {
    let (core, s) = state.ready()?;
    Ok(core.revoke_token(&s, &id, reason.as_deref())?)
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
    let (core, s) = state.ready()?;
    Ok(core.save_token_copy(&s, &state.user_keyring, &id, &SecretString::from(token))?)
}

#[tauri::command]
pub fn list_users(state: State<'_, AppState>) -> Res<Vec<User>> {
    let (core, s) = state.ready()?;
    Ok(core.list_users(&s)?)
}

#[tauri::command]
pub fn create_user(state: State<'_, AppState>, user: NewUser) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.create_user(&s, user)?)
}

#[tauri::command]
pub fn update_user(state: State<'_, AppState>, id: String, update: UserUpdate) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.update_user(&s, &id, update)?)
}

#[tauri::command]
pub fn set_user_active(state: State<'_, AppState>, id: String, active: bool) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.set_user_active(&s, &id, active)?)
}

#[tauri::command]
pub fn remove_user(state: State<'_, AppState>, id: String) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.remove_user(&s, &id)?)
}

#[tauri::command]
pub fn set_password(state: State<'_, AppState>, id: String, password: String) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.set_password(&s, &id, &SecretString::from(password))?)
}

#[tauri::command]
pub fn change_password(
    state: State<'_, AppState>,
    current: Option<String>,
    new: String,
) -> Res<()> {
    let (core, s) = state.ready()?;
    Ok(core.change_own_password(
        &s,
        current.map(SecretString::from).as_ref(),
        &SecretString::from(new),
    )?)
}

#[tauri::command]
pub fn list_roles(state: State<'_, AppState>) -> Res<Vec<Role>> {
    let (core, s) = state.ready()?;
    Ok(core.list_roles(&s)?)
}

#[tauri::command]
pub fn update_role(state: State<'_, AppState>, id: String, permissions: Permissions) -> Res<Role> {
    let (core, s) = state.ready()?;
    Ok(core.update_role(&s, &id, permissions)?)
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Res<Settings> {
    let (core, s) = state.ready()?;
    Ok(core.settings(&s)?)
}

#[tauri::command]
pub fn update_settings(state: State<'_, AppState>, settings: Settings) -> Res<Settings> {
    let (core, s) = state.ready()?;
    Ok(core.update_settings(&s, settings)?)
}

#[tauri::command]
pub fn start_impersonation(state: State<'_, AppState>, user_id: String) -> Res<AppInfo> {
    let (core, s) = state.ready()?;
    state.set_session(core.start_impersonation(&s, &user_id)?);
    app_info(state)
}

#[tauri::command]
pub fn stop_impersonation(state: State<'_, AppState>) -> Res<AppInfo> {
    let (core, s) = state.ready()?;
    state.set_session(core.stop_impersonation(&s)?);
    app_info(state)
}

#[tauri::command]
pub fn switch_user(state: State<'_, AppState>, email: String, password: String) -> Res<AppInfo> {
    let (core, _) = state.ready()?;
    state.set_session(core.sign_in(&email, &SecretString::from(password))?);
    app_info(state)
}

#[tauri::command]
pub fn switch_to_local_owner(state: State<'_, AppState>) -> Res<AppInfo> {
    let (core, _) = state.ready()?;
    state.set_session(core.local_session());
    app_info(state)
}

#[tauri::command]
pub fn list_audit(state: State<'_, AppState>, query: AuditQuery) -> Res<AuditPage> {
    let (core, s) = state.ready()?;
    Ok(core.list_audit(&s, &query)?)
}

#[tauri::command]
pub fn verify_audit_chain(state: State<'_, AppState>) -> Res<ChainReport> {
    let (core, s) = state.ready()?;
    Ok(core.verify_audit_chain(&s)?)
}

/// Asks where to save (OS dialog), then writes; `None` when the person cancelled.
#[tauri::command]
pub async fn export_audit(
    app: AppHandle,
    state: State<'_, AppState>,
    format: ExportFormat,
    query: AuditQuery,
) -> Res<Option<String>> {
    let (core, s) = state.ready()?;
    export::audit_to_chosen_file(&app, &core, &s, format, &query)
}

#[tauri::command]
pub fn service_status(state: State<'_, AppState>) -> Res<ServiceStatus> {
    let (core, s) = state.ready()?;
    Ok(state.service.status(&core.service_settings(&s)?))
}

/// Saves the settings, then stops and (if enabled) restarts the service with them. Off the
/// main thread: stopping waits for requests in flight (at most a few seconds).
#[tauri::command(async)]
pub fn update_service_settings(
    state: State<'_, AppState>,
    settings: ServiceSettings,
) -> Res<ServiceStatus> {
    let (core, s) = state.ready()?;
    Ok(state
        .service
        .apply(&core, &core.update_service_settings(&s, settings)?))
}

/// "Test it" in the reveal dialog: `GET /api/users/me` on the running service.
#[tauri::command]
pub async fn test_token(state: State<'_, AppState>, token: String) -> Res<TestResult> {
    Ok(state.service.test(&SecretString::from(token)).await?)
}

#[tauri::command]
pub fn token_usage(state: State<'_, AppState>, id: String) -> Res<TokenUsage> {
    let (core, s) = state.ready()?;
    Ok(core.token_usage(&s, &id, 30)?)
}

#[tauri::command]
pub fn list_tenants(state: State<'_, AppState>) -> Res<Vec<Tenant>> {
    let (core, s) = state.ready()?;
    Ok(core.list_tenants(&s)?)
}

#[tauri::command]
pub fn create_tenant(state: State<'_, AppState>, name: String) -> Res<Tenant> {
    let (core, s) = state.ready()?;
    Ok(core.create_tenant(&s, &name)?)
}

#[tauri::command]
pub fn rename_tenant(state: State<'_, AppState>, id: String, name: String) -> Res<Tenant> {
    let (core, s) = state.ready()?;
    Ok(core.rename_tenant(&s, &id, &name)?)
}

#[tauri::command]
pub fn set_tenant_member(
    state: State<'_, AppState>,
    tenant_id: String,
    user_id: String,
    member: bool,
) -> Res<User> {
    let (core, s) = state.ready()?;
    Ok(core.set_tenant_member(&s, &tenant_id, &user_id, member)?)
}
