import { KeyStateError } from "../errors.js";

/** The caller's encryption context: string pairs bound to a ciphertext as associated data. */
export type EncryptionContext = Readonly<Record<string, string>>;

const encoder = new TextEncoder();
const EMPTY_CONTEXT = new Uint8Array(4);

/**
 * Checks that `context` is undefined or a plain object whose values are all
 * strings. Returns a frozen copy (or undefined), so a caller cannot change it
 * between the policy check and the encryption. Throws INVALID_ARGUMENT.
 */
export function validateContext(context: unknown): EncryptionContext | undefined {
  if (context === undefined) return undefined;

  const prototype = context !== null && typeof context === "object" ? Object.getPrototypeOf(context) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      "context must be a plain object of string values, for example { tenant: \"acme\" }",
    );
  }

  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(context as object)) {
    if (typeof value !== "string") {
      throw new KeyStateError(
        "INVALID_ARGUMENT",
        `context value of "${name}" must be a string, got a ${value === null ? "null" : typeof value}`,
      );
    }
    copy[name] = value;
  }

  return Object.freeze(copy);
}

/**
 * Encodes a context canonically, so equal contexts give equal bytes whatever
 * the property order: a u32 big-endian pair count, then for each pair in
 * ascending byte order of the UTF-8 name, u32 name length, name, u32 value
 * length, value (UTF-8). An absent or empty context is four zero bytes.
 */
export function encodeContext(context: EncryptionContext | undefined): Uint8Array {
  if (context === undefined) return EMPTY_CONTEXT;

  const pairs = Object.entries(context).map(([name, value]) => [encoder.encode(name), encoder.encode(value)] as const);
  if (pairs.length === 0) return EMPTY_CONTEXT;

  pairs.sort((a, b) => compareBytes(a[0], b[0]));

  let length = 4;
  for (const [name, value] of pairs) length += 8 + name.length + value.length;

  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, pairs.length);

  let offset = 4;
  for (const [name, value] of pairs) {
    view.setUint32(offset, name.length);
    bytes.set(name, offset + 4);
    offset += 4 + name.length;
    view.setUint32(offset, value.length);
    bytes.set(value, offset + 4);
    offset += 4 + value.length;
  }

  return bytes;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
