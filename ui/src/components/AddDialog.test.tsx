import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CreateTokenRequest } from "../api";
import { appInfo, backend, DAY, fail, token } from "../test/fixtures";
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
