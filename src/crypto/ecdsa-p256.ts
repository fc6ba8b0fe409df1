import { KeyStateError } from "../errors.js";
import { KeyMaterial } from "../keys/material.js";
import type { SignatureEngine } from "./engine.js";
import { rawBytes, source, subtle } from "./webcrypto.js";

const CURVE = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;

/**
 * ECDSA over P-256 with SHA-256 through WebCrypto. Signatures are 64 bytes,
 * r || s (IEEE P1363), the form WebCrypto and JWS ES256 use. Raw material is
 * the private key's PKCS#8 DER encoding, as WebCrypto exports it.
 */
export const ecdsaP256Engine: SignatureEngine = {
  kind: "signature",
  algorithm: "ECDSA-P256",
  purposes: ["sign"],
  synchronous: false,

  async generate(cryptoKeys) {
    const pair = await subtle().generateKey(CURVE, !cryptoKeys, ["sign", "verify"]);
    if (cryptoKeys) return { type: "cryptoKey", key: pair.privateKey, publicKey: pair.publicKey };

    return { type: "raw", bytes: new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey)) };
  },

  async load(stored) {
    if (stored.type === "cryptoKey") {
      if (stored.publicKey === undefined) {
        throw new KeyStateError("STORE_CORRUPT", "stored material of an ECDSA-P256 key has no public key");
      }
      return new KeyMaterial({ key: stored.key, publicKey: stored.publicKey });
    }

    const pkcs8 = rawBytes(stored, "ECDSA-P256");
    try {
      // WebCrypto derives no public key from a private one, so the private
      // key is imported once as extractable to read x and y from its JWK.
      const extractable = await subtle().importKey("pkcs8", source(pkcs8), CURVE, true, ["sign"]);
      const { x, y } = await subtle().exportKey("jwk", extractable);
      const publicKey = await subtle().importKey("jwk", { kty: "EC", crv: "P-256", x, y }, CURVE, true, ["verify"]);
      const key = await subtle().importKey("pkcs8", source(pkcs8), CURVE, false, ["sign"]);
      return new KeyMaterial({ key, publicKey });
    } catch (error) {
      throw new KeyStateError("STORE_CORRUPT", "stored material of an ECDSA-P256 key could not be imported", { cause: error });
    }
  },

  async sign(material, message) {
    return new Uint8Array(await subtle().sign(SIGN, privateKey(material), source(message)));
  },

  async verify(material, message, signature) {
    if (signature.length !== 64) return false;
    return subtle().verify(SIGN, publicKey(material), source(signature), source(message));
  },

  async publicJwk(material) {
    const { x, y } = await subtle().exportKey("jwk", publicKey(material));
    return { kty: "EC", crv: "P-256", x, y };
  },
};

function privateKey(material: KeyMaterial): CryptoKey {
  const key = material.unsafeParts().key;
  if (key === undefined) throw new KeyStateError("INTERNAL", "the ECDSA-P256 private key is not loaded");
  return key;
}

function publicKey(material: KeyMaterial): CryptoKey {
  const key = material.unsafeParts().publicKey;
  if (key === undefined) throw new KeyStateError("INTERNAL", "the ECDSA-P256 public key is not loaded");
  return key;
}
