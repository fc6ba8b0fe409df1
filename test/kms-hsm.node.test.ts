import { createPublicKey, createDecipheriv, verify as nodeVerify, createCipheriv, randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isKeyStateError } from "../src/errors.js";
import * as jose from "jose";

import { RemoteKms, RemoteSigner } from "../src/kms/client/index.js";
import { createKmsProxy, issueToken, Pkcs11Backend, type KmsProxy } from "../src/kms/server/index.js";
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken } from "./kms/softhsm-token.js";

let token: SoftHsmToken;
let backend: Pkcs11Backend;
let proxy: KmsProxy;
let kms: RemoteKms;

beforeAll(async () => {
  token = createSoftHsmToken("kms-hsm");
  backend = await Pkcs11Backend.open({ modulePath: SOFTHSM_MODULE, tokenLabel: token.label, pin: token.pin });
  const issued = issueToken("app");
  proxy = createKmsProxy({ backend, tokens: { principals: [issued.credential] } });
  const url = await proxy.listen();
  kms = new RemoteKms({ url, token: issued.token, timeoutMs: 5000, retries: 0 });
  await kms.createKey("master", "AES-256-GCM");
  await kms.createKey("signer-ec", "ECDSA-P256");
  await kms.createKey("signer-ed", "ED25519");
});

afterAll(async () => {
  await proxy?.close();
  await backend?.close();
  token?.remove();
});

describe("kms proxy over SoftHSM2", () => {
  it("envelope encryption round-trips a data key", async () => {
    const context = { tenant: "acme" };
    const dataKey = await kms.generateDataKey("master", { context });
    expect(dataKey.plaintext.length).toBe(32);

    // Encrypt a message with the data key using node:crypto, independently of the proxy.
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", dataKey.plaintext, iv);
    const ciphertext = Buffer.concat([cipher.update("hello envelope"), cipher.final()]);
    const tag = cipher.getAuthTag();

    const unwrapped = await kms.unwrap(dataKey.wrappedKey, { context });
    const decipher = createDecipheriv("aes-256-gcm", unwrapped.plaintext, iv);
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString();
    expect(plaintext).toBe("hello envelope");
  });

  it("unwrap rejects another context", async () => {
    const wrapped = await kms.wrap("master", new Uint8Array(32).fill(7), { context: { tenant: "a" } });
    const error = await kms.unwrap(wrapped.wrappedKey, { context: { tenant: "b" } }).catch((e: unknown) => e);
    expect(isKeyStateError(error, "DECRYPT_FAILED")).toBe(true);
  });

  it("rotation keeps old wrapped keys unwrappable", async () => {
    await kms.createKey("rotating", "AES-256-GCM");
    const before = await kms.wrap("rotating", new Uint8Array(32).fill(1));
    const rotated = await kms.rotateKey("rotating");
    const after = await kms.wrap("rotating", new Uint8Array(32).fill(2));

    expect(rotated.primaryVersion).toBe(2);
    expect(before.keyVersion).toBe(1);
    expect(after.keyVersion).toBe(2);
    expect((await kms.unwrap(before.wrappedKey)).plaintext).toEqual(new Uint8Array(32).fill(1));
    expect((await kms.unwrap(after.wrappedKey)).plaintext).toEqual(new Uint8Array(32).fill(2));
  });

  it("ECDSA P-256 signature verifies with node:crypto", async () => {
    const message = new TextEncoder().encode("signed by the HSM");
    const signed = await kms.sign("signer-ec", message);
    const publicKey = await kms.getPublicKey("signer-ec");

    const key = createPublicKey({ key: Buffer.from(publicKey.spki), format: "der", type: "spki" });
    expect(nodeVerify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signed.signature)).toBe(true);
    expect(signed.kid).toBe(publicKey.kid);
    const jwkKey = createPublicKey({ key: publicKey.jwk as unknown as import("node:crypto").JsonWebKey, format: "jwk" });
    expect(nodeVerify("sha256", message, { key: jwkKey, dsaEncoding: "ieee-p1363" }, signed.signature)).toBe(true);
  });

  it("Ed25519 signature verifies with node:crypto", async () => {
    const message = new TextEncoder().encode("pure EdDSA");
    const signed = await kms.sign("signer-ed", message);
    const publicKey = await kms.getPublicKey("signer-ed");

    const key = createPublicKey({ key: Buffer.from(publicKey.spki), format: "der", type: "spki" });
    expect(nodeVerify(null, message, key, signed.signature)).toBe(true);
    expect(nodeVerify(null, new TextEncoder().encode("other"), key, signed.signature)).toBe(false);
  });

  it("RemoteSigner JWS verifies with jose", async () => {
    for (const keyName of ["signer-ec", "signer-ed"]) {
      const signer = new RemoteSigner(kms, keyName);
      const jws = await signer.signJws(JSON.stringify({ sub: "alice" }), { typ: "JWT" });

      const jwk = await signer.publicJwk();
      const key = await jose.importJWK(jwk, jwk.alg);
      const { payload, protectedHeader } = await jose.compactVerify(jws, key);
      expect(new TextDecoder().decode(payload)).toBe('{"sub":"alice"}');
      expect(protectedHeader.kid).toBe(jwk.kid);
    }
  });

  it("token refuses to reveal the master key value", () => {
    const pkcs11 = new pkcs11js.PKCS11();
    pkcs11.load(SOFTHSM_MODULE);
    // The backend has initialized the module in this process already.
    try {
      pkcs11.C_Initialize();
    } catch {
      // CKR_CRYPTOKI_ALREADY_INITIALIZED
    }
    const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === token.label)!;
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: "keystate:master:1" }]);
      const [handle] = pkcs11.C_FindObjects(session, 2);
      pkcs11.C_FindObjectsFinal(session);
      expect(handle).toBeDefined();

      const attributes = pkcs11.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]);
      expect(attributes[0]!.value[0]).toBe(1);
      expect(attributes[1]!.value[0]).toBe(0);

      let code: number | undefined;
      try {
        pkcs11.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE }]);
      } catch (error) {
        code = (error as { code: number }).code;
      }
      expect(code).toBe(pkcs11js.CKR_ATTRIBUTE_SENSITIVE);
    } finally {
      pkcs11.C_CloseSession(session);
    }
  });

  it("a second proxy on the same token sees rotations", async () => {
    const second = await Pkcs11Backend.open({ modulePath: SOFTHSM_MODULE, tokenLabel: token.label, pin: token.pin, refreshIntervalMs: 0 });
    try {
      await kms.createKey("shared", "AES-256-GCM");
      await kms.rotateKey("shared");
      const info = await second.getKey("shared");
      expect(info?.primaryVersion).toBe(2);
    } finally {
      await second.close();
    }
  });
});
