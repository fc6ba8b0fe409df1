import type { KeyStore, StoredMaterial } from "../../src/backends/key-store.js";
import type { KeyAlgorithm, KeyInfo, KeyPurpose } from "../../src/keys/types.js";

/**
 * Writes a key whose material the test made itself into a store, the way a
 * keyset import would: KeyState has no importKey, so this is how a test gives
 * jose and KeyState the same key. Returns the version id.
 */
export async function putTestKey(
  store: KeyStore,
  name: string,
  algorithm: KeyAlgorithm,
  material: StoredMaterial,
  versionId = 0x5eed0001,
): Promise<number> {
  const purpose: KeyPurpose = algorithm === "HMAC-SHA256" ? "mac" : "sign";
  const now = Date.now();
  const info: KeyInfo = {
    name,
    purpose,
    algorithm,
    createdAt: now,
    versions: [{ version: 1, id: versionId, status: "primary", createdAt: now, updatedAt: now, usage: { operations: 0, bytes: 0 } }],
  };
  await store.putKey({ info, material: new Map([[1, material]]) }, null);
  return versionId;
}

/** An ECDSA P-256 key pair as WebCrypto CryptoKeys, plus the private key's PKCS#8 bytes for the store. */
export async function ecdsaP256Pair(): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; pkcs8: Uint8Array }> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, pkcs8 };
}
