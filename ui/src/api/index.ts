// The only module that talks to the Rust side. Every command is a typed function here; the
// shapes come from ts-rs (./bindings), so a Rust change that breaks the UI breaks the build.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { AuditPage } from "./bindings/AuditPage";
import type { AuditQuery } from "./bindings/AuditQuery";
import type { BulkRevokeRequest } from "./bindings/BulkRevokeRequest";
import type { BulkRevokeResult } from "./bindings/BulkRevokeResult";
import type { ChainReport } from "./bindings/ChainReport";
import type { ClientCredentials } from "./bindings/ClientCredentials";
import type { Connection } from "./bindings/Connection";
import type { CreateTokenRequest } from "./bindings/CreateTokenRequest";
import type { CreatedToken } from "./bindings/CreatedToken";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { KeyringCopy } from "./bindings/KeyringCopy";
import type { LegacyImportReport } from "./bindings/LegacyImportReport";
import type { LegacySettings } from "./bindings/LegacySettings";
import type { ListPage } from "./bindings/ListPage";
import type { ListQuery } from "./bindings/ListQuery";
import type { NewUser } from "./bindings/NewUser";
import type { Permissions } from "./bindings/Permissions";
import type { Role } from "./bindings/Role";
import type { RotationGrace } from "./bindings/RotationGrace";
import type { ServiceSettings } from "./bindings/ServiceSettings";
import type { ServiceStatus } from "./bindings/ServiceStatus";
import type { Settings } from "./bindings/Settings";
import type { SigningKeyInfo } from "./bindings/SigningKeyInfo";
import type { Tenant } from "./bindings/Tenant";
import type { TestResult } from "./bindings/TestResult";
import type { TokenUsage } from "./bindings/TokenUsage";
import type { TokenMeta } from "./bindings/TokenMeta";
import type { User } from "./bindings/User";
import type { UserUpdate } from "./bindings/UserUpdate";
import type { NewWebhookEndpoint } from "./bindings/NewWebhookEndpoint";
import type { WebhookDelivery } from "./bindings/WebhookDelivery";
import type { WebhookEndpoint } from "./bindings/WebhookEndpoint";
import type { WebhookEndpointUpdate } from "./bindings/WebhookEndpointUpdate";
import type { WebhookSecret } from "./bindings/WebhookSecret";

export type { ApiError } from "./bindings/ApiError";
export type { AppInfo } from "./bindings/AppInfo";
export type { AuditAction } from "./bindings/AuditAction";
export type { AuditEvent } from "./bindings/AuditEvent";
export type { AuditPage } from "./bindings/AuditPage";
export type { AuditQuery } from "./bindings/AuditQuery";
export type { BulkRevokeRequest } from "./bindings/BulkRevokeRequest";
export type { BulkRevokeResult } from "./bindings/BulkRevokeResult";
export type { ChainReport } from "./bindings/ChainReport";
export type { ClientCredentials } from "./bindings/ClientCredentials";
export type { Connection } from "./bindings/Connection";
export type { ConnectionMode } from "./bindings/ConnectionMode";
export type { CreateTokenRequest } from "./bindings/CreateTokenRequest";
export type { CreatedToken } from "./bindings/CreatedToken";
export type { ErrorCode } from "./bindings/ErrorCode";
export type { ExpiryChoice } from "./bindings/ExpiryChoice";
export type { ExpiryPolicy } from "./bindings/ExpiryPolicy";
export type { ExpiryPreset } from "./bindings/ExpiryPreset";
export type { ExportFormat } from "./bindings/ExportFormat";
export type { KeyringCopy } from "./bindings/KeyringCopy";
export type { LegacyImportProblem } from "./bindings/LegacyImportProblem";
export type { LegacyImportReport } from "./bindings/LegacyImportReport";
export type { LegacyMode } from "./bindings/LegacyMode";
export type { LegacySettings } from "./bindings/LegacySettings";
export type { AlertSettings } from "./bindings/AlertSettings";
export type { ListCount } from "./bindings/ListCount";
export type { ListPage } from "./bindings/ListPage";
export type { ListQuery } from "./bindings/ListQuery";
export type { ListScope } from "./bindings/ListScope";
export type { NewUser } from "./bindings/NewUser";
export type { Permissions } from "./bindings/Permissions";
export type { Role } from "./bindings/Role";
export type { RotateRequest } from "./bindings/RotateRequest";
export type { RotationGrace } from "./bindings/RotationGrace";
export type { Scope } from "./bindings/Scope";
export type { ServiceSettings } from "./bindings/ServiceSettings";
export type { ServiceStatus } from "./bindings/ServiceStatus";
export type { SessionInfo } from "./bindings/SessionInfo";
export type { Settings } from "./bindings/Settings";
export type { SigningKeyInfo } from "./bindings/SigningKeyInfo";
export type { SortDir } from "./bindings/SortDir";
export type { SortKey } from "./bindings/SortKey";
export type { Tenant } from "./bindings/Tenant";
export type { TestResult } from "./bindings/TestResult";
export type { TokenFilter } from "./bindings/TokenFilter";
export type { TokenKind } from "./bindings/TokenKind";
export type { TokenMeta } from "./bindings/TokenMeta";
export type { TokenStatus } from "./bindings/TokenStatus";
export type { TokenUsage } from "./bindings/TokenUsage";
export type { UsageDay } from "./bindings/UsageDay";
export type { User } from "./bindings/User";
export type { UserKind } from "./bindings/UserKind";
export type { UserStatus } from "./bindings/UserStatus";
export type { UserUpdate } from "./bindings/UserUpdate";
export type { DeliveryStatus } from "./bindings/DeliveryStatus";
export type { NewWebhookEndpoint } from "./bindings/NewWebhookEndpoint";
export type { WebhookDelivery } from "./bindings/WebhookDelivery";
export type { WebhookEndpoint } from "./bindings/WebhookEndpoint";
export type { WebhookEndpointUpdate } from "./bindings/WebhookEndpointUpdate";
export type { WebhookEvent } from "./bindings/WebhookEvent";
export type { WebhookSecret } from "./bindings/WebhookSecret";

