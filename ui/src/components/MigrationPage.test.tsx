// The Migration page: who sees it, the import report, and replacing and retiring legacy keys.
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CreateTokenRequest, LegacyImportReport, ListQuery, TokenMeta } from "../api";
import { formatDateTime } from "../lib/format";
import {
  ALL_PERMISSIONS,
  DAY,
  GRACE,
  MEMBER_PERMISSIONS,
  appInfo,
  backend,
  fail,
  legacyKey,
  legacySettings,
  page,
  token,
} from "../test/fixtures";
import { navLabels, renderApp } from "../test/render";

const SECRET = "tkd_7hK2pQ9wXz4mN1bV6cR8tY3uJ5eL0aSd";

const CRM = legacyKey({
  id: "lk-crm",
  name: "CRM sync",
  displayHint: "…x9Qa",
  ownerId: "u2",
  ownerName: "Grace Hopper",
  lastUsedAt: Date.now() - 2 * DAY,
  useCount: 1234,
});
const OLD = legacyKey({
  id: "lk-old",
  name: "Old report",
  displayHint: "…r3Tz",
  status: "revoked",
  revokedAt: Date.now() - DAY,
  revokeReason: "retired",
});

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("legacy-row");
}

function row(id: string): HTMLElement {
  const found = rows().find((r) => r.dataset.keyId === id);
  if (!found) throw new Error(`no legacy key ${id}`);
  return found;
}

async function openMigration(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend({ list_legacy_keys: () => page([CRM, OLD]), ...handlers });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("nav-migration"));
  await screen.findByTestId("migration-page");
  await waitFor(() => {
    if (
      !document.querySelector('[data-testid="legacy-row"],[data-testid="legacy-empty"]') &&
      !document.querySelector('[data-testid="error-alert"]')
    )
      throw new Error("the legacy keys have not loaded");
  });
  return { ipc, ...view };
}

describe("who sees the Migration page", () => {
  it("is in the navigation for manage_users, after Users", async () => {
    backend({
      app_info: () =>
        appInfo({}, { permissions: { ...MEMBER_PERMISSIONS, manageUsers: true } }),
    });
    await renderApp();
    expect(navLabels()).toEqual([
      "Authorizations",
      "All authorizations",
      "Expiring soon",
      "Users",
      "Migration",
    ]);
  });

  it("is absent for a member without manage_users", async () => {
    const ipc = backend({
      app_info: () =>
        appInfo(
          {},
          {
            actor: GRACE,
            subject: GRACE,
            localOwner: false,
            permissions: { ...MEMBER_PERMISSIONS, manageSettings: true, viewAudit: true },
          },
        ),
    });
    await renderApp();
    expect(screen.queryByTestId("nav-migration")).not.toBeInTheDocument();
    expect(navLabels()).not.toContain("Migration");
    expect(screen.queryByTestId("migration-page")).not.toBeInTheDocument();
    expect(ipc.of("list_legacy_keys")).toHaveLength(0);
  });
});

describe("the legacy keys", () => {
  it("lists each key with its hint, label, user, use and status", async () => {
    const { ipc } = await openMigration();
    expect(rows().map((r) => r.dataset.keyId)).toEqual(["lk-crm", "lk-old"]);
    expect(row("lk-crm")).toHaveAttribute("data-status", "active");
    expect(row("lk-old")).toHaveAttribute("data-status", "revoked");

    const crm = within(row("lk-crm"));
    expect(crm.getByText("…x9Qa").tagName).toBe("CODE");
    expect(crm.getByText("CRM sync")).toBeInTheDocument();
    expect(crm.getByText("Grace Hopper")).toBeInTheDocument();
    expect(crm.getByText("2 days ago")).toBeInTheDocument();
    expect(crm.getByTestId("legacy-uses")).toHaveTextContent("1234");
    expect(crm.getByTestId("legacy-status")).toHaveTextContent("Active");
    expect(crm.getByTestId("legacy-replace")).toBeInTheDocument();
    expect(crm.getByTestId("legacy-retire")).toBeInTheDocument();

    const old = within(row("lk-old"));
    expect(old.getByTestId("legacy-status")).toHaveTextContent("Retired");
    expect(old.getByText("Never")).toBeInTheDocument();
    expect(old.queryByTestId("legacy-replace")).not.toBeInTheDocument();
    expect(old.queryByTestId("legacy-retire")).not.toBeInTheDocument();

    expect(ipc.last("list_legacy_keys")).toEqual({
      query: { scope: "all", sort: "created", dir: "desc", limit: 50 },
    });
  });

  it("pages on with the cursor Rust gave", async () => {
    const NEXT = legacyKey({ id: "lk-next", name: "Nightly" });
    const { ipc, user } = await openMigration({
      list_legacy_keys: ({ query }) =>
        (query as ListQuery).cursor === "c2" ? page([NEXT]) : page([CRM], "c2"),
    });
    expect(rows()).toHaveLength(1);
    await user.click(screen.getByTestId("legacy-load-more"));
    await waitFor(() => {
      expect(rows().map((r) => r.dataset.keyId)).toEqual(["lk-crm", "lk-next"]);
    });
    expect((ipc.last("list_legacy_keys")?.query as ListQuery).cursor).toBe("c2");
    expect(screen.queryByTestId("legacy-load-more")).not.toBeInTheDocument();
  });

  it("summarises the legacy settings and points to Settings", async () => {
    const sunsetAt = Date.now() + 30 * DAY;
    const { user } = await openMigration({
      legacy_settings: () => legacySettings({ mode: "emulate", sunsetAt, header: "X-Api-Key" }),
      get_settings: () => ({
        authorityName: "Acme Staging",
        tokenPrefix: "tkd",
        policy: appInfo().policy,
        onlyOwnersCreateTokens: false,
        alerts: { firstDays: 7, lastDays: 1 },
      }),
    });
    const summary = await screen.findByTestId("legacy-summary");
    expect(summary).toHaveTextContent(
      `Mode Emulate: legacy keys are accepted in the X-Api-Key header until ${formatDateTime(sunsetAt)}.`,
    );
    await user.click(within(summary).getByTestId("legacy-open-settings"));
    expect(await screen.findByTestId("settings-page")).toBeInTheDocument();
    expect(await screen.findByTestId("legacy-settings")).toBeInTheDocument();
  });

  it("says legacy keys are refused when the mode is Off", async () => {
    await openMigration();
    expect(await screen.findByTestId("legacy-summary")).toHaveTextContent(
      "Mode Off: legacy keys are refused.",
    );
  });
});

