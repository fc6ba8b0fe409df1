import { KeyStateError } from "../../errors.js";

/**
 * Serializes a JSON value with object keys sorted at every level, so the same
 * value always gives the same text however its file was formatted. The file
 * store computes its checksums and MACs over this text.
 * Throws INVALID_ARGUMENT for values JSON cannot represent.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return JSON.stringify(value);
  }

  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new KeyStateError("INVALID_ARGUMENT", `JSON cannot represent the number ${value}; use a finite number`);
    }
    return JSON.stringify(value);
  }

  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  }

  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }

  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `JSON cannot represent a value of type ${typeof value}; pass plain objects, arrays, strings, finite numbers, booleans and null`,
  );
}

/**
 * Returns a plain-JSON copy of `value` (what JSON.stringify would write, read
 * back), so later changes by the caller do not reach the store.
 * Throws INVALID_ARGUMENT when `value` has no JSON form.
 */
export function toPlainJson(value: unknown, what: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new KeyStateError("INVALID_ARGUMENT", `${what} cannot be serialized as JSON; remove cycles and BigInt values`, {
      cause: error,
    });
  }

  if (text === undefined) {
    throw new KeyStateError("INVALID_ARGUMENT", `${what} has no JSON form; pass an object, array, string, number, boolean or null`);
  }

  return JSON.parse(text);
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
