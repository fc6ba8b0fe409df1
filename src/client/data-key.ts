import { KeyStateError } from "../errors.js";
import type { CipherEngine, Engine, KeyWrapEngine } from "../crypto/engine.js";
import { randomNonce } from "../crypto/random.js";
import { DATA_KEY_LENGTH } from "../format/header.js";
import type { KeyMaterial } from "../keys/material.js";
import { concatBytes } from "./bytes.js";

/**
 * Wraps a data key under a key-encryption key. AES-KW (RFC 3394) takes no
 * associated data and returns 40 bytes. An AEAD wrap key returns its nonce,
 * then the sealed key and tag, and authenticates `aad`: the header's prefix
 * and wrap section and the encryption context.
 */
export async function wrapDataKey(engine: Engine, material: KeyMaterial, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (engine.kind === "keywrap") return (engine as KeyWrapEngine).wrap(material, dataKey);

  const cipher = asCipher(engine);
  const nonce = randomNonce(cipher.nonceLength);
  const sealed = cipher.encryptSync !== undefined
    ? cipher.encryptSync(material, nonce, dataKey, aad)
    : await cipher.encrypt(material, nonce, dataKey, aad);
  return concatBytes(nonce, sealed);
}

/** Unwraps a data key that wrapDataKey made. Throws DECRYPT_FAILED. */
export async function unwrapDataKey(engine: Engine, material: KeyMaterial, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  let dataKey: Uint8Array;

  if (engine.kind === "keywrap") {
    if (wrapped.length !== DATA_KEY_LENGTH + 8) throw new KeyStateError("DECRYPT_FAILED", "decryption failed");
    dataKey = await (engine as KeyWrapEngine).unwrap(material, wrapped);
  } else {
    const cipher = asCipher(engine);
    if (wrapped.length !== cipher.nonceLength + DATA_KEY_LENGTH + cipher.tagLength) {
      throw new KeyStateError("DECRYPT_FAILED", "decryption failed");
    }
    const nonce = wrapped.subarray(0, cipher.nonceLength);
    const sealed = wrapped.subarray(cipher.nonceLength);
    dataKey = cipher.decryptSync !== undefined
      ? cipher.decryptSync(material, nonce, sealed, aad)
      : await cipher.decrypt(material, nonce, sealed, aad);
  }

  if (dataKey.length !== DATA_KEY_LENGTH) throw new KeyStateError("DECRYPT_FAILED", "decryption failed");
  return dataKey;
}

function asCipher(engine: Engine): CipherEngine {
  if (engine.kind !== "cipher") {
    throw new KeyStateError("INTERNAL", `${engine.algorithm} cannot wrap data keys`);
  }
  return engine as CipherEngine;
}
