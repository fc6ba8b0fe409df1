// Checks what the client produces with implementations that share no code
// with it: node:crypto (OpenSSL), @noble/ciphers, @noble/curves and jose.
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, verify as nodeVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { base64url, compactVerify, importJWK } from "jose";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { KeyAlgorithm, KeyPurpose } from "../src/keys/types.js";
import { openClient, text, utf8 } from "./helpers/client.js";

async function clientWithRawKeys() {
  const store = new MemoryStore({ cryptoKeys: false });
  const { ks } = await openClient({ store });
  const rawKey = async (name: string, version = 1) => {
    const stored = await store.getKey(name);
    const material = stored!.value.material.get(version)!;
    if (material.type !== "raw") throw new Error("expected raw material");
    return material.bytes;
  };
  return { ks, store, rawKey };
}

async function create(ks: Awaited<ReturnType<typeof openClient>>["ks"], name: string, purpose: KeyPurpose, algorithm: KeyAlgorithm) {
  await ks.createKey(name, { purpose, algorithm });
}

// Encodes the context as docs/format.md specifies, written again here so the
// test does not reuse the library's encoder.
function contextBytes(context: Record<string, string>): Uint8Array {
  const pairs = Object.entries(context)
    .map(([name, value]) => [Buffer.from(name, "utf8"), Buffer.from(value, "utf8")] as const)
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [name, value] of pairs) parts.push(u32(name.length), name, u32(value.length), value);
  return Buffer.concat(parts);
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

