import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ListQuery } from "./api";
import {
  ADA,
  GRACE,
  MEMBER_PERMISSIONS,
  appInfo,
  backend,
  fail,
  page,
  token,
} from "./test/fixtures";
import { navLabels, renderApp } from "./test/render";

const GRACE_SESSION = {
  actor: GRACE,
  subject: GRACE,
  permissions: MEMBER_PERMISSIONS,
  localOwner: false,
};

const IMPERSONATING = { subject: GRACE, impersonating: true };

describe("navigation", () => {
  it("shows a member only Authorizations", async () => {
    backend({ app_info: () => appInfo({}, GRACE_SESSION) });
    await renderApp();
    expect(navLabels()).toEqual(["Authorizations", "Expiring soon"]);
    expect(screen.queryByTestId("nav-users")).not.toBeInTheDocument();
    expect(screen.queryByTestId("nav-settings")).not.toBeInTheDocument();
  });

  it("shows an owner every page", async () => {
    backend();
    await renderApp();
    expect(navLabels()).toEqual([
      "Authorizations",
      "All authorizations",
      "Expiring soon",
      "Users",
      "Migration",
      "Audit",
      "Settings",
    ]);
    expect(screen.getByTestId("nav-own")).toHaveAttribute("aria-current", "page");
  });

  it("follows each permission on its own", async () => {
    backend({
      app_info: () =>
        appInfo({}, { ...GRACE_SESSION, permissions: { ...MEMBER_PERMISSIONS, viewAudit: true } }),
    });
    const { user } = await renderApp();
    expect(navLabels()).toEqual(["Authorizations", "Expiring soon", "Audit"]);
    await user.click(screen.getByTestId("nav-audit"));
    expect(await screen.findByTestId("audit-page")).toBeInTheDocument();
    expect(screen.queryByTestId("authorizations-page")).not.toBeInTheDocument();
  });

  it("opens All authorizations for impersonate alone", async () => {
    backend({
      app_info: () =>
        appInfo({}, { ...GRACE_SESSION, permissions: { ...MEMBER_PERMISSIONS, impersonate: true } }),
    });
    await renderApp();
    expect(navLabels()).toEqual(["Authorizations", "All authorizations", "Expiring soon"]);
  });

  it("hides Add authorization when the session may not create", async () => {
    backend({ app_info: () => appInfo({}, { ...GRACE_SESSION, canCreateOwn: false }) });
    await renderApp();
    expect(screen.queryByTestId("add-authorization")).not.toBeInTheDocument();
    expect(screen.queryByTestId("empty-add-authorization")).not.toBeInTheDocument();
  });
});

