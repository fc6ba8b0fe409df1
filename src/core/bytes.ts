import { KeyStateError } from "../errors.js";

/**
 * Describes a value for an error message: "undefined", "null", a number or
 * boolean with its value, and otherwise only the type, so a string or buffer
 * that may contain a secret never appears in the message.
 */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === "number" || typeof value === "boolean") return `a ${typeof value} (${String(value)})`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (ArrayBuffer.isView(value)) return withArticle(value.constructor.name);
  if (value instanceof ArrayBuffer) return "an ArrayBuffer";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  // The remaining types are string, bigint, symbol and function.
  return `a ${typeof value}`;
}

function withArticle(noun: string): string {
  return /^[AEIOU]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/**
 * Checks that `value` is a Uint8Array, of exactly `length` bytes when a length
 * is given. Throws INVALID_ARGUMENT naming the argument, the expected and the
 * actual value.
 */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `${name} must be a Uint8Array, got ${describeValue(value)}; wrap other buffers with new Uint8Array(buffer, byteOffset, byteLength)`,
    );
  }

  if (length !== undefined && value.length !== length) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `${name} must be ${length} bytes long, got ${value.length} bytes`,
    );
  }
}

/** Like assertBytes, but also accepts undefined, which stands for zero bytes. */
export function optionalBytes(value: unknown, name: string): Uint8Array {
  if (value === undefined) return EMPTY;
  assertBytes(value, name);
  return value;
}

export const EMPTY = new Uint8Array(0);

/**
 * Compares two byte arrays in time that depends only on their lengths.
 * Use it for tags and MACs; JavaScript gives no hard guarantee, but this loop
 * has no data-dependent branch or early exit.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;

  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;

  return difference === 0;
}
