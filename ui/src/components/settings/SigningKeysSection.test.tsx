import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Connection, SigningKeyInfo } from "../../api";
import { formatDateTime, MINUTE } from "../../lib/format";
import { DAY, HOUR, MEMBER_PERMISSIONS, appInfo, backend, fail } from "../../test/fixtures";
import { render } from "../../test/render";
import { SettingsPage } from "../SettingsPage";
import { SigningKeysSection } from "./SigningKeysSection";

const NOW = Date.now();

// Thumbprints are 43 characters of base64url: too long for the column, whole in the title.
const CURRENT: SigningKeyInfo = {
  kid: "cUrReNt-kEy-0123456789abcdefghijklmnopqrstu",
  createdAt: NOW - 3 * DAY,
  current: true,
};
const JUST_RETIRED: SigningKeyInfo = {
  kid: "jUsT-rEtIrEd-0123456789abcdefghijklmnopqrs",
  createdAt: NOW - 20 * DAY,
  retiredAt: NOW - 10 * MINUTE,
  publishedUntil: NOW + 50 * MINUTE,
  current: false,
};
const LONG_RETIRED: SigningKeyInfo = {
  kid: "lOnG-rEtIrEd-0123456789abcdefghijklmnopqrs",
  createdAt: NOW - 60 * DAY,
  retiredAt: NOW - 20 * DAY,
  publishedUntil: NOW - 20 * DAY + HOUR,
  current: false,
};
const ROTATED: SigningKeyInfo = {
  kid: "rOtAtEd-nEw-0123456789abcdefghijklmnopqrstu",
  createdAt: NOW,
  current: true,
};
const AFTER_ROTATION: SigningKeyInfo[] = [
  ROTATED,
  { ...CURRENT, retiredAt: NOW, publishedUntil: NOW + HOUR, current: false },
];

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("signing-key-row");
}

function kids(): (string | undefined)[] {
  return rows().map((r) => r.dataset.kid);
}

function row(kid: string): HTMLElement {
  const found = rows().find((r) => r.dataset.kid === kid);
  if (!found) throw new Error(`no key ${kid}`);
  return found;
}

function state(kid: string): string | null {
  return within(row(kid)).getByTestId("signing-key-state").textContent;
}

function renderSection(canManage: boolean, handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend(handlers);
  const user = userEvent.setup();
  render(<SigningKeysSection canManage={canManage} />);
  return { ipc, user };
}

