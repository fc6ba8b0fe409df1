// RemoteKms in a real browser against the proxy of the chromium project's
// global set-up. In the node project no proxy is provided and the suite is skipped:
// the .node.test.ts files cover RemoteKms in Node.
import { describe, expect, inject, it } from "vitest";

import { isKeyStateError } from "../src/errors.js";
import { RemoteKms } from "../src/kms/client/index.js";

const fixture = inject("kmsProxy");

describe.runIf(fixture !== undefined)("RemoteKms in the browser", () => {
  const kms = () => new RemoteKms({ url: fixture.url, token: fixture.token, timeoutMs: 5000, retries: 0 });

  it("envelope encryption round-trips with WebCrypto", async () => {
    const context = { page: "test" };
    const dataKey = await kms().generateDataKey("browser-master", { context });

    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealKey = await crypto.subtle.importKey("raw", dataKey.plaintext as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt"]);
    const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, sealKey, new TextEncoder().encode("from the browser"));

    const { plaintext } = await kms().unwrap(dataKey.wrappedKey, { context });
    const openKey = await crypto.subtle.importKey("raw", plaintext as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"]);
    const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, openKey, ciphertext);
    expect(new TextDecoder().decode(opened)).toBe("from the browser");
  });

  it("HSM signature verifies with WebCrypto", async () => {
    const message = new TextEncoder().encode("signed in SoftHSM2");
    const signed = await kms().sign("browser-signer", message);
    const { jwk } = await kms().getPublicKey("browser-signer");

    const key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signed.signature as Uint8Array<ArrayBuffer>, message);
    expect(valid).toBe(true);
  });

  it("signed requests pass", async () => {
    const signedKms = new RemoteKms({ url: fixture.url, token: fixture.signingToken, signingSecret: fixture.signingSecret, retries: 0 });
    const wrapped = await signedKms.wrap("browser-master", new Uint8Array(32).fill(1));
    expect((await signedKms.unwrap(wrapped.wrappedKey)).plaintext).toEqual(new Uint8Array(32).fill(1));
  });

  it("unknown key gives KEY_NOT_FOUND", async () => {
    const error = await kms().wrap("absent", new Uint8Array(32)).catch((e: unknown) => e);
    expect(isKeyStateError(error, "KEY_NOT_FOUND")).toBe(true);
  });

  it("wrong token gives UNAUTHENTICATED", async () => {
    const error = await new RemoteKms({ url: fixture.url, token: "wrong", retries: 0 }).listKeys().catch((e: unknown) => e);
    expect(isKeyStateError(error, "UNAUTHENTICATED")).toBe(true);
  });

  // Port 9 is on fetch's list of blocked ports, so the request fails before any connection.
  it("unreachable URL gives KMS_UNAVAILABLE", async () => {
    const error = await new RemoteKms({ url: "http://127.0.0.1:9", token: fixture.token, retries: 0 }).listKeys().catch((e: unknown) => e);
    expect(isKeyStateError(error, "KMS_UNAVAILABLE")).toBe(true);
  });
});
