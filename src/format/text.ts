import { KeyStateError } from "../errors.js";
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";

/** Prefix of the text form: "ks" and the format version, then a dot. */
export const TEXT_PREFIX = "ks1.";

/** Encodes a ciphertext as text: "ks1." followed by unpadded base64url. */
export function toText(ciphertext: Uint8Array): string {
  return TEXT_PREFIX + encodeBase64Url(ciphertext);
}

/**
 * Decodes the text form back to bytes. Throws INVALID_ARGUMENT when the
 * prefix is missing or the rest is not base64url.
 */
export function fromText(text: string, name = "ciphertext"): Uint8Array {
  if (!text.startsWith(TEXT_PREFIX)) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `${name} is a string without the "${TEXT_PREFIX}" prefix; pass the string that encryptToString or sealToString returned, or the bytes`,
    );
  }

  return decodeBase64Url(text.slice(TEXT_PREFIX.length), name);
}
