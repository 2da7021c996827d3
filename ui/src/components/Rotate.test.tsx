// Rotation in the UI: the Rotate… action and its dialog, the reveal of the successor, the rotated
// tag in the lists and the links between the two tokens in the detail panel.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TokenMeta, TokenUsage } from "../api";
import { formatDateTime } from "../lib/format";
import {
  ALL_PERMISSIONS,
  DAY,
  HOUR,
  MEMBER_PERMISSIONS,
  backend,
  fail,
  page,
  session,
  token,
} from "../test/fixtures";
import { render, renderApp } from "../test/render";
import { canRotate } from "./RotateDialog";
import { TokenDetail } from "./TokenDetail";

function row(name: string): HTMLElement {
  const found = screen.getAllByTestId("token-row").find((r) => within(r).queryByText(name));
  if (!found) throw new Error(`no row named ${name}`);
  return found;
}

function usage(meta: TokenMeta): TokenUsage {
  return { token: meta, lastClient: null, lastUserAgent: null, days: [] };
}

function renderDetail(meta: TokenMeta) {
  render(
    <TokenDetail token={meta} now={Date.now()} onClose={() => undefined} returnFocus={() => null} />,
  );
}

describe("the Rotate action", () => {
  it("is offered for active and suspended tokens not rotated yet", async () => {
    backend({
      list_tokens: () =>
        page([
          token({ name: "Live" }),
          token({ name: "Frozen", status: "suspended" }),
          token({ name: "Old", status: "expired", expiresAt: Date.now() - DAY }),
          token({ name: "Gone", status: "revoked", revokedAt: Date.now() - HOUR }),
          token({ name: "Replaced one", rotatedTo: "tok-next", expiresAt: Date.now() + DAY }),
        ]),
    });
    await renderApp();
    const rotatable = (name: string) => within(row(name)).queryByTestId("rotate-button") !== null;
    expect(rotatable("Live")).toBe(true);
    expect(rotatable("Frozen")).toBe(true);
    expect(rotatable("Old")).toBe(false);
    expect(rotatable("Gone")).toBe(false);
    expect(rotatable("Replaced one")).toBe(false);
    expect(within(row("Live")).getByTestId("rotate-button")).toHaveTextContent("Rotate…");
  });

  it("is hidden where the person could not create the token's like", () => {
    const mine = token({ ownerId: "u1" });
    const grace = token({ ownerId: "u2" });
    const support = token({ ownerId: "u2", kind: "impersonation" });
    const admin = session();
    const member = session({ permissions: MEMBER_PERMISSIONS });
    expect([mine, grace, support].map((t) => canRotate(t, admin))).toEqual([true, true, true]);
    expect([mine, grace, support].map((t) => canRotate(t, member))).toEqual([true, false, false]);
    expect(canRotate(mine, session({ canCreateOwn: false }))).toBe(false);
    expect(
      canRotate(support, session({ permissions: { ...ALL_PERMISSIONS, impersonate: false } })),
    ).toBe(false);
  });
});

