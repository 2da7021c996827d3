import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { NewUser, Tenant, User } from "../api";
import {
  ADA,
  BILLING,
  DAY,
  EXPORTER,
  GRACE,
  MEMBER_PERMISSIONS,
  appInfo,
  backend,
  fail,
  user as makeUser,
} from "../test/fixtures";
import { render, renderApp } from "../test/render";
import { UsersPage } from "./UsersPage";

function userRow(email: string): HTMLElement {
  const row = screen
    .getAllByTestId("user-row")
    .find((r) => r.dataset.email === email);
  if (!row) throw new Error(`no row for ${email}`);
  return row;
}

async function openUsers(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend(handlers);
  const view = await renderApp();
  await view.user.click(screen.getByTestId("nav-users"));
  await screen.findByTestId("users-page");
  await screen.findAllByTestId("user-row");
  return { ipc, ...view };
}

describe("the users table", () => {
  it("lists each user with kind, role name, status and password", async () => {
    const disabled = makeUser({ id: "u4", displayName: "Linus", email: "linus@example.com", status: "disabled" });
    await openUsers({ list_users: () => [ADA, GRACE, BILLING, disabled] });
    const rows = screen.getAllByTestId("user-row");
    expect(rows.map((r) => r.dataset.userId)).toEqual(["u1", "u2", "u3", "u4"]);

    const grace = userRow("grace@example.com");
    expect(grace).toHaveTextContent("Grace Hopper");
    expect(grace).toHaveTextContent("Member");
    expect(within(grace).getByTestId("user-status")).toHaveTextContent("Active");
    expect(within(grace).getByTestId("user-has-password")).toHaveTextContent("Set");

    const ada = userRow("ada@example.com");
    expect(ada).toHaveTextContent("Owner");
    expect(ada).toHaveTextContent("(you)");
    expect(within(ada).getByTestId("user-has-password")).toHaveTextContent("Not set");

    const billing = userRow("");
    expect(within(billing).getByText("Service")).toBeInTheDocument();
    expect(within(billing).getByTestId("user-has-password")).toHaveTextContent(/^—$/);

    expect(within(userRow("linus@example.com")).getByTestId("user-status")).toHaveTextContent(
      "Disabled",
    );
  });

  it("offers Impersonate only for other, active users", async () => {
    const disabled = makeUser({ id: "u4", email: "linus@example.com", status: "disabled" });
    await openUsers({ list_users: () => [ADA, GRACE, disabled] });
    expect(within(userRow("grace@example.com")).getByTestId("impersonate-button")).toBeInTheDocument();
    expect(within(userRow("ada@example.com")).queryByTestId("impersonate-button")).toBeNull();
    expect(within(userRow("linus@example.com")).queryByTestId("impersonate-button")).toBeNull();
  });

  it("offers no Impersonate while already impersonating", async () => {
    await openUsers({ app_info: () => appInfo({}, { subject: GRACE, impersonating: true }) });
    expect(screen.queryByTestId("impersonate-button")).not.toBeInTheDocument();
  });

  it("offers no Impersonate without the permission", async () => {
    await openUsers({
      app_info: () =>
        appInfo(
          {},
          {
            permissions: {
              apiAccess: true,
              createTokensForOthers: false,
              impersonate: false,
              manageUsers: true,
              manageSettings: false,
              viewAudit: false,
            },
          },
        ),
    });
    expect(screen.queryByTestId("impersonate-button")).not.toBeInTheDocument();
  });
});

