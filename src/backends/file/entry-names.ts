import { KeyStateError } from "../../errors.js";

/** Longest encoded file name the store writes, below the 255-byte limit of common file systems with room for ".json" and temporary suffixes. */
const MAX_ENCODED_LENGTH = 200;

const UNRESERVED = /^[a-z0-9_-]$/;

/**
 * Turns a key or document name into a file name stem. Lower-case letters,
 * digits, "-" and "_" stay as they are; every other UTF-8 byte becomes %hh.
 * Upper-case letters are escaped too, so two names never share a file on
 * case-insensitive file systems (macOS, Windows), and no name can contain a
 * path separator or start with a dot.
 * Throws INVALID_ARGUMENT for an empty name or one whose file name would be too long.
 */
export function encodeEntryName(name: string, what: "key" | "document"): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new KeyStateError("INVALID_ARGUMENT", `The ${what} name must be a non-empty string`);
  }

  let encoded = "";
  for (const character of name) {
    if (UNRESERVED.test(character)) {
      encoded += character;
      continue;
    }
    for (const byte of new TextEncoder().encode(character)) {
      encoded += `%${byte.toString(16).padStart(2, "0")}`;
    }
  }

  if (encoded.length > MAX_ENCODED_LENGTH) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `The ${what} name "${name.slice(0, 40)}..." is too long for the file store; use a name of at most ${MAX_ENCODED_LENGTH} lower-case ASCII characters`,
    );
  }

  return encoded;
}

/** Reverses encodeEntryName. Returns undefined for a stem encodeEntryName cannot have written. */
export function decodeEntryName(stem: string): string | undefined {
  if (!/^([a-z0-9_-]|%[0-9a-f]{2})+$/.test(stem)) return undefined;

  try {
    return decodeURIComponent(stem);
  } catch {
    return undefined;
  }
}
