import { beforeAll, describe, expect, it } from "vitest";
import { chacha20poly1305, ready, xchacha20poly1305 } from "../src/core/index.js";
import { chacha20Block, chacha20Xor, hchacha20, poly1305 } from "../src/core/internal.js";
import { fromHex, toHex } from "./helpers/hex.js";
import chachaWycheproof from "./vectors/chacha20_poly1305_test.json";
import xchachaWycheproof from "./vectors/xchacha20_poly1305_test.json";
import rfc from "./vectors/rfc8439.json";

interface AeadCase {
  tcId: number;
  comment: string;
  flags: string[];
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: string;
}

interface AeadFile {
  testGroups: { ivSize: number; tests: AeadCase[] }[];
}

interface AeadKnownAnswer {
  name: string;
  key: string;
  nonce: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

function casesOf(file: AeadFile): AeadCase[] {
  return file.testGroups.flatMap((group) => group.tests);
}

beforeAll(async () => {
  await ready();
});

describe("RFC 8439 and draft-irtf-cfrg-xchacha known answers", () => {
  it.each(rfc.chacha20_block)("chacha20 block: $name", (vector) => {
    const block = chacha20Block(fromHex(vector.key), fromHex(vector.nonce), vector.counter);
    expect(toHex(block)).toBe(vector.block);
  });

  it.each(rfc.chacha20_encrypt)("chacha20 encryption: $name", (vector) => {
    const ciphertext = chacha20Xor(fromHex(vector.key), fromHex(vector.nonce), vector.counter, fromHex(vector.plaintext));
    expect(toHex(ciphertext)).toBe(vector.ciphertext);
  });

  it.each(rfc.poly1305)("poly1305: $name", (vector) => {
    expect(toHex(poly1305(fromHex(vector.key), fromHex(vector.message)))).toBe(vector.tag);
  });

  it.each(rfc.hchacha20)("hchacha20: $name", (vector) => {
    expect(toHex(hchacha20(fromHex(vector.key), fromHex(vector.nonce)))).toBe(vector.subkey);
  });

  it.each(rfc.xchacha20_poly1305)("xchacha20 one-time Poly1305 key: $name", (vector) => {
    const nonce = fromHex(vector.nonce);
    const subkey = hchacha20(fromHex(vector.key), nonce.subarray(0, 16));
    const chachaNonce = new Uint8Array(12);
    chachaNonce.set(nonce.subarray(16), 4);
    expect(toHex(chacha20Block(subkey, chachaNonce, 0).subarray(0, 32))).toBe(vector.poly1305_key);
  });

  const aeadVectors: [typeof chacha20poly1305, AeadKnownAnswer[]][] = [
    [chacha20poly1305, rfc.chacha20_poly1305],
    [xchacha20poly1305, rfc.xchacha20_poly1305],
  ];
  for (const [aead, vectors] of aeadVectors) {
    it.each(vectors)("seal: $name", (vector) => {
      const sealed = aead.seal(fromHex(vector.key), fromHex(vector.nonce), fromHex(vector.plaintext), fromHex(vector.aad));
      expect(toHex(sealed)).toBe(vector.ciphertext + vector.tag);
    });

    it.each(vectors)("open: $name", (vector) => {
      const opened = aead.open(fromHex(vector.key), fromHex(vector.nonce), fromHex(vector.ciphertext + vector.tag), fromHex(vector.aad));
      expect(toHex(opened)).toBe(vector.plaintext);
    });
  }
});

for (const [label, aead, file] of [
  ["chacha20poly1305", chacha20poly1305, chachaWycheproof],
  ["xchacha20poly1305", xchacha20poly1305, xchachaWycheproof],
] as const) {
  describe(`${label}: Wycheproof`, () => {
    const cases = casesOf(file as AeadFile);
    const valid = cases.filter((test) => test.result === "valid");
    const badNonce = cases.filter((test) => test.result === "invalid" && test.flags.includes("InvalidNonceSize"));
    const forged = cases.filter((test) => test.result === "invalid" && !test.flags.includes("InvalidNonceSize"));

    it("has valid cases, forgeries and wrong nonce sizes, and no other result", () => {
      expect(valid.length).toBeGreaterThan(200);
      expect(forged.length).toBeGreaterThan(50);
      expect(badNonce.length).toBeGreaterThan(0);
      expect(valid.length + forged.length + badNonce.length).toBe(cases.length);
    });

    it.each(valid)("seal gives the expected bytes: tcId $tcId $comment", (test) => {
      const sealed = aead.seal(fromHex(test.key), fromHex(test.iv), fromHex(test.msg), fromHex(test.aad));
      expect(toHex(sealed)).toBe(test.ct + test.tag);
    });

    it.each(valid)("open gives the expected bytes: tcId $tcId $comment", (test) => {
      const opened = aead.open(fromHex(test.key), fromHex(test.iv), fromHex(test.ct + test.tag), fromHex(test.aad));
      expect(toHex(opened)).toBe(test.msg);
    });

    it.each(forged)("open rejects with DECRYPT_FAILED: tcId $tcId $comment", (test) => {
      const open = () => aead.open(fromHex(test.key), fromHex(test.iv), fromHex(test.ct + test.tag), fromHex(test.aad));
      expect(open).toThrowError(expect.objectContaining({ code: "DECRYPT_FAILED", message: "decryption failed" }));
    });

    it.each(badNonce)("seal and open reject the nonce with INVALID_ARGUMENT: tcId $tcId $comment", (test) => {
      const invalidNonce = expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^nonce/) });
      expect(() => aead.seal(fromHex(test.key), fromHex(test.iv), fromHex(test.msg), fromHex(test.aad))).toThrowError(invalidNonce);
      expect(() => aead.open(fromHex(test.key), fromHex(test.iv), fromHex(test.ct + test.tag), fromHex(test.aad))).toThrowError(invalidNonce);
    });
  });
}
