import { describe, expect, it } from "vitest";
import { KeyState } from "../src/client/keystate.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { openClient, rejection, text, thrown } from "./helpers/client.js";

describe("key version life cycle", () => {
  it("rotate keeps old ciphertext decryptable", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    const before = await ks.encrypt("data", "old");

    const added = await ks.rotate("data");
    expect(added.version).toBe(2);
    expect(added.status).toBe("primary");

    const after = await ks.encrypt("data", "new");
    expect(text(await ks.decrypt(before))).toBe("old");
    expect(text(await ks.decrypt(after))).toBe("new");

    const info = await ks.getKey("data");
    expect(info.versions.map((version) => version.status)).toEqual(["active", "primary"]);
    expect(info.versions[0]!.id).not.toBe(info.versions[1]!.id);
  });

  it("rotate makes new signatures with the new version", async () => {
    const { ks } = await openClient();
    await ks.createKey("signer", { purpose: "sign" });
    const first = await ks.exportPublicKey("signer");
    const oldSignature = await ks.sign("signer", "m");

    await ks.rotate("signer");
    const second = await ks.exportPublicKey("signer");
    expect(second.kid).not.toBe(first.kid);
    expect(second.x).not.toBe(first.x);
    expect(await ks.verify("signer", "m", oldSignature)).toBe(true);
    expect(await ks.verify("signer", "m", oldSignature, { version: 2 })).toBe(false);
    expect(await ks.verify("signer", "m", oldSignature, { version: 1 })).toBe(true);
  });

  it("revoked version fails to decrypt", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("data", "x");
    await ks.rotate("data");

    const info = await ks.revoke("data", { version: 1 });
    expect(info.versions[0]!.status).toBe("disabled");
    const error = await rejection(ks.decrypt(ciphertext));
    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).toBe("decryption failed");

    await ks.enable("data", { version: 1 });
    expect(text(await ks.decrypt(ciphertext))).toBe("x");
  });

  it("revoked signing version no longer verifies", async () => {
    const { ks } = await openClient();
    await ks.createKey("signer", { purpose: "sign", algorithm: "ECDSA-P256" });
    const signature = await ks.sign("signer", "m");
    await ks.rotate("signer");
    await ks.revoke("signer", { version: 1 });

    expect(await ks.verify("signer", "m", signature)).toBe(false);
    expect((await rejection(ks.exportPublicKey("signer", { version: 1 }))).code).toBe("KEY_DISABLED");
  });

  it("primary cannot be revoked without promote", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.rotate("data");

    const error = await rejection(ks.revoke("data", { version: 2 }));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("promote");

    const info = await ks.revoke("data", { version: 2, promote: 1 });
    expect(info.versions.map((version) => version.status)).toEqual(["primary", "disabled"]);
  });

  it("promote needs an active version", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.rotate("data");
    await ks.rotate("data");
    await ks.revoke("data", { version: 1 });

    expect((await rejection(ks.promote("data", { version: 1 }))).code).toBe("INVALID_ARGUMENT");
    const info = await ks.promote("data", { version: 2 });
    expect(info.versions.map((version) => version.status)).toEqual(["disabled", "primary", "active"]);
  });

  it("destroy requires confirm true", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.rotate("data");

    expect((await rejection(ks.destroy("data", { version: 1 } as never))).code).toBe("CONFIRMATION_REQUIRED");
    expect((await rejection(ks.destroy("data", { version: 1, confirm: "yes" } as never))).code).toBe("CONFIRMATION_REQUIRED");
  });

  it("destroyed version fails to decrypt and loses material", async () => {
    const { ks, store } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    const ciphertext = await ks.encrypt("data", "x");
    await ks.rotate("data");

    const info = await ks.destroy("data", { version: 1, confirm: true });
    expect(info.versions[0]!.status).toBe("destroyed");
    expect((await rejection(ks.decrypt(ciphertext))).code).toBe("DECRYPT_FAILED");

    const stored = await store.getKey("data");
    expect(stored!.value.material.has(1)).toBe(false);
    expect(stored!.value.material.has(2)).toBe(true);

    expect((await rejection(ks.enable("data", { version: 1 }))).code).toBe("INVALID_ARGUMENT");
    expect((await rejection(ks.revoke("data", { version: 1 }))).code).toBe("KEY_DESTROYED");
  });

  it("destroying the primary needs promote", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    expect((await rejection(ks.destroy("data", { version: 1, confirm: true }))).code).toBe("INVALID_ARGUMENT");

    await ks.rotate("data");
    const info = await ks.destroy("data", { version: 2, confirm: true, promote: 1 });
    expect(info.versions.map((version) => version.status)).toEqual(["primary", "destroyed"]);
  });

  it("unknown version number gives KEY_NOT_FOUND", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    expect((await rejection(ks.revoke("data", { version: 7 }))).code).toBe("KEY_NOT_FOUND");
    expect((await rejection(ks.revoke("data", { version: 0 }))).code).toBe("INVALID_ARGUMENT");
  });

  it("invalid version names the value", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });

    const zero = await rejection(ks.revoke("data", { version: 0 }));
    const missing = await rejection(ks.revoke("data", undefined as never));

    expect(zero.message).toContain("must be a positive integer version number");
    expect(zero.message).toContain("got 0");
    expect(missing.code).toBe("INVALID_ARGUMENT");
    expect(missing.message).toContain("got undefined");
  });

  it("rotation by another client is seen after cacheTtl", async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store = new MemoryStore();
    const first = await KeyState.open({ store, principal: "alice", clock, cacheTtl: 1000 });
    const second = await KeyState.open({ store, principal: "alice", clock, cacheTtl: 1000 });
    await first.createKey("data", { purpose: "encrypt" });
    await first.encrypt("data", "warm the cache");

    await second.rotate("data");
    const fromSecond = await second.encrypt("data", "v2");
    // An unseen version id makes the first client read the store at once.
    expect(text(await first.decrypt(fromSecond))).toBe("v2");

    await second.revoke("data", { version: 1 });
    const oldCiphertext = await second.encrypt("data", "still v2");
    now += 1000;
    expect(text(await first.decrypt(oldCiphertext))).toBe("still v2");
  });

  it("revocation by another client takes effect after cacheTtl", async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store = new MemoryStore();
    const first = await KeyState.open({ store, principal: "alice", clock, cacheTtl: 1000 });
    const second = await KeyState.open({ store, principal: "alice", clock, cacheTtl: 1000 });
    await first.createKey("data", { purpose: "encrypt" });
    const ciphertext = await first.encrypt("data", "x");
    await first.rotate("data");

    await second.revoke("data", { version: 1 });
    now += 999;
    expect(text(await first.decrypt(ciphertext))).toBe("x");
    now += 1;
    expect((await rejection(first.decrypt(ciphertext))).code).toBe("DECRYPT_FAILED");
  });
});

