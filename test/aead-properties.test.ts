import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { chacha20poly1305, ready, xchacha20poly1305 } from "../src/core/index.js";
import { IO_CHUNK_SIZE } from "../src/core/io-area.js";
import { chacha20Block, hchacha20 } from "../src/core/internal.js";
import { coreExports } from "../src/core/module.js";
import { KeyStateError } from "../src/errors.js";
import { atOffset, memoryContains, patternBytes } from "./helpers/aead-io.js";

beforeAll(async () => {
  await ready();
});

// Short inputs come from fast-check byte by byte; long ones (around and past
// the I/O chunk size, where the wrapper switches to streaming) from a seeded
// generator, because fast-check builds arrays one element at a time.
const longLengths = fc.oneof(
  fc.constantFrom(IO_CHUNK_SIZE - 1, IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, IO_CHUNK_SIZE - 16),
  fc.integer({ min: 300, max: 3 * IO_CHUNK_SIZE }),
);
const messages = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 3 },
  { arbitrary: fc.tuple(longLengths, fc.integer()).map(([length, seed]) => patternBytes(length, seed)), weight: 1 },
);

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const firstDifference = actual.findIndex((byte, i) => byte !== expected[i]);
  expect(firstDifference).toBe(-1);
}

function expectDecryptFailed(open: () => unknown): void {
  let failure: unknown;
  try {
    open();
  } catch (error) {
    failure = error;
  }
  expect(failure).toBeInstanceOf(KeyStateError);
  expect((failure as KeyStateError).code).toBe("DECRYPT_FAILED");
  expect((failure as KeyStateError).message).toBe("decryption failed");
}

