// End-to-end: the app as shipped draws without GPU compositing (window.rs) — its web process
// starts with WebKit's switch set — and works so: create, reveal once, close, listed. No
// screenshots here: WebKitWebDriver's never return under Xvfb in this mode (run.sh sets
// TOKENDESK_GPU=1 for the other files, which take them). TOKENDESK_GPU=1 gives WebKit's default.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "./driver.mjs";

let app;
after(async () => {
  if (app) await app.stop();
});

/** The environment of the app's web process, as WebKit started it. */
function webProcessEnv() {
  const appPid = spawnSync("pgrep", ["-f", "-x", process.env.TOKENDESK_APP], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  const kids = spawnSync("pgrep", ["-P", appPid], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
  const web = kids.find((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("WebKitWebProces"));
  assert.ok(web, `no web process among ${kids}`);
  return readFileSync(`/proc/${web}/environ`, "utf8").split("\0");
}

test("as shipped: no GPU compositing, and the token page works", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tokendesk-e2e-render-"));
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir, TOKENDESK_GPU: "" });
  const { browser } = app;
  const $t = (id) => browser.$(`[data-testid="${id}"]`);
  const env = webProcessEnv();
  assert.ok(env.includes("WEBKIT_DISABLE_COMPOSITING_MODE=1"), "the web process draws without GPU compositing");

  const add = await $t("add-authorization");
  await add.waitForClickable();
  await add.click();
  await (await $t("token-name")).setValue("drawn in software");
  await (await $t("create-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  assert.match(await revealed.getValue(), /^tkd_/);
  await (await $t("reveal-done")).click();
  await (await $t("reveal-confirm-close")).click();
  await revealed.waitForExist({ reverse: true });
  await browser.waitUntil(
    () => browser.execute(() => [...document.querySelectorAll('[data-testid="token-row"]')].some((r) => r.textContent.includes("drawn in software"))),
    { timeout: 10_000, timeoutMsg: "the new token is not listed" },
  );
});
