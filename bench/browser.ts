// Runs the browser half of a benchmark suite in headless Chromium: starts a
// Vite dev server on 127.0.0.1, opens bench/browser/index.html, which imports
// the given module and awaits its `runBrowser()`, and returns what that
// resolved to. The browser and the server are closed before it returns.
//
// A suite's browser module (e.g. bench/aead.browser.ts) exports
// `async runBrowser(): Promise<T>`, where T is JSON-serialisable.
import path from "node:path";
import { chromium } from "playwright-core";
import { createServer } from "vite";
import { CHROMIUM_PATH, chromiumVersion } from "./machine.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

// Flags that keep headless Chromium off Google's services, which a closed
// network rejects, and let it run as root.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface BrowserRun<T> {
  result: T;
  /** e.g. "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)". */
  chromium: string;
}

/**
 * Runs `runBrowser()` of the module at `entry` (a path from the repository
 * root, e.g. "bench/aead.browser.ts") in a fresh headless Chromium page.
 * Rejects with the page's error when the module throws, or after timeoutMs.
 */
export async function runInBrowser<T>(entry: string, options: { timeoutMs?: number } = {}): Promise<BrowserRun<T>> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const server = await createServer({
    root: ROOT,
    logLevel: "warn",
    clearScreen: false,
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
    // Pre-bundle the entry's dependencies at start-up: a dependency found
    // later makes Vite reload the page in the middle of a measurement.
    optimizeDeps: { entries: ["bench/browser/page.ts", entry] },
  });

  try {
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error("the Vite server did not report a local URL");

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));

      await page.goto(`${url}bench/browser/index.html?entry=${encodeURIComponent(`/${entry}`)}`);
      await page.waitForFunction(() => (window as { __benchDone?: boolean }).__benchDone === true, undefined, {
        timeout: timeoutMs,
        polling: 500,
      });

      const outcome = (await page.evaluate(() => (window as { __benchOutcome?: unknown }).__benchOutcome)) as
        | { ok: true; result: T }
        | { ok: false; error: string };
      if (!outcome.ok) throw new Error(`${entry} failed in Chromium: ${outcome.error}`);
      if (pageErrors.length > 0) throw new Error(`${entry} raised errors in Chromium: ${pageErrors.join("; ")}`);

      return { result: outcome.result, chromium: chromiumVersion() };
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
