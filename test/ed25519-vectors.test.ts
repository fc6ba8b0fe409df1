// Published known answers: RFC 8032 section 7.1, every case of Wycheproof's
// ed25519_test.json, and the FIPS 180-4 SHA-512 examples.
import { beforeAll, describe, expect, it } from "vitest";
import { ed25519, ready, sha512 } from "../src/core/index.js";
import { fromHex, toHex } from "./helpers/hex.js";
import rfc from "./vectors/rfc8032.json";
import wycheproof from "./vectors/ed25519_test.json";

interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: string;
}

const wycheproofCases = wycheproof.testGroups.flatMap((group) =>
  group.tests.map((test: WycheproofCase) => ({ ...test, publicKey: group.publicKey.pk })),
);

beforeAll(async () => {
  await ready();
});

describe("ed25519: RFC 8032 section 7.1", () => {
  it.each(rfc.ed25519)("getPublicKey: $name", (vector) => {
    expect(toHex(ed25519.getPublicKey(fromHex(vector.secretKey)))).toBe(vector.publicKey);
  });

  it.each(rfc.ed25519)("sign: $name", (vector) => {
    expect(toHex(ed25519.sign(fromHex(vector.secretKey), fromHex(vector.message)))).toBe(vector.signature);
  });

  it.each(rfc.ed25519)("verify accepts: $name", (vector) => {
    expect(ed25519.verify(fromHex(vector.publicKey), fromHex(vector.message), fromHex(vector.signature))).toBe(true);
  });

  it.each(rfc.ed25519)("verify rejects a flipped bit: $name", (vector) => {
    const signature = fromHex(vector.signature);
    for (const bit of [0, 255, 256, 511]) {
      const flipped = signature.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(ed25519.verify(fromHex(vector.publicKey), fromHex(vector.message), flipped)).toBe(false);
    }
  });
});

describe("ed25519: Wycheproof", () => {
  it("covers every case of the file", () => {
    expect(wycheproofCases.length).toBe(wycheproof.numberOfTests);
    expect(wycheproofCases.every((test) => test.result === "valid" || test.result === "invalid")).toBe(true);
  });

  it.each(wycheproofCases)("verify returns the expected result: tcId $tcId $comment ($result)", (test) => {
    const valid = ed25519.verify(fromHex(test.publicKey), fromHex(test.msg), fromHex(test.sig));
    expect(valid).toBe(test.result === "valid");
  });
});

describe("sha512: FIPS 180-4 examples and padding boundaries", () => {
  it.each(rfc.sha512)("digest: $name", (vector) => {
    expect(toHex(sha512(fromHex(vector.message)))).toBe(vector.digest);
  });
});
