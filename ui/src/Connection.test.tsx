import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { Connection } from "./api";
import { appInfo, backend, fail, page, token } from "./test/fixtures";
import { render } from "./test/render";

const URL_ = "https://td.example.org";

const CHOOSE: Connection = { mode: "choose", signedIn: false, privateCa: false };
const LOCAL: Connection = { mode: "local", signedIn: true, privateCa: false };
const SERVER: Connection = {
  mode: "server",
  server: URL_,
  email: "ada@example.org",
  signedIn: true,
  privateCa: true,
};

/** `connection_info` answers each of `states` in turn, then keeps answering the last. */
function connections(...states: Connection[]) {
  let i = 0;
  return () => states[Math.min(i++, states.length - 1)];
}

const SETTINGS = () => ({
  authorityName: "Team",
  tokenPrefix: "tkd",
  policy: appInfo().policy,
  onlyOwnersCreateTokens: false,
  alerts: { firstDays: 7, lastDays: 1 },
});

function start() {
  const user = userEvent.setup();
  const view = render(<App />);
  return { user, ...view };
}

describe("first run", () => {
  it("creates nothing until the person chooses; Create opens the authority here", async () => {
    let created = false;
    const api = backend({
      connection_info: () => (created ? LOCAL : CHOOSE),
      create_local_authority: () => {
        created = true;
        return appInfo();
      },
    });
    const { user } = start();
    expect(await screen.findByTestId("first-run")).toBeInTheDocument();
    expect(api.of("app_info")).toHaveLength(0);
    await user.click(screen.getByTestId("first-run-local"));
    expect(await screen.findByTestId("authorizations-page")).toBeInTheDocument();
    expect(api.of("create_local_authority")).toHaveLength(1);
    expect(screen.queryByTestId("server-chip")).not.toBeInTheDocument();
    expect(screen.getByTestId("switch-user")).toBeInTheDocument();
  });

  it("shows why the authority could not be created, with Retry", async () => {
    let tried = false;
    backend({
      connection_info: () => (tried ? LOCAL : CHOOSE),
      create_local_authority: () => {
        tried = true;
        fail("keyring_unavailable", "The system keyring is locked: unlock it, then Retry.");
      },
      app_info: () => fail("keyring_unavailable", "The system keyring is locked: unlock it, then Retry."),
      retry_open: () => appInfo(),
    });
    const { user } = start();
    await user.click(await screen.findByTestId("first-run-local"));
    const failed = await screen.findByTestId("startup-error");
    expect(within(failed).getByRole("heading")).toHaveTextContent("The system keyring is not available");
    await user.click(screen.getByTestId("retry"));
    expect(await screen.findByTestId("authorizations-page")).toBeInTheDocument();
  });

  it("connects to a server with its CA file; the header names the server", async () => {
    let connected = false;
    const api = backend({
      connection_info: () => (connected ? SERVER : CHOOSE),
      connect_server: () => {
        connected = true;
        return appInfo();
      },
      list_tokens: () => page([token({ name: "on the server" })]),
    });
    const { user } = start();
    await user.click(await screen.findByTestId("first-run-server"));
    await user.type(screen.getByTestId("connect-server"), URL_);
    await user.type(screen.getByTestId("connect-email"), "ada@example.org");
    await user.type(screen.getByTestId("connect-password"), "Ada's password");
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    await user.upload(screen.getByTestId("connect-ca"), new File([pem], "ca.pem"));
    expect(await screen.findByText(/ca\.pem will be trusted/)).toBeInTheDocument();
    await user.click(screen.getByTestId("connect-submit"));
    expect(await screen.findByText("on the server")).toBeInTheDocument();
    expect(api.last("connect_server")).toEqual({
      server: URL_,
      email: "ada@example.org",
      password: "Ada's password",
      caPem: pem,
    });
    expect(screen.getByTestId("server-chip")).toHaveTextContent("td.example.org");
    expect(screen.getByTestId("sign-out")).toBeInTheDocument();
    expect(screen.queryByTestId("switch-user")).not.toBeInTheDocument();
  });

  it("says what was wrong and keeps nothing of the password", async () => {
    let answer = () => fail("invalid_credentials", "The email or password is wrong.");
    backend({
      connection_info: () => CHOOSE,
      connect_server: () => answer(),
    });
    const { user } = start();
    await user.click(await screen.findByTestId("first-run-server"));
    await user.click(screen.getByTestId("connect-submit"));
    expect(screen.getByText(/Enter the server's address/)).toBeInTheDocument();
    await user.type(screen.getByTestId("connect-server"), "https://td.example.org");
    await user.type(screen.getByTestId("connect-email"), "ada@example.org");
    const password = screen.getByTestId("connect-password");
    await user.type(password, "wrong one");
    await user.click(screen.getByTestId("connect-submit"));
    expect(await screen.findByText("The email or password is wrong.")).toBeInTheDocument();
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("aria-invalid", "true");

    answer = () => fail("server_unreachable", "The server https://td.example.org cannot be reached (refused).");
    await user.type(password, "Ada's password");
    await user.click(screen.getByTestId("connect-submit"));
    expect(await screen.findByTestId("connect-error")).toHaveTextContent(/cannot be reached/);
    expect(screen.getByTestId("first-run")).toBeInTheDocument();
  });
});

describe("a team server's session", () => {
  it("ends: back to sign-in with the server's reason, then on as before", async () => {
    const ended: Connection = {
      ...SERVER,
      signedIn: false,
      ended: "Your session on https://td.example.org has ended (The token was revoked): sign in again.",
    };
    let refused = false;
    const api = backend({
      connection_info: connections(SERVER, ended, SERVER),
      list_tokens: () => {
        if (refused) fail("unauthenticated", "The token was revoked.");
        return page([]);
      },
      connect_server: () => {
        refused = false;
        return appInfo();
      },
    });
    const { user } = start();
    await screen.findByTestId("authorizations-page");
    refused = true;
    await user.click(await screen.findByTestId("refresh"));
    expect(await screen.findByTestId("sign-in")).toBeInTheDocument();
    expect(screen.getByTestId("sign-in-reason")).toHaveTextContent(/The token was revoked/);
    expect(screen.getByTestId("connect-server-fixed")).toHaveTextContent(URL_);
    expect(screen.getByTestId("connect-email")).toHaveValue("ada@example.org");
    await user.type(screen.getByTestId("connect-password"), "Ada's password");
    await user.click(screen.getByTestId("connect-submit"));
    expect(await screen.findByTestId("authorizations-page")).toBeInTheDocument();
    expect(api.last("connect_server")).toMatchObject({ server: URL_, caPem: null });
  });

  it("unreachable: one notice for the whole app, gone once the server answers", async () => {
    let down = false;
    backend({
      connection_info: () => SERVER,
      list_tokens: () => {
        if (down) fail("server_unreachable", "The server https://td.example.org cannot be reached (refused).");
        return page([token({ name: "still here" })]);
      },
    });
    const { user } = start();
    await screen.findByText("still here");
    down = true;
    await user.click(screen.getByTestId("refresh"));
    const banner = await screen.findByTestId("server-unreachable");
    expect(banner).toHaveTextContent(/cannot be reached/);
    await user.click(within(banner).getByTestId("server-retry"));
    expect(await screen.findByTestId("server-unreachable")).toBeInTheDocument();
    down = false;
    await user.click(screen.getByTestId("server-retry"));
    await waitFor(() => {
      expect(screen.queryByTestId("server-unreachable")).not.toBeInTheDocument();
    });
    expect(screen.getByText("still here")).toBeInTheDocument();
  });

  it("signs out from the header: back to this computer's authority", async () => {
    let signedOut = false;
    const api = backend({
      connection_info: () => (signedOut ? LOCAL : SERVER),
      sign_out_server: () => {
        signedOut = true;
        return true;
      },
      app_info: () => (signedOut ? { ...appInfo(), authorityName: "This laptop" } : appInfo()),
    });
    const { user } = start();
    await user.click(await screen.findByTestId("sign-out"));
    await waitFor(() => {
      expect(screen.queryByTestId("server-chip")).not.toBeInTheDocument();
    });
    expect(await screen.findByText("This laptop")).toBeInTheDocument();
    expect(api.of("sign_out_server")).toHaveLength(1);
  });
});

describe("Settings → Connection", () => {
  it("on a server: shows where and as whom, no embedded service, and signs out", async () => {
    let signedOut = false;
    const api = backend({
      connection_info: () => (signedOut ? CHOOSE : SERVER),
      sign_out_server: () => {
        signedOut = true;
        return true;
      },
      get_settings: SETTINGS,
    });
    const { user } = start();
    await user.click(await screen.findByTestId("nav-settings"));
    const section = await screen.findByTestId("connection-section");
    expect(within(section).getByTestId("connection-mode")).toHaveTextContent("A Tokendesk server");
    expect(within(section).getByTestId("connection-server")).toHaveTextContent(URL_);
    expect(within(section).getByTestId("connection-email")).toHaveTextContent("ada@example.org");
    expect(within(section).getByTestId("connection-ca")).toHaveTextContent(/private CA/);
    expect(screen.queryByTestId("service-section")).not.toBeInTheDocument();
    expect(api.of("service_status")).toHaveLength(0);
    await user.click(within(section).getByTestId("connection-sign-out"));
    expect(await screen.findByTestId("first-run")).toBeInTheDocument();
  });

  it("on this computer: offers to connect to a server, in a dialog", async () => {
    let connected = false;
    const api = backend({
      connection_info: () => (connected ? SERVER : LOCAL),
      connect_server: () => {
        connected = true;
        return appInfo();
      },
      get_settings: SETTINGS,
    });
    const { user } = start();
    await user.click(await screen.findByTestId("nav-settings"));
    const section = await screen.findByTestId("connection-section");
    expect(within(section).getByTestId("connection-mode")).toHaveTextContent("On this computer");
    expect(await screen.findByTestId("service-section")).toBeInTheDocument();
    await user.click(within(section).getByTestId("connection-connect"));
    const dialog = await screen.findByTestId("connect-dialog");
    await user.type(within(dialog).getByTestId("connect-server"), URL_);
    await user.type(within(dialog).getByTestId("connect-email"), "ada@example.org");
    await user.type(within(dialog).getByTestId("connect-password"), "Ada's password");
    await user.click(within(dialog).getByTestId("connect-submit"));
    expect(await screen.findByTestId("server-chip")).toHaveTextContent("td.example.org");
    expect(api.last("connect_server")).toMatchObject({ server: URL_, caPem: null });
    expect(screen.getByTestId("authorizations-page")).toBeInTheDocument();
  });
});
