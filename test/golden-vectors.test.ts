// Every release must open and verify the frozen vectors in test/golden/,
// written once by scripts/make-golden-vectors.ts. Never regenerate them to
// make this test pass: a failure here means old data no longer decrypts.
import { describe, expect, it } from "vitest";
import keysFile from "./golden/keys.json";
import ciphertextsFile from "./golden/ciphertexts.json";
import signaturesFile from "./golden/signatures.json";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { StoredMaterial } from "../src/backends/key-store.js";
import { fromText } from "../src/format/text.js";
import type { KeyInfo } from "../src/keys/types.js";
import { collect, fromParts, openClient, rejection } from "./helpers/client.js";

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const hex = (data: Uint8Array) => Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");

async function goldenClient() {
  const store = new MemoryStore();
  for (const key of keysFile.keys) {
    const material = new Map<number, StoredMaterial>();
    for (const [version, value] of Object.entries(key.material)) material.set(Number(version), { type: "raw", bytes: bytes(value) });
    await store.putKey({ info: key.info as KeyInfo, material }, null);
  }
  return (await openClient({ store })).ks;
}

interface Vector {
  kind: string;
  key: string;
  plaintext: string;
  context: Record<string, string> | null;
  ciphertext: string;
}

const vectors = ciphertextsFile.ciphertexts as Vector[];

describe("golden vectors of format version 1", () => {
  it("files are format version 1 and non-empty", () => {
    expect(keysFile.formatVersion).toBe(1);
    expect(ciphertextsFile.formatVersion).toBe(1);
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    expect(new Set(vectors.map((vector) => vector.kind))).toEqual(new Set(["direct", "envelope", "stream"]));
  });

  it.each(vectors.map((vector, index) => [index, vector.kind, vector.key, vector] as const))(
    "vector %i (%s, %s) opens to its plaintext",
    async (_index, kind, _key, vector) => {
      const ks = await goldenClient();
      const options = vector.context === null ? {} : { context: vector.context };

      let plaintext: Uint8Array;
      if (kind === "direct") plaintext = await ks.decrypt(vector.ciphertext, options);
      else if (kind === "envelope") plaintext = await ks.open(vector.ciphertext, options);
      else plaintext = await collect(await ks.open(fromParts([fromText(vector.ciphertext)]), options));

      expect(hex(plaintext)).toBe(vector.plaintext);
    },
  );

  it("vectors fail with a different context", async () => {
    const ks = await goldenClient();
    for (const vector of vectors.filter((entry) => entry.context !== null)) {
      const options = { context: { ...vector.context, tenant: "other" } };
      const attempt =
        vector.kind === "direct"
          ? ks.decrypt(vector.ciphertext, options)
          : vector.kind === "envelope"
            ? ks.open(vector.ciphertext, options)
            : ks.open(fromParts([fromText(vector.ciphertext)]), options).then(collect);
      expect((await rejection(attempt)).code).toBe("DECRYPT_FAILED");
    }
  });

  it.each(signaturesFile.signatures.map((entry) => [entry.key, entry] as const))("signature of %s verifies", async (_key, entry) => {
    const ks = await goldenClient();
    expect(await ks.verify(entry.key, bytes(entry.message), bytes(entry.signature))).toBe(true);
    expect(await ks.exportPublicKey(entry.key)).toEqual(entry.jwk);
  });

  it("HMAC tag is reproduced exactly", async () => {
    const ks = await goldenClient();
    for (const entry of signaturesFile.macs) {
      expect(hex(await ks.mac(entry.key, bytes(entry.message)))).toBe(entry.tag);
      expect(await ks.verifyMac(entry.key, bytes(entry.message), bytes(entry.tag))).toBe(true);
    }
  });

  it("Ed25519 signature is reproduced exactly", async () => {
    const ks = await goldenClient();
    const entry = signaturesFile.signatures.find((signature) => signature.key === "golden-ed25519")!;
    // RFC 8032 signatures are deterministic.
    expect(hex(await ks.sign(entry.key, bytes(entry.message)))).toBe(entry.signature);
  });
});
