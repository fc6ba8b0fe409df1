import type { MacEngine } from "./engine.js";
import { randomBytes } from "./random.js";
import { cryptoKeyOf, loadSecretKey, source, subtle } from "./webcrypto.js";

const ALGORITHM = { name: "HMAC", hash: "SHA-256", length: 256 } as const;
const USAGES: KeyUsage[] = ["sign", "verify"];

/** HMAC-SHA256 (RFC 2104) through WebCrypto with 32-byte keys and 32-byte tags. */
export const hmacSha256Engine: MacEngine = {
  kind: "mac",
  algorithm: "HMAC-SHA256",
  purposes: ["mac"],
  synchronous: false,
  tagLength: 32,

  async generate(cryptoKeys) {
    if (!cryptoKeys) return { type: "raw", bytes: randomBytes(32) };
    const key = await subtle().generateKey(ALGORITHM, false, USAGES);
    return { type: "cryptoKey", key };
  },

  load(stored) {
    return loadSecretKey(stored, ALGORITHM, USAGES, "HMAC-SHA256");
  },

  async mac(material, message) {
    return new Uint8Array(await subtle().sign("HMAC", cryptoKeyOf(material), source(message)));
  },
};
