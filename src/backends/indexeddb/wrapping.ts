import { KeyStateError } from "../../errors.js";

const IV_BYTES = 12;

/** Generates the non-extractable AES-256-GCM key that seals raw material at rest. */
export function generateWrappingKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

// Binds each sealed blob to its key name and version, so a blob copied into
// another record fails to open instead of handing out the wrong key.
function associatedData(keyName: string, version: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(["keystate-idb-material", keyName, version]));
}

/** Seals raw key bytes under `wrappingKey` with AES-256-GCM. */
export async function sealMaterial(
  wrappingKey: CryptoKey,
  keyName: string,
  version: number,
  bytes: Uint8Array,
): Promise<{ iv: Uint8Array; sealed: Uint8Array }> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));

  // Copy, so that a view over a larger or shared buffer passes exactly its
  // own bytes to WebCrypto. The copy is wiped once sealed.
  const plain = new Uint8Array(bytes);
  try {
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: associatedData(keyName, version) },
      wrappingKey,
      plain,
    );
    return { iv, sealed: new Uint8Array(sealed) };
  } finally {
    plain.fill(0);
  }
}

/** Opens material sealed by sealMaterial. Throws STORE_CORRUPT when the blob does not open. */
export async function openMaterial(
  wrappingKey: CryptoKey,
  keyName: string,
  version: number,
  iv: Uint8Array,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(iv), additionalData: associatedData(keyName, version) },
      wrappingKey,
      new Uint8Array(sealed),
    );
    return new Uint8Array(plain);
  } catch (error) {
    throw new KeyStateError(
      "STORE_CORRUPT",
      `The wrapped material of key "${keyName}" version ${version} does not open under its wrapping key; ` +
        "the database was changed outside KeyState or the wrapping key was replaced. Restore the key from a backup.",
      { cause: error },
    );
  }
}
