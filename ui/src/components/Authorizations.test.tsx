import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { ListQuery, TokenMeta } from "../api";
import { formatDateTime } from "../lib/format";
import { DAY, HOUR, backend, fail, keysetPages, page, token } from "../test/fixtures";
import { renderApp } from "../test/render";

function rows() {
  return screen.getAllByTestId("token-row");
}

function row(name: string): HTMLElement {
  const found = rows().find((r) => within(r).queryByText(name) !== null);
  if (!found) throw new Error(`no row named ${name}`);
  return found;
}

describe("the authorizations table", () => {
  it("renders each token with its status, tags and expiry", async () => {
    const expiredAt = Date.now() - 2 * HOUR;
    backend({
      list_tokens: () =>
        page([
          token({ name: "CI deploy", displayHint: "tkd_…x9Qa", description: "GitHub Actions" }),
          token({ name: "Old laptop", status: "expired", expiresAt: expiredAt }),
          token({ name: "Leaked", status: "revoked", revokedAt: Date.now() - HOUR }),
          token({ name: "Support session", kind: "impersonation", expiresAt: null }),
          token({ name: "Billing sync", kind: "service" }),
        ]),
    });
    await renderApp();

    expect(screen.getByRole("table")).toBeInTheDocument();
    expect(rows()).toHaveLength(5);
    expect(rows().map((r) => r.dataset.status)).toEqual([
      "active",
      "expired",
      "revoked",
      "active",
      "active",
    ]);

    const ci = row("CI deploy");
    expect(within(ci).getByTestId("status-badge")).toHaveTextContent("Active");
    expect(within(ci).getByText("tkd_…x9Qa")).toBeInTheDocument();
    expect(within(ci).getByText("GitHub Actions")).toBeInTheDocument();
    expect(within(ci).getByText("in 30 days")).toBeInTheDocument();
    expect(within(ci).queryByText("Impersonation")).not.toBeInTheDocument();

    const old = row("Old laptop");
    expect(within(old).getByTestId("status-badge")).toHaveTextContent("Expired");
    expect(within(old).getByText("2 hours ago")).toHaveAttribute("title", formatDateTime(expiredAt));

    const leaked = row("Leaked");
    expect(within(leaked).getByTestId("status-badge")).toHaveTextContent("Revoked");
    expect(within(leaked).queryByTestId("rename-button")).not.toBeInTheDocument();
    expect(within(leaked).queryByTestId("revoke-button")).not.toBeInTheDocument();

    const support = row("Support session");
    expect(within(support).getByText("Impersonation")).toHaveClass("pill-impersonation");
    // The first cell holds the row's checkbox.
    const cells = support.querySelectorAll("td");
    expect(cells[3]).toHaveTextContent(/^Never$/); // Expires
    expect(cells[5]).toHaveTextContent(/^Never$/); // Last used
    expect(ci.querySelectorAll("td")[3]).toHaveTextContent(/^in 30 days$/);

    expect(within(row("Billing sync")).getByText("Service")).toBeInTheDocument();
  });

  it("renders markup in a name as plain text", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    backend({ list_tokens: () => page([token({ name: evil, description: "<b>bold</b>" })]) });
    const { container } = await renderApp();
    expect(within(row(evil)).getByText(evil)).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect(document.querySelector("b")).toBeNull();
  });

  it("sorts by a column when its header is clicked, toggling the direction", async () => {
    const ipc = backend({ list_tokens: () => page([token({ name: "A" })]) });
    const { user } = await renderApp();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { sort: "created", dir: "desc" } });

    await user.click(screen.getByRole("button", { name: /^Name/ }));
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toEqual({
        query: { scope: "own", sort: "name", dir: "asc", limit: 50 },
      });
    });
    expect(screen.getByRole("columnheader", { name: /^Name/ })).toHaveAttribute(
      "aria-sort",
      "ascending",
    );

    await user.click(screen.getByRole("button", { name: /^Name/ }));
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { sort: "name", dir: "desc" } });
    });
    expect(screen.getByRole("columnheader", { name: /^Name/ })).toHaveAttribute(
      "aria-sort",
      "descending",
    );

    await user.click(screen.getByRole("button", { name: /^Last used/ }));
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { sort: "last_used" } });
    });
    expect(screen.getByRole("columnheader", { name: /^Name/ })).toHaveAttribute("aria-sort", "none");
  });

  it("searches once typing settles", async () => {
    const ipc = backend({ list_tokens: () => page([token({ name: "deploy bot" })]) });
    const { user } = await renderApp();
    await user.type(screen.getByLabelText("Search"), "deploy");
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { search: "deploy" } });
    });
    const searches = ipc.of("list_tokens").map((c) => (c.args.query as ListQuery).search);
    expect(searches).toEqual([undefined, "deploy"]);
  });

  it("filters by status and says when nothing matches", async () => {
    const ipc = backend({
      list_tokens: ({ query }) =>
        (query as ListQuery).status === "revoked" ? page([]) : page([token()]),
    });
    const { user } = await renderApp();
    await user.selectOptions(screen.getByTestId("status-filter"), "Revoked");
    expect(await screen.findByText("No authorizations match")).toBeInTheDocument();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { status: "revoked" } });
    expect(screen.queryByTestId("empty-state")).not.toBeInTheDocument();
  });

  it("pages forward and back, to the first and the last page, with counts", async () => {
    const all = Array.from({ length: 120 }, (_, i) => token({ name: `tok-${i + 1}` }));
    const ipc = backend({ list_tokens: ({ query }) => keysetPages(all)(query as ListQuery) });
    const { user } = await renderApp();
    const position = () => screen.getByTestId("page-position");
    expect(screen.getByTestId("list-count")).toHaveTextContent("120 authorizations");
    expect(position()).toHaveTextContent("Page 1 of 3 · 1–50 of 120");
    for (const b of ["page-first", "page-previous"]) expect(screen.getByTestId(b)).toBeDisabled();

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("tok-51")).toBeInTheDocument();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { cursor: "n50", limit: 50 } });
    expect(screen.queryByText("tok-1")).not.toBeInTheDocument();
    expect(position()).toHaveTextContent("Page 2 of 3 · 51–100 of 120");

    // The last page ends where the pages from the first one do: rows 101–120, not 71–120.
    await user.click(screen.getByRole("button", { name: "Last" }));
    expect(await screen.findByText("tok-120")).toBeInTheDocument();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { last: true, limit: 20 } });
    expect(ipc.last("list_tokens")?.query).not.toHaveProperty("cursor");
    expect(position()).toHaveTextContent("Page 3 of 3 · 101–120 of 120");
    expect(screen.queryByText("tok-100")).not.toBeInTheDocument();
    for (const b of ["page-next", "page-last"]) expect(screen.getByTestId(b)).toBeDisabled();

    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("tok-100")).toBeInTheDocument();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { before: "p100", limit: 50 } });
    expect(position()).toHaveTextContent("Page 2 of 3 · 51–100 of 120");

    await user.click(screen.getByRole("button", { name: "First" }));
    expect(await screen.findByText("tok-1")).toBeInTheDocument();
    const q = ipc.last("list_tokens")?.query;
    expect(q).not.toHaveProperty("cursor");
    expect(q).not.toHaveProperty("before");
    expect(q).not.toHaveProperty("last");
    expect(q).toMatchObject({ limit: 50 });
    expect(position()).toHaveTextContent("Page 1 of 3 · 1–50 of 120");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
  }, 20_000);

  it("says 10,000+ past the count's bound, and where the last page is without a number", async () => {
    const all = Array.from({ length: 160 }, (_, i) => token({ name: `tok-${i + 1}` }));
    const ipc = backend({
      list_tokens: ({ query }) => keysetPages(all, 100)(query as ListQuery),
    });
    const { user } = await renderApp();
    expect(screen.getByTestId("list-count")).toHaveTextContent("100+ authorizations");
    expect(screen.getByTestId("page-position")).toHaveTextContent("Page 1 · 1–50 of 100+");

    await user.click(screen.getByRole("button", { name: "Last" }));
    expect(await screen.findByText("tok-160")).toBeInTheDocument();
    expect(ipc.last("list_tokens")).toMatchObject({ query: { last: true, limit: 50 } });
    expect(screen.getByTestId("page-position")).toHaveTextContent("Last page of 100+");

    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("tok-110")).toBeInTheDocument();
    expect(screen.getByTestId("page-position")).toHaveTextContent("Page 2 from the end of 100+");
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("tok-160")).toBeInTheDocument();
    expect(screen.getByTestId("page-position")).toHaveTextContent("Last page of 100+");
    // Pages counted from the end reach the start, where the numbers are known again.
    await user.click(screen.getByRole("button", { name: "Previous" }));
    await user.click(await screen.findByRole("button", { name: "Previous" }));
    expect(await screen.findByText("tok-11")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("tok-1")).toBeInTheDocument();
    expect(screen.getByTestId("page-position")).toHaveTextContent("Page 1 · 1–10 of 100+");
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("tok-11")).toBeInTheDocument();
    expect(screen.getByTestId("page-position")).toHaveTextContent("Page 2 · 11–60 of 100+");
  }, 20_000);

  it("counts the matches of a search out of the whole list", async () => {
    backend({
      list_tokens: ({ query }) => ({
        ...page([token({ name: "deploy" })]),
        total: { n: 1234, more: false },
        matching: { n: (query as ListQuery).search ? 37 : 1234, more: false },
      }),
    });
    const { user } = await renderApp();
    expect(screen.getByTestId("list-count")).toHaveTextContent("1,234 authorizations");
    await user.type(screen.getByTestId("search"), "dep");
    await waitFor(() => {
      expect(screen.getByTestId("list-count")).toHaveTextContent("37 of 1,234 match");
    });
  });

  it("welcomes a first-time user with an Add button", async () => {
    backend({ list_tokens: () => page([]) });
    const { user } = await renderApp();
    const empty = screen.getByTestId("empty-state");
    expect(within(empty).getByText("No authorizations yet")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    await user.click(within(empty).getByRole("button", { name: "Add authorization" }));
    expect(screen.getByRole("dialog", { name: "Add authorization" })).toBeInTheDocument();
  });

  it("shows a load error in an alert", async () => {
    const message = "The database is busy: another process holds a lock on it.";
    backend({
      list_tokens: () => {
        fail("database_busy", message);
      },
    });
    await renderApp();
    expect(screen.getByTestId("error-alert")).toHaveTextContent(message);
    expect(screen.getByRole("alert")).toBe(screen.getByTestId("error-alert"));
  });
});

