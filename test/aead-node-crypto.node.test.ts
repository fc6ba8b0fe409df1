// Cross-check against node:crypto's chacha20-poly1305 (OpenSSL), and the
// large-input cases that need more memory than a browser tab should use.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from "node:crypto";
import { hchacha } from "@noble/ciphers/chacha.js";
import { beforeAll, describe, expect, it } from "vitest";
import { chacha20poly1305, ready, xchacha20poly1305 } from "../src/core/index.js";
import { IO_CHUNK_SIZE } from "../src/core/io-area.js";
import { atOffset } from "./helpers/aead-io.js";

beforeAll(async () => {
  await ready();
});

function nodeSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function nodeOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

// XChaCha20-Poly1305 through node:crypto: the subkey from @noble/ciphers'
// HChaCha20, the AEAD from OpenSSL.
function nodeXSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  const keyWords = new Uint32Array(key.slice().buffer);
  const nonceWords = new Uint32Array(nonce.slice(0, 16).buffer);
  const subkeyWords = new Uint32Array(8);
  hchacha(sigma, keyWords, nonceWords, subkeyWords);
  const shortNonce = new Uint8Array(12);
  shortNonce.set(nonce.subarray(16), 4);
  return nodeSeal(new Uint8Array(subkeyWords.buffer), shortNonce, plaintext, aad);
}

const MiB = 1024 * 1024;
const LENGTHS = [0, 1, 63, 64, 65, 1000, IO_CHUNK_SIZE - 1, IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, 5 * MiB + 3];

describe("chacha20poly1305 against node:crypto", () => {
  it.each(LENGTHS)("seal and open match for %i bytes", (length) => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const plaintext = randomBytes(length);
    const aad = randomBytes(randomInt(0, 64));
    const offset = randomInt(0, 16);

    const sealed = chacha20poly1305.seal(atOffset(key, offset), atOffset(nonce, offset), atOffset(plaintext, offset), atOffset(aad, offset));
    const expected = nodeSeal(key, nonce, plaintext, aad);
    expect(Buffer.from(sealed).equals(expected)).toBe(true);
    expect(Buffer.from(chacha20poly1305.open(key, nonce, atOffset(expected, offset + 1), aad)).equals(plaintext)).toBe(true);
  });

  it("seal matches for random lengths and offsets", () => {
    for (let run = 0; run < 50; run++) {
      const length = run < 40 ? randomInt(0, 5000) : randomInt(0, 3 * MiB);
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const plaintext = randomBytes(length);
      const aad = randomBytes(randomInt(0, 300));
      const sealed = chacha20poly1305.seal(key, nonce, atOffset(plaintext, randomInt(0, 64)), aad);
      expect(Buffer.from(sealed).equals(nodeSeal(key, nonce, plaintext, aad)), `length ${length}`).toBe(true);
    }
  });
});

describe("xchacha20poly1305 against node:crypto", () => {
  it.each(LENGTHS)("seal matches for %i bytes", (length) => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const plaintext = randomBytes(length);
    const aad = randomBytes(randomInt(0, 64));

    const sealed = xchacha20poly1305.seal(key, atOffset(nonce, 3), atOffset(plaintext, 5), aad);
    expect(Buffer.from(sealed).equals(nodeXSeal(key, nonce, plaintext, aad))).toBe(true);
  });
});

describe("large inputs", () => {
  it("round-trips 64 MiB and matches node:crypto", () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const plaintext = randomBytes(64 * MiB);
    const aad = randomBytes(100);

    const sealed = chacha20poly1305.seal(key, nonce, atOffset(plaintext, 1), aad);
    expect(Buffer.from(sealed).equals(nodeSeal(key, nonce, plaintext, aad))).toBe(true);
    expect(Buffer.from(chacha20poly1305.open(key, nonce, sealed, aad)).equals(plaintext)).toBe(true);
  });

  it("round-trips 1 GiB with XChaCha20-Poly1305", () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const plaintext = Buffer.alloc(1024 * MiB, 0x5c);
    plaintext.fill(randomBytes(4096), 0, 4096);

    const sealed = xchacha20poly1305.seal(key, nonce, plaintext);
    expect(sealed.length).toBe(plaintext.length + 16);
    const opened = xchacha20poly1305.open(key, nonce, sealed);
    expect(Buffer.from(opened.buffer, opened.byteOffset, opened.length).equals(plaintext)).toBe(true);
    // A version of this test with a third 1 GiB pass took 25 to 60 s on the loaded 2-core development machine.
  }, 240_000);
});
