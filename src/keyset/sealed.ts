import { KeyStateError } from "../errors.js";
import { xchacha20poly1305 } from "../core/index.js";
import { randomBytes } from "../crypto/random.js";
import { decodeBase64Url, encodeBase64Url } from "../format/base64url.js";

/** Prefix of a sealed keyset's text form: "ksk", the format version and a dot. */
export const SEALED_KEYSET_PREFIX = "ksk1.";

// Bytes: "KSK" and version 1 (4 bytes, also the associated data, so the
// header cannot be swapped), a 24-byte random nonce, then the
// XChaCha20-Poly1305 ciphertext of the keyset document and its 16-byte tag.
const HEADER = new Uint8Array([0x4b, 0x53, 0x4b, 0x01]);
const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;

/** Seals a keyset document under a 32-byte master key and returns the text form. The core must be ready. */
export function sealKeysetDocument(document: Uint8Array, masterKey: Uint8Array): string {
  const nonce = randomBytes(NONCE_LENGTH);
  const sealed = xchacha20poly1305.seal(masterKey, nonce, document, HEADER);

  const bytes = new Uint8Array(HEADER.length + NONCE_LENGTH + sealed.length);
  bytes.set(HEADER, 0);
  bytes.set(nonce, HEADER.length);
  bytes.set(sealed, HEADER.length + NONCE_LENGTH);
  return SEALED_KEYSET_PREFIX + encodeBase64Url(bytes);
}

/**
 * Opens the text form of a sealed keyset and returns the document. Throws
 * INVALID_ARGUMENT for text that is not a sealed keyset, and DECRYPT_FAILED
 * without a reason for a wrong master key or changed text. The core must be ready.
 */
export function openKeysetDocument(text: unknown, masterKey: Uint8Array): Uint8Array {
  if (typeof text !== "string" || !text.trim().startsWith(SEALED_KEYSET_PREFIX)) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `a sealed keyset is a string starting with "${SEALED_KEYSET_PREFIX}", as \`keystate keyset export\` writes it`,
    );
  }

  const bytes = decodeBase64Url(text.trim().slice(SEALED_KEYSET_PREFIX.length), "sealed keyset");
  const header = bytes.subarray(0, HEADER.length);
  if (bytes.length < HEADER.length + NONCE_LENGTH + TAG_LENGTH || !header.every((byte, i) => byte === HEADER[i])) {
    throw new KeyStateError("DECRYPT_FAILED", "decryption failed");
  }

  const nonce = bytes.subarray(HEADER.length, HEADER.length + NONCE_LENGTH);
  return xchacha20poly1305.open(masterKey, nonce, bytes.subarray(HEADER.length + NONCE_LENGTH), HEADER);
}