/** Where jsdom lays nothing out: every box far above the viewport, as when the window is
 * scrolled down to the pager below a long page. */
function scrolledDown() {
  const rect = { x: 0, y: -1500, width: 800, height: 30 };
  const edges = { top: -1500, bottom: -1470, left: 0, right: 800 };
  vi.spyOn(Element.prototype, "getBoundingClientRect").mockReturnValue({
    ...rect,
    ...edges,
    toJSON: () => ({ ...rect, ...edges }),
  });
}

/** Pages of tokens in order: page i leads on with "n<i+1>" and back with "p<i-1>". */
function paged(pages: TokenMeta[][]) {
  return backend({
    list_tokens: ({ query }) => {
      const q = query as ListQuery;
      const at = Number((q.cursor ?? q.before ?? "n0").slice(1));
      const items = pages[at] ?? [];
      // As the server does: an empty page has no cursor either way.
      return {
        ...page(items, at + 1 < pages.length && items.length > 0 ? `n${at + 1}` : null),
        ...(at > 0 && items.length > 0 ? { prevCursor: `p${at - 1}` } : {}),
      };
    },
  });
}

function nameButton(name: string): HTMLElement {
  return within(row(name)).getByTestId("details-button");
}

describe("page changes", () => {
  it("show the new page from its top, focus on its first row", async () => {
    const ipc = paged([
      [token({ name: "P1 a" }), token({ name: "P1 b" })],
      [token({ name: "P2 a" }), token({ name: "P2 b" })],
    ]);
    scrolledDown();
    const scroll = vi.spyOn(Element.prototype, "scrollIntoView");
    const { user } = await renderApp();
    expect(scroll).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("page-next"));
    await screen.findByText("P2 a");
    await waitFor(() => {
      expect(nameButton("P2 a")).toHaveFocus();
    });
    expect(scroll).toHaveBeenCalledTimes(1);
    expect(scroll).toHaveBeenCalledWith({ block: "start", behavior: "instant" });
    // The table's box: its top, column headers included, comes into view.
    const wrap = screen.getByRole("table").parentElement;
    expect(wrap).toHaveClass("table-wrap");
    expect(scroll.mock.contexts[0]).toBe(wrap);

    await user.click(screen.getByTestId("page-previous"));
    await screen.findByText("P1 a");
    await waitFor(() => {
      expect(nameButton("P1 a")).toHaveFocus();
    });
    expect(scroll).toHaveBeenCalledTimes(2);

    // Other re-renders leave scrolling and focus alone: a refresh…
    const lists = ipc.of("list_tokens").length;
    await user.click(screen.getByTestId("refresh"));
    await waitFor(() => {
      expect(ipc.of("list_tokens").length).toBeGreaterThan(lists);
    });
    await waitFor(() => {
      expect(screen.getByTestId("refresh")).toHaveTextContent(/^Refresh$/);
    });
    expect(nameButton("P1 a")).not.toHaveFocus();
    // …and typing a filter.
    const search = screen.getByTestId("search");
    await user.type(search, "P");
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { search: "P" } });
    });
    await waitFor(() => {
      expect(screen.getByRole("table")).toHaveAttribute("aria-busy", "false");
    });
    expect(search).toHaveFocus();
    expect(scroll).toHaveBeenCalledTimes(2);
  });

  it("keep focus on the pager when the new page has no rows", async () => {
    paged([[token({ name: "Only" })], []]);
    const scroll = vi.spyOn(Element.prototype, "scrollIntoView");
    const { user } = await renderApp();
    await user.click(screen.getByTestId("page-next"));
    expect(await screen.findByText("This page is empty.")).toBeInTheDocument();
    // Next and Previous lead nowhere from an empty page: focus goes to First, which does.
    await waitFor(() => {
      expect(screen.getByTestId("page-first")).toHaveFocus();
    });
    expect(screen.getByTestId("page-previous")).toBeDisabled();
    expect(scroll).not.toHaveBeenCalled();
  });
});

