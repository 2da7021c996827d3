// Starts tauri-driver (which starts WebKitWebDriver and the built app) and opens a WebDriver
// session on the app's window. Several apps may run at once, each on its own ports and, with
// `home`, in its own D-Bus session with its own unlocked gnome-keyring and XDG directories
// (WebKit's storage included), as on two people's computers.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { remote } from "webdriverio";

const APP = process.env.TOKENDESK_APP;
const SHOTS = process.env.E2E_SCREENSHOTS ?? "screenshots";

/**
 * `env`: extra environment of the app. Options: `port` (tauri-driver's; the native driver
 * uses the next one), `home` (a directory for this app's own keyring and XDG dirs), `log` (a
 * file that receives the driver's and the app's output), `choose` ("local": on a first run,
 * pick "Create an authority on this computer"; null: leave the first-run screen).
 */
export async function startApp(env, { port = 4444, home = null, log = null, choose = "local" } = {}) {
  if (!APP || !existsSync(APP)) throw new Error(`built app not found at ${APP}`);
  const args = ["--port", String(port), "--native-port", String(port + 1)];
  let command = ["tauri-driver", ...args];
  let extra = {};
  if (home) {
    mkdirSync(home, { recursive: true });
    command = ["bash", ".ci/with-keyring.sh", ...command];
    extra = { TOKENDESK_KEYRING_HOME: home };
  }
  const out = log ? createWriteStream(log) : "inherit";
  const driver = spawn(command[0], command.slice(1), {
    env: { ...process.env, ...extra, ...env },
    stdio: ["ignore", log ? "pipe" : "inherit", log ? "pipe" : "inherit"],
    // Its own process group: stopping it reaches the D-Bus session and keyring daemon too.
    detached: true,
  });
  if (log) {
    driver.stdout.pipe(out);
    driver.stderr.pipe(out);
  }
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/status`);
      break;
    } catch {
      await sleep(100);
    }
  }
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    connectionRetryCount: 0,
    connectionRetryTimeout: 60_000,
    waitforTimeout: 15_000,
    capabilities: {
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  // WebKitWebDriver answers a find with "stale element reference" when React replaces the
  // found node between the lookup and the handle's creation: the find itself is sound, so
  // it is asked again (a few times, briefly) instead of failing the test.
  for (const command of ["$", "$$"]) {
    browser.overwriteCommand(command, async (original, ...args) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await original(...args);
        } catch (e) {
          if (attempt >= 5 || !/stale element/i.test(`${e?.name} ${e?.message}`)) throw e;
          await sleep(50 * attempt);
        }
      }
    });
  }
  const stop = async () => {
    await browser.deleteSession().catch(() => {});
    try {
      process.kill(-driver.pid, "SIGTERM"); // not SIGKILL: WebKitWebDriver must exit too
    } catch {
      // already gone
    }
    await new Promise((resolve) => {
      if (driver.exitCode !== null || driver.signalCode !== null) resolve();
      else driver.once("exit", resolve);
    });
  };
  if (choose === "local") {
    const local = await browser.$('[data-testid="first-run-local"]');
    await local.waitForClickable();
    await local.click();
  }
  return { browser, stop };
}

export async function shot(browser, name) {
  // Two animation frames, so the screenshot shows the DOM just changed, not the previous frame.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
}
