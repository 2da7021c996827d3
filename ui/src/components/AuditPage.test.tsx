import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { AuditEvent, AuditQuery } from "../api";
import { MEMBER_PERMISSIONS, appInfo, backend, fail } from "../test/fixtures";
import { renderApp } from "../test/render";
import { formatDetails } from "./AuditPage";

function event(seq: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq,
    id: `ev-${seq}`,
    at: Date.UTC(2025, 0, 10, 12, seq),
    actorId: "u1",
    subjectId: "u1",
    action: "token.created",
    targetId: null,
    details: "{}",
    hash: "ab".repeat(32),
    ...over,
  };
}

const EVENTS = [
  event(3, {
    action: "impersonation.started",
    subjectId: "u2",
    targetId: "u2",
    details: JSON.stringify({ admin: "Ada Lovelace", user: "Grace Hopper" }),
  }),
  event(2, { action: "user.updated", targetId: "u2", details: JSON.stringify({ name: ["Grace", "Grace Hopper"], role: ["member", "member"] }) }),
  event(1, { action: "authority.created", details: JSON.stringify({ name: "<b>Acme</b>" }) }),
];

function auditRow(index: number): HTMLElement {
  const row = screen.getAllByTestId("audit-row")[index];
  if (!row) throw new Error(`no audit row ${index}`);
  return row;
}

async function openAudit(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend({
    list_audit: () => ({ items: EVENTS, nextBefore: null }),
    ...handlers,
  });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("nav-audit"));
  await screen.findByTestId("audit-page");
  await screen.findAllByTestId("audit-row");
  return { ipc, ...view };
}

