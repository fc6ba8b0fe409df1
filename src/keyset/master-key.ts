import { KeyStateError } from "../errors.js";
import { decodeBase64Url } from "../format/base64url.js";

/** Length of a keyset master key in bytes: an XChaCha20-Poly1305 key. */
export const MASTER_KEY_LENGTH = 32;

/**
 * Returns a keyset master key as bytes: a Uint8Array of 32 bytes as it is, or
 * a string of unpadded base64url (43 characters), the form an environment
 * secret stores, decoded. Throws INVALID_ARGUMENT without echoing the value.
 */
export function masterKeyOf(value: unknown): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (value instanceof Uint8Array) bytes = value;
  else if (typeof value === "string") {
    try {
      bytes = decodeBase64Url(value.trim(), "masterKey");
    } catch {
      bytes = undefined;
    }
  }

  if (bytes === undefined || bytes.length !== MASTER_KEY_LENGTH) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `masterKey must be ${MASTER_KEY_LENGTH} bytes, as a Uint8Array or as 43 characters of unpadded base64url; ` +
        "make one with `keystate keyset master-key`",
    );
  }
  return bytes;
}