describe("adding a user", () => {
  it("sends the NewUser and shows the new row", async () => {
    const { ipc, user } = await openUsers({
      create_user: ({ user: u }) => {
        const n = u as NewUser;
        return makeUser({
          id: "u9",
          displayName: n.displayName,
          email: n.email ?? null,
          role: n.role,
          hasPassword: n.password !== undefined,
        });
      },
    });
    await user.click(screen.getByTestId("add-user"));
    expect(screen.getByRole("dialog", { name: "Add user" })).toBeInTheDocument();
    expect(screen.getByTestId("user-name")).toHaveFocus();
    await user.type(screen.getByTestId("user-name"), "  Katherine Johnson ");
    await user.type(screen.getByTestId("user-email"), "katherine@example.com");
    await user.selectOptions(screen.getByTestId("user-kind"), "human");
    await user.selectOptions(screen.getByTestId("user-role"), "Admin");
    await user.type(screen.getByTestId("user-password"), "orbital mechanics");
    await user.click(screen.getByTestId("user-submit"));

    expect(ipc.last("create_user")).toEqual({
      user: {
        displayName: "Katherine Johnson",
        email: "katherine@example.com",
        kind: "human",
        role: "admin",
        password: "orbital mechanics",
      },
    });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(userRow("katherine@example.com")).toHaveTextContent("Admin");
  });

  it("adds a service without email or password", async () => {
    const { ipc, user } = await openUsers({
      create_user: () => makeUser({ id: "u9", kind: "service", email: null }),
    });
    await user.click(screen.getByTestId("add-user"));
    await user.selectOptions(screen.getByTestId("user-kind"), "service");
    expect(screen.queryByTestId("user-password")).not.toBeInTheDocument();
    expect(screen.getByTestId("user-role")).toHaveValue("member");
    await user.type(screen.getByTestId("user-name"), "Nightly export{Enter}");
    await waitFor(() => {
      expect(ipc.last("create_user")).toEqual({
        user: { displayName: "Nightly export", kind: "service", role: "member" },
      });
    });
  });

  it("shows email_taken next to the email and clears the password", async () => {
    const message = "Another user already has the email address ada@example.com.";
    const { user } = await openUsers({
      create_user: () => {
        fail("email_taken", message);
      },
    });
    await user.click(screen.getByTestId("add-user"));
    await user.type(screen.getByTestId("user-name"), "Ada Two");
    await user.type(screen.getByTestId("user-email"), "ada@example.com");
    await user.type(screen.getByTestId("user-password"), "a long password");
    await user.click(screen.getByTestId("user-submit"));

    const error = await screen.findByTestId("field-error");
    expect(error).toHaveTextContent(message);
    // Next to the email: inside the email's field, described by it.
    const email = screen.getByTestId("user-email");
    expect(email.closest(".field")).toContainElement(error);
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveFocus();
    expect(screen.getByTestId("user-password")).toHaveValue("");
    expect(screen.getByRole("dialog", { name: "Add user" })).toBeInTheDocument();
  });

  it("shows invalid_password next to the password", async () => {
    const { user } = await openUsers({
      create_user: () => {
        fail("invalid_password", "That password is on a list of leaked passwords.");
      },
    });
    await user.click(screen.getByTestId("add-user"));
    await user.type(screen.getByTestId("user-name"), "Ann");
    await user.type(screen.getByTestId("user-email"), "ann@example.com");
    await user.type(screen.getByTestId("user-password"), "password1{Enter}");
    const error = await screen.findByTestId("field-error");
    expect(screen.getByTestId("user-password").closest(".field")).toContainElement(error);
  });

  it("checks the email and password before calling the server", async () => {
    const { ipc, user } = await openUsers();
    await user.click(screen.getByTestId("add-user"));
    await user.type(screen.getByTestId("user-name"), "Ann");
    await user.type(screen.getByTestId("user-password"), "short");
    await user.click(screen.getByTestId("user-submit"));
    const errors = screen.getAllByTestId("field-error").map((e) => e.textContent);
    expect(errors).toEqual([
      "An email address is required.",
      "A password has at least 8 characters.",
    ]);
    expect(ipc.of("create_user")).toHaveLength(0);
  });
});

describe("editing a user", () => {
  it("sends only what changed and shows permission errors in an alert", async () => {
    let fails = true;
    const { ipc, user } = await openUsers({
      update_user: ({ id, update }) => {
        if (fails) fail("last_owner", "Ada Lovelace is the last owner; make someone else an owner first.");
        return { ...ADA, id: id as string, ...(update as Partial<User>) };
      },
    });
    await user.click(within(userRow("ada@example.com")).getByTestId("edit-user-button"));
    expect(screen.getByTestId("user-name")).toHaveValue("Ada Lovelace");
    expect(screen.getByTestId("user-role")).toHaveValue("owner");
    expect(screen.queryByTestId("user-password")).not.toBeInTheDocument();
    await user.selectOptions(screen.getByTestId("user-role"), "member");
    await user.click(screen.getByTestId("user-submit"));
    expect(ipc.last("update_user")).toEqual({ id: "u1", update: { role: "member" } });
    expect(await screen.findByTestId("dialog-alert")).toHaveTextContent("is the last owner");
    expect(screen.getByRole("dialog")).toBeInTheDocument();

    fails = false;
    await user.clear(screen.getByTestId("user-name"));
    await user.type(screen.getByTestId("user-name"), "Countess Lovelace");
    await user.click(screen.getByTestId("user-submit"));
    expect(ipc.last("update_user")).toEqual({
      id: "u1",
      update: { displayName: "Countess Lovelace", role: "member" },
    });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(userRow("ada@example.com")).toHaveTextContent("Countess Lovelace");
  });
});

