// Cross-check against node:crypto (OpenSSL): Ed25519 signatures byte for
// byte, verification both ways, SHA-512 at every short length and at sizes
// that stream through the I/O area many times.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ed25519, ready, sha512 } from "../src/core/index.js";
import { atOffset, patternBytes } from "./helpers/aead-io.js";
import { toHex } from "./helpers/hex.js";

// PKCS#8 and SPKI DER prefixes for Ed25519 (RFC 8410): the raw 32-byte seed
// or public key follows them.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX_LENGTH = 12;

const MIB = 1024 * 1024;

beforeAll(async () => {
  await ready();
});

function nodeKeys(seed: Uint8Array): { privateKey: KeyObject; publicKey: Uint8Array } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX_LENGTH)) };
}

function nodeSha512(data: Uint8Array): string {
  return createHash("sha512").update(data).digest("hex");
}

describe("ed25519 against node:crypto", () => {
  it("signatures are byte-identical for random seeds and messages", () => {
    for (let i = 0; i < 200; i++) {
      const seed = randomBytes(32);
      const message = randomBytes(i === 0 ? 0 : Math.floor(Math.random() * 2000));
      const { privateKey } = nodeKeys(seed);
      expect(toHex(ed25519.sign(seed, message))).toBe(toHex(nodeSign(null, message, privateKey)));
    }
  });

  it("public keys are identical for random seeds", () => {
    for (let i = 0; i < 100; i++) {
      const seed = randomBytes(32);
      expect(toHex(ed25519.getPublicKey(seed))).toBe(toHex(nodeKeys(seed).publicKey));
    }
  });

  it("signatures match for the empty message and unaligned views", () => {
    for (const offset of [0, 1, 3, 5]) {
      for (const length of [0, 1, 64, 1000]) {
        const seed = randomBytes(32);
        const message = randomBytes(length);
        const expected = nodeSign(null, message, nodeKeys(seed).privateKey);
        expect(toHex(ed25519.sign(atOffset(seed, offset), atOffset(message, offset + 1)))).toBe(toHex(expected));
      }
    }
  });

  it("node:crypto verifies our signatures and we verify its", () => {
    for (let i = 0; i < 100; i++) {
      const seed = randomBytes(32);
      const message = randomBytes(i * 7);
      const { privateKey, publicKey } = nodeKeys(seed);

      const ours = ed25519.sign(seed, message);
      const theirs = nodeSign(null, message, privateKey);
      expect(nodeVerify(null, message, createPublicKey(privateKey), ours)).toBe(true);
      expect(ed25519.verify(publicKey, message, theirs)).toBe(true);
    }
  });

  it("rejects what node:crypto rejects for corrupted signatures", () => {
    for (let i = 0; i < 100; i++) {
      const seed = randomBytes(32);
      const message = randomBytes(50);
      const { privateKey, publicKey } = nodeKeys(seed);
      const signature = nodeSign(null, message, privateKey);
      signature[i % 64]! ^= 1 << (i % 8);

      const expected = nodeVerify(null, message, createPublicKey(privateKey), signature);
      expect(ed25519.verify(publicKey, message, signature)).toBe(expected);
    }
  });

  it("signs and verifies a 64 MiB message like node:crypto", () => {
    const seed = randomBytes(32);
    const message = patternBytes(64 * MIB + 3, 77);
    const { privateKey, publicKey } = nodeKeys(seed);

    const signature = ed25519.sign(seed, message);
    expect(toHex(signature)).toBe(toHex(nodeSign(null, message, privateKey)));
    expect(ed25519.verify(publicKey, message, signature)).toBe(true);
  });
});

describe("sha512 against node:crypto", () => {
  it("matches for every length from 0 to 1024", () => {
    const data = randomBytes(1024);
    for (let length = 0; length <= 1024; length++) {
      const view = data.subarray(0, length);
      expect(toHex(sha512(view))).toBe(nodeSha512(view));
    }
  });

  it("matches for random large inputs", () => {
    for (let i = 0; i < 6; i++) {
      const data = randomBytes(Math.floor(Math.random() * 4 * MIB));
      expect(toHex(sha512(atOffset(data, i)))).toBe(nodeSha512(data));
    }
  });

  it("matches for a 64 MiB input", () => {
    const data = patternBytes(64 * MIB + 1, 5);
    expect(toHex(sha512(data))).toBe(nodeSha512(data));
  });

  // The 1 GiB case: sign hashes the message twice (prefix || M, then
  // R || A || M), each time streamed through the I/O area in 16,384 chunks,
  // so a signature equal to node:crypto's checks SHA-512 over 1 GiB as well.
  // It took 16 s of CPU time on a 2-core AMD EPYC with Node 20; verification of
  // streamed messages is covered at 64 MiB above.
  it("signs a 1 GiB message like node:crypto", () => {
    const data = new Uint8Array(1024 * MIB + 5);
    for (let offset = 0; offset < data.length; offset += MIB) data.set(randomBytes(Math.min(MIB, data.length - offset)), offset);

    const seed = randomBytes(32);
    expect(toHex(ed25519.sign(seed, data))).toBe(toHex(nodeSign(null, data, nodeKeys(seed).privateKey)));
  }, 180_000);
});
