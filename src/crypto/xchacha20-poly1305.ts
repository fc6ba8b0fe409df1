import { KeyStateError } from "../errors.js";
import { xchacha20poly1305 } from "../core/index.js";
import { KeyMaterial } from "../keys/material.js";
import { xchacha20Poly1305SealInto } from "./xchacha20-poly1305-into.js";
import type { CipherEngine } from "./engine.js";
import { randomBytes } from "./random.js";
import { rawBytes } from "./webcrypto.js";

/**
 * XChaCha20-Poly1305 in the WASM core: 32-byte keys, 24-byte random nonces
 * (safe to draw at random for any practical number of messages), 16-byte
 * tags. Material is always raw bytes, because WebCrypto has no such key type.
 */
export const xchacha20Poly1305Engine: CipherEngine = {
  kind: "cipher",
  algorithm: "XCHACHA20-POLY1305",
  purposes: ["encrypt", "wrap"],
  synchronous: true,
  nonceLength: 24,
  tagLength: 16,

  async generate() {
    return { type: "raw", bytes: randomBytes(32) };
  },

  async load(stored) {
    return new KeyMaterial({ secret: rawBytes(stored, "XCHACHA20-POLY1305", 32).slice() });
  },

  async encrypt(material, nonce, plaintext, aad) {
    return xchacha20poly1305.seal(secretOf(material), nonce, plaintext, aad);
  },

  async decrypt(material, nonce, ciphertext, aad) {
    return xchacha20poly1305.open(secretOf(material), nonce, ciphertext, aad);
  },

  encryptSync(material, nonce, plaintext, aad) {
    return xchacha20poly1305.seal(secretOf(material), nonce, plaintext, aad);
  },

  encryptIntoSync(material, nonce, plaintext, aad, output, offset) {
    xchacha20Poly1305SealInto(secretOf(material), nonce, plaintext, aad, output, offset);
  },

  decryptSync(material, nonce, ciphertext, aad) {
    return xchacha20poly1305.open(secretOf(material), nonce, ciphertext, aad);
  },
};

/** Returns the raw secret of material loaded by a core engine. */
export function secretOf(material: KeyMaterial): Uint8Array {
  const secret = material.unsafeParts().secret;
  if (secret === undefined) throw new KeyStateError("INTERNAL", "the key material has no raw secret loaded");
  return secret;
}
