import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { render } from "./test/render";
import { appInfo, backend, fail } from "./test/fixtures";

const KEYRING_MESSAGE =
  "No Secret Service provider was found. Install and unlock gnome-keyring or KWallet, then retry.";

describe("startup", () => {
  it("shows only the keyring screen when the keyring is unavailable, and Retry recovers", async () => {
    let fixed = false;
    const ipc = backend({
      app_info: () => {
        fail("keyring_unavailable", KEYRING_MESSAGE);
      },
      retry_open: () => {
        if (!fixed) fail("keyring_unavailable", KEYRING_MESSAGE);
        return appInfo();
      },
    });
    const user = userEvent.setup();
    render(<App />);

    expect(
      await screen.findByRole("heading", { name: "The system keyring is not available" }),
    ).toBeInTheDocument();
    expect(screen.getByText(KEYRING_MESSAGE)).toBeInTheDocument();
    expect(screen.queryByTestId("add-authorization")).not.toBeInTheDocument();
    expect(ipc.of("list_tokens")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("button", { name: "Retry" })).toBeEnabled();
    expect(ipc.of("retry_open")).toHaveLength(1);
    expect(screen.queryByTestId("add-authorization")).not.toBeInTheDocument();

    fixed = true;
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("add-authorization")).toBeInTheDocument();
    expect(ipc.of("retry_open")).toHaveLength(2);
  });

  it("shows the authority and the user once started", async () => {
    backend();
    render(<App />);
    expect(await screen.findByText("Acme Staging")).toBeInTheDocument();
    expect(screen.getByText("Ada Lovelace")).toBeInTheDocument();
    expect(screen.getByText("Tokendesk")).toBeInTheDocument();
  });
});
