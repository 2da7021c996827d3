//! Tauri commands: unpack arguments, call core on the blocking pool, map the error. No rules
//! live here. Every command is async and runs its core call off the main thread: Argon2, a
//! SQLite lock wait, the keyring or a network round trip must never freeze the window.

use crate::state::AppState;
use crate::{clipboard, export};
use tauri::{AppHandle, Manager};
use tokendesk_core::authority::Authority;
use tokendesk_core::model::*;
use tokendesk_core::secret::SecretString;
use tokendesk_core::{ApiError, Tokendesk};

type Res<T> = Result<T, ApiError>;

/// Runs `f` with the app's state on the blocking pool.
async fn on_pool<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&AppState) -> Res<T> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| ApiError {
            code: tokendesk_core::ErrorCode::Internal,
            message: format!("A background task failed: {e}"),
        })?
}

/// Runs `f` with what the window works on (the signed-in person's authority) on the
/// blocking pool.
async fn with_authority<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&dyn Authority) -> Res<T> + Send + 'static,
) -> Res<T> {
    on_pool(app, move |st| {
        let authority = st.authority()?;
        f(&*authority).inspect_err(|e| st.session_refused(&authority, e))
    })
    .await
}

/// Switch user on the local authority: a new session, then who is now signed in.
async fn switch_session(
    app: AppHandle,
    f: impl FnOnce(&Tokendesk) -> tokendesk_core::Result<Session> + Send + 'static,
) -> Res<AppInfo> {
    on_pool(app, move |st| {
        let (core, _) = st.ready()?;
        st.set_session(f(&core)?)?;
        st.authority()?.info()
    })
    .await
}

#[tauri::command]
pub async fn app_info(app: AppHandle) -> Res<AppInfo> {
    with_authority(app, |a| a.info()).await
}

#[tauri::command]
pub async fn retry_open(app: AppHandle) -> Res<AppInfo> {
    on_pool(app, |st| st.retry()?.info()).await
}

/// One token, fresh (a notification's click opens it).
#[tauri::command]
pub async fn get_token(app: AppHandle, id: String) -> Res<TokenMeta> {
    with_authority(app, move |a| a.get_token(&id)).await
}

#[tauri::command]
pub async fn list_tokens(app: AppHandle, query: ListQuery) -> Res<ListPage> {
    with_authority(app, move |a| a.list_tokens(&query)).await
}

#[tauri::command]
pub async fn create_token(app: AppHandle, request: CreateTokenRequest) -> Res<CreatedToken> {
    with_authority(app, move |a| a.create_token(request)).await
}

#[tauri::command]
pub async fn rename_token(app: AppHandle, id: String, name: String) -> Res<TokenMeta> {
    with_authority(app, move |a| a.rename_token(&id, &name)).await
}

#[tauri::command]
pub async fn revoke_token(app: AppHandle, id: String, reason: Option<String>) -> Res<TokenMeta> {
    with_authority(app, move |a| a.revoke_token(&id, reason.as_deref())).await
}

#[tauri::command]
pub async fn copy_token(app: AppHandle, token: String) -> Res<()> {
    let token = SecretString::from(token);
    on_pool(app.clone(), move |_| {
        clipboard::copy_and_clear_later(&app, token)
    })
    .await
}

#[tauri::command]
pub async fn save_token_to_keyring(app: AppHandle, id: String, token: String) -> Res<KeyringCopy> {
    let token = SecretString::from(token);
    on_pool(app, move |st| {
        st.authority()?
            .save_token_copy(&st.user_keyring, &id, &token)
    })
    .await
}

#[tauri::command]
pub async fn list_users(app: AppHandle) -> Res<Vec<User>> {
    with_authority(app, |a| a.list_users()).await
}

#[tauri::command]
pub async fn create_user(app: AppHandle, user: NewUser) -> Res<User> {
    with_authority(app, move |a| a.create_user(user)).await
}

#[tauri::command]
pub async fn update_user(app: AppHandle, id: String, update: UserUpdate) -> Res<User> {
    with_authority(app, move |a| a.update_user(&id, update)).await
}

#[tauri::command]
pub async fn set_user_active(app: AppHandle, id: String, active: bool) -> Res<User> {
    with_authority(app, move |a| a.set_user_active(&id, active)).await
}

#[tauri::command]
pub async fn remove_user(app: AppHandle, id: String) -> Res<User> {
    with_authority(app, move |a| a.remove_user(&id)).await
}

#[tauri::command]
pub async fn set_password(app: AppHandle, id: String, password: String) -> Res<User> {
    let password = SecretString::from(password);
    with_authority(app, move |a| a.set_password(&id, &password)).await
}

#[tauri::command]
pub async fn change_password(app: AppHandle, current: Option<String>, new: String) -> Res<()> {
    let (current, new) = (current.map(SecretString::from), SecretString::from(new));
    on_pool(app, move |st| st.change_password(current.as_ref(), &new)).await
}

#[tauri::command]
pub async fn list_roles(app: AppHandle) -> Res<Vec<Role>> {
    with_authority(app, |a| a.list_roles()).await
}

