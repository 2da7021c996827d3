// The only module that talks to the Rust side. Every command is a typed function here; the
// shapes come from ts-rs (./bindings), so a Rust change that breaks the UI breaks the build.

import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { AppInfo } from "./bindings/AppInfo";
import type { CreateTokenRequest } from "./bindings/CreateTokenRequest";
import type { CreatedToken } from "./bindings/CreatedToken";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { KeyringCopy } from "./bindings/KeyringCopy";
import type { ListPage } from "./bindings/ListPage";
import type { ListQuery } from "./bindings/ListQuery";
import type { TokenMeta } from "./bindings/TokenMeta";

export type { ApiError } from "./bindings/ApiError";
export type { AppInfo } from "./bindings/AppInfo";
export type { CreateTokenRequest } from "./bindings/CreateTokenRequest";
export type { CreatedToken } from "./bindings/CreatedToken";
export type { ErrorCode } from "./bindings/ErrorCode";
export type { ExpiryChoice } from "./bindings/ExpiryChoice";
export type { ExpiryPolicy } from "./bindings/ExpiryPolicy";
export type { ExpiryPreset } from "./bindings/ExpiryPreset";
export type { KeyringCopy } from "./bindings/KeyringCopy";
export type { ListPage } from "./bindings/ListPage";
export type { ListQuery } from "./bindings/ListQuery";
export type { SortDir } from "./bindings/SortDir";
export type { SortKey } from "./bindings/SortKey";
export type { TokenKind } from "./bindings/TokenKind";
export type { TokenMeta } from "./bindings/TokenMeta";
export type { TokenStatus } from "./bindings/TokenStatus";
export type { User } from "./bindings/User";

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
  database_corrupt: true,
  database: true,
  keyring_unavailable: true,
  internal: true,
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

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    // Rejections are thrown as ApiError objects on purpose: callers branch on `code`.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toApiError(e);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

export function retryOpen(): Promise<AppInfo> {
  return call<AppInfo>("retry_open");
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

/** Rust writes the clipboard and clears it after 30 s if unchanged; the UI never touches it. */
export async function copyToken(token: string): Promise<void> {
  await call<null>("copy_token", { token });
}

export function saveTokenToKeyring(id: string, token: string): Promise<KeyringCopy> {
  return call<KeyringCopy>("save_token_to_keyring", { id, token });
}
