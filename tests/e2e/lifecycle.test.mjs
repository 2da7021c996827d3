// End-to-end, issue 13: rotate a token in the real window (the old one works during its grace,
// a rotation without grace stops it at once), then bulk revoke — selected rows, and everything
// a search matches after a dry-run count — with the CLI on the same authority checking each
// token from outside, as another process would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, shot as saveShot } from "./driver.mjs";

const dataDir = mkdtempSync(join(tmpdir(), "tokendesk-e2e-life-"));
let app;
let browser;
const $t = (id) => browser.$(`[data-testid="${id}"]`);
const shot = (name) => saveShot(browser, name);
const text = (id) => browser.execute((i) => document.querySelector(`[data-testid="${i}"]`)?.textContent ?? "", id);

/** The CLI on the app's authority: another process, as a service or a script would be. */
function cli(args, input = "") {
  const r = spawnSync(process.env.TOKENDESK_APP, args, {
    input,
    env: { ...process.env, TOKENDESK_DATA_DIR: dataDir },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const works = (token) => cli(["verify", "-"], token).code === 0;

async function rowIdByName(name) {
  return browser.execute(
    (n) => [...document.querySelectorAll('[data-testid="token-row"]')].find((r) => r.textContent.includes(n))?.dataset.tokenId ?? null,
    name,
  );
}
const inRow = async (id, testid) => browser.$(`[data-testid="token-row"][data-token-id="${id}"] [data-testid="${testid}"]`);

async function closeReveal() {
  await (await $t("reveal-done")).click();
  const confirm = await $t("reveal-confirm-close");
  if (await confirm.isExisting()) await confirm.click();
  await (await $t("reveal-dialog")).waitForDisplayed({ reverse: true });
}

async function rotate(id, grace) {
  await (await inRow(id, "rotate-button")).click();
  await (await $t("rotate-dialog")).waitForDisplayed();
  await (await $t(`rotate-grace-${grace}`)).click();
  await shot(`40-rotate-${grace}`);
  await (await $t("rotate-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  const token = await revealed.getValue();
  await closeReveal();
  return token;
}

before(async () => {
  app = await startApp({ TOKENDESK_DATA_DIR: dataDir });
  browser = app.browser;
  await (await $t("add-authorization")).waitForClickable();
});

after(async () => {
  if (app) await app.stop();
});

test("rotate: the old token works through its grace; without grace it stops at once", async () => {
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("Deploy key");
  await (await $t("create-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  const first = await revealed.getValue();
  await closeReveal();
  const firstId = await rowIdByName("Deploy key");

  const second = await rotate(firstId, "one_hour");
  assert.notEqual(second, first);
  assert.ok(works(first), "the old token works during its grace");
  assert.ok(works(second), "the successor works");
  await browser.waitUntil(async () => (await inRow(firstId, "rotated-tag")).isExisting(), {
    timeout: 10_000,
    timeoutMsg: "the rotated token is not tagged",
  });
  await shot("41-rotated");

  const secondId = await browser.execute(
    (old) =>
      [...document.querySelectorAll('[data-testid="token-row"]')].find(
        (r) => r.textContent.includes("Deploy key") && r.dataset.tokenId !== old && !r.querySelector('[data-testid="rotated-tag"]'),
      )?.dataset.tokenId ?? null,
    firstId,
  );
  assert.ok(secondId, "the successor is listed under the same name");
  const third = await rotate(secondId, "none");
  assert.equal(works(second), false, "no grace: the rotated token stops at once");
  assert.ok(works(third));
  assert.ok(works(first), "the first one's grace is its own");
});

test("bulk revoke: selected rows, then everything a search matches after a dry-run count", async () => {
  const made = {};
  for (const name of ["bulk one", "bulk two", "bulk three", "keep me"]) {
    const r = cli(["tokens", "create", "--name", name, "--json"]);
    assert.equal(r.code, 0, r.err);
    made[name] = JSON.parse(r.out).token;
  }
  await (await $t("refresh")).click();
  await browser.waitUntil(async () => Boolean(await rowIdByName("bulk three")), { timeoutMsg: "the CLI's tokens are not listed" });

  for (const name of ["bulk one", "bulk two"]) {
    await (await inRow(await rowIdByName(name), "row-select")).click();
  }
  await (await $t("bulk-revoke-selected")).click();
  await (await $t("bulk-dialog")).waitForDisplayed();
  assert.match(await text("bulk-dialog"), /2/);
  assert.match(await (await $t("bulk-confirm")).getText(), /2/);
  await shot("42-bulk-selected");
  await (await $t("bulk-confirm")).click();
  await (await $t("bulk-result")).waitForDisplayed();
  assert.equal(works(made["bulk one"]), false);
  assert.equal(works(made["bulk two"]), false);
  assert.ok(works(made["bulk three"]));

  await (await $t("search")).setValue("bulk");
  await browser.waitUntil(async () => !(await rowIdByName("keep me")), { timeoutMsg: "the search did not apply" });
  await (await $t("bulk-revoke-matching")).click();
  await (await $t("bulk-dialog")).waitForDisplayed();
  assert.match(await (await $t("bulk-confirm")).getText(), /1/, "the dry run counted only the active match");
  await (await $t("bulk-confirm")).click();
  await (await $t("bulk-result")).waitForDisplayed();
  assert.equal(works(made["bulk three"]), false);
  assert.ok(works(made["keep me"]), "outside the filter, untouched");
});

test("compact rows: more of the list in the window, remembered", async () => {
  // As a person clears it (clearValue() does not reach React's onChange in WebKit).
  await (await $t("search")).click();
  await browser.keys(["Control", "a"]);
  await browser.keys(["Backspace"]);
  await browser.waitUntil(async () => Boolean(await rowIdByName("keep me")), { timeoutMsg: "the search did not clear" });
  const rowHeight = () => browser.execute(() => document.querySelector('[data-testid="token-row"]').getBoundingClientRect().height);
  const comfortable = await rowHeight();
  await (await $t("density-toggle")).click();
  await browser.waitUntil(async () => (await rowHeight()) < comfortable, { timeoutMsg: "rows did not get smaller" });
  assert.equal(await (await $t("density-toggle")).getAttribute("aria-pressed"), "true");
  await shot("43-compact");
  await browser.refresh();
  await (await $t("add-authorization")).waitForClickable();
  assert.ok((await rowHeight()) < comfortable, "remembered after a reload");
});

test("the list at scale: counts, natural name order, first and last page, a window that fits", async () => {
  // The first window fills most of the screen (Xvfb's is 1400×900) and stays on it.
  const win = await browser.execute(() => ({ h: window.outerHeight, w: window.outerWidth, sh: screen.availHeight, sw: screen.availWidth }));
  assert.ok(win.h > 740 && win.h <= win.sh, `window height ${win.h} on a ${win.sh} px screen`);
  assert.ok(win.w > 1120 && win.w <= win.sw, `window width ${win.w} on a ${win.sw} px screen`);

  // Sixty more tokens from another process, created out of name order.
  const numbers = Array.from({ length: 60 }, (_, i) => ((i * 37) % 60) + 1);
  for (const n of numbers) {
    const r = cli(["tokens", "create", "--name", `pg-${n}`, "--expires", "30d"]);
    assert.equal(r.code, 0, r.err);
  }
  await (await $t("refresh")).click();
  await (await $t("search")).click();
  await browser.keys(["Control", "a"]);
  await browser.keys([..."pg-"]);
  await browser.waitUntil(async () => /^60 of \d+ match$/.test((await text("list-count")).trim()), {
    timeoutMsg: "no count of the matches",
  });
  const names = () =>
    browser.execute(() => [...document.querySelectorAll('[data-testid="token-row"] [data-testid="details-button"]')].map((b) => b.textContent.trim()));
  await (await $t("sort-name")).click();
  await browser.waitUntil(async () => (await names())[0] === "pg-1", { timeoutMsg: "not sorted by name" });
  assert.deepEqual((await names()).slice(0, 12), Array.from({ length: 12 }, (_, i) => `pg-${i + 1}`));
  assert.equal((await text("page-position")).trim(), "Page 1 of 2 · 1–50 of 60");

  await (await $t("page-last")).click();
  await browser.waitUntil(async () => (await names())[0] === "pg-51", { timeoutMsg: "the last page did not open" });
  assert.deepEqual(await names(), Array.from({ length: 10 }, (_, i) => `pg-${i + 51}`));
  assert.equal((await text("page-position")).trim(), "Page 2 of 2 · 51–60 of 60");
  await shot("44-last-page");
  await (await $t("page-first")).click();
  await browser.waitUntil(async () => (await names())[0] === "pg-1", { timeoutMsg: "the first page did not open" });
  assert.equal((await text("page-position")).trim(), "Page 1 of 2 · 1–50 of 60");
});

test("webhooks: an endpoint added in Settings gets a signed message from a server on this authority", async () => {
  // A receiver that answers 503 once, then 204.
  const got = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.statusCode = got.length === 1 ? 503 : 204;
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
  await (await $t("nav-settings")).click();
  await (await $t("webhooks-section")).waitForDisplayed();
  await (await $t("add-webhook")).click();
  await (await $t("webhook-url")).setValue(url);
  await (await $t("webhook-add-confirm")).click();
  const field = await $t("webhook-secret");
  await field.waitForDisplayed();
  const secret = await field.getValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  await shot("50-webhook-secret");
  await (await $t("webhook-secret-done")).click();

  // Another process makes a token; a server on the same authority delivers the message.
  const made = JSON.parse(cli(["tokens", "create", "--name", "hooked", "--json"]).out);
  const server = spawn(process.env.TOKENDESK_APP, ["serve", "--bind", "127.0.0.1:0"], {
    env: { ...process.env, TOKENDESK_DATA_DIR: dataDir },
    stdio: "ignore",
  });
  try {
    await browser.waitUntil(async () => got.length >= 2, { timeout: 40_000, interval: 200, timeoutMsg: `got ${got.length}` });
  } finally {
    server.kill("SIGTERM");
    receiver.close();
  }
  const [first, retry] = got;
  for (const r of [first, retry]) {
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", key)
      .update(`${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`)
      .digest("base64");
    assert.equal(r.headers["webhook-signature"], `v1,${mac}`);
  }
  assert.equal(retry.headers["webhook-id"], first.headers["webhook-id"], "a retry keeps its id");
  const payload = JSON.parse(first.body);
  assert.equal(payload.type, "token.created");
  assert.equal(payload.data.name, "hooked");
  assert.ok(!first.body.includes(made.token.slice(4)), "never the token");

  await (await $t("webhook-log")).click();
  await (await $t("webhook-log-dialog")).waitForDisplayed();
  await browser.waitUntil(
    async () => {
      if ((await text("webhook-delivery-status")).startsWith("Delivered")) return true;
      await (await $t("webhook-log-refresh")).click();
      return false;
    },
    { timeout: 10_000, interval: 300 },
  );
  assert.equal(await text("webhook-delivery-status"), "Delivered · 2 attempts");
  assert.match(await text("webhook-log-dialog"), /HTTP 204/);
  await shot("51-webhook-deliveries");
  await (await $t("webhook-log-close")).click();
  await browser.execute(() => document.querySelector('[data-testid="webhooks-section"]')?.scrollIntoView({ block: "start" }));
  await shot("52-webhooks");
  await (await $t("nav-own")).click();
});