describe("compact rows", () => {
  it("are toggled in the toolbar, remembered, and shown on both list pages", async () => {
    backend({
      list_tokens: () =>
        page([
          token({ name: "CI deploy", displayHint: "tkd_…x9Qa", description: "GitHub Actions" }),
        ]),
    });
    const first = await renderApp();
    const toggle = screen.getByTestId("density-toggle");
    expect(toggle).toHaveAccessibleName("Compact rows");
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("table")).not.toHaveClass("density-compact");
    expect(localStorage.getItem("tokendesk.density")).toBeNull();

    await first.user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("table")).toHaveClass("tokens", "density-compact");
    expect(localStorage.getItem("tokendesk.density")).toBe("compact");
    // The hint stays; the description is the name's tooltip.
    expect(within(row("CI deploy")).getByText("tkd_…x9Qa")).toBeInTheDocument();
    expect(nameButton("CI deploy")).toHaveAttribute("title", "GitHub Actions");

    // All authorizations shows them compact too.
    await first.user.click(screen.getByTestId("nav-all"));
    await screen.findByTestId("all-authorizations-page");
    await screen.findByText("CI deploy");
    expect(screen.getByRole("table")).toHaveClass("density-compact");
    expect(screen.getByTestId("density-toggle")).toHaveAttribute("aria-pressed", "true");

    // The next launch starts compact.
    first.unmount();
    const second = await renderApp();
    expect(screen.getByRole("table")).toHaveClass("density-compact");
    await second.user.click(screen.getByTestId("density-toggle"));
    expect(screen.getByRole("table")).not.toHaveClass("density-compact");
    expect(screen.getByTestId("density-toggle")).toHaveAttribute("aria-pressed", "false");
    expect(localStorage.getItem("tokendesk.density")).toBe("comfortable");
  });
});

