import { createDecipheriv, createHash, createPublicKey, hkdfSync, verify as nodeVerify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FileStore } from "../src/backends/file-store.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { AuditEntry } from "../src/audit/types.js";
import { KeyState } from "../src/client/keystate.js";
import { isKeyStateError } from "../src/errors.js";
import { encodeContext } from "../src/format/context.js";
import { PolicyEngine } from "../src/policy/engine.js";
import { RemoteKms } from "../src/kms/client/index.js";
import { createKmsProxy, issueToken, SoftwareBackend, type KmsProxy } from "../src/kms/server/index.js";
import { startKmsServe, type KmsServeHandle } from "../src/kms/server/serve.js";

const app = issueToken("app");
const billing = issueToken("billing");

describe("software backend over a MemoryStore", () => {
  let proxy: KmsProxy;
  let kms: RemoteKms;

  beforeAll(async () => {
    const backend = new SoftwareBackend(new MemoryStore({ cryptoKeys: false }));
    proxy = createKmsProxy({ backend, tokens: { principals: [app.credential] } });
    kms = new RemoteKms({ url: await proxy.listen(), token: app.token, retries: 0 });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it("wraps across a rotation", async () => {
    await kms.createKey("master", "AES-256-GCM");
    const old = await kms.wrap("master", new Uint8Array(32).fill(4), { context: { a: "1" } });
    await kms.rotateKey("master");
    const fresh = await kms.generateDataKey("master");

    expect(fresh.keyVersion).toBe(2);
    expect((await kms.unwrap(old.wrappedKey, { context: { a: "1" } })).plaintext).toEqual(new Uint8Array(32).fill(4));
    expect((await kms.unwrap(fresh.wrappedKey)).plaintext).toEqual(fresh.plaintext);
  });

  it("signs with ECDSA P-256 and Ed25519", async () => {
    const message = new TextEncoder().encode("software signature");
    await kms.createKey("ec", "ECDSA-P256");
    await kms.createKey("ed", "ED25519");

    const ec = await kms.sign("ec", message);
    const ecKey = createPublicKey({ key: Buffer.from((await kms.getPublicKey("ec")).spki), format: "der", type: "spki" });
    expect(nodeVerify("sha256", message, { key: ecKey, dsaEncoding: "ieee-p1363" }, ec.signature)).toBe(true);

    const ed = await kms.sign("ed", message);
    const edKey = createPublicKey({ key: Buffer.from((await kms.getPublicKey("ed")).spki), format: "der", type: "spki" });
    expect(nodeVerify(null, message, edKey, ed.signature)).toBe(true);
  });

  it("rejects a second key of the same name", async () => {
    const error = await kms.createKey("master", "AES-256-GCM").catch((e: unknown) => e);
    expect(isKeyStateError(error, "KEY_EXISTS")).toBe(true);
  });

  it("rejects signing with a wrapping key", async () => {
    const error = await kms.sign("master", new Uint8Array(4)).catch((e: unknown) => e);
    expect(isKeyStateError(error, "WRONG_PURPOSE")).toBe(true);
  });
});

describe("kms serve over a FileStore", () => {
  let directory: string;
  let handle: KmsServeHandle;
  // The master key of the store's AES-KW key "kw", read before the proxy starts.
  let kwMaster: Uint8Array;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "keystate-kms-store-"));
    const store = await FileStore.open(join(directory, "store"), { passphrase: "correct horse" }, { create: true, scryptLogN: 10 });
    // Creates the store's policy as "keystate init --principal app" does: app may do everything, billing nothing.
    await PolicyEngine.open({ store, principal: "app" });
    // Keys as "keystate key create" makes them: a wrap key with the default algorithm (AES-KW), and an HMAC key the proxy does not serve.
    const ks = await KeyState.open({ store, principal: "app" });
    expect((await ks.createKey("kw", { purpose: "wrap" })).algorithm).toBe("AES-KW");
    await ks.createKey("mac", { purpose: "mac" });
    await ks.close();
    const material = (await store.getKey("kw"))!.value.material.get(1)!;
    if (material.type !== "raw") throw new Error("expected raw material in a FileStore");
    kwMaster = material.bytes;
    await store.close();
    writeFileSync(join(directory, "tokens.json"), JSON.stringify({ principals: [app.credential, billing.credential] }));

    handle = await startKmsServe(
      ["--tokens", join(directory, "tokens.json"), "--store", join(directory, "store")],
      { KEYSTATE_PASSPHRASE: "correct horse" },
      pino({ level: "silent" }),
    );
  });

  afterAll(async () => {
    await handle?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("serves keys kept in the store", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    await kms.createKey("filed", "AES-256-GCM");
    const wrapped = await kms.wrap("filed", new Uint8Array(32).fill(8));

    expect((await kms.unwrap(wrapped.wrappedKey)).plaintext).toEqual(new Uint8Array(32).fill(8));
    expect((await kms.listKeys()).map((key) => key.name)).toEqual(["filed", "kw"]);
  });

  it("serves an AES-KW store key", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    const context = { tenant: "acme" };
    const dataKey = await kms.generateDataKey("kw", { context });

    expect((await kms.listKeys()).find((key) => key.name === "kw")?.algorithm).toBe("AES-KW");
    expect((await kms.unwrap(dataKey.wrappedKey, { context })).plaintext).toEqual(dataKey.plaintext);

    // Unwraps independently: the header is 13 bytes plus the name, and the
    // KEK is HKDF-SHA256 of the master key with info = label || SHA-256(header || context).
    const blob = Buffer.from(dataKey.wrappedKey);
    const headerLength = 13 + blob[12]!;
    expect(blob[3]).toBe(2);
    const aad = Buffer.concat([blob.subarray(0, headerLength), encodeContext(context)]);
    const info = Buffer.concat([Buffer.from("keystate-kms aes-kw v1"), createHash("sha256").update(aad).digest()]);
    const kek = Buffer.from(hkdfSync("sha256", kwMaster, Buffer.alloc(0), info, 32));
    const decipher = createDecipheriv("id-aes256-wrap", kek, Buffer.from("a6a6a6a6a6a6a6a6", "hex"));
    const unwrapped = Buffer.concat([decipher.update(blob.subarray(headerLength)), decipher.final()]);
    expect(new Uint8Array(unwrapped)).toEqual(dataKey.plaintext);
  });

  it("AES-KW unwrap rejects another context", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    const dataKey = await kms.generateDataKey("kw", { context: { tenant: "acme" } });

    for (const context of [{ tenant: "other" }, undefined]) {
      const error = await kms.unwrap(dataKey.wrappedKey, { context }).catch((e: unknown) => e);
      expect(isKeyStateError(error, "DECRYPT_FAILED"), JSON.stringify(context)).toBe(true);
    }
  });

  it("AES-KW wrap rejects a length off 8 bytes", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    const error = await kms.wrap("kw", new Uint8Array(20)).catch((e: unknown) => e);

    expect(isKeyStateError(error, "INVALID_ARGUMENT")).toBe(true);
    expect((error as Error).message).toContain("multiple of 8");
  });

  it("reports an unserved algorithm, not a missing key", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    const error = await kms.generateDataKey("mac").catch((e: unknown) => e);

    expect(isKeyStateError(error, "UNSUPPORTED_ALGORITHM")).toBe(true);
    expect((error as Error).message).toContain('key "mac" is an HMAC-SHA256 key');
  });

  it("denies a principal without a rule", async () => {
    const kms = new RemoteKms({ url: handle.url, token: billing.token, retries: 0 });
    const attempts: [string, () => Promise<unknown>][] = [
      ["create", () => kms.createKey("billing-master", "AES-256-GCM")],
      ["generate-data-key", () => kms.generateDataKey("filed")],
      ["wrap", () => kms.wrap("filed", new Uint8Array(32))],
    ];

    for (const [operation, attempt] of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(isKeyStateError(error, "POLICY_DENIED"), operation).toBe(true);
    }

    const response = await fetch(`${handle.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${billing.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "billing-other", algorithm: "AES-256-GCM" }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("POLICY_DENIED");
  });

  it("audits each denial in audit.jsonl", async () => {
    const lines = readFileSync(join(directory, "store", "audit.jsonl"), "utf8").trim().split("\n");
    const denied = lines.map((line) => JSON.parse(line) as AuditEntry).filter((entry) => entry.principal === "billing" && entry.outcome === "denied");

    expect(denied.map((entry) => entry.operation)).toEqual(["create-key", "generate-data-key", "wrap", "create-key"]);
    expect(denied.every((entry) => entry.errorCode === "POLICY_DENIED")).toBe(true);
  });

  it("listing hides the audit signing key", async () => {
    const kms = new RemoteKms({ url: handle.url, token: app.token, retries: 0 });
    const names = (await kms.listKeys()).map((key) => key.name);

    expect(names).toContain("filed");
    expect(names).not.toContain("__audit");
  });

  it("refuses operations on internal keys", async () => {
    const response = await fetch(`${handle.url}/v1/keys/__audit`, { headers: { authorization: `Bearer ${app.token}` } });
    // 400 from the key-name check, which rejects a leading "_", or 403 from the proxy's own check.
    expect([400, 403]).toContain(response.status);
  });

  it("serve rejects a store without a policy", async () => {
    const bare = join(directory, "bare");
    const store = await FileStore.open(bare, { passphrase: "correct horse" }, { create: true, scryptLogN: 10 });
    await store.close();

    const error = await startKmsServe(["--tokens", join(directory, "tokens.json"), "--store", bare], { KEYSTATE_PASSPHRASE: "correct horse" }, pino({ level: "silent" })).catch(
      (e: unknown) => e,
    );
    expect(isKeyStateError(error, "INVALID_ARGUMENT")).toBe(true);
    expect((error as Error).message).toContain("--allow-all");
  });

  it("serve rejects PKCS#11 without a policy", async () => {
    const error = await startKmsServe(
      ["--tokens", join(directory, "tokens.json"), "--pkcs11-module", "/nonexistent/module.so", "--token", "t", "--audit", join(directory, "hsm-audit.jsonl")],
      { KEYSTATE_PKCS11_PIN: "1234" },
      pino({ level: "silent" }),
    ).catch((e: unknown) => e);
    expect(isKeyStateError(error, "INVALID_ARGUMENT")).toBe(true);
    expect((error as Error).message).toContain("--allow-all");
  });

  it("serve rejects a missing backend", async () => {
    const error = await startKmsServe(["--tokens", join(directory, "tokens.json")], {}, pino({ level: "silent" })).catch((e: unknown) => e);
    expect(isKeyStateError(error, "INVALID_ARGUMENT")).toBe(true);
  });
});
