// The measuring half of tests/bench/ui-figures.sh (run through it: it builds, seeds and sets up
// the display and keyring). Times are taken inside the page (performance.now()) from the input
// event to the last change of the table, so WebDriver's own latency is not counted; the launch
// is timed from the WebDriver session request, which starts the app.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../e2e/driver.mjs";

const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

function seed(n) {
  const dir = join(mkdtempSync(join(tmpdir(), "tokendesk-figures-")), "data");
  const r = spawnSync(process.env.TOKENDESK_SEED, [dir, String(n)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr}`);
  process.stdout.write(r.stdout);
  return dir;
}

/** Watches the table: the time of its last change and of the last key or click. */
function instrument(browser) {
  return browser.execute(() => {
    window.__input = 0;
    window.__changed = 0;
    for (const type of ["keydown", "click"]) {
      document.addEventListener(type, () => { window.__input = performance.now(); }, true);
    }
    new MutationObserver(() => { window.__changed = performance.now(); }).observe(document.querySelector("main"), {
      subtree: true, childList: true, characterData: true,
    });
  });
}

/** Every row shown holds `text` (and some row is shown). */
const allMatch = (browser, text) =>
  browser.execute((t) => {
    const names = [...document.querySelectorAll('[data-testid="token-row"] [data-testid="details-button"]')].map((b) => b.textContent);
    return names.length > 0 && names.every((n) => n.includes(t));
  }, text);
const firstName = (browser) =>
  browser.execute(() => document.querySelector('[data-testid="token-row"] [data-testid="details-button"]')?.textContent ?? "");
const settled = (browser) =>
  browser.execute(() => document.querySelector("table")?.getAttribute("aria-busy") !== "true" && performance.now() - window.__changed > 300);

/** Runs `act`, waits until the table shows `done()` and has been still for 300 ms, returns the
 * time from the last input to the last change. */
async function timed(browser, act, done) {
  await act();
  await browser.waitUntil(async () => (await done()) && (await settled(browser)), { timeout: 30_000, interval: 50 });
  return browser.execute(() => window.__changed - window.__input);
}

/** RSS and PSS (MiB) of the app and each process it started (the web and network processes). */
function memory() {
  const app = spawnSync("pgrep", ["-f", "-x", process.env.TOKENDESK_APP], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  const kids = spawnSync("pgrep", ["-P", app], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
  return [app, ...kids].map((pid) => {
    const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
    return { name, rss: kb("Rss") / 1024, pss: kb("Pss") / 1024 };
  });
}

async function measure(label, n) {
  const dir = seed(n);
  const started = performance.now();
  const app = await startApp({ TOKENDESK_DATA_DIR: dir }, { choose: "none" });
  const { browser } = app;
  try {
    await browser.waitUntil(
      () => browser.execute(() => Boolean(document.querySelector('[data-testid="token-row"], [data-testid="empty-state"]'))),
      { timeout: 60_000, interval: 20 },
    );
    const launch = performance.now() - started;
    console.log(`\n## ${label}\nlaunch to first row: ${launch.toFixed(0)} ms (WebDriver session request included)`);
    if (n > 0) {
      await instrument(browser);
      const search = [], sort = [], page = [];
      for (let i = 0; i < ROUNDS; i++) {
        const text = `seed ${4242 + i}`;
        await (await browser.$('[data-testid="search"]')).click();
        await browser.keys(["Control", "a"]);
        search.push(await timed(browser, () => browser.keys([...text]), () => allMatch(browser, text)));
        await browser.keys(["Control", "a"]);
        await browser.keys(["Backspace"]);
        await browser.waitUntil(async () => !(await allMatch(browser, text)) && (await settled(browser)), { timeout: 30_000 });
        const before = await firstName(browser);
        sort.push(await timed(browser, async () => (await browser.$('[data-testid="sort-name"]')).click(), async () => (await firstName(browser)) !== before));
        const shown = await firstName(browser);
        page.push(await timed(browser, async () => (await browser.$('[data-testid="page-next"]')).click(), async () => (await firstName(browser)) !== shown));
        await (await browser.$('[data-testid="page-first"]')).click();
        await browser.waitUntil(() => settled(browser), { timeout: 30_000 });
      }
      console.log(`keystroke to filtered rows: ${fmt(search)}, of which the debounce is 250 ms: ${fmt(search.map((t) => t - 250))} after it`);
      console.log(`sort change (Name): ${fmt(sort)}`);
      console.log(`page change (Next): ${fmt(page)}`);
    }
    await sleep(3_000);
    const mem = memory();
    for (const p of mem) console.log(`${p.name.padEnd(18)} RSS ${p.rss.toFixed(0).padStart(4)} MiB  PSS ${p.pss.toFixed(0).padStart(4)} MiB`);
    const sum = (k) => mem.reduce((s, p) => s + p[k], 0).toFixed(0);
    console.log(`${"total".padEnd(18)} RSS ${sum("rss").padStart(4)} MiB  PSS ${sum("pss").padStart(4)} MiB`);
  } finally {
    await app.stop();
  }
}

const extra = Object.keys(process.env).filter((k) => k.startsWith("WEBKIT_")).map((k) => `${k}=${process.env[k]}`);
console.log(`# Tokendesk release build in a real window (Xvfb 1400×900)${extra.length ? `, ${extra.join(" ")}` : ""}`);
await measure("empty authority", 0);
await measure(`${COUNT.toLocaleString("en-US")} tokens`, COUNT);
