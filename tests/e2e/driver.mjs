// Starts tauri-driver (which starts WebKitWebDriver and the built app) and opens a WebDriver
// session on the app's window. One app at a time: the ports are fixed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { remote } from "webdriverio";

const APP = process.env.TOKENDESK_APP;
const SHOTS = process.env.E2E_SCREENSHOTS ?? "screenshots";
const PORT = 4444;

export async function startApp(env) {
  if (!APP || !existsSync(APP)) throw new Error(`built app not found at ${APP}`);
  const driver = spawn("tauri-driver", ["--port", String(PORT), "--native-port", String(PORT + 1)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${PORT}/status`);
      break;
    } catch {
      await sleep(100);
    }
  }
  const browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "warn",
    connectionRetryCount: 0,
    connectionRetryTimeout: 60_000,
    waitforTimeout: 15_000,
    capabilities: {
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  const stop = async () => {
    await browser.deleteSession().catch(() => {});
    driver.kill("SIGTERM"); // not SIGKILL: its WebKitWebDriver child must exit too
    await new Promise((resolve) => {
      if (driver.exitCode !== null) resolve();
      else driver.once("exit", resolve);
    });
  };
  return { browser, stop };
}

export async function shot(browser, name) {
  // Two animation frames, so the screenshot shows the DOM just changed, not the previous frame.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
}
