import { KeyStateError } from "../errors.js";
import { ed25519 as core } from "../core/index.js";
import { encodeBase64Url } from "../format/base64url.js";
import { KeyMaterial } from "../keys/material.js";
import type { SignatureEngine } from "./engine.js";
import { randomBytes } from "./random.js";
import { rawBytes } from "./webcrypto.js";
import { secretOf } from "./xchacha20-poly1305.js";

/**
 * Ed25519 (RFC 8032) in the WASM core. Material is the 32-byte seed; the
 * public key is derived at load. Signatures are 64 bytes.
 */
export const ed25519Engine: SignatureEngine = {
  kind: "signature",
  algorithm: "ED25519",
  purposes: ["sign"],
  synchronous: true,

  async generate() {
    return { type: "raw", bytes: randomBytes(32) };
  },

  async load(stored) {
    const secret = rawBytes(stored, "ED25519", 32).slice();
    return new KeyMaterial({ secret, publicBytes: core.getPublicKey(secret) });
  },

  async sign(material, message) {
    return core.sign(secretOf(material), message);
  },

  async verify(material, message, signature) {
    return verifyWith(material, message, signature);
  },

  signSync(material, message) {
    return core.sign(secretOf(material), message);
  },

  verifySync(material, message, signature) {
    return verifyWith(material, message, signature);
  },

  async publicJwk(material) {
    return { kty: "OKP", crv: "Ed25519", x: encodeBase64Url(publicBytesOf(material)) };
  },
};

function verifyWith(material: KeyMaterial, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return core.verify(publicBytesOf(material), message, signature);
}

function publicBytesOf(material: KeyMaterial): Uint8Array {
  const publicBytes = material.unsafeParts().publicBytes;
  if (publicBytes === undefined) throw new KeyStateError("INTERNAL", "the Ed25519 public key is not loaded");
  return publicBytes;
}
