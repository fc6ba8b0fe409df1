import { KeyStateError } from "../errors.js";
import { describeValue } from "../core/bytes.js";
import { fromText } from "../format/text.js";

const encoder = new TextEncoder();

/** Plaintext or a message as callers pass it: bytes, or a string that is encoded as UTF-8. */
export type BytesLike = Uint8Array | string;

/** Returns `value` as bytes: a Uint8Array as it is, a string as UTF-8. Throws INVALID_ARGUMENT. */
export function bytesOf(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return encoder.encode(value);

  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `${name} must be a Uint8Array or a string, got ${describeValue(value)}`,
  );
}

/**
 * Returns a ciphertext as bytes: a Uint8Array as it is, a string in the
 * text form ("ks1." and base64url) decoded. Throws INVALID_ARGUMENT.
 */
export function ciphertextOf(value: unknown, name = "ciphertext"): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return fromText(value, name);

  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `${name} must be a Uint8Array or a "ks1." string, got ${describeValue(value)}`,
  );
}

/** Checks that `options` is undefined or an object. Throws INVALID_ARGUMENT. */
export function optionsOf<T extends object>(options: unknown, name = "options"): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new KeyStateError("INVALID_ARGUMENT", `${name} must be an object, got ${describeValue(options)}`);
  }
  return options as Partial<T>;
}

/** Shows a rejected version as written: 0, 1.5, undefined, "2"; other types by their kind. */
function describeVersion(value: unknown): string {
  if (value === undefined || typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return describeValue(value);
}

/** Checks a version number: a positive integer. Throws INVALID_ARGUMENT. */
export function assertVersionNumber(value: unknown, name = "version"): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new KeyStateError(
      "INVALID_ARGUMENT",
      `${name} must be a positive integer version number (1, 2, 3 ... as listed by getKey), got ${describeVersion(value)}`,
    );
  }
}

/** Returns true for a ReadableStream of this realm or a structurally equal one. */
export function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && value instanceof ReadableStream;
}

/** Returns true for an object with Symbol.asyncIterator. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return value !== null && typeof value === "object" && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}
