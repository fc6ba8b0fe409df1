// End-to-end tests of examples/notes-pwa: a production build served by
// `vite preview` on 127.0.0.1, driven in Debian's Chromium through
// playwright-core.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);

const root = fileURLToPath(new URL("..", import.meta.url));
const vite = join(root, "node_modules/vite/bin/vite.js");
const config = join(root, "examples/notes-pwa/vite.config.ts");
const screenshotDirectory = join(root, "test-results/notes-pwa");
const chromiumPath = process.env.KEYSTATE_CHROMIUM ?? "/usr/bin/chromium";
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

let outDir: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let baseUrl: string;
/** Uncaught errors of every page; each test ends by checking it is empty. */
const pageErrors: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`vite preview did not answer at ${url} within 30 s`);
}

beforeAll(async () => {
  if (!existsSync(join(root, "build/keystate.wasm"))) {
    throw new Error("build/keystate.wasm is missing: run `npm run build:wasm` first (npm test does)");
  }

  outDir = await mkdtemp(join(tmpdir(), "keystate-notes-pwa-"));
  await execFileAsync(process.execPath, [vite, "build", "--config", config, "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: root,
  });

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/`;
  // Started as `node vite.js` so that the pid held here is the server's own.
  server = spawn(
    process.execPath,
    [vite, "preview", "--config", config, "--outDir", outDir, "--host", "127.0.0.1", "--port", String(port), "--strictPort"],
    { cwd: root, stdio: "ignore" },
  );
  await waitForServer(baseUrl, server);

  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();

  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }

  if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
});

async function newContext(): Promise<BrowserContext> {
  return browser!.newContext({ viewport: { width: 900, height: 1000 } });
}

/** Opens the app and waits until it has opened its key store and shown its notes. */
async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(baseUrl);
  await waitUntilReady(page);
  return page;
}

async function waitUntilReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const status = document.querySelector<HTMLElement>("[data-testid=status]");
    if (status?.dataset.state === "error") throw new Error(`the app failed: ${status.textContent ?? ""}`);
    return status?.dataset.state === "ready";
  });
}

async function noteTexts(page: Page): Promise<string[]> {
  return page.$$eval("[data-testid=note-list] > *", (items) => items.map((item) => item.textContent ?? ""));
}

async function saveNote(page: Page, text: string): Promise<void> {
  const before = (await noteTexts(page)).length;
  await page.fill("[data-testid=note-input]", text);
  await page.click("[data-testid=note-save]");
  await page.waitForFunction((count) => document.querySelectorAll("[data-testid=note-list] > *").length > count, before);
  await waitUntilReady(page);
}

async function keyVersions(page: Page): Promise<string[]> {
  return page.$$eval("[data-testid=key-versions] > *", (items) =>
    items.map((item) => `${(item as HTMLElement).dataset.version}:${(item as HTMLElement).dataset.status}`),
  );
}

async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

function uniqueText(label: string): string {
  return `${label} ${crypto.randomUUID()}`;
}

/**
 * Reads every object store of every IndexedDB database of the page and
 * searches it for `plaintext` (as text and as UTF-8 bytes) and for the raw
 * key bytes. The raw keys are recovered here, independently of the library
 * code: each wrapped entry is opened with the wrapping keys found in the
 * same database (AES-256-GCM, the additional data naming key and version).
 */
async function inspectIndexedDB(page: Page, plaintext: string) {
  return page.evaluate(async (secretText) => {
    type Found = { strings: string[]; bytes: Uint8Array[]; keys: CryptoKey[] };

    function collect(value: unknown, found: Found, seen: Set<unknown>): void {
      if (value === null || value === undefined) return;
      if (typeof value === "string") {
        found.strings.push(value);
        return;
      }
      if (typeof value !== "object" || seen.has(value)) return;
      seen.add(value);

      if (value instanceof CryptoKey) {
        found.keys.push(value);
        return;
      }
      if (value instanceof ArrayBuffer) {
        found.bytes.push(new Uint8Array(value));
        return;
      }
      if (ArrayBuffer.isView(value)) {
        found.bytes.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        return;
      }
      if (Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item) && item >= 0 && item < 256)) {
        found.bytes.push(Uint8Array.from(value as number[]));
      }
      for (const inner of Object.values(value)) collect(inner, found, seen);
    }

    function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
      outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
        for (let offset = 0; offset < needle.length; offset++) if (haystack[start + offset] !== needle[offset]) continue outer;
        return true;
      }
      return false;
    }

    const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");

    function read(database: IDBDatabase, storeName: string): Promise<unknown[]> {
      return new Promise((resolve, reject) => {
        const request = database.transaction(storeName, "readonly").objectStore(storeName).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }

    function open(name: string): Promise<IDBDatabase> {
      return new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }

    const contents: Record<string, Record<string, unknown[]>> = {};
    for (const { name } of await indexedDB.databases()) {
      if (name === undefined) continue;
      const database = await open(name);
      contents[name] = {};
      for (const storeName of Array.from(database.objectStoreNames)) contents[name][storeName] = await read(database, storeName);
      database.close();
    }

    // Recover the raw keys from their wrapped form.
    const rawKeys: Uint8Array[] = [];
    for (const stores of Object.values(contents)) {
      const wrappingKeys = (stores["wrapping-keys"] ?? []) as Array<{ key: CryptoKey }>;
      for (const record of (stores.keys ?? []) as Array<{ name: string; material: Array<Record<string, unknown>> }>) {
        for (const entry of record.material) {
          if (entry.kind !== "wrapped") continue;
          const additionalData = new TextEncoder().encode(JSON.stringify(["keystate-idb-material", record.name, entry.version]));
          for (const { key } of wrappingKeys) {
            try {
              const plain = await crypto.subtle.decrypt(
                { name: "AES-GCM", iv: entry.iv as Uint8Array<ArrayBuffer>, additionalData },
                key,
                entry.sealed as Uint8Array<ArrayBuffer>,
              );
              rawKeys.push(new Uint8Array(plain));
            } catch {
              // Sealed under another wrapping key.
            }
          }
        }
      }
    }

    const found: Found = { strings: [], bytes: [], keys: [] };
    collect(contents, found, new Set());
    const textBytes = new TextEncoder().encode(secretText);

    const plaintextFound =
      found.strings.some((text) => text.includes(secretText) || text.includes(base64(textBytes))) ||
      found.bytes.some((bytes) => contains(bytes, textBytes));

    let rawKeyFound = false;
    for (const rawKey of rawKeys) {
      for (let start = 0; start + 8 <= rawKey.length; start += 4) {
        const window = rawKey.subarray(start, start + 8);
        if (found.bytes.some((bytes) => contains(bytes, window))) rawKeyFound = true;
        if (found.strings.some((text) => text.toLowerCase().includes(hex(window)))) rawKeyFound = true;
      }
      if (found.strings.some((text) => text.includes(base64(rawKey)))) rawKeyFound = true;
    }

    const extractableKeys = found.keys.filter((key) => key.type !== "public" && key.extractable).length;
    const ciphertexts = found.strings.filter((text) => text.startsWith("ks1.")).length;
    const storeNames = Object.entries(contents).flatMap(([database, stores]) => Object.keys(stores).map((store) => `${database}/${store}`));

    return { storeNames, rawKeyCount: rawKeys.length, rawKeyFound, plaintextFound, extractableKeys, ciphertexts, cryptoKeys: found.keys.length };
  }, plaintext);
}

describe("notes PWA", () => {
  it("decrypts a saved note after reload", async () => {
    const context = await newContext();
    const page = await openApp(context);
    const text = uniqueText("Buy oat milk");

    await saveNote(page, text);
    expect(await noteTexts(page)).toEqual([text]);
    expect(await page.getAttribute("body", "data-pool")).toBe("worker");

    await page.reload();
    await waitUntilReady(page);
    expect(await noteTexts(page)).toEqual([text]);

    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("keeps plaintext and raw keys out of IndexedDB", async () => {
    const context = await newContext();
    const page = await openApp(context);
    const text = uniqueText("The safe code is");
    await saveNote(page, text);
    await page.click("[data-testid=rotate-key]");
    await waitUntilReady(page);
    await saveNote(page, uniqueText("second note"));

    const report = await inspectIndexedDB(page, text);

    expect(report.storeNames).toContain("keystate-notes/keys");
    expect(report.storeNames).toContain("keystate-notes-data/notes");
    expect(report.ciphertexts).toBe(2);
    // Two versions of the notes key, and the audit log's signing key.
    expect(report.rawKeyCount).toBeGreaterThanOrEqual(3);
    expect(report.rawKeyFound).toBe(false);
    expect(report.plaintextFound).toBe(false);
    expect(report.extractableKeys).toBe(0);

    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("works offline once the service worker is active", async () => {
    const context = await newContext();
    const page = await openApp(context);
    await waitForServiceWorker(page);
    const online = uniqueText("written online");
    await saveNote(page, online);

    await context.setOffline(true);
    await page.reload();
    await waitUntilReady(page);

    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await noteTexts(page)).toEqual([online]);
    const offline = uniqueText("written offline");
    await saveNote(page, offline);
    expect(await noteTexts(page)).toEqual([online, offline]);

    await context.setOffline(false);
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("ends two simultaneous rotations with one key history", async () => {
    const context = await newContext();
    const first = await openApp(context);
    const text = uniqueText("before the rotations");
    await saveNote(first, text);
    const second = await openApp(context);
    expect(await keyVersions(second)).toEqual(["1:primary"]);

    await Promise.all([first.click("[data-testid=rotate-key]"), second.click("[data-testid=rotate-key]")]);

    // Both rotations land, one after the other, and each tab shows the result.
    await expect.poll(() => keyVersions(first), { timeout: 30_000 }).toEqual(["1:active", "2:active", "3:primary"]);
    await expect.poll(() => keyVersions(second), { timeout: 30_000 }).toEqual(["1:active", "2:active", "3:primary"]);
    await waitUntilReady(first);
    await waitUntilReady(second);

    await second.reload();
    await waitUntilReady(second);
    expect(await keyVersions(second)).toEqual(["1:active", "2:active", "3:primary"]);
    expect(await noteTexts(second)).toEqual([text]);

    await context.close();
    expect(pageErrors).toEqual([]);
  });

  it("shows the audit trail and saves a screenshot", async () => {
    const context = await newContext();
    const page = await openApp(context);
    await saveNote(page, uniqueText("audited note"));
    await page.click("[data-testid=rotate-key]");
    await waitUntilReady(page);

    await page.click("[data-testid=show-audit]");
    await waitUntilReady(page);

    const entries = await page.$$eval("[data-testid=audit-list] > *", (items) => items.map((item) => item.textContent ?? ""));
    expect(entries.some((entry) => entry.includes(" encrypt notes"))).toBe(true);
    expect(entries.some((entry) => entry.includes(" rotate notes"))).toBe(true);
    expect(await page.textContent("[data-testid=audit-verdict]")).toMatch(/^Chain verified/);

    await mkdir(screenshotDirectory, { recursive: true });
    const path = join(screenshotDirectory, "notes-pwa.png");
    await page.screenshot({ path, fullPage: true });
    expect((await stat(path)).size).toBeGreaterThan(0);

    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
