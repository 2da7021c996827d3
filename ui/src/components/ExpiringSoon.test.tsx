import { emit } from "@tauri-apps/api/event";
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ListQuery } from "../api";
import {
  GRACE,
  MEMBER_PERMISSIONS,
  appInfo,
  backend,
  fail,
  page,
  token,
} from "../test/fixtures";
import { renderApp } from "../test/render";

const SOON = token({ name: "deploy", expiresAt: Date.now() + 2 * 24 * 3_600_000 });

describe("Expiring soon", () => {
  it("lists everyone's active tokens within the first alert's days, soonest first", async () => {
    const ipc = backend({
      app_info: () => ({ ...appInfo(), alerts: { firstDays: 10, lastDays: 2 } }),
      list_tokens: () => page([SOON]),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-expiring"));
    const view = await screen.findByTestId("expiring-page");
    expect(within(view).getByRole("heading", { level: 1 })).toHaveTextContent("Expiring soon");
    expect(view).toHaveTextContent("expire within 10 days, whoever holds them");
    expect(view).toHaveTextContent("notified 10 days and 2 days before");
    await within(view).findByText("deploy");
    expect(ipc.last("list_tokens")).toMatchObject({
      query: { scope: "all", status: "active", expiringWithinDays: 10, sort: "expires", dir: "asc" },
    });
    // The filter is the usual one, shown and editable.
    expect(screen.getByTestId("expiring-filter")).toHaveValue(10);
  });

  it("shows a member their own", async () => {
    const ipc = backend({
      app_info: () =>
        appInfo({}, { actor: GRACE, subject: GRACE, permissions: MEMBER_PERMISSIONS, localOwner: false }),
      list_tokens: () => page([SOON]),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-expiring"));
    await screen.findByText("deploy");
    const q = ipc.last("list_tokens")?.query as ListQuery;
    expect(q).toMatchObject({ scope: "own", status: "active", expiringWithinDays: 7 });
  });

  it("opens from the tray, and a notification's click opens its token", async () => {
    const ipc = backend({
      list_tokens: () => page([token({ name: "other" })]),
      get_token: ({ id }) => (id === SOON.id ? SOON : fail("not_found", "No such token.")),
    });
    await renderApp();
    expect(screen.getByTestId("authorizations-page")).toBeInTheDocument();

    await emit("show-expiring");
    expect(await screen.findByTestId("expiring-page")).toBeInTheDocument();
    expect(screen.getByTestId("nav-expiring")).toHaveAttribute("aria-current", "page");

    await emit("open-token", SOON.id);
    expect(await screen.findByRole("dialog", { name: "deploy" })).toBeInTheDocument();
    expect(ipc.last("get_token")).toEqual({ id: SOON.id });

    // A token gone meanwhile: said, not a blank panel.
    await emit("open-token", "gone");
    await waitFor(() => {
      expect(screen.getByTestId("open-token-error")).toHaveTextContent("No such token.");
    });
  });

  it("waits while a token is shown once, so the reveal is never swept away", async () => {
    backend({
      list_tokens: () => page([]),
      create_token: () => ({ meta: token({ name: "fresh" }), token: "tkd_s3cretvalue0123456789abcdefXYZ" }),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("empty-add-authorization"));
    await user.type(screen.getByTestId("token-name"), "fresh");
    await user.click(screen.getByTestId("create-submit"));
    expect(await screen.findByTestId("reveal-dialog")).toBeInTheDocument();

    await emit("show-expiring");
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId("reveal-dialog")).toBeInTheDocument();
    expect(screen.queryByTestId("expiring-page")).not.toBeInTheDocument();

    // Taken: the view it asked for opens now.
    await user.click(screen.getByTestId("reveal-done"));
    const confirm = screen.queryByTestId("reveal-confirm-close");
    if (confirm) await user.click(confirm);
    expect(await screen.findByTestId("expiring-page")).toBeInTheDocument();
  });
});
