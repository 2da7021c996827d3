import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../App";

const LOADED = ["token-row", "empty-state", "no-results", "error-alert"]
  .map((id) => `[data-testid="${id}"]`)
  .join(",");

/** Renders the whole app against the mocked backend and waits until the listing has loaded. */
export async function renderApp() {
  const user = userEvent.setup();
  const view = render(<App />);
  await screen.findByTestId("authorizations-page");
  await waitFor(() => {
    if (!document.querySelector(LOADED)) throw new Error("the listing has not loaded");
  });
  return { user, ...view };
}

/** The main navigation's entries, in order. */
export function navLabels(): string[] {
  const nav = screen.getByRole("navigation", { name: "Main" });
  return Array.from(nav.querySelectorAll("button")).map((b) => b.textContent);
}