describe("importing", () => {
  const REPORT: LegacyImportReport = {
    imported: 2,
    problems: [
      { row: 3, email: "nobody@example.com", reason: "No user has this email address." },
      { row: 5, email: "ada@example.com", reason: "Its key is repeated from an earlier row." },
    ],
  };

  it("reports what was imported and every skipped row, then reads the keys again", async () => {
    let imported = false;
    const { ipc, user } = await openMigration({
      import_legacy_keys: () => {
        imported = true;
        return REPORT;
      },
      list_legacy_keys: () => page(imported ? [CRM, OLD] : []),
    });
    expect(screen.getByTestId("legacy-empty")).toBeInTheDocument();
    await user.click(screen.getByTestId("legacy-import"));

    const report = await screen.findByTestId("legacy-import-report");
    expect(report).toHaveTextContent("Imported 2 keys; 2 rows were skipped:");
    const problems = within(report).getAllByTestId("legacy-problem");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toHaveTextContent("3");
    expect(problems[0]).toHaveTextContent("nobody@example.com");
    expect(problems[0]).toHaveTextContent("No user has this email address.");
    expect(problems[1]).toHaveTextContent("Its key is repeated from an earlier row.");
    // The import takes no arguments: Rust asks for the file and reads it.
    expect(ipc.of("import_legacy_keys")).toEqual([{ cmd: "import_legacy_keys", args: {} }]);
    await waitFor(() => {
      expect(rows()).toHaveLength(2);
    });
  });

  it("shows nothing when the file dialog was cancelled", async () => {
    const { ipc, user } = await openMigration({ import_legacy_keys: () => null });
    const reads = ipc.of("list_legacy_keys").length;
    await user.click(screen.getByTestId("legacy-import"));
    await waitFor(() => {
      expect(screen.getByTestId("legacy-import")).toHaveTextContent("Import…");
    });
    expect(ipc.of("import_legacy_keys")).toHaveLength(1);
    expect(screen.queryByTestId("legacy-import-report")).not.toBeInTheDocument();
    expect(screen.queryByTestId("legacy-import-error")).not.toBeInTheDocument();
    expect(ipc.of("list_legacy_keys")).toHaveLength(reads);
  });

  it("shows a refused import", async () => {
    const { user } = await openMigration({
      import_legacy_keys: () => {
        fail("invalid_input", "The file is neither CSV nor JSON.");
      },
    });
    await user.click(screen.getByTestId("legacy-import"));
    expect(await screen.findByTestId("legacy-import-error")).toHaveTextContent(
      "The file is neither CSV nor JSON.",
    );
    expect(screen.queryByTestId("legacy-import-report")).not.toBeInTheDocument();
  });
});

