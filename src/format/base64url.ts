import { KeyStateError } from "../errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as base64url without padding (RFC 4648 section 5). */
export function encodeBase64Url(bytes: Uint8Array): string {
  let text = "";
  let i = 0;

  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    text += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }

  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    text += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    text += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }

  return text;
}

/**
 * Decodes unpadded base64url. Throws INVALID_ARGUMENT for a character outside
 * the alphabet, padding, or a length that no byte string encodes to.
 */
export function decodeBase64Url(text: string, name: string): Uint8Array {
  if (text.length % 4 === 1) {
    throw new KeyStateError("INVALID_ARGUMENT", `${name} is not valid base64url: its length ${text.length} is impossible`);
  }

  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let buffered = 0;
  let out = 0;

  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `${name} is not valid base64url: unexpected character at position ${i}; use A-Z, a-z, 0-9, - and _ without padding`,
      );
    }

    buffered = (buffered << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (buffered >>> bits) & 0xff;
    }
  }

  // RFC 4648 section 3.5: the unused low bits of the last character must be zero.
  if ((buffered & ((1 << bits) - 1)) !== 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `${name} is not valid base64url: the last character has non-zero padding bits`);
  }

  return bytes;
}
