import { KeyStateError } from "../errors.js";
import type { StoredMaterial } from "../backends/key-store.js";
import { KeyMaterial } from "../keys/material.js";

/** Returns the runtime's SubtleCrypto. Throws UNSUPPORTED_ALGORITHM where WebCrypto is missing (insecure browser contexts). */
export function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (api === undefined) {
    throw new KeyStateError(
      "UNSUPPORTED_ALGORITHM",
      "WebCrypto (crypto.subtle) is not available here; browsers expose it only in secure contexts (https or localhost)",
    );
  }
  return api;
}

// TypeScript's DOM types want an ArrayBuffer-backed view; a Uint8Array over a
// SharedArrayBuffer is never passed here, so the cast only narrows the type.
export function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** Checks raw material and its length before an import. Throws STORE_CORRUPT. */
export function rawBytes(stored: StoredMaterial, algorithm: string, length?: number): Uint8Array {
  if (stored.type !== "raw" || !(stored.bytes instanceof Uint8Array) || (length !== undefined && stored.bytes.length !== length)) {
    throw new KeyStateError(
      "STORE_CORRUPT",
      `stored material of an ${algorithm} key is not ${length === undefined ? "raw bytes" : `${length} raw bytes`}`,
    );
  }
  return stored.bytes;
}

/**
 * Imports a stored secret key for WebCrypto: a stored CryptoKey as it is,
 * raw bytes as a non-extractable key. Throws STORE_CORRUPT.
 */
export async function loadSecretKey(
  stored: StoredMaterial,
  algorithm: AesKeyAlgorithm | HmacImportParams,
  usages: KeyUsage[],
  label: string,
): Promise<KeyMaterial> {
  if (stored.type === "cryptoKey") return new KeyMaterial({ key: stored.key });

  const bytes = rawBytes(stored, label, 32);
  try {
    const key = await subtle().importKey("raw", source(bytes), algorithm, false, usages);
    return new KeyMaterial({ key });
  } catch (error) {
    throw new KeyStateError("STORE_CORRUPT", `stored material of an ${label} key could not be imported`, { cause: error });
  }
}

/** Returns the CryptoKey of loaded material. Throws INTERNAL when the engine got material of another kind. */
export function cryptoKeyOf(material: KeyMaterial): CryptoKey {
  const key = material.unsafeParts().key;
  if (key === undefined) throw new KeyStateError("INTERNAL", "the key material is not loaded as a CryptoKey");
  return key;
}

export function decryptFailed(cause?: unknown): KeyStateError {
  return new KeyStateError("DECRYPT_FAILED", "decryption failed", cause === undefined ? undefined : { cause });
}