for (const aead of [xchacha20poly1305, chacha20poly1305]) {
  const label = aead.NONCE_LENGTH === 24 ? "xchacha20poly1305" : "chacha20poly1305";
  const keys = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const nonces = fc.uint8Array({ minLength: aead.NONCE_LENGTH, maxLength: aead.NONCE_LENGTH });
  const aads = fc.oneof(fc.uint8Array({ maxLength: 100 }), messages);

  describe(`${label} properties`, () => {
    it("exposes its lengths", () => {
      expect(aead.KEY_LENGTH).toBe(32);
      expect(aead.NONCE_LENGTH).toBe(label === "xchacha20poly1305" ? 24 : 12);
      expect(aead.TAG_LENGTH).toBe(16);
    });

    it("open inverts seal", () => {
      fc.assert(
        fc.property(keys, nonces, messages, aads, (key, nonce, plaintext, aad) => {
          const sealed = aead.seal(key, nonce, plaintext, aad);
          expect(sealed.length).toBe(plaintext.length + 16);
          expectSameBytes(aead.open(key, nonce, sealed, aad), plaintext);
        }),
        { numRuns: 60 },
      );
    });

    it("open rejects any flipped bit of the sealed bytes", () => {
      fc.assert(
        fc.property(keys, nonces, messages, fc.nat(), fc.integer({ min: 0, max: 7 }), (key, nonce, plaintext, at, bit) => {
          const sealed = aead.seal(key, nonce, plaintext);
          sealed[at % sealed.length]! ^= 1 << bit;
          expectDecryptFailed(() => aead.open(key, nonce, sealed));
        }),
        { numRuns: 60 },
      );
    });

    it("open rejects any flipped bit of the aad", () => {
      fc.assert(
        fc.property(keys, nonces, messages, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (key, nonce, plaintext, aad, at, bit) => {
          const sealed = aead.seal(key, nonce, plaintext, aad);
          const changed = aad.slice();
          changed[at % changed.length]! ^= 1 << bit;
          expectDecryptFailed(() => aead.open(key, nonce, sealed, changed));
        }),
        { numRuns: 60 },
      );
    });

    it("open rejects any flipped bit of the nonce", () => {
      fc.assert(
        fc.property(keys, nonces, fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (key, nonce, plaintext, at, bit) => {
          const sealed = aead.seal(key, nonce, plaintext);
          const changed = nonce.slice();
          changed[at % changed.length]! ^= 1 << bit;
          expectDecryptFailed(() => aead.open(key, changed, sealed));
        }),
        { numRuns: 60 },
      );
    });

    it("open rejects truncated or extended sealed bytes", () => {
      const key = patternBytes(32, 3);
      const nonce = patternBytes(aead.NONCE_LENGTH, 4);
      const sealed = aead.seal(key, nonce, patternBytes(100, 5));
      expectDecryptFailed(() => aead.open(key, nonce, sealed.subarray(0, sealed.length - 1)));
      expectDecryptFailed(() => aead.open(key, nonce, sealed.subarray(1)));
      const longer = new Uint8Array(sealed.length + 1);
      longer.set(sealed);
      expectDecryptFailed(() => aead.open(key, nonce, longer));
    });
  });

  describe(`${label} inputs`, () => {
    const key = patternBytes(32, 11);
    const nonce = patternBytes(aead.NONCE_LENGTH, 12);

    it("gives the same bytes for views at odd byte offsets", () => {
      const plaintext = patternBytes(1000, 13);
      const aad = patternBytes(37, 14);
      const expected = aead.seal(key, nonce, plaintext, aad);

      for (const offset of [1, 3, 7, 13]) {
        const sealed = aead.seal(atOffset(key, offset), atOffset(nonce, offset + 1), atOffset(plaintext, offset + 2), atOffset(aad, offset + 3));
        expect(sealed).toEqual(expected);
        expect(aead.open(atOffset(key, offset), atOffset(nonce, offset), atOffset(sealed, offset), atOffset(aad, offset))).toEqual(plaintext);
      }
    });

    it("seals and opens empty plaintext and aad", () => {
      const sealed = aead.seal(key, nonce, new Uint8Array(0), new Uint8Array(0));
      expect(sealed.length).toBe(16);
      expect(aead.seal(key, nonce, new Uint8Array(0))).toEqual(sealed);
      expect(aead.open(key, nonce, sealed)).toEqual(new Uint8Array(0));
    });

    it("leaves the caller's bytes unchanged", () => {
      const plaintext = patternBytes(3 * IO_CHUNK_SIZE + 5, 15);
      const aad = patternBytes(IO_CHUNK_SIZE + 9, 16);
      const copies = [key, nonce, plaintext, aad].map((bytes) => bytes.slice());

      const sealed = aead.seal(key, nonce, plaintext, aad);
      const sealedCopy = sealed.slice();
      aead.open(key, nonce, sealed, aad);

      [key, nonce, plaintext, aad].forEach((bytes, i) => expectSameBytes(bytes, copies[i]!));
      expectSameBytes(sealed, sealedCopy);
    });

    it("reads only inside the given views", () => {
      const plaintext = patternBytes(200, 17);
      const inBuffer = new Uint8Array(400);
      inBuffer.set(plaintext, 100);
      inBuffer.fill(0xff, 0, 100);
      inBuffer.fill(0xff, 300);
      expect(aead.seal(key, nonce, inBuffer.subarray(100, 300))).toEqual(aead.seal(key, nonce, plaintext));
    });

    it("returns arrays that do not share the core's memory", () => {
      const sealed = aead.seal(key, nonce, patternBytes(64, 18));
      const opened = aead.open(key, nonce, sealed);
      expect(sealed.buffer).not.toBe(coreExports().memory.buffer);
      expect(opened.buffer).not.toBe(coreExports().memory.buffer);
    });

    it("keeps working after the core's memory grows", () => {
      const plaintext = patternBytes(3 * IO_CHUNK_SIZE + 77, 19);
      const aad = patternBytes(50, 20);
      const before = aead.seal(key, nonce, plaintext, aad);
      const small = aead.seal(key, nonce, plaintext.subarray(0, 100), aad);

      coreExports().memory.grow(3);
      expectSameBytes(aead.seal(key, nonce, plaintext, aad), before);
      coreExports().memory.grow(1);
      expectSameBytes(aead.open(key, nonce, before, aad), plaintext);
      coreExports().memory.grow(2);
      expect(aead.seal(key, nonce, plaintext.subarray(0, 100), aad)).toEqual(small);
      expect(aead.open(key, nonce, small, aad)).toEqual(plaintext.subarray(0, 100));
    });

    it("leaves no key, subkey, keystream or input in the core's memory", () => {
      const secretKey = patternBytes(32, 21);
      const plaintext = patternBytes(5000, 22);
      const sealed = aead.seal(secretKey, nonce, plaintext);
      aead.open(secretKey, nonce, sealed);
      const forged = sealed.slice();
      forged[0]! ^= 1;
      expectDecryptFailed(() => aead.open(secretKey, nonce, forged));

      expect(memoryContains(secretKey)).toBe(false);
      expect(memoryContains(plaintext.subarray(0, 32))).toBe(false);
      expect(memoryContains(plaintext.subarray(4000, 4032))).toBe(false);
      expect(memoryContains(sealed.subarray(0, 32))).toBe(false);

      // The derived secrets: the XChaCha subkey and the first keystream block
      // (the Poly1305 key) of the ChaCha20 key actually used.
      let chachaKey = secretKey;
      let chachaNonce = nonce;
      if (aead.NONCE_LENGTH === 24) {
        chachaKey = hchacha20(secretKey, nonce.subarray(0, 16));
        chachaNonce = new Uint8Array(12);
        chachaNonce.set(nonce.subarray(16), 4);
        expect(memoryContains(chachaKey)).toBe(false);
      }
      const polyKeyBlock = chacha20Block(chachaKey, chachaNonce, 0);
      const firstKeystream = chacha20Block(chachaKey, chachaNonce, 1);
      expect(memoryContains(polyKeyBlock.subarray(0, 16))).toBe(false);
      expect(memoryContains(polyKeyBlock.subarray(16, 32))).toBe(false);
      expect(memoryContains(firstKeystream.subarray(0, 16))).toBe(false);
    });
  });

  describe(`${label} errors`, () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(aead.NONCE_LENGTH);

    it("rejects a key of the wrong length naming it", () => {
      expect(() => aead.seal(new Uint8Array(31), nonce, new Uint8Array(1))).toThrowError(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: "key must be 32 bytes long, got 31 bytes" }),
      );
      expect(() => aead.open(new Uint8Array(33), nonce, new Uint8Array(16))).toThrowError(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: "key must be 32 bytes long, got 33 bytes" }),
      );
    });

    it("rejects a nonce of the wrong length naming it", () => {
      const wrong = aead.NONCE_LENGTH === 24 ? 12 : 24;
      const message = `nonce must be ${aead.NONCE_LENGTH} bytes long, got ${wrong} bytes`;
      expect(() => aead.seal(key, new Uint8Array(wrong), new Uint8Array(1))).toThrowError(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message }),
      );
      expect(() => aead.open(key, new Uint8Array(wrong), new Uint8Array(16))).toThrowError(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message }),
      );
    });

    it("rejects arguments that are not Uint8Arrays", () => {
      const invalid = (name: string) => expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(new RegExp(`^${name} must be a Uint8Array`)) });
      const bytes = new Uint8Array(16);
      expect(() => aead.seal("key" as unknown as Uint8Array, nonce, bytes)).toThrowError(invalid("key"));
      expect(() => aead.seal(key, new Uint16Array(12) as unknown as Uint8Array, bytes)).toThrowError(invalid("nonce"));
      expect(() => aead.seal(key, nonce, new ArrayBuffer(4) as unknown as Uint8Array)).toThrowError(invalid("plaintext"));
      expect(() => aead.seal(key, nonce, bytes, [1, 2] as unknown as Uint8Array)).toThrowError(invalid("aad"));
      expect(() => aead.open(key, nonce, null as unknown as Uint8Array)).toThrowError(invalid("sealed"));
      expect(() => aead.open(key, nonce, bytes, "aad" as unknown as Uint8Array)).toThrowError(invalid("aad"));
    });

    it("rejects sealed input shorter than a tag with DECRYPT_FAILED", () => {
      for (const length of [0, 1, 15]) expectDecryptFailed(() => aead.open(key, nonce, new Uint8Array(length)));
    });

    it("leaves the I/O area wiped after a failed open", () => {
      const sealed = aead.seal(key, nonce, patternBytes(3 * IO_CHUNK_SIZE, 23));
      sealed[sealed.length - 1]! ^= 1;
      expectDecryptFailed(() => aead.open(key, nonce, sealed));

      const core = coreExports();
      const io = new Uint8Array(core.memory.buffer, core.ioBase(), 128 + IO_CHUNK_SIZE);
      expect(io.every((byte) => byte === 0)).toBe(true);
    });
  });
}