describe("synchronous forms", () => {
  it("sync encrypt and decrypt after load", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.load("data");

    const ciphertext = ks.sync.encrypt("data", "fast", { context: { a: "1" } });
    expect(text(ks.sync.decrypt(ciphertext, { context: { a: "1" } }))).toBe("fast");
    expect(text(await ks.decrypt(ciphertext, { context: { a: "1" } }))).toBe("fast");
    expect(text(ks.sync.decrypt(await ks.encrypt("data", "async")))).toBe("async");
    expect(thrown(() => ks.sync.decrypt(ciphertext)).code).toBe("DECRYPT_FAILED");
    expect(text(ks.sync.decrypt(ks.sync.encryptToString("data", "t")))).toBe("t");
  });

  it("sync sign and verify after load", async () => {
    const { ks } = await openClient();
    await ks.createKey("signer", { purpose: "sign" });
    await ks.load("signer");

    const signature = ks.sync.sign("signer", "m");
    expect(ks.sync.verify("signer", "m", signature)).toBe(true);
    expect(ks.sync.verify("signer", "n", signature)).toBe(false);
    expect(await ks.verify("signer", "m", signature)).toBe(true);
  });

  it("sync forms before load throw NOT_READY", async () => {
    const { ks, store } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.createKey("signer", { purpose: "sign" });

    const error = thrown(() => ks.sync.encrypt("data", "x"));
    expect(error.code).toBe("NOT_READY");
    expect(error.message).toContain('call await ks.load("data") first');
    expect(thrown(() => ks.sync.sign("signer", "x")).code).toBe("NOT_READY");

    const { ks: other } = await openClient({ store });
    const ciphertext = await other.encrypt("data", "x");
    expect(thrown(() => ks.sync.decrypt(ciphertext)).code).toBe("NOT_READY");
  });

  it("sync forms reject WebCrypto algorithms", async () => {
    const { ks } = await openClient();
    await ks.createKey("gcm", { purpose: "encrypt", algorithm: "AES-256-GCM" });
    await ks.createKey("ecdsa", { purpose: "sign", algorithm: "ECDSA-P256" });
    await ks.load("gcm");
    await ks.load("ecdsa");

    expect(thrown(() => ks.sync.encrypt("gcm", "x")).code).toBe("UNSUPPORTED_ALGORITHM");
    expect(thrown(() => ks.sync.sign("ecdsa", "x")).code).toBe("UNSUPPORTED_ALGORITHM");
  });

  it("loaded key stays loaded across rotate", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.load("data");
    const before = ks.sync.encrypt("data", "v1");

    await ks.rotate("data");
    const after = ks.sync.encrypt("data", "v2");
    expect(text(ks.sync.decrypt(before))).toBe("v1");
    expect(text(ks.sync.decrypt(after))).toBe("v2");
    expect((await ks.getKey("data")).versions[1]!.usage.operations).toBe(1);
  });

  it("sync decrypt of a revoked version fails", async () => {
    const { ks } = await openClient();
    await ks.createKey("data", { purpose: "encrypt" });
    await ks.load("data");
    const ciphertext = ks.sync.encrypt("data", "x");
    await ks.rotate("data");
    await ks.revoke("data", { version: 1 });

    expect(thrown(() => ks.sync.decrypt(ciphertext)).code).toBe("DECRYPT_FAILED");
  });
});
