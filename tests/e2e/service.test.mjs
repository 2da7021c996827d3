// End-to-end, issue 4: turn the embedded verification service on in Settings, create a
// read-only token, "Test it" from the reveal dialog, call the service from outside like any
// client (scopes enforced), see the uses in the token's detail chart, and manage a tenant.
// Issue 12: Settings → Legacy API keys (emulate), the Migration screen (import through the OS
// dialog, a bearer token for an integration, retire), the old header checked from outside.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot as saveShot } from "./driver.mjs";

const dataDir = mkdtempSync(join(tmpdir(), "tokendesk-e2e-svc-"));
let app;
let browser;
let port = 0;
let plain = "";
const $t = (id) => browser.$(`[data-testid="${id}"]`);
const shot = (name) => saveShot(browser, name);
const text = (id) => browser.execute((i) => document.querySelector(`[data-testid="${i}"]`)?.textContent ?? "", id);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function clickNav(id, page) {
  await (await $t(`nav-${id}`)).click();
  await (await $t(page)).waitForDisplayed();
}

before(async () => {
  port = await freePort();
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir });
  browser = app.browser;
  await (await $t("add-authorization")).waitForClickable();
});

after(async () => {
  if (app) await app.stop();
});

test("Settings turns the verification service on and shows its URL", async () => {
  await clickNav("settings", "settings-page");
  const section = await $t("service-section");
  await section.waitForDisplayed();
  await browser.waitUntil(async () => /Off/.test(await text("service-state")), { timeout: 10000, timeoutMsg: "the service is not reported off at first" });
  await (await $t("service-enabled")).click();
  const portField = await $t("service-port");
  await portField.clearValue();
  await portField.setValue(String(port));
  await (await $t("service-schemes")).setValue("SalureToken");
  await (await $t("service-save")).click();
  await browser.waitUntil(async () => (await text("service-state")).includes(`http://127.0.0.1:${port}`), {
    timeout: 10000,
    timeoutMsg: "the service state does not show the URL",
  });
  await section.scrollIntoView();
  await shot("10-settings-service");
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "ok");
});

test("a read-only token: Test it in the reveal dialog, then real clients", async () => {
  await clickNav("own", "add-authorization");
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("Service reader");
  await (await $t("access-limited")).click();
  await (await $t("scope-tokens:read")).click();
  await shot("11-add-scopes");
  await (await $t("create-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  plain = await revealed.getValue();
  assert.match(await text("reveal-scopes"), /tokens:read/);

  await (await $t("test-token")).click();
  await browser.waitUntil(async () => (await text("test-status")).startsWith("200"), {
    timeout: 15000,
    timeoutMsg: "Test it did not report 200",
  });
  const body = JSON.parse(await text("test-body"));
  assert.equal(body.token.name, "Service reader");
  assert.deepEqual(body.scopes, ["tokens:read"]);
  assert.ok(!(await text("test-body")).includes(plain.slice(4)), "the answer never holds the token");
  await shot("12-test-it");

  // Outside the app, like any service: the extra scheme works, scopes are enforced.
  const me = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `SalureToken ${plain}` } });
  assert.equal(me.status, 200);
  const list = await fetch(`http://127.0.0.1:${port}/api/tokens`, { headers: { authorization: `Bearer ${plain}` } });
  assert.equal(list.status, 200);
  assert.equal((await list.json()).items[0].name, "Service reader");
  const create = await fetch(`http://127.0.0.1:${port}/api/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${plain}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "sneaky", expiry: { kind: "preset", preset: "one_day" } }),
  });
  assert.equal(create.status, 403);
  assert.equal((await create.json()).error, "insufficient_scope");
  assert.match(create.headers.get("www-authenticate"), /error="insufficient_scope"/);

  await (await $t("reveal-done")).click();
  const confirm = await $t("reveal-confirm-close");
  if (await confirm.isExisting()) await confirm.click();
  await (await $t("reveal-dialog")).waitForDisplayed({ reverse: true });
});

test("the detail panel shows the uses of the day and the last client", async () => {
  // The panel writes the uses counted so far, then reads them from the database.
  await browser.pause(1500);
  const rowId = await browser.execute(
    () => [...document.querySelectorAll('[data-testid="token-row"]')].find((r) => r.textContent.includes("Service reader"))?.dataset.tokenId ?? null,
  );
  assert.ok(rowId, "the new token is listed");
  await (await browser.$(`[data-testid="token-row"][data-token-id="${rowId}"] [data-testid="details-button"]`)).click();
  await (await $t("token-detail")).waitForDisplayed();
  await (await $t("usage-chart")).waitForDisplayed();
  const label = await browser.execute(() => document.querySelector('[data-testid="usage-chart"] svg')?.getAttribute("aria-label") ?? "");
  // Test it, the SalureToken call, the list and the refused create: four verified uses.
  assert.match(label, /: 4 in total/, label);
  assert.equal(await browser.$$('[data-testid="usage-bar"]').length, 30);
  assert.match(await text("detail-last-client"), /127\.0\.0\.1/);
  assert.match(await text("detail-access"), /tokens:read/);
  await shot("13-token-detail");
  await (await $t("detail-close")).click();
  await (await $t("token-detail")).waitForDisplayed({ reverse: true });
});

test("tenants: create one and make the owner a member", async () => {
  await clickNav("users", "users-page");
  await (await $t("add-tenant")).click();
  await (await $t("tenant-name-input")).setValue("Acme Corp");
  await (await $t("tenant-submit")).click();
  await browser.waitUntil(async () => (await text("tenants-section")).includes("Acme Corp"), { timeout: 5000, timeoutMsg: "the tenant is not listed" });
  await (await $t("tenants-button")).click();
  await (await $t("memberships-dialog")).waitForDisplayed();
  await (await $t("tenant-member")).click();
  await browser.waitUntil(async () => (await text("user-tenants")).includes("Acme Corp"), { timeout: 5000, timeoutMsg: "the membership is not shown" });
  await (await $t("memberships-done")).click();
  assert.match(await text("user-tenants"), /active/);
  await shot("14-tenants");
  // The service sees the owner's tenant at once.
  const me = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${plain}` } });
  assert.equal((await me.json()).tenant.name, "Acme Corp");
});