describe("rotating", () => {
  it("sends the grace chosen, reveals the successor once, marks the old row rotated", async () => {
    const graceEnd = Date.now() + 7 * DAY;
    const original = token({ id: "t1", name: "CI deploy", displayHint: "tkd_…old1" });
    const successor = token({
      id: "t2",
      name: "CI deploy",
      displayHint: "tkd_…new2",
      rotatedFrom: "t1",
    });
    let rotated = false;
    const ipc = backend({
      list_tokens: () =>
        page(
          rotated
            ? [successor, { ...original, rotatedTo: "t2", expiresAt: graceEnd }]
            : [original],
        ),
      rotate_token: () => {
        rotated = true;
        return { meta: successor, token: "tkd_n3wS3cret" };
      },
    });
    const { user } = await renderApp();
    const lists = ipc.of("list_tokens").length;

    await user.click(within(row("CI deploy")).getByTestId("rotate-button"));
    const dialog = screen.getByTestId("rotate-dialog");
    expect(dialog).toHaveAccessibleName("Rotate “CI deploy”?");
    expect(dialog).toHaveTextContent("same name, scopes, tenants and lifetime");
    expect(dialog).toHaveTextContent("It is shown once.");
    expect(dialog).toHaveTextContent("keeps working for the grace period");
    const labels = ["none", "one_hour", "one_day", "seven_days"].map(
      (g) => screen.getByTestId<HTMLInputElement>(`rotate-grace-${g}`).labels?.[0]?.textContent,
    );
    expect(labels).toEqual(["None — stops now", "1 hour", "1 day", "7 days"]);
    expect(screen.getByTestId("rotate-grace-one_day")).toBeChecked();
    expect(screen.getByTestId("rotate-grace-one_day")).toHaveFocus();

    await user.click(screen.getByLabelText("7 days"));
    expect(screen.getByTestId("rotate-grace-seven_days")).toBeChecked();
    await user.click(screen.getByTestId("rotate-submit"));

    expect(ipc.of("rotate_token")).toEqual([
      { cmd: "rotate_token", args: { id: "t1", grace: "seven_days" } },
    ]);
    expect(await screen.findByTestId("revealed-token")).toHaveValue("tkd_n3wS3cret");
    expect(screen.queryByTestId("rotate-dialog")).not.toBeInTheDocument();

    // The lists are read again: the old row says until when it works.
    await waitFor(() => {
      expect(ipc.of("list_tokens").length).toBeGreaterThan(lists);
    });
    const old = await waitFor(() => {
      const r = screen.getAllByTestId("token-row").find((x) => x.dataset.tokenId === "t1");
      if (!r) throw new Error("no old row");
      return r;
    });
    expect(within(old).getByTestId("rotated-tag")).toHaveTextContent(/^Rotated$/);
    expect(within(old).getByTestId("rotated-tag")).toHaveAttribute(
      "title",
      `Replaced by a new token through rotation; works until ${formatDateTime(graceEnd)}`,
    );
    expect(within(old).queryByTestId("rotate-button")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("reveal-done"));
    await user.click(screen.getByTestId("reveal-confirm-close"));
    expect(screen.queryByTestId("reveal-dialog")).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue("tkd_n3wS3cret")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent("tkd_n3wS3cret");
    expect(ipc.of("rotate_token")).toHaveLength(1);
  });

  it("sends the default grace of one day", async () => {
    const original = token({ id: "t1", name: "CI deploy" });
    const ipc = backend({
      list_tokens: () => page([original]),
      rotate_token: () => ({ meta: token({ id: "t2", name: "CI deploy" }), token: "tkd_x" }),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("rotate-button"));
    await user.click(screen.getByTestId("rotate-submit"));
    await screen.findByTestId("revealed-token");
    expect(ipc.last("rotate_token")).toEqual({ id: "t1", grace: "one_day" });
  });

  it("shows Rust's refusal in the dialog, which stays open", async () => {
    const message = "This authorization was rotated already: rotate its successor.";
    const ipc = backend({
      list_tokens: () => page([token({ id: "t1", name: "CI deploy" })]),
      rotate_token: () => {
        fail("already_rotated", message);
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("rotate-button"));
    await user.click(screen.getByTestId("rotate-grace-none"));
    await user.click(screen.getByTestId("rotate-submit"));
    const dialog = screen.getByTestId("rotate-dialog");
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(message);
    expect(ipc.last("rotate_token")).toEqual({ id: "t1", grace: "none" });
    expect(screen.queryByTestId("reveal-dialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("rotate-submit")).toBeEnabled();
  });
});

describe("rotation in the list and the detail panel", () => {
  it("tags a rotated row, with until when it works while it still does", async () => {
    const until = Date.now() + HOUR;
    backend({
      list_tokens: () =>
        page([
          token({ name: "In grace", rotatedTo: "a", expiresAt: until }),
          token({ name: "Done", rotatedTo: "b", status: "expired", expiresAt: Date.now() - DAY }),
          token({ name: "Plain" }),
        ]),
    });
    await renderApp();
    expect(within(row("In grace")).getByTestId("rotated-tag")).toHaveAttribute(
      "title",
      `Replaced by a new token through rotation; works until ${formatDateTime(until)}`,
    );
    expect(within(row("Done")).getByTestId("rotated-tag")).toHaveTextContent(/^Rotated$/);
    expect(within(row("Plain")).queryByTestId("rotated-tag")).not.toBeInTheDocument();
  });

  it("links the old and the new token to each other", async () => {
    const until = Date.now() + DAY;
    const old = token({
      id: "old",
      name: "CI deploy",
      displayHint: "tkd_…old1",
      rotatedTo: "new",
      expiresAt: until,
    });
    const next = token({
      id: "new",
      name: "CI deploy",
      displayHint: "tkd_…new2",
      rotatedFrom: "old",
    });
    const ipc = backend({
      token_usage: ({ id }) =>
        id === "old" ? usage(old) : id === "new" ? usage(next) : fail("not_found", "no"),
    });
    const user = userEvent.setup();
    renderDetail(old);

    const replacedBy = await screen.findByTestId("detail-rotated-to");
    await waitFor(() => {
      expect(replacedBy).toHaveTextContent(
        `Replaced by CI deploy tkd_…new2 — works until ${formatDateTime(until)}`,
      );
    });
    expect(screen.queryByTestId("detail-rotated-from")).not.toBeInTheDocument();

    await user.click(within(replacedBy).getByTestId("detail-rotated-to-link"));
    const replaces = await screen.findByTestId("detail-rotated-from");
    expect(replaces).toHaveTextContent("Replaces CI deploy tkd_…old1");
    expect(screen.getByTestId("token-detail")).toHaveTextContent("tkd_…new2");
    expect(screen.queryByTestId("detail-rotated-to")).not.toBeInTheDocument();
    expect(screen.getByTestId("detail-close")).toHaveFocus();

    await user.click(within(replaces).getByTestId("detail-rotated-from-link"));
    expect(await screen.findByTestId("detail-rotated-to")).toBeInTheDocument();
    // Each token read by its id through token_usage, the command behind the panel.
    expect(new Set(ipc.of("token_usage").map((c) => c.args.id))).toEqual(new Set(["old", "new"]));
  });

  it("says a new token replaced it when that token cannot be read", async () => {
    const old = token({ id: "old", name: "CI deploy", rotatedTo: "new", status: "expired" });
    backend({
      token_usage: ({ id }) => (id === "old" ? usage(old) : fail("not_found", "no")),
    });
    renderDetail(old);
    const replacedBy = await screen.findByTestId("detail-rotated-to");
    expect(replacedBy).toHaveTextContent(/^Replaced by a new token$/);
  });
});
