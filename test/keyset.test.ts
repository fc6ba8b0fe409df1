import { describe, expect, it } from "vitest";
import { KeyState } from "../src/client/keystate.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import { encodeBase64Url } from "../src/format/base64url.js";
import { openClient, rejection, text } from "./helpers/client.js";

const masterKey = () => crypto.getRandomValues(new Uint8Array(32));

/** A source client with an encrypt key and a sign key, and a keyset of both. */
async function exported() {
  const { ks } = await openClient({ store: new MemoryStore({ cryptoKeys: false }) });
  await ks.createKey("config", { purpose: "encrypt" });
  await ks.createKey("api", { purpose: "sign" });
  const key = masterKey();
  const sealed = await ks.exportSealedKeyset(["config", "api"], { masterKey: key });
  return { source: ks, key, sealed };
}

describe("sealed keyset", () => {
  it("opened keyset decrypts and verifies", async () => {
    const { source, key, sealed } = await exported();
    const ciphertext = await source.encryptToString("config", "db-password", { context: { app: "edge" } });
    const token = await source.signToken("api", { sub: "user-7" });

    const edge = await KeyState.fromSealedKeyset(sealed, { masterKey: encodeBase64Url(key), principal: "edge" });

    expect(sealed.startsWith("ksk1.")).toBe(true);
    expect(text(await edge.decrypt(ciphertext, { context: { app: "edge" } }))).toBe("db-password");
    expect((await edge.verifyToken(token, { key: "api" })).sub).toBe("user-7");
    expect(await edge.exportJwks("api")).toEqual(await source.exportJwks("api"));
  });

  it("edge tokens verify at the source", async () => {
    const { source, key, sealed } = await exported();
    const edge = await KeyState.fromSealedKeyset(sealed, { masterKey: key, principal: "edge" });

    const token = await edge.signToken("api", { sub: "from-edge" });

    expect((await source.verifyToken(token, { key: "api" })).sub).toBe("from-edge");
  });

  it("keyset keeps rotated versions, drops revoked ones", async () => {
    const { ks } = await openClient({ store: new MemoryStore({ cryptoKeys: false }) });
    await ks.createKey("config", { purpose: "encrypt" });
    const old = await ks.encrypt("config", "v1");
    await ks.rotate("config");
    await ks.rotate("config");
    await ks.revoke("config", { version: 2 });
    const key = masterKey();

    const edge = await KeyState.fromSealedKeyset(await ks.exportSealedKeyset(["config"], { masterKey: key }), { masterKey: key, principal: "edge" });
    const info = await edge.getKey("config");

    expect(info.versions.map((version) => [version.version, version.status])).toEqual([
      [1, "active"],
      [3, "primary"],
    ]);
    expect(text(await edge.decrypt(old))).toBe("v1");
  });

  it("wrong master key is DECRYPT_FAILED", async () => {
    const { sealed } = await exported();

    expect((await rejection(KeyState.fromSealedKeyset(sealed, { masterKey: masterKey(), principal: "edge" }))).code).toBe("DECRYPT_FAILED");
  });

  it("changed keyset text is DECRYPT_FAILED", async () => {
    const { key, sealed } = await exported();
    const index = sealed.length - 10;
    const changed = sealed.slice(0, index) + (sealed[index] === "A" ? "B" : "A") + sealed.slice(index + 1);

    expect((await rejection(KeyState.fromSealedKeyset(changed, { masterKey: key, principal: "edge" }))).code).toBe("DECRYPT_FAILED");
  });

  it("text without the prefix is INVALID_ARGUMENT", async () => {
    const { key, sealed } = await exported();

    expect((await rejection(KeyState.fromSealedKeyset(sealed.slice(5), { masterKey: key, principal: "edge" }))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("master key of the wrong length is INVALID_ARGUMENT", async () => {
    const { sealed } = await exported();

    const rejected = await rejection(KeyState.fromSealedKeyset(sealed, { masterKey: "c2hvcnQ", principal: "edge" }));

    expect(rejected.code).toBe("INVALID_ARGUMENT");
    expect(rejected.message).not.toContain("c2hvcnQ");
  });

  it("keyset keys are read-only", async () => {
    const { key, sealed } = await exported();
    const edge = await KeyState.fromSealedKeyset(sealed, { masterKey: key, principal: "edge" });

    expect((await rejection(edge.rotate("api"))).code).toBe("STORE_READ_ONLY");
    const created = await rejection(edge.createKey("new", { purpose: "sign" }));
    expect(created.code).toBe("STORE_READ_ONLY");
    expect(created.message).toContain("opened from a sealed keyset and is read-only");
    expect(created.message).toContain('key "new" cannot be created or changed');
  });

  it("usage counters still flush", async () => {
    const { key, sealed } = await exported();
    const edge = await KeyState.fromSealedKeyset(sealed, { masterKey: key, principal: "edge" });

    await edge.signToken("api", {});
    await edge.flush();

    expect((await edge.getKey("api")).versions[0]!.usage.operations).toBe(1);
  });

  it("CryptoKey material is UNSUPPORTED_FORMAT", async () => {
    const { ks } = await openClient({ store: new MemoryStore({ cryptoKeys: true }) });
    await ks.createKey("gcm", { purpose: "encrypt", algorithm: "AES-256-GCM" });

    expect((await rejection(ks.exportSealedKeyset(["gcm"], { masterKey: masterKey() }))).code).toBe("UNSUPPORTED_FORMAT");
  });

  it("missing key is KEY_NOT_FOUND", async () => {
    const { ks } = await openClient();

    expect((await rejection(ks.exportSealedKeyset(["absent"], { masterKey: masterKey() }))).code).toBe("KEY_NOT_FOUND");
  });

  it("export needs the admin operation", async () => {
    const store = new MemoryStore({ cryptoKeys: false });
    const { ks } = await openClient({ store });
    await ks.createKey("api", { purpose: "sign" });
    const limited = await KeyState.open({
      store,
      principal: "bob",
      authorizer: {
        authorize: async (request) => ({ allowed: request.operation !== "admin" }),
        authorizeSync: (request) => ({ allowed: request.operation !== "admin" }),
      },
    });

    expect((await rejection(limited.exportSealedKeyset(["api"], { masterKey: masterKey() }))).code).toBe("POLICY_DENIED");
  });
});
