// End-to-end, issue 3: owner creates a member, impersonates them, creates an impersonation
// token (purple tag), stops, switches user to the member (the token is not listed), switches
// back and revokes it in All authorizations; then the audit chain verifies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot as saveShot } from "./driver.mjs";

const dataDir = mkdtempSync(join(tmpdir(), "tokendesk-e2e-imp-"));
let app;
let browser;
const $t = (id) => browser.$(`[data-testid="${id}"]`);
const shot = (name) => saveShot(browser, name);

async function rowIdByText(text) {
  return browser.execute(
    (t) => [...document.querySelectorAll('[data-testid="token-row"]')].find((r) => r.textContent.includes(t))?.dataset.tokenId ?? null,
    text,
  );
}

async function clickNav(id, page) {
  await (await $t(`nav-${id}`)).click();
  await (await $t(page)).waitForDisplayed();
}

before(async () => {
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir });
  browser = app.browser;
  await (await $t("add-authorization")).waitForClickable();
});

after(async () => {
  if (app) await app.stop();
});

test("owner creates a member and impersonates them", async () => {
  await clickNav("users", "users-page");
  await (await $t("add-user")).click();
  await (await $t("user-name")).setValue("Mia Member");
  await (await $t("user-email")).setValue("mia@example.org");
  await (await $t("user-kind")).selectByAttribute("value", "human");
  await (await $t("user-role")).selectByAttribute("value", "member");
  await (await $t("user-password")).setValue("mia password 1");
  await (await $t("user-submit")).click();
  const row = await browser.$('[data-testid="user-row"][data-email="mia@example.org"]');
  await row.waitForDisplayed();
  await shot("20-users");

  await (await row.$('[data-testid="impersonate-button"]')).click();
  const banner = await $t("impersonation-banner");
  await banner.waitForDisplayed();
  assert.match(await banner.getText(), /Impersonating Mia Member/);
});

test("an impersonation token carries the purple tag", async () => {
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("Support session");
  await (await $t("create-submit")).click();
  await (await $t("revealed-token")).waitForDisplayed();
  await (await $t("reveal-done")).click();
  await (await $t("reveal-confirm-close")).click();
  await browser.waitUntil(async () => Boolean(await rowIdByText("Support session")), { timeoutMsg: "token not listed" });
  const id = await rowIdByText("Support session");
  const tag = await browser.$(`[data-testid="token-row"][data-token-id="${id}"] [data-testid="impersonation-tag"]`);
  assert.ok(await tag.isDisplayed(), "purple Impersonation tag");
  const color = await browser.execute((el) => getComputedStyle(el).backgroundColor + " " + getComputedStyle(el).color, tag);
  assert.match(color, /rgb/);
  await shot("21-impersonation-token");

  await (await $t("stop-impersonation")).click();
  await (await $t("impersonation-banner")).waitForExist({ reverse: true });
  assert.equal(await rowIdByText("Support session"), null, "the owner's own list does not show it");
});

test("the member does not see the impersonation token made for them", async () => {
  await (await $t("switch-user")).click();
  await (await $t("switch-email")).setValue("mia@example.org");
  await (await $t("switch-password")).setValue("mia password 1");
  await (await $t("switch-submit")).click();
  await (await $t("switch-back")).waitForDisplayed();
  await browser.waitUntil(async () => !(await (await $t("nav-users")).isExisting()), { timeoutMsg: "still an admin view" });
  await shot("22-member-view");
  // textContent: WebKitWebDriver's getText() skips text inside overflow-hidden boxes.
  assert.match(await browser.execute(() => document.querySelector('[data-testid="signed-in"]').textContent), /Mia Member/);
  assert.equal(await rowIdByText("Support session"), null, "impersonation token hidden from its subject");
  assert.equal(await (await $t("nav-all")).isExisting(), false);

  // Not only hidden: the command layer itself refuses a member's admin calls.
  const call = (cmd, args) =>
    browser.executeAsync((c, a, done) => {
      window.__TAURI_INTERNALS__.invoke(c, a).then(
        () => done("ok"),
        (e) => done(e && e.code ? e.code : String(e)),
      );
    }, cmd, args);
  const newUser = { displayName: "Eve", email: "eve@example.org", kind: "human", role: "owner" };
  assert.equal(await call("create_user", { user: newUser }), "permission_denied");
  assert.equal(await call("list_audit", { query: { limit: 0 } }), "permission_denied");
  assert.equal(await call("list_tokens", { query: { scope: "all", sort: "created", dir: "desc", limit: 0 } }), "permission_denied");
  assert.equal(await call("get_settings", {}), "ok", "reading settings is allowed");
  const settings = await browser.executeAsync((done) => window.__TAURI_INTERNALS__.invoke("get_settings").then(done));
  assert.equal(await call("update_settings", { settings: { ...settings, onlyOwnersCreateTokens: true } }), "permission_denied");
  assert.equal(await call("update_role", { id: "member", permissions: { apiAccess: true, createTokensForOthers: true, impersonate: true, manageUsers: true, manageSettings: true, viewAudit: true } }), "permission_denied");
});

test("back as the owner, the token is revoked from All authorizations", async () => {
  await (await $t("switch-back")).click();
  await (await $t("nav-users")).waitForDisplayed();
  await clickNav("all", "all-authorizations-page");
  await browser.waitUntil(async () => Boolean(await rowIdByText("Support session")), { timeoutMsg: "not in All authorizations" });
  const id = await rowIdByText("Support session");
  const row = await browser.$(`[data-testid="token-row"][data-token-id="${id}"]`);
  assert.match(await browser.execute((el) => el.textContent, row), /Mia Member/, "Owner column");
  await (await row.$('[data-testid="revoke-button"]')).click();
  await (await $t("revoke-confirm")).click();
  await browser.waitUntil(async () => (await browser.$(`[data-testid="token-row"][data-token-id="${id}"]`).getAttribute("data-status")) === "revoked", {
    timeoutMsg: "not revoked",
  });
  await shot("23-all-authorizations");
});

test("the audit log records it all and its chain verifies", async () => {
  await clickNav("audit", "audit-page");
  const text = await browser.$("body").getText();
  for (const action of ["impersonation.started", "impersonation.stopped", "token.revoked", "user.created"]) {
    assert.ok(text.includes(action), `audit shows ${action}`);
  }
  await (await $t("verify-chain")).click();
  const result = await $t("chain-result");
  await result.waitForDisplayed();
  assert.match(await result.getText(), /intact/i);
  await shot("24-audit");
  await clickNav("settings", "settings-page");
  await shot("25-settings");
});

test("audit export goes through the OS save dialog and writes the file", async () => {
  await clickNav("audit", "audit-page");
  const target = join(dataDir, "exported-audit.csv");
  await (await $t("export-csv")).click();
  // The GTK save dialog belongs to the app, outside the web view: type the path as a person would.
  // No window manager under Xvfb: find the dialog and give it the keyboard focus explicitly.
  execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", "Save", "windowfocus", "--sync", "%1"], { timeout: 15_000 });
  execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
  execFileSync("xdotool", ["type", "--delay", "15", target]);
  execFileSync("xdotool", ["key", "Return"]);
  const result = await $t("export-result");
  await result.waitForDisplayed({ timeout: 15_000 });
  assert.match(await browser.execute((el) => el.textContent, result), /exported-audit\.csv/);
  const csv = readFileSync(target, "utf8").trim().split("\n");
  assert.equal(csv[0], "seq,time,actor_id,subject_id,action,target_id,details,hash");
  assert.ok(csv.some((l) => l.includes(",impersonation.started,")), "events exported");
  assert.ok(csv.length >= 8);
});
