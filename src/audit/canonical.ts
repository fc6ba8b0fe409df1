import { KeyStateError } from "../errors.js";

// Strings that JSON.stringify returns unchanged between quotes: no quote,
// backslash, control character or surrogate (ES2019 escapes lone surrogates).
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * Returns JSON.stringify(value) for a string. Skips the call for plain
 * strings, because the audit log encodes about ten strings per event.
 */
export function quoteJson(value: string): string {
  return PLAIN_STRING.test(value) ? `"${value}"` : JSON.stringify(value);
}

/**
 * Encodes a value as canonical JSON: object keys sorted by UTF-16 code unit,
 * no whitespace, fields whose value is undefined left out. Only strings,
 * safe integers, booleans, null, arrays and plain objects are accepted, so the
 * output equals RFC 8785 (JSON Canonicalization Scheme) for these values and
 * two encoders agree byte for byte.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return quoteJson(value);

    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new KeyStateError("INVALID_ARGUMENT", `audit values must be safe integers, got ${value}`);
      }
      return String(value);

    case "boolean":
      return value ? "true" : "false";

    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;

      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const name of Object.keys(record).sort()) {
        if (record[name] !== undefined) parts.push(`${quoteJson(name)}:${canonicalJson(record[name])}`);
      }
      return `{${parts.join(",")}}`;
    }

    default:
      throw new KeyStateError("INVALID_ARGUMENT", `audit values cannot contain a ${typeof value}`);
  }
}

/**
 * Returns canonicalJson(context), or undefined when `context` has no own
 * keys. A plain object of strings, the usual encryption context, is encoded
 * without the generic recursion.
 */
export function canonicalContext(context: unknown): string | undefined {
  const names = Object.keys(context as object);
  if (names.length === 0) return undefined;

  const record = context as Record<string, unknown>;
  if (typeof context !== "object" || Array.isArray(context)) return canonicalJson(record);

  names.sort();
  let out = "";
  for (const name of names) {
    const value = record[name];
    if (typeof value !== "string") return canonicalJson(record);
    out += `,${quoteJson(name)}:${quoteJson(value)}`;
  }
  return `{${out.slice(1)}}`;
}