#[tauri::command]
pub async fn update_role(app: AppHandle, id: String, permissions: Permissions) -> Res<Role> {
    with_authority(app, move |a| a.update_role(&id, permissions)).await
}

#[tauri::command]
pub async fn get_settings(app: AppHandle) -> Res<Settings> {
    with_authority(app, |a| a.settings()).await
}

#[tauri::command]
pub async fn update_settings(app: AppHandle, settings: Settings) -> Res<Settings> {
    with_authority(app, move |a| a.update_settings(settings)).await
}

#[tauri::command]
pub async fn start_impersonation(app: AppHandle, user_id: String) -> Res<AppInfo> {
    with_authority(app, move |a| a.start_impersonation(&user_id)).await
}

#[tauri::command]
pub async fn stop_impersonation(app: AppHandle) -> Res<AppInfo> {
    with_authority(app, |a| a.stop_impersonation()).await
}

#[tauri::command]
pub async fn switch_user(app: AppHandle, email: String, password: String) -> Res<AppInfo> {
    let password = SecretString::from(password);
    switch_session(app, move |c| c.sign_in(&email, &password)).await
}

#[tauri::command]
pub async fn switch_to_local_owner(app: AppHandle) -> Res<AppInfo> {
    switch_session(app, |c| Ok(c.local_session())).await
}

#[tauri::command]
pub async fn list_audit(app: AppHandle, query: AuditQuery) -> Res<AuditPage> {
    with_authority(app, move |a| a.list_audit(&query)).await
}

#[tauri::command]
pub async fn verify_audit_chain(app: AppHandle) -> Res<ChainReport> {
    with_authority(app, |a| a.verify_audit_chain()).await
}

/// Asks where to save (OS dialog), then writes; `None` when the person cancelled.
#[tauri::command]
pub async fn export_audit(
    app: AppHandle,
    format: ExportFormat,
    query: AuditQuery,
) -> Res<Option<String>> {
    let dialog = app.clone();
    on_pool(app, move |st| {
        export::audit_to_chosen_file(&dialog, &*st.authority()?, format, &query)
    })
    .await
}

#[tauri::command]
pub async fn service_status(app: AppHandle) -> Res<ServiceStatus> {
    on_pool(app, |st| {
        let (core, s) = st.ready()?;
        Ok(st.service.status(&core.service_settings(&s)?))
    })
    .await
}

/// Saves the settings, then stops and (if enabled) restarts the service with them; stopping
/// waits for requests in flight (at most a few seconds).
#[tauri::command]
pub async fn update_service_settings(
    app: AppHandle,
    settings: ServiceSettings,
) -> Res<ServiceStatus> {
    on_pool(app, move |st| {
        let (core, s) = st.ready()?;
        Ok(st
            .service
            .apply(&core, &core.update_service_settings(&s, settings)?))
    })
    .await
}

/// "Test it" in the reveal dialog: `GET /api/users/me` on the running service.
#[tauri::command]
pub async fn test_token(app: AppHandle, token: String) -> Res<TestResult> {
    let token = SecretString::from(token);
    let server = app.state::<AppState>().server();
    match server {
        Some(server) => on_pool(app, move |_| server.test_token(&token)).await,
        None => Ok(app.state::<AppState>().service.test(&token).await?),
    }
}

#[tauri::command]
pub async fn token_usage(app: AppHandle, id: String) -> Res<TokenUsage> {
    with_authority(app, move |a| a.token_usage(&id, 30)).await
}

#[tauri::command]
pub async fn list_tenants(app: AppHandle) -> Res<Vec<Tenant>> {
    with_authority(app, |a| a.list_tenants()).await
}

#[tauri::command]
pub async fn create_tenant(app: AppHandle, name: String) -> Res<Tenant> {
    with_authority(app, move |a| a.create_tenant(&name)).await
}

#[tauri::command]
pub async fn rename_tenant(app: AppHandle, id: String, name: String) -> Res<Tenant> {
    with_authority(app, move |a| a.rename_tenant(&id, &name)).await
}

#[tauri::command]
pub async fn set_tenant_member(
    app: AppHandle,
    tenant_id: String,
    user_id: String,
    member: bool,
) -> Res<User> {
    with_authority(app, move |a| {
        a.set_tenant_member(&tenant_id, &user_id, member)
    })
    .await
}

/// A service user's OAuth client credentials (new, or a new secret); the secret is shown once.
#[tauri::command]
pub async fn set_client_credentials(app: AppHandle, id: String) -> Res<ClientCredentials> {
    with_authority(app, move |a| a.set_client_credentials(&id)).await
}

/// Settings → Signing keys: the keys that sign JWT access tokens, newest first.
#[tauri::command]
pub async fn signing_keys(app: AppHandle) -> Res<Vec<SigningKeyInfo>> {
    with_authority(app, |a| a.signing_keys()).await
}

/// A new signing key from now on; the old one stays published while its tokens live.
#[tauri::command]
pub async fn rotate_signing_key(app: AppHandle) -> Res<Vec<SigningKeyInfo>> {
    with_authority(app, |a| a.rotate_signing_key()).await
}