describe("renaming", () => {
  it("renames through rename_token and reloads the page", async () => {
    let name = "CI deploy";
    const ipc = backend({
      list_tokens: () => page([token({ id: "t1", name })]),
      rename_token: ({ id, name: next }) => {
        name = next as string;
        return token({ id: id as string, name });
      },
    });
    const { user } = await renderApp();
    const lists = ipc.of("list_tokens").length;
    await user.click(within(row("CI deploy")).getByTestId("rename-button"));
    const input = screen.getByTestId("rename-input");
    expect(input).toHaveValue("CI deploy");
    expect(input).toHaveFocus();
    await user.clear(input);
    await user.type(input, "Deploy from CI");
    await user.click(screen.getByTestId("rename-submit"));

    expect(ipc.last("rename_token")).toEqual({ id: "t1", name: "Deploy from CI" });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(await screen.findByText("Deploy from CI")).toBeInTheDocument();
    expect(ipc.of("list_tokens").length).toBeGreaterThan(lists);
    expect(within(row("Deploy from CI")).getByTestId("rename-button")).toHaveFocus();
  });

  it("shows the server's error inline and stays open", async () => {
    const message = "Another active authorization is already named “Prod”.";
    backend({
      list_tokens: () => page([token({ id: "t1", name: "Staging" })]),
      rename_token: () => {
        fail("name_taken", message);
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("rename-button"));
    await user.clear(screen.getByTestId("rename-input"));
    await user.type(screen.getByTestId("rename-input"), "Prod{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent(message);
    expect(screen.getByRole("dialog", { name: "Rename authorization" })).toBeInTheDocument();
  });

  it("closes on Escape and gives focus back to the button that opened it", async () => {
    const ipc = backend({ list_tokens: () => page([token({ name: "CI deploy" })]) });
    const { user } = await renderApp();
    const opener = screen.getByTestId("rename-button");
    await user.click(opener);
    expect(screen.getByRole("dialog")).toHaveAttribute("aria-modal", "true");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(ipc.of("rename_token")).toHaveLength(0);
  });
});

describe("revoking", () => {
  it("names the token, sends the reason and shows the row as revoked", async () => {
    let revoked: TokenMeta | null = null;
    const original = token({ id: "t9", name: "CI deploy" });
    const ipc = backend({
      list_tokens: () => page([revoked ?? original]),
      revoke_token: ({ reason }) => {
        revoked = {
          ...original,
          status: "revoked",
          revokedAt: Date.now(),
          revokedBy: "u1",
          revokeReason: reason as string | null,
        };
        return revoked;
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("revoke-button"));
    const dialog = screen.getByRole("dialog", { name: "Revoke “CI deploy”?" });
    expect(dialog).toHaveTextContent(
      "This takes effect immediately and cannot be undone. Anything using this token will stop working.",
    );
    await user.type(screen.getByTestId("revoke-reason"), "Leaked in a log");
    await user.click(screen.getByTestId("revoke-confirm"));

    expect(ipc.last("revoke_token")).toEqual({ id: "t9", reason: "Leaked in a log" });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    const r = row("CI deploy");
    expect(r.dataset.status).toBe("revoked");
    expect(within(r).getByTestId("status-badge")).toHaveTextContent("Revoked");
    expect(within(r).queryByTestId("revoke-button")).not.toBeInTheDocument();
    // The revoke button is gone, so focus lands on the page heading rather than the void.
    expect(screen.getByRole("heading", { name: "Authorizations" })).toHaveFocus();
  });

  it("sends no reason when none is given and shows server errors", async () => {
    const ipc = backend({
      list_tokens: () => page([token({ id: "t2", name: "Old" })]),
      revoke_token: () => {
        fail("already_revoked", "This authorization is already revoked.");
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("revoke-button"));
    await user.click(screen.getByTestId("revoke-confirm"));
    expect(ipc.last("revoke_token")).toEqual({ id: "t2", reason: null });
    expect(await screen.findByTestId("field-error")).toHaveTextContent(
      "This authorization is already revoked.",
    );
    expect(screen.getByRole("dialog")).toBeInTheDocument();
  });

  it("keeps Tab inside the dialog", async () => {
    backend({ list_tokens: () => page([token({ name: "CI deploy" })]) });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("revoke-button"));
    const dialog = screen.getByRole("dialog");
    expect(screen.getByTestId("revoke-reason")).toHaveFocus();
    for (let i = 0; i < 6; i++) {
      await user.tab();
      expect(dialog).toContainElement(document.activeElement as HTMLElement);
    }
    await user.tab({ shift: true });
    expect(dialog).toContainElement(document.activeElement as HTMLElement);
  });
});

describe("the expiry column", () => {
  it("shows relative times with the exact date on hover", async () => {
    const at = Date.now() + 7 * DAY + HOUR;
    backend({ list_tokens: () => page([token({ name: "Week", expiresAt: at })]) });
    await renderApp();
    expect(screen.getByText("in 7 days")).toHaveAttribute("title", formatDateTime(at));
  });
});

describe("stale responses", () => {
  it("ignore a slow answer to an older query", async () => {
    let release: (() => void) | null = null;
    backend({
      list_tokens: ({ query }) => {
        const q = query as ListQuery;
        if (q.status === "expired") {
          return new Promise((resolve) => {
            release = () => {
              resolve(page([token({ name: "Slow expired" })]));
            };
          });
        }
        return page([token({ name: q.status === "active" ? "Fast active" : "Any" })]);
      },
    });
    await renderApp();
    const filter = screen.getByTestId("status-filter");
    fireEvent.change(filter, { target: { value: "expired" } });
    fireEvent.change(filter, { target: { value: "active" } });
    expect(await screen.findByText("Fast active")).toBeInTheDocument();
    (release as (() => void) | null)?.();
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText("Slow expired")).not.toBeInTheDocument();
  });
});
