import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CreateTokenRequest, Tenant } from "../api";
import {
  appInfo,
  backend,
  DAY,
  fail,
  GRACE,
  MEMBER_PERMISSIONS,
  page,
  token,
  user as makeUser,
} from "../test/fixtures";
import { renderApp } from "../test/render";

const created = (request: CreateTokenRequest) => ({
  meta: token({ id: "new-1", name: request.name }),
  token: "tkd_s3cretvalue0123456789abcdefXYZ",
});

async function openAdd(policy: Parameters<typeof appInfo>[0] = {}) {
  const ipc = backend({
    app_info: () => appInfo(policy),
    create_token: ({ request }) => created(request as CreateTokenRequest),
  });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("add-authorization"));
  return { ipc, ...view };
}

function optionLabels(): string[] {
  const select = screen.getByTestId("token-expiry");
  return within(select)
    .getAllByRole("option")
    .map((o) => o.textContent);
}

describe("the Add authorization dialog", () => {
  it("opens with focus on the name and the policy's default expiry", async () => {
    await openAdd();
    const dialog = screen.getByRole("dialog", { name: "Add authorization" });
    expect(screen.getByTestId("token-name")).toHaveFocus();
    expect(within(dialog).getByText("Created")).toBeInTheDocument();
    const select = screen.getByTestId<HTMLSelectElement>("token-expiry");
    expect(select.selectedOptions[0]?.textContent).toBe("30 days");
    expect(screen.getByTestId("expiry-summary")).toHaveTextContent("(in 30 days)");
  });

  it("refuses an empty name without asking the server", async () => {
    const { ipc, user } = await openAdd();
    await user.type(screen.getByTestId("token-name"), "   ");
    await user.click(screen.getByTestId("create-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("A name is required.");
    expect(screen.getByTestId("token-name")).toHaveAttribute("aria-invalid", "true");
    expect(ipc.of("create_token")).toHaveLength(0);
  });

  it("refuses a name over 100 characters", async () => {
    const { ipc, user } = await openAdd();
    fireEvent.change(screen.getByTestId("token-name"), { target: { value: "x".repeat(101) } });
    await user.click(screen.getByTestId("create-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("at most 100 characters");
    expect(ipc.of("create_token")).toHaveLength(0);
  });

  it("sends the name, description and preset, submitting on Enter", async () => {
    const { ipc, user } = await openAdd();
    await user.type(screen.getByTestId("token-description"), "Deploys from GitHub");
    await user.selectOptions(screen.getByTestId("token-expiry"), "7 days");
    await user.type(screen.getByTestId("token-name"), "  CI deploy {Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toEqual({
      request: {
        name: "CI deploy",
        description: "Deploys from GitHub",
        expiry: { kind: "preset", preset: "seven_days" },
      },
    });
  });

  it("shows name_taken from the server next to the name", async () => {
    const message =
      "Another active authorization is already named “CI”. Choose another name, or revoke the other one first.";
    const ipc = backend({
      create_token: () => {
        fail("name_taken", message);
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("add-authorization"));
    await user.type(screen.getByTestId("token-name"), "CI");
    await user.click(screen.getByTestId("create-submit"));
    const error = await screen.findByTestId("field-error");
    expect(error).toHaveTextContent(message);
    expect(screen.getByTestId("token-name")).toHaveAttribute("aria-describedby", error.id);
    expect(screen.getByRole("dialog", { name: "Add authorization" })).toBeInTheDocument();
    expect(ipc.of("create_token")).toHaveLength(1);
  });

  it("shows invalid_expiry from the server next to the expiry", async () => {
    backend({
      create_token: () => {
        fail("invalid_expiry", "The policy allows at most 90 days.");
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("add-authorization"));
    await user.type(screen.getByTestId("token-name"), "CI{Enter}");
    const error = await screen.findByTestId("field-error");
    expect(error).toHaveTextContent("The policy allows at most 90 days.");
    expect(screen.getByTestId("token-expiry")).toHaveAttribute("aria-describedby", error.id);
  });

  it("offers only what the policy allows", async () => {
    await openAdd({ presets: ["one_day", "thirty_days"], allowNever: false, allowCustom: false });
    expect(optionLabels()).toEqual(["1 day", "30 days"]);
  });

  it("offers Never and Custom when the policy allows them", async () => {
    await openAdd({
      allowNever: true,
      allowCustom: true,
      defaultChoice: { kind: "never" },
    });
    expect(optionLabels()).toEqual([
      "1 hour",
      "1 day",
      "7 days",
      "30 days",
      "60 days",
      "90 days",
      "1 year",
      "Custom…",
      "Never",
    ]);
    expect(screen.getByTestId<HTMLSelectElement>("token-expiry").value).toBe("never");
    // Option values are the wire names, so E2E can select by value.
    const values = within(screen.getByTestId("token-expiry"))
      .getAllByRole<HTMLOptionElement>("option")
      .map((o) => o.value);
    expect(values).toEqual([
      "one_hour",
      "one_day",
      "seven_days",
      "thirty_days",
      "sixty_days",
      "ninety_days",
      "one_year",
      "custom",
      "never",
    ]);
  });

  it("sends Never as an expiry choice", async () => {
    const { ipc, user } = await openAdd({ allowNever: true });
    await user.selectOptions(screen.getByTestId("token-expiry"), "Never");
    await user.type(screen.getByTestId("token-name"), "Forever{Enter}");
    await waitFor(() => {
      expect(ipc.last("create_token")).toEqual({
        request: { name: "Forever", expiry: { kind: "never" } },
      });
    });
  });

  it("converts a custom local date and time to milliseconds since the epoch", async () => {
    const { ipc, user } = await openAdd({ maxLifetimeDays: 90 });
    await user.selectOptions(screen.getByTestId("token-expiry"), "Custom…");
    const input = screen.getByTestId("token-expiry-custom");
    expect(input).toHaveAttribute("type", "datetime-local");

    const target = new Date(Date.now() + 10 * DAY);
    target.setHours(14, 30, 0, 0);
    const pad = (n: number) => String(n).padStart(2, "0");
    const local = `${target.getFullYear()}-${pad(target.getMonth() + 1)}-${pad(target.getDate())}T14:30`;
    fireEvent.change(input, { target: { value: local } });

    await user.type(screen.getByTestId("token-name"), "Audit{Enter}");
    await waitFor(() => {
      expect(ipc.last("create_token")).toEqual({
        request: { name: "Audit", expiry: { kind: "custom", at: target.getTime() } },
      });
    });
  });

  it("refuses a custom date beyond the maximum lifetime", async () => {
    const { ipc, user } = await openAdd({ maxLifetimeDays: 90 });
    await user.selectOptions(screen.getByTestId("token-expiry"), "Custom…");
    const late = new Date(Date.now() + 120 * DAY);
    const pad = (n: number) => String(n).padStart(2, "0");
    fireEvent.change(screen.getByTestId("token-expiry-custom"), {
      target: { value: `${late.getFullYear()}-${pad(late.getMonth() + 1)}-${pad(late.getDate())}T10:00` },
    });
    await user.type(screen.getByTestId("token-name"), "Too long{Enter}");
    expect(screen.getByTestId("field-error")).toHaveTextContent("at most 90 days from now");
    expect(ipc.of("create_token")).toHaveLength(0);
  });

  it("closes on Escape and gives focus back to the Add button", async () => {
    const { ipc, user } = await openAdd();
    await user.type(screen.getByTestId("token-name"), "half typed");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("add-authorization")).toHaveFocus();
    expect(ipc.of("create_token")).toHaveLength(0);
  });
});

const TENANTS: Tenant[] = [
  { id: "t1", name: "Acme Corp", createdAt: 0 },
  { id: "t2", name: "Globex", createdAt: 0 },
  { id: "t3", name: "Initech", createdAt: 0 },
];

async function openWith(
  sessionOver: Parameters<typeof appInfo>[1],
  handlers: Parameters<typeof backend>[0] = {},
) {
  const ipc = backend({
    app_info: () => appInfo({}, sessionOver),
    create_token: ({ request }) => created(request as CreateTokenRequest),
    list_tenants: () => TENANTS,
    ...handlers,
  });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("add-authorization"));
  return { ipc, ...view };
}

describe("scopes in the Add authorization dialog", () => {
  it("defaults to full access and sends no scopes", async () => {
    const { ipc, user } = await openAdd();
    expect(screen.getByRole("radio", { name: "Full access" })).toBeChecked();
    expect(screen.getByRole("radio", { name: "Read-only scopes" })).not.toBeChecked();
    expect(screen.queryByTestId("token-scopes")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("token-name"), "Full{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    const request = ipc.last("create_token")?.request as Record<string, unknown>;
    expect(request).not.toHaveProperty("scopes");
    expect(request).not.toHaveProperty("tenantIds");
  });

  it("sends the ticked scopes, in a stable order, when limited", async () => {
    const { ipc, user } = await openAdd();
    await user.click(screen.getByRole("radio", { name: "Read-only scopes" }));
    const scopes = screen.getByRole("group", { name: "Scopes" });
    expect(within(scopes).getAllByRole("checkbox")).toHaveLength(4);
    expect(within(scopes).getByText("Lets a service check other tokens via POST /oauth/introspect."))
      .toBeInTheDocument();
    await user.click(screen.getByTestId("scope-introspect"));
    await user.click(screen.getByTestId("scope-tokens:read"));
    await user.type(screen.getByTestId("token-name"), "Gateway{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toEqual({
      request: {
        name: "Gateway",
        expiry: { kind: "preset", preset: "thirty_days" },
        scopes: ["tokens:read", "introspect"],
      },
    });
  });

  it("drops the ticked scopes when switched back to full access", async () => {
    const { ipc, user } = await openAdd();
    await user.click(screen.getByTestId("access-limited"));
    await user.click(screen.getByTestId("scope-audit:read"));
    await user.click(screen.getByTestId("access-full"));
    expect(screen.queryByTestId("token-scopes")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("token-name"), "Back to full{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")?.request).not.toHaveProperty("scopes");
  });

  it("refuses a limited token with no scope ticked, without asking the server", async () => {
    const { ipc, user } = await openAdd();
    await user.click(screen.getByTestId("access-limited"));
    await user.type(screen.getByTestId("token-name"), "Nothing{Enter}");
    const error = screen.getByTestId("field-error");
    expect(error).toHaveTextContent("Choose at least one scope, or give the token full access.");
    expect(screen.getByTestId("token-scopes")).toHaveAttribute("aria-describedby", error.id);
    expect(screen.getByTestId("scope-users:read")).toHaveFocus();
    // The box focus lands on says why, besides its own hint.
    expect(screen.getByTestId("scope-users:read")).toHaveAccessibleDescription(
      "Read users and their roles. Choose at least one scope, or give the token full access.",
    );
    expect(screen.getByTestId("scope-tokens:read")).not.toHaveAccessibleDescription(/Choose at least/);
    expect(ipc.of("create_token")).toHaveLength(0);

    await user.click(screen.getByTestId("scope-users:read"));
    await user.click(screen.getByTestId("create-submit"));
    await waitFor(() => {
      expect(ipc.last("create_token")).toMatchObject({ request: { scopes: ["users:read"] } });
    });
  });

  it("disables the scopes a member's role does not hold, and says why", async () => {
    const { ipc, user } = await openWith({ permissions: MEMBER_PERMISSIONS });
    await user.click(screen.getByTestId("access-limited"));
    expect(screen.getByTestId("scope-users:read")).toBeDisabled();
    expect(screen.getByTestId("scope-audit:read")).toBeDisabled();
    expect(screen.getByTestId("scope-tokens:read")).toBeEnabled();
    expect(screen.getByTestId("scope-introspect")).toBeEnabled();
    expect(screen.getByRole("checkbox", { name: /users:read/ })).toHaveAccessibleDescription(
      /Needs the Manage users permission, which your role does not have\./,
    );
    expect(screen.getByRole("checkbox", { name: /audit:read/ })).toHaveAccessibleDescription(
      /Needs the View audit permission/,
    );
    expect(screen.getByRole("checkbox", { name: /tokens:read/ })).not.toHaveAccessibleDescription(
      /Needs the/,
    );

    // A click on a disabled box changes nothing; the enabled one is sent alone.
    await user.click(screen.getByTestId("scope-audit:read"));
    expect(screen.getByTestId("scope-audit:read")).not.toBeChecked();
    await user.click(screen.getByTestId("scope-tokens:read"));
    await user.type(screen.getByTestId("token-name"), "Reader{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toMatchObject({ request: { scopes: ["tokens:read"] } });
  });

  it("ties the scope error to the first box that can be ticked", async () => {
    const { user } = await openWith({ permissions: MEMBER_PERMISSIONS });
    await user.click(screen.getByTestId("access-limited"));
    await user.type(screen.getByTestId("token-name"), "Nothing{Enter}");
    const error = screen.getByTestId("field-error");
    const first = screen.getByTestId("scope-tokens:read");
    expect(first).toHaveFocus();
    expect(first.getAttribute("aria-describedby")?.split(" ")).toContain(error.id);
    expect(screen.getByTestId("scope-users:read").getAttribute("aria-describedby")).not.toContain(
      error.id,
    );
  });

  it("disables the scopes an impersonated owner's role does not hold, and says why", async () => {
    const { ipc, user } = await openWith({ subject: GRACE, impersonating: true });
    await user.click(screen.getByTestId("access-limited"));
    // The actor holds everything; Grace's member role has neither Manage users nor View audit.
    await waitFor(() => {
      expect(screen.getByTestId("scope-audit:read")).toBeDisabled();
    });
    expect(screen.getByTestId("scope-users:read")).toBeDisabled();
    expect(screen.getByTestId("scope-tokens:read")).toBeEnabled();
    expect(screen.getByTestId("scope-introspect")).toBeEnabled();
    expect(screen.getByRole("checkbox", { name: /users:read/ })).toHaveAccessibleDescription(
      /Grace Hopper’s role does not have the Manage users permission\./,
    );
    expect(screen.getByRole("checkbox", { name: /audit:read/ })).toHaveAccessibleDescription(
      /Grace Hopper’s role does not have the View audit permission\./,
    );
    expect(screen.getByRole("checkbox", { name: /users:read/ })).not.toHaveAccessibleDescription(
      /your role/,
    );

    await user.click(screen.getByTestId("scope-audit:read"));
    await user.click(screen.getByTestId("scope-tokens:read"));
    await user.type(screen.getByTestId("token-name"), "Grace reader{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toMatchObject({ request: { scopes: ["tokens:read"] } });
  });

  it("checks the chosen owner's role when creating for someone else", async () => {
    const ipc = backend({
      list_users: () => [makeUser(), GRACE],
      list_tokens: () => page([token({ name: "Existing" })]),
      create_token: ({ request }) => created(request as CreateTokenRequest),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-all"));
    await screen.findByTestId("all-authorizations-page");
    await user.click(await screen.findByTestId("add-for-user"));
    await user.click(screen.getByTestId("access-limited"));

    // For oneself, only one's own permissions count.
    await user.selectOptions(screen.getByTestId("token-owner"), "u1");
    await user.click(screen.getByTestId("scope-audit:read"));
    expect(screen.getByTestId("scope-audit:read")).toBeChecked();

    // For Grace, her member role rules audit:read out, and the tick goes with it.
    await user.selectOptions(screen.getByTestId("token-owner"), "u2");
    const audit = screen.getByTestId("scope-audit:read");
    await waitFor(() => {
      expect(audit).toBeDisabled();
    });
    expect(audit).not.toBeChecked();
    expect(audit).toHaveAccessibleDescription(
      /Grace Hopper’s role does not have the View audit permission\./,
    );
    expect(screen.getByTestId("scope-users:read")).toBeDisabled();

    await user.click(screen.getByTestId("scope-tokens:read"));
    await user.type(screen.getByTestId("token-name"), "For Grace{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toMatchObject({
      request: { forUser: "u2", scopes: ["tokens:read"] },
    });
  });

  it("checks only the actor when the roles cannot be listed, and shows Rust's refusal", async () => {
    const message =
      "The scope audit:read needs a right that Grace Hopper does not hold, so the token cannot get it.";
    const { ipc, user } = await openWith(
      { subject: GRACE, impersonating: true },
      {
        list_roles: () => {
          fail("permission_denied", "You may not list roles.");
        },
        create_token: () => {
          fail("permission_denied", message);
        },
      },
    );
    await user.click(screen.getByTestId("access-limited"));
    // One call for the header's role name, one for the dialog.
    await waitFor(() => {
      expect(ipc.of("list_roles")).toHaveLength(2);
    });
    const audit = screen.getByTestId("scope-audit:read");
    expect(audit).toBeEnabled();
    expect(audit).not.toHaveAccessibleDescription(/role does not have/);
    await user.click(audit);
    await user.type(screen.getByTestId("token-name"), "Audit reader{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent(message);
    expect(screen.getByRole("dialog", { name: "Add authorization" })).toBeInTheDocument();
    expect(ipc.of("create_token")).toHaveLength(1);
  });

  it("does not look up roles for one's own token", async () => {
    const ipc = backend({ app_info: () => appInfo({}, {}) });
    const { user } = await renderApp();
    const before = ipc.of("list_roles").length;
    await user.click(screen.getByTestId("add-authorization"));
    await user.click(screen.getByTestId("access-limited"));
    expect(screen.getByTestId("scope-audit:read")).toBeEnabled();
    expect(ipc.of("list_roles")).toHaveLength(before);
  });
});

describe("tenants in the Add authorization dialog", () => {
  const member = makeUser({ tenantIds: ["t1", "t2"], activeTenantId: "t1" });

  it("offers the subject's tenants by name and sends none when none are ticked", async () => {
    const { ipc, user } = await openWith({ subject: member });
    const group = await screen.findByRole("group", { name: /Limit to tenants/ });
    expect(within(group).getAllByRole("checkbox").map((c) => c.closest("label")?.textContent)).toEqual([
      "Acme Corp",
      "Globex",
    ]);
    expect(group).toHaveAccessibleDescription(/None ticked: the token works in all of Ada Lovelace’s tenants\./);
    await user.type(screen.getByTestId("token-name"), "Everywhere{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")?.request).not.toHaveProperty("tenantIds");
  });

  it("sends the ticked tenants", async () => {
    const { ipc, user } = await openWith({ subject: member });
    await user.click(await screen.findByRole("checkbox", { name: "Globex" }));
    expect(screen.getByRole("group", { name: /Limit to tenants/ })).toHaveAccessibleDescription(
      "The token works only in the ticked tenants.",
    );
    await user.type(screen.getByTestId("token-name"), "Globex only{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toEqual({
      request: {
        name: "Globex only",
        expiry: { kind: "preset", preset: "thirty_days" },
        tenantIds: ["t2"],
      },
    });
  });

  it("sends scopes and tenants together", async () => {
    const { ipc, user } = await openWith({ subject: member });
    await user.click(await screen.findByRole("checkbox", { name: "Acme Corp" }));
    await user.click(screen.getByTestId("access-limited"));
    await user.click(screen.getByTestId("scope-tokens:read"));
    await user.type(screen.getByTestId("token-name"), "Both{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toMatchObject({
      request: { scopes: ["tokens:read"], tenantIds: ["t1"] },
    });
  });

  it("hides the section when the subject has no tenants, without asking for them", async () => {
    const { ipc } = await openWith({});
    expect(screen.getByTestId("token-access")).toBeInTheDocument();
    expect(screen.queryByTestId("token-tenants")).not.toBeInTheDocument();
    expect(ipc.of("list_tenants")).toHaveLength(0);
  });

  it("hides the section when the tenants cannot be listed", async () => {
    const { ipc, user } = await openWith(
      { subject: member },
      {
        list_tenants: () => {
          fail("permission_denied", "You may not list tenants.");
        },
      },
    );
    await waitFor(() => {
      expect(ipc.of("list_tenants")).toHaveLength(1);
    });
    expect(screen.queryByTestId("token-tenants")).not.toBeInTheDocument();
    expect(screen.queryByTestId("field-error")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("token-name"), "Plain{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")?.request).not.toHaveProperty("tenantIds");
  });

  it("offers the chosen owner's tenants when creating for someone else", async () => {
    const grace = makeUser({
      id: "u2",
      displayName: "Grace Hopper",
      email: "grace@example.com",
      role: "member",
      tenantIds: ["t3"],
    });
    const ipc = backend({
      list_users: () => [makeUser(), grace],
      list_tokens: () => page([token({ name: "Existing" })]),
      list_tenants: () => TENANTS,
      create_token: ({ request }) => created(request as CreateTokenRequest),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-all"));
    await screen.findByTestId("all-authorizations-page");
    await user.click(await screen.findByTestId("add-for-user"));
    expect(screen.queryByTestId("token-tenants")).not.toBeInTheDocument();
    await user.selectOptions(screen.getByTestId("token-owner"), "u2");
    await user.click(await screen.findByRole("checkbox", { name: "Initech" }));
    expect(screen.queryByRole("checkbox", { name: "Acme Corp" })).not.toBeInTheDocument();
    await user.type(screen.getByTestId("token-name"), "Grace's{Enter}");
    await waitFor(() => {
      expect(ipc.of("create_token")).toHaveLength(1);
    });
    expect(ipc.last("create_token")).toMatchObject({
      request: { forUser: "u2", tenantIds: ["t3"] },
    });
  });
});
