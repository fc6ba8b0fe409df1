import { KeyStateError } from "../errors.js";

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
      return JSON.stringify(value);

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
        if (record[name] !== undefined) parts.push(`${JSON.stringify(name)}:${canonicalJson(record[name])}`);
      }
      return `{${parts.join(",")}}`;
    }

    default:
      throw new KeyStateError("INVALID_ARGUMENT", `audit values cannot contain a ${typeof value}`);
  }
}
