import { KeyStateError } from "../../errors.js";
import { describeValue } from "../../core/bytes.js";
import type { StoredKey } from "../key-store.js";

/** Maximum length of a key or document name, in UTF-16 code units. */
export const MAX_ENTRY_NAME_LENGTH = 1024;

/**
 * Checks the name of a key or document: a string of 1 to 1024 characters.
 * The client checks user-facing key names more strictly, and the library
 * stores entries of its own under reserved names such as "__audit".
 * Throws INVALID_ARGUMENT.
 */
export function assertEntryName(name: unknown, what: string): asserts name is string {
  if (typeof name === "string" && name.length > 0 && name.length <= MAX_ENTRY_NAME_LENGTH) return;

  const got = typeof name === "string" ? `a string of ${name.length} characters` : describeValue(name);
  throw invalid(`${what} must be a string of 1 to ${MAX_ENTRY_NAME_LENGTH} characters, not ${got}`);
}

/** Checks an expectedRevision argument: null to create, or the revision read. Throws INVALID_ARGUMENT. */
export function assertExpectedRevision(expected: unknown): asserts expected is number | null {
  if (expected === null || (Number.isSafeInteger(expected) && (expected as number) >= 0)) return;

  throw new KeyStateError(
    "INVALID_ARGUMENT",
    `expectedRevision must be null (to create) or the non-negative integer revision that was read; got ${String(expected)}`,
  );
}

/**
 * Checks a key before it is stored: a valid name, material only for versions
 * that exist and are not destroyed, raw material as non-empty bytes, and
 * CryptoKeys that are non-extractable. Throws INVALID_ARGUMENT.
 */
export function assertStorableKey(key: unknown): asserts key is StoredKey {
  if (typeof key !== "object" || key === null) throw invalid("key must be an object with info and material");

  const { info, material } = key as Partial<StoredKey>;
  if (typeof info !== "object" || info === null || !Array.isArray(info.versions)) {
    throw invalid("key.info must be a KeyInfo object with a versions array");
  }
  assertEntryName(info.name, "key.info.name");
  if (!(material instanceof Map)) throw invalid(`key.material of key "${info.name}" must be a Map from version number to material`);

  const liveVersions = new Set(info.versions.filter((entry) => entry.status !== "destroyed").map((entry) => entry.version));
  for (const [version, entry] of material) {
    const where = `version ${String(version)} of key "${info.name}"`;
    if (!liveVersions.has(version)) {
      throw invalid(`material given for ${where}, which is not a version in key.info.versions or is destroyed`);
    }
    assertMaterial(entry, where);
  }
}

function assertMaterial(entry: unknown, where: string): void {
  const candidate = entry as { type?: unknown; bytes?: unknown; key?: unknown; publicKey?: unknown } | null;

  if (candidate?.type === "raw") {
    if (!(candidate.bytes instanceof Uint8Array) || candidate.bytes.length === 0) {
      throw invalid(`raw material of ${where} must be a non-empty Uint8Array`);
    }
    return;
  }

  if (candidate?.type === "cryptoKey") {
    if (!isCryptoKey(candidate.key) || candidate.key.type === "public") {
      throw invalid(`the material of ${where} must be a secret or private CryptoKey`);
    }
    if (candidate.key.extractable) {
      throw invalid(
        `the CryptoKey of ${where} is extractable, but this store keeps only non-extractable keys. ` +
          "Generate or import it with extractable set to false",
      );
    }
    if (candidate.publicKey !== undefined && (!isCryptoKey(candidate.publicKey) || candidate.publicKey.type !== "public")) {
      throw invalid(`the publicKey of ${where} must be a public CryptoKey`);
    }
    return;
  }

  throw invalid(`the material of ${where} must have type "raw" or "cryptoKey"`);
}

/**
 * Returns a plain JSON copy of a document value, so what a later read
 * returns never depends on the caller's object. Throws INVALID_ARGUMENT.
 */
export function toJsonDocument(name: string, value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw invalid(`document "${name}" cannot be encoded as JSON (a cycle or a BigInt): pass plain JSON data`, error);
  }
  if (text === undefined) throw invalid(`document "${name}" must be a JSON value, not ${typeof value}`);

  return JSON.parse(text) as unknown;
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}

function invalid(message: string, cause?: unknown): KeyStateError {
  return new KeyStateError("INVALID_ARGUMENT", message, cause === undefined ? undefined : { cause });
}
