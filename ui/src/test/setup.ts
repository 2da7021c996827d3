import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// jsdom lays nothing out and has no scrollIntoView; a page change calls it. Tests that look at
// scrolling spy on this stub.
Element.prototype.scrollIntoView = function scrollIntoView() {
  // Nothing to scroll without layout.
};

afterEach(() => {
  cleanup();
  clearMocks();
  // Display preferences (the table density) do not leak from one test into the next.
  localStorage.clear();
});
