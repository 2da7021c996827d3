// The measuring half of tests/bench/ui-figures.sh (run through it: it builds, seeds and sets up
// the display and keyring). Times are taken inside the page (performance.now()) from the input
// event to the last change of the table, so WebDriver's own latency is not counted; the launch
// is timed from the WebDriver session request, which starts the app.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shot, startApp } from "../e2e/driver.mjs";

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
  try {
    await browser.waitUntil(async () => (await done()) && (await settled(browser)), { timeout: 30_000, interval: 50 });
  } catch (e) {
    await shot(browser, "figures-timeout");
    const state = await browser.execute(() => ({
      search: document.querySelector('[data-testid="search"]')?.value,
      rows: [...document.querySelectorAll('[data-testid="token-row"] [data-testid="details-button"]')].slice(0, 5).map((b) => b.textContent),
    }));
    throw new Error(`${e.message}; the page: ${JSON.stringify(state)}`);
  }
  return browser.execute(() => window.__changed - window.__input);
}

/** What a mapping of /proc/PID/smaps holds, by its name: code and data of libraries, the heaps
 * (malloc, and the anonymous mappings where JavaScriptCore and WebKit's allocators keep the
 * JS heap, the DOM and caches), and memory shared with the display or the GPU. */
function kind(name) {
  if (name === "" || name === "[heap]" || name.startsWith("[anon") || name === "[stack]") return "heap";
  if (name.startsWith("/dev/dri") || name.startsWith("/memfd:") || name.startsWith("/SYSV") || name.startsWith("/dev/shm")) return "shared";
  if (name.startsWith("/")) return "files";
  return "other";
}

/** RSS and PSS (MiB) of the app and each process it started (the web and network processes),
 * with PSS split by `kind`. */
function memory() {
  const app = spawnSync("pgrep", ["-f", "-x", process.env.TOKENDESK_APP], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  const kids = spawnSync("pgrep", ["-P", app], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
  return [app, ...kids].map((pid) => {
    const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
    const split = { heap: 0, files: 0, shared: 0, other: 0 };
    let current = "other";
    for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) current = kind(head[1].trim());
      const pss = /^Pss:\s+(\d+)/.exec(line);
      if (pss) split[current] += Number(pss[1]) / 1024;
    }
    return { name, rss: kb("Rss") / 1024, pss: kb("Pss") / 1024, split };
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
        // One call per character: a single keys() call presses every key before releasing
        // any, so a repeated letter ("ee") would be pressed only once.
        const type = async () => {
          for (const ch of text) await browser.keys(ch);
        };
        search.push(await timed(browser, type, () => allMatch(browser, text)));
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
    const part = (p) => Object.entries(p.split).filter(([, v]) => v >= 0.5).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ");
    for (const p of mem) console.log(`${p.name.padEnd(18)} RSS ${p.rss.toFixed(0).padStart(4)} MiB  PSS ${p.pss.toFixed(0).padStart(4)} MiB  (PSS: ${part(p)})`);
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
