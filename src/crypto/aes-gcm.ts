import { KeyMaterial } from "../keys/material.js";
import type { CipherEngine } from "./engine.js";
import { randomBytes } from "./random.js";
import { cryptoKeyOf, decryptFailed, loadSecretKey, source, subtle } from "./webcrypto.js";

const USAGES: KeyUsage[] = ["encrypt", "decrypt"];

/**
 * AES-256-GCM through WebCrypto with 12-byte random nonces and 16-byte tags.
 * NOTE: random 96-bit nonces keep the collision chance below 2^-32 only for
 * up to 2^32 encryptions per key (NIST SP 800-38D section 8.3). Rotate by use
 * count well before that.
 */
export const aesGcmEngine: CipherEngine = {
  kind: "cipher",
  algorithm: "AES-256-GCM",
  purposes: ["encrypt", "wrap"],
  synchronous: false,
  nonceLength: 12,
  tagLength: 16,

  async generate(cryptoKeys) {
    if (!cryptoKeys) return { type: "raw", bytes: randomBytes(32) };
    const key = await subtle().generateKey({ name: "AES-GCM", length: 256 }, false, USAGES);
    return { type: "cryptoKey", key };
  },

  load(stored): Promise<KeyMaterial> {
    return loadSecretKey(stored, { name: "AES-GCM", length: 256 }, USAGES, "AES-256-GCM");
  },

  async encrypt(material, nonce, plaintext, aad) {
    const parameters = { name: "AES-GCM", iv: source(nonce), additionalData: source(aad), tagLength: 128 };
    return new Uint8Array(await subtle().encrypt(parameters, cryptoKeyOf(material), source(plaintext)));
  },

  async decrypt(material, nonce, ciphertext, aad) {
    const parameters = { name: "AES-GCM", iv: source(nonce), additionalData: source(aad), tagLength: 128 };
    try {
      return new Uint8Array(await subtle().decrypt(parameters, cryptoKeyOf(material), source(ciphertext)));
    } catch (error) {
      throw decryptFailed(error);
    }
  },
};
