// Every release must verify and open the frozen vectors of
// test/golden/tokens.json, written once by scripts/make-token-vectors.ts
// with the golden keys. Never regenerate them to make this test pass.
import { describe, expect, it } from "vitest";
import { importJWK, jwtVerify } from "jose";
import tokensFile from "./golden/tokens.json";
import keysFile from "./golden/keys.json";
import ciphertextsFile from "./golden/ciphertexts.json";
import signaturesFile from "./golden/signatures.json";
import { KeyState } from "../src/client/keystate.js";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { StoredMaterial } from "../src/backends/key-store.js";
import type { KeyInfo } from "../src/keys/types.js";
import { openClient } from "./helpers/client.js";
import type { JwtClaims } from "../src/tokens/claims.js";

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));

async function goldenClient(): Promise<KeyState> {
  const store = new MemoryStore();
  for (const key of keysFile.keys) {
    const material = new Map<number, StoredMaterial>();
    for (const [version, value] of Object.entries(key.material)) material.set(Number(version), { type: "raw", bytes: bytes(value) });
    await store.putKey({ info: key.info as KeyInfo, material }, null);
  }
  return (await openClient({ store })).ks;
}

const tokens = tokensFile.tokens.map((entry) => [entry.key, entry] as const);

describe("golden tokens of format version 1", () => {
  it.each(tokens)("%s token verifies in KeyState", async (key, entry) => {
    const ks = await goldenClient();

    const claims = await ks.verifyToken(entry.token, { key, issuer: "keystate-golden", audience: "billing" });

    expect(claims).toEqual(entry.claims);
  });

  it.each(tokens.filter(([key]) => key !== "golden-hmac"))("%s token verifies in jose", async (key, entry) => {
    const jwk = signaturesFile.signatures.find((signature) => signature.key === key)!.jwk;

    const { payload, protectedHeader } = await jwtVerify(entry.token, await importJWK(jwk, jwk.alg), { issuer: "keystate-golden" });

    expect(payload).toEqual(entry.claims);
    expect(protectedHeader.kid).toBe(jwk.kid);
  });

  it("HS256 token verifies in jose with the golden secret", async () => {
    const entry = tokensFile.tokens.find((token) => token.key === "golden-hmac")!;
    const secret = bytes(keysFile.keys.find((key) => key.info.name === "golden-hmac")!.material["1"]!);

    const { payload } = await jwtVerify(entry.token, secret, { algorithms: ["HS256"] });

    expect(payload).toEqual(entry.claims);
  });

  it.each(tokens.filter(([key]) => key !== "golden-ecdsa"))("%s signs the same token again", async (key, entry) => {
    const ks = await goldenClient();

    expect(await ks.signToken(key, entry.claims as JwtClaims)).toBe(entry.token);
  });

  it("sealed keyset opens and its keys work", async () => {
    const { masterKey, sealed } = tokensFile.keyset;
    const edge = await KeyState.fromSealedKeyset(sealed, { masterKey, principal: "edge" });
    const ciphertext = ciphertextsFile.ciphertexts[0]!;
    const token = tokensFile.tokens.find((entry) => entry.key === "golden-ed25519")!;

    const plaintext = await edge.decrypt(ciphertext.ciphertext, { context: ciphertext.context as Record<string, string> });
    const claims = await edge.verifyToken(token.token, { key: "golden-ed25519" });

    expect((await edge.listKeys()).map((info) => info.name)).toEqual(tokensFile.keyset.keys);
    expect(Array.from(plaintext, (byte) => byte.toString(16).padStart(2, "0")).join("")).toBe(ciphertext.plaintext);
    expect(claims.sub).toBe("user-7");
  });
});
