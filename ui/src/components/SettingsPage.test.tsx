import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Role, Settings } from "../api";
import { MEMBER_PERMISSIONS, POLICY, ROLES, appInfo, backend, fail } from "../test/fixtures";
import { renderApp } from "../test/render";

const SETTINGS: Settings = {
  authorityName: "Acme Staging",
  tokenPrefix: "tkd",
  policy: POLICY,
  onlyOwnersCreateTokens: false,
};

function roleRow(id: string): HTMLElement {
  const row = screen.getAllByTestId("role-row").find((r) => r.dataset.roleId === id);
  if (!row) throw new Error(`no role ${id}`);
  return row;
}

async function openSettings(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend({ get_settings: () => SETTINGS, ...handlers });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("nav-settings"));
  await screen.findByTestId("settings-page");
  await screen.findByTestId("settings-name");
  await screen.findAllByTestId("role-row");
  return { ipc, ...view };
}

describe("the settings form", () => {
  it("loads the settings and notes what changes apply to", async () => {
    await openSettings();
    expect(screen.getByTestId("settings-name")).toHaveValue("Acme Staging");
    expect(screen.getByTestId("settings-prefix")).toHaveValue("tkd");
    expect(screen.getByTestId("settings-page")).toHaveTextContent("Applies to new tokens only.");
    expect(screen.getByTestId("settings-page")).toHaveTextContent(
      "Changing the policy does not alter existing tokens.",
    );
    expect(screen.getByTestId("settings-allow-never")).not.toBeChecked();
    expect(screen.getByTestId("preset-thirty_days")).toBeChecked();
    expect(screen.getByTestId("settings-max-days")).toHaveValue(365);
    // "Never" is offered as a default only when allowed.
    const defaults = () =>
      within(screen.getByTestId("settings-default"))
        .getAllByRole("option")
        .map((o) => o.textContent);
    expect(defaults()).not.toContain("Never");
  });

  it("sends the edited settings and reloads the app info for the Add dialog", async () => {
    let saved: Settings | null = null;
    const { ipc, user } = await openSettings({
      update_settings: ({ settings }) => {
        saved = settings as Settings;
        return saved;
      },
      app_info: () => appInfo(saved?.policy ?? {}),
    });
    await user.clear(screen.getByTestId("settings-name"));
    await user.type(screen.getByTestId("settings-name"), "Acme Production");
    await user.clear(screen.getByTestId("settings-prefix"));
    await user.type(screen.getByTestId("settings-prefix"), "acme");
    await user.click(screen.getByTestId("settings-owners-only"));
    await user.click(screen.getByTestId("preset-one_hour"));
    await user.click(screen.getByTestId("preset-one_year"));
    await user.click(screen.getByTestId("settings-allow-custom"));
    await user.clear(screen.getByTestId("settings-max-days"));
    await user.type(screen.getByTestId("settings-max-days"), "90");
    await user.click(screen.getByTestId("settings-allow-never"));
    await user.selectOptions(screen.getByTestId("settings-default"), "Never");
    const infoCalls = ipc.of("app_info").length;
    await user.click(screen.getByTestId("settings-save"));

    expect(ipc.last("update_settings")).toEqual({
      settings: {
        authorityName: "Acme Production",
        tokenPrefix: "acme",
        onlyOwnersCreateTokens: true,
        policy: {
          presets: ["one_day", "seven_days", "thirty_days", "sixty_days", "ninety_days"],
          allowCustom: false,
          allowNever: true,
          maxLifetimeDays: 90,
          defaultChoice: { kind: "never" },
        },
      },
    });
    expect(await screen.findByTestId("settings-saved")).toHaveTextContent("Settings saved.");
    await waitFor(() => {
      expect(ipc.of("app_info").length).toBeGreaterThan(infoCalls);
    });

    // The Add dialog now offers what the new policy allows.
    await user.click(screen.getByTestId("nav-own"));
    await user.click(await screen.findByTestId("add-authorization"));
    const options = within(screen.getByTestId("token-expiry"))
      .getAllByRole("option")
      .map((o) => o.textContent);
    expect(options).toEqual(["1 day", "7 days", "30 days", "60 days", "90 days", "Never"]);
    expect(screen.getByTestId<HTMLSelectElement>("token-expiry").value).toBe("never");
  });

  it("requires the default to be among the offered choices", async () => {
    const { ipc, user } = await openSettings();
    await user.click(screen.getByTestId("preset-thirty_days"));
    await user.click(screen.getByTestId("settings-save"));
    expect(screen.getByTestId("field-error")).toHaveTextContent(
      "Choose a default among the offered choices.",
    );
    expect(ipc.of("update_settings")).toHaveLength(0);
  });

  it("shows the server's error", async () => {
    const message = "The preset 1 year is longer than the maximum lifetime of 90 days.";
    const { user } = await openSettings({
      update_settings: () => {
        fail("invalid_input", message);
      },
    });
    await user.clear(screen.getByTestId("settings-max-days"));
    await user.type(screen.getByTestId("settings-max-days"), "90");
    await user.click(screen.getByTestId("settings-save"));
    expect(await screen.findByTestId("settings-error")).toHaveTextContent(message);
    expect(screen.queryByTestId("settings-saved")).not.toBeInTheDocument();
  });
});

describe("the roles matrix", () => {
  it("shows the Owner row locked", async () => {
    await openSettings();
    const owner = roleRow("owner");
    expect(owner).toHaveTextContent("always has every permission");
    const boxes = within(owner).getAllByRole("checkbox");
    expect(boxes).toHaveLength(6);
    for (const box of boxes) {
      expect(box).toBeChecked();
      expect(box).toBeDisabled();
    }
    expect(within(owner).queryByTestId("role-save")).not.toBeInTheDocument();
  });

  it("sends update_role with the toggled permission", async () => {
    const { ipc, user } = await openSettings({
      update_role: ({ id, permissions }): Role => {
        const role = ROLES.find((r) => r.id === id);
        if (!role) throw new Error(`no role ${String(id)}`);
        return { ...role, permissions: permissions as Role["permissions"] };
      },
    });
    const member = roleRow("member");
    const save = within(member).getByTestId("role-save");
    expect(save).toBeDisabled();
    await user.click(within(member).getByRole("checkbox", { name: "View audit for Member" }));
    expect(save).toBeEnabled();
    await user.click(save);
    expect(ipc.last("update_role")).toEqual({
      id: "member",
      permissions: { ...MEMBER_PERMISSIONS, viewAudit: true },
    });
    await waitFor(() => {
      expect(within(roleRow("member")).getByTestId("role-save")).toBeDisabled();
    });
    expect(within(roleRow("member")).getByTestId("perm-viewAudit")).toBeChecked();
  });

  it("shows self_lockout", async () => {
    const message = "This would take away your own permission to change settings.";
    const { user } = await openSettings({
      update_role: () => {
        fail("self_lockout", message);
      },
    });
    const admin = roleRow("admin");
    await user.click(within(admin).getByTestId("perm-manageUsers"));
    await user.click(within(admin).getByTestId("role-save"));
    expect(await screen.findByTestId("roles-error")).toHaveTextContent(`Admin: ${message}`);
    // The edit stays so it can be corrected.
    expect(within(admin).getByTestId("role-save")).toBeEnabled();
  });
});
