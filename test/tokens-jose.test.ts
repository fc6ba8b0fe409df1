import { describe, expect, it } from "vitest";
import { SignJWT, UnsecuredJWT, createLocalJWKSet, exportJWK, importJWK, jwtVerify } from "jose";
import { MemoryStore } from "../src/backends/memory-store.js";
import { decodeBase64Url, encodeBase64Url } from "../src/format/base64url.js";
import { openClient, rejection } from "./helpers/client.js";
import { ecdsaP256Pair, putTestKey } from "./helpers/token-keys.js";

// jose 6 is the independent implementation: it verifies KeyState's tokens
// against the JWKS KeyState exports, and signs tokens with keys the test
// also wrote into KeyState's store (KeyState has no importKey).

const NOW = () => Math.floor(Date.now() / 1000);

describe("jose verifies KeyState tokens", () => {
  it.each(["ED25519", "ECDSA-P256"] as const)("%s token verifies with the exported JWKS", async (algorithm) => {
    const { ks } = await openClient();
    await ks.createKey("api", { purpose: "sign", algorithm });
    const token = await ks.signToken("api", { iss: "keystate", aud: "jose", sub: "user-7" }, { expiresIn: 300 });

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await ks.exportJwks("api")), {
      issuer: "keystate",
      audience: "jose",
    });

    expect(payload.sub).toBe("user-7");
    expect(protectedHeader.alg).toBe(algorithm === "ED25519" ? "EdDSA" : "ES256");
    expect(protectedHeader.kid).toBe((await ks.exportPublicKey("api")).kid);
  });

  it.each(["ED25519", "ECDSA-P256"] as const)("%s JWKS follows rotation and revocation", async (algorithm) => {
    const { ks } = await openClient();
    await ks.createKey("api", { purpose: "sign", algorithm });
    const before = await ks.signToken("api", { n: 1 });
    await ks.rotate("api");
    const after = await ks.signToken("api", { n: 2 });

    const rotatedSet = createLocalJWKSet(await ks.exportJwks("api"));
    expect((await jwtVerify(before, rotatedSet)).payload.n).toBe(1);
    expect((await jwtVerify(after, rotatedSet)).payload.n).toBe(2);

    await ks.revoke("api", { version: 1 });
    const revokedSet = createLocalJWKSet(await ks.exportJwks("api"));

    await expect(jwtVerify(before, revokedSet)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    expect((await jwtVerify(after, revokedSet)).payload.n).toBe(2);
  });

  it("jose rejects a KeyState token with a changed payload", async () => {
    const { ks } = await openClient();
    await ks.createKey("api", { purpose: "sign" });
    const token = await ks.signToken("api", { sub: "user-7" });
    const parts = token.split(".");
    parts[1] = encodeBase64Url(new TextEncoder().encode(JSON.stringify({ sub: "admin" })));

    await expect(jwtVerify(parts.join("."), createLocalJWKSet(await ks.exportJwks("api")))).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });

  it("HS256 token verifies with the shared secret", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const store = new MemoryStore();
    await putTestKey(store, "shared", "HMAC-SHA256", { type: "raw", bytes: secret.slice() });
    const { ks } = await openClient({ store });

    const token = await ks.signToken("shared", { sub: "user-7" }, { expiresIn: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, secret, { algorithms: ["HS256"] });

    expect(payload.sub).toBe("user-7");
    expect(protectedHeader.kid).toBe("shared:5eed0001");
  });
});

describe("KeyState verifies jose tokens", () => {
  it("EdDSA token signed with the same key", async () => {
    const privateJwk = await exportJWK((await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair).privateKey);
    const seed = decodeBase64Url(privateJwk.d!, "d");
    const store = new MemoryStore();
    const id = await putTestKey(store, "partner", "ED25519", { type: "raw", bytes: seed });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({ sub: "from-jose" })
      .setProtectedHeader({ alg: "EdDSA", kid: `partner:${id.toString(16).padStart(8, "0")}` })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(await importJWK({ ...privateJwk, alg: "EdDSA" }, "EdDSA"));

    expect((await ks.verifyToken(token, { key: "partner" })).sub).toBe("from-jose");
  });

  it("ES256 token signed with the same key", async () => {
    const pair = await ecdsaP256Pair();
    const store = new MemoryStore();
    await putTestKey(store, "partner", "ECDSA-P256", { type: "raw", bytes: pair.pkcs8 });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({ sub: "from-jose" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("jose")
      .setIssuedAt()
      .sign(pair.privateKey);

    expect((await ks.verifyToken(token, { key: "partner", issuer: "jose" })).sub).toBe("from-jose");
  });

  it("HS256 token signed with the same secret", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const store = new MemoryStore();
    await putTestKey(store, "shared", "HMAC-SHA256", { type: "raw", bytes: secret.slice() });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({ sub: "from-jose" }).setProtectedHeader({ alg: "HS256" }).setAudience("api").sign(secret);

    expect((await ks.verifyToken(token, { key: "shared", audience: "api" })).sub).toBe("from-jose");
  });

  it("HS256 token signed with another secret is TOKEN_INVALID", async () => {
    const store = new MemoryStore();
    await putTestKey(store, "shared", "HMAC-SHA256", { type: "raw", bytes: crypto.getRandomValues(new Uint8Array(32)) });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).sign(crypto.getRandomValues(new Uint8Array(32)));

    expect((await rejection(ks.verifyToken(token, { key: "shared" }))).code).toBe("TOKEN_INVALID");
  });

  it("expired jose token is TOKEN_EXPIRED", async () => {
    const pair = await ecdsaP256Pair();
    const store = new MemoryStore();
    await putTestKey(store, "partner", "ECDSA-P256", { type: "raw", bytes: pair.pkcs8 });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256" }).setExpirationTime(NOW() - 10).sign(pair.privateKey);

    expect((await rejection(ks.verifyToken(token, { key: "partner" }))).code).toBe("TOKEN_EXPIRED");
    await expect(ks.verifyToken(token, { key: "partner", clockTolerance: 20 })).resolves.toBeDefined();
  });

  it("unsecured jose token is TOKEN_INVALID", async () => {
    const { ks } = await openClient();
    await ks.createKey("api", { purpose: "sign" });

    const token = new UnsecuredJWT({ sub: "admin" }).encode();

    expect((await rejection(ks.verifyToken(token, { key: "api" }))).code).toBe("TOKEN_INVALID");
  });

  it("ES256 token from another key is TOKEN_INVALID", async () => {
    const store = new MemoryStore();
    await putTestKey(store, "partner", "ECDSA-P256", { type: "raw", bytes: (await ecdsaP256Pair()).pkcs8 });
    const { ks } = await openClient({ store });

    const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256" }).sign((await ecdsaP256Pair()).privateKey);

    expect((await rejection(ks.verifyToken(token, { key: "partner" }))).code).toBe("TOKEN_INVALID");
  });
});