/// Settings → Webhooks (owners): the endpoints a team server sends token events to.
#[tauri::command]
pub async fn list_webhooks(app: AppHandle) -> Res<Vec<WebhookEndpoint>> {
    with_authority(app, |a| a.list_webhooks()).await
}

/// A new endpoint; its signing secret is shown once.
#[tauri::command]
pub async fn create_webhook(app: AppHandle, endpoint: NewWebhookEndpoint) -> Res<WebhookSecret> {
    with_authority(app, move |a| a.create_webhook(endpoint)).await
}

#[tauri::command]
pub async fn update_webhook(
    app: AppHandle,
    id: String,
    update: WebhookEndpointUpdate,
) -> Res<WebhookEndpoint> {
    with_authority(app, move |a| a.update_webhook(&id, update)).await
}

#[tauri::command]
pub async fn delete_webhook(app: AppHandle, id: String) -> Res<WebhookEndpoint> {
    with_authority(app, move |a| a.delete_webhook(&id)).await
}

/// A new signing secret, shown once; the old one also signs for a day.
#[tauri::command]
pub async fn roll_webhook_secret(app: AppHandle, id: String) -> Res<WebhookSecret> {
    with_authority(app, move |a| a.roll_webhook_secret(&id)).await
}

/// The endpoint's delivery log, newest first.
#[tauri::command]
pub async fn webhook_deliveries(app: AppHandle, id: String) -> Res<Vec<WebhookDelivery>> {
    with_authority(app, move |a| a.webhook_deliveries(&id)).await
}

/// Rotate: the successor is shown once, like any new token; the old one works for `grace`.
#[tauri::command]
pub async fn rotate_token(app: AppHandle, id: String, grace: RotationGrace) -> Res<CreatedToken> {
    with_authority(app, move |a| a.rotate_token(&id, grace)).await
}

/// Revoke selected tokens, or all a filter matches; `dryRun` only counts and lists them.
#[tauri::command]
pub async fn bulk_revoke(app: AppHandle, request: BulkRevokeRequest) -> Res<BulkRevokeResult> {
    with_authority(app, move |a| a.bulk_revoke(&request)).await
}

/// Settings → Legacy API keys, and the Migration screen's summary.
#[tauri::command]
pub async fn legacy_settings(app: AppHandle) -> Res<LegacySettings> {
    with_authority(app, |a| a.legacy_settings()).await
}

#[tauri::command]
pub async fn update_legacy_settings(
    app: AppHandle,
    settings: LegacySettings,
) -> Res<LegacySettings> {
    with_authority(app, move |a| a.update_legacy_settings(settings)).await
}

/// Asks for the import file (OS dialog) and imports it; `None` when the person cancelled.
#[tauri::command]
pub async fn import_legacy_keys(app: AppHandle) -> Res<Option<LegacyImportReport>> {
    let dialog = app.clone();
    on_pool(app, move |st| {
        crate::import::legacy_keys_from_chosen_file(&dialog, &*st.authority()?)
    })
    .await
}

#[tauri::command]
pub async fn list_legacy_keys(app: AppHandle, query: ListQuery) -> Res<ListPage> {
    with_authority(app, move |a| a.list_legacy_keys(&query)).await
}

#[tauri::command]
pub async fn retire_legacy_key(app: AppHandle, id: String) -> Res<TokenMeta> {
    with_authority(app, move |a| a.retire_legacy_key(&id)).await
}

/// "Create a bearer token for this integration": the token is shown once, like any new token.
#[tauri::command]
pub async fn replace_legacy_key(
    app: AppHandle,
    id: String,
    request: CreateTokenRequest,
) -> Res<CreatedToken> {
    with_authority(app, move |a| a.replace_legacy_key(&id, request)).await
}

/// Where the window's authority is: this computer, or a team server (and whether signed in).
#[tauri::command]
pub async fn connection_info(app: AppHandle) -> Res<Connection> {
    on_pool(app, |st| Ok(st.connection())).await
}

/// Signs in to a team server (also again after a session ended); `caPem` is the server's
/// private CA certificate, if it has one.
#[tauri::command]
pub async fn connect_server(
    app: AppHandle,
    server: String,
    email: String,
    password: String,
    ca_pem: Option<String>,
) -> Res<AppInfo> {
    let password = SecretString::from(password);
    on_pool(app, move |st| {
        st.connect(
            &server,
            &email,
            &password,
            ca_pem.as_deref().map(str::as_bytes),
        )
    })
    .await
}

/// First run: creates the authority on this computer and opens it.
#[tauri::command]
pub async fn create_local_authority(app: AppHandle) -> Res<AppInfo> {
    on_pool(app, |st| st.create_local()?.info()).await
}

/// Signs out of the team server; `false` if the server could not confirm.
#[tauri::command]
pub async fn sign_out_server(app: AppHandle) -> Res<bool> {
    on_pool(app, |st| st.sign_out()).await
}
