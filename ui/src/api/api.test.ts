import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { fail } from "../test/fixtures";
import { copyToken, isApiError, listTokens, renameToken, revokeToken, toApiError } from ".";

describe("isApiError", () => {
  it("accepts the shape Rust sends and nothing else", () => {
    expect(isApiError({ code: "name_taken", message: "taken" })).toBe(true);
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
    await listTokens({ sort: "name", dir: "asc", limit: 50 });
    await renameToken("t1", "New");
    await revokeToken("t1", null);
    await copyToken("tkd_secret");
    expect(seen).toEqual([
      ["list_tokens", { query: { sort: "name", dir: "asc", limit: 50 } }],
      ["rename_token", { id: "t1", name: "New" }],
      ["revoke_token", { id: "t1", reason: null }],
      ["copy_token", { token: "tkd_secret" }],
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
