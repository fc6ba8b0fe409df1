import { describe, expect, it } from "vitest";
import type { KeyAlgorithm } from "../src/keys/types.js";
import { openClient, collect, fromParts, rejection, text } from "./helpers/client.js";

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

describe("direct ciphertext header", () => {
  it("lays out magic, version, kind, algorithm, key name, version id and nonce", async () => {
    const { ks } = await openClient();
    const info = await ks.createKey("k1", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("k1", "hi");

    expect(hex(ciphertext.subarray(0, 4))).toBe("4b530101");
    expect(ciphertext[4]).toBe(0x01);
    expect(ciphertext[5]).toBe(2);
    expect(text(ciphertext.subarray(6, 8))).toBe("k1");
    expect(new DataView(ciphertext.buffer, ciphertext.byteOffset + 8, 4).getUint32(0)).toBe(info.versions[0]!.id);
    // 12-byte prefix, 24-byte nonce, 2 bytes of ciphertext, 16-byte tag.
    expect(ciphertext.length).toBe(12 + 24 + 2 + 16);
  });

  it("AES-256-GCM header has algorithm 0x02 and a 12-byte nonce", async () => {
    const { ks } = await openClient();
    await ks.createKey("k1", { purpose: "encrypt", algorithm: "AES-256-GCM" });
    const ciphertext = await ks.encrypt("k1", "hi");
    expect(ciphertext[4]).toBe(0x02);
    expect(ciphertext.length).toBe(12 + 12 + 2 + 16);
  });

  it.each<KeyAlgorithm>(["XCHACHA20-POLY1305", "AES-256-GCM"])("changing any byte fails with %s", async (algorithm) => {
    const { ks } = await openClient();
    await ks.createKey("key-a", { purpose: "encrypt", algorithm });
    await ks.createKey("key-b", { purpose: "encrypt", algorithm });
    const ciphertext = await ks.encrypt("key-a", "header tamper test", { context: { c: "1" } });

    for (let i = 0; i < ciphertext.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const changed = ciphertext.slice();
        changed[i]! ^= mask;
        const error = await rejection(ks.decrypt(changed, { context: { c: "1" } }));
        expect(error.code, `byte ${i} mask ${mask}`).toBe("DECRYPT_FAILED");
        expect(error.message).toBe("decryption failed");
      }
    }
  });

  it("truncation at every length fails", async () => {
    const { ks } = await openClient();
    await ks.createKey("key-a", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("key-a", "truncate me");

    for (let length = 0; length < ciphertext.length; length++) {
      expect((await rejection(ks.decrypt(ciphertext.subarray(0, length)))).code, `length ${length}`).toBe("DECRYPT_FAILED");
    }
  });

  it("wrong or missing context fails", async () => {
    const { ks } = await openClient();
    await ks.createKey("key-a", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("key-a", "x", { context: { tenant: "acme", file: "1" } });

    expect((await rejection(ks.decrypt(ciphertext))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(ks.decrypt(ciphertext, { context: { tenant: "acme" } }))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(ks.decrypt(ciphertext, { context: { tenant: "acme", file: "2" } }))).code).toBe("DECRYPT_FAILED");
    expect(text(await ks.decrypt(ciphertext, { context: { file: "1", tenant: "acme" } }))).toBe("x");
  });

  it("garbage and foreign text forms fail with DECRYPT_FAILED", async () => {
    const { ks } = await openClient();
    for (const bad of [new Uint8Array(0), new Uint8Array(100), "ks1.", "ks1.@@@", "nonsense", "ks1.S1MBAQ"]) {
      expect((await rejection(ks.decrypt(bad))).code).toBe("DECRYPT_FAILED");
    }
  });
});

describe("envelope header", () => {
  it.each<KeyAlgorithm>(["AES-KW", "XCHACHA20-POLY1305", "AES-256-GCM"])("changing any byte fails with a %s wrap key", async (algorithm) => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap", algorithm });
    await ks.createKey("kel", { purpose: "wrap", algorithm });
    const envelope = await ks.seal("kek", "envelope tamper test", { context: { c: "1" } });

    expect(hex(envelope.subarray(0, 4))).toBe("4b530102");
    for (let i = 0; i < envelope.length; i++) {
      const changed = envelope.slice();
      changed[i]! ^= 0x01;
      expect((await rejection(ks.open(changed, { context: { c: "1" } }))).code, `byte ${i}`).toBe("DECRYPT_FAILED");
    }
  });

  it("wrong context fails", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    const envelope = await ks.seal("kek", "x", { context: { c: "1" } });
    expect((await rejection(ks.open(envelope))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(ks.open(envelope, { context: { c: "2" } }))).code).toBe("DECRYPT_FAILED");
  });

  it("a direct ciphertext is not an envelope and the reverse", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    await ks.createKey("data", { purpose: "encrypt" });
    expect((await rejection(ks.open(await ks.encrypt("data", "x")))).code).toBe("DECRYPT_FAILED");
    expect((await rejection(ks.decrypt(await ks.seal("kek", "x")))).code).toBe("DECRYPT_FAILED");
  });

  it("changing any stream header byte fails", async () => {
    const { ks } = await openClient();
    await ks.createKey("kek", { purpose: "wrap" });
    await ks.createKey("kel", { purpose: "wrap" });
    const sealed = await collect(await ks.seal("kek", fromParts([new Uint8Array(3000).fill(1)]), { chunkSize: 1024 }));
    const headerLength = 6 + 3 + 4 + 2 + 40 + 1 + 4 + 19;
    expect(hex(sealed.subarray(0, 4))).toBe("4b530103");

    for (let i = 0; i < headerLength; i++) {
      const changed = sealed.slice();
      changed[i]! ^= 0x01;
      const error = await rejection(ks.open(fromParts([changed])).then((opened) => collect(opened)));
      expect(error.code, `byte ${i}`).toBe("DECRYPT_FAILED");
    }
  });
});