describe("the signing keys section", () => {
  it("lists the keys with their kid, creation and state", async () => {
    const { ipc } = renderSection(true, {
      signing_keys: () => [CURRENT, JUST_RETIRED, LONG_RETIRED],
    });
    await screen.findAllByTestId("signing-key-row");
    expect(kids()).toEqual([CURRENT.kid, JUST_RETIRED.kid, LONG_RETIRED.kid]);

    const kid = within(row(CURRENT.kid)).getByText(CURRENT.kid);
    expect(kid.tagName).toBe("CODE");
    expect(kid).toHaveAttribute("title", CURRENT.kid);
    expect(row(CURRENT.kid)).toHaveTextContent(formatDateTime(CURRENT.createdAt));

    expect(state(CURRENT.kid)).toBe("Signing");
    expect(state(JUST_RETIRED.kid)).toBe(
      `Retired — published until ${formatDateTime(NOW + 50 * MINUTE)}`,
    );
    expect(state(LONG_RETIRED.kid)).toBe("Retired");
    expect(screen.queryByTestId("no-signing-keys")).not.toBeInTheDocument();
    expect(screen.getByTestId("signing-keys-section")).toHaveTextContent(
      "exchange a Tokendesk token at POST /oauth/token for a short-lived signed token (a JWT)",
    );
    expect(screen.getByTestId("signing-keys-section")).toHaveTextContent("/.well-known/jwks.json");
    expect(ipc.of("signing_keys")).toHaveLength(1);
  });

  it("says when there is no key yet", async () => {
    renderSection(true);
    expect(await screen.findByTestId("no-signing-keys")).toHaveTextContent(
      "No key yet: the first token exchange creates one.",
    );
    expect(rows()).toHaveLength(0);
  });

  it("offers to try again when the keys cannot be listed", async () => {
    let calls = 0;
    const { user } = renderSection(true, {
      signing_keys: () => {
        calls += 1;
        if (calls === 1) fail("database_busy", "The database is busy.");
        return [CURRENT];
      },
    });
    const alert = await screen.findByTestId("signing-keys-error");
    expect(alert).toHaveTextContent("The database is busy.");
    expect(screen.queryByTestId("rotate-key")).not.toBeInTheDocument();
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findAllByTestId("signing-key-row");
    expect(kids()).toEqual([CURRENT.kid]);
    expect(screen.queryByTestId("signing-keys-error")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Signing keys" })).toHaveFocus();
  });

  it("rotates once asked, and shows the change only after Rust answered", async () => {
    const pending: { release?: () => void } = {};
    const { ipc, user } = renderSection(true, {
      signing_keys: () => [CURRENT],
      rotate_signing_key: () =>
        new Promise<SigningKeyInfo[]>((resolve) => {
          pending.release = () => {
            resolve(AFTER_ROTATION);
          };
        }),
    });
    await screen.findAllByTestId("signing-key-row");
    await user.click(screen.getByTestId("rotate-key"));
    const dialog = screen.getByTestId("rotate-dialog");
    expect(dialog).toHaveTextContent("A new key signs every signed token from now on.");
    expect(dialog).toHaveTextContent(
      "The old key stays published for an hour, so the tokens it signed keep verifying",
    );
    expect(ipc.of("rotate_signing_key")).toHaveLength(0);

    await user.click(within(dialog).getByTestId("rotate-confirm"));
    expect(ipc.of("rotate_signing_key")).toHaveLength(1);
    const confirm = within(dialog).getByTestId("rotate-confirm");
    expect(confirm).toHaveTextContent("Rotating…");
    expect(confirm).toBeDisabled();
    // Nothing is shown as done while Rust has not answered.
    expect(screen.getByTestId("rotate-dialog")).toBeInTheDocument();
    expect(screen.queryByTestId("rotate-done")).not.toBeInTheDocument();
    expect(kids()).toEqual([CURRENT.kid]);
    expect(state(CURRENT.kid)).toBe("Signing");

    pending.release?.();
    await waitFor(() => {
      expect(screen.queryByTestId("rotate-dialog")).not.toBeInTheDocument();
    });
    expect(screen.getByTestId("rotate-done")).toHaveTextContent(
      "A new signing key signs from now on.",
    );
    expect(kids()).toEqual([ROTATED.kid, CURRENT.kid]);
    expect(state(ROTATED.kid)).toBe("Signing");
    expect(state(CURRENT.kid)).toBe(`Retired — published until ${formatDateTime(NOW + HOUR)}`);
    // The list came with the answer: no second read, no second rotation.
    expect(ipc.of("signing_keys")).toHaveLength(1);
    expect(ipc.of("rotate_signing_key")).toHaveLength(1);
    expect(screen.getByTestId("rotate-key")).toHaveFocus();
  });

  it("keeps the dialog open with Rust's refusal", async () => {
    const message = "You may not manage settings.";
    const { ipc, user } = renderSection(true, {
      signing_keys: () => [CURRENT],
      rotate_signing_key: () => {
        fail("permission_denied", message);
      },
    });
    await screen.findAllByTestId("signing-key-row");
    await user.click(screen.getByTestId("rotate-key"));
    await user.click(screen.getByTestId("rotate-confirm"));

    const dialog = screen.getByTestId("rotate-dialog");
    expect(await within(dialog).findByTestId("rotate-error")).toHaveTextContent(message);
    expect(within(dialog).getByTestId("rotate-confirm")).toHaveTextContent("Rotate key");
    expect(within(dialog).getByTestId("rotate-confirm")).toBeEnabled();
    expect(screen.queryByTestId("rotate-done")).not.toBeInTheDocument();
    expect(kids()).toEqual([CURRENT.kid]);
    expect(state(CURRENT.kid)).toBe("Signing");
    expect(ipc.of("rotate_signing_key")).toHaveLength(1);

    // Cancel closes it without another try.
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("rotate-dialog")).not.toBeInTheDocument();
    expect(ipc.of("rotate_signing_key")).toHaveLength(1);
  });

  it("shows a member the keys without a way to rotate them", async () => {
    const { ipc } = renderSection(false, {
      signing_keys: () => [CURRENT, JUST_RETIRED],
    });
    await screen.findAllByTestId("signing-key-row");
    expect(kids()).toEqual([CURRENT.kid, JUST_RETIRED.kid]);
    expect(screen.queryByTestId("rotate-key")).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId("signing-keys-section")).queryAllByRole("button"),
    ).toHaveLength(0);
    expect(ipc.of("rotate_signing_key")).toHaveLength(0);
  });
});

describe("the settings page", () => {
  const LOCAL: Connection = { mode: "local", signedIn: true, privateCa: false };
  const SERVER: Connection = {
    mode: "server",
    server: "https://tokendesk.example.com",
    email: "grace@example.com",
    signedIn: true,
    privateCa: false,
  };

  it.each([
    { mode: "local", connection: LOCAL, manage: true },
    { mode: "server", connection: SERVER, manage: true },
    { mode: "server", connection: SERVER, manage: false },
  ])("shows the signing keys in $mode mode (manage: $manage)", async (c) => {
    backend({
      signing_keys: () => [CURRENT],
      get_settings: () => ({
        authorityName: "Acme Staging",
        tokenPrefix: "tkd",
        policy: appInfo().policy,
        onlyOwnersCreateTokens: false,
        alerts: { firstDays: 7, lastDays: 1 },
      }),
    });
    const info = c.manage ? appInfo() : appInfo({}, { permissions: MEMBER_PERMISSIONS });
    render(
      <SettingsPage
        info={info}
        connection={c.connection}
        onSaved={vi.fn()}
        onConnected={vi.fn()}
        onSignedOut={vi.fn()}
      />,
    );
    await screen.findAllByTestId("signing-key-row");
    expect(kids()).toEqual([CURRENT.kid]);
    if (c.manage) expect(screen.getByTestId("rotate-key")).toBeInTheDocument();
    else expect(screen.queryByTestId("rotate-key")).not.toBeInTheDocument();
    // Right after the expiry policy and its alerts.
    const sections = Array.from(
      screen.getByTestId("settings-page").querySelectorAll("section"),
    ).map((s) => s.querySelector("h2")?.textContent);
    expect(sections.indexOf("Signing keys")).toBe(sections.indexOf("Expiry alerts") + 1);
  });
});