describe("row actions", () => {
  it("disable and enable call set_user_active", async () => {
    const { ipc, user } = await openUsers({
      set_user_active: ({ id, active }) => ({ ...GRACE, id: id as string, status: active ? "active" : "disabled" }),
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("disable-button"));
    expect(ipc.last("set_user_active")).toEqual({ id: "u2", active: false });
    await waitFor(() => {
      expect(within(userRow("grace@example.com")).getByTestId("user-status")).toHaveTextContent(
        "Disabled",
      );
    });

    await user.click(within(userRow("grace@example.com")).getByTestId("enable-button"));
    expect(ipc.last("set_user_active")).toEqual({ id: "u2", active: true });
    await waitFor(() => {
      expect(within(userRow("grace@example.com")).getByTestId("user-status")).toHaveTextContent(
        "Active",
      );
    });
  });

  it("shows last_owner and self_lockout in an alert", async () => {
    const { user } = await openUsers({
      set_user_active: () => {
        fail("last_owner", "Grace Hopper is the last owner and cannot be disabled.");
      },
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("disable-button"));
    expect(await screen.findByTestId("users-alert")).toHaveTextContent("is the last owner and cannot be disabled.");
    expect(within(userRow("grace@example.com")).getByTestId("user-status")).toHaveTextContent("Active");
  });

  it("does not offer disabling or removing yourself", async () => {
    await openUsers();
    const own = userRow("ada@example.com");
    expect(within(own).queryByTestId("disable-button")).toBeNull();
    expect(within(own).queryByTestId("remove-button")).toBeNull();
    expect(within(own).getByTestId("edit-user-button")).toBeInTheDocument();
    expect(within(userRow("grace@example.com")).getByTestId("remove-button")).toBeInTheDocument();
  });

  it("remove asks first, then calls remove_user", async () => {
    const { ipc, user } = await openUsers({
      remove_user: ({ id }) => ({ ...GRACE, id: id as string, status: "removed", email: "grace@example.com" }),
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("remove-button"));
    const dialog = screen.getByRole("dialog", { name: "Remove “Grace Hopper”?" });
    expect(dialog).toHaveTextContent(
      "Their tokens stop working immediately; the audit history is kept.",
    );
    expect(ipc.of("remove_user")).toHaveLength(0);

    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(ipc.of("remove_user")).toHaveLength(0);

    await user.click(within(userRow("grace@example.com")).getByTestId("remove-button"));
    await user.click(screen.getByTestId("remove-confirm"));
    expect(ipc.last("remove_user")).toEqual({ id: "u2" });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    const row = userRow("grace@example.com");
    expect(within(row).getByTestId("user-status")).toHaveTextContent("Removed");
    expect(within(row).queryByTestId("remove-button")).not.toBeInTheDocument();
  });

  it("shows a refused remove inside the confirm dialog", async () => {
    const { user } = await openUsers({
      remove_user: () => {
        fail("last_owner", "Grace Hopper is the last owner and cannot be removed.");
      },
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("remove-button"));
    await user.click(screen.getByTestId("remove-confirm"));
    expect(await screen.findByTestId("dialog-alert")).toHaveTextContent("is the last owner");
  });

  it("sets a password for a person", async () => {
    const { ipc, user } = await openUsers({
      set_password: ({ id }) => ({ ...GRACE, id: id as string, hasPassword: true }),
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("set-password-button"));
    await user.type(screen.getByTestId("set-password-input"), "temporary pass");
    await user.type(screen.getByTestId("set-password-confirm"), "temporary pass{Enter}");
    await waitFor(() => {
      expect(ipc.last("set_password")).toEqual({ id: "u2", password: "temporary pass" });
    });
  });

  it("impersonate calls start_impersonation and shows the subject's authorizations", async () => {
    const ipc = backend({
      start_impersonation: () => appInfo({}, { subject: GRACE, impersonating: true }),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-users"));
    await screen.findAllByTestId("user-row");
    await user.click(within(userRow("grace@example.com")).getByTestId("impersonate-button"));

    expect(ipc.last("start_impersonation")).toEqual({ userId: "u2" });
    expect(await screen.findByTestId("impersonation-banner")).toHaveTextContent(
      "Impersonating Grace Hopper",
    );
    expect(screen.getByTestId("authorizations-page")).toBeInTheDocument();
    expect(screen.queryByTestId("users-page")).not.toBeInTheDocument();
  });

  it("shows a refused impersonation in an alert", async () => {
    const { user } = await openUsers({
      start_impersonation: () => {
        fail("user_inactive", "Grace Hopper is disabled or removed and cannot be impersonated.");
      },
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("impersonate-button"));
    expect(await screen.findByTestId("users-alert")).toHaveTextContent("cannot be impersonated");
    expect(screen.queryByTestId("impersonation-banner")).not.toBeInTheDocument();
  });
});

describe("service users", () => {
  it("show whether they have an API password in the password column", async () => {
    await openUsers({ list_users: () => [ADA, GRACE, BILLING, EXPORTER] });
    const exporter = within(userRow("export@svc.example.com")).getByTestId("user-has-password");
    expect(exporter).toHaveTextContent(/^API password set$/);
    const billing = within(userRow("")).getByTestId("user-has-password");
    expect(billing).toHaveTextContent(/^—$/);
    expect(within(billing).getByText("—")).toHaveClass("muted");
    // People keep their wording.
    expect(within(userRow("grace@example.com")).getByTestId("user-has-password")).toHaveTextContent(
      /^Set$/,
    );
  });

  it("set an API password: the dialog says what it is for, then set_password", async () => {
    const without = { ...EXPORTER, hasPassword: false };
    const { ipc, user } = await openUsers({
      list_users: () => [ADA, GRACE, without],
      set_password: ({ id }) => ({ ...without, id: id as string, hasPassword: true }),
    });
    const row = () => userRow("export@svc.example.com");
    expect(within(row()).getByTestId("user-has-password")).toHaveTextContent(/^—$/);
    const open = within(row()).getByTestId("set-password-button");
    expect(open).toHaveTextContent(/^API password…$/);
    expect(open).toHaveAccessibleName("API password of Nightly export");
    await user.click(open);

    const dialog = screen.getByRole("dialog", { name: "API password for “Nightly export”" });
    const explanation = within(dialog).getByTestId("api-password-explanation");
    expect(explanation).toHaveTextContent(
      "only for the credential exchange: the service sends it with its email address, export@svc.example.com, to POST /api/auth/token",
    );
    expect(explanation).toHaveTextContent("It never signs in to the app.");
    expect(explanation).toHaveTextContent("Setting a new one ends the tokens obtained with the old one.");
    expect(dialog).not.toHaveTextContent("Switch user");
    expect(within(dialog).getByTestId("set-password-submit")).toHaveTextContent("Set API password");

    await user.type(screen.getByTestId("set-password-input"), "service secret pw");
    await user.type(screen.getByTestId("set-password-confirm"), "service secret pw");
    await user.click(screen.getByTestId("set-password-submit"));
    expect(ipc.of("set_password")).toHaveLength(1);
    expect(ipc.last("set_password")).toEqual({ id: "u5", password: "service secret pw" });
    await waitFor(() => {
      expect(dialog).not.toBeInTheDocument();
    });
    expect(within(row()).getByTestId("user-has-password")).toHaveTextContent(/^API password set$/);
    expect(within(row()).getByTestId("set-password-button")).toHaveFocus();
  });

  it("keep the person wording for people", async () => {
    const { user } = await openUsers();
    const open = within(userRow("grace@example.com")).getByTestId("set-password-button");
    expect(open).toHaveTextContent(/^Set password$/);
    await user.click(open);
    const dialog = screen.getByRole("dialog", { name: "Set a password for “Grace Hopper”" });
    expect(dialog).toHaveTextContent("This replaces their current password.");
    expect(dialog).not.toHaveTextContent("API");
    expect(within(dialog).queryByTestId("api-password-explanation")).not.toBeInTheDocument();
  });

  it("without an email get no API password form, only how to get one", async () => {
    const { ipc, user } = await openUsers();
    await user.click(within(userRow("")).getByTestId("set-password-button"));
    const dialog = screen.getByRole("dialog", { name: "API password for “Billing sync”" });
    expect(within(dialog).getByTestId("api-password-needs-email")).toHaveTextContent(
      "give it an email address with Edit first",
    );
    expect(within(dialog).queryByTestId("set-password-input")).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(dialog).not.toBeInTheDocument();
    expect(ipc.of("set_password")).toHaveLength(0);
  });

  it("show the core's refusal of an API password next to the password", async () => {
    const message =
      "A service user's API password goes with its email address to POST /api/auth/token: give it an email address first.";
    const { user } = await openUsers({
      list_users: () => [ADA, EXPORTER],
      set_password: () => {
        fail("invalid_password", message);
      },
    });
    await user.click(within(userRow("export@svc.example.com")).getByTestId("set-password-button"));
    await user.type(screen.getByTestId("set-password-input"), "service secret pw");
    await user.type(screen.getByTestId("set-password-confirm"), "service secret pw{Enter}");
    const error = await screen.findByTestId("field-error");
    expect(error).toHaveTextContent(message);
    expect(screen.getByTestId("set-password-input").closest(".field")).toContainElement(error);
    expect(screen.getByRole("dialog")).toBeInTheDocument();
  });
});

describe("client credentials", () => {
  const SECRET = "tkdcs_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  const CREDENTIALS = { clientId: "tkdc_0a1b2c3d4e5f", clientSecret: SECRET };

  it("are offered for service users only", async () => {
    await openUsers({ list_users: () => [ADA, GRACE, BILLING, EXPORTER] });
    expect(within(userRow("ada@example.com")).queryByTestId("client-credentials-button")).toBeNull();
    expect(within(userRow("grace@example.com")).queryByTestId("client-credentials-button")).toBeNull();
    const billing = within(userRow("")).getByTestId("client-credentials-button");
    expect(billing).toHaveTextContent(/^Client credentials…$/);
    expect(billing).toHaveAccessibleName("Client credentials of Billing sync");
    expect(
      within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"),
    ).toBeInTheDocument();
  });

  it("are not offered to someone who does not manage users", async () => {
    backend({ list_users: () => [GRACE, BILLING] });
    const info = appInfo({}, { actor: GRACE, subject: GRACE, permissions: MEMBER_PERMISSIONS });
    render(<UsersPage info={info} onImpersonated={vi.fn()} onChanged={vi.fn()} />);
    expect(await screen.findAllByTestId("user-row")).toHaveLength(2);
    expect(screen.queryByTestId("client-credentials-button")).not.toBeInTheDocument();
  });

  it("explain, create with set_client_credentials {id}, show the secret once, copy it, then forget it", async () => {
    const { ipc, user } = await openUsers({
      list_users: () => [ADA, GRACE, EXPORTER],
      set_client_credentials: () => CREDENTIALS,
      copy_token: () => null,
    });
    const open = within(userRow("export@svc.example.com")).getByTestId("client-credentials-button");
    await user.click(open);
    const dialog = screen.getByTestId("client-credentials-dialog");
    expect(dialog).toHaveAccessibleName("Client credentials for “Nightly export”");
    expect(dialog).toHaveTextContent("POST /oauth/token");
    // One wording for both cases: the UI cannot know whether credentials exist.
    expect(within(dialog).getByTestId("client-credentials-warning")).toHaveTextContent(
      "keeps the client id and makes a new secret: every token obtained with the old secret stops working",
    );
    const create = within(dialog).getByTestId("client-credentials-create");
    expect(create).toHaveTextContent("Create client credentials");
    expect(create).toHaveAccessibleDescription(/every token obtained with the old secret stops working/);
    // Nothing happens before the confirm.
    expect(ipc.of("set_client_credentials")).toHaveLength(0);

    await user.click(create);
    const secret = await within(dialog).findByTestId("client-secret");
    expect(ipc.of("set_client_credentials")).toHaveLength(1);
    expect(ipc.last("set_client_credentials")).toEqual({ id: "u5" });
    expect(within(dialog).getByTestId("client-id")).toHaveValue("tkdc_0a1b2c3d4e5f");
    expect(secret).toHaveValue(SECRET);
    expect(secret).toHaveAttribute("readonly");
    expect(dialog).toHaveTextContent("This secret will not be shown again.");
    expect(within(dialog).getByTestId("client-credentials-curl")).toHaveTextContent(
      'curl -u "tkdc_0a1b2c3d4e5f:$CLIENT_SECRET" -d grant_type=client_credentials https://tokendesk.example.com/oauth/token',
    );
    expect(within(dialog).queryByTestId("client-credentials-create")).not.toBeInTheDocument();

    const copy = within(dialog).getByTestId("copy-client-secret");
    expect(copy).toHaveFocus();
    await user.click(copy);
    expect(ipc.last("copy_token")).toEqual({ token: SECRET });
    expect(await within(dialog).findByRole("status")).toHaveTextContent(
      "Copied. The clipboard is cleared in 30 seconds.",
    );

    await user.click(within(dialog).getByTestId("client-credentials-done"));
    expect(dialog).not.toBeInTheDocument();
    expect(screen.queryByTestId("client-secret")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(SECRET);
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(
      within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"),
    ).toHaveFocus();

    // Opening it again asks again: the secret is not kept anywhere.
    await user.click(within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"));
    expect(screen.getByTestId("client-credentials-create")).toBeInTheDocument();
    expect(screen.queryByTestId("client-secret")).not.toBeInTheDocument();
    expect(ipc.of("set_client_credentials")).toHaveLength(1);
  });

  it("name the team server in the curl line when connected to one", async () => {
    const { user } = await openUsers({
      connection_info: () => ({
        mode: "server",
        server: "https://tokendesk.acme.test/",
        email: "ada@example.com",
        signedIn: true,
        privateCa: false,
      }),
      list_users: () => [ADA, EXPORTER],
      set_client_credentials: () => CREDENTIALS,
    });
    await user.click(within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"));
    await user.click(screen.getByTestId("client-credentials-create"));
    expect(await screen.findByTestId("client-credentials-curl")).toHaveTextContent(
      /-d grant_type=client_credentials https:\/\/tokendesk\.acme\.test\/oauth\/token$/,
    );
  });

  it("forget the secret on Escape too", async () => {
    const { user } = await openUsers({
      list_users: () => [ADA, EXPORTER],
      set_client_credentials: () => CREDENTIALS,
    });
    await user.click(within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"));
    await user.click(screen.getByTestId("client-credentials-create"));
    await screen.findByTestId("client-secret");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("client-credentials-dialog")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it("show a refusal in the dialog, which stays open to try again", async () => {
    let refuse = true;
    const { ipc, user } = await openUsers({
      list_users: () => [ADA, EXPORTER],
      set_client_credentials: () => {
        if (refuse) fail("permission_denied", "You may not manage users.");
        return CREDENTIALS;
      },
    });
    await user.click(within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"));
    const dialog = screen.getByTestId("client-credentials-dialog");
    await user.click(within(dialog).getByTestId("client-credentials-create"));
    expect(await within(dialog).findByTestId("client-credentials-error")).toHaveTextContent(
      "You may not manage users.",
    );
    expect(dialog).toBeInTheDocument();
    expect(within(dialog).queryByTestId("client-secret")).not.toBeInTheDocument();
    expect(within(dialog).getByTestId("client-credentials-create")).toHaveTextContent(
      "Create client credentials",
    );
    // The page itself shows nothing: the refusal belongs to the dialog.
    expect(screen.queryByTestId("users-alert")).not.toBeInTheDocument();

    refuse = false;
    await user.click(within(dialog).getByTestId("client-credentials-create"));
    expect(await within(dialog).findByTestId("client-secret")).toHaveValue(SECRET);
    expect(within(dialog).queryByTestId("client-credentials-error")).not.toBeInTheDocument();
    expect(ipc.of("set_client_credentials")).toHaveLength(2);
  });

  it("cancel without calling the server", async () => {
    const { ipc, user } = await openUsers({ list_users: () => [ADA, EXPORTER] });
    await user.click(within(userRow("export@svc.example.com")).getByTestId("client-credentials-button"));
    const dialog = screen.getByTestId("client-credentials-dialog");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(dialog).not.toBeInTheDocument();
    expect(ipc.of("set_client_credentials")).toHaveLength(0);
  });
});

describe("tenants", () => {
  const ACME: Tenant = { id: "t1", name: "Acme Corp", createdAt: Date.now() - 10 * DAY };
  const GLOBEX: Tenant = { id: "t2", name: "Globex", createdAt: Date.now() - 5 * DAY };
  const IN_ACME = { ...ADA, tenantIds: ["t1"], activeTenantId: "t1" };
  const IN_BOTH = { ...GRACE, tenantIds: ["t1", "t2"], activeTenantId: "t2" };
  const REMOVED = makeUser({
    id: "u4",
    displayName: "Gone",
    email: "gone@example.com",
    status: "removed",
    tenantIds: ["t1"],
    activeTenantId: "t1",
  });

  function tenantRow(name: string): HTMLElement {
    const row = screen
      .queryAllByTestId("tenant-row")
      .find((r) => within(r).getByTestId("tenant-name").textContent === name);
    if (!row) throw new Error(`no tenant row for ${name}`);
    return row;
  }

  const tenantNames = () => screen.queryAllByTestId("tenant-name").map((n) => n.textContent);

  /** A backend whose memberships change the way the core's do. */
  function withMembers(initial: User[]) {
    let users = initial;
    return {
      list_tenants: () => [GLOBEX, ACME],
      list_users: () => users,
      set_tenant_member: ({ tenantId, userId, member }: Record<string, unknown>) => {
        const t = tenantId as string;
        users = users.map((u) => {
          if (u.id !== userId) return u;
          const tenantIds = member
            ? [...u.tenantIds.filter((id) => id !== t), t]
            : u.tenantIds.filter((id) => id !== t);
          const activeTenantId =
            u.activeTenantId !== null && tenantIds.includes(u.activeTenantId)
              ? u.activeTenantId
              : (tenantIds[0] ?? null);
          return { ...u, tenantIds, activeTenantId };
        });
        return users.find((u) => u.id === userId);
      },
    };
  }

  it("lists tenants by name with member counts, not counting removed users", async () => {
    await openUsers({
      list_tenants: () => [GLOBEX, ACME],
      list_users: () => [IN_ACME, IN_BOTH, BILLING, REMOVED],
    });
    const section = screen.getByTestId("tenants-section");
    expect(within(section).getByRole("heading", { name: "Tenants" })).toBeInTheDocument();
    expect(tenantNames()).toEqual(["Acme Corp", "Globex"]);
    expect(within(tenantRow("Acme Corp")).getByTestId("tenant-members")).toHaveTextContent(/^2$/);
    expect(within(tenantRow("Globex")).getByTestId("tenant-members")).toHaveTextContent(/^1$/);
    expect(screen.getByRole("columnheader", { name: "Tenants" })).toBeInTheDocument();
  });

  it("says so when there are no tenants", async () => {
    await openUsers();
    expect(screen.getByTestId("no-tenants")).toHaveTextContent("No tenants yet.");
    expect(screen.queryAllByTestId("tenant-row")).toHaveLength(0);
    expect(within(userRow("ada@example.com")).getByTestId("user-tenants")).toHaveTextContent(/^—$/);
  });

  it("shows each user's tenants with the active one marked", async () => {
    await openUsers({
      list_tenants: () => [GLOBEX, ACME],
      list_users: () => [IN_ACME, IN_BOTH, BILLING],
    });
    const grace = within(userRow("grace@example.com")).getByTestId("user-tenants");
    expect(grace).toHaveTextContent(/^Acme Corp, Globex \(active\)$/);
    const active = within(grace).getByText("Globex");
    expect(active).toHaveClass("tenant-active");
    expect(within(grace).getByText("Acme Corp")).not.toHaveClass("tenant-active");
    expect(within(userRow("ada@example.com")).getByTestId("user-tenants")).toHaveTextContent(
      /^Acme Corp \(active\)$/,
    );
  });

  it("adds a tenant: create_tenant {name}, then it is listed", async () => {
    const { ipc, user } = await openUsers({
      list_tenants: () => [GLOBEX],
      create_tenant: ({ name }) => ({ id: "t9", name: name as string, createdAt: Date.now() }),
    });
    const add = screen.getByTestId("add-tenant");
    await user.click(add);
    const dialog = screen.getByRole("dialog", { name: "Add tenant" });
    expect(screen.getByTestId("tenant-name-input")).toHaveFocus();
    await user.type(screen.getByTestId("tenant-name-input"), "  Acme Corp {Enter}");

    expect(ipc.last("create_tenant")).toEqual({ name: "Acme Corp" });
    await waitFor(() => {
      expect(dialog).not.toBeInTheDocument();
    });
    expect(tenantNames()).toEqual(["Acme Corp", "Globex"]);
    expect(within(tenantRow("Acme Corp")).getByTestId("tenant-members")).toHaveTextContent(/^0$/);
    expect(add).toHaveFocus();
  });

  it("checks the name before calling the server", async () => {
    const { ipc, user } = await openUsers();
    await user.click(screen.getByTestId("add-tenant"));
    await user.type(screen.getByTestId("tenant-name-input"), "   ");
    await user.click(screen.getByTestId("tenant-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("A name is required.");
    expect(screen.getByTestId("tenant-name-input")).toHaveAttribute("aria-invalid", "true");
    expect(ipc.of("create_tenant")).toHaveLength(0);
  });

  it("shows name_taken under the name and keeps the dialog open", async () => {
    const message = "A tenant named Globex already exists.";
    const { user } = await openUsers({
      list_tenants: () => [GLOBEX],
      create_tenant: () => {
        fail("name_taken", message);
      },
    });
    await user.click(screen.getByTestId("add-tenant"));
    const input = screen.getByTestId("tenant-name-input");
    await user.type(input, "Globex{Enter}");

    const error = await screen.findByTestId("field-error");
    expect(error).toHaveTextContent(message);
    expect(input.closest(".field")).toContainElement(error);
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveFocus();
    expect(screen.getByRole("dialog", { name: "Add tenant" })).toBeInTheDocument();
    expect(tenantNames()).toEqual(["Globex"]);

    // Typing again clears the server's complaint.
    await user.type(input, " Ltd");
    expect(screen.queryByTestId("field-error")).not.toBeInTheDocument();
  });

  it("shows a refusal that is not about the name in the dialog's alert", async () => {
    const { user } = await openUsers({
      create_tenant: () => {
        fail("permission_denied", "You may not manage users.");
      },
    });
    await user.click(screen.getByTestId("add-tenant"));
    await user.type(screen.getByTestId("tenant-name-input"), "Initech{Enter}");
    expect(await screen.findByTestId("dialog-alert")).toHaveTextContent("You may not manage users.");
    expect(screen.queryByTestId("field-error")).not.toBeInTheDocument();
  });

  it("renames a tenant and the users table follows", async () => {
    const { ipc, user } = await openUsers({
      list_tenants: () => [GLOBEX, ACME],
      list_users: () => [IN_ACME, IN_BOTH],
      rename_tenant: ({ id, name }) => ({ ...ACME, id: id as string, name: name as string }),
    });
    const rename = within(tenantRow("Acme Corp")).getByTestId("rename-tenant-button");
    expect(rename).toHaveAccessibleName("Rename Acme Corp");
    await user.click(rename);
    const dialog = screen.getByRole("dialog", { name: "Rename “Acme Corp”" });
    const input = screen.getByTestId("tenant-name-input");
    expect(input).toHaveValue("Acme Corp");
    await user.clear(input);
    await user.type(input, "Zenith Industries");
    await user.click(screen.getByTestId("tenant-submit"));

    expect(ipc.last("rename_tenant")).toEqual({ id: "t1", name: "Zenith Industries" });
    await waitFor(() => {
      expect(dialog).not.toBeInTheDocument();
    });
    expect(tenantNames()).toEqual(["Globex", "Zenith Industries"]);
    expect(within(userRow("ada@example.com")).getByTestId("user-tenants")).toHaveTextContent(
      /^Zenith Industries \(active\)$/,
    );
  });

  it("does not call the server for a rename that changes nothing", async () => {
    const { ipc, user } = await openUsers({ list_tenants: () => [ACME] });
    await user.click(within(tenantRow("Acme Corp")).getByTestId("rename-tenant-button"));
    await user.click(screen.getByTestId("tenant-submit"));
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(ipc.of("rename_tenant")).toHaveLength(0);
  });

  it("changes memberships: set_tenant_member per checkbox, the row updates from the returned user", async () => {
    const { ipc, user } = await openUsers(
      withMembers([IN_ACME, { ...GRACE, tenantIds: ["t1"], activeTenantId: "t1" }, BILLING]),
    );
    const open = within(userRow("grace@example.com")).getByTestId("tenants-button");
    expect(open).toHaveAccessibleName("Tenants of Grace Hopper");
    await user.click(open);
    const dialog = screen.getByRole("dialog", { name: "Tenants of “Grace Hopper”" });
    const boxes = within(dialog).getAllByTestId("tenant-member");
    expect(boxes.map((b) => b.dataset.tenantId)).toEqual(["t1", "t2"]);
    const acme = within(dialog).getByRole("checkbox", { name: /Acme Corp/ });
    const globex = within(dialog).getByRole("checkbox", { name: /Globex/ });
    expect(acme).toBeChecked();
    expect(globex).not.toBeChecked();
    expect(acme.closest("label")).toHaveTextContent("(active)");

    await user.click(globex);
    expect(ipc.last("set_tenant_member")).toEqual({ tenantId: "t2", userId: "u2", member: true });
    await waitFor(() => {
      expect(globex).toBeChecked();
    });
    const cell = () => within(userRow("grace@example.com")).getByTestId("user-tenants");
    expect(cell()).toHaveTextContent(/^Acme Corp \(active\), Globex$/);
    expect(within(tenantRow("Globex")).getByTestId("tenant-members")).toHaveTextContent(/^1$/);

    // Leaving the active tenant moves it to the other one.
    await user.click(acme);
    expect(ipc.last("set_tenant_member")).toEqual({ tenantId: "t1", userId: "u2", member: false });
    await waitFor(() => {
      expect(acme).not.toBeChecked();
    });
    expect(cell()).toHaveTextContent(/^Globex \(active\)$/);
    expect(globex.closest("label")).toHaveTextContent("(active)");
    expect(within(tenantRow("Acme Corp")).getByTestId("tenant-members")).toHaveTextContent(/^1$/);

    await user.click(within(dialog).getByTestId("memberships-done"));
    expect(dialog).not.toBeInTheDocument();
    expect(within(userRow("grace@example.com")).getByTestId("tenants-button")).toHaveFocus();
  });

  it("works from the keyboard", async () => {
    const { ipc, user } = await openUsers(withMembers([IN_ACME, GRACE, BILLING]));
    within(userRow("grace@example.com")).getByTestId("tenants-button").focus();
    await user.keyboard("{Enter}");
    // The first checkbox has focus: Space toggles it.
    const acme = screen.getByRole("checkbox", { name: /Acme Corp/ });
    expect(acme).toHaveFocus();
    await user.keyboard(" ");
    expect(ipc.last("set_tenant_member")).toEqual({ tenantId: "t1", userId: "u2", member: true });
    await waitFor(() => {
      expect(within(userRow("grace@example.com")).getByTestId("user-tenants")).toHaveTextContent(
        /^Acme Corp \(active\)$/,
      );
    });
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(within(userRow("grace@example.com")).getByTestId("tenants-button")).toHaveFocus();
  });

  it("shows a refused membership change in the dialog and leaves the box as it was", async () => {
    const { user } = await openUsers({
      list_tenants: () => [ACME],
      set_tenant_member: () => {
        fail("user_inactive", "Grace Hopper was removed and cannot join a tenant.");
      },
    });
    await user.click(within(userRow("grace@example.com")).getByTestId("tenants-button"));
    const box = screen.getByRole("checkbox", { name: /Acme Corp/ });
    await user.click(box);
    expect(await screen.findByTestId("dialog-alert")).toHaveTextContent(
      "Acme Corp: Grace Hopper was removed and cannot join a tenant.",
    );
    expect(box).not.toBeChecked();
    expect(within(userRow("grace@example.com")).getByTestId("user-tenants")).toHaveTextContent(/^—$/);
  });

  it("offers no membership changes for removed users", async () => {
    await openUsers({ list_tenants: () => [ACME], list_users: () => [IN_ACME, GRACE, REMOVED] });
    expect(within(userRow("grace@example.com")).getByTestId("tenants-button")).toBeInTheDocument();
    const removed = userRow("gone@example.com");
    expect(within(removed).queryByTestId("tenants-button")).not.toBeInTheDocument();
    // Their past memberships still show.
    expect(within(removed).getByTestId("user-tenants")).toHaveTextContent("Acme Corp");
  });

  it("shows the users when the tenants cannot be listed, with the failure in the Tenants section only", async () => {
    let failing = true;
    const ipc = backend({
      list_users: () => [IN_ACME, IN_BOTH],
      list_tenants: () => {
        if (failing) fail("database_busy", "The database is busy.");
        return [GLOBEX, ACME];
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-users"));
    await screen.findByTestId("users-page");
    expect(await screen.findAllByTestId("user-row")).toHaveLength(2);

    const section = screen.getByTestId("tenants-section");
    const alert = await within(section).findByTestId("tenants-error");
    expect(alert).toHaveTextContent("The database is busy.");
    // The page itself loaded: no page-wide alert, the users and their roles are listed.
    expect(screen.queryByTestId("error-alert")).not.toBeInTheDocument();
    expect(screen.getAllByRole("alert")).toEqual([alert]);
    expect(within(userRow("grace@example.com")).getByText("Member")).toBeInTheDocument();
    expect(screen.getByTestId("add-user")).toBeEnabled();
    // Without the tenants, memberships show as ids and cannot be changed here.
    expect(within(userRow("ada@example.com")).getByTestId("user-tenants")).toHaveTextContent("t1");
    expect(screen.queryByTestId("tenants-button")).not.toBeInTheDocument();
    expect(within(section).queryByTestId("add-tenant")).not.toBeInTheDocument();

    failing = false;
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(within(section).getByRole("heading", { name: "Tenants" })).toHaveFocus();
    expect(await within(section).findAllByTestId("tenant-row")).toHaveLength(2);
    expect(screen.queryByTestId("tenants-error")).not.toBeInTheDocument();
    expect(within(userRow("ada@example.com")).getByTestId("user-tenants")).toHaveTextContent(
      "Acme Corp",
    );
    expect(within(userRow("ada@example.com")).getByTestId("tenants-button")).toBeInTheDocument();
    expect(within(section).getByRole("heading", { name: "Tenants" })).toHaveFocus();
    expect(ipc.of("list_tenants")).toHaveLength(2);
    expect(ipc.of("list_users")).toHaveLength(1);
  });

  it("is hidden, with the Tenants column, from someone who does not manage users", async () => {
    const ipc = backend({
      list_tenants: () => [ACME],
      list_users: () => [IN_ACME, IN_BOTH],
    });
    const info = appInfo({}, { actor: GRACE, subject: GRACE, permissions: MEMBER_PERMISSIONS });
    render(<UsersPage info={info} onImpersonated={vi.fn()} onChanged={vi.fn()} />);
    expect(await screen.findAllByTestId("user-row")).toHaveLength(2);
    expect(screen.queryByTestId("tenants-section")).not.toBeInTheDocument();
    expect(screen.queryByTestId("add-tenant")).not.toBeInTheDocument();
    expect(screen.queryByRole("columnheader", { name: "Tenants" })).not.toBeInTheDocument();
    expect(screen.queryByTestId("tenants-button")).not.toBeInTheDocument();
    expect(ipc.of("list_tenants")).toHaveLength(0);
  });
});
