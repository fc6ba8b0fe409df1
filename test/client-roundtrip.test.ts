import { describe, expect, it } from "vitest";
import type { KeyAlgorithm, KeyPurpose } from "../src/keys/types.js";
import { openClient, randomData, rejection, text, utf8 } from "./helpers/client.js";

const CIPHERS: KeyAlgorithm[] = ["XCHACHA20-POLY1305", "AES-256-GCM"];
const SIGNERS: KeyAlgorithm[] = ["ED25519", "ECDSA-P256"];
const WRAPPERS: KeyAlgorithm[] = ["AES-KW", "XCHACHA20-POLY1305", "AES-256-GCM"];

describe.each([true, false])("client round trips (store cryptoKeys %s)", (cryptoKeys) => {
  const open = async () => {
    const { MemoryStore } = await import("../src/backends/memory-store.js");
    return openClient({ store: new MemoryStore({ cryptoKeys }) });
  };

  it.each(CIPHERS)("encrypt and decrypt with %s", async (algorithm) => {
    const { ks } = await open();
    await ks.createKey("data", { purpose: "encrypt", algorithm });

    for (const length of [0, 1, 64, 1000, 70_000]) {
      const plaintext = randomData(length);
      const ciphertext = await ks.encrypt("data", plaintext, { context: { tenant: "acme" } });
      expect(await ks.decrypt(ciphertext, { context: { tenant: "acme" } })).toEqual(plaintext);
    }
  });

  it.each(CIPHERS)("text form round trip with %s", async (algorithm) => {
    const { ks } = await open();
    await ks.createKey("data", { purpose: "encrypt", algorithm });

    const ciphertext = await ks.encryptToString("data", "héllo wörld");
    expect(ciphertext.startsWith("ks1.")).toBe(true);
    expect(ciphertext).toMatch(/^ks1\.[A-Za-z0-9_-]+$/);
    expect(text(await ks.decrypt(ciphertext))).toBe("héllo wörld");
  });

  it.each(SIGNERS)("sign and verify with %s", async (algorithm) => {
    const { ks } = await open();
    await ks.createKey("signer", { purpose: "sign", algorithm });

    const signature = await ks.sign("signer", "message");
    expect(signature.length).toBe(64);
    expect(await ks.verify("signer", "message", signature)).toBe(true);
    expect(await ks.verify("signer", "massage", signature)).toBe(false);
    expect(await ks.verify("signer", "message", signature.subarray(1))).toBe(false);
  });

  it("mac and verifyMac with HMAC-SHA256", async () => {
    const { ks } = await open();
    await ks.createKey("tagger", { purpose: "mac" });

    const tag = await ks.mac("tagger", utf8("message"));
    expect(tag.length).toBe(32);
    expect(await ks.verifyMac("tagger", "message", tag)).toBe(true);
    expect(await ks.verifyMac("tagger", "massage", tag)).toBe(false);
    const flipped = tag.slice();
    flipped[31]! ^= 1;
    expect(await ks.verifyMac("tagger", "message", flipped)).toBe(false);
  });

  it.each(WRAPPERS)("seal and open with a %s wrap key", async (algorithm) => {
    const { ks } = await open();
    await ks.createKey("kek", { purpose: "wrap", algorithm });

    for (const length of [0, 5, 100_000]) {
      const plaintext = randomData(length);
      const envelope = await ks.seal("kek", plaintext, { context: { file: "a.txt" } });
      expect(await ks.open(envelope, { context: { file: "a.txt" } })).toEqual(plaintext);
    }

    const textForm = await ks.sealToString("kek", "note");
    expect(text(await ks.open(textForm))).toBe("note");
  });
});

