// Cross-check against @noble/curves and @noble/hashes, independent
// implementations that also run in the browser suite, plus the I/O-area
// contract: any view, memory growth, untouched inputs, wiped secrets.
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { beforeAll, describe, expect, it } from "vitest";
import { ed25519, ready, sha512 } from "../src/core/index.js";
import { IO_CHUNK_SIZE } from "../src/core/io-area.js";
import { coreExports } from "../src/core/module.js";
import { atOffset, memoryContains, patternBytes } from "./helpers/aead-io.js";
import { concatBytes, toHex } from "./helpers/hex.js";

// The group order L of RFC 8032 section 5.1.
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

const LENGTHS = [0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 1000, IO_CHUNK_SIZE - 1, IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, 2 * IO_CHUNK_SIZE + 77];

beforeAll(async () => {
  await ready();
});

function randomSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function bigIntToLittleEndian(value: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

describe("ed25519 against @noble/curves", () => {
  it.each(LENGTHS)("sign matches for a %i-byte message", (length) => {
    const seed = randomSeed();
    const message = patternBytes(length, length + 11);
    expect(toHex(ed25519.sign(seed, message))).toBe(toHex(nobleEd25519.sign(message, seed)));
  });

  it.each(LENGTHS)("verify accepts @noble/curves signatures of %i bytes", (length) => {
    const seed = randomSeed();
    const message = patternBytes(length, length + 12);
    const signature = nobleEd25519.sign(message, seed);
    expect(ed25519.verify(nobleEd25519.getPublicKey(seed), message, signature)).toBe(true);
  });

  it.each(LENGTHS)("@noble/curves accepts signatures of %i bytes", (length) => {
    const seed = randomSeed();
    const message = patternBytes(length, length + 13);
    const signature = ed25519.sign(seed, message);
    expect(nobleEd25519.verify(signature, message, ed25519.getPublicKey(seed), { zip215: false })).toBe(true);
  });

  it("getPublicKey matches for random seeds", () => {
    for (let i = 0; i < 32; i++) {
      const seed = randomSeed();
      expect(toHex(ed25519.getPublicKey(seed))).toBe(toHex(nobleEd25519.getPublicKey(seed)));
    }
  });

  it("verify rejects a signature for another message", () => {
    const seed = randomSeed();
    const signature = ed25519.sign(seed, patternBytes(100, 1));
    expect(ed25519.verify(ed25519.getPublicKey(seed), patternBytes(100, 2), signature)).toBe(false);
  });

  it("verify rejects a signature under another key", () => {
    const message = patternBytes(100, 3);
    const signature = ed25519.sign(randomSeed(), message);
    expect(ed25519.verify(ed25519.getPublicKey(randomSeed()), message, signature)).toBe(false);
  });

  it("verify rejects S + L, which lax verifiers accept", () => {
    const seed = randomSeed();
    const message = patternBytes(10, 4);
    const signature = ed25519.sign(seed, message);
    const s = littleEndianToBigInt(signature.subarray(32)) + ORDER;
    const malleated = concatBytes(signature.subarray(0, 32), bigIntToLittleEndian(s, 32));
    expect(ed25519.verify(ed25519.getPublicKey(seed), message, malleated)).toBe(false);
  });

  it("verify rejects a streamed message with one changed byte", () => {
    const seed = randomSeed();
    const message = patternBytes(3 * IO_CHUNK_SIZE + 5, 5);
    const signature = ed25519.sign(seed, message);
    message[2 * IO_CHUNK_SIZE + 1]! ^= 0x80;
    expect(ed25519.verify(ed25519.getPublicKey(seed), message, signature)).toBe(false);
  });
});

describe("sha512 against @noble/hashes", () => {
  it("matches for every length from 0 to 300", () => {
    for (let length = 0; length <= 300; length++) {
      const data = patternBytes(length, length + 1);
      expect(toHex(sha512(data))).toBe(toHex(nobleSha512(data)));
    }
  });

  it.each([IO_CHUNK_SIZE - 1, IO_CHUNK_SIZE, IO_CHUNK_SIZE + 1, 2 * IO_CHUNK_SIZE, 5 * IO_CHUNK_SIZE + 129])(
    "matches for %i bytes",
    (length) => {
      const data = patternBytes(length, length);
      expect(toHex(sha512(data))).toBe(toHex(nobleSha512(data)));
    },
  );
});

describe("ed25519 and sha512 input handling", () => {
  it.each([1, 2, 3, 5, 7])("accepts views at byte offset %i", (offset) => {
    const seed = randomSeed();
    const message = patternBytes(IO_CHUNK_SIZE + 3, offset);
    const expected = nobleEd25519.sign(message, seed);

    const signature = ed25519.sign(atOffset(seed, offset), atOffset(message, offset + 1));
    expect(toHex(signature)).toBe(toHex(expected));
    expect(toHex(ed25519.getPublicKey(atOffset(seed, offset)))).toBe(toHex(nobleEd25519.getPublicKey(seed)));
    const publicKey = atOffset(nobleEd25519.getPublicKey(seed), offset + 2);
    expect(ed25519.verify(publicKey, atOffset(message, offset + 3), atOffset(expected, offset + 4))).toBe(true);
    expect(toHex(sha512(atOffset(message, offset)))).toBe(toHex(nobleSha512(message)));
  });

  it("reads only the view, not the bytes around it", () => {
    const seed = randomSeed();
    const buffer = patternBytes(300, 6);
    const message = buffer.subarray(100, 200);
    expect(toHex(ed25519.sign(seed, message))).toBe(toHex(nobleEd25519.sign(buffer.slice(100, 200), seed)));
    expect(toHex(sha512(message))).toBe(toHex(nobleSha512(buffer.slice(100, 200))));
  });

  it("leaves the caller's bytes unchanged", () => {
    const seed = atOffset(randomSeed(), 3);
    const message = atOffset(patternBytes(IO_CHUNK_SIZE * 2 + 9, 7), 1);
    const seedBefore = toHex(new Uint8Array(seed.buffer));
    const messageBefore = toHex(new Uint8Array(message.buffer));

    const signature = ed25519.sign(seed, message);
    const publicKey = ed25519.getPublicKey(seed);
    const signatureBefore = toHex(signature);
    const publicKeyBefore = toHex(publicKey);
    ed25519.verify(publicKey, message, signature);
    sha512(message);

    expect(toHex(new Uint8Array(seed.buffer))).toBe(seedBefore);
    expect(toHex(new Uint8Array(message.buffer))).toBe(messageBefore);
    expect(toHex(signature)).toBe(signatureBefore);
    expect(toHex(publicKey)).toBe(publicKeyBefore);
  });

  it("returns arrays that are not views of WebAssembly memory", () => {
    const seed = randomSeed();
    const memory = coreExports().memory.buffer;
    expect(ed25519.sign(seed, patternBytes(10)).buffer).not.toBe(memory);
    expect(ed25519.getPublicKey(seed).buffer).not.toBe(memory);
    expect(sha512(patternBytes(10)).buffer).not.toBe(memory);
  });

  it("keeps working after memory grows between calls", () => {
    const seed = randomSeed();
    const message = patternBytes(2 * IO_CHUNK_SIZE + 1, 8);
    const expected = toHex(nobleEd25519.sign(message, seed));

    for (let i = 0; i < 3; i++) {
      coreExports().memory.grow(1);
      expect(toHex(ed25519.sign(seed, message))).toBe(expected);
      coreExports().memory.grow(1);
      expect(ed25519.verify(nobleEd25519.getPublicKey(seed), message, nobleEd25519.sign(message, seed))).toBe(true);
      coreExports().memory.grow(1);
      expect(toHex(sha512(message))).toBe(toHex(nobleSha512(message)));
    }
  });

  it.each([0, 100, 3 * IO_CHUNK_SIZE])("wipes the seed, the expanded key and the nonce after signing %i bytes", (length) => {
    const seed = randomSeed();
    const message = patternBytes(length, 9);
    ed25519.sign(seed, message);

    const expanded = nobleSha512(seed);
    const scalar = expanded.slice(0, 32);
    scalar[0]! &= 248;
    scalar[31]! = (scalar[31]! & 127) | 64;
    const prefix = expanded.subarray(32);
    const nonce = bigIntToLittleEndian(littleEndianToBigInt(nobleSha512(concatBytes(prefix, message))) % ORDER, 32);

    expect(memoryContains(seed)).toBe(false);
    expect(memoryContains(scalar)).toBe(false);
    expect(memoryContains(prefix)).toBe(false);
    expect(memoryContains(nonce)).toBe(false);
  });

  it("wipes the seed and the expanded key after getPublicKey", () => {
    const seed = randomSeed();
    ed25519.getPublicKey(seed);
    expect(memoryContains(seed)).toBe(false);
    expect(memoryContains(nobleSha512(seed).subarray(0, 16))).toBe(false);
  });
});

describe("ed25519 and sha512 argument errors", () => {
  const notBytes: unknown[] = [undefined, null, "seed", 32, [1, 2, 3], new ArrayBuffer(32), new DataView(new ArrayBuffer(32)), new Uint16Array(16)];
  const invalidArgument = expect.objectContaining({ code: "INVALID_ARGUMENT" });

  it.each([0, 31, 33, 64])("sign rejects a %i-byte seed with INVALID_ARGUMENT", (length) => {
    expect(() => ed25519.sign(new Uint8Array(length), new Uint8Array(1))).toThrowError(invalidArgument);
  });

  it.each([0, 31, 33, 64])("getPublicKey rejects a %i-byte seed with INVALID_ARGUMENT", (length) => {
    expect(() => ed25519.getPublicKey(new Uint8Array(length))).toThrowError(invalidArgument);
  });

  it.each([0, 31, 33, 64])("verify rejects a %i-byte public key with INVALID_ARGUMENT", (length) => {
    expect(() => ed25519.verify(new Uint8Array(length), new Uint8Array(1), new Uint8Array(64))).toThrowError(invalidArgument);
  });

  it.each(notBytes)("every function rejects %s as an argument with INVALID_ARGUMENT", (value) => {
    const bytes = value as Uint8Array;
    const seed = randomSeed();
    const publicKey = ed25519.getPublicKey(seed);
    const signature = ed25519.sign(seed, new Uint8Array(0));
    expect(() => ed25519.getPublicKey(bytes)).toThrowError(invalidArgument);
    expect(() => ed25519.sign(bytes, new Uint8Array(0))).toThrowError(invalidArgument);
    expect(() => ed25519.sign(seed, bytes)).toThrowError(invalidArgument);
    expect(() => ed25519.verify(bytes, new Uint8Array(0), signature)).toThrowError(invalidArgument);
    expect(() => ed25519.verify(publicKey, bytes, signature)).toThrowError(invalidArgument);
    expect(() => ed25519.verify(publicKey, new Uint8Array(0), bytes)).toThrowError(invalidArgument);
    expect(() => sha512(bytes)).toThrowError(invalidArgument);
  });

  it.each([0, 1, 63, 65, 128])("verify returns false for a %i-byte signature", (length) => {
    const seed = randomSeed();
    const message = patternBytes(20, 10);
    const signature = ed25519.sign(seed, message);
    const resized = new Uint8Array(length);
    resized.set(signature.subarray(0, Math.min(length, 64)));
    expect(ed25519.verify(ed25519.getPublicKey(seed), message, resized)).toBe(false);
  });

  it("verify returns false for a public key that is not a curve point", () => {
    const message = patternBytes(20, 11);
    const signature = ed25519.sign(randomSeed(), message);
    // y = 2 gives x^2 = 3 / (4d + 1), which is not a square modulo p.
    const offCurve = new Uint8Array(32);
    offCurve[0] = 2;
    expect(nobleEd25519.utils.isValidPublicKey(offCurve)).toBe(false);
    expect(ed25519.verify(offCurve, message, signature)).toBe(false);
  });
});