describe("replacing a key with a bearer token", () => {
  it("creates it for the key's owner and shows it once", async () => {
    const { ipc, user } = await openMigration({
      replace_legacy_key: ({ request }) => ({
        meta: token({
          id: "tok-new",
          name: (request as CreateTokenRequest).name,
          ownerId: "u2",
          ownerName: "Grace Hopper",
        }),
        token: SECRET,
      }),
      copy_token: () => null,
    });
    await user.click(within(row("lk-crm")).getByTestId("legacy-replace"));
    const dialog = screen.getByTestId("legacy-replace-dialog");
    expect(dialog).toHaveTextContent("Grace Hopper");
    expect(dialog).toHaveTextContent("…x9Qa");
    expect(within(dialog).getByTestId("legacy-replace-name")).toHaveValue("CRM sync (bearer)");
    expect(within(dialog).getByTestId("legacy-replace-name")).toHaveFocus();
    // The policy's default expiry is chosen.
    expect(within(dialog).getByTestId("legacy-replace-expiry")).toHaveValue("thirty_days");
    expect(screen.queryByTestId("revealed-token")).not.toBeInTheDocument();

    await user.click(within(dialog).getByTestId("legacy-replace-submit"));
    expect(await screen.findByTestId("revealed-token")).toHaveValue(SECRET);
    expect(screen.queryByTestId("legacy-replace-dialog")).not.toBeInTheDocument();
    expect(ipc.of("replace_legacy_key")).toHaveLength(1);
    expect(ipc.last("replace_legacy_key")).toEqual({
      id: "lk-crm",
      request: { name: "CRM sync (bearer)", expiry: { kind: "preset", preset: "thirty_days" } },
    });

    // Copy goes through Rust, as for any new token.
    await user.click(screen.getByTestId("copy-token"));
    await waitFor(() => {
      expect(ipc.last("copy_token")).toEqual({ token: SECRET });
    });

    await user.click(screen.getByTestId("reveal-done"));
    await user.click(screen.getByTestId("reveal-confirm-close"));
    expect(screen.queryByTestId("revealed-token")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(SECRET);
    // The key keeps working until it is retired.
    expect(row("lk-crm")).toHaveAttribute("data-status", "active");
  });

  it("keeps the dialog open with Rust's refusal", async () => {
    const message = "Grace Hopper is disabled or removed and cannot hold tokens.";
    const { user } = await openMigration({
      replace_legacy_key: () => {
        fail("user_inactive", message);
      },
    });
    await user.click(within(row("lk-crm")).getByTestId("legacy-replace"));
    await user.click(screen.getByTestId("legacy-replace-submit"));
    const dialog = screen.getByTestId("legacy-replace-dialog");
    expect(await within(dialog).findByTestId("field-error")).toHaveTextContent(message);
    expect(screen.queryByTestId("revealed-token")).not.toBeInTheDocument();
  });

  it("is not offered without the right to make tokens for others", async () => {
    await openMigration({
      app_info: () =>
        appInfo({}, { permissions: { ...ALL_PERMISSIONS, createTokensForOthers: false } }),
    });
    expect(within(row("lk-crm")).queryByTestId("legacy-replace")).not.toBeInTheDocument();
    expect(within(row("lk-crm")).getByTestId("legacy-retire")).toBeInTheDocument();
  });
});

describe("retiring a key", () => {
  it("asks first, then shows the row retired", async () => {
    const retired: TokenMeta = {
      ...CRM,
      status: "revoked",
      revokedAt: Date.now(),
      revokedBy: "u1",
      revokeReason: "retired",
    };
    let done = false;
    const { ipc, user } = await openMigration({
      retire_legacy_key: () => {
        done = true;
        return retired;
      },
      list_legacy_keys: () => page([done ? retired : CRM, OLD]),
    });
    await user.click(within(row("lk-crm")).getByTestId("legacy-retire"));
    const dialog = screen.getByTestId("legacy-retire-dialog");
    expect(dialog).toHaveTextContent("takes effect immediately and cannot be undone");
    expect(ipc.of("retire_legacy_key")).toHaveLength(0);

    await user.click(within(dialog).getByTestId("legacy-retire-confirm"));
    await waitFor(() => {
      expect(screen.queryByTestId("legacy-retire-dialog")).not.toBeInTheDocument();
    });
    expect(ipc.of("retire_legacy_key")).toEqual([{ cmd: "retire_legacy_key", args: { id: "lk-crm" } }]);
    expect(row("lk-crm")).toHaveAttribute("data-status", "revoked");
    expect(within(row("lk-crm")).getByTestId("legacy-status")).toHaveTextContent("Retired");
    expect(within(row("lk-crm")).queryByTestId("legacy-retire")).not.toBeInTheDocument();
    expect(within(row("lk-crm")).queryByTestId("legacy-replace")).not.toBeInTheDocument();
  });

  it("changes nothing when cancelled", async () => {
    const { ipc, user } = await openMigration();
    await user.click(within(row("lk-crm")).getByTestId("legacy-retire"));
    await user.click(
      within(screen.getByTestId("legacy-retire-dialog")).getByRole("button", { name: "Cancel" }),
    );
    expect(screen.queryByTestId("legacy-retire-dialog")).not.toBeInTheDocument();
    expect(ipc.of("retire_legacy_key")).toHaveLength(0);
    expect(row("lk-crm")).toHaveAttribute("data-status", "active");
  });
});
