import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Role, ServiceSettings, ServiceStatus, Settings } from "../api";
import {
  MEMBER_PERMISSIONS,
  POLICY,
  ROLES,
  appInfo,
  backend,
  fail,
  serviceStatus,
} from "../test/fixtures";
import { render, renderApp } from "../test/render";
import { SettingsPage } from "./SettingsPage";

const SETTINGS: Settings = {
  authorityName: "Acme Staging",
  tokenPrefix: "tkd",
  policy: POLICY,
  onlyOwnersCreateTokens: false,
  alerts: { firstDays: 7, lastDays: 1 },
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
    await user.clear(screen.getByTestId("settings-alert-first"));
    await user.type(screen.getByTestId("settings-alert-first"), "14");
    await user.clear(screen.getByTestId("settings-alert-last"));
    await user.type(screen.getByTestId("settings-alert-last"), "2");
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
          signedTokenMinutes: 5,
        },
        alerts: { firstDays: 14, lastDays: 2 },
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

  it("shows the signed token lifetime and what a long one risks", async () => {
    await openSettings();
    const field = screen.getByTestId("signed-token-minutes");
    expect(field).toHaveValue(5);
    expect(field).toHaveAccessibleName("Signed token lifetime (minutes)");
    expect(field).toHaveAccessibleDescription(
      expect.stringContaining(
        "Services that check them offline accept one until it expires, even after the token it " +
          "came from is revoked; Tokendesk itself refuses it at once. Keep it short.",
      ),
    );
  });

  it("checks the signed token lifetime before calling Rust", async () => {
    const { ipc, user } = await openSettings();
    const field = screen.getByTestId("signed-token-minutes");
    for (const bad of ["0", "61", ""]) {
      await user.clear(field);
      if (bad !== "") await user.type(field, bad);
      await user.click(screen.getByTestId("settings-save"));
      expect(field).toHaveAttribute("aria-invalid", "true");
      expect(field).toHaveAccessibleDescription("Enter a whole number of minutes from 1 to 60.");
      expect(screen.getByTestId("field-error")).toHaveTextContent(
        "Enter a whole number of minutes from 1 to 60.",
      );
    }
    expect(ipc.of("update_settings")).toHaveLength(0);
    expect(screen.queryByTestId("settings-saved")).not.toBeInTheDocument();
  });

  it("saves the signed token lifetime with the policy", async () => {
    const { ipc, user } = await openSettings({
      update_settings: ({ settings }) => settings,
    });
    const field = screen.getByTestId("signed-token-minutes");
    await user.clear(field);
    await user.type(field, "15");
    await user.click(screen.getByTestId("settings-save"));
    expect(await screen.findByTestId("settings-saved")).toHaveTextContent("Settings saved.");
    expect(ipc.of("update_settings")).toHaveLength(1);
    expect(ipc.last("update_settings")).toEqual({
      settings: { ...SETTINGS, policy: { ...POLICY, signedTokenMinutes: 15 } },
    });
    expect(field).toHaveValue(15);
    expect(field).not.toHaveAttribute("aria-invalid");
  });

  it("shows Rust's refusal of the signed token lifetime", async () => {
    const message = "Signed tokens live from 1 to 60 minutes.";
    const { ipc, user } = await openSettings({
      update_settings: () => {
        fail("invalid_input", message);
      },
    });
    const field = screen.getByTestId("signed-token-minutes");
    await user.clear(field);
    await user.type(field, "30");
    await user.click(screen.getByTestId("settings-save"));
    expect(await screen.findByTestId("settings-error")).toHaveTextContent(message);
    expect(ipc.of("update_settings")).toHaveLength(1);
    expect(screen.queryByTestId("settings-saved")).not.toBeInTheDocument();
    expect(field).toHaveValue(30);
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

describe("the verification service", () => {
  const RUNNING = serviceStatus(
    { enabled: true },
    { running: true, url: "http://127.0.0.1:7878" },
  );
  const PORT_ERROR = "Enter a port from 1 to 65535.";
  const WARNING = "Other machines can reach this service. Put it behind a proxy with TLS.";

  /** Opens Settings with this service status and waits for it to show. */
  async function openService(
    status: ServiceStatus,
    handlers: Parameters<typeof backend>[0] = {},
  ) {
    const view = await openSettings({ service_status: () => status, ...handlers });
    await screen.findByTestId("service-state");
    return view;
  }

  /**
   * Rust's answer to a save: the settings as sent, running when enabled. Whether the address
   * stays on this computer is Rust's verdict, so the test states it.
   */
  function applied(settings: ServiceSettings, loopback = true): ServiceStatus {
    const url = `http://${settings.bind}`;
    return settings.enabled
      ? { settings, running: true, url, error: null, loopback }
      : { settings, running: false, url: null, error: null, loopback };
  }

  /** Rust's refusal of a bind that is not an IP address and a port. */
  function notAnAddress(bind: string): string {
    return `“${bind}” is not an IP address with a port, like 127.0.0.1:7878 or [::1]:7878 (a host name is not accepted).`;
  }

  const section = () => screen.getByTestId("service-section");

  it("shows the URL it runs at, and the settings in the form", async () => {
    await openService({
      ...RUNNING,
      settings: { enabled: true, bind: "127.0.0.1:7878", extraSchemes: ["SalureToken"] },
    });
    expect(screen.getByTestId("service-state")).toHaveTextContent(
      "Running at http://127.0.0.1:7878",
    );
    expect(screen.getByTestId("service-url")).toHaveTextContent(/^http:\/\/127\.0\.0\.1:7878$/);
    expect(within(section()).queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Run the verification service" })).toBeChecked();
    expect(screen.getByRole("textbox", { name: "Address" })).toHaveValue("127.0.0.1");
    expect(screen.getByRole("textbox", { name: "Port" })).toHaveValue("7878");
    expect(screen.getByTestId("service-schemes")).toHaveValue("SalureToken");
    expect(section()).toHaveTextContent("Authorization: SalureToken <token>");
    expect(screen.queryByTestId("service-warning")).not.toBeInTheDocument();
  });

  it("shows Off when it is turned off", async () => {
    const { ipc } = await openService(serviceStatus());
    expect(screen.getByTestId("service-state")).toHaveTextContent(/^Off$/);
    expect(screen.queryByTestId("service-url")).not.toBeInTheDocument();
    expect(screen.getByTestId("service-enabled")).not.toBeChecked();
    expect(ipc.of("service_status")).toHaveLength(1);
  });

  it("shows why it is not running although turned on", async () => {
    const error = "cannot listen on 127.0.0.1:7878: Address in use";
    await openService(serviceStatus({ enabled: true }, { error }));
    const state = screen.getByTestId("service-state");
    expect(state).toHaveAttribute("role", "alert");
    expect(state).toHaveTextContent(`Not running: ${error}`);
    expect(screen.queryByTestId("service-url")).not.toBeInTheDocument();
  });

  it("sends the switch, joined address and split schemes, then shows the status", async () => {
    const pending: { release?: () => void } = {};
    const { ipc, user } = await openService(serviceStatus(), {
      update_service_settings: ({ settings }) =>
        new Promise<ServiceStatus>((resolve) => {
          pending.release = () => {
            resolve(applied(settings as ServiceSettings));
          };
        }),
    });
    await user.click(screen.getByTestId("service-enabled"));
    await user.clear(screen.getByTestId("service-port"));
    await user.type(screen.getByTestId("service-port"), "8080");
    await user.type(screen.getByTestId("service-schemes"), "SalureToken, Acme  Other,");
    await user.click(screen.getByTestId("service-save"));

    expect(ipc.last("update_service_settings")).toEqual({
      settings: {
        enabled: true,
        bind: "127.0.0.1:8080",
        extraSchemes: ["SalureToken", "Acme", "Other"],
      },
    });
    expect(screen.getByTestId("service-save")).toHaveTextContent("Saving…");
    expect(screen.getByTestId("service-save")).toBeDisabled();
    expect(screen.getByTestId("service-state")).toHaveTextContent(/^Off$/);

    pending.release?.();
    await waitFor(() => {
      expect(screen.getByTestId("service-state")).toHaveTextContent(
        "Running at http://127.0.0.1:8080",
      );
    });
    expect(screen.getByTestId("service-saved")).toHaveTextContent("Service settings saved.");
    expect(screen.getByTestId("service-save")).toHaveTextContent("Save service settings");
    expect(screen.getByTestId("service-save")).toBeEnabled();
    expect(screen.getByTestId("service-schemes")).toHaveValue("SalureToken, Acme, Other");
  });

  it("splits and joins IPv6 addresses in brackets", async () => {
    const { ipc, user } = await openService(
      serviceStatus(
        { enabled: true, bind: "[::1]:7878" },
        { running: true, url: "http://[::1]:7878" },
      ),
      {
        update_service_settings: ({ settings }) => applied(settings as ServiceSettings),
      },
    );
    const address = screen.getByTestId("service-address");
    expect(address).toHaveValue("::1");
    expect(screen.getByTestId("service-port")).toHaveValue("7878");
    expect(screen.queryByTestId("service-warning")).not.toBeInTheDocument();

    await user.clear(screen.getByTestId("service-port"));
    await user.type(screen.getByTestId("service-port"), "9000");
    await user.click(screen.getByTestId("service-save"));
    expect(ipc.of("update_service_settings")).toHaveLength(1);
    expect(ipc.last("update_service_settings")).toEqual({
      settings: { enabled: true, bind: "[::1]:9000", extraSchemes: [] },
    });
    expect(await screen.findByTestId("service-saved")).toBeInTheDocument();

    // Typed with its brackets, it is not bracketed twice.
    await user.clear(address);
    await user.click(address);
    await user.paste("[::1]");
    await user.click(screen.getByTestId("service-save"));
    const calls = ipc.of("update_service_settings");
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args).toEqual({
      settings: { enabled: true, bind: "[::1]:9000", extraSchemes: [] },
    });
    expect(await screen.findByTestId("service-state")).toHaveTextContent(
      "Running at http://[::1]:9000",
    );
    expect(address).toHaveValue("::1");
  });

  it("checks the port, and that the address comes without one, before calling Rust", async () => {
    const { ipc, user } = await openService(serviceStatus());
    const port = screen.getByTestId("service-port");
    for (const bad of ["0", "65536", "80a", "", "78.5"]) {
      await user.clear(port);
      if (bad !== "") await user.type(port, bad);
      await user.click(screen.getByTestId("service-save"));
      expect(within(section()).getByTestId("field-error")).toHaveTextContent(PORT_ERROR);
      expect(port).toHaveAttribute("aria-invalid", "true");
      expect(port).toHaveFocus();
    }

    await user.clear(port);
    await user.type(port, "65535");
    const address = screen.getByTestId("service-address");
    await user.clear(address);
    await user.click(screen.getByTestId("service-save"));
    expect(within(section()).getByTestId("field-error")).toHaveTextContent(
      "Enter an address, such as 127.0.0.1.",
    );
    expect(address).toHaveAttribute("aria-invalid", "true");
    expect(port).not.toHaveAttribute("aria-invalid");

    for (const withPort of ["127.0.0.1:7878", "[::1]:7878"]) {
      await user.clear(address);
      await user.click(address);
      await user.paste(withPort);
      await user.click(screen.getByTestId("service-save"));
      expect(within(section()).getByTestId("field-error")).toHaveTextContent(
        "Enter the address without the port; the port has its own field.",
      );
      expect(address).toHaveFocus();
    }
    expect(ipc.of("update_service_settings")).toHaveLength(0);
  });

  it("shows Rust's refusal of the address under the address field", async () => {
    const { ipc, user } = await openService(RUNNING, {
      update_service_settings: ({ settings }) => {
        const { bind } = settings as ServiceSettings;
        if (bind.startsWith("localhost")) fail("invalid_input", notAnAddress(bind));
        return applied(settings as ServiceSettings);
      },
    });
    const address = screen.getByTestId("service-address");
    await user.clear(address);
    await user.type(address, "localhost");
    await user.click(screen.getByTestId("service-save"));

    // The host name went to Rust as typed: the form does not judge addresses itself.
    expect(ipc.last("update_service_settings")).toEqual({
      settings: { enabled: true, bind: "localhost:7878", extraSchemes: [] },
    });
    const message = notAnAddress("localhost:7878");
    await waitFor(() => {
      expect(address).toHaveAttribute("aria-invalid", "true");
    });
    expect(within(section()).getByTestId("field-error")).toHaveTextContent(message);
    expect(address).toHaveAccessibleDescription(message);
    expect(address).toHaveFocus();
    expect(screen.getByTestId("service-port")).not.toHaveAttribute("aria-invalid");
    expect(screen.queryByTestId("service-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("service-saved")).not.toBeInTheDocument();
    expect(address).toHaveValue("localhost");
    expect(screen.getByTestId("service-state")).toHaveTextContent(
      "Running at http://127.0.0.1:7878",
    );

    // Corrected and accepted, the field error goes.
    await user.clear(address);
    await user.type(address, "127.0.0.2");
    await user.click(screen.getByTestId("service-save"));
    expect(await screen.findByTestId("service-saved")).toBeInTheDocument();
    expect(address).not.toHaveAttribute("aria-invalid");
    expect(within(section()).queryByTestId("field-error")).not.toBeInTheDocument();
  });

  it("shows the server's invalid_input next to the form", async () => {
    const message = "“Salure!” is not a scheme name (letters, digits, - _ . only).";
    const { ipc, user } = await openService(RUNNING, {
      update_service_settings: () => {
        fail("invalid_input", message);
      },
    });
    await user.type(screen.getByTestId("service-schemes"), "Salure!");
    await user.click(screen.getByTestId("service-save"));
    expect(await screen.findByTestId("service-error")).toHaveTextContent(message);
    expect(ipc.last("update_service_settings")).toEqual({
      settings: { enabled: true, bind: "127.0.0.1:7878", extraSchemes: ["Salure!"] },
    });
    const form = screen.getByTestId("service-form");
    expect(within(form).getByRole("alert")).toHaveTextContent(message);
    // Same code as a refused address, but about a scheme: not put under the address.
    expect(screen.getByTestId("service-address")).not.toHaveAttribute("aria-invalid");
    expect(within(section()).queryByTestId("field-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("service-saved")).not.toBeInTheDocument();
    // The edit stays to be corrected, and the status is still the last one Rust reported.
    expect(screen.getByTestId("service-schemes")).toHaveValue("Salure!");
    expect(screen.getByTestId("service-state")).toHaveTextContent(
      "Running at http://127.0.0.1:7878",
    );
    expect(screen.getByTestId("service-save")).toBeEnabled();
  });

  it("warns, without blocking, when Rust says the saved address is not loopback", async () => {
    const { ipc, user } = await openService(serviceStatus(), {
      update_service_settings: ({ settings }) => {
        const s = settings as ServiceSettings;
        return applied(s, s.bind.startsWith("127."));
      },
    });
    const address = screen.getByTestId("service-address");
    // An unsaved edit is not judged: the warning is about what Rust runs.
    await user.clear(address);
    await user.type(address, "0.0.0.0");
    expect(screen.queryByTestId("service-warning")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("service-save"));
    expect(ipc.last("update_service_settings")).toEqual({
      settings: { enabled: false, bind: "0.0.0.0:7878", extraSchemes: [] },
    });
    expect(await screen.findByTestId("service-saved")).toBeInTheDocument();
    const warning = screen.getByTestId("service-warning");
    expect(warning).toHaveTextContent(WARNING);
    expect(warning).not.toHaveAttribute("role", "alert");

    // It stays while a loopback address is only typed, and goes once that is saved.
    await user.clear(address);
    await user.type(address, "127.0.0.1");
    expect(screen.getByTestId("service-warning")).toHaveTextContent(WARNING);
    await user.click(screen.getByTestId("service-save"));
    await waitFor(() => {
      expect(screen.queryByTestId("service-warning")).not.toBeInTheDocument();
    });
    expect(ipc.of("update_service_settings")).toHaveLength(2);
  });

  // Rust's verdicts (SocketAddr::ip().is_loopback(), IPv4-mapped included), not the text's look.
  it.each([
    { bind: "0.0.0.0:7878", address: "0.0.0.0", loopback: false },
    { bind: "[::ffff:10.0.0.1]:7878", address: "::ffff:10.0.0.1", loopback: false },
    { bind: "[::ffff:127.0.0.1]:7878", address: "::ffff:127.0.0.1", loopback: true },
    { bind: "127.1.2.3:7878", address: "127.1.2.3", loopback: true },
  ])("warns from the loaded status of $bind only if Rust says not loopback", async (c) => {
    await openService(
      serviceStatus({ enabled: true, bind: c.bind }, { running: true, loopback: c.loopback }),
    );
    expect(screen.getByTestId("service-address")).toHaveValue(c.address);
    if (c.loopback) expect(screen.queryByTestId("service-warning")).not.toBeInTheDocument();
    else expect(screen.getByTestId("service-warning")).toHaveTextContent(WARNING);
  });

  it("shows a member the status read-only", async () => {
    const ipc = backend({
      get_settings: () => SETTINGS,
      service_status: () =>
        serviceStatus(
          { enabled: true, bind: "0.0.0.0:7878", extraSchemes: ["SalureToken"] },
          { running: true, url: "http://0.0.0.0:7878", loopback: false },
        ),
    });
    const info = appInfo({}, { permissions: MEMBER_PERMISSIONS });
    render(
      <SettingsPage
        info={info}
        connection={{ mode: "local", signedIn: true, privateCa: false }}
        onSaved={vi.fn()}
        onConnected={vi.fn()}
        onSignedOut={vi.fn()}
      />,
    );
    expect(await screen.findByTestId("service-state")).toHaveTextContent(
      "Running at http://0.0.0.0:7878",
    );
    const readOnly = screen.getByTestId("service-readonly");
    expect(within(readOnly).getByText("0.0.0.0:7878")).toBeInTheDocument();
    expect(within(readOnly).getByText("SalureToken")).toBeInTheDocument();
    expect(screen.getByTestId("service-warning")).toHaveTextContent(WARNING);
    expect(section()).toHaveTextContent(
      "Only people who may manage settings can change the service.",
    );
    expect(screen.queryByTestId("service-form")).not.toBeInTheDocument();
    expect(within(section()).queryAllByRole("textbox")).toHaveLength(0);
    expect(within(section()).queryAllByRole("checkbox")).toHaveLength(0);
    expect(within(section()).queryAllByRole("button")).toHaveLength(0);
    expect(ipc.of("update_service_settings")).toHaveLength(0);
  });

  it("offers to try again when the status cannot be read", async () => {
    let calls = 0;
    const { user } = await openSettings({
      service_status: () => {
        calls += 1;
        if (calls === 1) fail("database_busy", "The database is busy.");
        return serviceStatus();
      },
    });
    const alert = await screen.findByTestId("service-load-error");
    expect(alert).toHaveTextContent("The database is busy.");
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("service-state")).toHaveTextContent(/^Off$/);
    expect(screen.queryByTestId("service-load-error")).not.toBeInTheDocument();
    // The button went with the alert; focus stays in the section, on its heading.
    expect(within(section()).getByRole("heading", { name: "Verification service" })).toHaveFocus();
  });
});
