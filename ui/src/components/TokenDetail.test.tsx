import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Tenant, TokenMeta, TokenUsage, UsageDay } from "../api";
import { DAY, backend, fail, page, token } from "../test/fixtures";
import { render, renderApp } from "../test/render";
import { TokenDetail } from "./TokenDetail";

/** 2026-11-20, as days since the Unix epoch: the last of the 30 days. */
const LAST_DAY = Date.UTC(2026, 10, 20) / DAY;

/** 30 days ending on LAST_DAY, oldest first; `counts` maps an index (0 = oldest) to its uses. */
function days(counts: Record<number, number> = {}): UsageDay[] {
  return Array.from({ length: 30 }, (_, i) => ({ day: LAST_DAY - 29 + i, count: counts[i] ?? 0 }));
}

function usage(meta: TokenMeta, over: Partial<Omit<TokenUsage, "token">> = {}): TokenUsage {
  return { token: meta, lastClient: null, lastUserAgent: null, days: days(), ...over };
}

function row(name: string): HTMLElement {
  const found = screen.getAllByTestId("token-row").find((r) => within(r).queryByText(name));
  if (!found) throw new Error(`no row named ${name}`);
  return found;
}

/** Renders the panel alone against the mocked backend. */
function renderDetail(meta: TokenMeta, onClose = vi.fn()) {
  const user = userEvent.setup();
  render(<TokenDetail token={meta} now={Date.now()} onClose={onClose} returnFocus={() => null} />);
  return { user, onClose };
}

function bars(): HTMLElement[] {
  return screen.getAllByTestId("usage-bar");
}

/** The bar of day `i` (0 = oldest). */
function bar(i: number): HTMLElement {
  const found = bars()[i];
  if (!found) throw new Error(`no bar ${i}`);
  return found;
}

function heightOf(bar: Element): number {
  return Number(bar.getAttribute("height"));
}