describe("the audit page", () => {
  it("shows events newest first with names resolved", async () => {
    const { ipc } = await openAudit();
    expect(ipc.last("list_audit")).toEqual({ query: { limit: 100 } });
    const rows = screen.getAllByTestId("audit-row");
    expect(rows.map((r) => r.dataset.seq)).toEqual(["3", "2", "1"]);
    const first = auditRow(0);
    expect(within(first).getByTestId("audit-actor-cell")).toHaveTextContent("Ada Lovelace");
    expect(within(first).getByTestId("audit-subject-cell")).toHaveTextContent("Grace Hopper");
    expect(first).toHaveTextContent("impersonation.started");
    expect(first).toHaveTextContent("admin: Ada Lovelace; user: Grace Hopper");
    // Only what changed, as plain text.
    expect(rows[1]).toHaveTextContent("name: Grace → Grace Hopper");
    expect(rows[1]).not.toHaveTextContent("role:");
    expect(rows[2]).toHaveTextContent("name: <b>Acme</b>");
    expect(document.querySelector("tbody b")).toBeNull();
  });

  it("shows ids when users cannot be listed", async () => {
    const { ipc } = await openAudit({
      app_info: () =>
        appInfo({}, { permissions: { ...MEMBER_PERMISSIONS, viewAudit: true } }),
    });
    expect(ipc.of("list_users")).toHaveLength(0);
    const first = auditRow(0);
    expect(within(first).getByTestId("audit-actor-cell")).toHaveTextContent(/^u1$/);
    expect(within(first).getByTestId("audit-subject-cell")).toHaveTextContent(/^u2$/);
    // The actor filter becomes a text box for an id.
    const actor = screen.getByTestId("audit-actor");
    expect(actor.tagName).toBe("INPUT");
    fireEvent.change(actor, { target: { value: "u7" } });
    await waitFor(() => {
      expect(ipc.last("list_audit")).toEqual({ query: { limit: 100, actorId: "u7" } });
    });
  });

  it("maps the filters onto the AuditQuery", async () => {
    const { ipc, user } = await openAudit();
    await waitFor(() => {
      expect(within(screen.getByTestId("audit-actor")).getAllByRole("option")).toHaveLength(4);
    });
    await user.selectOptions(screen.getByTestId("audit-actor"), "Ada Lovelace");
    await user.selectOptions(screen.getByTestId("audit-subject"), "Grace Hopper");
    await user.selectOptions(screen.getByTestId("audit-action"), "token.revoked");
    fireEvent.change(screen.getByTestId("audit-from"), { target: { value: "2025-01-10" } });
    fireEvent.change(screen.getByTestId("audit-to"), { target: { value: "2025-01-12" } });

    await waitFor(() => {
      expect(ipc.last("list_audit")).toEqual({
        query: {
          limit: 100,
          actorId: "u1",
          subjectId: "u2",
          action: "token.revoked",
          from: new Date(2025, 0, 10).getTime(),
          // Inclusive of the whole "to" day: the next local midnight, exclusive.
          to: new Date(2025, 0, 13).getTime(),
        },
      });
    });
  });

  it("offers every action core records, tenants and service settings included", async () => {
    await openAudit();
    const offered = within(screen.getByTestId("audit-action"))
      .getAllByRole("option")
      .map((o) => o.getAttribute("value"));
    for (const action of [
      "tenant.created",
      "tenant.renamed",
      "tenant.member_added",
      "tenant.member_removed",
      "tenant.switched",
      "service.settings_changed",
      "token.created",
      "signing_key.rotated",
      "user.client_secret_set",
    ]) {
      expect(offered).toContain(action);
    }
  });

  it("loads more with nextBefore and appends", async () => {
    const { ipc, user } = await openAudit({
      list_audit: ({ query }) =>
        (query as AuditQuery).beforeSeq === 3
          ? { items: [event(2), event(1)], nextBefore: null }
          : { items: [event(4), event(3)], nextBefore: 3 },
    });
    await user.click(screen.getByTestId("load-more"));
    expect(ipc.last("list_audit")).toEqual({ query: { limit: 100, beforeSeq: 3 } });
    await waitFor(() => {
      expect(screen.getAllByTestId("audit-row").map((r) => r.dataset.seq)).toEqual([
        "4",
        "3",
        "2",
        "1",
      ]);
    });
    expect(screen.queryByTestId("load-more")).not.toBeInTheDocument();
  });

  it("verifies the chain: intact", async () => {
    const { ipc, user } = await openAudit({
      verify_audit_chain: () => ({ ok: true, eventsChecked: 42, brokenAt: null, problem: null }),
    });
    await user.click(screen.getByTestId("verify-chain"));
    expect(await screen.findByTestId("chain-result")).toHaveTextContent(
      "Chain intact: 42 events checked",
    );
    expect(ipc.of("verify_audit_chain")).toHaveLength(1);
  });

  it("verifies the chain: broken", async () => {
    const { user } = await openAudit({
      verify_audit_chain: () => ({
        ok: false,
        eventsChecked: 40,
        brokenAt: 12,
        problem: "the hash does not match the event's content",
      }),
    });
    await user.click(screen.getByTestId("verify-chain"));
    const result = await screen.findByTestId("chain-result");
    expect(result).toHaveTextContent(
      "Broken at event #12: the hash does not match the event's content",
    );
    expect(result).not.toHaveTextContent("intact");
  });

  it("exports with the format and the current filters", async () => {
    let answer: string | null = "/home/ada/audit.csv";
    const { ipc, user } = await openAudit({
      export_audit: () => answer,
    });
    await user.selectOptions(screen.getByTestId("audit-action"), "user.created");
    await user.click(screen.getByTestId("export-csv"));
    expect(ipc.last("export_audit")).toEqual({
      format: "csv",
      query: { limit: 100, action: "user.created" },
    });
    expect(await screen.findByTestId("export-result")).toHaveTextContent(
      "Saved to /home/ada/audit.csv",
    );

    // Cancelled in the save dialog: nothing is said.
    answer = null;
    await user.click(screen.getByTestId("export-json"));
    expect(ipc.last("export_audit")).toMatchObject({ format: "json" });
    await waitFor(() => {
      expect(screen.queryByTestId("export-result")).not.toBeInTheDocument();
    });
    expect(screen.queryByTestId("audit-alert")).not.toBeInTheDocument();
  });

  it("shows a failed export in an alert", async () => {
    const { user } = await openAudit({
      export_audit: () => {
        fail("internal", "could not write the export: disk full");
      },
    });
    await user.click(screen.getByTestId("export-json"));
    expect(await screen.findByTestId("audit-alert")).toHaveTextContent("disk full");
  });
});

describe("formatDetails", () => {
  it("renders key: value and changed pairs", () => {
    expect(formatDetails('{"name":"Ada","kind":"human"}')).toBe("name: Ada; kind: human");
    expect(formatDetails('{"email":[null,"a@b.org"],"role":["x","x"]}')).toBe(
      "email: — → a@b.org",
    );
    expect(formatDetails("not json")).toBe("not json");
  });
});