describe("client defaults and validation", () => {
  it("createKey picks the default algorithm per purpose", async () => {
    const { ks } = await openClient();
    const defaults: Record<KeyPurpose, KeyAlgorithm> = {
      encrypt: "XCHACHA20-POLY1305",
      sign: "ED25519",
      mac: "HMAC-SHA256",
      wrap: "AES-KW",
    };
    for (const [purpose, algorithm] of Object.entries(defaults)) {
      const info = await ks.createKey(`k-${purpose}`, { purpose: purpose as KeyPurpose });
      expect(info.algorithm).toBe(algorithm);
      expect(info.versions).toHaveLength(1);
      expect(info.versions[0]!.status).toBe("primary");
    }
  });

  it("createKey rejects a taken name with KEY_EXISTS", async () => {
    const { ks } = await openClient();
    await ks.createKey("dup", { purpose: "encrypt" });
    expect((await rejection(ks.createKey("dup", { purpose: "mac" }))).code).toBe("KEY_EXISTS");
  });

  it("createKey rejects an algorithm of another purpose", async () => {
    const { ks } = await openClient();
    expect((await rejection(ks.createKey("x", { purpose: "sign", algorithm: "AES-256-GCM" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.createKey("x", { purpose: "encrypt", algorithm: "AES-KW" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.createKey("x", { purpose: "encrypt", algorithm: "DES" as KeyAlgorithm }))).code).toBe(
      "UNSUPPORTED_ALGORITHM",
    );
  });

  it("invalid names and arguments give INVALID_ARGUMENT", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });

    expect((await rejection(ks.createKey("", { purpose: "encrypt" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.createKey("a/b", { purpose: "encrypt" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.createKey("x".repeat(129), { purpose: "encrypt" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.createKey("ok", { purpose: "nope" as KeyPurpose }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.encrypt("data", 42 as unknown as Uint8Array))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.encrypt("data", "x", { context: { a: 1 as unknown as string } }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.encrypt("data", "x", { context: [] as unknown as Record<string, string> }))).code).toBe(
      "INVALID_ARGUMENT",
    );
    expect((await rejection(ks.decrypt(42 as unknown as Uint8Array))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.decrypt(new Uint8Array(8), { context: "x" as unknown as Record<string, string> }))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("unknown key gives KEY_NOT_FOUND", async () => {
    const { ks } = await openClient();
    expect((await rejection(ks.encrypt("missing", "x"))).code).toBe("KEY_NOT_FOUND");
    expect((await rejection(ks.sign("missing", "x"))).code).toBe("KEY_NOT_FOUND");
    expect((await rejection(ks.getKey("missing"))).code).toBe("KEY_NOT_FOUND");
  });

  it("key of another purpose gives WRONG_PURPOSE", async () => {
    const { ks } = await openClient();
    await ks.createKey("signer", { purpose: "sign" });
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.createKey("kek", { purpose: "wrap" });

    expect((await rejection(ks.encrypt("signer", "x"))).code).toBe("WRONG_PURPOSE");
    expect((await rejection(ks.sign("data", "x"))).code).toBe("WRONG_PURPOSE");
    expect((await rejection(ks.mac("data", "x"))).code).toBe("WRONG_PURPOSE");
    expect((await rejection(ks.seal("data", "x"))).code).toBe("WRONG_PURPOSE");
    expect((await rejection(ks.encrypt("kek", "x"))).code).toBe("WRONG_PURPOSE");
    expect((await rejection(ks.exportPublicKey("data"))).code).toBe("WRONG_PURPOSE");
  });

  it("open rejects a bad store or principal", async () => {
    const { KeyState } = await import("../src/client/keystate.js");
    const { MemoryStore } = await import("../src/backends/memory-store.js");
    expect((await rejection(KeyState.open({ store: {} as never, principal: "a" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(KeyState.open({ store: new MemoryStore(), principal: "" }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(KeyState.open({ store: new MemoryStore(), principal: "a", cacheTtl: -1 }))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("closed client rejects with NOT_READY", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.close();
    expect((await rejection(ks.encrypt("data", "x"))).code).toBe("NOT_READY");
  });

  it("listKeys and getKey return metadata", async () => {
    // An explicit recorder, so no default audit log adds keys of its own.
    const { MemoryAuditRecorder } = await import("../src/client/defaults/memory-audit-recorder.js");
    const { ks } = await openClient({ audit: new MemoryAuditRecorder() });
    await ks.createKey("b-key", { purpose: "encrypt" });
    await ks.createKey("a-key", { purpose: "sign" });

    const keys = await ks.listKeys();
    expect(keys.map((key) => key.name)).toEqual(["a-key", "b-key"]);
    const info = await ks.getKey("a-key");
    expect(info.purpose).toBe("sign");
    expect(info.algorithm).toBe("ED25519");
    expect(Number.isInteger(info.versions[0]!.id)).toBe(true);
    expect(info.versions[0]!.id).toBeGreaterThanOrEqual(0);
    expect(info.versions[0]!.id).toBeLessThan(2 ** 32);
  });

  it("usage counters reach the store after flush", async () => {
    const { ks, store } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    for (let i = 0; i < 10; i++) await ks.encrypt("data", new Uint8Array(100));
    await ks.decrypt(await ks.encrypt("data", new Uint8Array(1)));
    await ks.flush();

    const stored = await store.getKey("data");
    expect(stored!.value.info.versions[0]!.usage).toEqual({ operations: 11, bytes: 1001 });
  });
});