describe("the token detail panel", () => {
  it("opens from the row's name, asks token_usage for that token and shows what it says", async () => {
    const grace = token({
      id: "t2",
      name: "Grace's laptop",
      description: "Her dev machine",
      kind: "impersonation",
      ownerId: "u2",
      ownerName: "Grace Hopper",
      createdByName: "Ada Lovelace",
      useCount: 1234,
      lastUsedAt: Date.now() - 3_600_000,
      scopes: ["tokens:read", "audit:read"],
      tenantIds: ["ten-7", "ten-9"],
    });
    const acme: Tenant = { id: "ten-7", name: "Acme Corp", createdAt: 0 };
    const ipc = backend({
      list_tokens: () => page([token({ id: "t1", name: "CI deploy" }), grace]),
      // ten-9 is not listed (deleted, or not visible): its id is shown instead.
      list_tenants: () => [{ id: "ten-1", name: "Globex", createdAt: 0 }, acme],
      token_usage: ({ id }) =>
        id === "t2"
          ? usage(grace, {
              lastClient: "203.0.113.7",
              lastUserAgent: "curl/8.5.0",
              days: days({ 29: 3 }),
            })
          : fail("not_found", "wrong token"),
    });
    const { user } = await renderApp();
    expect(ipc.of("token_usage")).toHaveLength(0);

    await user.click(within(row("Grace's laptop")).getByTestId("details-button"));
    const dialog = screen.getByRole("dialog", { name: "Grace's laptop" });
    expect(ipc.of("token_usage")).toEqual([{ cmd: "token_usage", args: { id: "t2" } }]);

    const details = await within(dialog).findByTestId("token-details");
    const item = (id: string) => within(details).getByTestId(id);
    expect(item("detail-last-client")).toHaveTextContent(/^203\.0\.113\.7$/);
    expect(item("detail-user-agent")).toHaveTextContent(/^curl\/8\.5\.0$/);
    expect(within(item("detail-access")).getAllByRole("listitem").map((li) => li.textContent)).toEqual(
      ["tokens:read", "audit:read"],
    );
    await waitFor(() => {
      expect(
        within(item("detail-tenants")).getAllByRole("listitem").map((li) => li.textContent),
      ).toEqual(["Acme Corp", "ten-9"]);
    });
    expect(item("detail-description")).toHaveTextContent(/^Her dev machine$/);
    expect(within(item("detail-kind")).getByText("Impersonation")).toHaveClass("pill", "pill-impersonation");
    expect(item("detail-status")).toHaveTextContent(/^Active$/);
    expect(item("detail-owner")).toHaveTextContent(/^Grace Hopper$/);
    expect(item("detail-created-by")).toHaveTextContent(/^Ada Lovelace$/);
    expect(item("detail-use-count")).toHaveTextContent(/^1,234$/);
    expect(item("detail-last-used")).toHaveTextContent("(1 hour ago)");
    expect(item("detail-expires")).toHaveTextContent("(in 30 days)");
    expect(within(details).queryByTestId("detail-revoked")).not.toBeInTheDocument();
    expect(within(dialog).getByRole("img")).toHaveAccessibleName(
      "Uses per day over the last 30 days: 3 in total, most on 2026-11-20 (3)",
    );
  });

  it("says Full access, All tenants and Not recorded for an unrestricted token never seen", async () => {
    const meta = token({ name: "Plain", scopes: null, tenantIds: null });
    backend({ token_usage: () => usage(meta) });
    renderDetail(meta);
    const details = await screen.findByTestId("token-details");
    expect(within(details).getByTestId("detail-access")).toHaveTextContent(/^Full access$/);
    expect(within(details).getByTestId("detail-tenants")).toHaveTextContent(/^All$/);
    expect(within(details).getByTestId("detail-last-client")).toHaveTextContent(/^Not recorded$/);
    expect(within(details).getByTestId("detail-user-agent")).toHaveTextContent(/^Not recorded$/);
    expect(within(details).getByTestId("detail-last-used")).toHaveTextContent(/^Never$/);
    expect(within(details).getByTestId("detail-kind")).toHaveTextContent(/^Personal$/);
    expect(within(details).queryByText("Impersonation")).not.toBeInTheDocument();
  });

  it("shows the tenant ids when the tenants cannot be listed", async () => {
    const meta = token({ name: "Limited", tenantIds: ["ten-7"] });
    const ipc = backend({
      token_usage: () => usage(meta),
      list_tenants: () => {
        fail("permission_denied", "You may not list tenants.");
      },
    });
    renderDetail(meta);
    const tenants = await screen.findByTestId("detail-tenants");
    await waitFor(() => {
      expect(ipc.of("list_tenants")).toHaveLength(1);
    });
    expect(within(tenants).getByRole("listitem")).toHaveTextContent(/^ten-7$/);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("opens for a revoked row too and shows when and why it was revoked", async () => {
    const revokedAt = Date.UTC(2026, 10, 19, 12, 0);
    const leaked = token({
      id: "t9",
      name: "Leaked",
      status: "revoked",
      revokedAt,
      revokeReason: "Pasted in a public issue",
    });
    const ipc = backend({
      list_tokens: () => page([leaked]),
      token_usage: () => usage(leaked),
    });
    const { user } = await renderApp();
    await user.click(within(row("Leaked")).getByTestId("details-button"));
    const revoked = await screen.findByTestId("detail-revoked");
    expect(ipc.last("token_usage")).toEqual({ id: "t9" });
    expect(within(revoked).getByText("Reason: Pasted in a public issue")).toBeInTheDocument();
    expect(revoked.querySelector("time")).toHaveAttribute("datetime", new Date(revokedAt).toISOString());
    expect(screen.getByTestId("detail-status")).toHaveTextContent(/^Revoked$/);
  });

  it("draws 30 bars, oldest first, each as tall as its share of the busiest day", async () => {
    const counts = { 0: 5, 10: 10, 20: 10, 29: 17 };
    const meta = token();
    backend({ token_usage: () => usage(meta, { days: days(counts) }) });
    renderDetail(meta);

    const chart = await screen.findByRole("img");
    expect(chart).toHaveAccessibleName(
      "Uses per day over the last 30 days: 42 in total, most on 2026-11-20 (17)",
    );
    const all = bars();
    expect(all).toHaveLength(30);
    expect(all.map((b) => Number(b.dataset.count))).toEqual(days(counts).map((d) => d.count));
    expect(bar(0).dataset.day).toBe("2026-10-22");
    expect(bar(29).dataset.day).toBe("2026-11-20");

    const tallest = heightOf(bar(29));
    expect(tallest).toBeGreaterThan(0);
    for (const [i, b] of all.entries()) {
      const count = days(counts)[i]?.count ?? -1;
      expect(heightOf(b)).toBeCloseTo((tallest * count) / 17, 1);
    }
    expect(heightOf(bar(10))).toBeCloseTo(2 * heightOf(bar(0)), 1);
    expect(heightOf(bar(1))).toBe(0);
    // Bars stand on the same baseline.
    const bottoms = new Set(all.map((b) => Number(b.getAttribute("y")) + heightOf(b)));
    expect(bottoms.size).toBe(1);

    const title = (b: Element) => b.parentElement?.querySelector("title")?.textContent;
    expect(title(bar(29))).toBe("2026-11-20: 17 uses");
    expect(title(bar(0))).toBe("2026-10-22: 5 uses");
    expect(title(bar(1))).toBe("2026-10-23: 0 uses");

    expect(screen.getByTestId("usage-axis")).toHaveTextContent(/^2026-10-22 to 2026-11-20$/);
    expect(screen.queryByTestId("usage-empty")).not.toBeInTheDocument();
  });

  it("names the most recent of equally busy days and says 1 use, not 1 uses", async () => {
    const meta = token();
    backend({ token_usage: () => usage(meta, { days: days({ 3: 1, 7: 1 }) }) });
    renderDetail(meta);
    expect(await screen.findByRole("img")).toHaveAccessibleName(
      "Uses per day over the last 30 days: 2 in total, most on 2026-10-29 (1)",
    );
    expect(heightOf(bar(3))).toBe(heightOf(bar(7)));
    expect(bar(3).parentElement?.querySelector("title")).toHaveTextContent("2026-10-25: 1 use");
  });

  it("says so instead of drawing a chart when there were no uses", async () => {
    const meta = token({ useCount: 12, lastUsedAt: Date.now() - 40 * DAY });
    backend({ token_usage: () => usage(meta) });
    renderDetail(meta);
    expect(await screen.findByTestId("usage-empty")).toHaveTextContent(
      /^Not used in the last 30 days$/,
    );
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(screen.queryByTestId("usage-bar")).not.toBeInTheDocument();
    expect(screen.getByTestId("detail-use-count")).toHaveTextContent(/^12$/);
  });

  it("shows Loading until token_usage answers", async () => {
    const meta = token({ name: "Slow" });
    let answer: (value: TokenUsage) => void = () => undefined;
    backend({
      token_usage: () =>
        new Promise<TokenUsage>((resolve) => {
          answer = resolve;
        }),
    });
    renderDetail(meta);
    expect(screen.getByRole("dialog", { name: "Slow" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Loading…");
    expect(screen.queryByTestId("token-details")).not.toBeInTheDocument();
    answer(usage(meta, { lastClient: "198.51.100.4" }));
    expect(await screen.findByTestId("detail-last-client")).toHaveTextContent("198.51.100.4");
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  it("shows the error in an alert, and tries again on request", async () => {
    const meta = token({ id: "t5", name: "Gone" });
    const message = "No authorization with that id is visible to you.";
    let failing = true;
    const ipc = backend({
      token_usage: () => (failing ? fail("not_found", message) : usage(meta, { lastUserAgent: "ua/1" })),
    });
    const { user } = renderDetail(meta);
    const alert = await screen.findByTestId("detail-error");
    expect(alert).toHaveTextContent(message);
    expect(screen.getByRole("alert")).toBe(alert);
    expect(screen.queryByTestId("token-details")).not.toBeInTheDocument();
    expect(screen.queryByRole("img")).not.toBeInTheDocument();

    failing = false;
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    // The button went with the alert: focus stays in the dialog, on Close.
    expect(screen.getByTestId("detail-close")).toHaveFocus();
    expect(await screen.findByTestId("detail-user-agent")).toHaveTextContent("ua/1");
    expect(screen.queryByTestId("detail-error")).not.toBeInTheDocument();
    expect(screen.getByTestId("detail-close")).toHaveFocus();
    expect(ipc.of("token_usage").map((c) => c.args)).toEqual([{ id: "t5" }, { id: "t5" }]);
  });

  it("closes on Escape and gives focus back to the row's name", async () => {
    const meta = token({ id: "t1", name: "CI deploy" });
    backend({
      list_tokens: () => page([token({ name: "Other" }), meta]),
      token_usage: () => usage(meta, { days: days({ 5: 2 }) }),
    });
    const { user } = await renderApp();
    const opener = within(row("CI deploy")).getByTestId("details-button");
    await user.click(opener);
    const dialog = screen.getByRole("dialog", { name: "CI deploy" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    await within(dialog).findByRole("img");
    expect(screen.getByTestId("detail-close")).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it("closes with its Close button, and the focus goes back there too", async () => {
    const meta = token({ name: "CI deploy" });
    backend({ list_tokens: () => page([meta]), token_usage: () => usage(meta) });
    const { user } = await renderApp();
    const opener = screen.getByTestId("details-button");
    opener.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("usage-empty")).toBeInTheDocument();
    await user.click(screen.getByTestId("detail-close"));
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(opener).toHaveFocus();
  });

  it("reports Escape to its owner when rendered on its own", async () => {
    const meta = token();
    backend({ token_usage: () => usage(meta) });
    const { user, onClose } = renderDetail(meta);
    await screen.findByTestId("token-details");
    expect(onClose).not.toHaveBeenCalled();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
