// Bulk revoke from the token lists: ticked rows or everything the filters match, always a dry run
// first, then the confirmation that names how many and which, then the result.
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { BulkRevokeRequest, BulkRevokeResult, ListQuery, TokenMeta } from "../api";
import { backend, fail, page, token } from "../test/fixtures";
import { renderApp } from "../test/render";
import { tokenFilterFrom } from "./BulkRevokeDialog";

function row(name: string): HTMLElement {
  const found = screen.getAllByTestId("token-row").find((r) => within(r).queryByText(name));
  if (!found) throw new Error(`no row named ${name}`);
  return found;
}

function tick(name: string): HTMLElement {
  return within(row(name)).getByTestId("row-select");
}

function requests(ipc: ReturnType<typeof backend>): BulkRevokeRequest[] {
  return ipc.of("bulk_revoke").map((c) => c.args.request as BulkRevokeRequest);
}

/** Rust's answer: the revocable ones among `all` of those asked for. */
function answer(request: BulkRevokeRequest, tokens: TokenMeta[]): BulkRevokeResult {
  const taken = tokens.filter((t) => t.status === "active" || t.status === "suspended");
  return { dryRun: request.dryRun, count: taken.length, tokens: taken };
}

describe("bulk revoke of the ticked rows", () => {
  it("dry-runs, names the number and the tokens, then revokes them with the reason", async () => {
    const a = token({ id: "a", name: "CI deploy", displayHint: "tkd_…aaaa" });
    const b = token({
      id: "b",
      name: "Old laptop",
      displayHint: "tkd_…bbbb",
      ownerName: "Grace Hopper",
    });
    const c = token({ id: "c", name: "Keep me" });
    const gone = token({ id: "d", name: "Gone", status: "revoked", revokedAt: Date.now() });
    let revoked = false;
    const ipc = backend({
      list_tokens: () =>
        page(
          revoked
            ? [{ ...a, status: "revoked" }, { ...b, status: "revoked" }, c, gone]
            : [a, b, c, gone],
        ),
      bulk_revoke: ({ request }) => {
        const r = request as BulkRevokeRequest;
        if (!r.dryRun) revoked = true;
        return answer(r, [a, b]);
      },
    });
    const { user } = await renderApp();
    expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument();
    expect(tick("Gone")).toBeDisabled();

    await user.click(tick("CI deploy"));
    await user.click(tick("Old laptop"));
    const bar = screen.getByTestId("bulk-bar");
    expect(bar).toHaveTextContent("2 selected");
    expect(screen.getByTestId("select-page")).toHaveProperty("indeterminate", true);
    const lists = ipc.of("list_tokens").length;

    await user.click(within(bar).getByTestId("bulk-revoke-selected"));
    const dialog = await screen.findByTestId("bulk-dialog");
    expect(requests(ipc)).toEqual([{ ids: ["a", "b"], dryRun: true }]);
    expect(dialog).toHaveAccessibleName("Revoke 2 authorizations?");
    const items = within(dialog).getAllByTestId("bulk-item");
    expect(items.map((i) => i.textContent)).toEqual([
      "CI deploy Ada Lovelace tkd_…aaaa",
      "Old laptop Grace Hopper tkd_…bbbb",
    ]);
    expect(within(dialog).queryByTestId("bulk-more")).not.toBeInTheDocument();
    expect(screen.getByTestId("bulk-reason")).toHaveFocus();
    expect(screen.getByTestId("bulk-confirm")).toHaveTextContent(/^Revoke 2$/);

    await user.type(screen.getByTestId("bulk-reason"), "  Offboarding  ");
    await user.click(screen.getByTestId("bulk-confirm"));

    expect(await screen.findByTestId("bulk-result")).toHaveTextContent(
      /^Revoked 2 authorizations\.$/,
    );
    expect(requests(ipc)[1]).toEqual({ ids: ["a", "b"], dryRun: false, reason: "Offboarding" });
    expect(screen.queryByTestId("bulk-dialog")).not.toBeInTheDocument();
    // The selection is cleared and the lists are read again.
    expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument();
    await waitFor(() => {
      expect(ipc.of("list_tokens").length).toBeGreaterThan(lists);
    });
    await waitFor(() => {
      expect(row("CI deploy").dataset.status).toBe("revoked");
    });
  });

  it("ticks every revocable row of the page from the header, and Clear unticks them", async () => {
    backend({
      list_tokens: () =>
        page([
          token({ name: "One" }),
          token({ name: "Two", status: "suspended" }),
          token({ name: "Stale", status: "expired", expiresAt: Date.now() - 1000 }),
        ]),
    });
    const { user } = await renderApp();
    const header = screen.getByTestId("select-page");
    await user.click(header);
    expect(tick("One")).toBeChecked();
    expect(tick("Two")).toBeChecked();
    expect(tick("Stale")).not.toBeChecked();
    expect(header).toBeChecked();
    expect(screen.getByTestId("bulk-bar")).toHaveTextContent("2 selected");

    await user.click(screen.getByTestId("bulk-clear"));
    expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument();
    expect(tick("One")).not.toBeChecked();
    expect(header).not.toBeChecked();
  });

  it("lists the first 20 and counts the rest", async () => {
    const many = Array.from({ length: 25 }, (_, i) => token({ id: `m${i}`, name: `Token m${i}` }));
    const ipc = backend({
      list_tokens: () => page(many),
      bulk_revoke: ({ request }) => answer(request as BulkRevokeRequest, many),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("select-page"));
    await user.click(screen.getByTestId("bulk-revoke-selected"));
    const dialog = await screen.findByTestId("bulk-dialog");
    expect(dialog).toHaveAccessibleName("Revoke 25 authorizations?");
    expect(within(dialog).getAllByTestId("bulk-item")).toHaveLength(20);
    expect(within(dialog).getByTestId("bulk-more")).toHaveTextContent(/^and 5 more$/);
    expect(screen.getByTestId("bulk-confirm")).toHaveTextContent(/^Revoke 25$/);

    // Cancelling revokes nothing and keeps the selection.
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("bulk-dialog")).not.toBeInTheDocument();
    expect(requests(ipc)).toHaveLength(1);
    expect(screen.getByTestId("bulk-bar")).toHaveTextContent("25 selected");
  });

  it("shows Rust's refusal of the revoke in the dialog, which stays open", async () => {
    const t = token({ id: "a", name: "CI deploy" });
    backend({
      list_tokens: () => page([t]),
      bulk_revoke: ({ request }) => {
        const r = request as BulkRevokeRequest;
        return r.dryRun ? answer(r, [t]) : fail("permission_denied", "You may not revoke these.");
      },
    });
    const { user } = await renderApp();
    await user.click(tick("CI deploy"));
    await user.click(screen.getByTestId("bulk-revoke-selected"));
    const dialog = await screen.findByTestId("bulk-dialog");
    expect(dialog).toHaveAccessibleName("Revoke 1 authorization?");
    await user.click(screen.getByTestId("bulk-confirm"));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("You may not revoke these.");
    expect(screen.queryByTestId("bulk-result")).not.toBeInTheDocument();
    expect(screen.getByTestId("bulk-bar")).toHaveTextContent("1 selected");
  });

  it("shows a failed dry run in an alert and opens no dialog", async () => {
    backend({
      list_tokens: () => page([token({ name: "CI deploy" })]),
      bulk_revoke: () => {
        fail("database_busy", "The database is busy.");
      },
    });
    const { user } = await renderApp();
    await user.click(tick("CI deploy"));
    await user.click(screen.getByTestId("bulk-revoke-selected"));
    expect(await screen.findByTestId("bulk-alert")).toHaveTextContent("The database is busy.");
    expect(screen.queryByTestId("bulk-dialog")).not.toBeInTheDocument();
  });
});