// A Record keyed by the generated union: adding a code in Rust fails the typecheck here until
// it is listed.
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  invalid_name: true,
  name_taken: true,
  invalid_expiry: true,
  invalid_token: true,
  not_found: true,
  already_revoked: true,
  token_revoked: true,
  database_busy: true,
  database_unavailable: true,
  database_corrupt: true,
  database: true,
  keyring_unavailable: true,
  permission_denied: true,
  invalid_email: true,
  email_taken: true,
  invalid_password: true,
  invalid_credentials: true,
  rate_limited: true,
  last_owner: true,
  self_lockout: true,
  user_inactive: true,
  internal: true,
  unauthenticated: true,
  insufficient_scope: true,
  method_not_allowed: true,
  payload_too_large: true,
  request_timeout: true,
  server_unreachable: true,
  headers_too_large: true,
  already_rotated: true,
  legacy_key_sunset: true,
};

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code) && typeof message === "string";
}

/** Whatever was thrown, as an ApiError. */
export function toApiError(value: unknown): ApiError {
  if (isApiError(value)) return { code: value.code, message: value.message };
  return { code: "internal", message: String(value) };
}

/** What a call to the authority ended with, for watchers of the connection as a whole. */
export type CallOutcome = { ok: true } | { ok: false; error: ApiError };

const watchers = new Set<(outcome: CallOutcome) => void>();

// Commands answered by this computer alone: their success says nothing about a server.
const LOCAL_COMMANDS: ReadonlySet<string> = new Set(["connection_info", "copy_token"]);

/** Calls `watch` after each call that reaches the authority (the app-wide "server unreachable"
 * banner and the return to sign-in when a session ends); returns the unsubscribe function. */
export function watchCalls(watch: (outcome: CallOutcome) => void): () => void {
  watchers.add(watch);
  return () => {
    watchers.delete(watch);
  };
}

function tell(command: string, outcome: CallOutcome) {
  if (LOCAL_COMMANDS.has(command)) return;
  for (const watch of watchers) watch(outcome);
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  let answer: T;
  try {
    answer = await invoke<T>(command, args);
  } catch (e) {
    const error = toApiError(e);
    tell(command, { ok: false, error });
    // Rejections are thrown as ApiError objects on purpose: callers branch on `code`.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw error;
  }
  tell(command, { ok: true });
  return answer;
}

// Where the authority is: first run, this computer, or a team server.

export function connectionInfo(): Promise<Connection> {
  return call<Connection>("connection_info");
}

/** First run: creates the authority on this computer. */
export function createLocalAuthority(): Promise<AppInfo> {
  return call<AppInfo>("create_local_authority");
}

/** Signs in to a team server; `caPem` is the text of its private CA's certificate, if any.
 * The session token stays in Rust and the OS keyring: the UI never sees it. */
export function connectServer(
  server: string,
  email: string,
  password: string,
  caPem: string | null,
): Promise<AppInfo> {
  return call<AppInfo>("connect_server", { server, email, password, caPem });
}

/** Signs out of the team server: false if the server could not confirm (the session then
 * ends on its own when it expires). */
