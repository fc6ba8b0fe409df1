// Cross-check against @noble/ciphers, an independent implementation that
// also runs in the browser suite.
import { chacha20poly1305 as nobleChacha, xchacha20poly1305 as nobleXChacha } from "@noble/ciphers/chacha.js";
import { beforeAll, describe, expect, it } from "vitest";
import { chacha20poly1305, ready, xchacha20poly1305 } from "../src/core/index.js";
import { IO_CHUNK_SIZE } from "../src/core/io-area.js";
import { atOffset, patternBytes } from "./helpers/aead-io.js";

beforeAll(async () => {
  await ready();
});

const LENGTHS = [
  0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 255, 256, 257, 1000, 4096,
  IO_CHUNK_SIZE - 1, IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, 2 * IO_CHUNK_SIZE + 100, 3 * 1024 * 1024 + 7,
];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

for (const [aead, noble] of [
  [xchacha20poly1305, nobleXChacha],
  [chacha20poly1305, nobleChacha],
] as const) {
  const label = aead.NONCE_LENGTH === 24 ? "xchacha20poly1305" : "chacha20poly1305";

  describe(`${label} against @noble/ciphers`, () => {
    it.each(LENGTHS)("seal matches for %i bytes of plaintext", (length) => {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const nonce = crypto.getRandomValues(new Uint8Array(aead.NONCE_LENGTH));
      const plaintext = patternBytes(length, length + 1);
      const aad = patternBytes(length % 100, length + 2);
      const offset = length % 7;

      const sealed = aead.seal(atOffset(key, offset), atOffset(nonce, offset + 1), atOffset(plaintext, offset + 2), atOffset(aad, offset + 3));
      expect(sameBytes(sealed, noble(key, nonce, aad).encrypt(plaintext))).toBe(true);
    });

    it.each(LENGTHS)("open accepts @noble/ciphers output for %i bytes", (length) => {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const nonce = crypto.getRandomValues(new Uint8Array(aead.NONCE_LENGTH));
      const plaintext = patternBytes(length, length + 3);
      const aad = patternBytes(length % 50, length + 4);

      const sealed = noble(key, nonce, aad).encrypt(plaintext);
      expect(sameBytes(aead.open(key, nonce, atOffset(sealed, 5), aad), plaintext)).toBe(true);
    });

    it("matches for long associated data streamed in chunks", () => {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const nonce = crypto.getRandomValues(new Uint8Array(aead.NONCE_LENGTH));
      for (const aadLength of [IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, 2 * IO_CHUNK_SIZE + 17]) {
        const aad = patternBytes(aadLength, aadLength);
        const plaintext = patternBytes(333, 9);
        const expected = noble(key, nonce, aad).encrypt(plaintext);
        expect(sameBytes(aead.seal(key, nonce, plaintext, aad), expected)).toBe(true);
        expect(sameBytes(aead.open(key, nonce, expected, aad), plaintext)).toBe(true);
      }
    });

    it("matches for random lengths and contents", () => {
      for (let run = 0; run < 40; run++) {
        const [lengthSeed] = crypto.getRandomValues(new Uint32Array(1));
        const length = run < 30 ? lengthSeed! % 2000 : lengthSeed! % (4 * IO_CHUNK_SIZE);
        const key = crypto.getRandomValues(new Uint8Array(32));
        const nonce = crypto.getRandomValues(new Uint8Array(aead.NONCE_LENGTH));
        const plaintext = patternBytes(length, lengthSeed);
        const aad = crypto.getRandomValues(new Uint8Array(lengthSeed! % 70));

        const sealed = aead.seal(key, nonce, plaintext, aad);
        expect(sameBytes(sealed, noble(key, nonce, aad).encrypt(plaintext)), `length ${length}`).toBe(true);
      }
    });
  });
}
