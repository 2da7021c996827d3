// End-to-end, issue 11: a headless `tokendesk serve` on PostgreSQL with TLS (a throwaway CA
// made here) and two app windows, each with its own data, keyring and WebKit directories, as
// on two people's computers. The owner creates a member; the member signs in on their own
// instance, creates a token and copies it once; the owner impersonates the member and creates
// an impersonation token the member never sees; the owner revokes the member's token and the
// member sees it revoked after a refresh; the server stops, both apps say so, and both recover
// when it is back. Then no file, log or WebKit storage of either app holds a token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startApp, shot as saveShot } from "./driver.mjs";

const BIN = process.env.TOKENDESK_APP;
const PG = process.env.TOKENDESK_TEST_POSTGRES;
const root = mkdtempSync(join(tmpdir(), "tokendesk-e2e-team-"));
const serverDir = join(root, "server");
const keyFile = join(root, "server.key");
const OWNER_PW = "owner password 1";
const MIA_PW = "mia password 1";

let server = null;
let serverLog = "";
let url = null;
let owner;
let member;
/** Every full token shown in a window during the test: none may be in any file. */
const seen = new Set();

function openssl(...args) {
  execFileSync("openssl", args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and a certificate it signed for 127.0.0.1 and localhost. */
function makeCertificates() {
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", "/CN=Tokendesk E2E test CA", "-keyout", "ca.key", "-out", "ca.pem",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-subj", "/CN=127.0.0.1", "-keyout", "server-key.pem", "-out", "server.csr");
  writeFileSync(join(root, "ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-days", "2", "-extfile", "ext.cnf", "-out", "server-cert.pem");
}

const db = () => ["--database", PG, "--key-file", keyFile];

/** Starts the server (on `port`, or a free one) and resolves with its https URL. */
function startServer(port = 0) {
  const args = ["serve", "--bind", `127.0.0.1:${port}`, ...db(),
    "--tls-cert", join(root, "server-cert.pem"), "--tls-key", join(root, "server-key.pem")];
  server = spawn(BIN, args, { env: { ...process.env, TOKENDESK_DATA_DIR: serverDir }, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let seenText = "";
    server.stderr.on("data", (chunk) => {
      seenText += chunk.toString();
      serverLog += chunk.toString();
      // Only a whole line: output may arrive in pieces.
      const m = /listening on (https:\/\/[0-9.:]+)\r?\n/.exec(seenText);
      if (m) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`serve exited (${code}): ${seenText}`)));
  });
}

async function stopServer() {
  const s = server;
  server = null;
  if (!s || s.exitCode !== null) return;
  s.kill("SIGTERM");
  await new Promise((resolve) => s.once("exit", resolve));
}

const $in = (app) => (id) => app.browser.$(`[data-testid="${id}"]`);

async function rowIdByText(browser, text) {
  return browser.execute(
    (t) => [...document.querySelectorAll('[data-testid="token-row"]')].find((r) => r.textContent.includes(t))?.dataset.tokenId ?? null,
    text,
  );
}

async function connect(app, email, password, shotName = null) {
  const $t = $in(app);
  await (await $t("first-run-server")).click();
  await (await $t("connect-server")).setValue(url);
  await (await $t("connect-email")).setValue(email);
  await (await $t("connect-password")).setValue(password);
  // The certificate file, as a person picks it in the file chooser.
  await (await $t("connect-ca")).setValue(join(root, "ca.pem"));
  await app.browser.waitUntil(async () => /ca\.pem will be trusted/.test(await (await $t("connect-ca-hint")).getText()), {
    timeoutMsg: "the CA file was not read",
  });
  if (shotName) await saveShot(app.browser, shotName);
  await (await $t("connect-submit")).click();
  await (await $t("add-authorization")).waitForDisplayed({ timeout: 30_000 });
  const chip = await $t("server-chip");
  assert.equal(await chip.getText(), new URL(url).host);
}

before(async () => {
  assert.ok(PG, "TOKENDESK_TEST_POSTGRES is not set: run through .ci/with-postgres.sh (make test-e2e)");
  makeCertificates();
  execFileSync(BIN, ["server", "init", "--owner-email", "owner@example.org", ...db()], {
    input: `${OWNER_PW}\n`,
    env: { ...process.env, TOKENDESK_DATA_DIR: serverDir },
    stdio: ["pipe", "ignore", "pipe"],
  });
  url = await startServer();
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  // Two computers: separate data dirs, keyrings (D-Bus sessions) and XDG dirs.
  owner = await startApp({ TOKENDESK_DATA_DIR: join(root, "owner-data") },
    { port: 4450, home: join(root, "owner-home"), log: join(root, "owner.log"), choose: null });
  member = await startApp({ TOKENDESK_DATA_DIR: join(root, "member-data") },
    { port: 4460, home: join(root, "member-home"), log: join(root, "member.log"), choose: null });
});

after(async () => {
  await owner?.stop();
  await member?.stop();
  await stopServer();
});

test("the owner connects with the server's CA file and creates a member", async () => {
  const $t = $in(owner);
  await (await $t("first-run")).waitForDisplayed();
  await saveShot(owner.browser, "30-first-run");
  await connect(owner, "owner@example.org", OWNER_PW, "31-connect");
  await (await $t("nav-users")).click();
  await (await $t("add-user")).click();
  await (await $t("user-name")).setValue("Mia Member");
  await (await $t("user-email")).setValue("mia@example.org");
  await (await $t("user-kind")).selectByAttribute("value", "human");
  await (await $t("user-role")).selectByAttribute("value", "member");
  await (await $t("user-password")).setValue(MIA_PW);
  await (await $t("user-submit")).click();
  await owner.browser.$('[data-testid="user-row"][data-email="mia@example.org"]').waitForDisplayed();
});

let miaToken;

test("the member signs in on their own computer, creates a token and copies it once", async () => {
  const $t = $in(member);
  await connect(member, "mia@example.org", MIA_PW);
  assert.equal(await (await $t("nav-users")).isExisting(), false, "no admin screens for a member");
  assert.equal(await (await $t("nav-all")).isExisting(), false);
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("Mia's laptop");
  await (await $t("create-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  const plain = await revealed.getValue();
  assert.match(plain, /^tkd_[0-9A-Za-z]{49}$/);
  seen.add(plain);
  await (await $t("copy-token")).click();
  const clip = () =>
    execFileSync("xclip", ["-o", "-selection", "clipboard"], { timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }).toString();
  await member.browser.waitUntil(async () => clip() === plain, { timeout: 5000, timeoutMsg: "clipboard does not hold the token" });
  // "Test it" asks the server, through the same TLS trust, who the token is.
  await (await $t("test-token")).click();
  // The status line is there (empty) before the answer: wait for the answer's words.
  await member.browser.waitUntil(async () => /200/.test(await (await $t("test-status")).getText()), {
    timeoutMsg: "Test it did not answer 200",
  });
  await (await $t("reveal-done")).click();
  await (await $t("reveal-confirm-close")).click();
  await revealed.waitForExist({ reverse: true });
  assert.ok(!(await member.browser.getPageSource()).includes(plain), "the token left the page");
  await member.browser.waitUntil(async () => Boolean(await rowIdByText(member.browser, "Mia's laptop")));
  miaToken = await rowIdByText(member.browser, "Mia's laptop");
  await saveShot(member.browser, "32-member-view");
});

test("the owner impersonates the member; the member never sees that token", async () => {
  const $t = $in(owner);
  const row = await owner.browser.$('[data-testid="user-row"][data-email="mia@example.org"]');
  await (await row.$('[data-testid="impersonate-button"]')).click();
  await (await $t("impersonation-banner")).waitForDisplayed();
  await (await $t("add-authorization")).click();
  await (await $t("token-name")).setValue("Support session");
  await (await $t("create-submit")).click();
  const revealed = await $t("revealed-token");
  await revealed.waitForDisplayed();
  seen.add(await revealed.getValue());
  await (await $t("reveal-done")).click();
  await (await $t("reveal-confirm-close")).click();
  await owner.browser.waitUntil(async () => Boolean(await rowIdByText(owner.browser, "Support session")));
  const id = await rowIdByText(owner.browser, "Support session");
  const tag = await owner.browser.$(`[data-testid="token-row"][data-token-id="${id}"] [data-testid="impersonation-tag"]`);
  assert.ok(await tag.isDisplayed(), "purple Impersonation tag");
  await saveShot(owner.browser, "33-owner-impersonating");
  await (await $t("stop-impersonation")).click();
  await (await $t("impersonation-banner")).waitForExist({ reverse: true });

  const m = $in(member);
  await (await m("refresh")).click();
  await member.browser.waitUntil(async () => (await (await m("refresh")).getText()) === "Refresh");
  assert.ok(await rowIdByText(member.browser, "Mia's laptop"));
  assert.equal(await rowIdByText(member.browser, "Support session"), null, "impersonation token hidden from its subject");
});

test("the owner revokes the member's token; the member sees it revoked after a refresh", async () => {
  const $t = $in(owner);
  await (await $t("nav-all")).click();
  await (await $t("all-authorizations-page")).waitForDisplayed();
  const row = await owner.browser.$(`[data-testid="token-row"][data-token-id="${miaToken}"]`);
  await row.waitForDisplayed();
  await (await row.$('[data-testid="revoke-button"]')).click();
  await (await $t("revoke-confirm")).click();
  await owner.browser.waitUntil(async () => (await row.getAttribute("data-status")) === "revoked", { timeoutMsg: "not revoked" });

  const m = $in(member);
  const mine = await member.browser.$(`[data-testid="token-row"][data-token-id="${miaToken}"]`);
  assert.equal(await mine.getAttribute("data-status"), "active", "not yet refreshed");
  await (await m("refresh")).click();
  await member.browser.waitUntil(async () => (await mine.getAttribute("data-status")) === "revoked", {
    timeoutMsg: "the member's list does not show the revoke",
  });
});

test("the server stops: both apps say it cannot be reached, and recover when it is back", async () => {
  const port = new URL(url).port;
  await stopServer();
  for (const app of [owner, member]) {
    const $t = $in(app);
    await (await $t("nav-own")).click();
    await (await $t("refresh")).click();
    const banner = await $t("server-unreachable");
    await banner.waitForDisplayed({ timeout: 60_000 });
    assert.match(await banner.getText(), /cannot be reached/);
  }
  await saveShot(member.browser, "34-server-unreachable");
  assert.equal(await startServer(Number(port)), url);
  for (const app of [owner, member]) {
    const $t = $in(app);
    // The app's own retry of the failed read may have reached the server first, which ends
    // the notice by itself; otherwise Try again does.
    const retry = await $t("server-retry");
    if (await retry.isExisting()) await retry.click().catch(() => {});
    await (await $t("server-unreachable")).waitForExist({ reverse: true, timeout: 30_000 });
    await app.browser.waitUntil(async () => Boolean(await rowIdByText(app.browser, app === member ? "Mia's laptop" : "Sign-in")));
  }
});

test("the member signs out: the session ends and the app goes back to the first-run choice", async () => {
  const $t = $in(member);
  await (await $t("sign-out")).click();
  await (await $t("first-run")).waitForDisplayed();
});

/** Every file under `dir`. */
function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...files(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

test("no token is in any file, log or WebKit storage of either app", async () => {
  // The session tokens never reach the page, so they are found by their shape: any full
  // Tokendesk token (prefix, 45 characters, 4 of checksum) at all is a leak.
  const shape = /tkd_[0-9A-Za-z]{49}/;
  const scanned = [];
  for (const who of ["owner", "member"]) {
    for (const dir of [join(root, `${who}-data`), join(root, `${who}-home`)]) {
      for (const f of files(dir)) {
        // The keyring's own file holds the session (encrypted): that is where it belongs.
        if (f.includes(`${join(root, `${who}-home`, "data", "keyrings")}`)) continue;
        scanned.push(f);
      }
    }
    scanned.push(join(root, `${who}.log`));
  }
  // WebKit keeps the app's storage and caches under XDG dirs named after the app identifier.
  const webkit = scanned.filter((f) => f.includes("dev.tokendesk.app"));
  assert.ok(webkit.length > 0, `no WebKit storage found among ${scanned.join(", ")}`);
  for (const f of scanned) {
    const bytes = readFileSync(f);
    const text = bytes.toString("latin1");
    assert.ok(!shape.test(text), `a token is in ${f}`);
    for (const t of seen) assert.ok(!text.includes(t), `a revealed token is in ${f}`);
  }
  assert.ok(!shape.test(serverLog), "the server's log holds no token");
  await sleep(0);
});
