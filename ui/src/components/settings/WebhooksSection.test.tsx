import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookSecret } from "../../api";
import { appInfo, backend, fail, user as makeUser } from "../../test/fixtures";
import { render } from "../../test/render";
import { SettingsPage } from "../SettingsPage";
import { WebhooksSection } from "./WebhooksSection";

const NOW = Date.now();
const HOOK: WebhookEndpoint = {
  id: "wh-1",
  url: "https://hooks.example.com/tokendesk",
  description: "Ops channel",
  events: ["token.created", "token.revoked"],
  enabled: true,
  createdAt: NOW - 1000,
  pending: 2,
  failed: 1,
};
const SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=";

function renderSection(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend(handlers);
  const user = userEvent.setup();
  render(<WebhooksSection serverMode />);
  return { ipc, user };
}

describe("the webhooks section", () => {
  it("lists endpoints with their events and what is waiting or failed", async () => {
    renderSection({
      list_webhooks: () => [
        HOOK,
        {
          ...HOOK,
          id: "wh-2",
          events: ["token.created", "token.revoked", "token.expiring", "token.expired"],
          enabled: false,
          pending: 0,
          failed: 0,
        },
      ],
    });
    const rows = await screen.findAllByTestId("webhook-row");
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(rows[0]).toHaveTextContent("https://hooks.example.com/tokendesk");
    expect(rows[0]).toHaveTextContent("Ops channel");
    expect(rows[0]).toHaveTextContent("token.created, token.revoked");
    expect(within(first).getByTestId("webhook-state")).toHaveTextContent("Enabled · 2 waiting · 1 failed");
    expect(within(second).getByTestId("webhook-state")).toHaveTextContent("Disabled");
    expect(second).toHaveTextContent("All events");
    expect(within(second).getByTestId("webhook-toggle")).toHaveTextContent("Enable");
  });

  it("adds an endpoint and shows its secret once", async () => {
    let listed: WebhookEndpoint[] = [];
    const { ipc, user } = renderSection({
      list_webhooks: () => listed,
      create_webhook: ({ endpoint }) => {
        const e = endpoint as NewWebhookEndpoint;
        const made = { ...HOOK, url: e.url, description: e.description ?? "", events: e.events, pending: 0, failed: 0 };
        listed = [made];
        return { endpoint: made, secret: SECRET } satisfies WebhookSecret;
      },
    });
    expect(await screen.findByTestId("no-webhooks")).toHaveTextContent("No endpoint yet.");
    await user.click(screen.getByTestId("add-webhook"));
    await user.type(screen.getByTestId("webhook-url"), "https://hooks.example.com/x");
    await user.click(screen.getByTestId("webhook-event-token.expired"));
    await user.click(screen.getByTestId("webhook-add-confirm"));
    const dialog = await screen.findByTestId("webhook-secret-dialog");
    expect(ipc.of("create_webhook")[0]?.args).toEqual({
      endpoint: {
        url: "https://hooks.example.com/x",
        description: "",
        events: ["token.created", "token.revoked", "token.expiring"],
      },
    });
    expect(within(dialog).getByTestId("webhook-secret")).toHaveValue(SECRET);
    expect(dialog).toHaveTextContent("This secret will not be shown again.");
    await user.click(within(dialog).getByTestId("webhook-secret-done"));
    expect(screen.queryByTestId("webhook-secret-dialog")).not.toBeInTheDocument();
    await waitFor(() => {
      expect(screen.getAllByTestId("webhook-row")).toHaveLength(1);
    });
    expect(document.body).not.toHaveTextContent(SECRET);
  });

  it("keeps the dialog open with Rust's refusal", async () => {
    const { user } = renderSection({
      create_webhook: () => fail("invalid_input", "The webhook URL must use https:// (plain http:// only to this computer)."),
    });
    await user.click(await screen.findByTestId("add-webhook"));
    await user.type(screen.getByTestId("webhook-url"), "http://hooks.example.com/");
    await user.click(screen.getByTestId("webhook-add-confirm"));
    expect(await screen.findByTestId("webhook-add-error")).toHaveTextContent("must use https://");
    expect(screen.getByTestId("webhook-add-dialog")).toBeInTheDocument();
  });

  it("shows the delivery log, rolls the secret and disables an endpoint", async () => {
    const log: WebhookDelivery[] = [
      {
        messageId: "msg_2",
        event: "token.revoked",
        tokenId: "t2",
        tokenName: "deploy",
        createdAt: NOW - 500,
        status: "pending",
        attempts: 1,
        nextAttemptAt: NOW + 5000,
        lastAttemptAt: NOW - 400,
        lastStatus: 503,
      },
      {
        messageId: "msg_1",
        event: "token.created",
        tokenId: "t1",
        tokenName: "ci",
        createdAt: NOW - 900,
        status: "failed",
        attempts: 8,
        lastError: "could not connect",
      },
    ];
    const { ipc, user } = renderSection({
      list_webhooks: () => [HOOK],
      webhook_deliveries: () => log,
      roll_webhook_secret: () => ({ endpoint: HOOK, secret: SECRET }),
      update_webhook: ({ update }) => ({ ...HOOK, ...(update as object) }),
    });
    await user.click(await screen.findByTestId("webhook-log"));
    const rows = await screen.findAllByTestId("webhook-delivery");
    const [newer, older] = rows as [HTMLElement, HTMLElement];
    expect(rows.map((r) => r.dataset.status)).toEqual(["pending", "failed"]);
    expect(rows[0]).toHaveTextContent("HTTP 503");
    expect(within(newer).getByTestId("webhook-delivery-status")).toHaveTextContent("Waiting · 1 attempt, next ");
    expect(rows[1]).toHaveTextContent("could not connect");
    expect(within(older).getByTestId("webhook-delivery-status")).toHaveTextContent("Failed · 8 attempts");
    expect(ipc.of("webhook_deliveries")[0]?.args).toEqual({ id: "wh-1" });
    await user.click(screen.getByTestId("webhook-log-close"));

    await user.click(screen.getByTestId("webhook-roll"));
    expect(screen.getByTestId("webhook-roll-dialog")).toHaveTextContent("For 24 hours the old one signs them too");
    await user.click(screen.getByTestId("webhook-roll-confirm"));
    const secret = await screen.findByTestId("webhook-secret-dialog");
    expect(secret).toHaveTextContent("The new signing secret");
    await user.click(within(secret).getByTestId("webhook-secret-done"));

    await user.click(screen.getByTestId("webhook-toggle"));
    await waitFor(() => {
      expect(ipc.of("update_webhook").map((c) => c.args)).toEqual([{ id: "wh-1", update: { enabled: false } }]);
    });
  });

  it("says a disabled endpoint's messages wait for it, not for a retry", async () => {
    const { user } = renderSection({
      list_webhooks: () => [{ ...HOOK, enabled: false }],
      webhook_deliveries: () => [
        {
          messageId: "msg_3",
          event: "token.created",
          tokenId: "t3",
          tokenName: "ci",
          createdAt: NOW - 60_000,
          status: "pending",
          attempts: 0,
          nextAttemptAt: NOW - 50_000,
        },
      ],
    });
    await user.click(await screen.findByTestId("webhook-log"));
    expect(await screen.findByTestId("webhook-delivery-status")).toHaveTextContent(
      "Waiting until the endpoint is enabled",
    );
  });

  it("is on the Settings page for owners only", async () => {
    const owner = backend({});
    const onAny = vi.fn();
    const { unmount } = render(
      <SettingsPage
        info={appInfo()}
        connection={{ mode: "local", signedIn: true, privateCa: false }}
        onSaved={onAny}
        onConnected={onAny}
        onSignedOut={onAny}
      />,
    );
    expect(await screen.findByTestId("webhooks-section")).toHaveTextContent(
      "they wait until a server runs on it",
    );
    expect(owner.of("list_webhooks")).toHaveLength(1);
    unmount();
    const admin = makeUser({ role: "admin" });
    render(
      <SettingsPage
        info={appInfo({}, { actor: admin, subject: admin })}
        connection={{ mode: "server", signedIn: true, privateCa: false }}
        onSaved={onAny}
        onConnected={onAny}
        onSignedOut={onAny}
      />,
    );
    await screen.findByTestId("signing-keys-section");
    expect(screen.queryByTestId("webhooks-section")).not.toBeInTheDocument();
  });
});
