// Runs the quick start the way `npm run demo` does, without rebuilding the
// WASM core (the test run builds it first).
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function runQuickstart(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/quickstart/quickstart.ts"], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("quick start demo", () => {
  it("runs every step and removes its store", async () => {
    const result = await runQuickstart();
    const storePath = /Created a file store in (\S+)/.exec(result.stdout)?.[1];

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Encrypted README.md");
    expect(result.stdout).toContain("Decrypted both: README.md and the config match the originals");
    expect(result.stdout).toContain("verifies, and fails for a different message");
    expect(result.stdout).toContain("version 2 is now primary");
    expect(result.stdout).toContain("Decrypted the version 1 ciphertext after the rotation");
    expect(result.stdout).toContain("fails, because version 1 is revoked: DECRYPT_FAILED");
    expect(result.stdout).toContain("Verified the audit trail");
    expect(result.stdout).toContain("verification fails at entry 2");
    expect(result.stdout).toContain("Done: every step worked.");
    expect(result.stderr).toBe("");
    expect(storePath).toBeDefined();
    expect(existsSync(storePath!)).toBe(false);
  }, 180_000);
});
