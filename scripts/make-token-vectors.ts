// Writes test/golden/tokens.json: JWTs signed with the golden keys of
// test/golden/keys.json, and a sealed keyset of two of those keys under a
// fixed master key. Run it once per format version:
//
//   npx tsx scripts/make-token-vectors.ts
//
// It refuses to overwrite the file, because test/golden-tokens.test.ts checks
// that every later release still verifies and opens these exact strings.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { MemoryStore } from "../src/backends/memory-store.js";
import type { StoredMaterial } from "../src/backends/key-store.js";
import { KeyState } from "../src/client/keystate.js";
import type { KeyInfo } from "../src/keys/types.js";

const output = new URL("../test/golden/tokens.json", import.meta.url);
if (existsSync(output)) {
  console.error("test/golden/tokens.json exists; the vectors are frozen and must not be regenerated");
  process.exit(1);
}

const keysFile = JSON.parse(readFileSync(new URL("../test/golden/keys.json", import.meta.url), "utf8")) as {
  keys: { info: KeyInfo; material: Record<string, string> }[];
};
const store = new MemoryStore({ cryptoKeys: false });
for (const key of keysFile.keys) {
  const material = new Map<number, StoredMaterial>();
  for (const [version, hex] of Object.entries(key.material)) material.set(Number(version), { type: "raw", bytes: Buffer.from(hex, "hex") });
  await store.putKey({ info: key.info, material }, null);
}
const ks = await KeyState.open({ store, principal: "golden-vectors" });

// Fixed claims and no exp, so the tokens verify at any later date.
const claims = { iss: "keystate-golden", sub: "user-7", aud: ["api", "billing"], iat: 1796415400, jti: "golden-1", scope: ["read"] };
const tokens = [];
for (const key of ["golden-ed25519", "golden-ecdsa", "golden-hmac"]) {
  tokens.push({ key, claims, token: await ks.signToken(key, claims) });
}

// 32 bytes 0x00..0x1f: a fixed, public master key, for a test vector only.
const masterKey = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString("base64url");
const keysetKeys = ["golden-ed25519", "golden-xchacha"];
const keyset = { masterKey, keys: keysetKeys, sealed: await ks.exportSealedKeyset(keysetKeys, { masterKey }) };

writeFileSync(output, JSON.stringify({ formatVersion: 1, tokens, keyset }, null, 2) + "\n");
console.log("wrote test/golden/tokens.json");
