// Runs test/edge/checks.ts in Deno (the deno npm package) with the least
// permission the client needs: reading build/keystate.wasm and nothing else.
// A second run without that permission shows the core really needs it, and
// a third, with no permissions, passes the core in as a compiled module.
import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CHECKS, type CheckResult } from "./edge/checks.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DENO = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
const WASM = fileURLToPath(new URL("../build/keystate.wasm", import.meta.url));
const ENTRY = "test/edge/deno-entry.ts";
const MODULE_ENTRY = "test/edge/deno-module-entry.ts";

function runDeno(permissions: string[], entry = ENTRY): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // --no-prompt turns a missing permission into an error instead of a question.
  const args = ["run", "--no-prompt", "--unstable-sloppy-imports", ...permissions, entry];
  return new Promise((resolve, reject) => {
    const child = spawn(DENO, args, { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let results: CheckResult[] = [];
let denied: CheckResult[] = [];
let passedIn: CheckResult[] = [];

beforeAll(async () => {
  const allowed = await runDeno([`--allow-read=${WASM}`]);
  expect(allowed.code, allowed.stderr).toBe(0);
  results = JSON.parse(allowed.stdout) as CheckResult[];

  const none = await runDeno([]);
  expect(none.code, none.stderr).toBe(0);
  denied = JSON.parse(none.stdout) as CheckResult[];

  const module = await runDeno(["--unstable-raw-imports"], MODULE_ENTRY);
  expect(module.code, module.stderr).toBe(0);
  passedIn = JSON.parse(module.stdout) as CheckResult[];
}, 180_000);

describe("checks inside Deno", () => {
  it("every check reported once", () => {
    expect(results.map((result) => result.name)).toEqual(CHECKS.map((check) => check.name));
  });

  it.each(CHECKS.map((check) => check.name))("%s", (name) => {
    const result = results.find((entry) => entry.name === name);

    expect(result?.error).toBeUndefined();
    expect(result?.passed).toBe(true);
  });

  it.each(CHECKS.map((check) => check.name))("%s, no permissions, module passed in", (name) => {
    const result = passedIn.find((entry) => entry.name === name);

    expect(result?.error).toBeUndefined();
    expect(result?.passed).toBe(true);
  });

  it("core needs read permission on the wasm", () => {
    expect(denied.every((result) => !result.passed)).toBe(true);
    expect(denied[0]?.error).toContain("WASM_LOAD_FAILED");
  });
});