export function signOutServer(): Promise<boolean> {
  return call<boolean>("sign_out_server");
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

export function retryOpen(): Promise<AppInfo> {
  return call<AppInfo>("retry_open");
}

export function getToken(id: string): Promise<TokenMeta> {
  return call<TokenMeta>("get_token", { id });
}

// Where the app sends the window from outside it: a click on an expiry notification (the
// token's id), the tray's "Expiring soon". Each returns its unsubscribe function.

export function onOpenToken(open: (tokenId: string) => void): Promise<() => void> {
  return quietly(
    listen<string>("open-token", (e) => {
      open(e.payload);
    }),
  );
}

export function onShowExpiring(show: () => void): Promise<() => void> {
  return quietly(
    listen("show-expiring", () => {
      show();
    }),
  );
}

/** Unsubscribing can fail only when the event system is gone (the window closing, a test's
 * mocks cleared): there is then nothing left to undo. */
async function quietly(listening: Promise<() => void>): Promise<() => void> {
  const unlisten = await listening;
  return () => {
    void Promise.resolve()
      .then(unlisten)
      .catch(() => undefined);
  };
}

export function listTokens(query: ListQuery): Promise<ListPage> {
  return call<ListPage>("list_tokens", { query });
}

export function createToken(request: CreateTokenRequest): Promise<CreatedToken> {
  return call<CreatedToken>("create_token", { request });
}

export function renameToken(id: string, name: string): Promise<TokenMeta> {
  return call<TokenMeta>("rename_token", { id, name });
}

export function revokeToken(id: string, reason: string | null): Promise<TokenMeta> {
  return call<TokenMeta>("revoke_token", { id, reason });
}

/** A successor with the same name, description, scopes, tenants, owner and lifetime length; the
 * token is in this answer only, once. The old one works until the grace ends (its new expiresAt);
 * a rotated token is not rotated again (`already_rotated`: rotate its successor). */
export function rotateToken(id: string, grace: RotationGrace): Promise<CreatedToken> {
  return call<CreatedToken>("rotate_token", { id, grace });
}

/** Revokes the tokens named (`ids`) or every token `filter` matches, active and suspended ones
 * only; with `dryRun` only says which, changing nothing. */
export function bulkRevoke(request: BulkRevokeRequest): Promise<BulkRevokeResult> {
  return call<BulkRevokeResult>("bulk_revoke", { request });
}

/** Rust writes the clipboard and clears it after 30 s if unchanged; the UI never touches it. */
export async function copyToken(token: string): Promise<void> {
  await call<null>("copy_token", { token });
}

export function saveTokenToKeyring(id: string, token: string): Promise<KeyringCopy> {
  return call<KeyringCopy>("save_token_to_keyring", { id, token });
}

// Users and roles

export function listUsers(): Promise<User[]> {
  return call<User[]>("list_users");
}

export function createUser(user: NewUser): Promise<User> {
  return call<User>("create_user", { user });
}

export function updateUser(id: string, update: UserUpdate): Promise<User> {
  return call<User>("update_user", { id, update });
}

export function setUserActive(id: string, active: boolean): Promise<User> {
  return call<User>("set_user_active", { id, active });
}

export function removeUser(id: string): Promise<User> {
  return call<User>("remove_user", { id });
}

/** An admin sets (or resets) someone's password; a service user's is its API password, for
 * `POST /api/auth/token` with its email, and Rust refuses it for a service without an email. */
export function setPassword(id: string, password: string): Promise<User> {
  return call<User>("set_password", { id, password });
}

/** A service user's OAuth client credentials (RFC 6749 §4.4): the first time a new client id
 * and secret, after that the same id with a new secret, which ends every token obtained with the
 * old one. The secret is in this answer only, once. */
export function setClientCredentials(id: string): Promise<ClientCredentials> {
  return call<ClientCredentials>("set_client_credentials", { id });
}

/** The signed-in actor changes their own password; `current` is null if they have none yet. */
export async function changePassword(current: string | null, next: string): Promise<void> {
  await call<null>("change_password", { current, new: next });
}

export function listRoles(): Promise<Role[]> {
  return call<Role[]>("list_roles");
}

export function updateRole(id: string, permissions: Permissions): Promise<Role> {
  return call<Role>("update_role", { id, permissions });
}

// Settings

export function getSettings(): Promise<Settings> {
  return call<Settings>("get_settings");
}

export function updateSettings(settings: Settings): Promise<Settings> {
  return call<Settings>("update_settings", { settings });
}

// Signing keys for the signed tokens (JWTs) of token exchange

/** Every key, newest first: the one signing now and the retired ones. */
export function signingKeys(): Promise<SigningKeyInfo[]> {
  return call<SigningKeyInfo[]>("signing_keys");
}

/** A new key signs from now on; the old one stays published until its tokens have expired.
 * The keys as they are after the rotation. */
export function rotateSigningKey(): Promise<SigningKeyInfo[]> {
  return call<SigningKeyInfo[]>("rotate_signing_key");
}

// Webhooks (owners): where a team server sends token events

export function listWebhooks(): Promise<WebhookEndpoint[]> {
  return call<WebhookEndpoint[]>("list_webhooks");
}

/** A new endpoint; the answer holds its signing secret, this once. */
export function createWebhook(endpoint: NewWebhookEndpoint): Promise<WebhookSecret> {
  return call<WebhookSecret>("create_webhook", { endpoint });
}

export function updateWebhook(id: string, update: WebhookEndpointUpdate): Promise<WebhookEndpoint> {
  return call<WebhookEndpoint>("update_webhook", { id, update });
}

export function deleteWebhook(id: string): Promise<WebhookEndpoint> {
  return call<WebhookEndpoint>("delete_webhook", { id });
}

/** A new signing secret, this once; the previous one also signs for a day. */
export function rollWebhookSecret(id: string): Promise<WebhookSecret> {
  return call<WebhookSecret>("roll_webhook_secret", { id });
}

/** The endpoint's latest messages, newest first. */
export function webhookDeliveries(id: string): Promise<WebhookDelivery[]> {
  return call<WebhookDelivery[]>("webhook_deliveries", { id });
}

// Legacy API keys: migrating the integrations of a previous system's static per-user keys

/** Settings → Legacy API keys, and the Migration page's summary of them. */
export function legacySettings(): Promise<LegacySettings> {
  return call<LegacySettings>("legacy_settings");
}

/** The settings as saved; Rust refuses emulation without a sunset date. */
export function updateLegacySettings(settings: LegacySettings): Promise<LegacySettings> {
  return call<LegacySettings>("update_legacy_settings", { settings });
}

/** Rust asks for the file (OS dialog), reads and imports it: what it imported and skipped, or
 * null if cancelled. The keys never reach the web view. */
export function importLegacyKeys(): Promise<LegacyImportReport | null> {
  return call<LegacyImportReport | null>("import_legacy_keys");
}

/** The legacy keys, paged like the token lists; token lists never include them. */
export function listLegacyKeys(query: ListQuery): Promise<ListPage> {
  return call<ListPage>("list_legacy_keys", { query });
}

/** Refuses the key from now on; irreversible. The key as it is after (status revoked). */
export function retireLegacyKey(id: string): Promise<TokenMeta> {
  return call<TokenMeta>("retire_legacy_key", { id });
}

/** A bearer token for the key's owner, to replace the key with; the token is in this answer
 * only, once. The key keeps working until it is retired. */
export function replaceLegacyKey(id: string, request: CreateTokenRequest): Promise<CreatedToken> {
  return call<CreatedToken>("replace_legacy_key", { id, request });
}

// Sessions: each returns the new session's AppInfo.

export function startImpersonation(userId: string): Promise<AppInfo> {
  return call<AppInfo>("start_impersonation", { userId });
}

export function stopImpersonation(): Promise<AppInfo> {
  return call<AppInfo>("stop_impersonation");
}

export function switchUser(email: string, password: string): Promise<AppInfo> {
  return call<AppInfo>("switch_user", { email, password });
}

export function switchToLocalOwner(): Promise<AppInfo> {
  return call<AppInfo>("switch_to_local_owner");
}

// Audit

export function listAudit(query: AuditQuery): Promise<AuditPage> {
  return call<AuditPage>("list_audit", { query });
}

export function verifyAuditChain(): Promise<ChainReport> {
  return call<ChainReport>("verify_audit_chain");
}

/** Rust asks where to save (OS dialog) and writes the file: the saved path, or null if cancelled. */
export function exportAudit(format: ExportFormat, query: AuditQuery): Promise<string | null> {
  return call<string | null>("export_audit", { format, query });
}

export function serviceStatus(): Promise<ServiceStatus> {
  return call<ServiceStatus>("service_status");
}

/** Saves the settings; Rust then stops and, if enabled, restarts the service with them. */
export function updateServiceSettings(settings: ServiceSettings): Promise<ServiceStatus> {
  return call<ServiceStatus>("update_service_settings", { settings });
}

/** "Test it": Rust calls GET /api/users/me on the running service with this token. */
export function testToken(token: string): Promise<TestResult> {
  return call<TestResult>("test_token", { token });
}

/** The detail panel: the token, its last client and its uses on each of the last 30 days. */
export function tokenUsage(id: string): Promise<TokenUsage> {
  return call<TokenUsage>("token_usage", { id });
}

export function listTenants(): Promise<Tenant[]> {
  return call<Tenant[]>("list_tenants");
}

export function createTenant(name: string): Promise<Tenant> {
  return call<Tenant>("create_tenant", { name });
}

export function renameTenant(id: string, name: string): Promise<Tenant> {
  return call<Tenant>("rename_tenant", { id, name });
}

export function setTenantMember(tenantId: string, userId: string, member: boolean): Promise<User> {
  return call<User>("set_tenant_member", { tenantId, userId, member });
}
