// Runs test/edge/checks.ts inside real workerd through Miniflare: the
// checks are bundled with the Worker entry into one script, the core is
// given as a compiled .wasm module, and the Worker reports one result per
// check over HTTP on 127.0.0.1. No nodejs_compat flag is set, so a Node
// built-in anywhere in the client's import graph would fail the load.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModules } from "../scripts/bundle-worker.js";
import { CHECKS, type CheckResult } from "./edge/checks.js";

const ENTRY = fileURLToPath(new URL("./edge/worker-entry.ts", import.meta.url));
const EXPECTED = [...CHECKS.map((check) => check.name), "runtime: WebAssembly.compile from bytes is refused"];

let directory: string;
let miniflare: Miniflare | undefined;
let results: CheckResult[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "keystate-workerd-"));
  const bundle = await bundleWorker(ENTRY, directory);

  miniflare = new Miniflare({
    modules: workerModules(bundle),
    modulesRoot: directory,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
  });
  const url = await miniflare.ready;
  expect(url.hostname).toBe("127.0.0.1");

  const response = await fetch(url);
  expect(response.status, await response.clone().text()).toBe(200);
  results = (await response.json()) as CheckResult[];
}, 120_000);

afterAll(async () => {
  await miniflare?.dispose();
  await rm(directory, { recursive: true, force: true });
});

describe("checks inside workerd", () => {
  it("every check reported once", () => {
    expect(results.map((result) => result.name)).toEqual(EXPECTED);
  });

  it.each(EXPECTED)("%s", (name) => {
    const result = results.find((entry) => entry.name === name);

    expect(result?.error).toBeUndefined();
    expect(result?.passed).toBe(true);
  });
});
