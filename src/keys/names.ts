import { KeyStateError } from "../errors.js";
import { describeValue } from "../core/bytes.js";

/** Maximum key name length, in characters (ASCII, so also in bytes). */
export const MAX_KEY_NAME_LENGTH = 128;

// ASCII only, so a name is the same string in every store, file name and
// header, and its length in bytes fits the header's one-byte length field.
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Returns true when `name` is a valid key name. */
export function isKeyName(name: unknown): name is string {
  return typeof name === "string" && KEY_NAME.test(name);
}

/**
 * Checks a key name: 1 to 128 characters from A-Z, a-z, 0-9, ".", "_" and
 * "-", starting with a letter or digit. Throws INVALID_ARGUMENT.
 */
export function assertKeyName(name: unknown, argument = "name"): asserts name is string {
  if (isKeyName(name)) return;

  const got = typeof name === "string" ? `"${name.slice(0, 40)}"${name.length > 40 ? "..." : ""}` : describeValue(name);
  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `${argument} must be a key name of 1 to ${MAX_KEY_NAME_LENGTH} characters from A-Z, a-z, 0-9, ".", "_" and "-", ` +
      `starting with a letter or digit; got ${got}`,
  );
}
