import type { KeyWrapEngine } from "./engine.js";
import { randomBytes } from "./random.js";
import { cryptoKeyOf, decryptFailed, loadSecretKey, source, subtle } from "./webcrypto.js";

const USAGES: KeyUsage[] = ["wrapKey", "unwrapKey"];

// WebCrypto wraps CryptoKeys, not bytes, so a data key travels through an
// extractable AES-GCM key that exists only for the wrap or unwrap call.
const CARRIER = { name: "AES-GCM", length: 256 } as const;

/** AES-KW (RFC 3394) with a 256-bit key-encryption key through WebCrypto: a 32-byte key wraps to 40 bytes. */
export const aesKwEngine: KeyWrapEngine = {
  kind: "keywrap",
  algorithm: "AES-KW",
  purposes: ["wrap"],
  synchronous: false,

  async generate(cryptoKeys) {
    if (!cryptoKeys) return { type: "raw", bytes: randomBytes(32) };
    const key = await subtle().generateKey({ name: "AES-KW", length: 256 }, false, USAGES);
    return { type: "cryptoKey", key };
  },

  load(stored) {
    return loadSecretKey(stored, { name: "AES-KW", length: 256 }, USAGES, "AES-KW");
  },

  async wrap(material, key) {
    const carrier = await subtle().importKey("raw", source(key), CARRIER, true, ["encrypt"]);
    return new Uint8Array(await subtle().wrapKey("raw", carrier, cryptoKeyOf(material), "AES-KW"));
  },

  async unwrap(material, wrapped) {
    let carrier: CryptoKey;
    try {
      carrier = await subtle().unwrapKey("raw", source(wrapped), cryptoKeyOf(material), "AES-KW", CARRIER, true, ["encrypt"]);
    } catch (error) {
      throw decryptFailed(error);
    }
    return new Uint8Array(await subtle().exportKey("raw", carrier));
  },
};