describe("bulk revoke of everything matching", () => {
  it("sends All authorizations' filters, without status, to dry run and revoke", async () => {
    const matched = [token({ id: "s1", name: "Sync", kind: "service", ownerId: "u2" })];
    const ipc = backend({
      list_tokens: ({ query }) =>
        page((query as ListQuery).scope === "all" ? matched : [token({ name: "Mine" })]),
      list_tenants: () => [{ id: "ten-1", name: "Acme Corp", createdAt: 0 }],
      bulk_revoke: ({ request }) => answer(request as BulkRevokeRequest, matched),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-all"));
    await screen.findByText("Sync");

    await user.selectOptions(await screen.findByTestId("owner-filter"), "Grace Hopper");
    await user.selectOptions(screen.getByTestId("kind-filter"), "Service");
    await user.selectOptions(await screen.findByTestId("tenant-filter"), "Acme Corp");
    await user.selectOptions(screen.getByTestId("status-filter"), "Active");
    await user.type(screen.getByTestId("expiring-filter"), "7");
    await user.type(screen.getByTestId("unused-filter"), "30");
    await user.type(screen.getByLabelText("Search"), "sync");
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({
        query: { search: "sync", unusedForDays: 30, expiringWithinDays: 7, tenantId: "ten-1" },
      });
    });

    await user.click(screen.getByTestId("bulk-revoke-matching"));
    const dialog = await screen.findByTestId("bulk-dialog");
    const filter = {
      scope: "all",
      ownerId: "u2",
      kind: "service",
      tenantId: "ten-1",
      expiringWithinDays: 7,
      unusedForDays: 30,
      search: "sync",
    };
    expect(requests(ipc)).toEqual([{ filter, dryRun: true }]);
    expect(dialog).toHaveAccessibleName("Revoke 1 authorization?");
    await user.click(screen.getByTestId("bulk-confirm"));
    expect(await screen.findByTestId("bulk-result")).toHaveTextContent(
      /^Revoked 1 authorization\.$/,
    );
    expect(requests(ipc)[1]).toEqual({ filter, dryRun: false });
  });

  it("on the own page takes the own scope and the search", async () => {
    const ipc = backend({
      list_tokens: () => page([token({ name: "deploy" })]),
      bulk_revoke: ({ request }) => answer(request as BulkRevokeRequest, []),
    });
    const { user } = await renderApp();
    await user.type(screen.getByLabelText("Search"), "deploy");
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { search: "deploy" } });
    });
    await user.click(screen.getByTestId("bulk-revoke-matching"));
    await screen.findByTestId("bulk-dialog");
    expect(requests(ipc)).toEqual([{ filter: { scope: "own", search: "deploy" }, dryRun: true }]);
  });

  it("says when nothing matches and offers no confirm button", async () => {
    const ipc = backend({
      list_tokens: () => page([token({ name: "Stale", status: "expired", expiresAt: 1 })]),
      bulk_revoke: ({ request }) => answer(request as BulkRevokeRequest, []),
    });
    const { user } = await renderApp();
    const opener = screen.getByTestId("bulk-revoke-matching");
    await user.click(opener);
    const dialog = await screen.findByTestId("bulk-dialog");
    expect(dialog).toHaveTextContent("Nothing matches");
    expect(within(dialog).queryByTestId("bulk-confirm")).not.toBeInTheDocument();
    expect(within(dialog).queryByTestId("bulk-reason")).not.toBeInTheDocument();
    await user.click(within(dialog).getByTestId("bulk-close"));
    expect(screen.queryByTestId("bulk-dialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(requests(ipc)).toEqual([{ filter: { scope: "own" }, dryRun: true }]);
  });

  it("is disabled while the list shows expired or revoked tokens only", async () => {
    backend({ list_tokens: () => page([token({ name: "Live" })]) });
    const { user } = await renderApp();
    const button = screen.getByTestId("bulk-revoke-matching");
    await user.selectOptions(screen.getByTestId("status-filter"), "Revoked");
    expect(button).toBeDisabled();
    await user.selectOptions(screen.getByTestId("status-filter"), "Suspended");
    expect(button).toBeEnabled();
  });

  it("is not offered to a first-time user with nothing listed", async () => {
    backend({ list_tokens: () => page([]) });
    await renderApp();
    expect(screen.getByTestId("empty-state")).toBeInTheDocument();
    expect(screen.queryByTestId("bulk-revoke-matching")).not.toBeInTheDocument();
  });
});

describe("tokenFilterFrom", () => {
  it("keeps a list's filters and drops its status, order and paging", () => {
    expect(
      tokenFilterFrom({
        scope: "all",
        ownerId: "u2",
        kind: "personal",
        expiringWithinDays: 7,
        unusedForDays: 90,
        tenantId: "ten-1",
        expiringBefore: 1_800_000_000_000,
        search: "ci",
        status: "revoked",
        sort: "name",
        dir: "asc",
        limit: 50,
        cursor: "c1",
      }),
    ).toEqual({
      scope: "all",
      ownerId: "u2",
      kind: "personal",
      expiringWithinDays: 7,
      unusedForDays: 90,
      tenantId: "ten-1",
      expiringBefore: 1_800_000_000_000,
      search: "ci",
    });
    expect(tokenFilterFrom({ scope: "own", sort: "created", dir: "desc", limit: 50 })).toEqual({
      scope: "own",
    });
  });
});