describe("cross-checks with independent implementations", () => {
  it("XChaCha20-Poly1305 ciphertext opens with @noble/ciphers", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "data", "encrypt", "XCHACHA20-POLY1305");
    const context = { tenant: "acme", b: "2" };
    const ciphertext = await ks.encrypt("data", "cross-check", { context });

    const nameLength = ciphertext[5]!;
    const headerLength = 6 + nameLength + 4 + 24;
    const header = ciphertext.subarray(0, headerLength);
    const nonce = header.subarray(headerLength - 24);
    const aad = Buffer.concat([header, contextBytes(context)]);
    const opened = xchacha20poly1305(await rawKey("data"), nonce, aad).decrypt(ciphertext.subarray(headerLength));
    expect(text(opened)).toBe("cross-check");
  });

  it("large XChaCha20-Poly1305 ciphertexts open with @noble/ciphers", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "data", "encrypt", "XCHACHA20-POLY1305");
    await ks.load("data");
    const context = { part: "large" };

    for (const length of [65_536, 65_537, 200_001, 1_048_576]) {
      const plaintext = new Uint8Array(length).map((_, i) => (i * 31) & 0xff);
      const fromAsync = await ks.encrypt("data", plaintext, { context });
      const fromSync = ks.sync.encrypt("data", plaintext, { context });

      for (const ciphertext of [fromAsync, fromSync]) {
        const headerLength = 6 + ciphertext[5]! + 4 + 24;
        const aad = Buffer.concat([ciphertext.subarray(0, headerLength), contextBytes(context)]);
        const nonce = ciphertext.subarray(headerLength - 24, headerLength);
        const opened = xchacha20poly1305(await rawKey("data"), nonce, aad).decrypt(ciphertext.subarray(headerLength));
        expect(opened.length, `length ${length}`).toBe(length);
        expect(Buffer.compare(opened, plaintext), `length ${length}`).toBe(0);
      }
    }
  });

  it("AES-256-GCM ciphertext opens with node:crypto", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "gcm", "encrypt", "AES-256-GCM");
    const context = { x: "y" };
    const ciphertext = Buffer.from(await ks.encrypt("gcm", "gcm check", { context }));

    const headerLength = 6 + ciphertext[5]! + 4 + 12;
    const decipher = createDecipheriv("aes-256-gcm", await rawKey("gcm"), ciphertext.subarray(headerLength - 12, headerLength));
    decipher.setAAD(Buffer.concat([ciphertext.subarray(0, headerLength), contextBytes(context)]));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const opened = Buffer.concat([decipher.update(ciphertext.subarray(headerLength, ciphertext.length - 16)), decipher.final()]);
    expect(opened.toString("utf8")).toBe("gcm check");
  });

  it("AES-KW envelope opens with node:crypto and @noble/ciphers", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "kek", "wrap", "AES-KW");
    const context = { file: "report.pdf" };
    const envelope = Buffer.from(await ks.seal("kek", "wrapped payload", { context }));

    let offset = 6 + envelope[5]! + 4;
    const wrappedLength = envelope.readUInt16BE(offset);
    expect(wrappedLength).toBe(40);
    const wrapped = envelope.subarray(offset + 2, offset + 2 + wrappedLength);
    offset += 2 + wrappedLength;
    const dataSection = envelope.subarray(offset, offset + 25);
    expect(dataSection[0]).toBe(0x01);

    // RFC 3394 default IV A6A6A6A6A6A6A6A6.
    const unwrap = createDecipheriv("id-aes256-wrap", await rawKey("kek"), Buffer.from("a6a6a6a6a6a6a6a6", "hex"));
    const dataKey = Buffer.concat([unwrap.update(wrapped), unwrap.final()]);
    expect(dataKey.length).toBe(32);

    const aad = Buffer.concat([envelope.subarray(0, 4), dataSection, contextBytes(context)]);
    const opened = xchacha20poly1305(dataKey, dataSection.subarray(1), aad).decrypt(envelope.subarray(offset + 25));
    expect(text(opened)).toBe("wrapped payload");
  });

  it("XChaCha20-Poly1305 wrap key authenticates the wrap section and context", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "kek", "wrap", "XCHACHA20-POLY1305");
    const context = { a: "b" };
    const envelope = Buffer.from(await ks.seal("kek", "x", { context }));

    const wrapAadLength = 6 + envelope[5]! + 4;
    const wrapped = envelope.subarray(wrapAadLength + 2, wrapAadLength + 2 + envelope.readUInt16BE(wrapAadLength));
    const aad = Buffer.concat([envelope.subarray(0, wrapAadLength), contextBytes(context)]);
    const dataKey = xchacha20poly1305(await rawKey("kek"), wrapped.subarray(0, 24), aad).decrypt(wrapped.subarray(24));
    expect(dataKey.length).toBe(32);
  });

  it("Ed25519 signature verifies with node:crypto, noble and jose", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "signer", "sign", "ED25519");
    const message = utf8("signed by keystate");
    const signature = await ks.sign("signer", message);
    const jwk = await ks.exportPublicKey("signer");

    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(base64url.decode(jwk.x!)).toEqual(ed25519.getPublicKey(await rawKey("signer")));
    expect(ed25519.verify(signature, message, base64url.decode(jwk.x!))).toBe(true);

    const publicKey = createPublicKey({ key: jwk as never, format: "jwk" });
    expect(nodeVerify(null, message, publicKey, signature)).toBe(true);

    const protectedHeader = base64url.encode(JSON.stringify({ alg: "EdDSA", kid: jwk.kid }));
    const payload = base64url.encode("jws payload");
    const jwsSignature = await ks.sign("signer", `${protectedHeader}.${payload}`);
    const jws = `${protectedHeader}.${payload}.${base64url.encode(jwsSignature)}`;
    const verified = await compactVerify(jws, await importJWK(jwk, "EdDSA"));
    expect(text(verified.payload)).toBe("jws payload");
    expect(verified.protectedHeader.kid).toBe(jwk.kid);
  });

  it("ECDSA P-256 signature verifies with node:crypto, noble and jose", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "es", "sign", "ECDSA-P256");
    const message = utf8("p256 message");
    const signature = await ks.sign("es", message);
    const jwk = await ks.exportPublicKey("es");

    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    const fromPkcs8 = createPublicKey(createPrivateKey({ key: Buffer.from(await rawKey("es")), format: "der", type: "pkcs8" }));
    expect(fromPkcs8.export({ format: "jwk" })).toMatchObject({ x: jwk.x, y: jwk.y });

    const publicKey = createPublicKey({ key: jwk as never, format: "jwk" });
    expect(nodeVerify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);

    const point = Buffer.concat([Buffer.from([4]), base64url.decode(jwk.x!), base64url.decode(jwk.y!)]);
    expect(p256.verify(signature, message, point, { lowS: false })).toBe(true);

    const protectedHeader = base64url.encode(JSON.stringify({ alg: "ES256", kid: jwk.kid }));
    const payload = base64url.encode("es256 payload");
    const jwsSignature = await ks.sign("es", `${protectedHeader}.${payload}`);
    const verified = await compactVerify(`${protectedHeader}.${payload}.${base64url.encode(jwsSignature)}`, await importJWK(jwk, "ES256"));
    expect(text(verified.payload)).toBe("es256 payload");
  });

  it("Ed25519 signature from noble verifies in the client", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "signer", "sign", "ED25519");
    const message = utf8("made by noble");
    const signature = ed25519.sign(message, await rawKey("signer"));
    expect(await ks.verify("signer", message, signature)).toBe(true);
  });

  it("HMAC-SHA256 tag equals node:crypto's", async () => {
    const { ks, rawKey } = await clientWithRawKeys();
    await create(ks, "mac", "mac", "HMAC-SHA256");
    const tag = await ks.mac("mac", "hmac message");
    const expected = createHmac("sha256", await rawKey("mac")).update("hmac message").digest();
    expect(Buffer.from(tag).equals(expected)).toBe(true);
    expect(await ks.verifyMac("mac", "hmac message", new Uint8Array(expected))).toBe(true);
  });
});
