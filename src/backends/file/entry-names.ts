import { createHash } from "node:crypto";
import { KeyStateError } from "../../errors.js";
import { describeValue } from "../../core/bytes.js";

/** Maximum length of an entry name, in UTF-16 code units. */
export const MAX_ENTRY_NAME_LENGTH = 1024;

/**
 * Maximum length of a readable file name stem. Longer stems are replaced by a hash, which
 * keeps every file name, with ".json" and the temporary-file affixes, well
 * below the 255-byte limit of common file systems.
 */
const MAX_READABLE_STEM_LENGTH = 120;

const UNRESERVED = /^[a-z0-9_-]$/;

/**
 * Returns the file name stem of a key or document. Lower-case letters,
 * digits, "-" and "_" stay as they are, and every other UTF-8 byte becomes
 * %hh. Upper-case letters are escaped too, so two names never share a file on
 * case-insensitive file systems (macOS, Windows), and no stem contains a path
 * separator or starts with a dot. A stem longer than 120 characters becomes
 * "~" and the SHA-256 of the name in hex; the name itself is inside the file.
 * Throws INVALID_ARGUMENT for an empty or overlong name.
 */
export function fileStemFor(name: string, what: "key" | "document"): string {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_ENTRY_NAME_LENGTH) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `The ${what} name must be a string of 1 to ${MAX_ENTRY_NAME_LENGTH} characters, got ${describeName(name)}`,
    );
  }

  let stem = "";
  for (const character of name) {
    if (UNRESERVED.test(character)) {
      stem += character;
      continue;
    }
    for (const byte of new TextEncoder().encode(character)) {
      stem += `%${byte.toString(16).padStart(2, "0")}`;
    }
  }

  if (stem.length <= MAX_READABLE_STEM_LENGTH) return stem;
  return `~${createHash("sha256").update(name, "utf8").digest("hex")}`;
}

function describeName(name: unknown): string {
  if (typeof name !== "string") return describeValue(name);
  return `${name.length} characters`;
}
