import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isKeyStateError } from "../src/errors.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { issueToken } from "../src/kms/server/index.js";
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken } from "./kms/softhsm-token.js";

let hsm: SoftHsmToken;

beforeAll(() => {
  hsm = createSoftHsmToken("kms-cli");
});

afterAll(() => {
  hsm?.remove();
});

describe("keystate kms serve", () => {
  it("serves the token and stops on SIGTERM", async () => {
    const app = issueToken("app");
    const tokensPath = join(hsm.directory, "tokens.json");
    writeFileSync(tokensPath, JSON.stringify({ principals: [app.credential] }));
    const policyPath = join(hsm.directory, "policy.json");
    writeFileSync(policyPath, JSON.stringify([{ id: "app", effect: "allow", principal: "app", keys: "cli-*", operations: ["*"] }]));
    const auditPath = join(hsm.directory, "audit.jsonl");

    const child = spawn(
      process.execPath,
      ["bin/keystate.js", "kms", "serve", "--tokens", tokensPath, "--pkcs11-module", SOFTHSM_MODULE, "--token", hsm.label, "--policy", policyPath, "--audit", auditPath],
      { env: { ...process.env, KEYSTATE_CLI_SOURCE: "1", SOFTHSM2_CONF: hsm.configPath, KEYSTATE_PKCS11_PIN: hsm.pin }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let logs = "";
    child.stderr!.on("data", (chunk: Buffer) => (logs += chunk.toString()));

    try {
      const [url] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const kms = new RemoteKms({ url, token: app.token, retries: 0 });
      await kms.createKey("cli-master", "AES-256-GCM");
      const wrapped = await kms.wrap("cli-master", new Uint8Array(32).fill(2));
      expect((await kms.unwrap(wrapped.wrappedKey)).plaintext).toEqual(new Uint8Array(32).fill(2));
      const denied = await kms.createKey("other-master", "AES-256-GCM").catch((e: unknown) => e);
      expect(isKeyStateError(denied, "POLICY_DENIED")).toBe(true);

      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(logs).toContain('"msg":"kms proxy stopped"');
      expect(logs).not.toContain(app.token);

      const operations = readFileSync(auditPath, "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { operation: string }).operation);
      expect(operations).toContain("wrap");
      expect(operations).toContain("create-key");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("serve without a policy exits 2", async () => {
    const tokensPath = join(hsm.directory, "tokens.json");
    writeFileSync(tokensPath, JSON.stringify({ principals: [issueToken("app").credential] }));
    const child = spawn(
      process.execPath,
      ["bin/keystate.js", "kms", "serve", "--tokens", tokensPath, "--pkcs11-module", SOFTHSM_MODULE, "--token", hsm.label, "--audit", join(hsm.directory, "unused.jsonl")],
      { env: { ...process.env, KEYSTATE_CLI_SOURCE: "1", SOFTHSM2_CONF: hsm.configPath, KEYSTATE_PKCS11_PIN: hsm.pin }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let errors = "";
    child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));

    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(errors).toContain("--allow-all");
  });

  it("serve without a PIN exits 2", async () => {
    const tokensPath = join(hsm.directory, "tokens.json");
    writeFileSync(tokensPath, JSON.stringify({ principals: [issueToken("app").credential] }));
    const { KEYSTATE_PKCS11_PIN: _pin, ...env } = process.env;
    const child = spawn(
      process.execPath,
      ["bin/keystate.js", "kms", "serve", "--tokens", tokensPath, "--pkcs11-module", SOFTHSM_MODULE, "--token", hsm.label, "--allow-all", "--audit", join(hsm.directory, "unused.jsonl")],
      { env: { ...env, KEYSTATE_CLI_SOURCE: "1", SOFTHSM2_CONF: hsm.configPath }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let errors = "";
    child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));

    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(errors).toContain("KEYSTATE_PKCS11_PIN");
    expect(errors).not.toContain("Runs the KMS proxy");
  });

  it("issue-token prints a matching entry", async () => {
    const child = spawn(process.execPath, ["bin/keystate.js", "kms", "issue-token", "billing", "--signing"], {
      env: { ...process.env, KEYSTATE_CLI_SOURCE: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await once(child, "exit");

    const printed = JSON.parse(output) as { token: string; signingSecret: string; entry: { principal: string; tokenSha256: string; signingSecret: string } };
    expect(printed.entry.principal).toBe("billing");
    expect(printed.entry.tokenSha256).toBe(createHash("sha256").update(printed.token).digest("hex"));
    expect(printed.entry.signingSecret).toBe(printed.signingSecret);
  });
});
