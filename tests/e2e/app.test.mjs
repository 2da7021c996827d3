// End-to-end: the built app in a real window (WebKitGTK), driven over WebDriver.
// create -> read the token once -> copy -> close -> gone from the page -> rename -> revoke.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot as saveShot } from "./driver.mjs";

const dataDir = mkdtempSync(join(tmpdir(), "tokendesk-e2e-"));
let app;
let browser;

const $t = (id) => browser.$(`[data-testid="${id}"]`);
const shot = (name) => saveShot(browser, name);

async function rowByName(name) {
  // Matched on textContent in the page: WebDriver's getText() on table rows is unreliable here.
  const id = await browser.execute(
    (n) => [...document.querySelectorAll('[data-testid="token-row"]')].find((r) => r.textContent.includes(n))?.dataset.tokenId ?? null,
    name,
  );
  return id ? browser.$(`[data-testid="token-row"][data-token-id="${id}"]`) : undefined;
}

function clipboard() {
  try {
    // stderr ignored: xclip complains when the clipboard is empty, which is what we wait for.
    return execFileSync("xclip", ["-o", "-selection", "clipboard"], { timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch {
    return "";
  }
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

before(async () => {
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir });
  browser = app.browser;
});

after(async () => {
  if (app) await app.stop();
});

let plain = "";

test("create, reveal once, copy, close: the token is gone from the page", async () => {
  const add = await $t("add-authorization");
  await add.waitForClickable();
  await shot("01-empty");

  // Bad input first: an empty name is refused before anything is sent.
  await add.click();
  await (await $t("create-submit")).click();
  const err = await $t("field-error");
  await err.waitForDisplayed();
  assert.match(await err.getText(), /name/i);

  await (await $t("token-name")).setValue("Deploy bot <b>prod</b>");
  await (await $t("token-description")).setValue("Used by the deploy pipeline");
  await (await $t("token-expiry")).selectByAttribute("value", "seven_days");
  await shot("02-add-dialog");
  await (await $t("create-submit")).click();

  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  plain = await revealed.getValue();
  assert.match(plain, /^tkd_[0-9A-Za-z]{49}$/);
  await shot("03-reveal");

  await (await $t("copy-token")).click();
  await browser.waitUntil(async () => clipboard() === plain, { timeout: 5000, timeoutMsg: "clipboard does not hold the token" });

  // Save to the person's own keyring, then read it back with exactly the command shown.
  await (await $t("save-keyring")).click();
  const result = await $t("keyring-result");
  await result.waitForDisplayed();
  const command = (await browser.execute(() => document.querySelector('[data-testid="keyring-result"] code, [data-testid="keyring-result"] pre')?.textContent ?? "")).trim();
  assert.match(command, /^secret-tool lookup service 'tokendesk-token' username '[^']+'$/);
  assert.equal(execSync(command, { timeout: 10_000 }).toString(), plain);

  await (await $t("reveal-done")).click();
  await (await $t("reveal-confirm-close")).click();
  await revealed.waitForExist({ reverse: true });

  const source = await browser.getPageSource();
  assert.ok(!source.includes(plain), "the token text is still in the page");
  assert.ok(!source.includes(plain.slice(4, 30)), "part of the token is still in the page");
  await browser.waitUntil(async () => Boolean(await rowByName("Deploy bot <b>prod</b>")), { timeoutMsg: "new row not listed" });
  const row = await rowByName("Deploy bot <b>prod</b>");
  assert.ok(row, "the new authorization is listed, with its name as plain text");
  assert.equal(await row.getAttribute("data-status"), "active");
  assert.equal((await browser.$$("b")).length, 0, "HTML in a name is not rendered");
  await shot("04-list");
});

test("a duplicate name is refused with the server's message", async () => {
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("deploy bot <B>PROD</B>");
  await (await $t("create-submit")).click();
  const err = await $t("field-error");
  await err.waitForDisplayed();
  assert.match(await err.getText(), /already named/);
  await browser.keys("Escape");
  await (await $t("token-name")).waitForExist({ reverse: true });
  assert.equal((await browser.$$('[data-testid="token-row"]')).length, 1);
});

test("keyboard only: open, fill, submit, confirm close, focus back on the list", async () => {
  const activeTestId = () => browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? null);
  await browser.execute(() => document.querySelector('[data-testid="add-authorization"]').focus());
  await browser.keys("Enter");
  await (await $t("token-name")).waitForDisplayed();
  assert.equal(await activeTestId(), "token-name", "focus moves into the dialog");
  await browser.keys([..."CI pipeline"]);
  await browser.keys("Enter");
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  await browser.keys("Escape"); // asks first: the token would be lost
  const yes = await $t("reveal-confirm-close");
  await yes.waitForDisplayed();
  assert.ok(await revealed.isExisting(), "Escape alone does not discard the token");
  for (let i = 0; i < 10 && (await activeTestId()) !== "reveal-confirm-close"; i++) await browser.keys("Tab");
  assert.equal(await activeTestId(), "reveal-confirm-close", "Tab reaches the confirm button");
  await browser.keys("Enter");
  await revealed.waitForExist({ reverse: true });
  assert.equal(await activeTestId(), "add-authorization", "focus returns to the list's Add button");
  await browser.waitUntil(async () => (await browser.$$('[data-testid="token-row"]')).length === 2, {
    timeoutMsg: "second authorization not listed",
  });
});

test("rename, then revoke: status revoked, token still listed", async () => {
  let row = await rowByName("Deploy bot");
  await (await row.$('[data-testid="rename-button"]')).click();
  const input = await $t("rename-input");
  await input.waitForDisplayed();
  await input.clearValue();
  await input.setValue("Deploy bot (old)");
  await (await $t("rename-submit")).click();
  await browser.waitUntil(async () => Boolean(await rowByName("Deploy bot (old)")), { timeoutMsg: "rename not shown" });

  row = await rowByName("Deploy bot (old)");
  await (await row.$('[data-testid="revoke-button"]')).click();
  const confirm = await $t("revoke-confirm");
  await confirm.waitForDisplayed();
  const dialogText = await (await browser.$('[role="dialog"]')).getText();
  assert.match(dialogText, /Deploy bot \(old\)/);
  assert.match(dialogText, /immediately/i);
  assert.match(dialogText, /cannot be undone/i);
  await (await $t("revoke-reason")).setValue("rotated in e2e");
  await shot("05-revoke-dialog");
  await confirm.click();
  await browser.waitUntil(async () => (await (await rowByName("Deploy bot (old)")).getAttribute("data-status")) === "revoked", {
    timeoutMsg: "row did not become revoked",
  });
  const badge = await (await rowByName("Deploy bot (old)")).$('[data-testid="status-badge"]');
  assert.match(await badge.getText(), /revoked/i);
  await shot("06-revoked");
});

test("the clipboard is cleared 30 s after the copy", async () => {
  await browser.waitUntil(async () => clipboard() !== plain, { timeout: 45_000, interval: 1000, timeoutMsg: "clipboard still holds the token" });
});

test("the web view has no global Tauri object and may call only what its capability allows", async () => {
  assert.equal(await browser.execute(() => typeof window.__TAURI__), "undefined");
  const outcome = (command) =>
    browser.executeAsync((cmd, done) => {
      window.__TAURI_INTERNALS__.invoke(cmd).then(
        () => done("allowed"),
        (e) => done(`refused: ${typeof e === "string" ? e : JSON.stringify(e)}`),
      );
    }, command);
  // Reading the clipboard is not granted: the web view cannot read a copied token back.
  assert.match(await outcome("plugin:clipboard-manager|read_text"), /^refused: .*not allowed/i);
  assert.equal(await outcome("app_info"), "allowed");
});

test("Settings → Signing keys: rotate twice, the old key stays published", async () => {
  await (await $t("nav-settings")).click();
  const section = await $t("signing-keys-section");
  await section.waitForDisplayed();
  await (await $t("no-signing-keys")).waitForDisplayed();
  const rotate = async () => {
    await (await $t("rotate-key")).click();
    await (await $t("rotate-dialog")).waitForDisplayed();
    await (await $t("rotate-confirm")).click();
    await (await $t("rotate-dialog")).waitForExist({ reverse: true });
    await (await $t("rotate-done")).waitForDisplayed();
  };
  await rotate();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="signing-key-row"]')).length === 1);
  const first = await browser.$('[data-testid="signing-key-row"]').getAttribute("data-kid");
  await rotate();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="signing-key-row"]')).length === 2);
  const rows = await browser.$$('[data-testid="signing-key-row"]');
  const states = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="signing-key-state"]')].map((e) => e.textContent),
  );
  assert.equal(states[0], "Signing");
  assert.match(states[1], /^Retired — published until /);
  assert.equal(await rows[1].getAttribute("data-kid"), first, "the old key is the retired one");
  assert.notEqual(await rows[0].getAttribute("data-kid"), first);
  await section.scrollIntoView();
  await shot("07-signing-keys");
  await (await $t("nav-own")).click();
});

test("the token occurs in no file the app wrote", async () => {
  const logDir = join(process.env.XDG_DATA_HOME ?? "", "dev.tokendesk.app");
  const files = [...filesUnder(dataDir), ...filesUnder(logDir)];
  assert.ok(files.some((f) => f.endsWith("tokendesk.db")), `database not found among ${files}`);
  for (const f of files) {
    const bytes = readFileSync(f);
    assert.ok(!bytes.includes(plain.slice(4)), `token found in ${f}`);
  }
});
