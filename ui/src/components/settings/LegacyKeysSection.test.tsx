// Settings → Legacy API keys: the sunset offered for Emulate, what is saved, and Rust's refusals.
import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LegacySettings } from "../../api";
import { DAY, MINUTE, formatDateTime, fromDateTimeLocal, toDateTimeLocal } from "../../lib/format";
import { POLICY, backend, fail, legacySettings } from "../../test/fixtures";
import { render, renderApp } from "../../test/render";
import { LegacyKeysSection } from "./LegacyKeysSection";

function renderSection(canManage: boolean, handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend(handlers);
  const user = userEvent.setup();
  render(<LegacyKeysSection canManage={canManage} />);
  return { ipc, user };
}

function section(): HTMLElement {
  return screen.getByTestId("legacy-settings");
}

describe("the legacy API keys section", () => {
  it("shows the settings and says what happens after the sunset", async () => {
    renderSection(true);
    expect(await screen.findByTestId("legacy-mode-off")).toBeChecked();
    expect(screen.getByTestId("legacy-mode-emulate")).not.toBeChecked();
    expect(screen.getByTestId("legacy-sunset")).toHaveValue("");
    expect(screen.getByTestId("legacy-sunset")).toHaveAttribute("type", "datetime-local");
    expect(screen.getByTestId("legacy-header")).toHaveValue("X-Api-Key");
    expect(screen.getByTestId("legacy-notes-url")).toHaveValue("");
    expect(section()).toHaveTextContent("Legacy keys are refused.");
    expect(section()).toHaveTextContent(
      "Accepted in their old header until the sunset date; every answer says they are deprecated (Deprecation, Sunset, Link headers).",
    );
    expect(section()).toHaveTextContent(
      "After the sunset, legacy keys are refused with the error legacy_key_sunset.",
    );
    expect(section()).toHaveTextContent("Authorization: ApiKey");
    expect(section()).toHaveTextContent("/docs/legacy-api-keys");
    expect(screen.queryByTestId("legacy-deprecated")).not.toBeInTheDocument();
  });

  it("offers a sunset 90 days ahead when switching to Emulate without one", async () => {
    const { ipc, user } = renderSection(true);
    await user.click(await screen.findByTestId("legacy-mode-emulate"));
    expect(screen.getByTestId("legacy-mode-emulate")).toBeChecked();
    const offered = fromDateTimeLocal(
      screen.getByTestId<HTMLInputElement>("legacy-sunset").value,
    );
    expect(offered).not.toBeNull();
    expect(Math.abs((offered ?? 0) - (Date.now() + 90 * DAY))).toBeLessThan(2 * MINUTE);
    // Choosing does not save.
    expect(ipc.of("update_legacy_settings")).toHaveLength(0);
  });

  it("keeps a sunset already set when switching to Emulate", async () => {
    const sunsetAt = new Date(2031, 5, 1, 12, 0).getTime();
    const { user } = renderSection(true, {
      legacy_settings: () => legacySettings({ sunsetAt }),
    });
    await user.click(await screen.findByTestId("legacy-mode-emulate"));
    expect(screen.getByTestId("legacy-sunset")).toHaveValue(toDateTimeLocal(sunsetAt));
  });

  it("sends the settings as edited and shows them as Rust saved them", async () => {
    const deprecatedAt = Date.now();
    const { ipc, user } = renderSection(true, {
      update_legacy_settings: ({ settings }) => ({
        ...(settings as LegacySettings),
        header: "Authorization: ApiKey",
        deprecatedAt,
      }),
    });
    await user.click(await screen.findByTestId("legacy-mode-emulate"));
    const sunset = "2031-06-01T12:30";
    fireEvent.change(screen.getByTestId("legacy-sunset"), { target: { value: sunset } });
    await user.clear(screen.getByTestId("legacy-header"));
    await user.type(screen.getByTestId("legacy-header"), "  authorization: ApiKey ");
    await user.type(
      screen.getByTestId("legacy-notes-url"),
      "https://wiki.example.com/api-migration",
    );
    await user.click(screen.getByTestId("legacy-save"));

    expect(await screen.findByTestId("legacy-saved")).toHaveTextContent(
      "Legacy API key settings saved.",
    );
    expect(ipc.of("update_legacy_settings")).toHaveLength(1);
    expect(ipc.last("update_legacy_settings")).toEqual({
      settings: {
        mode: "emulate",
        sunsetAt: new Date(2031, 5, 1, 12, 30).getTime(),
        header: "authorization: ApiKey",
        notesUrl: "https://wiki.example.com/api-migration",
      },
    });
    // The form shows Rust's answer: its canonical header, and the deprecation it recorded.
    expect(screen.getByTestId("legacy-header")).toHaveValue("Authorization: ApiKey");
    expect(screen.getByTestId("legacy-deprecated")).toHaveTextContent(formatDateTime(deprecatedAt));

    // An edit takes the confirmation away until the next save.
    await user.click(screen.getByTestId("legacy-mode-off"));
    expect(screen.queryByTestId("legacy-saved")).not.toBeInTheDocument();
  });

  it("turns emulation off leaving out an empty URL", async () => {
    const sunsetAt = new Date(2031, 0, 1, 9, 0).getTime();
    const deprecatedAt = new Date(2030, 0, 1, 9, 0).getTime();
    const { ipc, user } = renderSection(true, {
      legacy_settings: () =>
        legacySettings({ mode: "emulate", sunsetAt, deprecatedAt, notesUrl: "" }),
      update_legacy_settings: ({ settings }) => settings,
    });
    await user.click(await screen.findByTestId("legacy-mode-off"));
    await user.click(screen.getByTestId("legacy-save"));
    await screen.findByTestId("legacy-saved");
    expect(ipc.last("update_legacy_settings")).toEqual({
      settings: { mode: "off", sunsetAt, header: "X-Api-Key", deprecatedAt },
    });
  });

  it("asks for a sunset before emulating, without calling Rust", async () => {
    const { ipc, user } = renderSection(true);
    await user.click(await screen.findByTestId("legacy-mode-emulate"));
    fireEvent.change(screen.getByTestId("legacy-sunset"), { target: { value: "" } });
    await user.click(screen.getByTestId("legacy-save"));
    expect(within(section()).getByTestId("field-error")).toHaveTextContent("Choose the sunset");
    expect(screen.getByTestId("legacy-sunset")).toHaveFocus();
    expect(ipc.of("update_legacy_settings")).toHaveLength(0);
  });

  it("shows Rust's refusal in the section and keeps the edits", async () => {
    const message = "“X Api Key” is not a header name.";
    const { ipc, user } = renderSection(true, {
      update_legacy_settings: () => {
        fail("invalid_input", message);
      },
    });
    await user.clear(await screen.findByTestId("legacy-header"));
    await user.type(screen.getByTestId("legacy-header"), "X Api Key");
    await user.click(screen.getByTestId("legacy-save"));

    expect(await screen.findByTestId("legacy-error")).toHaveTextContent(message);
    expect(screen.queryByTestId("legacy-saved")).not.toBeInTheDocument();
    expect(screen.getByTestId("legacy-header")).toHaveValue("X Api Key");
    expect(screen.getByTestId("legacy-save")).toBeEnabled();
    expect(ipc.of("update_legacy_settings")).toHaveLength(1);
  });

  it("shows the settings without inputs to someone who may not manage settings", async () => {
    const sunsetAt = new Date(2031, 0, 1, 9, 0).getTime();
    const { ipc } = renderSection(false, {
      legacy_settings: () => legacySettings({ mode: "emulate", sunsetAt }),
    });
    const readOnly = await screen.findByTestId("legacy-readonly");
    expect(readOnly).toHaveTextContent("Emulate");
    expect(readOnly).toHaveTextContent(formatDateTime(sunsetAt));
    expect(readOnly).toHaveTextContent("X-Api-Key");
    expect(within(section()).queryAllByRole("textbox")).toHaveLength(0);
    expect(within(section()).queryAllByRole("radio")).toHaveLength(0);
    expect(within(section()).queryAllByRole("button")).toHaveLength(0);
    expect(ipc.of("update_legacy_settings")).toHaveLength(0);
  });

  it("is a section of Settings", async () => {
    backend({
      get_settings: () => ({
        authorityName: "Acme Staging",
        tokenPrefix: "tkd",
        policy: POLICY,
        onlyOwnersCreateTokens: false,
        alerts: { firstDays: 7, lastDays: 1 },
      }),
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("nav-settings"));
    expect(await screen.findByTestId("legacy-mode-off")).toBeChecked();
    const headings = Array.from(
      screen.getByTestId("settings-page").querySelectorAll("section > h2"),
    ).map((h) => h.textContent);
    expect(headings).toContain("Legacy API keys");
  });
});