const LEGACY_KEY = "e2e-legacy-key-0123456789";

test("Settings → Legacy API keys: emulate in X-Api-Key until a sunset", async () => {
  // Setup, not under test: a member whose key is imported.
  const created = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__
      .invoke("create_user", { user: { displayName: "Mia Member", email: "mia@example.org", kind: "human", role: "member", password: "mia password 1" } })
      .then(() => done("ok"), (e) => done(e.code ?? String(e)));
  });
  assert.equal(created, "ok");
  await clickNav("settings", "settings-page");
  const section = await $t("legacy-settings");
  await section.scrollIntoView();
  await (await $t("legacy-mode-emulate")).click();
  assert.ok((await (await $t("legacy-sunset")).getValue()) !== "", "a sunset is proposed");
  await (await $t("legacy-save")).click();
  await (await $t("legacy-saved")).waitForDisplayed();
  await shot("15-settings-legacy");
  const refused = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { "x-api-key": LEGACY_KEY } });
  assert.equal(refused.status, 401, "not imported yet");
  assert.ok(refused.headers.get("sunset"), "the legacy answer says when they stop");
});

test("Migration: import through the OS dialog, a bearer token for the integration, retire", async () => {
  const file = join(dataDir, "legacy-keys.csv");
  writeFileSync(file, `email,key,label\nmia@example.org,${LEGACY_KEY},Billing sync\nghost@example.org,ghost-key-0123456789,x\n`);
  await clickNav("migration", "migration-page");
  await (await $t("legacy-import")).click();
  // The GTK open dialog belongs to the app, outside the web view: type the path as a person would.
  execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", "Import legacy", "windowfocus", "--sync", "%1"], { timeout: 15_000 });
  // Ctrl+L opens the location entry; it takes a moment to appear before it takes keys.
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+l"]);
  execFileSync("sleep", ["0.5"]);
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
  execFileSync("xdotool", ["type", "--delay", "15", file]);
  execFileSync("sleep", ["0.5"]);
  execFileSync("xdotool", ["key", "Return"]);
  await browser.waitUntil(
    async () => (await (await $t("legacy-import-report")).isDisplayed()) || (await (await $t("legacy-import-error")).isExisting()),
    { timeout: 15_000, timeoutMsg: "no import report" },
  );
  assert.equal(await text("legacy-import-error"), "", "the import failed");
  assert.match(await text("legacy-import-report"), /1/);
  assert.equal(await browser.$$('[data-testid="legacy-problem"]').length, 1);
  assert.match(await text("legacy-import-report"), /ghost@example\.org/);
  assert.ok(!(await text("migration-page")).includes(LEGACY_KEY), "the page never shows a key");

  // The old client, from outside: accepted, with the deprecation headers; counted.
  const old = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { "x-api-key": LEGACY_KEY, "user-agent": "billing-sync/2.1" } });
  assert.equal(old.status, 200);
  assert.equal((await old.json()).user.email, "mia@example.org");
  assert.match(old.headers.get("deprecation"), /^@\d+$/);
  assert.ok(old.headers.get("sunset"));
  assert.match(old.headers.get("link"), /rel="deprecation"/);

  const row = await $t("legacy-row");
  await row.waitForDisplayed();
  const id = await row.getAttribute("data-key-id");
  // textContent: WebKitWebDriver's getText() skips text inside overflow-hidden cells.
  assert.match(await browser.execute((el) => el.textContent, row), /Billing sync/);
  await shot("16-migration");

  await (await browser.$(`[data-testid="legacy-row"][data-key-id="${id}"] [data-testid="legacy-replace"]`)).click();
  await (await $t("legacy-replace-dialog")).waitForDisplayed();
  await shot("17-migration-replace");
  await (await $t("legacy-replace-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  const bearer = await revealed.getValue();
  const me = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).user.email, "mia@example.org", "the token is the key's user's");
  await (await $t("reveal-done")).click();
  const confirm = await $t("reveal-confirm-close");
  if (await confirm.isExisting()) await confirm.click();

  await (await browser.$(`[data-testid="legacy-row"][data-key-id="${id}"] [data-testid="legacy-retire"]`)).click();
  await (await $t("legacy-retire-confirm")).click();
  await browser.waitUntil(
    async () => (await browser.$(`[data-testid="legacy-row"][data-key-id="${id}"]`).getAttribute("data-status")) === "revoked",
    { timeout: 10_000, timeoutMsg: "the key is not shown retired" },
  );
  const gone = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { "x-api-key": LEGACY_KEY } });
  assert.equal(gone.status, 401);
  assert.match((await gone.json()).message, /retired/);
  const still = await fetch(`http://127.0.0.1:${port}/api/users/me`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(still.status, 200, "the integration's new token keeps working");
});
