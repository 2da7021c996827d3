import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { fail } from "../test/fixtures";
import {
  bulkRevoke,
  changePassword,
  copyToken,
  createUser,
  exportAudit,
  importLegacyKeys,
  isApiError,
  legacySettings,
  listLegacyKeys,
  listAudit,
  listTokens,
  removeUser,
  renameToken,
  replaceLegacyKey,
  retireLegacyKey,
  revokeToken,
  rotateToken,
  setClientCredentials,
  setPassword,
  setUserActive,
  startImpersonation,
  stopImpersonation,
  switchToLocalOwner,
  switchUser,
  toApiError,
  updateLegacySettings,
  updateRole,
  updateSettings,
  updateUser,
  verifyAuditChain,
} from ".";
import { ALL_PERMISSIONS, POLICY } from "../test/fixtures";

describe("isApiError", () => {
  it("accepts the shape Rust sends and nothing else", () => {
    expect(isApiError({ code: "name_taken", message: "taken" })).toBe(true);
    expect(isApiError({ code: "legacy_key_sunset", message: "past its sunset" })).toBe(true);
    expect(isApiError({ code: "no_such_code", message: "x" })).toBe(false);
    expect(isApiError({ code: "internal" })).toBe(false);
    expect(isApiError("internal")).toBe(false);
    expect(isApiError(null)).toBe(false);
    expect(isApiError({ code: "toString", message: "inherited keys are not codes" })).toBe(false);
  });

  it("normalises anything else into an internal error", () => {
    expect(toApiError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toApiError({ code: "not_found", message: "gone", extra: 1 })).toEqual({
      code: "not_found",
      message: "gone",
    });
  });
});

describe("commands", () => {
  it("send camelCase arguments under the names Rust expects", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "list_tokens") return { items: [], nextCursor: null };
      return null;
    });
    await listTokens({ scope: "own", sort: "name", dir: "asc", limit: 50 });
    await renameToken("t1", "New");
    await revokeToken("t1", null);
    await copyToken("tkd_secret");
    await rotateToken("t1", "one_day");
    await bulkRevoke({ filter: { scope: "all", unusedForDays: 90 }, dryRun: true });
    await bulkRevoke({ ids: ["t1", "t2"], dryRun: false, reason: "left" });
    expect(seen).toEqual([
      ["list_tokens", { query: { scope: "own", sort: "name", dir: "asc", limit: 50 } }],
      ["rename_token", { id: "t1", name: "New" }],
      ["revoke_token", { id: "t1", reason: null }],
      ["copy_token", { token: "tkd_secret" }],
      ["rotate_token", { id: "t1", grace: "one_day" }],
      ["bulk_revoke", { request: { filter: { scope: "all", unusedForDays: 90 }, dryRun: true } }],
      ["bulk_revoke", { request: { ids: ["t1", "t2"], dryRun: false, reason: "left" } }],
    ]);
  });

  it("send the user, session and audit arguments Rust expects", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return null;
    });
    const settings = { authorityName: "A", tokenPrefix: "tkd", policy: POLICY, onlyOwnersCreateTokens: false, alerts: { firstDays: 7, lastDays: 1 } };
    await createUser({ displayName: "Ann", email: "ann@example.com", kind: "human", role: "member" });
    await updateUser("u2", { role: "admin" });
    await setUserActive("u2", false);
    await removeUser("u2");
    await setPassword("u2", "pw");
    await setClientCredentials("u3");
    await changePassword(null, "next");
    await updateRole("member", ALL_PERMISSIONS);
    await updateSettings(settings);
    await startImpersonation("u2");
    await stopImpersonation();
    await switchUser("ann@example.com", "pw");
    await switchToLocalOwner();
    await listAudit({ limit: 100, action: "token.created" });
    await verifyAuditChain();
    await exportAudit("json", { limit: 100 });
    expect(seen).toEqual([
      [
        "create_user",
        { user: { displayName: "Ann", email: "ann@example.com", kind: "human", role: "member" } },
      ],
      ["update_user", { id: "u2", update: { role: "admin" } }],
      ["set_user_active", { id: "u2", active: false }],
      ["remove_user", { id: "u2" }],
      ["set_password", { id: "u2", password: "pw" }],
      ["set_client_credentials", { id: "u3" }],
      ["change_password", { current: null, new: "next" }],
      ["update_role", { id: "member", permissions: ALL_PERMISSIONS }],
      ["update_settings", { settings }],
      ["start_impersonation", { userId: "u2" }],
      ["stop_impersonation", {}],
      ["switch_user", { email: "ann@example.com", password: "pw" }],
      ["switch_to_local_owner", {}],
      ["list_audit", { query: { limit: 100, action: "token.created" } }],
      ["verify_audit_chain", {}],
      ["export_audit", { format: "json", query: { limit: 100 } }],
    ]);
  });

  it("send the legacy key arguments Rust expects", async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "list_legacy_keys") return { items: [], nextCursor: null };
      return null;
    });
    const settings = { mode: "emulate" as const, sunsetAt: 1_900_000_000_000, header: "X-Api-Key" };
    const query = { scope: "all" as const, sort: "created" as const, dir: "desc" as const, limit: 50 };
    const request = { name: "CRM sync (bearer)", expiry: { kind: "never" as const } };
    await legacySettings();
    await updateLegacySettings(settings);
    // null: the person cancelled the file dialog.
    expect(await importLegacyKeys()).toBeNull();
    await listLegacyKeys(query);
    await retireLegacyKey("lk1");
    await replaceLegacyKey("lk1", request);
    expect(seen).toEqual([
      ["legacy_settings", {}],
      ["update_legacy_settings", { settings }],
      ["import_legacy_keys", {}],
      ["list_legacy_keys", { query }],
      ["retire_legacy_key", { id: "lk1" }],
      ["replace_legacy_key", { id: "lk1", request }],
    ]);
  });

  it("reject with ApiError objects, normalising stray errors", async () => {
    mockIPC((cmd) => {
      if (cmd === "rename_token") fail("name_taken", "Taken.");
      // A non-ApiError rejection, as a bug on either side could produce.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw "the webview fell over";
    });
    await expect(renameToken("t1", "x")).rejects.toEqual({ code: "name_taken", message: "Taken." });
    await expect(revokeToken("t1", null)).rejects.toEqual({
      code: "internal",
      message: "the webview fell over",
    });
  });
});
