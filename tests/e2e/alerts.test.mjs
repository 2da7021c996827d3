// End-to-end, issue 13: expiry alerts from the real app, observed on a mock D-Bus notification
// server (python-dbusmock's notification_daemon) in the test's session bus: one notification per
// token due, never the token itself; a click (ActionInvoked "default") opens the token in the
// window; a relaunch announces only what became due since, not the same tokens again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot as saveShot } from "./driver.mjs";

const dataDir = join(mkdtempSync(join(tmpdir(), "tokendesk-e2e-alerts-")), "data");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let app;
let browser;
let mock;
const $t = (id) => browser.$(`[data-testid="${id}"]`);

function cli(args) {
  const r = spawnSync(process.env.TOKENDESK_APP, args, {
    env: { ...process.env, TOKENDESK_DATA_DIR: dataDir },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function bus(...args) {
  return spawnSync("busctl", ["--user", ...args], { encoding: "utf8", timeout: 10_000 });
}

/** The Notify calls the mock server received: summary, body, actions, in order (id = index + 1). */
function notifications() {
  const r = bus("--json=short", "call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
    "org.freedesktop.DBus.Mock", "GetMethodCalls", "s", "Notify");
  assert.equal(r.status, 0, r.stderr);
  const [calls] = JSON.parse(r.stdout).data;
  return calls.map(([, args]) => {
    const [, , , summary, body, actions] = args.map((a) => a.data);
    return { summary, body, actions };
  });
}

async function notificationsUntil(count, what) {
  for (let i = 0; i < 150; i++) {
    const n = notifications();
    if (n.length >= count) return n;
    await sleep(100);
  }
  assert.fail(`${what}: ${JSON.stringify(notifications())}`);
}

before(async () => {
  // Due at the last threshold (1 day), at the first (7 days), and not at all (30 days).
  const created = JSON.parse(cli(["tokens", "create", "--name", "rotate-me", "--expires", "1d", "--json"]));
  assert.ok(created.token);
  cli(["tokens", "create", "--name", "weekly", "--expires", "7d"]);
  cli(["tokens", "create", "--name", "monthly", "--expires", "30d"]);

  mock = spawn("/usr/bin/python3", ["-m", "dbusmock", "--template", "notification_daemon"], { stdio: "ignore" });
  for (let i = 0; i < 100 && bus("status", "org.freedesktop.Notifications").status !== 0; i++) await sleep(100);
  assert.equal(bus("status", "org.freedesktop.Notifications").status, 0, "the mock notification server did not start");

  app = await startApp({ TOKENDESK_DATA_DIR: dataDir }, { choose: "none" });
  browser = app.browser;
  await (await $t("authorizations-page")).waitForDisplayed();
});

after(async () => {
  if (app) await app.stop();
  if (mock) mock.kill();
});

test("a notification per token due, and a click opens the token", async () => {
  const shown = await notificationsUntil(2, "no notifications for the two tokens due");
  await sleep(1_000);
  assert.equal(notifications().length, 2, "one notification per token due, nothing for the 30-day one");
  // Each is sent on a thread of its own: the server may get them in either order.
  assert.deepEqual(shown.map((n) => n.summary).sort(), ["“rotate-me” expires in 1 day", "“weekly” expires in 7 days"]);
  // The server numbers notifications in the order it got them, from 1.
  const rotateMe = String(shown.findIndex((n) => n.summary.includes("rotate-me")) + 1);
  for (const n of shown) {
    assert.match(n.body, /'s token\. Rotate it in Tokendesk/);
    assert.doesNotMatch(`${n.summary} ${n.body}`, /tkd_/, "never a token");
    assert.deepEqual(n.actions, ["default", ""], "a click is reported");
  }

  // The click, as the desktop's notification server reports it.
  const clicked = bus("call", "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
    "org.freedesktop.DBus.Mock", "EmitSignal", "sssav", "", "ActionInvoked", "us", "2", "u", rotateMe, "s", "default");
  assert.equal(clicked.status, 0, clicked.stderr);
  const detail = await $t("token-detail");
  await detail.waitForDisplayed();
  const title = await browser.execute(() => document.querySelector('[data-testid="token-detail"] h2')?.textContent ?? "");
  assert.equal(title.trim(), "rotate-me");
  assert.equal(await (await $t("nav-expiring")).getAttribute("aria-current"), "page");
  await saveShot(browser, "45-expiry-alert-opened");
  await (await $t("detail-close")).click();
  await detail.waitForDisplayed({ reverse: true });
  // The Expiring soon view: the two due, soonest first.
  const names = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="token-row"] [data-testid="details-button"]')].map((b) => b.textContent.trim()),
  );
  assert.deepEqual(names, ["rotate-me", "weekly"]);
  await saveShot(browser, "46-expiring-soon");
});

test("a relaunch announces only what became due since", async () => {
  await app.stop();
  app = null;
  cli(["tokens", "create", "--name", "hourly", "--expires", "1h"]);
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir }, { choose: "none" });
  browser = app.browser;
  const shown = await notificationsUntil(3, "nothing for the token created meanwhile");
  await sleep(1_000);
  assert.equal(notifications().length, 3, "the two announced before are not announced again");
  assert.equal(shown[2].summary, "“hourly” expires within the hour");
});
