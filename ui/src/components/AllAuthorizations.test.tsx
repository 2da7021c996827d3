import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CreateTokenRequest, ListQuery } from "../api";
import { backend, page, token } from "../test/fixtures";
import { renderApp } from "../test/render";

function rowNamed(name: string): HTMLElement {
  const row = screen.getAllByTestId("token-row").find((r) => within(r).queryByText(name));
  if (!row) throw new Error(`no row named ${name}`);
  return row;
}

async function openAll(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend({
    list_tokens: ({ query }) =>
      (query as ListQuery).scope === "all"
        ? page([
            token({ name: "CI deploy", ownerName: "Ada Lovelace" }),
            token({
              name: "Grace's laptop",
              ownerId: "u2",
              ownerName: "Grace Hopper",
              createdBy: "u1",
              createdByName: "Ada Lovelace",
            }),
            token({ name: "Support", kind: "impersonation", ownerId: "u2", ownerName: "Grace Hopper" }),
          ])
        : page([token({ name: "Mine" })]),
    ...handlers,
  });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("nav-all"));
  await screen.findByTestId("all-authorizations-page");
  await screen.findByText("Grace's laptop");
  return { ipc, ...view };
}

describe("All authorizations", () => {
  it("lists with scope all and shows an Owner column", async () => {
    const { ipc } = await openAll();
    expect(ipc.last("list_tokens")).toEqual({
      query: { scope: "all", sort: "created", dir: "desc", limit: 50 },
    });
    expect(screen.getByRole("columnheader", { name: "Owner" })).toBeInTheDocument();
    const grace = rowNamed("Grace's laptop");
    expect(within(grace).getByTestId("owner-cell")).toHaveTextContent("Grace Hopper");
    expect(within(grace).getByTestId("owner-cell")).toHaveTextContent("created by Ada Lovelace");
    expect(within(rowNamed("CI deploy")).getByTestId("owner-cell")).toHaveTextContent(
      /^Ada Lovelace$/,
    );
    expect(within(rowNamed("Support")).getByTestId("impersonation-tag")).toHaveTextContent(
      "Impersonation",
    );
  });

  it("the own page has no Owner column", async () => {
    backend({ list_tokens: () => page([token({ name: "Mine" })]) });
    await renderApp();
    expect(screen.queryByRole("columnheader", { name: "Owner" })).not.toBeInTheDocument();
    expect(screen.queryByTestId("owner-cell")).not.toBeInTheDocument();
  });

  it("sends the owner, kind, expiring and unused filters", async () => {
    const { ipc, user } = await openAll();
    const owner = await screen.findByTestId("owner-filter");
    expect(within(owner).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Anyone",
      "Ada Lovelace",
      "Grace Hopper",
      "Billing sync",
    ]);
    await user.selectOptions(owner, "Grace Hopper");
    await waitFor(() => {
      expect(ipc.last("list_tokens")).toMatchObject({ query: { scope: "all", ownerId: "u2" } });
    });
    await user.selectOptions(screen.getByTestId("kind-filter"), "Service");
    await user.type(screen.getByTestId("expiring-filter"), "7");
    await user.type(screen.getByTestId("unused-filter"), "30");
    await user.selectOptions(screen.getByTestId("status-filter"), "Suspended");

    await waitFor(() => {
      expect(ipc.last("list_tokens")).toEqual({
        query: {
          scope: "all",
          sort: "created",
          dir: "desc",
          limit: 50,
          ownerId: "u2",
          kind: "service",
          status: "suspended",
          expiringWithinDays: 7,
          unusedForDays: 30,
        },
      });
    });

    // Clearing a number filter drops it from the query.
    fireEvent.change(screen.getByTestId("unused-filter"), { target: { value: "" } });
    await waitFor(() => {
      expect(ipc.last("list_tokens")?.query).not.toHaveProperty("unusedForDays");
    });
    expect(ipc.last("list_tokens")).toMatchObject({ query: { expiringWithinDays: 7 } });
  });

  it("renames through the same row actions", async () => {
    const { ipc, user } = await openAll({
      rename_token: ({ id, name }) => token({ id: id as string, name: name as string }),
    });
    await user.click(within(rowNamed("Grace's laptop")).getByTestId("rename-button"));
    await user.clear(screen.getByTestId("rename-input"));
    await user.type(screen.getByTestId("rename-input"), "Old laptop{Enter}");
    await waitFor(() => {
      expect(ipc.of("rename_token")).toHaveLength(1);
    });
  });

  it("creates a token for another user with forUser", async () => {
    const { ipc, user } = await openAll({
      create_token: ({ request }) => ({
        meta: token({ name: (request as CreateTokenRequest).name, ownerId: "u2" }),
        token: "tkd_s3cret",
      }),
    });
    await user.click(screen.getByTestId("add-for-user"));
    const owner = screen.getByTestId("token-owner");
    expect(owner).toHaveFocus();
    await user.type(screen.getByTestId("token-name"), "Deploy key");
    await user.click(screen.getByTestId("create-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("Choose who the authorization is for.");
    expect(ipc.of("create_token")).toHaveLength(0);

    await user.selectOptions(owner, "Grace Hopper (grace@example.com)");
    await user.click(screen.getByTestId("create-submit"));
    await waitFor(() => {
      expect(ipc.last("create_token")).toEqual({
        request: {
          forUser: "u2",
          name: "Deploy key",
          expiry: { kind: "preset", preset: "thirty_days" },
        },
      });
    });
  });
});

describe("tags and badges on the own page", () => {
  it("marks impersonation tokens and suspended tokens", async () => {
    backend({
      list_tokens: () =>
        page([
          token({ name: "Personal" }),
          token({ name: "Support session", kind: "impersonation" }),
          token({ name: "Frozen", status: "suspended" }),
        ]),
    });
    await renderApp();
    expect(within(rowNamed("Support session")).getByTestId("impersonation-tag")).toHaveTextContent(
      "Impersonation",
    );
    expect(within(rowNamed("Personal")).queryByTestId("impersonation-tag")).toBeNull();
    expect(screen.getAllByTestId("impersonation-tag")).toHaveLength(1);

    const frozen = rowNamed("Frozen");
    expect(frozen.dataset.status).toBe("suspended");
    expect(within(frozen).getByTestId("status-badge")).toHaveTextContent("Suspended");
    expect(within(frozen).getByTestId("status-badge")).toHaveClass("badge-suspended");
    expect(within(rowNamed("Personal")).getByTestId("status-badge")).toHaveTextContent("Active");
  });
});
