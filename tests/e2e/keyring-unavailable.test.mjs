// With no reachable keyring the app explains the problem and how to fix it, and writes nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot } from "./driver.mjs";

const dataDir = join(mkdtempSync(join(tmpdir(), "tokendesk-e2e-nokeyring-")), "data");
let app;

before(async () => {
  // A session bus address where nothing listens: as on a machine without a keyring daemon.
  app = await startApp({
    TOKENDESK_DATA_DIR: dataDir,
    DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/tokendesk-e2e-bus",
    NO_AT_BRIDGE: "1",
  });
});

after(async () => {
  if (app) await app.stop();
});

test("keyring unavailable: a clear screen with the fix, Retry, and nothing written", async () => {
  const { browser } = app;
  const heading = await browser.$("h1");
  await heading.waitForDisplayed();
  await browser.waitUntil(async () => /keyring/i.test(await heading.getText()), { timeoutMsg: "no keyring screen" });
  const text = await browser.$("body").getText();
  assert.match(text, /not available|locked/i);
  assert.match(text, /gnome-keyring|unlock/i, "the screen says how to fix it");
  const retry = await browser.$("button=Retry");
  assert.ok(await retry.isDisplayed());
  await shot(browser, "10-keyring-unavailable");
  await retry.click();
  // The last error stays on screen while the retry runs ("Retrying…"): wait for it to end,
  // since a failed attempt removes what it created only when it gives up.
  await browser.waitUntil(async () => (await browser.$('[data-testid="retry"]').getText()) === "Retry", {
    timeoutMsg: "the retry never finished",
  });
  await browser.waitUntil(async () => /keyring/i.test(await browser.$("h1").getText()));
  assert.equal(await browser.$('[data-testid="add-authorization"]').isExisting(), false);
  assert.equal(existsSync(dataDir), false, "no data directory or database was created");
});