describe("the header", () => {
  it("shows the signed-in actor and their role name", async () => {
    backend({ app_info: () => appInfo({}, GRACE_SESSION) });
    await renderApp();
    const signedIn = screen.getByTestId("signed-in");
    expect(signedIn).toHaveTextContent("Grace Hopper");
    await waitFor(() => {
      expect(screen.getByTestId("signed-in-role")).toHaveTextContent("Member");
    });
  });

  it("offers Back to local owner only away from the local owner, and it starts over", async () => {
    const ipc = backend({
      app_info: () => appInfo({}, { ...GRACE_SESSION, permissions: { ...MEMBER_PERMISSIONS, viewAudit: true } }),
      switch_to_local_owner: () => appInfo(),
      list_audit: () => ({ items: [], nextBefore: null }),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-audit"));
    await screen.findByTestId("audit-page");

    await user.click(screen.getByTestId("switch-back"));
    expect(ipc.of("switch_to_local_owner")).toHaveLength(1);
    expect(await screen.findByTestId("authorizations-page")).toBeInTheDocument();
    expect(screen.getByTestId("signed-in")).toHaveTextContent("Ada Lovelace");
    expect(screen.queryByTestId("switch-back")).not.toBeInTheDocument();
    expect(navLabels()).toHaveLength(7);
  });

  it("has no Back button for the local owner", async () => {
    backend();
    await renderApp();
    expect(screen.queryByTestId("switch-back")).not.toBeInTheDocument();
    expect(screen.getByTestId("switch-user")).toBeInTheDocument();
  });
});

describe("impersonation", () => {
  it("shows a banner naming the subject, and Stop ends it", async () => {
    let impersonating = true;
    const ipc = backend({
      app_info: () => appInfo({}, impersonating ? IMPERSONATING : {}),
      stop_impersonation: () => {
        impersonating = false;
        return appInfo();
      },
      list_tokens: () => page([token({ name: impersonating ? "Grace's token" : "Ada's token" })]),
    });
    const { user } = await renderApp();
    const banner = screen.getByTestId("impersonation-banner");
    expect(banner).toHaveTextContent("Impersonating Grace Hopper");
    // The banner comes first in the document, above the header.
    expect(document.querySelector(".app")?.firstElementChild).toBe(banner);
    // The page explains whose tokens these are and that Add makes impersonation tokens.
    expect(screen.getByTestId("authorizations-page")).toHaveTextContent(
      "Grace Hopper's authorizations",
    );
    expect(ipc.last("list_tokens")).toMatchObject({ query: { scope: "own" } });

    await user.click(within(banner).getByTestId("stop-impersonation"));
    expect(ipc.of("stop_impersonation")).toHaveLength(1);
    await waitFor(() => {
      expect(screen.queryByTestId("impersonation-banner")).not.toBeInTheDocument();
    });
    expect(await screen.findByText("Ada's token")).toBeInTheDocument();
  });

  it("says in the Add dialog that it creates an impersonation token", async () => {
    backend({ app_info: () => appInfo({}, IMPERSONATING) });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("add-authorization"));
    expect(screen.getByTestId("add-note")).toHaveTextContent(
      "This creates an impersonation token for Grace Hopper",
    );
  });

  it("shows a failed Stop in an alert", async () => {
    backend({
      app_info: () => appInfo({}, IMPERSONATING),
      stop_impersonation: () => {
        fail("database_busy", "The database is busy.");
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("stop-impersonation"));
    expect(await screen.findByTestId("session-error")).toHaveTextContent("The database is busy.");
    expect(screen.getByTestId("impersonation-banner")).toBeInTheDocument();
  });
});

describe("Switch user", () => {
  async function openSwitch(handler: (args: Record<string, unknown>) => unknown) {
    const ipc = backend({ switch_user: handler });
    const view = await renderApp();
    await view.user.click(screen.getByTestId("switch-user"));
    expect(screen.getByRole("dialog", { name: "Switch user" })).toBeInTheDocument();
    expect(screen.getByTestId("switch-email")).toHaveFocus();
    return { ipc, ...view };
  }

  it("sends the email and password, then shows the new session", async () => {
    const { ipc, user } = await openSwitch(() => appInfo({}, GRACE_SESSION));
    await user.type(screen.getByTestId("switch-email"), " grace@example.com ");
    await user.type(screen.getByTestId("switch-password"), "correct horse");
    await user.click(screen.getByTestId("switch-submit"));

    expect(ipc.last("switch_user")).toEqual({
      email: "grace@example.com",
      password: "correct horse",
    });
    await waitFor(() => {
      expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    });
    expect(screen.getByTestId("signed-in")).toHaveTextContent("Grace Hopper");
    expect(navLabels()).toEqual(["Authorizations", "Expiring soon"]);
    expect(screen.getByTestId("switch-back")).toBeInTheDocument();
    // The new session's listing was loaded afresh.
    expect(
      ipc.of("list_tokens").filter((c) => (c.args.query as ListQuery).scope === "own").length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("shows invalid_credentials inline and clears the password", async () => {
    const message = "The email or password is not correct.";
    const { user } = await openSwitch(() => {
      fail("invalid_credentials", message);
    });
    await user.type(screen.getByTestId("switch-email"), "grace@example.com");
    await user.type(screen.getByTestId("switch-password"), "wrong password");
    await user.click(screen.getByTestId("switch-submit"));
    expect(await screen.findByTestId("field-error")).toHaveTextContent(message);
    expect(screen.getByTestId("switch-password")).toHaveValue("");
    expect(screen.getByTestId("switch-password")).toHaveFocus();
    expect(screen.getByRole("dialog", { name: "Switch user" })).toBeInTheDocument();
    expect(screen.getByTestId("signed-in")).toHaveTextContent(ADA.displayName);
  });

  it("shows rate_limited inline", async () => {
    const message = "Too many failed attempts. Try again in 8 seconds.";
    const { ipc, user } = await openSwitch(() => {
      fail("rate_limited", message);
    });
    await user.type(screen.getByTestId("switch-email"), "grace@example.com");
    await user.type(screen.getByTestId("switch-password"), "guess{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent(message);
    expect(ipc.of("switch_user")).toHaveLength(1);
  });

  it("asks for both fields before calling the server", async () => {
    const { ipc, user } = await openSwitch(() => appInfo());
    await user.click(screen.getByTestId("switch-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("Enter the email address");
    expect(ipc.of("switch_user")).toHaveLength(0);
  });
});

describe("Change password", () => {
  it("asks for the current password when there is one and sends both", async () => {
    const ipc = backend({
      app_info: () => appInfo({}, { actor: { ...ADA, hasPassword: true }, subject: ADA }),
      change_password: () => null,
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("change-password"));
    await user.type(screen.getByTestId("current-password"), "old password");
    await user.type(screen.getByTestId("new-password"), "new password 1");
    await user.type(screen.getByTestId("confirm-password"), "new password 2");
    await user.click(screen.getByTestId("password-submit"));
    expect(screen.getByTestId("field-error")).toHaveTextContent("The passwords do not match.");
    expect(ipc.of("change_password")).toHaveLength(0);

    await user.clear(screen.getByTestId("confirm-password"));
    await user.type(screen.getByTestId("confirm-password"), "new password 1");
    await user.click(screen.getByTestId("password-submit"));
    expect(ipc.last("change_password")).toEqual({ current: "old password", new: "new password 1" });
    expect(await screen.findByTestId("notice")).toHaveTextContent("Your password was changed.");
  });

  it("sends null as the current password when there is none", async () => {
    const ipc = backend({ change_password: () => null });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("change-password"));
    expect(screen.queryByTestId("current-password")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("new-password"), "a good password");
    await user.type(screen.getByTestId("confirm-password"), "a good password{Enter}");
    await waitFor(() => {
      expect(ipc.last("change_password")).toEqual({ current: null, new: "a good password" });
    });
  });

  it("shows a wrong current password next to it", async () => {
    backend({
      app_info: () => appInfo({}, { actor: { ...ADA, hasPassword: true }, subject: ADA }),
      change_password: () => {
        fail("invalid_credentials", "The current password is not correct.");
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("change-password"));
    await user.type(screen.getByTestId("current-password"), "nope nope");
    await user.type(screen.getByTestId("new-password"), "new password");
    await user.type(screen.getByTestId("confirm-password"), "new password{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent(
      "The current password is not correct.",
    );
    expect(screen.getByTestId("current-password")).toHaveValue("");
  });
});
