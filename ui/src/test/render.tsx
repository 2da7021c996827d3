import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import {
  render as rtlRender,
  screen,
  waitFor,
  type RenderOptions,
} from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactElement, ReactNode } from "react";
import { App } from "../App";
import { createQueryClient } from "../queryClient";

/** A client of its own for each render, so no test sees another's cache; failures show at once. */
function testQueryClient(): QueryClient {
  // The app's defaults otherwise; no garbage-collection timers left behind after a test.
  return createQueryClient({ retry: false, gcTime: Infinity });
}

/** Testing Library's render, inside a QueryClientProvider with a fresh client. */
export function render(ui: ReactElement, options?: Omit<RenderOptions, "wrapper">) {
  const client = testQueryClient();
  function Wrapper({ children }: { children: ReactNode }) {
    return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  }
  return { queryClient: client, ...rtlRender(ui, { ...options, wrapper: Wrapper }) };
}

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
